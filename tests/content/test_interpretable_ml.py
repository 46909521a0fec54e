"""The flagship course as shipped: structure from the files, correctness by a real import.

The import itself runs every example, every coding solution and starter in the sandbox and
computes every lab embed; a single failure fails it with file:line.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from courseware.markdown import find_directives, render_markdown, split_front_matter

COURSE = Path(__file__).resolve().parents[2] / "content" / "interpretable-ml"
PAGES = sorted(COURSE.glob("[0-9]*/[0-9]*.md"))
MIN_WORDS, MAX_WORDS = 400, 1200


def page_parts(path: Path):
    front, body, _ = split_front_matter(path.read_text())
    return front, body, find_directives(body)


def exercises(directives):
    return [yaml.safe_load(d.body) for d in directives if d.name == "exercise"]


def test_the_course_has_the_introduction_then_the_chapters_in_order():
    chapters = sorted(p.name for p in COURSE.iterdir() if p.is_dir())
    numbers = [int(c.split("-", 1)[0]) for c in chapters]
    assert numbers == list(range(0, len(chapters))) and len(chapters) >= 9
    for chapter in chapters[1:]:
        pages = list((COURSE / chapter).glob("*.md"))
        assert 2 <= len(pages) <= 4, f"{chapter} has {len(pages)} pages"


def test_the_introduction_is_the_first_page_and_defines_the_notation():
    assert chapter_pages(0) == [COURSE / "00-introduction" / "01-about-this-course.md"] == PAGES[:1]
    _, body, directives = page_parts(PAGES[0])
    assert "## Notation" in body and "| $\\phi_j$ |" in body
    assert any(d.name == "runnable" for d in directives), "the prerequisites come with an example"


def chapter_pages(number: int) -> list[Path]:
    return sorted(COURSE.glob(f"{number:02d}-*/[0-9]*.md"))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_page_is_within_the_word_bounds_and_ends_with_a_question(path):
    front, body, directives = page_parts(path)
    words = render_markdown(body).word_count
    assert MIN_WORDS <= words <= MAX_WORDS, f"{words} words"
    assert front.get("title")
    assert directives and directives[-1].name == "exercise", "a page ends with an exercise"
    last = yaml.safe_load(directives[-1].body)
    assert last["kind"] == "multiple_choice"
    for exercise in exercises(directives):
        if exercise["kind"] == "multiple_choice":
            assert any(c.get("correct") for c in exercise["choices"]), exercise["id"]
            assert all(c.get("feedback") for c in exercise["choices"]), f"{exercise['id']}: feedback for every choice"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_technical_pages_have_a_runnable_example(path):
    chapter = int(path.parent.name.split("-")[0])
    _, _, directives = page_parts(path)
    if chapter >= 3:
        assert any(d.name == "runnable" for d in directives), "every technical page has an example"


def test_chapters_from_three_on_have_a_coding_exercise_and_references():
    for chapter in sorted(p for p in COURSE.iterdir() if p.is_dir()):
        pages = sorted(chapter.glob("*.md"))
        kinds = {e["kind"] for page in pages for e in exercises(page_parts(page)[2])}
        if int(chapter.name.split("-")[0]) >= 3:
            assert "coding" in kinds, chapter.name
        if int(chapter.name.split("-")[0]) >= 1:  # the introduction makes no claims to source
            assert re.search(r"^## References", pages[-1].read_text(), re.MULTILINE), f"{chapter.name}: references"


def test_chapter_one_fits_and_draws_a_plot_and_embeds_the_lab():
    bodies = [page_parts(p)[1] for p in PAGES if p.parent.name.startswith("01-")]
    runnables = [d.body for body in bodies for d in find_directives(body) if d.name == "runnable"]
    assert any(".fit(" in code and ("plt." in code or "ax." in code) for code in runnables)
    assert any(d.name == "explainlab" for body in bodies for d in find_directives(body))
    kinds = [e["kind"] for body in bodies for e in exercises(find_directives(body))]
    assert "coding" in kinds


CHAPTERS = sorted(p for p in COURSE.iterdir() if p.is_dir())


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_each_chapter_imports_with_every_example_solution_and_embed_verified(
    chapter, client, settings, tmp_path, sandbox_server
):
    """Runs every example, every coding solution (must pass) and starter (must fail) of one
    chapter in the sandbox and computes every lab embed; then every page renders. One chapter a
    test, so that a failure names its chapter and `pytest -n` spreads the chapters over cores."""
    from django.core.management import call_command

    from courseware.models import Page

    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "course.yaml").write_text((COURSE / "course.yaml").read_text())
    shutil.copytree(chapter, folder / chapter.name)
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("import_course", str(folder), verbosity=0)
    pages = list(Page.objects.select_related("chapter").order_by("sequence"))
    assert len(pages) == len(list(chapter.glob("[0-9]*.md")))
    for page in pages:
        response = client.get(f"/courses/interpretable-ml/{page.chapter.slug}/{page.slug}/")
        assert response.status_code == 200, page
        assert "Traceback" not in page.html
