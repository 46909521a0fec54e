"""What a run reports: output, tracebacks, figures, caps on output, and the harness."""

from __future__ import annotations

import json
import textwrap

import pytest

from sandbox.client import Limits, RunResult, run

pytestmark = pytest.mark.usefixtures("sandbox_server")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_success_returns_stdout_and_stderr():
    result = run("import sys\nprint('hello', 6 * 7)\nprint('warned', file=sys.stderr)")
    assert result.status == "succeeded"
    assert result.stdout == "hello 42\n"
    assert result.stderr == "warned\n"
    assert result.error is None and result.kill_reason is None
    assert result.isolated is True
    assert result.duration_ms > 0


def test_failure_has_trimmed_traceback_with_the_learners_line_numbers():
    code = "a = 1\nb = 0\nprint(a / b)\n"
    result = run(code)
    assert result.status == "failed"
    assert result.error_line == 3
    assert result.error.startswith("Traceback (most recent call last):\n")
    assert 'File "main.py", line 3, in <module>' in result.error
    assert "print(a / b)" in result.error
    assert result.error.rstrip().endswith("ZeroDivisionError: division by zero")
    # Nothing of the sandbox's own machinery in what the learner sees.
    assert "sandbox" not in result.error and "exec(" not in result.error


def test_error_inside_a_library_shows_only_the_learners_frames():
    code = textwrap.dedent(
        """
        from sklearn.linear_model import LogisticRegression

        def fit():
            return LogisticRegression().fit([[1.0], [2.0]], [0])

        fit()
        """
    )
    result = run(code)
    assert result.status == "failed"
    frames = [line for line in result.error.splitlines() if line.strip().startswith("File ")]
    assert frames == ['  File "main.py", line 7, in <module>', '  File "main.py", line 5, in fit']
    assert result.error_line == 5
    assert "ValueError" in result.error
    assert "site-packages" not in result.error


def test_syntax_error_points_at_its_line():
    result = run("x = 1\ny = (\nprint(x)\n")
    assert result.status == "failed"
    assert "SyntaxError" in result.error
    assert 'File "main.py", line 2' in result.error
    assert result.error_line == 2


def test_sys_exit_zero_is_success_and_nonzero_is_failure():
    assert run("import sys\nprint('bye')\nsys.exit(0)").status == "succeeded"
    result = run("import sys\nsys.exit(3)")
    assert result.status == "failed"
    assert "SystemExit: 3" in result.error


def test_stdin_is_empty():
    result = run("try:\n    input()\nexcept EOFError:\n    print('no input')")
    assert result.stdout == "no input\n"


def test_figures_left_open_come_back_as_png():
    code = textwrap.dedent(
        """
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [3, 1, 2])
        plt.figure()
        plt.bar(["a", "b"], [1, 2])
        plt.show()  # harmless
        closed = plt.figure()
        plt.close(closed)
        """
    )
    result = run(code)
    assert result.status == "succeeded", result.error
    assert len(result.figures) == 2
    for png in result.figures:
        assert png.startswith(PNG_SIGNATURE)
        assert len(png) > 1000
    assert "non-interactive" not in result.stderr


def test_stdout_beyond_the_cap_is_cut_and_marked():
    result = run("print('x' * 5000)\nprint('never reached')", limits=Limits(output_bytes=1000))
    assert result.stdout_truncated is True
    assert len(result.stdout) == 1000
    assert result.status == "killed"
    assert result.kill_reason == "output"
    assert "1000 bytes" in result.kill_message


def test_output_just_under_the_cap_is_kept_whole():
    result = run("print('y' * 998)", limits=Limits(output_bytes=1000))
    assert result.status == "succeeded"
    assert result.stdout == "y" * 998 + "\n"
    assert result.stdout_truncated is False


def test_output_printed_before_a_timeout_is_kept():
    result = run("import time\nprint('started')\ntime.sleep(30)", limits=Limits(wall_seconds=1))
    assert result.status == "timeout"
    assert result.kill_reason == "wall"
    assert result.stdout == "started\n"


def test_harness_runs_after_failing_learner_code_and_emits_json():
    harness = textwrap.dedent(
        """
        emit({
            "error": type(learner_error).__name__,
            "x": learner_globals["x"],
            "has_y": "y" in learner_globals,
        })
        """
    )
    result = run("x = 41 + 1\ny = undefined_name\n", harness=harness)
    assert result.status == "failed"
    assert result.error_line == 2
    assert result.harness_output == {"error": "NameError", "x": 42, "has_y": False}
    assert result.harness_error is None


def test_harness_sees_no_error_after_success_and_last_emit_wins():
    harness = "emit({'step': 1})\nemit({'step': 2, 'error': learner_error is None, 'total': learner_globals['total']})"
    result = run("total = sum(range(10))", harness=harness)
    assert result.status == "succeeded"
    assert result.harness_output == {"step": 2, "error": True, "total": 45}


def test_harness_exception_is_reported_separately():
    result = run("x = 1", harness="emit('partial')\nraise RuntimeError('check library bug')")
    assert result.status == "succeeded"
    assert result.harness_output == "partial"
    assert "RuntimeError: check library bug" in result.harness_error


