"""A memory cgroup around the zygote and all its runs, where the machine lets the server make one.

Rlimits are per process: sixteen processes of one run could each take the whole address-space
limit, and two slots twice that. The cgroup bounds all runs together (their tmpfs pages
included) to what the caps allow for every slot at once, so no run can push the machine into
swapping or make the kernel kill the database. The zygote joins it once at start and every run
inherits it by fork: moving each run into a cgroup of its own would cost a kernel RCU grace
period (10-25 ms here) per run. Runs are marked as the OOM killer's first choice and the
zygote as its last, so a hog is what gets killed.

An extra layer: where cgroups are read-only (most containers) the server logs that and relies
on the rlimits.
"""

from __future__ import annotations

import contextlib
import logging
import os

log = logging.getLogger("sandbox.cgroups")

CGROUP_ROOT = "/sys/fs/cgroup"
NAME_PREFIX = "glassbook-sandbox-"


class RunsCgroup:
    def __init__(self, version: int, directory: str) -> None:
        self.version = version
        self.directory = directory
        self._limit_file = "memory.limit_in_bytes" if version == 1 else "memory.max"
        self._events_file = "memory.oom_control" if version == 1 else "memory.events"

    @classmethod
    def create(cls, memory_bytes: int) -> RunsCgroup | None:
        """Make the cgroup, limit it and move the calling process (the zygote) into it."""
        try:
            found = _discover()
        except OSError as exc:
            log.info("cgroups unavailable (%s); runs are bounded by rlimits only", exc)
            return None
        if found is None:
            log.info("no writable memory cgroup; runs are bounded by rlimits only")
            return None
        version, parent = found
        _remove_stale(parent)
        group = cls(version, os.path.join(parent, f"{NAME_PREFIX}{os.getpid()}"))
        try:
            os.mkdir(group.directory)
            _write(os.path.join(group.directory, group._limit_file), str(memory_bytes))
            _write(os.path.join(group.directory, "cgroup.procs"), "0")
        except OSError as exc:
            log.info("cannot set up a memory cgroup (%s); runs are bounded by rlimits only", exc)
            group.remove()
            return None
        return group

    def oom_kills(self) -> int:
        """How many processes the kernel's OOM killer has killed in the cgroup so far."""
        try:
            with open(os.path.join(self.directory, self._events_file)) as fh:
                for line in fh:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except OSError:
            pass
        return 0

    def remove(self) -> None:
        """Leave the cgroup (back to the parent) and delete it; at shutdown, after the last run."""
        with contextlib.suppress(OSError):
            _write(os.path.join(os.path.dirname(self.directory), "cgroup.procs"), "0")
        with contextlib.suppress(OSError):  # still has processes, or was never made
            os.rmdir(self.directory)


def _own_paths() -> dict[str, str]:
    paths: dict[str, str] = {}
    with open("/proc/self/cgroup") as fh:
        for line in fh:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                paths[controller] = path
    return paths


def _discover() -> tuple[int, str] | None:
    own = _own_paths()
    v1 = os.path.join(CGROUP_ROOT, "memory")
    if "memory" in own and os.path.exists(os.path.join(v1, "memory.limit_in_bytes")):
        directory = os.path.join(v1, own["memory"].lstrip("/"))
        return (1, directory) if os.access(directory, os.W_OK) else None
    if "" in own:
        directory = os.path.join(CGROUP_ROOT, own[""].lstrip("/"))
        controllers = os.path.join(directory, "cgroup.subtree_control")
        if os.path.exists(controllers) and os.access(directory, os.W_OK):
            with open(controllers) as fh:
                if "memory" in fh.read().split():
                    return 2, directory
    return None


def _remove_stale(parent: str) -> None:
    """Empty cgroups left by a zygote that was killed before it could remove its own."""
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        pid = name.removeprefix(NAME_PREFIX)
        if name.startswith(NAME_PREFIX) and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(parent, name))


def _write(path: str, value: str) -> None:
    with open(path, "w") as fh:
        fh.write(value)


def set_oom_score_adj(value: int) -> bool:
    """Raising it is always allowed; lowering it needs CAP_SYS_RESOURCE, which may be missing."""
    try:
        with open("/proc/self/oom_score_adj", "w") as fh:
            fh.write(str(value))
    except PermissionError:
        return False
    return True
