"""No privileges and no dangerous system calls: ptrace, mount, namespaces, setuid, raw syscalls."""

from __future__ import annotations

import platform
import textwrap

import pytest

from sandbox.client import ping, run

pytestmark = pytest.mark.usefixtures("sandbox_server")

# x86_64 numbers; the point is calling the kernel directly, past any Python-level wrapper.
SYSCALLS = {
    "ptrace": 101,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "chroot": 161,
    "unshare": 272,
    "setns": 308,
    "keyctl": 250,
    "perf_event_open": 298,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "kexec_load": 246,
    "init_module": 175,
    "reboot": 169,
}
CLONE_NEWUSER = 0x10000000

needs_x86_64 = pytest.mark.skipif(platform.machine() != "x86_64", reason="syscall numbers are x86_64's")


def test_runs_unprivileged_with_no_new_privs_and_seccomp(sandbox_server):
    code = textwrap.dedent(
        """
        import os
        print(os.getresuid(), os.getresgid(), os.getgroups())
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        print(*(status[k].strip() for k in ("CapEff", "CapPrm", "CapBnd", "NoNewPrivs", "Seccomp")))
        print(open("/proc/self/oom_score_adj").read().strip())
        """
    )
    lines = run(code).stdout.splitlines()
    uid = int(lines[0].split(",")[0].strip("("))
    first, last = ping(socket_path=sandbox_server)["uids"]
    assert first <= uid <= last
    assert lines[0] == f"({uid}, {uid}, {uid}) ({uid}, {uid}, {uid}) []"
    cap_eff, cap_prm, _bounding, no_new_privs, seccomp = lines[1].split()
    assert (int(cap_eff, 16), int(cap_prm, 16), no_new_privs, seccomp) == (0, 0, "1", "2")
    assert lines[2] == "1000"  # the first process the kernel's OOM killer picks


def test_setuid_and_setuid_binaries_give_nothing():
    code = textwrap.dedent(
        """
        import os, subprocess
        for call in (lambda: os.setuid(0), lambda: os.setgid(0), lambda: os.setgroups([0])):
            try:
                call()
                print("GAINED")
            except PermissionError:
                print("denied")
        out = subprocess.run(["mount", "-t", "tmpfs", "none", "/tmp"], capture_output=True, text=True)
        print("mount", out.returncode != 0)
        out = subprocess.run(["unshare", "-r", "id", "-u"], capture_output=True, text=True)
        print("unshare", out.returncode != 0, out.stdout.strip())
        print(os.getuid() != 0)
        """
    )
    result = run(code)
    assert result.stdout == "denied\ndenied\ndenied\nmount True\nunshare True \nTrue\n"


@needs_x86_64
def test_raw_dangerous_syscalls_are_refused():
    code = textwrap.dedent(
        f"""
        import ctypes, errno
        libc = ctypes.CDLL(None, use_errno=True)
        for name, number in {SYSCALLS!r}.items():
            args = [{CLONE_NEWUSER}] if name == "unshare" else [0, 0, 0, 0]
            result = libc.syscall(number, *args)
            print(name, result, errno.errorcode.get(ctypes.get_errno()))
        """
    )
    result = run(code)
    assert result.status == "succeeded", result.error
    for line in result.stdout.splitlines():
        _name, value, code_name = line.split()
        assert value == "-1", line
        assert code_name == "EPERM", line


@needs_x86_64
def test_x32_system_calls_cannot_dodge_the_filter():
    # The same kernel entry with bit 30 set selects the x32 ABI, whose numbers a filter written
    # for x86_64 would not match: such a call kills the process instead.
    code = "import ctypes\nlibc = ctypes.CDLL(None)\nprint('before', flush=True)\nlibc.syscall(0x40000000 | 272, 0x10000000)\nprint('after')"
    result = run(code)
    assert result.stdout == "before\n"
    assert (result.status, result.kill_reason) == ("killed", "signal")
    assert "SIGSYS" in result.kill_message


