"""`make stack` runs what docker-compose.yml describes, and the image is built to run in production."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
MACHINE = {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}
STACK_DIR = ROOT / "var" / "stack-test"
# Where the containers' volumes and tmpfs are on this machine.
VOLUMES = {"/data/media": "media", "/run/glassbook": "run", "/tmp": "tmp"}
CONTAINER_PATHS = re.compile(r"^(/data/media|/run/glassbook|/tmp)(/.*)?$")


def stack_plan(*args: str, env: dict | None = None) -> dict:
    import os

    result = subprocess.run(
        [sys.executable, str(ROOT / "bin" / "stack"), "--print-plan", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "STACK_DIR": str(STACK_DIR), **(env or {})},
        check=True,
    )
    return json.loads(result.stdout)


def test_make_stack_runs_every_compose_service_with_its_command_and_environment():
    plan = stack_plan("--port", "8117")
    services = COMPOSE["services"]
    built = {name for name, service in services.items() if "build" in service}
    assert set(plan["services"]) == built
    assert set(plan["machine"]) == set(services) - built == {"db", "redis"}
    for name in built:
        ours, theirs = plan["services"][name], services[name]
        assert len(ours["command"]) == len(theirs["command"]), name
        for mine, compose in zip(ours["command"], theirs["command"], strict=True):
            expected = compose.replace("0.0.0.0:8000", "127.0.0.1:8117")
            for container, folder in VOLUMES.items():
                expected = expected.replace(container + "/", f"{STACK_DIR}/{folder}/")
            assert mine == expected, (name, mine, compose)
        assert set(ours["environment"]) == set(theirs["environment"]), name
        for key, value in theirs["environment"].items():
            mine = ours["environment"][key]
            if key in MACHINE or "${" in str(value):
                continue
            if CONTAINER_PATHS.match(str(value)):
                container = next(c for c in VOLUMES if str(value).startswith(c))
                assert mine == f"{STACK_DIR}/{VOLUMES[container]}{str(value)[len(container) :]}", (name, key)
            else:
                assert mine == str(value), (name, key)
        assert ours["once"] == (theirs.get("restart") == "no"), name


def test_the_machine_services_come_from_the_environment_and_secrets_are_not_printed():
    plan = stack_plan(env={"STACK_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/glassbook_x"})
    web = plan["services"]["web"]["environment"]
    assert web["DATABASE_URL"] == "postgres://postgres@127.0.0.1:5432/glassbook_x"
    assert web["SECRET_KEY"] == "<set>" and web["CERTIFICATE_SIGNING_KEY"] == "<set>"
    assert web["DEBUG"] == "false"


def test_the_web_command_is_the_images_default_and_each_worker_has_its_own_node_name():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert cmd == COMPOSE["services"]["web"]["command"]
    names = [re.search(r"-n (\S+)", " ".join(s["command"])) for s in COMPOSE["services"].values() if "command" in s]
    worker_names = [m.group(1) for m in names if m]
    assert sorted(worker_names) == ["explain@%h", "sandbox@%h"]


def test_the_image_is_multi_stage_runs_as_a_user_and_checks_its_health():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) >= 3
    users = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", dockerfile, re.M)
    # Only the sandbox runs as root, and only it gets the privileges namespaces need.
    privileged = {name for name, s in COMPOSE["services"].items() if s.get("user") == "root" or s.get("cap_add")}
    assert privileged == {"sandbox"}


def test_the_build_context_leaves_out_local_state_and_secrets():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".venv", "var", "node_modules", "*.sqlite3", ".git", "secret_key", "static/dist", "staticfiles"):
        assert entry in ignored, entry
