"""The system-call filter installed in every run, last, just before learner code runs.

A deny list on top of the other layers: the uid drop already removes the privileges most of
these calls need, and the namespaces already hide what they could reach. The filter is there
for kernel attack surface an unprivileged process still has (user namespaces, io_uring, bpf,
perf, keyrings) and as a second wall should a privilege leak.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

from sandbox import linux

# Denied with EPERM, whatever their arguments.
DENIED_SYSCALLS = (
    # Looking into or steering other processes.
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "process_madvise",
    "pidfd_getfd",
    "kcmp",
    # New namespaces and mounts: the doors out of the sandbox's own.
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "open_by_handle_at",
    "name_to_handle_at",
    # Kernel-wide state and large attack surface.
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "keyctl",
    "add_key",
    "request_key",
    "fanotify_init",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "init_module",
    "finit_module",
    "delete_module",
    "acct",
    "syslog",
    "quotactl",
    "quotactl_fd",
    "lookup_dcookie",
    "uselib",
    "ustat",
    "sysfs",
    "_sysctl",
    "vhangup",
    "iopl",
    "ioperm",
    "sethostname",
    "setdomainname",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
)

TIOCSTI = 0x5412  # push bytes into a terminal's input
TIOCLINUX = 0x541C


def build_filter() -> Any:
    """Build the filter (in the server, once); children call ``install(filter)``."""
    import pyseccomp as sc

    fltr = sc.SyscallFilter(sc.ALLOW)
    # A 32-bit (int 0x80) or x32 call would dodge every rule written for the native table.
    fltr.set_attr(sc.Attr.ACT_BADARCH, sc.KILL_PROCESS)
    deny = sc.ERRNO(errno.EPERM)
    for name in DENIED_SYSCALLS:
        try:
            fltr.add_rule(deny, name)
        except (OSError, ValueError, RuntimeError):
            continue  # not a call on this architecture (e.g. ioperm on arm64)
    # clone3 passes its flags in memory a filter cannot read: make glibc fall back to clone,
    # whose flags it can, and refuse clone with any namespace flag.
    fltr.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    flag = 1
    while flag <= linux.NAMESPACE_FLAGS:
        if flag & linux.NAMESPACE_FLAGS:
            fltr.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
        flag <<= 1
    # No network: Unix-domain sockets only (socketpair between the run's own processes). The
    # network namespace has no interface but a downed loopback anyway.
    fltr.add_rule(deny, "socket", sc.Arg(0, sc.NE, socket.AF_UNIX))
    fltr.add_rule(deny, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, TIOCSTI))
    fltr.add_rule(deny, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, TIOCLINUX))
    # The run dies with the server through its parent-death signal; keep it from clearing that.
    fltr.add_rule(deny, "prctl", sc.Arg(0, sc.EQ, linux.PR_SET_PDEATHSIG))
    return fltr


def install(fltr: Any) -> None:
    """Load the filter into the calling process (needs no_new_privs or CAP_SYS_ADMIN)."""
    fltr.load()
