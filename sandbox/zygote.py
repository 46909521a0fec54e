"""The pre-importing process that forks one child per run.

Started by the server (``python -m sandbox.zygote``, never by hand) in a fresh interpreter, so
its memory, which every child inherits, holds nothing but libraries: it never sees learner
code, harnesses or results (those travel through pipes between the server and the child), and
its environment is the server's empty one.

It speaks to the server over a SOCK_SEQPACKET socket, one JSON object per packet:
  server -> zygote  {"op": "spawn", "id", "slot", "isolated", "limits"} + 4 fds (SCM_RIGHTS),
                    {"op": "kill", "id", "reason"}, {"op": "shutdown"}
  zygote -> server  {"event": "ready", ...}, {"event": "started", "id", "pid"},
                    {"event": "spawn_failed", "id", "error"},
                    {"event": "exited", "id", "status", "cpu", "oom", "killed_by"}
It owns the wall clock of every run: the deadline is enforced here, next to the process.
"""

from __future__ import annotations

import argparse
import array
import contextlib
import gc
import json
import logging
import os
import selectors
import shutil
import signal
import socket
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Any

from sandbox import linux
from sandbox.limits import Limits

log = logging.getLogger("sandbox.zygote")

# Must be in the environment before numpy and joblib are imported: BLAS/OpenMP thread pools
# make fork unsafe, and joblib must never start worker interpreters inside a run.
THREAD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "JOBLIB_MULTIPROCESSING": "0",
    "MPLBACKEND": "Agg",
}

PRELOAD = (
    # Standard modules that are often imported lazily (encodings.idna by socket and
    # urllib); loaded here they need no file access in the run.
    "encodings.idna",
    "json",
    "csv",
    "random",
    "statistics",
    "decimal",
    "fractions",
    "dataclasses",
    "pathlib",
    "subprocess",
    "numpy",
    "pandas",
    "scipy.optimize",
    "sklearn",
    "sklearn.base",
    "sklearn.datasets",
    "sklearn.linear_model",
    "sklearn.tree",
    "sklearn.ensemble",
    "sklearn.model_selection",
    "sklearn.metrics",
    "sklearn.preprocessing",
    "sklearn.pipeline",
    "sklearn.inspection",
    "sklearn.neighbors",
    "sklearn.svm",
    "sklearn.cluster",
    "sklearn.decomposition",
    "sklearn.naive_bayes",
    "sklearn.impute",
    "sklearn.compose",
    "matplotlib",
    "matplotlib.pyplot",
    "shap",
    "lime",
    "lime.lime_tabular",
)

# Grace on top of a run's wall limit before the zygote's backstop fires (the limit itself is
# enforced exactly; this only covers a run whose kill somehow did not take).
KILL_RETRY_SECONDS = 1.0


def preload() -> None:
    import importlib

    for name, value in THREAD_ENV.items():
        os.environ.setdefault(name, value)
    for module in PRELOAD:
        importlib.import_module(module)
    import matplotlib

    matplotlib.use("Agg")
    # plt.show() is harmless under Agg; learners should not see a warning for calling it.
    warnings.filterwarnings("ignore", message=".*non-interactive.*cannot be shown")
    warnings.filterwarnings("ignore", message=".*FigureCanvasAgg is non-interactive.*")
    warm_up()


def warm_up() -> None:
    """Do once here what every run would otherwise pay for on its first call.

    A first fit fills per-process caches (parameter validation, solver set-up, dispatch tables)
    and costs 15-25 ms more than the next one; a first figure loads fonts. Children inherit the
    filled caches. Everything runs single-threaded (see THREAD_ENV), so no thread pool exists
    when the zygote forks; main() checks that no other thread was started.
    """
    import matplotlib.pyplot as plt
    import pandas as pd
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, y = load_iris(return_X_y=True, as_frame=True)
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
        for data in ((X_train, y_train, X_test, y_test), (X.to_numpy(), y.to_numpy(), X.to_numpy(), y.to_numpy())):
            for model in (LogisticRegression(max_iter=1000), DecisionTreeClassifier(max_depth=2)):
                model.fit(data[0], data[1]).score(data[2], data[3])
        pd.concat([X, y], axis=1).groupby("target").mean().describe()
        fig = plt.figure()
        fig.add_subplot().plot([0, 1], [0, 1], label="warm-up")
        fig.canvas.draw()
        plt.close(fig)


@dataclass
class Child:
    run_id: int
    pid: int
    pidfd: int
    slot: int
    deadline: float
    isolated: bool
    tmp_dir: str | None
    oom_before: int
    killed_by: str | None = None
    next_kill: float | None = None