def test_figures_are_collected_after_the_harness():
    harness = "import matplotlib.pyplot as plt\nplt.figure()\nplt.plot([0, 1])\nemit(len(plt.get_fignums()))"
    result = run("import matplotlib.pyplot as plt\nplt.plot([1, 2])", harness=harness)
    assert result.harness_output == 2
    assert len(result.figures) == 2


def test_printing_cannot_forge_the_harness_channel():
    # Whatever the learner prints, including bytes that look like the result channel's
    # framing, stays in stdout.
    forged = "import sys, struct, json\n"
    forged += "payload = json.dumps({'n': 'x', 'v': 'all passed'}).encode()\n"
    forged += "sys.stdout.buffer.write(struct.pack('>I', len(payload)) + b'E' + payload)\n"
    forged += "print('{\"passed\": true}')\n"
    result = run(forged, harness="emit({'passed': learner_globals.get('nothing', False)})")
    assert result.harness_output == {"passed": False}
    assert "passed" in result.stdout


def test_emit_without_the_runs_nonce_is_ignored():
    # Even writing straight to the result channel does not count before the harness has run.
    code = textwrap.dedent(
        """
        import json, os, struct
        payload = json.dumps({"n": "guess", "v": {"passed": True}}).encode()
        os.write(4, struct.pack(">I", len(payload)) + b"E" + payload)
        """
    )
    result = run(code, harness="emit({'passed': False})")
    assert result.harness_output == {"passed": False}


def test_the_harness_is_not_readable_while_learner_code_runs():
    code = textwrap.dedent(
        """
        import os
        os.set_blocking(3, False)
        try:
            print(repr(os.read(3, 1 << 20)))
        except BlockingIOError:
            print("nothing to read")
        os.set_blocking(3, True)
        """
    )
    result = run(code, harness="SECRET_ANSWER = 42\nemit('checked')")
    assert result.stdout == "nothing to read\n"
    assert result.harness_output == "checked"


def test_non_json_emit_is_a_harness_error():
    result = run("x = 1", harness="emit({1, 2})")
    assert result.harness_output is None
    assert "TypeError" in result.harness_error


def test_learner_forks_do_not_run_the_harness_twice():
    code = "import os\npid = os.fork()\nif pid == 0:\n    print('child')\nelse:\n    os.waitpid(pid, 0)\n    print('parent')"
    result = run(code, harness="print('harness ran')\nemit(1)")
    assert result.status == "succeeded"
    assert result.stdout.count("harness ran") == 1
    assert sorted(result.stdout.split()) == sorted(["child", "parent", "harness", "ran"])


def test_result_round_trips_through_json():
    result = run("import matplotlib.pyplot as plt\nplt.plot([1])\nprint('ok')", harness="emit([1, 'two'])")
    data = json.loads(json.dumps(result.to_dict()))
    again = RunResult.from_dict(data)
    assert again == result
    assert data["figures"][0].startswith("iVBOR")  # base64 of the PNG signature


def test_the_run_sees_a_plain_python_environment():
    code = textwrap.dedent(
        """
        import os, sys, tempfile
        print(os.getcwd(), tempfile.gettempdir(), os.environ["HOME"])
        print(__name__, sys.argv)
        open("notes.txt", "w").write("kept for this run only")
        print(open("/tmp/notes.txt").read())
        import numpy, pandas, sklearn, shap, lime, matplotlib
        print(matplotlib.get_backend())
        """
    )
    result = run(code)
    assert result.status == "succeeded", result.error
    lines = result.stdout.splitlines()
    assert lines[0] == "/tmp /tmp /tmp"
    assert lines[1] == "__main__ ['main.py']"
    assert lines[2] == "kept for this run only"
    assert lines[3].lower() == "agg"


def test_every_run_gets_fresh_random_numbers():
    code = "import numpy as np, random\nprint(np.random.rand(), random.random())"
    outputs = {run(code).stdout for _ in range(3)}
    assert len(outputs) == 3


def test_iris_example_from_the_course_runs():
    code = textwrap.dedent(
        """
        from sklearn.datasets import load_iris
        from sklearn.linear_model import LogisticRegression
        X, y = load_iris(return_X_y=True)
        model = LogisticRegression(max_iter=1000).fit(X, y)
        print(f"training accuracy: {model.score(X, y):.3f}")
        """
    )
    result = run(code)
    assert result.status == "succeeded", result.error
    assert result.stdout == "training accuracy: 0.973\n"


def test_shap_tree_explainer_runs():
    code = textwrap.dedent(
        """
        import shap
        from sklearn.datasets import load_breast_cancer
        from sklearn.ensemble import RandomForestClassifier
        X, y = load_breast_cancer(return_X_y=True)
        model = RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0, n_jobs=-1).fit(X, y)
        values = shap.TreeExplainer(model).shap_values(X[:20])
        print(getattr(values, "shape", None) or [v.shape for v in values])
        """
    )
    result = run(code)
    assert result.status == "succeeded", result.error
    assert "20" in result.stdout
