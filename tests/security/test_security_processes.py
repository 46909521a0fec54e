"""Processes a run starts cannot outlive it, multiply without bound, or touch the server."""

from __future__ import annotations

import textwrap
import time

from sandbox.client import Limits, ping, run
from tests.security.conftest import host_processes_of_slots, server_pids, wait_until_no_slot_processes


def test_fork_bomb_is_contained(sandbox_server):
    code = "import os\nwhile True:\n    os.fork()"
    started = time.monotonic()
    result = run(code, limits=Limits(processes=8, wall_seconds=10))
    assert result.status == "killed"
    assert result.kill_reason == "processes"
    assert "too many processes" in result.kill_message
    assert time.monotonic() - started < 10
    assert wait_until_no_slot_processes(sandbox_server) == []


def test_fork_bomb_that_swallows_errors_ends_at_the_wall_clock(sandbox_server):
    code = textwrap.dedent(
        """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
        """
    )
    result = run(code, limits=Limits(processes=8, wall_seconds=2, cpu_seconds=2))
    assert result.status == "timeout"
    assert wait_until_no_slot_processes(sandbox_server) == []


def test_daemonised_grandchild_dies_with_the_run(sandbox_server):
    code = textwrap.dedent(
        """
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.closerange(0, 10)  # a proper daemon: detached from every pipe
                while True:
                    time.sleep(0.05)
            os._exit(0)
        time.sleep(0.3)
        print("parent done")
        """
    )
    result = run(code)
    assert result.status == "succeeded"
    assert result.stdout == "parent done\n"
    assert wait_until_no_slot_processes(sandbox_server) == []


def test_threads_count_against_the_process_limit():
    code = textwrap.dedent(
        """
        import threading, time
        threads = [threading.Thread(target=time.sleep, args=(1,)) for _ in range(20)]
        for t in threads:
            t.start()
        """
    )
    result = run(code, limits=Limits(processes=4))
    assert result.status == "killed"
    assert result.kill_reason == "processes"


def test_killing_the_parent_pid_1_and_everything_visible_does_not_reach_the_server(sandbox_server):
    before = server_pids(sandbox_server)
    assert len(before) == 2  # the server and its zygote
    code = textwrap.dedent(
        f"""
        import os, signal, time
        print("ppid", os.getppid())
        for target in [os.getppid(), 1, -1] + {before!r}:
            try:
                os.kill(target, signal.SIGKILL)
                print("sent", target)
            except OSError as exc:
                print("failed", target, type(exc).__name__)
        if os.fork() == 0:
            try:
                os.kill(1, signal.SIGKILL)
                os.kill(os.getppid(), signal.SIGKILL)
            except OSError:
                pass
            os._exit(0)
        time.sleep(0.2)
        print("pid 1 still alive")
        """
    )
    result = run(code)
    # The server's pids do not exist in the run's PID namespace: nothing to signal.
    for pid in before:
        assert f"failed {pid} ProcessLookupError" in result.stdout
    # pid 1 of a namespace cannot be killed from inside it, not even by itself.
    assert "pid 1 still alive" in result.stdout
    assert result.stdout.startswith("ppid 0\n")
    assert server_pids(sandbox_server) == before
    assert ping(socket_path=sandbox_server)["mode"] == "isolated"


def test_no_slot_process_is_left_between_runs(sandbox_server):
    run("import subprocess\nsubprocess.Popen(['sleep', '30'])\nprint('started')")
    assert wait_until_no_slot_processes(sandbox_server) == []
    assert host_processes_of_slots(sandbox_server) == []


def test_subprocesses_work_inside_the_limits():
    result = run("import subprocess\nprint(subprocess.run(['echo', 'hi'], capture_output=True, text=True).stdout)")
    assert result.status == "succeeded", result.error
    assert result.stdout == "hi\n\n"