class Zygote:
    def __init__(self, sock: socket.socket, runtime_dir: str, uid_base: int, slots: int, memory_budget: int) -> None:
        self.sock = sock
        self.runtime_dir = runtime_dir
        self.uid_base = uid_base
        self.slots = slots
        self.memory_budget = memory_budget
        self.children: dict[int, Child] = {}
        self.selector = selectors.DefaultSelector()
        self.rootfs: Any = None
        self.rootfs_error: str | None = None
        self.seccomp_filter: Any = None
        self.seccomp_error: str | None = None
        self.cgroups: Any = None
        self.own_pidns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        self.running = True

    # -- start -------------------------------------------------------------------------------------
    def prepare(self) -> None:
        from sandbox import isolation, seccomp
        from sandbox.cgroups import RunsCgroup, set_oom_score_adj

        uids = [self.uid_base + slot for slot in range(self.slots)]
        try:
            self.rootfs = isolation.build_rootfs(self.runtime_dir, uids)
        except OSError as exc:
            self.rootfs_error = f"cannot prepare the sandbox file system: {exc}"
        try:
            self.seccomp_filter = seccomp.build_filter()
        except Exception as exc:
            self.seccomp_error = f"cannot build the seccomp filter: {type(exc).__name__}: {exc}"
        self.cgroups = RunsCgroup.create(self.memory_budget)
        # When memory runs out, the kernel should kill a run (they ask for it) and not this.
        set_oom_score_adj(-500)
        os.makedirs(os.path.join(self.runtime_dir, "tmp"), mode=0o711, exist_ok=True)

    def ready_message(self) -> dict[str, Any]:
        return {
            "event": "ready",
            "pid": os.getpid(),
            "threads": len(os.listdir("/proc/self/task")),
            "rootfs_error": self.rootfs_error,
            "seccomp_error": self.seccomp_error,
            "cgroups": self.cgroups.version if self.cgroups else None,
        }

    # -- loop ----------------------------------------------------------------------------------------
    def serve(self) -> None:
        self.sock.setblocking(True)
        self.selector.register(self.sock, selectors.EVENT_READ)
        while self.running or self.children:
            timeout = self._next_timeout()
            for key, _ in self.selector.select(timeout):
                if key.fileobj is self.sock:
                    self._read_commands()
                else:
                    self._reap(key.data)
            self._enforce_deadlines()
        self.shutdown()

    def _next_timeout(self) -> float | None:
        moments: list[float] = []
        for child in self.children.values():
            moment = child.next_kill if child.killed_by else child.deadline
            if moment is not None:
                moments.append(moment)
        return max(0.0, min(moments) - time.monotonic()) if moments else None

    def _read_commands(self) -> None:
        while True:
            try:
                data, fds = _recv_with_fds(self.sock)
            except BlockingIOError:
                return
            except OSError:
                data, fds = b"", []
            if not data:  # the server is gone: nothing may outlive it
                for fd in fds:
                    os.close(fd)
                self._stop()
                return
            try:
                self._handle(json.loads(data), fds)
            except Exception:
                log.exception("bad command from the server")
                for fd in fds:
                    _close_quietly(fd)

    def _handle(self, message: dict[str, Any], fds: list[int]) -> None:
        op = message.get("op")
        if op == "spawn":
            self._spawn(message, fds)
        elif op == "kill":
            child = self.children.get(int(message["id"]))
            if child is not None:
                self._kill(child, str(message.get("reason") or "killed"))
        elif op == "shutdown":
            self._stop()
        else:
            raise ValueError(f"unknown op {op!r}")

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self.sock.send(json.dumps(message).encode())
        except OSError:
            self._stop()

    def _stop(self) -> None:
        if self.running:
            self.running = False
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(self.sock)
        for child in list(self.children.values()):
            self._kill(child, "shutdown")

    # -- runs ------------------------------------------------------------------------------------------
    def _spawn(self, message: dict[str, Any], fds: list[int]) -> None:
        from sandbox import child as child_module
        from sandbox.isolation import ChildSpec

        run_id, slot, isolated = int(message["id"]), int(message["slot"]), bool(message["isolated"])
        tmp_dir: str | None = None
        try:
            if len(fds) != 4:
                raise ValueError(f"expected 4 descriptors, got {len(fds)}")
            if not self.running:
                raise RuntimeError("shutting down")
            limits = Limits.from_dict(message["limits"])
            uid = self.uid_base + slot
            if isolated and self.rootfs is None:
                raise RuntimeError(self.rootfs_error or "no sandbox file system")
            if isolated and self.seccomp_filter is None:
                raise RuntimeError(self.seccomp_error or "no seccomp filter")
            tmp_dir = "/tmp" if isolated else self._unisolated_tmp(run_id, uid)  # noqa: S108 - the run's own tmpfs
            spec = ChildSpec(
                uid=uid,
                limits=limits,
                rootfs=self.rootfs if isolated else None,
                tmp_dir=tmp_dir,
                seccomp_filter=self.seccomp_filter,
            )
            oom_before = self.cgroups.oom_kills() if self.cgroups is not None else 0
            for stream in (sys.stdout, sys.stderr):
                stream.flush()  # or the child would inherit, and write again, half a log line
            pid = self._fork(isolated)
            if pid == 0:
                child_module.main((fds[0], fds[1], fds[2], fds[3]), spec)  # never returns
        except Exception as exc:
            for fd in fds:
                _close_quietly(fd)
            if tmp_dir is not None and not isolated:
                shutil.rmtree(tmp_dir, ignore_errors=True)
            self._send({"event": "spawn_failed", "id": run_id, "error": f"{type(exc).__name__}: {exc}"})
            return
        for fd in fds:
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        child = Child(
            run_id,
            pid,
            pidfd,
            slot,
            time.monotonic() + limits.wall_seconds,
            isolated,
            None if isolated else tmp_dir,
            oom_before,
        )
        self.children[run_id] = child
        self.selector.register(pidfd, selectors.EVENT_READ, run_id)
        self._send({"event": "started", "id": run_id, "pid": pid})

    def _fork(self, isolated: bool) -> int:
        if not isolated:
            return os.fork()
        # The next child becomes pid 1 of a new PID namespace; the zygote itself stays where it
        # is, and setns() takes it back to its own namespace for the children after.
        linux.unshare(linux.CLONE_NEWPID)
        try:
            pid = os.fork()
        except BaseException:
            linux.setns(self.own_pidns, linux.CLONE_NEWPID)
            raise
        if pid != 0:
            linux.setns(self.own_pidns, linux.CLONE_NEWPID)
        return pid

    def _unisolated_tmp(self, run_id: int, uid: int) -> str:
        path = os.path.join(self.runtime_dir, "tmp", f"run-{run_id}")
        os.mkdir(path, 0o700)
        if os.geteuid() == 0:
            os.chown(path, uid, uid)
        return path

    def _kill(self, child: Child, reason: str) -> None:
        if child.killed_by is None:
            child.killed_by = reason
        child.next_kill = time.monotonic() + KILL_RETRY_SECONDS
        # pid 1 of the run's namespace: when it dies the kernel kills every process in it.
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(child.pidfd, signal.SIGKILL)
        if not child.isolated:
            _killpg_quietly(child.pid)

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        for child in list(self.children.values()):
            if child.killed_by is None and now >= child.deadline:
                self._kill(child, "wall")
            elif child.killed_by is not None and child.next_kill is not None and now >= child.next_kill:
                self._kill(child, child.killed_by)

    def _reap(self, run_id: int) -> None:
        child = self.children.pop(run_id)
        self.selector.unregister(child.pidfd)
        _, status, usage = os.wait4(child.pid, 0)
        os.close(child.pidfd)
        oom = self.cgroups is not None and self.cgroups.oom_kills() > child.oom_before
        if not child.isolated:
            _killpg_quietly(child.pid)  # whatever of its process group is left
            if child.tmp_dir:
                shutil.rmtree(child.tmp_dir, ignore_errors=True)
        self._send(
            {
                "event": "exited",
                "id": run_id,
                "status": status,
                "cpu": usage.ru_utime + usage.ru_stime,
                "max_rss_kib": usage.ru_maxrss,
                "oom": oom,
                "killed_by": child.killed_by,
            }
        )

    def shutdown(self) -> None:
        if self.cgroups is not None:
            self.cgroups.remove()


