"""What runs inside each forked child: set up, run the learner's code, the harness, the figures.

Descriptors of a child (everything else is closed before isolation):
0 /dev/null, 1 stdout pipe, 2 stderr pipe, 3 request pipe (server -> child: the code, and the
harness only once the learner's code is done), 4 result channel (child -> server records).
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import fcntl
import io
import linecache
import logging
import os
import signal
import sys
import tempfile
import traceback
import types
from typing import Any, NoReturn

from sandbox import isolation, linux
from sandbox.isolation import ChildSpec
from sandbox.protocol import (
    EMIT,
    EXIT_SETUP_FAILED,
    FIGURE,
    FINISHED,
    HARNESS_ERROR,
    LEARNER_DONE,
    SETUP_FAILED,
    read_message_fd,
    write_record,
)

REQUEST_FD = 3
RESULT_FD = 4
LEARNER_FILENAME = "main.py"
HARNESS_FILENAME = "harness.py"
MAX_FIGURES = 20
EXIT_INTERNAL = 122


def main(fds: tuple[int, int, int, int], spec: ChildSpec) -> NoReturn:
    """Entry point in the freshly forked child; never returns into the zygote's code."""
    try:
        _arrange_fds(*fds)
        _reset_signals()
        if spec.rootfs is not None:
            isolation.enter(spec)
        else:
            isolation.enter_unisolated(spec)
    except BaseException as exc:
        # Fail closed: the learner's code has not even been read yet, and never will be.
        try:
            write_record(RESULT_FD, SETUP_FAILED, f"{type(exc).__name__}: {exc}".encode())
        finally:
            os._exit(EXIT_SETUP_FAILED)
    try:
        Runner(spec).run()
    except BaseException:
        os._exit(EXIT_INTERNAL)
    os._exit(0)


def _arrange_fds(request: int, stdout: int, stderr: int, result: int) -> None:
    # Move the pipes above the target numbers first so no dup2 clobbers one still needed.
    moved = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (request, stdout, stderr, result)]
    devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    os.dup2(devnull, 0)
    os.dup2(moved[1], 1)
    os.dup2(moved[2], 2)
    os.dup2(moved[0], REQUEST_FD, inheritable=False)
    os.dup2(moved[3], RESULT_FD, inheritable=False)
    # Everything else the zygote had open goes: its socket to the server, other runs' pidfds.
    linux.close_fds_from(RESULT_FD + 1)


def _reset_signals() -> None:
    signal.set_wakeup_fd(-1)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _text_stream(fd: int, mode: str) -> io.TextIOWrapper:
    # Line-buffered so that what was printed before a kill (wall clock, CPU) is not lost.
    raw = io.FileIO(fd, mode, closefd=False)
    buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
    return io.TextIOWrapper(buffered, encoding="utf-8", errors="backslashreplace", line_buffering=True)


