"""Keep a sandbox server running: ``python -m sandbox.supervise --socket PATH [--slots N] ...``.

Starts the server through :func:`sandbox.launcher.start_server` (empty environment), restarts it
whenever it exits, backing off while it keeps failing, and stops it on SIGTERM/SIGINT. Extra
arguments after ``--`` go to the server unchanged (e.g. ``-- --max-cpu-seconds 10``).
"""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

from sandbox.launcher import start_server, stop_server

log = logging.getLogger("sandbox.supervise")

# A server that stayed up this long was healthy: the next failure starts the back-off afresh.
HEALTHY_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 30.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.supervise", description=__doc__.split("\n\n")[0])
    parser.add_argument("--socket", required=True)
    parser.add_argument("--slots", type=int, default=None)
    parser.add_argument("--allow-unisolated", action="store_true")
    parser.add_argument("server_args", nargs="*", help="passed to sandbox.server (after --)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s sandbox.supervise %(levelname)s %(message)s")

    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    backoff = 0.5
    while not stop.is_set():
        started = time.monotonic()
        proc: subprocess.Popen[bytes] | None = None
        try:
            # Should the supervisor itself be killed, the server notices and stops too, so a
            # restarted supervisor finds the socket free.
            proc = start_server(
                args.socket, args.slots, args.allow_unisolated, extra_args=args.server_args, exit_with_parent=True
            )
            log.info("sandbox server running (pid %s) on %s", proc.pid, args.socket)
            while not stop.is_set() and proc.poll() is None:
                stop.wait(0.5)
        except Exception as exc:
            log.error("the sandbox server did not start: %s", exc)
        if proc is not None:
            if stop.is_set():
                stop_server(proc)
                break
            log.error("the sandbox server exited with code %s; restarting it", proc.returncode)
        if time.monotonic() - started > HEALTHY_SECONDS:
            backoff = 0.5
        stop.wait(backoff)
        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