def _recv_with_fds(sock: socket.socket, max_fds: int = 4) -> tuple[bytes, list[int]]:
    # socket.recv_fds() of Python 3.11 drops its flags argument, so it cannot be non-blocking.
    fds = array.array("i")
    data, ancillary, _, _ = sock.recvmsg(
        65536, socket.CMSG_SPACE(max_fds * fds.itemsize), socket.MSG_DONTWAIT | socket.MSG_CMSG_CLOEXEC
    )
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    return data, list(fds)


def _close_quietly(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _killpg_quietly(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="internal: started by sandbox.server")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--runtime-dir", required=True)
    parser.add_argument("--uid-base", type=int, required=True)
    parser.add_argument("--slots", type=int, required=True)
    parser.add_argument("--memory-budget", type=int, required=True, help="bytes for all runs together")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s sandbox.zygote %(levelname)s %(message)s")
    os.umask(0o022)
    # Die with the server: orphaned, the zygote would keep forking for nobody.
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    sock = socket.socket(fileno=args.fd)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the server stops it by closing the socket
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    preload()
    zygote = Zygote(sock, args.runtime_dir, args.uid_base, args.slots, args.memory_budget)
    zygote.prepare()
    threads = len(os.listdir("/proc/self/task"))  # native threads too (BLAS, OpenMP)
    if threads > 1:
        log.warning("the zygote has %d threads after preloading; forking it is unsafe", threads)
    # Objects that exist now are never freed: keep the collector from touching (and so copying)
    # their pages in every child.
    gc.collect()
    gc.freeze()
    zygote._send(zygote.ready_message())
    zygote.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
