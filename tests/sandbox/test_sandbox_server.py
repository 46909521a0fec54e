"""The server as a service: slots and queueing, caps, errors, refusal and unisolated mode."""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import signal
import time

import pytest

from sandbox.client import Limits, SandboxRefused, SandboxUnavailable, ping, run
from sandbox.launcher import server_environment, start_server, stop_server
from sandbox.limits import GiB, caps_from_env
from tests.plugins.sandbox import short_temp_dir


def test_ping_reports_an_isolated_server(sandbox_server):
    info = ping(socket_path=sandbox_server)
    assert info["mode"] == "isolated"
    assert info["slots"] >= 1
    assert info["caps"] == caps_from_env().to_dict()  # the defaults, unless the environment sets caps


def test_default_socket_comes_from_the_environment(sandbox_server):
    assert os.environ["GLASSBOOK_SANDBOX_SOCKET"] == sandbox_server
    assert run("print('via env')").stdout == "via env\n"


def test_runs_happen_concurrently_and_queue_beyond_the_slots(sandbox_server):
    slots = ping(socket_path=sandbox_server)["slots"]
    count = slots * 2
    code = "import time\ntime.sleep(0.5)\nprint({i})"
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(lambda i: run(code.format(i=i)), range(count)))
    elapsed = time.monotonic() - started
    assert [r.status for r in results] == ["succeeded"] * count
    assert [r.stdout for r in results] == [f"{i}\n" for i in range(count)]
    # All at once would take 0.5 s; one after the other count * 0.5 s; slots at a time: 1 s.
    assert 0.95 < elapsed < count * 0.5


def test_limits_above_the_caps_are_clamped(sandbox_server):
    caps = Limits.from_dict(ping(socket_path=sandbox_server)["caps"])
    greedy = Limits(
        cpu_seconds=10_000, wall_seconds=10_000, memory_bytes=64 * GiB, processes=10_000, open_files=100_000
    )
    result = run("import resource\nprint(resource.getrlimit(resource.RLIMIT_NPROC)[0])", limits=greedy)
    assert result.status == "succeeded"
    assert result.limits["cpu_seconds"] == caps.cpu_seconds
    assert result.limits["wall_seconds"] == caps.wall_seconds
    assert result.limits["memory_bytes"] == caps.memory_bytes
    assert result.limits["processes"] == caps.processes
    assert result.limits["open_files"] == caps.open_files
    assert result.limits["output_bytes"] == Limits().output_bytes  # not asked for more: unchanged
    assert result.stdout == f"{caps.processes}\n"


def test_limits_below_the_caps_are_applied(sandbox_server):
    code = "import resource\nprint(*[resource.getrlimit(getattr(resource, n))[1] for n in ('RLIMIT_NOFILE', 'RLIMIT_FSIZE', 'RLIMIT_CPU')])"
    result = run(code, limits=Limits(open_files=40, file_size=1234567, cpu_seconds=2.5))
    assert result.stdout == "40 1234567 4\n"  # CPU: soft 3 (rounded up), hard one more


def test_invalid_limits_are_rejected_by_the_client():
    with pytest.raises(ValueError):
        Limits(cpu_seconds=-1)
    with pytest.raises(ValueError):
        Limits.from_dict({"cpu_second": 1})


def test_unreachable_server_raises_unavailable(tmp_path):
    with pytest.raises(SandboxUnavailable):
        run("print(1)", socket_path=str(tmp_path / "nothing.sock"))
    with pytest.raises(SandboxUnavailable):
        ping(socket_path=str(tmp_path / "nothing.sock"))


def test_oversized_code_is_a_value_error(sandbox_server):
    with pytest.raises(ValueError):
        run("#" * 2_000_000)


def test_server_environment_carries_no_secrets_of_the_caller():
    env = server_environment(
        {"DATABASE_URL": "postgres://u:p@h/db", "SECRET_KEY": "k", "GLASSBOOK_SANDBOX_MAX_CPU_SECONDS": "7"}
    )
    assert "DATABASE_URL" not in env and "SECRET_KEY" not in env
    assert env["GLASSBOOK_SANDBOX_MAX_CPU_SECONDS"] == "7"
    assert env["OPENBLAS_NUM_THREADS"] == "1"


@pytest.fixture
def extra_server():
    started = []

    def start(*args: str, allow_unisolated: bool = False) -> str:
        directory = short_temp_dir("gb-sandbox-extra-")
        socket_path = os.path.join(directory, "s.sock")
        with open(os.path.join(directory, "server.log"), "wb") as log:
            started.append(
                start_server(socket_path, slots=1, allow_unisolated=allow_unisolated, extra_args=args, stderr=log)
            )
        return socket_path

    yield start
    for proc in started:
        stop_server(proc)


def test_server_refuses_when_isolation_is_unavailable(extra_server):
    socket_path = extra_server("--no-isolation")
    info = ping(socket_path=socket_path)
    assert info["mode"] == "refusing"
    assert "isolation" in info["reason"]
    with pytest.raises(SandboxRefused, match="--allow-unisolated"):
        run("print(1)", socket_path=socket_path)


def test_unisolated_mode_runs_and_says_so(extra_server):
    socket_path = extra_server("--no-isolation", "--max-cpu-seconds", "2", allow_unisolated=True)
    info = ping(socket_path=socket_path)
    assert info["mode"] == "unisolated"
    assert info["caps"]["cpu_seconds"] == 2
    result = run("import os\nprint(os.getcwd().rsplit('/', 1)[-1].startswith('run-'))", socket_path=socket_path)
    assert result.status == "succeeded"
    assert result.isolated is False
    assert result.stdout == "True\n"
    # The limits still hold without namespaces.
    hog = run("while True:\n    pass", socket_path=socket_path, limits=Limits(cpu_seconds=1, wall_seconds=5))
    assert hog.status == "timeout" and hog.kill_reason == "cpu"
    assert run("print('still serving')", socket_path=socket_path).stdout == "still serving\n"


def _children_of(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(child) for child in fh.read().split()]


def _front_pid(socket_path: str) -> int:
    for name in os.listdir("/proc"):
        with contextlib.suppress(OSError):
            if name.isdigit() and socket_path.encode() in open(f"/proc/{name}/cmdline", "rb").read():
                return int(name)
    raise LookupError(socket_path)


def test_a_dead_zygote_is_replaced(extra_server):
    socket_path = extra_server()
    assert run("print(1)", socket_path=socket_path).stdout == "1\n"
    front = _front_pid(socket_path)
    (zygote,) = _children_of(front)
    os.kill(zygote, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while True:
        result = run("print(2)", socket_path=socket_path)
        if result.status == "succeeded" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert result.stdout == "2\n"
    assert _children_of(front) != [zygote]


def test_runs_and_zygote_die_with_the_server(extra_server):
    socket_path = extra_server()
    front = _front_pid(socket_path)
    (zygote,) = _children_of(front)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(
            run, "import time\nprint('sleeping', flush=True)\ntime.sleep(60)", socket_path=socket_path
        )
        time.sleep(0.5)
        (child,) = _children_of(zygote)
        os.kill(front, signal.SIGKILL)
        with pytest.raises(SandboxUnavailable):
            pending.result(timeout=10)
    deadline = time.monotonic() + 5
    while (
        any(
            os.path.exists(f"/proc/{pid}/status") and "State:\tZ" not in open(f"/proc/{pid}/status").read()
            for pid in (zygote, child)
        )
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    for pid in (zygote, child):
        assert not os.path.exists(f"/proc/{pid}/status") or "State:\tZ" in open(f"/proc/{pid}/status").read()
