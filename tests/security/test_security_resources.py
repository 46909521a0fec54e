"""Memory, CPU, wall clock, output and descriptors are bounded, and each stop says why."""

from __future__ import annotations

import textwrap
import time

import pytest

from sandbox.client import Limits, run

pytestmark = pytest.mark.usefixtures("sandbox_server")

MiB = 1024 * 1024


def test_one_huge_allocation_is_refused():
    result = run("x = bytearray(8 * 1024 ** 3)", limits=Limits(memory_bytes=256 * MiB))
    assert result.status == "killed"
    assert result.kill_reason == "memory"
    assert "256 MiB" in result.kill_message
    assert "MemoryError" in result.error


def test_growing_memory_is_stopped():
    code = textwrap.dedent(
        """
        import numpy as np
        blocks = []
        while True:
            blocks.append(np.ones(4 * 1024 * 1024))  # 32 MiB, touched
        """
    )
    result = run(code, limits=Limits(memory_bytes=256 * MiB))
    assert result.status == "killed"
    assert result.kill_reason == "memory"


def test_cpu_loop_is_stopped_at_the_cpu_limit():
    # A wall limit far away, so that CPU time runs out first even on a busy machine.
    result = run("while True:\n    pass", limits=Limits(cpu_seconds=1, wall_seconds=30))
    assert result.status == "timeout"
    assert result.kill_reason == "cpu"
    assert "1 s of CPU" in result.kill_message
    assert result.duration_ms < 30_000


def test_cpu_limit_holds_even_if_sigxcpu_is_caught():
    code = "import signal\nsignal.signal(signal.SIGXCPU, lambda *a: None)\nwhile True:\n    pass"
    result = run(code, limits=Limits(cpu_seconds=1, wall_seconds=30))
    assert result.status == "timeout"
    assert result.kill_reason == "cpu"


def test_sleeping_is_stopped_at_the_wall_clock():
    started = time.monotonic()
    result = run("import time\ntime.sleep(60)", limits=Limits(wall_seconds=1))
    elapsed = time.monotonic() - started
    assert result.status == "timeout"
    assert result.kill_reason == "wall"
    assert 0.9 < elapsed < 5
    assert 900 <= result.duration_ms < 5000


def test_huge_output_is_capped_on_both_streams():
    result = run("import sys\nwhile True:\n    print('x' * 1000)", limits=Limits(output_bytes=64 * 1024))
    assert result.status == "killed" and result.kill_reason == "output"
    assert result.stdout_truncated and len(result.stdout) == 64 * 1024
    result = run("import sys\nwhile True:\n    sys.stderr.write('e' * 1000)", limits=Limits(output_bytes=64 * 1024))
    assert result.status == "killed" and result.kill_reason == "output"
    assert result.stderr_truncated and len(result.stderr) == 64 * 1024


def test_output_written_by_a_subprocess_is_capped_too():
    code = "import subprocess\nsubprocess.run(['yes'])"
    result = run(code, limits=Limits(output_bytes=100_000))
    assert result.status == "killed" and result.kill_reason == "output"
    assert len(result.stdout) == 100_000


def test_many_figures_are_capped():
    code = "import matplotlib.pyplot as plt\nfor i in range(30):\n    plt.figure(figsize=(1, 1))"
    result = run(code)
    assert result.status == "succeeded"
    assert len(result.figures) == 20
    assert "first 20 figures" in result.stderr


def test_open_files_are_limited():
    code = "files = [open('/dev/null') for _ in range(100)]"
    result = run(code, limits=Limits(open_files=32))
    assert result.status == "killed"
    assert result.kill_reason == "open_files"
