"""The {runnable} directive through import_course and the reader: verify, store, render."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from courseware.models import Course, Page
from runs.models import Run, Runnable
from tests.plugins.courses import failing_import

pytestmark = pytest.mark.django_db

PRINTING = "01-examples/01-printing.md"
PAGE_URL = "/courses/runnable-course/examples/printing/"


def write_page(folder, relative: str, body: str) -> None:
    (folder / relative).write_text(f"---\ntitle: Printing and plotting\n---\n{body}")


def test_import_runs_every_example_and_stores_its_output(runnable_course, client):
    rows = list(Runnable.objects.filter(page__course=runnable_course).order_by("page__sequence", "index"))
    assert [(row.page.slug, row.index) for row in rows] == [
        ("printing", 0),
        ("printing", 1),
        ("models", 0),
    ]
    hello, plot, model = (row.output for row in rows)
    assert hello["status"] == "succeeded"
    assert hello["stdout"] == "Hello from the sandbox\n<b>not bold</b> & escaped\n"
    assert plot["stdout"] == "drew 1 line\n" and len(plot["figures"]) == 1
    assert plot["figure_names"] == [f"runnables/{rows[1].page_id}/1/figure-0.png"]
    assert model["stdout"].startswith("training accuracy: 0.9")
    # The import-time runs are kept, without an owner.
    assert Run.objects.filter(owner=None, status="succeeded").count() == 3


def test_anonymous_readers_see_the_stored_output_and_the_editor(runnable_course, client):
    body = client.get(PAGE_URL).content.decode()
    row = Runnable.objects.get(page__slug="printing", index=0)
    assert f'<textarea class="runnable-code" data-editor="python" name="code" id="runnable-{row.pk}"' in body
    assert f'<template id="runnable-{row.pk}-original">' in body
    assert f'data-reset-editor="runnable-{row.pk}"' in body
    assert body.count('<script src="/static/dist/editor.js" defer></script>') == 1
    assert 'hx-post="/runs/"' in body and f'hx-target="#runnable-{row.pk}-output"' in body
    # Stored output, escaped, before anyone ran anything.
    assert "Hello from the sandbox\n&lt;b&gt;not bold&lt;/b&gt; &amp; escaped" in body
    assert "<b>not bold</b>" not in body
    figure = Runnable.objects.get(page__slug="printing", index=1).output["figures"][0]
    assert f'<img src="{figure}"' in body
    png = client.get(figure)
    assert png.status_code == 200 and b"".join(png.streaming_content).startswith(b"\x89PNG")


def test_the_page_api_lists_the_runnables(runnable_course, api):
    page = Page.objects.get(slug="printing")
    body = api.get(f"/api/v1/pages/{page.pk}/").json()
    rows = Runnable.objects.filter(page=page).order_by("index")
    assert body["runnables"] == [{"id": row.pk, "code": row.code} for row in rows]
    assert body["runnables"][0]["code"].startswith('greeting = "Hello from the sandbox"')


def test_a_failing_example_fails_the_import_at_its_line_and_nothing_changes(runnable_course, runnable_course_dir):
    before = {row.pk: row.output for row in Runnable.objects.all()}
    html_before = Page.objects.get(slug="printing").html
    write_page(
        runnable_course_dir,
        PRINTING,
        "Intro\n\n```{runnable}\nprint('changed')\nvalues = {}\nprint(values['missing'])\n```\n",
    )
    errors = failing_import(runnable_course_dir)
    # Fence on line 6 of the file; the error on body line 3 = file line 9.
    assert f"{PRINTING}:9: {{runnable}}: failed: KeyError: 'missing'" in errors
    assert {row.pk: row.output for row in Runnable.objects.all()} == before
    assert Page.objects.get(slug="printing").html == html_before


def test_a_syntax_error_is_reported_at_parse_time_with_its_line(runnable_course_dir, sandbox_calls):
    write_page(runnable_course_dir, PRINTING, "Text\n\n```{runnable}\nx = 1\nif x\n    print(x)\n```\n")
    errors = failing_import(runnable_course_dir)
    # Fence on line 6; "if x" is body line 2 = file line 8.
    assert f"{PRINTING}:8: {{runnable}}: invalid Python: expected ':'" in errors
    assert sandbox_calls == []  # parse problems stop the import before anything runs
    assert not Course.objects.exists()


def test_an_empty_example_is_an_error(runnable_course_dir):
    write_page(runnable_course_dir, PRINTING, "Text\n\n```{runnable}\n\n```\n")
    assert f"{PRINTING}:6: {{runnable}}: the example is empty" in failing_import(runnable_course_dir)


def test_reimport_with_unchanged_code_does_not_run_again(runnable_course, runnable_course_dir, sandbox_calls):
    before = {(row.page_id, row.index): row.output["ran_at"] for row in Runnable.objects.all()}
    call_command("import_course", str(runnable_course_dir), verbosity=0)
    assert sandbox_calls == []
    assert {(row.page_id, row.index): row.output["ran_at"] for row in Runnable.objects.all()} == before
    # Changing one example re-runs that one only.
    path = runnable_course_dir / PRINTING
    path.write_text(path.read_text().replace('print("<b>not bold</b> & escaped")', 'print("edited")'))
    call_command("import_course", str(runnable_course_dir), verbosity=0)
    assert len(sandbox_calls) == 1 and 'print("edited")' in sandbox_calls[0]
    row = Runnable.objects.get(page__slug="printing", index=0)
    assert row.output["stdout"] == "Hello from the sandbox\nedited\n"
    assert row.output["ran_at"] != before[(row.page_id, 0)]
    assert "print(&quot;edited&quot;)" in Page.objects.get(slug="printing").html


def test_removing_an_example_removes_its_row(runnable_course, runnable_course_dir):
    write_page(runnable_course_dir, PRINTING, "Only one now:\n\n```{runnable}\nprint('one')\n```\n")
    call_command("import_course", str(runnable_course_dir), verbosity=0)
    assert list(Runnable.objects.filter(page__slug="printing").values_list("index", flat=True)) == [0]


def test_an_unreachable_sandbox_fails_the_import_clearly(runnable_course_dir, sandbox_down):
    errors = failing_import(runnable_course_dir)
    lines = [line for line in errors.splitlines() if line.strip()]
    assert len(lines) == 1, errors
    assert lines[0].startswith(
        f"{PRINTING}:6: {{runnable}}: the code runner is unavailable, so the examples cannot be checked"
    )
    assert not Course.objects.exists()


def test_import_without_verification_keeps_no_output_but_renders_the_editor(runnable_course_dir, client, sandbox_calls):
    call_command("import_course", str(runnable_course_dir), "--no-verify", verbosity=0)
    assert sandbox_calls == []
    assert all(row.output == {} for row in Runnable.objects.all())
    body = client.get(PAGE_URL).content.decode()
    assert "Press Run to see what this prints." in body and 'data-editor="python"' in body


def test_a_run_from_an_example_is_linked_to_it(runnable_course, learner_client):
    row = Runnable.objects.get(page__slug="printing", index=0)
    learner_client.post("/runs/", {"code": "print('mine')", "page": row.page_id, "runnable": row.pk})
    run = Run.objects.get(owner__isnull=False)
    assert (run.page_id, run.runnable_id) == (row.page_id, row.pk)
