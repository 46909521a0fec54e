"""Course bundles: export, import (API and browser), the round trip, and hostile zips."""

from __future__ import annotations

import io
import random
import stat
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courseware.authoring.bundles import MAX_FILE_BYTES, BundleRejected, read_bundle
from courseware.models import Chapter, Course, Page
from tests.authoring.conftest import FIXTURES, zip_files, zip_folder

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
IMPORT = "/api/v1/authoring/courses/import/"


def export_url(slug: str) -> str:
    return f"/api/v1/authoring/courses/{slug}/export/"


def upload(api, data: bytes, name: str = "bundle.zip"):
    return api.post(
        IMPORT, {"bundle": SimpleUploadedFile(name, data, content_type="application/zip")}, format="multipart"
    )


def snapshot(slug: str, *, html: bool = True) -> dict:
    """Everything a learner or an author sees of a course, without database ids (the stored
    HTML of a page with widgets names their rows' ids, so it is compared within one site)."""
    course = Course.objects.get(slug=slug)
    chapters = list(
        Chapter.objects.filter(course=course).order_by("position").values("slug", "title", "summary", "position")
    )
    pages = list(
        Page.objects.filter(course=course)
        .order_by("sequence")
        .values(
            "chapter__slug", "slug", "title", "position", "sequence", "published", "markdown", "html", "reading_minutes"
        )
    )
    if not html:
        for page in pages:
            page.pop("html")
    from exercises.models import Choice, Exercise

    exercises = list(
        Exercise.objects.filter(course=course, page__isnull=False)
        .order_by("key")
        .values(
            "key", "kind", "title", "prompt_markdown", "points", "multiple", "shuffle", "checks", "hints", "page__slug"
        )
    )
    choices = list(
        Choice.objects.filter(exercise__course=course)
        .order_by("exercise__key", "position")
        .values("exercise__key", "key", "text_markdown", "correct")
    )
    fields = (
        "slug",
        "title",
        "summary",
        "language",
        "published",
        "pass_mark",
        "require_all_pages",
        "page_count",
        "chapter_count",
    )
    return {
        "course": {f: getattr(course, f) for f in fields},
        "chapters": chapters,
        "pages": pages,
        "exercises": exercises,
        "choices": choices,
    }


# --- export -------------------------------------------------------------------------------------


