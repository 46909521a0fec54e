"""Turn a freshly forked child of the zygote into a sandboxed process, or die trying.

The zygote forks each run's process as pid 1 of a new PID namespace; ``enter`` then runs in
that process, still root, and in this order:

1. offers itself to the OOM killer first and moves into new mount, network, IPC, UTS and
   cgroup namespaces (the memory cgroup of all runs, if any, it inherited from the zygote);
2. builds its file system: a read-only root made of a prepared skeleton, ``/usr`` and the
   Python installation bound read-only, five device nodes, a fresh ``/proc`` and a private
   ``/tmp`` tmpfs; ``pivot_root`` into it and detaches the host's tree, so no host path (the
   project, ``var/``, ``/etc/shadow``, any Unix socket) can even be named;
3. sets rlimits, drops to the slot's unprivileged uid (all capabilities go with it), sets
   no_new_privs and a parent-death signal, and installs the seccomp filter last.

Every step raises on failure; the caller turns that into a refusal to run the code.
"""

from __future__ import annotations

import math
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

from sandbox import linux, seccomp
from sandbox.cgroups import set_oom_score_adj
from sandbox.limits import Limits

HOSTNAME = "sandbox"
DEVICES = ("null", "zero", "full", "random", "urandom")
TMP_INODES = 16384


@dataclass(frozen=True)
class RootFS:
    path: str
    ro_binds: tuple[str, ...]


@dataclass(frozen=True)
class ChildSpec:
    uid: int
    limits: Limits
    rootfs: RootFS | None  # None: unisolated
    tmp_dir: str  # the run's working directory (inside the run's own view of the file system)
    seccomp_filter: Any


def _covered(path: str, binds: list[str]) -> bool:
    return any(path == b or path.startswith(b.rstrip("/") + "/") for b in binds)


def python_paths() -> list[str]:
    """Directories the interpreter and its packages live in (stdlib, venv, site-packages)."""
    paths: list[str] = []
    for candidate in (sys.base_prefix, sys.prefix, sys.base_exec_prefix, sys.exec_prefix):
        real = os.path.realpath(candidate)
        if real not in paths:
            paths.append(real)
    return paths


def build_rootfs(runtime_dir: str, uids: list[int]) -> RootFS:
    """Prepare the skeleton of every run's root file system (once, in the zygote).

    Only names that must exist are created; their content comes from read-only bind mounts
    made in each run's own mount namespace, so the host sees nothing of them.
    """
    # Its own folder per zygote: a restarted zygote must not trip over its predecessor's.
    root = tempfile.mkdtemp(prefix="root-", dir=runtime_dir)
    os.chmod(root, 0o755)  # noqa: S103 - the run's "/": read-only inside, unreachable outside
    binds: list[str] = ["/usr"]
    # Merged-/usr systems have /bin -> usr/bin and friends: copy the links, bind real folders.
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = "/" + name
        if os.path.islink(host):
            os.symlink(os.readlink(host), os.path.join(root, name))
        elif os.path.isdir(host):
            binds.append(host)
    for path in python_paths():
        if not _covered(path, binds):
            binds.append(path)
    for path in binds:
        _make_dirs(root, path)
    for name in ("proc", "tmp", "dev", "etc"):
        os.makedirs(os.path.join(root, name), mode=0o755, exist_ok=True)
    for device in DEVICES:
        open(os.path.join(root, "dev", device), "w").close()
    for link, target in (
        ("dev/fd", "/proc/self/fd"),
        ("dev/stdin", "/proc/self/fd/0"),
        ("dev/stdout", "/proc/self/fd/1"),
        ("dev/stderr", "/proc/self/fd/2"),
        ("dev/shm", "/tmp"),  # noqa: S108 - POSIX shared memory, inside the run's own tmpfs
    ):
        os.symlink(target, os.path.join(root, link))
    _write_etc(os.path.join(root, "etc"), uids)
    return RootFS(root, tuple(binds))


def _make_dirs(root: str, path: str) -> None:
    # Every level is 0755 here even where the host's is 0700 (pyenv under /root): the host's
    # permissions of the levels above a bind mount do not apply inside.
    current = root
    for part in path.strip("/").split("/"):
        current = os.path.join(current, part)
        if not os.path.isdir(current):
            os.mkdir(current)
        os.chmod(current, 0o755)  # noqa: S103 - read-only inside, invisible outside


def _write_etc(etc: str, uids: list[int]) -> None:
    """A minimal /etc: enough for name lookups and the dynamic linker, nothing of the host's."""
    users = ["root:x:0:0:root:/root:/usr/sbin/nologin"]
    groups = ["root:x:0:"]
    for uid in uids:
        users.append(f"learner:x:{uid}:{uid}:learner:/tmp:/usr/sbin/nologin")
        groups.append(f"learner:x:{uid}:")
    files = {
        "passwd": "\n".join(users) + "\n",
        "group": "\n".join(groups) + "\n",
        "hostname": HOSTNAME + "\n",
        "hosts": f"127.0.0.1 localhost {HOSTNAME}\n",
        "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
        "resolv.conf": "",
    }
    for name, content in files.items():
        with open(os.path.join(etc, name), "w") as fh:
            fh.write(content)
    if os.path.exists("/etc/ld.so.cache"):  # where the dynamic linker finds libraries quickly
        shutil.copyfile("/etc/ld.so.cache", os.path.join(etc, "ld.so.cache"))
    if os.path.exists("/usr/share/zoneinfo/UTC"):
        os.symlink("/usr/share/zoneinfo/UTC", os.path.join(etc, "localtime"))


