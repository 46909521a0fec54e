"""Every escape attempt must leave the server serving: checked after each test here."""

from __future__ import annotations

import os
import time

import pytest

from sandbox.client import ping, run


@pytest.fixture(autouse=True)
def server_survives(sandbox_server):
    yield
    result = run("print('still serving')")
    assert (result.status, result.stdout) == ("succeeded", "still serving\n"), "the server broke after the attempt"


def host_processes_of_slots(socket_path: str) -> list[tuple[int, str]]:
    """Host processes running as a slot's uid (pid, command line)."""
    first, last = ping(socket_path=socket_path)["uids"]
    uids = set(range(first, last + 1))
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as fh:
                real_uid = next(int(line.split()[1]) for line in fh if line.startswith("Uid:"))
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, StopIteration):
            continue
        if real_uid in uids:
            found.append((int(name), cmdline))
    return found


def wait_until_no_slot_processes(socket_path: str, timeout: float = 3.0) -> list[tuple[int, str]]:
    # The result comes back as soon as the run reports it finished; its namespace is torn
    # down right after, so give the kernel a moment.
    deadline = time.monotonic() + timeout
    while True:
        left = host_processes_of_slots(socket_path)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def server_pids(socket_path: str) -> list[int]:
    """Host pids of the server (front) and its zygote."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                cmdline = fh.read()
        except OSError:
            continue
        if socket_path.encode() in cmdline:
            pids.append(int(name))
            pids += [int(child) for child in _children(int(name))]
    return sorted(set(pids))


def _children(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return fh.read().split()
    except OSError:
        return []
