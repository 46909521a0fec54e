"""The sandbox server: ``python -m sandbox.server --socket PATH [--slots N] [--allow-unisolated]``.

Two processes. This one (small, no numpy) accepts clients on a Unix socket, queues runs onto
slots, moves code, output and results through pipes, and classifies how each run ended. The
zygote (``sandbox.zygote``, a fresh interpreter started from here) pre-imports the ML stack and
forks one isolated child per run. Learner code and results never pass through the zygote, so
no child can find another learner's code in the memory it inherits.

Start it from an empty environment (``sandbox.launcher`` does): a child can read whatever the
zygote's environment holds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import fields
from pathlib import Path
from typing import Any

from sandbox import protocol
from sandbox.limits import DEFAULT_CAPS, Limits, cap_env_name, caps_from_env
from sandbox.outcome import MAX_RESULT_BYTES, Run, classify
from sandbox.protocol import (
    EMIT,
    FIGURE,
    FINISHED,
    HARNESS_ERROR,
    LEARNER_DONE,
    MAX_REQUEST_BYTES,
    SETUP_FAILED,
    ProtocolError,
)
from sandbox.result import RunResult

log = logging.getLogger("sandbox.server")

# One unprivileged uid per slot, far above the ranges distributions hand out to people. Each
# server claims a block of its own (a lock file held while it runs), so that servers on one
# machine (tests in parallel, say) never share a uid and with it an RLIMIT_NPROC budget.
UID_RANGE_START = 1_950_000_000
UID_BLOCK = 1000
UID_BLOCKS = 1000
LOCK_DIRS = ("/run/glassbook-sandbox",)
MAX_CODE_CHARS = 1_000_000
# A request id from the Django side, shown in the log (never anything else): letters, digits, ._-
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
MAX_HARNESS_CHARS = 8_000_000
MAX_FIGURES = 20
# How long after its process ended a run's pipes may stay open (unisolated leftovers).
EOF_GRACE_SECONDS = 1.0
# How much longer than its wall limit the server waits for the zygote to report a run.
BACKSTOP_SECONDS = 10.0
ZYGOTE_START_SECONDS = 180.0
# All the zygote (whose memory every run inherits) gets of the server's environment, even when
# someone started the server by hand from a full shell.
ZYGOTE_ENV_NAMES = frozenset(
    {
        "PATH",
        "HOME",
        "LANG",
        "LC_ALL",
        "TZ",
        "TMPDIR",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMEXPR_NUM_THREADS",
        "JOBLIB_MULTIPROCESSING",
        "MPLBACKEND",
        "MPLCONFIGDIR",
        "XDG_CACHE_HOME",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED",
        "GLASSBOOK_SANDBOX_LOG_LEVEL",
    }
)
RUNTIME_PREFIX = "glassbook-sandbox-run-"

# Isolation self-test, run once at start: anything but "isolated" means the server refuses.
PROBE_CODE = """
import os
assert os.getpid() == 1, "not pid 1 of a new PID namespace"
assert 0 not in os.getresuid() and 0 not in os.getresgid(), "still root"
assert not os.path.exists("/etc/shadow"), "the host's /etc is visible"
with open("/proc/self/net/dev") as fh:
    interfaces = [line.split(":")[0].strip() for line in fh.readlines()[2:]]
assert interfaces == ["lo"], f"network interfaces visible: {interfaces}"
with open("/proc/self/status") as fh:
    status = fh.read()