def test_export_is_the_course_folder_format(instructor_api, quiz_course):
    response = instructor_api.get(export_url("quiz-course"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="quiz-course.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert set(names) == {
            "quiz-course/course.yaml",
            "quiz-course/01-basics/chapter.yaml",
            "quiz-course/01-basics/01-models.md",
            "quiz-course/01-basics/02-features.md",
            "quiz-course/02-deeper/chapter.yaml",
            "quiz-course/02-deeper/01-trees.md",
            "quiz-course/02-deeper/02-draft.md",
        }
        course_yaml = archive.read("quiz-course/course.yaml").decode()
        draft = archive.read("quiz-course/02-deeper/02-draft.md").decode()
        models = archive.read("quiz-course/01-basics/01-models.md").decode()
    assert "slug: quiz-course\n" in course_yaml and "pass_mark: 0.5" in course_yaml and "pages_read: all" in course_yaml
    assert draft.startswith("---\ntitle: A draft page\npublished: false\n---\n")
    source = (FIXTURES / "quiz-course/01-basics/01-models.md").read_text()
    assert models == source  # pages come back byte for byte


def test_browser_export_downloads_the_same_zip(instructor_client, instructor_api, quiz_course):
    browser = instructor_client.get(reverse("authoring:course_export", kwargs={"slug": "quiz-course"}))
    assert browser.status_code == 200 and browser["Content-Disposition"].startswith("attachment;")
    assert browser.content == instructor_api.get(export_url("quiz-course")).content


# --- round trip ---------------------------------------------------------------------------------

ROUND_TRIP_COURSES = [
    pytest.param(ROOT / "tests/fixtures/courses/tiny", id="tiny"),
    pytest.param(FIXTURES / "quiz-course", id="quiz"),
    # The shipped course: every directive, 24 pages. Imported without running its examples
    # (the format is what is under test); slow.
    pytest.param(ROOT / "content/interpretable-ml", id="interpretable-ml", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("folder", ROUND_TRIP_COURSES)
def test_export_then_import_gives_the_same_course(folder, instructor, instructor_api, import_dir, settings):
    if not folder.exists():
        pytest.skip(f"{folder} is not here")
    settings.IMPORT_VERIFY = False
    import_dir(folder, "--no-verify", "--owner", instructor.username)
    slug = Course.objects.get().slug
    before = snapshot(slug)
    first = instructor_api.get(export_url(slug)).content

    # Into the same course: updated in place, nothing changes.
    again = upload(instructor_api, first)
    assert again.status_code == 200, again.content
    assert again.json()["created"] is False
    assert snapshot(slug) == before

    # Into an empty site: created, owned by the caller, the same course.
    snapshot_without_html = snapshot(slug, html=False)
    Course.objects.all().delete()
    created = upload(instructor_api, first)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["slug"] == slug and body["pages"] == len(before["pages"])
    assert body["exercises"] == len(before["exercises"])
    assert snapshot(slug, html=False) == snapshot_without_html
    assert Course.objects.get(slug=slug).owner == instructor
    assert instructor_api.get(export_url(slug)).content == first


# --- importing ----------------------------------------------------------------------------------


def test_import_new_course_through_the_api(instructor_api, instructor, quiz_course_dir):
    response = upload(instructor_api, zip_folder(quiz_course_dir, top="my-folder"))
    assert response.status_code == 201
    assert response.json() == {"slug": "quiz-course", "pages": 4, "exercises": 2, "chapters": 2, "created": True}
    course = Course.objects.get(slug="quiz-course")
    assert course.owner == instructor and course.page_count == 3


def test_import_without_a_top_folder_and_with_mac_junk(instructor_api, quiz_course_dir):
    data = zip_folder(quiz_course_dir)
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("__MACOSX/._course.yaml", b"\x00\x05\x16\x07junk")
        archive.writestr(".DS_Store", b"\x00junk")
        archive.writestr("01-basics/", b"")  # a folder entry
    assert upload(instructor_api, buffer.getvalue()).status_code == 201


def test_import_problems_name_file_and_line_and_nothing_is_written(instructor_api, quiz_course_dir):
    (quiz_course_dir / "course.yaml").write_text("slug: quiz-course\ntitle: [broken\n")
    (quiz_course_dir / "01-basics/02-features.md").write_bytes(b"---\ntitle: F\n---\nok\n\xff\xfe bad\n")
    (quiz_course_dir / "02-deeper/01-trees.md").write_text("---\ntitle: T\n---\n\n```{nope}\nx\n```\n")
    response = upload(instructor_api, zip_folder(quiz_course_dir))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    problems = error["fields"]["bundle"]
    assert any(p.startswith("course.yaml:3: not valid YAML") for p in problems), problems
    assert "01-basics/02-features.md:5: is not UTF-8 text" in problems
    assert any(p.startswith("02-deeper/01-trees.md:5: unknown directive '{nope}'") for p in problems), problems
    assert not Course.objects.exists()


def test_import_over_a_course_you_author_updates_it_in_place(instructor_api, quiz_course, quiz_course_dir, learner):
    from courseware.models import PageRead

    page = Page.objects.get(slug="models")
    PageRead.objects.create(user=learner, page=page, course=quiz_course)
    (quiz_course_dir / "01-basics/01-models.md").write_text(
        (quiz_course_dir / "01-basics/01-models.md").read_text().replace("maps features", "turns features")
    )
    response = upload(instructor_api, zip_folder(quiz_course_dir))
    assert response.status_code == 200 and response.json()["created"] is False
    page.refresh_from_db()
    assert "turns features" in page.html and PageRead.objects.filter(page=page, user=learner).exists()


def test_a_coauthor_may_import_over_the_course(other_instructor, other_instructor_api, quiz_course, quiz_course_dir):
    assert upload(other_instructor_api, zip_folder(quiz_course_dir)).status_code == 403
    quiz_course.coauthors.add(other_instructor)
    response = upload(other_instructor_api, zip_folder(quiz_course_dir))
    assert response.status_code == 200
    quiz_course.refresh_from_db()
    assert quiz_course.owner.username == "ines"  # the owner stays


def test_import_over_someone_elses_course_is_refused(other_instructor_api, quiz_course, quiz_course_dir):
    page = Page.objects.get(slug="models")
    before = page.html
    published = upload(other_instructor_api, zip_folder(quiz_course_dir))
    assert published.status_code == 403
    assert "not one of its authors" in published.json()["error"]["message"]
    # An unpublished course of someone else is not revealed: 404, as for any course you cannot see.
    quiz_course.published = False
    quiz_course.save()
    unpublished = upload(other_instructor_api, zip_folder(quiz_course_dir))
    assert unpublished.status_code == 404
    assert "quiz course" not in unpublished.json()["error"]["message"].lower()
    page.refresh_from_db()
    assert page.html == before


def test_browser_import_form(instructor_client, quiz_course_dir):
    page = instructor_client.get(reverse("authoring:course_import"))
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    response = instructor_client.post(
        reverse("authoring:course_import"),
        {"bundle": SimpleUploadedFile("quiz.zip", zip_folder(quiz_course_dir), content_type="application/zip")},
    )
    assert response.status_code == 302 and response["Location"] == "/authoring/courses/quiz-course/"
    bad = instructor_client.post(
        reverse("authoring:course_import"),
        {"bundle": SimpleUploadedFile("x.zip", zip_files({"../evil.md": b"x"}), content_type="application/zip")},
    )
    assert bad.status_code == 400 and "Nothing was imported" in bad.content.decode()
    assert "../evil.md: &#x27;..&#x27; and &#x27;.&#x27; are not allowed" in bad.content.decode()


# --- hostile bundles ----------------------------------------------------------------------------


def good_files() -> dict[str, bytes]:
    return {
        "course.yaml": b"slug: evil\ntitle: Evil\n",
        "01-c/chapter.yaml": b"title: C\n",
        "01-c/01-p.md": b"---\ntitle: P\n---\nHi\n",
    }


def symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in good_files().items():
            archive.writestr(name, data)
        link = zipfile.ZipInfo("01-c/02-link.md")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def bomb_zip() -> bytes:
    """2 MB of zeros in a few kilobytes: far beyond 100:1."""
    files = good_files()
    files["01-c/02-zeros.md"] = b"---\ntitle: Z\n---\n" + b"0" * (MAX_FILE_BYTES - 100)
    return zip_files(files)


def lying_zip() -> bytes:
    """A member whose headers claim 100 bytes while its data inflates to a megabyte."""
    files = good_files()
    big = b"---\ntitle: L\n---\n" + b"a" * 1_000_000
    data = bytearray(zip_files({**files, "01-c/02-liar.md": big}))
    name = b"01-c/02-liar.md"
    # Local file header: signature PK\3\4, uncompressed size at offset 22.
    index = 0
    while True:
        local = data.find(b"PK\x03\x04", index)
        if local < 0:
            break
        name_len = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30 : local + 30 + name_len] == name:
            struct.pack_into("<I", data, local + 22, 100)
        index = local + 4
    # Central directory header: signature PK\1\2, uncompressed size at offset 24.
    index = 0
    while True:
        central = data.find(b"PK\x01\x02", index)
        if central < 0:
            break
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == name:
            struct.pack_into("<I", data, central + 24, 100)
        index = central + 4
    return bytes(data)


def many_files_zip() -> bytes:
    files = good_files()
    files.update({f"01-c/{n:03d}-p{n}.md": b"---\ntitle: x\n---\n" for n in range(2, 503)})
    return zip_files(files)


def big_total_zip() -> bytes:
    """Eleven files under the per-file cap that add up to more than 20 MB, compressible
    enough to upload (four letters: about 4:1) but not a bomb."""
    rng = random.Random(7)
    files = good_files()
    for n in range(11):
        files[f"01-c/{n + 2:02d}-big{n}.md"] = b"---\ntitle: B\n---\n" + bytes(
            rng.choice(b"acgt") for _ in range(MAX_FILE_BYTES - 200)
        )
    return zip_files(files)


HOSTILE = {
    "zip slip ..": (zip_files({**good_files(), "../outside.md": b"x"}), "../outside.md: '..' and '.' are not allowed"),
    "nested zip slip": (zip_files({**good_files(), "01-c/../../x.md": b"x"}), "01-c/../../x.md: '..'"),
    "absolute path": (zip_files({**good_files(), "/etc/cron.d/x": b"x"}), "/etc/cron.d/x: absolute paths"),
    "drive letter": (zip_files({**good_files(), "C:/x.md": b"x"}), "C:/x.md: absolute paths"),
    "backslashes": (zip_files({**good_files(), "01-c\\..\\..\\x.md": b"x"}), "backslashes are not allowed"),
    "symlink": (symlink_zip(), "01-c/02-link.md: symbolic links are not allowed"),
    "bomb": (bomb_zip(), "01-c/02-zeros.md: compressed more than 100:1"),
    "lying header": (lying_zip(), "01-c/02-liar.md"),
    "too many files": (many_files_zip(), "at most 500 are allowed"),
    "file too big": (
        zip_files({**good_files(), "01-c/02-big.md": bytes(random.Random(1).randbytes(MAX_FILE_BYTES + 1))}),
        "a file may hold at most 2097152 bytes",
    ),
    "not a zip": (b"%PDF-1.4 this is not a zip at all", "bundle: not a zip file"),
    "truncated zip": (zip_files(good_files())[:-30], "bundle:"),
    "empty": (b"", "bundle: the upload is empty"),
    "duplicate entries": (None, "appears twice"),
}


def duplicate_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in good_files().items():
            archive.writestr(name, data)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            archive.writestr("course.yaml", b"slug: other\ntitle: Other\n")
    return buffer.getvalue()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_bundles_are_refused_with_a_clear_400_and_nothing_written(case, instructor_api, tmp_path):
    data, expected = HOSTILE[case]
    if data is None:
        data = duplicate_zip()
    response = upload(instructor_api, data)
    assert response.status_code == 400, (case, response.content[:500])
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    problems = " | ".join(error["fields"]["bundle"])
    assert expected in problems, problems
    assert not Course.objects.exists()
    assert not any(tmp_path.iterdir())


def test_a_bundle_over_20_mb_uncompressed_is_refused():
    with pytest.raises(BundleRejected) as info:
        read_bundle(big_total_zip())
    assert "at most 20971520 are allowed" in " ".join(info.value.problems)


def test_declared_sizes_are_not_trusted():
    """Even if a header passes the checks, the bytes actually inflated are counted."""
    with pytest.raises(BundleRejected) as info:
        read_bundle(lying_zip())
    assert "01-c/02-liar.md" in " ".join(info.value.problems) or "damaged" in " ".join(info.value.problems)


def test_bad_yaml_and_non_utf8_are_reported_by_file_and_line(instructor_api):
    files = good_files()
    files["course.yaml"] = b"slug: evil\ntitle: Evil\ncompletion: {pass_mark: [\n"
    files["01-c/01-p.md"] = b"---\ntitle: P\n---\nline four\n\xc3\x28 broken\n"
    response = upload(instructor_api, zip_files(files))
    problems = response.json()["error"]["fields"]["bundle"]
    assert response.status_code == 400
    assert any(p.startswith("course.yaml:") and "not valid YAML" in p for p in problems)
    assert "01-c/01-p.md:5: is not UTF-8 text" in problems


def test_missing_field_and_wrong_method(instructor_api):
    response = instructor_api.post(IMPORT, {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["bundle"] == ["Upload a course bundle (a zip) in the field 'bundle'."]


def test_an_upload_over_the_limit_is_413(instructor_api, instructor_client, settings, quiz_course_dir):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    data = zip_folder(quiz_course_dir) + b"\x00" * 70_000  # also over the envelope allowance
    response = upload(instructor_api, data)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    small_envelope = upload(instructor_api, zip_folder(quiz_course_dir))  # over 1 KB, under the envelope
    assert small_envelope.status_code == 413
    browser = instructor_client.post(
        reverse("authoring:course_import"),
        {"bundle": SimpleUploadedFile("q.zip", data, content_type="application/zip")},
    )
    assert browser.status_code == 413
    assert not Course.objects.exists()
