"""Course bundles: a course as a zip of the folder format of ``docs/content-format.md``.

``export_course`` writes what ``import_course`` reads, so export → import gives the same
course. ``read_bundle`` is the only code that opens uploaded zips. Uploads are hostile until
proven otherwise: paths that leave the folder, links, and archives that expand far beyond
their size are refused before a byte of them is used, and sizes are counted while reading
because the sizes a zip declares are written by whoever made it.
"""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from django.conf import settings

from courseware.models import Chapter, Course, Page

MAX_FILES = 500
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024
MAX_RATIO = 100
# Below this a file cannot be a bomb worth the name; small repetitive files (YAML, tables)
# legitimately compress more than 100:1, so the ratio is only checked above it.
RATIO_FLOOR_BYTES = 64 * 1024
READ_CHUNK = 64 * 1024
# A fixed timestamp: the same course exports to the same bytes.
ZIP_DATE = (2000, 1, 1, 0, 0, 0)
# Files that archivers add and that are not part of a course.
JUNK_PREFIXES = ("__MACOSX/",)
# Room for the multipart envelope (boundary, part headers) around the uploaded file.
ENVELOPE_BYTES = 64 * 1024


def max_upload_bytes() -> int:
    """The largest bundle upload: Django's own upload limits (413 above them)."""
    return min(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0, settings.FILE_UPLOAD_MAX_MEMORY_SIZE) or 10 * 1024 * 1024


def declared_too_large(meta: Mapping[str, str]) -> bool:
    """Decided from Content-Length before the body is read; a chunked upload declares no
    length, so the file's own size is checked as well once it is parsed."""
    try:
        declared = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    return declared > max_upload_bytes() + ENVELOPE_BYTES


