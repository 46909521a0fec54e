"""Start the sandbox server from an empty environment and wait until it answers.

The caller's environment (database URLs, secret keys, tokens) must never reach the server:
every run is forked from it and could read anything it holds. So the server gets a handful of
variables built here, plus the operator's caps (``GLASSBOOK_SANDBOX_MAX_*``), nothing else.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import IO

from sandbox.client import SandboxUnavailable, ping
from sandbox.limits import Limits, cap_env_name

PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


def _private_home() -> str:
    """A home for library caches (matplotlib's font list), kept across restarts to start fast.

    It sits in a world-writable temp folder, so it is only used if it is ours and private:
    a planted matplotlibrc could otherwise make the server import a module of someone else's.
    """
    path = os.path.join(tempfile.gettempdir(), f"glassbook-sandbox-home-{os.getuid()}")
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    info = os.lstat(path)
    if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) == 0o700:
        return path
    return tempfile.mkdtemp(prefix="glassbook-sandbox-home-")


def server_environment(source: dict[str, str] | None = None) -> dict[str, str]:
    """The whole environment of the server process."""
    source = dict(os.environ) if source is None else source
    home = _private_home()
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        # Before numpy is imported: BLAS/OpenMP thread pools and fork do not mix.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "JOBLIB_MULTIPROCESSING": "0",
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for f in fields(Limits):
        name = cap_env_name(f.name)
        if source.get(name):
            env[name] = source[name]
    if source.get("GLASSBOOK_SANDBOX_LOG_LEVEL"):
        env["GLASSBOOK_SANDBOX_LOG_LEVEL"] = source["GLASSBOOK_SANDBOX_LOG_LEVEL"]
    return env


def server_command(
    socket_path: str, slots: int | None = None, allow_unisolated: bool = False, extra_args: Sequence[str] = ()
) -> list[str]:
    command = [sys.executable, "-m", "sandbox.server", "--socket", os.path.abspath(socket_path)]
    if slots is not None:
        command += ["--slots", str(slots)]
    if allow_unisolated:
        command.append("--allow-unisolated")
    return command + list(extra_args)


def start_server(
    socket_path: str,
    slots: int | None = None,
    allow_unisolated: bool = False,
    *,
    extra_args: Sequence[str] = (),
    stderr: int | IO[bytes] | None = None,
    startup_timeout: float = 120.0,
    exit_with_parent: bool = True,
) -> subprocess.Popen[bytes]:
    """Start ``python -m sandbox.server`` with a clean environment; return once it answers a ping.

    ``exit_with_parent`` makes the server stop when the calling process exits, so a crashed
    test run or site does not leave it behind. Raises RuntimeError if it does not come up.
    """
    socket_path = os.path.abspath(socket_path)
    os.makedirs(os.path.dirname(socket_path), exist_ok=True)
    args = list(extra_args) + (["--exit-with-parent"] if exit_with_parent else [])
    proc = subprocess.Popen(
        server_command(socket_path, slots, allow_unisolated, args),
        env=server_environment(),
        cwd=PACKAGE_PARENT,
        stdin=subprocess.DEVNULL,
        stdout=stderr if stderr is not None else None,
        stderr=stderr,
        close_fds=True,
    )
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the sandbox server exited during start-up (code {proc.returncode})")
        try:
            ping(socket_path=socket_path, timeout=2.0)
            return proc
        except SandboxUnavailable:
            time.sleep(0.05)
    stop_server(proc)
    raise RuntimeError(f"the sandbox server did not answer within {startup_timeout:g} s")


def stop_server(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Ask the server to stop (it kills its runs and removes its socket), then make sure."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
