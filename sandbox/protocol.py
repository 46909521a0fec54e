"""Wire formats.

Client <-> server: one request and one response per connection, each a frame of a 4-byte
big-endian length followed by UTF-8 JSON.

Child -> server ("result channel", a pipe only the run's process holds): frames of a 4-byte
length, a 1-byte kind and a payload. Kept apart from stdout so that printing cannot forge them.
"""

from __future__ import annotations

import json
import os
import socket
import struct
from typing import Any

PROTOCOL_VERSION = 1

HEADER = struct.Struct(">I")
MAX_REQUEST_BYTES = 16 * 1024 * 1024
MAX_RESPONSE_BYTES = 512 * 1024 * 1024

# Result-channel kinds.
SETUP_FAILED = b"S"  # isolation could not be set up; payload: message (utf-8)
LEARNER_DONE = b"D"  # learner code finished; payload: JSON outcome
EMIT = b"E"  # harness emit(); payload: JSON {"n": nonce, "v": value}
HARNESS_ERROR = b"X"  # harness raised; payload: traceback (utf-8)
FIGURE = b"F"  # payload: PNG bytes
FINISHED = b"Z"  # everything sent; payload: empty

# Exit code of a child whose isolation failed: it never ran learner code.
EXIT_SETUP_FAILED = 121


class ProtocolError(Exception):
    pass


def encode_frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return HEADER.pack(len(body)) + body


def decode_body(body: bytes) -> dict[str, Any]:
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"malformed message: {exc}") from exc
    if not isinstance(message, dict):
        raise ProtocolError("a message must be a JSON object")
    return message


def send_frame(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(encode_frame(message))


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(min(size - len(chunks), 1 << 20))
        if not chunk:
            raise ProtocolError("connection closed mid-message")
        chunks += chunk
    return bytes(chunks)


def recv_frame(sock: socket.socket, max_bytes: int) -> dict[str, Any]:
    (size,) = HEADER.unpack(recv_exactly(sock, HEADER.size))
    if size > max_bytes:
        raise ProtocolError(f"message of {size} bytes is larger than {max_bytes}")
    return decode_body(recv_exactly(sock, size))


def write_record(fd: int, kind: bytes, payload: bytes = b"") -> None:
    """Write one result-channel record, retrying partial writes (pipes may split large ones)."""
    data = memoryview(HEADER.pack(len(payload)) + kind + payload)
    while data:
        written = os.write(fd, data)
        data = data[written:]


def read_exactly_fd(fd: int, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = os.read(fd, min(size - len(chunks), 1 << 20))
        if not chunk:
            raise ProtocolError("pipe closed mid-message")
        chunks += chunk
    return bytes(chunks)


def read_message_fd(fd: int, max_bytes: int = MAX_REQUEST_BYTES) -> dict[str, Any]:
    """Read one length-prefixed JSON message from a pipe (server -> child)."""
    (size,) = HEADER.unpack(read_exactly_fd(fd, HEADER.size))
    if size > max_bytes:
        raise ProtocolError(f"message of {size} bytes is larger than {max_bytes}")
    return decode_body(read_exactly_fd(fd, size))


class RecordParser:
    """Incremental parser for result-channel records arriving in arbitrary chunks."""

    def __init__(self, max_record: int) -> None:
        self._buffer = bytearray()
        self._max_record = max_record

    def feed(self, chunk: bytes) -> list[tuple[bytes, bytes]]:
        self._buffer += chunk
        records: list[tuple[bytes, bytes]] = []
        while len(self._buffer) >= HEADER.size + 1:
            (size,) = HEADER.unpack_from(self._buffer)
            if size > self._max_record:
                raise ProtocolError(f"record of {size} bytes is larger than {self._max_record}")
            end = HEADER.size + 1 + size
            if len(self._buffer) < end:
                break
            kind = bytes(self._buffer[HEADER.size : HEADER.size + 1])
            records.append((kind, bytes(self._buffer[HEADER.size + 1 : end])))
            del self._buffer[:end]
        return records
