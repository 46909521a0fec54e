"""Revocation a wallet can see: W3C Bitstring Status List v1.0.

Every certificate issued with a status entry owns one bit, at a random position, in one of the
site's status lists (``LIST_SIZE`` bits each, the spec's minimum for group privacy). The list
is served as a signed ``BitstringStatusListCredential``; bit set = revoked. Nothing is stored
per list: the bits are the revoked certificates, read from the database when the list is asked for.
"""

from __future__ import annotations

import base64
import gzip
import secrets
from typing import Any

from django.conf import settings
from django.urls import reverse

LIST_SIZE = 131_072  # 16 KiB of bits
#: Lists are filled to half at most, so a random free position is found in a few draws.
FILL = LIST_SIZE // 2
PURPOSE = "revocation"
#: How long a verifier may cache the list, in milliseconds (the spec's ``ttl``); also the
#: HTTP max-age, so a revocation is visible to verifiers within this time.
TTL_MS = 300_000


def list_url(number: int) -> str:
    return settings.SITE_URL + reverse("certificates:status_list", args=[number])


def locate(index: int) -> tuple[int, int]:
    """(list number, bit position) of a certificate's status index."""
    return divmod(index, LIST_SIZE)


def entry(index: int) -> dict[str, Any]:
    number, position = locate(index)
    url = list_url(number)
    return {
        "id": f"{url}#{position}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(position),
        "statusListCredential": url,
    }


def random_index(assigned: int) -> int:
    """A random index among the lists in use, given how many indexes are assigned already."""
    lists = 1 + assigned // FILL
    return secrets.randbelow(lists * LIST_SIZE)


def encode(positions: set[int]) -> str:
    """The spec's encodedList: GZIP of the bitstring (bit 0 = the first byte's high bit), multibase base64url."""
    bits = bytearray(LIST_SIZE // 8)
    for position in positions:
        if not 0 <= position < LIST_SIZE:
            raise ValueError(f"position {position} is outside the list")
        bits[position // 8] |= 0x80 >> (position % 8)
    packed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)  # mtime 0: same bits, same bytes
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (u...)")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def is_set(encoded: str, position: int) -> bool:
    bits = decode(encoded)
    return bool(bits[position // 8] & (0x80 >> (position % 8)))
