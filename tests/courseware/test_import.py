"""import_course through the management command: validation, idempotency, sanitising."""

from __future__ import annotations

import pytest

from courseware.models import Chapter, Course, Page, PageRead
from tests.plugins.courses import failing_import, run_import

pytestmark = pytest.mark.django_db


def test_import_creates_course_chapters_and_pages(tiny_course_dir):
    output = run_import(tiny_course_dir)
    assert "Created 'tiny-course': 2 chapters, 3 pages" in output
    course = Course.objects.get(slug="tiny-course")
    assert [c.slug for c in course.chapters.order_by("position")] == ["first-steps", "second-steps"]
    assert list(Page.objects.filter(course=course).values_list("slug", "sequence")) == [
        ("hello", 1),
        ("trees", 2),
        ("shapley", 3),
    ]
    hello = Page.objects.get(slug="hello")
    assert "<strong>predictions</strong>" in hello.html
    assert "<math" in hello.html  # math rendered on the server
    assert 'id="why-explanations"' in hello.html  # heading anchors
    assert 'class="admonition tip"' in hello.html
    assert '<span class="nb">print</span>' in hello.html  # Pygments
    assert course.page_count == 3 and course.chapter_count == 2 and course.estimated_minutes >= 3


def test_reimport_updates_in_place_and_keeps_progress(tiny_course_dir, learner):
    run_import(tiny_course_dir)
    page = Page.objects.get(slug="trees")
    PageRead.objects.create(user=learner, page=page, course=page.course)
    (tiny_course_dir / "01-first-steps" / "02-trees.md").write_text(
        "---\ntitle: Trees grow rules, revised\n---\nNew text about leaves.\n"
    )
    output = run_import(tiny_course_dir)
    assert "Updated 'tiny-course'" in output
    page.refresh_from_db()
    assert page.title == "Trees grow rules, revised" and "New text about leaves" in page.html
    assert PageRead.objects.filter(user=learner, page=page).exists()
    assert Page.objects.count() == 3 and Chapter.objects.count() == 2


def test_removed_page_disappears_on_reimport(tiny_course_dir):
    run_import(tiny_course_dir)
    (tiny_course_dir / "02-second-steps" / "01-shapley.md").unlink()
    (tiny_course_dir / "02-second-steps" / "01-lime.md").write_text("---\ntitle: LIME\n---\nLocal surrogates.\n")
    run_import(tiny_course_dir)
    assert sorted(Page.objects.values_list("slug", flat=True)) == ["hello", "lime", "trees"]


def test_every_problem_is_reported_with_file_and_line_and_nothing_changes(tiny_course_dir):
    run_import(tiny_course_dir)
    before = Page.objects.get(slug="hello").html
    (tiny_course_dir / "course.yaml").write_text(
        "slug: tiny-course\ntitle: A Tiny Course\npublished: maybe\ncompletion:\n  pass_mark: 3\nsumary: typo\n"
    )
    (tiny_course_dir / "01-first-steps" / "01-hello.md").write_text(
        "---\ntitle: Hello\n---\nText\n\n```{mystery}\nwhat is this\n```\n\n!!! notee\n    x\n"
    )
    (tiny_course_dir / "01-first-steps" / "03-bad.md").write_bytes(b"---\ntitle: Bad\n---\n\xff\xfe not utf-8\n")
    (tiny_course_dir / "02-second-steps" / "chapter.yaml").write_text("title: [unclosed\n")
    (tiny_course_dir / "02-second-steps" / "Notes.txt").write_text("stray\n")
    errors = failing_import(tiny_course_dir)
    expected = [
        "course.yaml:3: 'published' must be true or false",
        "course.yaml:4: 'completion.pass_mark' must be a number from 0 to 1",
        "course.yaml:6: unknown key 'sumary'",
        "01-first-steps/01-hello.md:6: unknown directive '{mystery}'",
        "01-first-steps/01-hello.md:10: unknown admonition 'notee'",
        "01-first-steps/03-bad.md:4: is not UTF-8 text",
        "02-second-steps/chapter.yaml:2: not valid YAML",
        "02-second-steps/Notes.txt:1: pages are named like",
    ]
    for fragment in expected:
        assert fragment in errors, f"missing {fragment!r} in:\n{errors}"
    assert Page.objects.get(slug="hello").html == before


def test_missing_course_yaml_and_front_matter_title(tiny_course_dir):
    (tiny_course_dir / "course.yaml").unlink()
    (tiny_course_dir / "01-first-steps" / "02-trees.md").write_text("No front matter at all.\n")
    errors = failing_import(tiny_course_dir)
    assert "course.yaml:1: missing" in errors
    assert "01-first-steps/02-trees.md:1: front matter needs a 'title'" in errors
    assert not Course.objects.exists()


def test_markdown_cannot_inject_script_or_javascript_links(tiny_course_dir):
    (tiny_course_dir / "01-first-steps" / "02-trees.md").write_text(
        "---\ntitle: Hostile\n---\n"
        "<script>alert('x')</script>\n\n"
        "[click](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        '<a href="#" onclick="steal()">raw link</a>\n\n'
        "![pic](javascript:alert(2))\n\n"
        "$\\text{<img src=x onerror=alert(3)>}$\n"
    )
    run_import(tiny_course_dir)
    elements = parse_elements(Page.objects.get(slug="trees").html)
    assert elements, "the page rendered nothing"
    for tag, attrs in elements:
        assert tag not in {"script", "iframe", "object", "embed", "style"}, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name in {"href", "src"}:
                assert not (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:")), value


def parse_elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_import_prints_progress(tiny_course_dir):
    output = run_import(tiny_course_dir)
    assert "writing pages" in output and "3/3" in output


def test_unknown_folder_is_a_clear_error(tmp_path):
    errors = failing_import(tmp_path / "nope")
    assert "no such course folder" in errors
