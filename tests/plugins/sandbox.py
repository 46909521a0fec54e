"""The sandbox server for a test session: started once, on a socket in a temp folder.

`sandbox_server` yields the socket path and points GLASSBOOK_SANDBOX_SOCKET at it for the
session, so code that uses the client's default socket reaches it too.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator

import pytest

from sandbox.client import SOCKET_ENV
from sandbox.launcher import start_server, stop_server

# Set in the environment of the process that starts the server (this one). The server is
# started from an empty environment, so no run may ever find this value anywhere.
SECRET_ENV = "GLASSBOOK_TEST_PARENT_SECRET"


def short_temp_dir(prefix: str) -> str:
    # A Unix socket path must fit in 108 bytes; pytest's tmp_path can be longer than that.
    return tempfile.mkdtemp(prefix=prefix)


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[str]:
    os.environ.setdefault(SECRET_ENV, "gbsecret-" + secrets.token_hex(16))
    directory = short_temp_dir("gb-sandbox-")
    socket_path = os.path.join(directory, "sandbox.sock")
    with open(os.path.join(directory, "server.log"), "wb") as log:
        proc = start_server(socket_path, stderr=log)
        previous = os.environ.get(SOCKET_ENV)
        os.environ[SOCKET_ENV] = socket_path
        try:
            yield socket_path
        finally:
            if previous is None:
                os.environ.pop(SOCKET_ENV, None)
            else:
                os.environ[SOCKET_ENV] = previous
            stop_server(proc)
    shutil.rmtree(directory, ignore_errors=True)