class Runner:
    def __init__(self, spec: ChildSpec) -> None:
        self.spec = spec
        self.pid = os.getpid()
        self.stdout = _text_stream(1, "w")
        self.stderr = _text_stream(2, "w")

    # -- the process the learner sees ----------------------------------------------------------
    def _prepare_interpreter(self) -> types.ModuleType:
        tmp = self.spec.tmp_dir
        stdin = _text_stream(0, "r")
        for name, stream in (("stdin", stdin), ("stdout", self.stdout), ("stderr", self.stderr)):
            setattr(sys, name, stream)
            setattr(sys, f"__{name}__", stream)
        os.environ.clear()
        os.environ.update(
            {
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "HOME": tmp,
                "TMPDIR": tmp,
                "LANG": "C.UTF-8",
                "MPLBACKEND": "Agg",
                "MPLCONFIGDIR": os.path.join(tmp, ".matplotlib"),
                "OPENBLAS_NUM_THREADS": "1",
                "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1",
                "JOBLIB_MULTIPROCESSING": "0",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        tempfile.tempdir = tmp
        sys.argv = [LEARNER_FILENAME]
        python_dirs = isolation.python_paths()
        sys.path = [tmp] + [p for p in sys.path if p and any(p.startswith(d) for d in python_dirs)]
        # The zygote's log handlers must not turn the learner's logging into server-style lines.
        logging.root.handlers.clear()
        logging.root.setLevel(logging.WARNING)
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            numpy.random.seed()  # otherwise every run would draw the zygote's same numbers
        module = types.ModuleType("__main__")
        module.__file__ = LEARNER_FILENAME
        module.__builtins__ = builtins  # type: ignore[attr-defined]
        sys.modules["__main__"] = module
        return module

    def _only_here(self) -> None:
        """A process the learner forked must not run the rest (harness, figures, records)."""
        if os.getpid() != self.pid:
            for stream in (self.stdout, self.stderr):
                with contextlib.suppress(Exception):  # the learner may have closed it
                    stream.flush()
            os._exit(0)

    def _flush(self) -> None:
        for stream in {id(s): s for s in (sys.stdout, sys.stderr, self.stdout, self.stderr)}.values():
            with contextlib.suppress(Exception):  # a learner-replaced stream may not flush
                if stream is not None:
                    stream.flush()

    # -- the run ----------------------------------------------------------------------------------
    def run(self) -> None:
        # Bound before the learner's code runs, so that replacing json.dumps, json.JSONEncoder
        # or os.write from that code cannot rewrite what the harness emits later.
        self._send = _bind_record_sender()
        request = read_message_fd(REQUEST_FD)
        code = str(request["code"])
        module = self._prepare_interpreter()
        linecache.cache[LEARNER_FILENAME] = (len(code), None, code.splitlines(True), LEARNER_FILENAME)

        outcome, learner_error = self._run_learner(code, module)
        self._only_here()
        self._flush()
        self._send(LEARNER_DONE, outcome)

        if request.get("harness"):
            self._run_harness(module, learner_error)
            self._only_here()
        self._send_figures()
        self._only_here()
        self._flush()
        write_record(RESULT_FD, FINISHED)

    def _run_learner(self, code: str, module: types.ModuleType) -> tuple[dict[str, Any], BaseException | None]:
        try:
            compiled = compile(code, LEARNER_FILENAME, "exec", dont_inherit=True)
            exec(compiled, module.__dict__)  # noqa: S102 - running learner code is the point
        except SystemExit as exc:
            if exc.code is None or exc.code == 0:
                return {"outcome": "ok"}, None
            return {"outcome": "exception", "error": f"SystemExit: {exc.code}", "error_line": None}, exc
        except BaseException as exc:
            self._only_here()
            return describe_exception(exc), exc
        return {"outcome": "ok"}, None

    def _run_harness(self, module: types.ModuleType, learner_error: BaseException | None) -> None:
        # Sent only now, so that it is not sitting in a pipe while the learner's code runs.
        message = read_message_fd(REQUEST_FD)
        source, nonce = str(message["harness"]), str(message["nonce"])

        send = self._send

        def emit(value: Any) -> None:
            """Send one JSON-serialisable object back; the last one sent is the harness output."""
            send(EMIT, {"n": nonce, "v": value})

        namespace: dict[str, Any] = {
            "__name__": "__harness__",
            "__builtins__": builtins,
            "learner_globals": module.__dict__,
            "learner_error": learner_error,
            "emit": emit,
        }
        linecache.cache[HARNESS_FILENAME] = (len(source), None, source.splitlines(True), HARNESS_FILENAME)
        try:
            exec(compile(source, HARNESS_FILENAME, "exec", dont_inherit=True), namespace)  # noqa: S102 - trusted harness
        except BaseException:
            self._only_here()
            write_record(RESULT_FD, HARNESS_ERROR, traceback.format_exc().encode("utf-8", "backslashreplace"))

    def _send_figures(self) -> None:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        try:
            numbers = list(pyplot.get_fignums())
        except Exception:
            return
        for index, number in enumerate(numbers):
            if index == MAX_FIGURES:
                print(f"Only the first {MAX_FIGURES} figures are shown.", file=self.stderr)
                break
            try:
                buffer = io.BytesIO()
                pyplot.figure(number).savefig(buffer, format="png")
            except Exception as exc:
                print(f"Figure {number} could not be drawn: {type(exc).__name__}: {exc}", file=self.stderr)
                continue
            write_record(RESULT_FD, FIGURE, buffer.getvalue())
        with contextlib.suppress(Exception):  # the process ends right after anyway
            pyplot.close("all")


def _bind_record_sender() -> Any:
    """A sender of JSON records made only of objects the learner's code cannot replace:
    the C encoder of the `_json` module (built now, with its parts fixed inside it), the
    record header's bound `pack`, and `os.write` as it is now."""
    import _json

    from sandbox.protocol import HEADER

    def reject(value: Any) -> NoReturn:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    # make_encoder(markers, default, encoder, indent, key_separator, item_separator,
    #              sort_keys, skipkeys, allow_nan): strict JSON (no NaN), compact.
    encode = _json.make_encoder({}, reject, _json.encode_basestring_ascii, None, ":", ",", False, False, False)
    pack, write, join, fd = HEADER.pack, os.write, "".join, RESULT_FD

    def send(kind: bytes, obj: Any) -> None:
        payload = join(encode(obj, 0)).encode("ascii")
        data = memoryview(pack(len(payload)) + kind + payload)
        while data:
            data = data[write(fd, data) :]

    return send


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """The traceback cut down to the learner's frames, the line to point at, and a resource hint."""
    te = traceback.TracebackException(type(exc), exc, exc.__traceback__, compact=True)
    _keep_learner_frames(te, set())
    error = "".join(te.format())
    line: int | None = None
    if isinstance(exc, SyntaxError) and exc.filename == LEARNER_FILENAME:
        line = exc.lineno
    else:
        learner_frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == LEARNER_FILENAME]
        if learner_frames:
            line = learner_frames[-1].lineno
    return {"outcome": "exception", "error": error, "error_line": line, "resource": resource_hint(exc)}


def _keep_learner_frames(te: traceback.TracebackException, seen: set[int]) -> None:
    if id(te) in seen:
        return
    seen.add(id(te))
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if f.filename == LEARNER_FILENAME])
    for chained in (te.__cause__, te.__context__):
        if chained is not None:
            _keep_learner_frames(chained, seen)


def resource_hint(exc: BaseException) -> str | None:
    """Which limit an uncaught exception most likely comes from, so the result can say so."""
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, OSError):
        if exc.errno == errno.EAGAIN and isinstance(exc, BlockingIOError):
            return "processes"  # fork/clone over RLIMIT_NPROC
        if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            return "disk"
        if exc.errno in (errno.EMFILE, errno.ENFILE):
            return "open_files"
    if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
        return "processes"
    return None