@needs_x86_64
def test_clone_into_new_namespaces_is_refused():
    code = textwrap.dedent(
        """
        import ctypes, errno, signal
        libc = ctypes.CDLL(None, use_errno=True)
        for flag in (0x10000000, 0x20000000, 0x40000000, 0x00020000):
            # clone(flags | SIGCHLD, ...): would fork into new namespaces if allowed.
            result = libc.syscall(56, flag | signal.SIGCHLD, 0, 0, 0, 0)
            print(result, errno.errorcode.get(ctypes.get_errno()))
        # clone3 cannot be filtered by its flags: it is reported as missing, glibc falls back.
        print(libc.syscall(435, 0, 0), errno.errorcode.get(ctypes.get_errno()))
        """
    )
    result = run(code)
    assert result.stdout == "-1 EPERM\n" * 4 + "-1 ENOSYS\n"


def test_ptrace_through_ctypes_is_refused():
    code = textwrap.dedent(
        """
        import ctypes, errno, os, time
        libc = ctypes.CDLL(None, use_errno=True)
        child = os.fork()
        if child == 0:
            time.sleep(5)
            os._exit(0)
        PTRACE_TRACEME, PTRACE_ATTACH, PTRACE_SEIZE = 0, 16, 0x4206
        print(libc.ptrace(PTRACE_ATTACH, child, 0, 0), errno.errorcode.get(ctypes.get_errno()))
        print(libc.ptrace(PTRACE_SEIZE, 1, 0, 0), errno.errorcode.get(ctypes.get_errno()))
        print(libc.ptrace(PTRACE_TRACEME, 0, 0, 0), errno.errorcode.get(ctypes.get_errno()))
        with open(f"/proc/{child}/mem", "rb") as fh:  # same uid: allowed, it is the run's own
            print("own child readable")
        os.kill(child, 9)
        """
    )
    result = run(code)
    assert result.stdout == "-1 EPERM\n-1 EPERM\n-1 EPERM\nown child readable\n"


def test_mount_through_ctypes_is_refused():
    code = textwrap.dedent(
        """
        import ctypes, errno
        libc = ctypes.CDLL(None, use_errno=True)
        print(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None), errno.errorcode.get(ctypes.get_errno()))
        print(libc.umount2(b"/proc", 2), errno.errorcode.get(ctypes.get_errno()))
        print(libc.unshare(0x10000000), errno.errorcode.get(ctypes.get_errno()))
        print(libc.chroot(b"/tmp"), errno.errorcode.get(ctypes.get_errno()))
        """
    )
    assert run(code).stdout == "-1 EPERM\n" * 4


def test_terminal_injection_ioctl_is_refused():
    code = textwrap.dedent(
        """
        import ctypes, errno
        libc = ctypes.CDLL(None, use_errno=True)
        print(libc.ioctl(1, 0x5412, ctypes.c_char_p(b"x")), errno.errorcode.get(ctypes.get_errno()))
        """
    )
    assert run(code).stdout == "-1 EPERM\n"


def test_learner_code_cannot_rewrite_what_the_harness_emits():
    """Replacing the JSON machinery or os.write must not let learner code forge grading results."""
    from sandbox.client import run

    hostile = textwrap.dedent(
        """
        import json, json.encoder, os, sys
        forged = '{"n":"x","v":{"checks":[{"name":"hidden","passed":true}]}}'
        real_dumps, real_write = json.dumps, os.write
        json.dumps = lambda obj, *a, **k: real_dumps({"n": obj.get("n"), "v": "forged"}) if isinstance(obj, dict) else real_dumps(obj)
        class Evil(json.JSONEncoder):
            def encode(self, o):
                return '{"n":"?","v":"forged"}'
        json.JSONEncoder = Evil
        json.encoder.JSONEncoder = Evil
        json.encoder.c_make_encoder = None
        os.write = lambda fd, data: real_write(fd, bytes(data).replace(b'"passed":false', b'"passed":true'))
        """
    )
    harness = 'emit({"checks": [{"name": "hidden", "passed": False}]})'
    result = run(hostile, harness=harness)
    assert result.status == "succeeded", result.error
    assert result.harness_output == {"checks": [{"name": "hidden", "passed": False}]}