class BundleRejected(Exception):
    """The upload is not a bundle we will open; ``problems`` name the entry and the reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


# --- writing the format -------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # As authors write YAML by hand: multi-line text (prompts, code) as a literal block, long
    # one-line text (summaries) folded. PyYAML falls back to quoting where a style cannot hold it.
    style = "|" if "\n" in value else (">" if len(value) > 80 else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88, default_flow_style=False)


def chapter_dir(chapter: Chapter) -> str:
    return f"{chapter.position:02d}-{chapter.slug}"


def page_filename(position: int, slug: str) -> str:
    return f"{position:02d}-{slug}.md"


def course_yaml(course: Course) -> str:
    data: dict[str, Any] = {"slug": course.slug, "title": course.title}
    if course.summary:
        data["summary"] = course.summary
    data["language"] = course.language
    data["published"] = course.published
    data["completion"] = {
        "pages_read": "all" if course.require_all_pages else "none",
        "pass_mark": course.pass_mark,
    }
    return dump_yaml(data)


def chapter_yaml(chapter: Chapter) -> str:
    data: dict[str, Any] = {"title": chapter.title}
    if chapter.summary:
        data["summary"] = chapter.summary
    return dump_yaml(data)


def page_source(*, title: str, published: bool, body: str) -> tuple[str, int]:
    """A page file (front matter + body) and the number of lines before the body."""
    front: dict[str, Any] = {"title": title}
    if not published:
        front["published"] = False
    header = "---\n" + dump_yaml(front) + "---\n"
    return header + body, header.count("\n")


def course_files(course: Course, *, replace: dict[int, tuple[str, str]] | None = None) -> dict[str, bytes]:
    """The course as files, keyed like a course folder. ``replace`` maps a page id to
    (path, text) to use instead of the stored page, for checking an edit in context."""
    replace = replace or {}
    files = {"course.yaml": course_yaml(course).encode()}
    chapters = Chapter.objects.filter(course=course).order_by("position")
    pages = Page.objects.filter(course=course).order_by("position")
    by_chapter: dict[int, list[Page]] = {}
    for page in pages:
        by_chapter.setdefault(page.chapter_id, []).append(page)
    for chapter in chapters:
        folder = chapter_dir(chapter)
        files[f"{folder}/chapter.yaml"] = chapter_yaml(chapter).encode()
        for page in by_chapter.get(chapter.pk, []):
            if page.pk in replace:
                path, text = replace[page.pk]
            else:
                path = f"{folder}/{page_filename(page.position, page.slug)}"
                text, _ = page_source(title=page.title, published=page.published, body=page.markdown)
            files[path] = text.encode()
    return files


def export_course(course: Course) -> bytes:
    """The course as a zip with one top-level folder named after its slug."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(course_files(course).items()):
            info = zipfile.ZipInfo(f"{course.slug}/{path}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, data)
    return buffer.getvalue()


# --- reading uploads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    info: zipfile.ZipInfo
    path: str  # normalised, before stripping the top-level folder


def _path_problem(name: str) -> str | None:
    if not name:
        return "an entry without a name"
    if "\x00" in name:
        return "the name holds a NUL character"
    if "\\" in name:
        return "backslashes are not allowed in paths (use '/')"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "absolute paths are not allowed"
    parts = name.rstrip("/").split("/")
    if any(part in {"..", "."} for part in parts):
        return "'..' and '.' are not allowed in paths (the entry would leave the course folder)"
    if any(not part for part in parts):
        return "empty folder names ('//') are not allowed in paths"
    return None


def _file_type_problem(info: zipfile.ZipInfo) -> str | None:
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        return "symbolic links are not allowed"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "only regular files and folders are allowed"
    if info.flag_bits & 0x1:
        return "encrypted entries are not allowed"
    return None


def _entries(archive: zipfile.ZipFile, problems: list[str]) -> list[_Entry]:
    infos = archive.infolist()
    if len(infos) > MAX_FILES:
        raise BundleRejected([f"bundle: holds {len(infos)} entries; at most {MAX_FILES} are allowed"])
    entries: list[_Entry] = []
    seen: set[str] = set()
    declared_total = 0
    for info in infos:
        name = info.filename
        problem = _path_problem(name) or _file_type_problem(info)
        if problem:
            problems.append(f"{name or '?'}: {problem}")
            continue
        if info.is_dir() or name.startswith(JUNK_PREFIXES):
            continue
        path = name.rstrip("/")
        if path in seen:
            problems.append(f"{path}: appears twice in the zip")
            continue
        seen.add(path)
        if info.file_size > MAX_FILE_BYTES:
            problems.append(f"{path}: {info.file_size} bytes; a file may hold at most {MAX_FILE_BYTES} bytes")
            continue
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            problems.append(f"{path}: compressed more than {MAX_RATIO}:1, refused as a possible zip bomb")
            continue
        declared_total += info.file_size
        entries.append(_Entry(info=info, path=path))
    if declared_total > MAX_TOTAL_BYTES:
        problems.append(f"bundle: expands to {declared_total} bytes; at most {MAX_TOTAL_BYTES} are allowed")
    return entries


def _read_capped(archive: zipfile.ZipFile, entry: _Entry, budget: int) -> bytes:
    """Read one entry, counting real bytes: a header that under-declares its size is caught here."""
    limit = min(MAX_FILE_BYTES, budget)
    chunks: list[bytes] = []
    total = 0
    with archive.open(entry.info) as handle:
        while True:
            chunk = handle.read(READ_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > limit or total > entry.info.file_size:
                raise BundleRejected([f"{entry.path}: expands beyond its declared size or the size limits; refused"])
            chunks.append(chunk)
    return b"".join(chunks)


def _strip_common_folder(paths: Iterable[str]) -> str:
    """The single top-level folder every entry shares ('' when there is none)."""
    firsts = {path.split("/", 1)[0] for path in paths}
    if len(firsts) == 1:
        only = next(iter(firsts))
        if all("/" in path for path in paths):
            return only + "/"
    return ""


def read_bundle(data: bytes) -> dict[str, bytes]:
    """The files of an uploaded bundle keyed like a course folder; raises BundleRejected."""
    if not data:
        raise BundleRejected(["bundle: the upload is empty"])
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise BundleRejected(["bundle: not a zip file"])
    problems: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = _entries(archive, problems)
            if problems:
                raise BundleRejected(problems)
            if not entries:
                raise BundleRejected(["bundle: the zip holds no files"])
            # Hidden files (".DS_Store", ".git/…") are skipped, as a course folder's are.
            entries = [e for e in entries if not any(part.startswith(".") for part in e.path.split("/"))]
            prefix = _strip_common_folder([e.path for e in entries])
            files: dict[str, bytes] = {}
            budget = MAX_TOTAL_BYTES
            for entry in entries:
                content = _read_capped(archive, entry, budget)
                budget -= len(content)
                files[entry.path[len(prefix) :]] = content
    except BundleRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError, ValueError) as exc:
        # A CRC mismatch, a truncated member or an unsupported compression method.
        raise BundleRejected([f"bundle: the zip is damaged or unsupported ({exc})"]) from exc
    return files
