"""An outside client generated from the schema as served (openapi-python-client) imports
cleanly and carries a learner through the whole journey against a running site."""

from __future__ import annotations

import importlib
import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "courses"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "glassbook_generated_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    """Generate the client from /api/schema/ as the site serves it; return the imported package."""
    from django.test import Client

    folder = tmp_path_factory.mktemp("client")
    with django_db_blocker.unblock():
        served = Client().get("/api/schema/?format=json")
    assert served.status_code == 200
    (folder / "openapi.json").write_bytes(served.content)
    # Course bundles are zips; the generator only knows octet-stream for binary bodies.
    (folder / "config.yaml").write_text("content_type_overrides:\n  application/zip: application/octet-stream\n")
    command = [str(GENERATOR), "generate", "--path", "openapi.json", "--output-path", PACKAGE]
    result = subprocess.run(
        [*command, "--meta", "none", "--config", "config.yaml"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output and "omitted" not in output, output
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
            del sys.modules[name]
        shutil.rmtree(folder, ignore_errors=True)


def test_every_generated_module_imports(generated):
    modules = [info.name for info in pkgutil.walk_packages(generated.__path__, f"{PACKAGE}.")]
    operations = [name for name in modules if name.startswith(f"{PACKAGE}.api.") and name.count(".") == 3]
    for name in modules:
        importlib.import_module(name)
    assert len(operations) >= 27, operations


@pytest.fixture
def course(transactional_db, tmp_path):
    folder = tmp_path / "course"
    shutil.copytree(FIXTURES / "exercise-course", folder)
    call_command("import_course", str(folder), "--no-verify", verbosity=0)
    return "exercise-course"


def test_a_learner_journey_through_the_generated_client(generated, live_server, course):
    api = importlib.import_module(f"{PACKAGE}.api")
    models = importlib.import_module(f"{PACKAGE}.models")
    ops = {
        name: importlib.import_module(f"{PACKAGE}.api.{group}.{name}")
        for group in [m.name for m in pkgutil.iter_modules(api.__path__)]
        for name in [m.name for m in pkgutil.iter_modules(importlib.import_module(f"{PACKAGE}.api.{group}").__path__)]
    }
    Client, AuthenticatedClient = generated.Client, generated.AuthenticatedClient
    anonymous = Client(base_url=live_server.url, raise_on_unexpected_status=True)

    registered = ops["auth_register_create"].sync_detailed(
        client=anonymous,
        body=models.RegisterRequest(
            username="journey", email="journey@example.org", password="a-long-unusual-passphrase-9"
        ),
    )
    assert registered.status_code == 201 and registered.parsed.username == "journey"
    tokens = ops["auth_token_create"].sync(
        client=anonymous,
        body=models.TokenObtainPairRequest(username="journey", password="a-long-unusual-passphrase-9"),
    )
    refreshed = ops["auth_token_refresh_create"].sync(
        client=anonymous, body=models.TokenRefreshRequest(refresh=tokens.refresh)
    )
    me = AuthenticatedClient(base_url=live_server.url, token=refreshed.access, raise_on_unexpected_status=True)

    profile = ops["me_partial_update"].sync(client=me, body=models.PatchedMeUpdateRequest(display_name="Jo Urney"))
    assert profile.display_name == "Jo Urney" and ops["me_retrieve"].sync(client=me).display_name == "Jo Urney"

    listed = ops["courses_list"].sync(client=me)
    assert [c.slug for c in listed.results] == [course]
    detail = ops["courses_retrieve"].sync(course, client=me)
    assert ops["courses_enroll_create"].sync_detailed(course, client=me).status_code == 201

    exercise_ids = []
    for chapter in detail.chapters:
        for ref in chapter.pages:
            page = ops["pages_retrieve"].sync(ref.id, client=me)
            assert page.title == ref.title and page.html
            ops["pages_read_create"].sync(ref.id, client=me)
            exercise_ids += page.exercises
    assert exercise_ids

    answered = 0
    for exercise_id in exercise_ids:
        exercise = ops["exercises_retrieve"].sync(exercise_id, client=me)
        if exercise.kind.value != "multiple_choice":
            continue
        if exercise.hint_count:
            hint = ops["exercises_hints_create"].sync(exercise_id, client=me)
            assert hint.text
        choice = [exercise.choices[0].id]
        attempt = ops["exercises_attempts_create"].sync(
            exercise_id, client=me, body=models.AttemptRequestRequest(choices=choice)
        )
        assert attempt.status.value == "graded" and attempt.correct is not None
        answered += 1
    assert answered == 2

    progress = ops["courses_progress_retrieve"].sync(course, client=me)
    assert progress.pages_read == progress.page_total > 0
    assert ops["certificates_list"].sync(client=me).count == 0
    catalog = ops["explainlab_catalog_retrieve"].sync(client=anonymous)
    assert catalog.datasets and catalog.models and catalog.explanations

    # Errors come back as the documented Error model, not as an unexpected status.
    missing = ops["explainlab_jobs_retrieve"].sync_detailed("no-such-job", client=me)
    assert missing.status_code == 404 and missing.parsed.error.code == "not_found"
    refused = ops["runs_create"].sync_detailed(client=me, body=models.RunRequestRequest(code=" "))
    assert refused.status_code == 400 and "code" in json.loads(refused.content)["error"]["fields"]
