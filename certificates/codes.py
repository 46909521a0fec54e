"""Certificate codes: 100 random bits, written as five groups of four Crockford base32 characters.

Crockford's alphabet leaves out I, L, O and U, so a code read aloud or typed from paper
cannot be mistaken for another; when reading a code back we map the look-alikes
(I/L → 1, O → 0) and ignore case, spaces and dashes, as Crockford recommends.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 5
GROUP_SIZE = 4
LENGTH = GROUPS * GROUP_SIZE  # 20 characters x 5 bits = 100 bits of entropy
BITS = LENGTH * 5
#: A formatted code: ``XXXX-XXXX-XXXX-XXXX-XXXX``.
FORMATTED_LENGTH = LENGTH + GROUPS - 1

_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-_.]+")
_VALID = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    """A fresh formatted code from the operating system's CSPRNG."""
    return format_code("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + GROUP_SIZE] for i in range(0, LENGTH, GROUP_SIZE))


def normalise(text: str) -> str | None:
    """The canonical formatted code for what a person typed or scanned, or None if it is not one."""
    if len(text) > 64:  # nobody types a code that long; don't spend effort on junk
        return None
    raw = _SEPARATORS.sub("", text).upper().translate(_LOOKALIKES)
    if not _VALID.match(raw):
        return None
    return format_code(raw)