def enter(spec: ChildSpec) -> None:
    """Isolate the calling process (pid 1 of a fresh PID namespace, root). Raises on failure."""
    assert spec.rootfs is not None
    os.setsid()
    if not set_oom_score_adj(1000):  # a run is always the OOM killer's first choice
        raise OSError("cannot set oom_score_adj")
    linux.unshare(
        linux.CLONE_NEWNS | linux.CLONE_NEWNET | linux.CLONE_NEWIPC | linux.CLONE_NEWUTS | linux.CLONE_NEWCGROUP
    )
    _build_mounts(spec.rootfs, spec.limits, spec.uid)
    socket.sethostname(HOSTNAME)
    _set_rlimits(spec.limits)
    _drop_privileges(spec.uid)
    os.chdir(spec.tmp_dir)
    seccomp.install(spec.seccomp_filter)


def enter_unisolated(spec: ChildSpec) -> None:
    """Best effort without namespaces (operator opt-in): limits, own session, uid drop if root."""
    os.setsid()
    if not set_oom_score_adj(1000):  # a run is always the OOM killer's first choice
        raise OSError("cannot set oom_score_adj")
    _set_rlimits(spec.limits)
    if os.geteuid() == 0:
        _drop_privileges(spec.uid)
    else:
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
    os.chdir(spec.tmp_dir)
    if spec.seccomp_filter is not None:
        seccomp.install(spec.seccomp_filter)


def _bind_read_only(source: str, target: str) -> None:
    linux.mount(source, target, None, linux.MS_BIND)
    # A bind mount starts with its source's flags; read-only needs a second, remount, call.
    linux.mount(
        None, target, None, linux.MS_REMOUNT | linux.MS_BIND | linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV
    )


def _build_mounts(rootfs: RootFS, limits: Limits, uid: int) -> None:
    root = rootfs.path
    # Nothing done below may propagate back to the host's mount namespace.
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    linux.mount(root, root, None, linux.MS_BIND)  # pivot_root needs the new root to be a mount
    # A Python installation under /tmp (a checkout there, as CI's may be) would be hidden by
    # the run's own tmpfs: those binds are made after it, into folders created inside it.
    under_tmp = [path for path in rootfs.ro_binds if _covered(path, ["/tmp"])]  # noqa: S108
    for path in rootfs.ro_binds:
        if path not in under_tmp:
            _bind_read_only(path, root + path)
    for device in DEVICES:
        linux.mount(f"/dev/{device}", f"{root}/dev/{device}", None, linux.MS_BIND)
    linux.mount(
        "tmpfs",
        f"{root}/tmp",  # noqa: S108 - the run's private tmpfs
        "tmpfs",
        linux.MS_NOSUID | linux.MS_NODEV,
        f"size={limits.tmp_bytes},nr_inodes={TMP_INODES},mode=0700,uid={uid},gid={uid}",
    )
    for path in under_tmp:
        # Root-owned and 0755: the run can read the installation but not write beside it.
        os.makedirs(root + path, mode=0o755, exist_ok=True)
        _bind_read_only(path, root + path)
    # A /proc of the new PID namespace: it lists the run's own processes only.
    linux.mount("proc", f"{root}/proc", "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC)
    os.chdir(root)
    linux.pivot_root(".", ".")
    # The old root now sits on top of the new one; detaching it drops the last way to the host.
    linux.umount2(".", linux.MNT_DETACH)
    os.chdir("/")
    linux.mount(None, "/", None, linux.MS_REMOUNT | linux.MS_BIND | linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV)


def _vm_size() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmSize in /proc/self/status")


def _set_rlimits(limits: Limits) -> None:
    cpu = max(1, math.ceil(limits.cpu_seconds))
    settings = {
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NPROC: limits.processes,
        resource.RLIMIT_FSIZE: limits.file_size,
        resource.RLIMIT_NOFILE: limits.open_files,
        resource.RLIMIT_MSGQUEUE: 0,
        # No real-time scheduling or raised priority to starve the machine with, and little
        # memory that cannot be swapped or reclaimed.
        resource.RLIMIT_RTPRIO: 0,
        resource.RLIMIT_NICE: 0,
        resource.RLIMIT_MEMLOCK: 8 * 1024 * 1024,
        # The run inherits the server's mappings (the pre-imported libraries): the limit is
        # what it may add on top of them.
        resource.RLIMIT_AS: _vm_size() + limits.memory_bytes,
    }
    for which, value in settings.items():
        resource.setrlimit(which, (value, value))
    # SIGXCPU at the soft limit, SIGKILL a second later should the program catch SIGXCPU.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def _drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (uid, uid, uid) or os.getgroups():
        raise OSError("the uid drop did not take")
    with open("/proc/self/status") as fh:
        status = dict(line.rstrip("\n").split(":\t", 1) for line in fh if ":\t" in line)
    for field in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
        if int(status.get(field, "1"), 16) != 0:
            raise OSError(f"capabilities left after the uid drop ({field}={status.get(field)})")
    # A credential change clears the parent-death signal, so set it only now: the run dies
    # with the zygote rather than living on unsupervised.
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    # The uid change made the process non-dumpable, which hides its own /proc/self from it
    # and breaks ordinary code; the run only shares its uid with its own processes.
    linux.prctl(linux.PR_SET_DUMPABLE, 1)
    linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
