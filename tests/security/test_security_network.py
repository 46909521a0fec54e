"""No network of any kind, and no Unix socket of the host, from inside a run."""

from __future__ import annotations

import textwrap

import pytest

from sandbox.client import run

pytestmark = pytest.mark.usefixtures("sandbox_server")


def test_tcp_to_local_postgres_and_redis_fails():
    code = textwrap.dedent(
        """
        import socket
        for port in (5432, 6379, 3306, 5672):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                print("CONNECTED", port)
            except OSError as exc:
                print("blocked", port, type(exc).__name__)
        """
    )
    result = run(code)
    assert result.status == "succeeded", result.error
    assert "CONNECTED" not in result.stdout
    assert result.stdout.count("blocked") == 4


def test_udp_dns_and_outside_tcp_fail():
    code = textwrap.dedent(
        """
        import socket
        attempts = {
            "udp": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("8.8.8.8", 53)),
            "dns": lambda: socket.getaddrinfo("example.com", 80),
            "tcp-out": lambda: socket.create_connection(("93.184.216.34", 80), timeout=2),
            "ipv6": lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM).connect(("::1", 6379)),
        }
        for name, attempt in attempts.items():
            try:
                attempt()
                print("REACHED", name)
            except OSError as exc:
                print("blocked", name, type(exc).__name__)
        """
    )
    result = run(code)
    assert result.status == "succeeded", result.error
    assert "REACHED" not in result.stdout
    assert result.stdout.count("blocked") == 4


def test_raw_netlink_and_packet_sockets_are_denied():
    code = textwrap.dedent(
        """
        import socket
        for family, kind in ((socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_RAW),
                             (socket.AF_INET, socket.SOCK_RAW)):
            try:
                socket.socket(family, kind)
                print("OPENED", family)
            except PermissionError:
                print("denied")
        """
    )
    result = run(code)
    assert result.stdout == "denied\n" * 3


def test_the_run_has_its_own_empty_network_namespace():
    code = textwrap.dedent(
        """
        with open("/proc/net/dev") as fh:
            print([line.split(":")[0].strip() for line in fh.readlines()[2:]])
        with open("/proc/net/tcp") as fh:
            print(len(fh.readlines()) - 1)
        with open("/proc/net/unix") as fh:
            print(len(fh.readlines()) - 1)
        """
    )
    result = run(code)
    # Only a loopback that is down, no listening TCP socket, no Unix socket of the host.
    assert result.stdout == "['lo']\n0\n0\n"


def test_unix_sockets_of_the_host_cannot_be_reached(sandbox_server):
    targets = [
        sandbox_server,
        "/var/run/postgresql/.s.PGSQL.5432",
        "/run/postgresql/.s.PGSQL.5432",
        "/run/mysqld/mysqld.sock",
    ]
    code = textwrap.dedent(
        f"""
        import socket
        for path in {targets!r}:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                print("CONNECTED", path)
            except OSError as exc:
                print("unreachable", type(exc).__name__)
        # Abstract sockets belong to a network namespace: the host's are not there either.
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect("\\0/tmp/.X11-unix/X0")
            print("CONNECTED abstract")
        except OSError as exc:
            print("unreachable", type(exc).__name__)
        """
    )
    result = run(code)
    assert result.status == "succeeded", result.error
    assert "CONNECTED" not in result.stdout
    assert result.stdout.count("unreachable") == 5
