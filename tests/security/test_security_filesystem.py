"""The host's files stay out of reach; a run's files die with it; nothing outside /tmp is writable."""

from __future__ import annotations

import os
import secrets
import sys
import textwrap
from pathlib import Path

import pytest

from sandbox.client import Limits, run
from sandbox.isolation import python_paths

pytestmark = pytest.mark.usefixtures("sandbox_server")

PROJECT_ROOT = Path(__file__).resolve().parents[2]

READ_ATTEMPT = textwrap.dedent(
    """
    import os
    for path in {paths!r}:
        try:
            if os.path.isdir(path):
                print("LISTED", path, os.listdir(path))
            else:
                with open(path, "rb") as fh:
                    print("READ", path, fh.read(200))
        except OSError as exc:
            print("denied", path, type(exc).__name__)
    """
)


def test_host_secrets_cannot_be_read(tmp_path):
    secret = tmp_path / "outside-secret.txt"
    secret.write_text("gbfile-" + secrets.token_hex(16))
    secret.chmod(0o644)
    paths = [
        "/etc/shadow",
        "/etc/gshadow",
        str(secret),
        str(tmp_path),
        str(PROJECT_ROOT / "var" / "secret_key"),
        str(PROJECT_ROOT / "var"),
        str(PROJECT_ROOT / "sandbox" / "server.py"),
        str(PROJECT_ROOT / "config"),
        str(PROJECT_ROOT / ".env"),
        "/root/.ssh",
        "/root/.bash_history",
        "/var/run/postgresql",
        "/etc/ssh",
        "/sys/class/net",
        "/home",
    ]
    # A folder leading to the Python install (a checkout under /home, say) is bound on purpose,
    # as empty levels down to it; the test above it cannot expect "denied" there.
    paths = [p for p in paths if not any(python.startswith(p.rstrip("/") + "/") for python in python_paths())]
    result = run(READ_ATTEMPT.format(paths=paths))
    assert result.status == "succeeded", result.error
    assert "READ" not in result.stdout and "LISTED" not in result.stdout, result.stdout
    assert result.stdout.count("denied") == len(paths)
    assert secret.read_text() not in result.stdout


def test_only_the_sandbox_skeleton_is_visible():
    code = textwrap.dedent(
        """
        import os
        print(sorted(os.listdir("/")))
        print(sorted(os.listdir("/etc")))
        print(sorted(os.listdir("/dev")))
        print(sorted(name for name in os.listdir("/proc") if name.isdigit()))
        """
    )
    result = run(code)
    top, etc, dev, pids = result.stdout.splitlines()
    skeleton = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp", "usr"}
    # Besides the skeleton, only the first level of the paths leading to the Python install
    # (a virtualenv in the checkout, wherever it was cloned, and the base interpreter).
    python_tops = {Path(path).parts[1] for path in python_paths() if len(Path(path).parts) > 1}
    assert set(eval(top)) <= skeleton | python_tops, (top, python_tops)
    assert "shadow" not in etc and "ssh" not in etc and "postgresql" not in etc
    assert set(eval(dev)) == {"fd", "full", "null", "random", "shm", "stderr", "stdin", "stdout", "urandom", "zero"}
    assert eval(pids) == ["1"]  # the run's own process, pid 1 of its namespace


def test_the_python_install_is_visible_but_the_project_is_not():
    code = textwrap.dedent(
        f"""
        import os, sys
        print(os.path.isdir(sys.prefix), os.path.isdir(sys.base_prefix))
        print(sorted(os.listdir({str(PROJECT_ROOT)!r})) if os.path.isdir({str(PROJECT_ROOT)!r}) else [])
        """
    )
    result = run(code)
    prefixes, project = result.stdout.splitlines()
    assert prefixes == "True True"
    # At most the empty levels leading to a virtualenv inside the project, never its files.
    assert set(eval(project)) <= {".venv", "venv"}


def test_proc_1_environ_is_the_runs_own_and_clean():
    code = "print(open('/proc/1/environ', 'rb').read().split(b'\\0'))"
    result = run(code)
    assert result.status == "succeeded", result.error
    names = {item.split(b"=", 1)[0].decode() for item in eval(result.stdout) if item}
    assert not names & {"DATABASE_URL", "SECRET_KEY", "CELERY_BROKER_URL", "GLASSBOOK_SANDBOX_SOCKET"}
    assert os.environ["GLASSBOOK_TEST_PARENT_SECRET"] not in result.stdout


def test_files_of_a_previous_run_are_gone():
    marker = "gbtmp-" + secrets.token_hex(8)
    write = f"import os\nopen('/tmp/left-behind', 'w').write({marker!r})\nos.makedirs('/tmp/d/e')\nprint('written')"
    # A Python installation under /tmp (a checkout there) is bound, read-only, at its own path.
    installation = sorted(
        {
            os.path.realpath(p).split("/")[2]
            for p in (sys.prefix, sys.base_prefix)
            if os.path.realpath(p).startswith("/tmp/")
        }
    )
    look = f"import os\nprint(sorted(set(os.listdir('/tmp')) - set({installation!r})), os.path.exists('/dev/shm/left-behind'))"
    for _ in range(4):  # both slots, more than once
        assert run(write).stdout == "written\n"
        assert run(look).stdout == "[] False\n"


def test_nothing_outside_tmp_is_writable():
    targets = [
        "/x",
        "/usr/x",
        "/etc/passwd",
        "/etc/x",
        "/root/x",
        "/proc/sys/kernel/hostname",
        "/dev/x",
        "/usr/bin/python3",
    ]
    code = textwrap.dedent(
        f"""
        for path in {targets!r}:
            try:
                with open(path, "a") as fh:
                    fh.write("x")
                print("WROTE", path)
            except OSError as exc:
                print("denied", type(exc).__name__)
        import os, sys
        try:
            open(os.path.join(sys.prefix, "planted.pth"), "w")
            print("WROTE prefix")
        except OSError:
            print("denied prefix")
        """
    )
    result = run(code)
    assert "WROTE" not in result.stdout
    assert result.stdout.count("denied") == len(targets) + 1


def test_filling_tmp_stops_at_its_size():
    code = textwrap.dedent(
        """
        chunk = b"x" * (1 << 20)
        for i in range(1000):
            with open(f"/tmp/fill-{i}", "wb") as fh:
                fh.write(chunk)
        """
    )
    result = run(code, limits=Limits(tmp_bytes=8 * 1024 * 1024))
    assert result.status == "killed"
    assert result.kill_reason == "disk"
    assert "No space left on device" in result.error


def test_one_big_file_stops_at_the_file_size_limit():
    code = "with open('/tmp/big', 'wb') as fh:\n    fh.write(b'x' * (4 << 20))"
    result = run(code, limits=Limits(file_size=1 << 20))
    assert result.status == "killed"
    assert result.kill_reason == "disk"
    assert "File too large" in result.error


def test_descriptors_of_the_server_are_not_inherited():
    code = "import os\nprint(sorted(int(fd) for fd in os.listdir('/proc/self/fd')))"
    result = run(code)
    fds = eval(result.stdout)
    # stdin, stdout, stderr, request pipe, result channel, and the one listdir itself opened.
    assert fds[:5] == [0, 1, 2, 3, 4] and len(fds) == 6
    check = "import os\nprint(sorted(os.readlink(f'/proc/self/fd/{fd}').split(':')[0] for fd in range(5)))"
    assert run(check).stdout == "['/dev/null', 'pipe', 'pipe', 'pipe', 'pipe']\n"