assert "NoNewPrivs:\\t1" in status, "no_new_privs is not set"
assert "Seccomp:\\t2" in status, "no seccomp filter"
print("isolated")
"""


class ZygoteLink:
    """The zygote process and the socket to it; restarted by the server if it dies."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.sock: socket.socket | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready: asyncio.Future[dict[str, Any]] | None = None
        self.alive = False

    async def start(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [
            sys.executable,
            "-m",
            "sandbox.zygote",
            "--fd",
            str(theirs.fileno()),
            "--runtime-dir",
            self.server.runtime_dir,
            "--uid-base",
            str(self.server.uid_base),
            "--slots",
            str(self.server.slots),
            "--memory-budget",
            str(self.server.memory_budget()),
            "--log-level",
            logging.getLevelName(log.getEffectiveLevel()),
        ]
        package_parent = str(Path(__file__).resolve().parent.parent)
        env = {name: value for name, value in os.environ.items() if name in ZYGOTE_ENV_NAMES}
        self.proc = subprocess.Popen(
            command, pass_fds=[theirs.fileno()], cwd=package_parent, stdin=subprocess.DEVNULL, env=env
        )
        theirs.close()
        ours.setblocking(False)
        self.sock = ours
        self.ready = loop.create_future()
        self.alive = True
        loop.add_reader(ours.fileno(), self._on_readable)
        return await asyncio.wait_for(self.ready, ZYGOTE_START_SECONDS)

    def _on_readable(self) -> None:
        assert self.sock is not None
        while True:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._lost()
                return
            message = json.loads(data)
            if message.get("event") == "ready":
                if self.ready is not None and not self.ready.done():
                    self.ready.set_result(message)
            else:
                self.server.on_zygote_event(message)

    def _lost(self) -> None:
        if not self.alive:
            return
        self.alive = False
        assert self.sock is not None
        asyncio.get_running_loop().remove_reader(self.sock.fileno())
        self.sock.close()
        if self.ready is not None and not self.ready.done():
            self.ready.set_exception(RuntimeError("the zygote exited during start-up"))
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            self.proc.wait()
        self.server.on_zygote_lost()

    async def send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        if not self.alive or self.sock is None:
            raise ConnectionError("the zygote is not running")
        data = json.dumps(message).encode()
        while True:
            try:
                if fds:
                    socket.send_fds(self.sock, [data], fds)
                else:
                    self.sock.send(data)
                return
            except BlockingIOError:
                await asyncio.sleep(0.001)

    def kill(self) -> None:
        """Kill an unresponsive zygote; the end of its socket then triggers the restart."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()

    async def stop(self) -> None:
        if self.alive:
            with contextlib.suppress(ConnectionError, OSError):
                await self.send({"op": "shutdown"})
        if self.proc is not None:
            deadline = time.monotonic() + 5
            while self.proc.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


class Server:
    def __init__(
        self,
        socket_path: str,
        slots: int,
        caps: Limits,
        allow_unisolated: bool,
        no_isolation: bool = False,
        uid_base: int | None = None,
        socket_mode: int = 0o600,
        max_queue: int | None = None,
        exit_with_parent: bool = False,
    ) -> None:
        self.socket_path = os.path.abspath(socket_path)
        self.slots = slots
        self.caps = caps
        self.allow_unisolated = allow_unisolated
        self.no_isolation = no_isolation
        self.uid_base = uid_base if uid_base is not None else -1
        self._uid_lock: int | None = None
        self.socket_mode = socket_mode
        self.max_queue = max_queue if max_queue is not None else 64 * slots
        self.exit_with_parent = exit_with_parent
        self.runtime_dir = ""
        self.mode = "starting"  # isolated | unisolated | refusing
        self.reason: str | None = None
        self.cgroups: int | None = None
        self._zygote_problem: str | None = None
        self.zygote = ZygoteLink(self)
        self.zygote_ready = asyncio.Event()
        self.free_slots: asyncio.Queue[int] = asyncio.Queue()
        self.runs: dict[int, Run] = {}
        self.next_id = 1
        self.waiting = 0
        self.listener: asyncio.AbstractServer | None = None
        self.stopping = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- life cycle -----------------------------------------------------------------------------------
    async def start(self) -> None:
        extra = sorted(set(os.environ) - ZYGOTE_ENV_NAMES - {"PWD", "SHLVL", "_", "OLDPWD"})
        extra = [name for name in extra if not name.startswith("GLASSBOOK_SANDBOX_MAX_")]
        if extra:
            log.warning(
                "started with a non-empty environment (%s); start it with sandbox.launcher or "
                "sandbox.supervise. Those variables are not passed on to the zygote.",
                ", ".join(extra[:10]) + (" ..." if len(extra) > 10 else ""),
            )
        if self.uid_base < 0:
            self.uid_base, self._uid_lock = _claim_uid_block(self.slots)
        _remove_stale_runtime_dirs()
        self.runtime_dir = tempfile.mkdtemp(prefix=f"{RUNTIME_PREFIX}{os.getpid()}-")
        # Traversable, not listable: unisolated runs (dropped uid) must reach their tmp dir in it.
        os.chmod(self.runtime_dir, 0o711)  # noqa: S103
        for slot in range(self.slots):
            self.free_slots.put_nowait(slot)
        await self._start_zygote()
        await self._decide_mode()
        await self._listen()

    async def _start_zygote(self) -> None:
        ready = await self.zygote.start()
        self.cgroups = ready.get("cgroups")
        if ready.get("threads", 1) > 1:
            log.warning("the zygote runs %s threads; forking it may deadlock", ready["threads"])
        self._zygote_problem = ready.get("rootfs_error") or ready.get("seccomp_error")
        self.zygote_ready.set()

    async def _decide_mode(self) -> None:
        problem: str | None
        if self.no_isolation:
            problem = "isolation disabled by --no-isolation"
        elif os.geteuid() != 0:
            problem = "the server is not running as root, so it cannot create namespaces or drop to per-slot uids"
        else:
            problem = self._zygote_problem or await self._probe()
        if problem is None:
            self.mode = "isolated"
            log.info(
                "isolation works; serving %d slots on %s (cgroups: %s)",
                self.slots,
                self.socket_path,
                f"v{self.cgroups}" if self.cgroups else "unavailable, rlimits only",
            )
        elif self.allow_unisolated:
            self.mode, self.reason = "unisolated", problem
            log.warning("RUNNING CODE WITHOUT ISOLATION (--allow-unisolated): %s", problem)
        else:
            self.mode, self.reason = "refusing", problem
            log.error("isolation cannot be set up, refusing to run code: %s", problem)

    async def _probe(self) -> str | None:
        try:
            result = await self.execute(PROBE_CODE, None, Limits(wall_seconds=30), isolated=True)
        except Exception as exc:
            return f"self-test failed: {type(exc).__name__}: {exc}"
        if result.status == "succeeded" and result.stdout == "isolated\n":
            return None
        detail = result.error or result.kill_message or result.stderr or result.stdout or result.status
        return f"self-test failed: {detail.strip().splitlines()[-1] if detail.strip() else result.status}"

    async def _listen(self) -> None:
        directory = os.path.dirname(self.socket_path)
        os.makedirs(directory, exist_ok=True)
        if os.path.exists(self.socket_path):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(self.socket_path)
            except OSError:
                os.unlink(self.socket_path)  # left by a server that died
            else:
                raise RuntimeError(f"another sandbox server is listening on {self.socket_path}")
            finally:
                probe.close()
        old_umask = os.umask(0o177)  # the socket must never exist with looser permissions
        try:
            self.listener = await asyncio.start_unix_server(self._handle_client, path=self.socket_path)
        finally:
            os.umask(old_umask)
        os.chmod(self.socket_path, self.socket_mode)

    async def serve_forever(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stopping.set)
        if self.exit_with_parent:
            self._background(self._watch_parent(os.getppid()))
        await self.stopping.wait()
        await self.stop()

    async def _watch_parent(self, parent: int) -> None:
        while not self.stopping.is_set():
            if os.getppid() != parent:
                log.info("the process that started the server is gone; stopping")
                self.stopping.set()
            await asyncio.sleep(1.0)

    async def stop(self) -> None:
        if self.listener is not None:
            self.listener.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        await self.zygote.stop()
        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def memory_budget(self) -> int:
        """Memory for all runs together: every slot at its caps plus room for the zygote, but
        never more than three quarters of the machine's memory."""
        wanted = self.slots * (self.caps.memory_bytes + self.caps.tmp_bytes) + 512 * 1024 * 1024
        try:
            with open("/proc/meminfo") as fh:
                total = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("MemTotal:"))
        except (OSError, StopIteration, ValueError):
            return wanted
        return min(wanted, total * 3 // 4)

    def _background(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        # The loop keeps only weak references to tasks: hold them until they are done.
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def on_zygote_lost(self) -> None:
        if self.stopping.is_set() or self.mode == "starting":
            return  # stopping anyway, or start() reports the failure itself
        log.error("the zygote died; restarting it")
        self.zygote_ready.clear()
        for run in list(self.runs.values()):
            run.exit_info = {"status": None, "lost": True}
            self._run_exited(run)
        self._background(self._restart_zygote())

    async def _restart_zygote(self) -> None:
        delay = 0.5
        while not self.stopping.is_set():
            try:
                await self._start_zygote()
                if self.mode == "isolated":
                    await self._decide_mode()  # isolation must still hold with the new zygote
                return
            except Exception as exc:
                log.error("cannot restart the zygote: %s", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    # -- clients ----------------------------------------------------------------------------------------
    async def _handle_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                header = await reader.readexactly(protocol.HEADER.size)
                (size,) = protocol.HEADER.unpack(header)
                if size > MAX_REQUEST_BYTES:
                    await self._reply(writer, {"ok": False, "error": "bad_request", "message": "request too large"})
                    return
                message = protocol.decode_body(await reader.readexactly(size))
            except (asyncio.IncompleteReadError, ProtocolError, ConnectionError):
                return
            op = message.get("op")
            if op == "ping":
                await self._reply(writer, {"ok": True, **self.info()})
            elif op == "run":
                await self._reply(writer, await self._client_run(message, reader))
            else:
                await self._reply(writer, {"ok": False, "error": "bad_request", "message": f"unknown op {op!r}"})
        except Exception:
            log.exception("request failed")
            with contextlib.suppress(Exception):
                await self._reply(writer, {"ok": False, "error": "internal", "message": "internal server error"})
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _reply(self, writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
        writer.write(protocol.encode_frame(message))
        await writer.drain()

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "version": protocol.PROTOCOL_VERSION,
            "mode": self.mode,
            "slots": self.slots,
            "running": self.slots - self.free_slots.qsize(),
            "queued": self.waiting,
            "caps": self.caps.to_dict(),
            "cgroups": bool(self.cgroups),
            "uids": [self.uid_base, self.uid_base + self.slots - 1],
        }
        if self.reason:
            info["reason"] = self.reason
        return info

    async def _client_run(self, message: dict[str, Any], reader: asyncio.StreamReader) -> dict[str, Any]:
        if self.mode == "refusing":
            return {
                "ok": False,
                "error": "refused",
                "message": f"The sandbox refuses to run code because it cannot isolate it: {self.reason}. "
                "An operator can allow unisolated single-user runs with --allow-unisolated.",
            }
        code, harness = message.get("code"), message.get("harness")
        try:
            if not isinstance(code, str) or len(code) > MAX_CODE_CHARS:
                raise ValueError(f"code must be a string of at most {MAX_CODE_CHARS} characters")
            if harness is not None and (not isinstance(harness, str) or len(harness) > MAX_HARNESS_CHARS):
                raise ValueError(f"harness must be a string of at most {MAX_HARNESS_CHARS} characters")
            raw_limits = message.get("limits") or {}
            if not isinstance(raw_limits, dict):
                raise ValueError("limits must be an object")
            limits = Limits.from_dict(raw_limits).clamp(self.caps)
        except (TypeError, ValueError) as exc:
            return {"ok": False, "error": "bad_request", "message": str(exc)}
        if self.waiting >= self.max_queue:
            return {"ok": False, "error": "busy", "message": f"{self.waiting} runs are already waiting"}
        rid = message.get("request_id")
        rid = rid if isinstance(rid, str) and REQUEST_ID.match(rid) else ""
        task = asyncio.create_task(
            self.execute(code, harness, limits, isolated=self.mode == "isolated", request_id=rid)
        )
        # A client that hangs up (e.g. a worker timed out) cancels its run.
        hangup = asyncio.create_task(reader.read(1))
        await asyncio.wait({task, hangup}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return {"ok": False, "error": "cancelled", "message": "the client went away"}
        hangup.cancel()
        return {"ok": True, "result": task.result().to_dict()}

    # -- runs ------------------------------------------------------------------------------------------
    async def execute(
        self, code: str, harness: str | None, limits: Limits, *, isolated: bool, request_id: str = ""
    ) -> RunResult:
        self.waiting += 1
        try:
            slot = await self.free_slots.get()
        finally:
            self.waiting -= 1
        run = Run(self.next_id, slot, code, harness, limits, isolated)
        self.next_id += 1
        handed_over = False
        try:
            await self.zygote_ready.wait()
            self.runs[run.id] = run
            handed_over = True  # from here the slot comes back when the zygote reports the exit
            await self._spawn(run)
            backstop = limits.wall_seconds + BACKSTOP_SECONDS
            try:
                await asyncio.wait_for(run.done.wait(), backstop)
            except TimeoutError:
                # The zygote enforces the wall clock itself; if it has not reported by now it is
                # stuck. Replacing it kills its runs (parent-death signal) and frees the slots.
                log.error("run %s: no exit reported %.0f s after start; replacing the zygote", run.id, backstop)
                run.exit_info = run.exit_info or {"status": None, "lost": True}
                self.zygote.kill()
            run.duration_ms = run.duration_ms or run.elapsed_ms()
            result = classify(run)
            log.info("run %s slot %s: %s%s in %d ms%s", run.id, slot, result.status,
                     f" ({result.kill_reason})" if result.kill_reason else "", result.duration_ms,
                     f" [request {request_id}]" if request_id else "")  # fmt: skip
            if not run.exited.is_set():
                # Done early (the child reported it finished): make sure nothing of it lingers.
                asyncio.get_running_loop().call_later(1.0, self._ensure_dead, run)
            return result
        except asyncio.CancelledError:
            if handed_over:
                await self._kill(run, "cancelled")
            raise
        finally:
            if not handed_over:
                self.free_slots.put_nowait(slot)

    async def _spawn(self, run: Run) -> None:
        loop = asyncio.get_running_loop()
        request_r, request_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        res_r, res_w = os.pipe()
        theirs = [request_r, out_w, err_w, res_w]
        run.fds = {"request": request_w, "stdout": out_r, "stderr": err_r, "result": res_r}
        for fd in run.fds.values():
            os.set_blocking(fd, False)
        try:
            await self.zygote.send(
                {
                    "op": "spawn",
                    "id": run.id,
                    "slot": run.slot,
                    "isolated": run.isolated,
                    "limits": run.limits.to_dict(),
                },
                theirs,
            )
        except (ConnectionError, OSError) as exc:
            run.spawn_error = str(exc)
            self._close_fds(run)
            run.exit_info = {"status": None}
            self._run_exited(run)
            return
        finally:
            for fd in theirs:
                os.close(fd)
        for name in ("stdout", "stderr", "result"):
            loop.add_reader(run.fds[name], self._on_pipe, run, name)
        self._write(run, protocol.encode_frame({"code": run.code, "harness": run.harness is not None}))

    def on_zygote_event(self, message: dict[str, Any]) -> None:
        run = self.runs.get(int(message.get("id", -1)))
        if run is None:
            return
        event = message.get("event")
        if event == "started":
            run.pid = int(message["pid"])
        elif event == "spawn_failed":
            run.spawn_error = str(message.get("error"))
            run.exit_info = {"status": None}
            self._close_fds(run)
            self._run_exited(run)
        elif event == "exited":
            run.exit_info = message
            run.duration_ms = run.duration_ms or run.elapsed_ms()
            self._run_exited(run)

    def _run_exited(self, run: Run) -> None:
        if run.exited.is_set():
            return
        run.exited.set()
        self.runs.pop(run.id, None)
        self.free_slots.put_nowait(run.slot)
        if self._pipes_closed(run):
            self._close_fds(run)
            run.done.set()
        else:
            asyncio.get_running_loop().call_later(EOF_GRACE_SECONDS, self._give_up_on_pipes, run)

    def _give_up_on_pipes(self, run: Run) -> None:
        self._drain(run)
        self._close_fds(run)
        run.done.set()

    def _ensure_dead(self, run: Run) -> None:
        if not run.exited.is_set():
            self._background(self._kill(run, "finished"))

    async def _kill(self, run: Run, reason: str) -> None:
        if run.exited.is_set():
            return
        with contextlib.suppress(ConnectionError, OSError):
            await self.zygote.send({"op": "kill", "id": run.id, "reason": reason})

    def _pipes_closed(self, run: Run) -> bool:
        return all(name not in run.fds for name in ("stdout", "stderr", "result"))

    def _close_fds(self, run: Run) -> None:
        loop = asyncio.get_running_loop()
        for name, fd in list(run.fds.items()):
            if name != "request":
                loop.remove_reader(fd)
            else:
                loop.remove_writer(fd)
            os.close(fd)
            del run.fds[name]

    # -- pipes -------------------------------------------------------------------------------------------
    def _write(self, run: Run, data: bytes) -> None:
        run.pending_writes.append(memoryview(data))
        self._flush_writes(run)

    def _flush_writes(self, run: Run) -> None:
        fd = run.fds.get("request")
        if fd is None:
            run.pending_writes.clear()
            return
        loop = asyncio.get_running_loop()
        try:
            while run.pending_writes:
                data = run.pending_writes[0]
                written = os.write(fd, data)
                if written < len(data):
                    run.pending_writes[0] = data[written:]
                else:
                    run.pending_writes.pop(0)
        except BlockingIOError:
            loop.add_writer(fd, self._flush_writes, run)
            return
        except OSError:  # the child is gone or closed its end
            run.pending_writes.clear()
        loop.remove_writer(fd)

    def _on_pipe(self, run: Run, name: str) -> None:
        fd = run.fds.get(name)
        if fd is None:
            return
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            loop = asyncio.get_running_loop()
            loop.remove_reader(fd)
            os.close(fd)
            del run.fds[name]
            if self._pipes_closed(run) and run.exited.is_set():
                self._close_fds(run)
                run.done.set()
            return
        if name == "result":
            self._on_records(run, chunk)
        else:
            self._on_output(run, name, chunk)

    def _on_output(self, run: Run, name: str, chunk: bytes) -> None:
        buffer = run.streams[name]
        room = run.limits.output_bytes - len(buffer)
        if len(chunk) <= room:
            buffer += chunk
            return
        buffer += chunk[: max(room, 0)]
        if not run.truncated[name]:
            run.truncated[name] = True
            if run.kill_reason is None and not run.finished:
                run.kill_reason = "output"
                self._background(self._kill(run, "output"))

    def _on_records(self, run: Run, chunk: bytes) -> None:
        run.result_bytes += len(chunk)
        if run.result_bytes > MAX_RESULT_BYTES:
            if run.kill_reason is None:
                run.kill_reason = "output"
                self._background(self._kill(run, "output"))
            return
        try:
            records = run.parser.feed(chunk)
        except ProtocolError:
            run.result_bytes = MAX_RESULT_BYTES + 1  # garbage: ignore the rest of the channel
            return
        for kind, payload in records:
            self._on_record(run, kind, payload)

    def _on_record(self, run: Run, kind: bytes, payload: bytes) -> None:
        if run.finished:
            return
        if kind == SETUP_FAILED:
            run.setup_error = payload.decode("utf-8", "replace")
        elif kind == LEARNER_DONE and run.outcome is None:
            try:
                outcome = json.loads(payload)
            except ValueError:
                outcome = {"outcome": "exception", "error": "(unreadable report)"}
            run.outcome = outcome if isinstance(outcome, dict) else {"outcome": "exception"}
            if run.harness is not None and not run.harness_sent:
                run.harness_sent = True
                self._write(run, protocol.encode_frame({"harness": run.harness, "nonce": run.nonce}))
        elif kind == EMIT and run.harness_sent:
            try:
                value = json.loads(payload)
            except ValueError:
                return
            # Only values carrying this run's nonce, which the child learns with the harness.
            if isinstance(value, dict) and value.get("n") == run.nonce:
                run.harness_output = value.get("v")
        elif kind == HARNESS_ERROR and run.harness_sent and run.harness_error is None:
            run.harness_error = payload.decode("utf-8", "replace")
        elif kind == FIGURE and len(run.figures) < MAX_FIGURES:
            run.figures.append(payload)
        elif kind == FINISHED:
            run.finished = True
            run.duration_ms = run.elapsed_ms()
            # Everything the child printed is already in the pipes: take it and answer now,
            # without waiting for the process (and its namespace) to be torn down.
            self._drain(run)
            run.done.set()

    def _drain(self, run: Run) -> None:
        for name in ("stdout", "stderr"):
            fd = run.fds.get(name)
            while fd is not None:
                try:
                    chunk = os.read(fd, 1 << 16)
                except (BlockingIOError, OSError):
                    break
                if not chunk:
                    break
                self._on_output(run, name, chunk)


def _claim_uid_block(slots: int) -> tuple[int, int]:
    """The first uid block no other server holds; the returned lock descriptor holds it."""
    if slots > UID_BLOCK:
        raise ValueError(f"at most {UID_BLOCK} slots")
    directory = next((d for d in LOCK_DIRS if _private_dir(d)), None) or _private_dir(
        os.path.join(tempfile.gettempdir(), f"glassbook-sandbox-locks-{os.getuid()}")
    )
    if directory is None:
        raise RuntimeError("no private folder for the uid locks")
    for block in range(UID_BLOCKS):
        fd = os.open(
            os.path.join(directory, f"uids-{block}.lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
        )
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return UID_RANGE_START + block * UID_BLOCK, fd
    raise RuntimeError("every uid block is taken")


def _private_dir(path: str) -> str | None:
    """``path`` as a folder only this user can write to, or None."""
    with contextlib.suppress(FileExistsError, PermissionError, FileNotFoundError):
        os.mkdir(path, 0o700)
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022:
        return path
    return None


def _remove_stale_runtime_dirs() -> None:
    """Runtime folders of servers that were killed before they could remove their own."""
    base = tempfile.gettempdir()
    for name in os.listdir(base):
        pid = name.removeprefix(RUNTIME_PREFIX).split("-")[0]
        if name.startswith(RUNTIME_PREFIX) and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            shutil.rmtree(os.path.join(base, name), ignore_errors=True)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--socket", required=True, help="path of the Unix socket to listen on")
    parser.add_argument("--slots", type=int, default=None, help="runs at once (default: CPU count)")
    parser.add_argument(
        "--allow-unisolated",
        action="store_true",
        help="single-user mode: if isolation cannot be set up, run code anyway (results say isolated: false)",
    )
    parser.add_argument(
        "--no-isolation",
        action="store_true",
        help="do not attempt isolation (for machines where it cannot work); refuses unless --allow-unisolated",
    )
    parser.add_argument(
        "--uid-base", type=int, default=None, help="uid of slot 0, slot n runs as base+n (default: a free block)"
    )
    parser.add_argument("--socket-mode", default="600", help="permissions of the socket file (octal)")
    parser.add_argument("--max-queue", type=int, default=None, help="runs allowed to wait for a slot")
    parser.add_argument("--exit-with-parent", action="store_true", help="stop when the starting process exits")
    parser.add_argument("--log-level", default=os.environ.get("GLASSBOOK_SANDBOX_LOG_LEVEL", "INFO"))
    env_caps = caps_from_env()
    for f in fields(Limits):
        parser.add_argument(
            "--max-" + f.name.replace("_", "-"),
            dest="cap_" + f.name,
            type=float if f.type in ("float", float) else int,
            default=getattr(env_caps, f.name),
            help=f"cap on {f.name} (env {cap_env_name(f.name)}; default {getattr(DEFAULT_CAPS, f.name)})",
        )
    return parser.parse_args(argv)


async def _main(args: argparse.Namespace) -> int:
    caps = Limits(**{f.name: getattr(args, "cap_" + f.name) for f in fields(Limits)})
    slots = args.slots or len(os.sched_getaffinity(0))
    server = Server(
        args.socket,
        slots=max(1, slots),
        caps=caps,
        allow_unisolated=args.allow_unisolated,
        no_isolation=args.no_isolation,
        uid_base=args.uid_base,
        socket_mode=int(args.socket_mode, 8),
        max_queue=args.max_queue,
        exit_with_parent=args.exit_with_parent,
    )
    try:
        await server.start()
    except Exception:
        log.exception("the sandbox server could not start")
        await server.stop()
        return 1
    await server.serve_forever()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s sandbox.server %(levelname)s %(message)s")
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
