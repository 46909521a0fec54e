"""What the server holds cannot be read from a run: its environment, its memory, other runs' code."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import textwrap
import time

import pytest

from sandbox.client import SandboxUnavailable, ping, run
from sandbox.launcher import PACKAGE_PARENT, stop_server
from tests.plugins.sandbox import SECRET_ENV, short_temp_dir
from tests.security.conftest import server_pids

pytestmark = pytest.mark.usefixtures("sandbox_server")

# Scans everything the run can read for strings of a shape: the pattern itself never matches
# its own source text, and the run plants one match as a control that the scan works.
SCAN = textwrap.dedent(
    """
    import os, re

    PATTERN = re.compile(rb"{prefix}-[0-9a-f]{{32}}")
    control = ("{prefix}-" + "0" * 32).encode()
    found = set()

    def scan_memory(pid):
        with open(f"/proc/{{pid}}/maps") as maps, open(f"/proc/{{pid}}/mem", "rb", buffering=0) as mem:
            for line in maps:
                fields = line.split()
                file_backed = len(fields) > 5 and fields[5].startswith("/")
                if "r" not in fields[1] or (file_backed and "w" not in fields[1]):
                    continue  # unreadable, or the unchanged contents of a library file
                start, end = (int(x, 16) for x in fields[0].split("-"))
                # In chunks that overlap by a match's length, to stay within the memory limit.
                for offset in range(start, end, 1 << 24):
                    try:
                        mem.seek(offset)
                        found.update(PATTERN.findall(mem.read(min((1 << 24) + 64, end - offset))))
                    except (OSError, OverflowError, ValueError):
                        break

    for name in os.listdir("/proc"):
        if name.isdigit():
            for what in ("environ", "cmdline"):
                try:
                    found.update(PATTERN.findall(open(f"/proc/{{name}}/{{what}}", "rb").read()))
                except OSError:
                    pass
            scan_memory(name)
    found.update(PATTERN.findall("\\n".join(f"{{k}}={{v}}" for k, v in os.environ.items()).encode()))
    print("control found:", control in found)
    print(sorted(f.decode() for f in found))
    """
)


def test_a_secret_in_the_environment_of_whoever_started_the_server_is_nowhere():
    secret = os.environ[SECRET_ENV]  # set before the server started, by the test plugin
    prefix, _ = secret.split("-")
    result = run(SCAN.format(prefix=prefix))
    assert result.status == "succeeded", result.error
    control, found = result.stdout.splitlines()
    assert control == "control found: True"
    assert secret not in found


def test_another_learners_code_is_not_in_a_runs_memory():
    marker = "gblearner-" + secrets.token_hex(16)
    first = run(f"answer = 42  # {marker}\nprint('ran')", harness=f"emit('{marker}')")
    assert first.harness_output == marker
    for _ in range(2):  # whichever slot the next runs land on
        result = run(SCAN.format(prefix="gblearner"))
        control, found = result.stdout.splitlines()
        assert control == "control found: True"
        assert marker not in found


def test_the_server_processes_are_invisible(sandbox_server):
    pids = server_pids(sandbox_server)
    code = textwrap.dedent(
        f"""
        for pid in {pids!r}:
            for what in ("mem", "environ", "cmdline", "maps"):
                try:
                    open(f"/proc/{{pid}}/{{what}}", "rb").read(100)
                    print("READ", pid, what)
                except OSError as exc:
                    print("hidden", type(exc).__name__)
        """
    )
    result = run(code)
    assert "READ" not in result.stdout
    assert result.stdout.count("hidden FileNotFoundError") == 4 * len(pids)


def test_even_a_server_started_from_a_full_environment_keeps_it_from_runs():
    # Bypassing the launcher: the server itself holds the secret, but it passes only a short
    # list of variables to the zygote that runs are forked from.
    secret = "gbdirty-" + secrets.token_hex(16)
    socket_path = os.path.join(short_temp_dir("gb-sandbox-dirty-"), "s.sock")
    env = dict(os.environ, DATABASE_URL=f"postgres://app:{secret}@db/app", GLASSBOOK_SANDBOX_LOG_LEVEL="ERROR")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.server", "--socket", socket_path, "--slots", "1", "--exit-with-parent"],
        env=env,
        cwd=PACKAGE_PARENT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                ping(socket_path=socket_path)
                break
            except SandboxUnavailable:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        result = run(SCAN.format(prefix="gbdirty"), socket_path=socket_path)
        control, found = result.stdout.splitlines()
        assert control == "control found: True"
        assert secret not in found
    finally:
        stop_server(proc)
