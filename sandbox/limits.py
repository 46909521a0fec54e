"""Resource limits of one run, and the operator's caps that bound what a client may ask for."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclass(frozen=True)
class Limits:
    """What one run may use. Every field is a ceiling; the server lowers it to its caps."""

    cpu_seconds: float = 5.0
    wall_seconds: float = 10.0
    # Memory the run may add on top of the pre-imported libraries it shares with the server.
    memory_bytes: int = 1 * GiB
    # Per stream (stdout, stderr); beyond it the output is cut and the run stopped.
    output_bytes: int = 1 * MiB
    tmp_bytes: int = 64 * MiB
    # Processes *and* threads (the kernel counts both), the run's own process included.
    processes: int = 16
    file_size: int = 32 * MiB
    open_files: int = 256

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"limit {f.name} must be a number, not {value!r}")
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"limit {f.name} must be positive, not {value!r}")
            if f.type in ("int", int) and not float(value).is_integer():
                raise ValueError(f"limit {f.name} must be a whole number, not {value!r}")
        # Below these a Python interpreter cannot even start its work; asking for less is a bug.
        if self.open_files < 16:
            raise ValueError("limit open_files must be at least 16")
        if self.memory_bytes < 64 * MiB:
            raise ValueError("limit memory_bytes must be at least 64 MiB")

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Limits:
        """Build from a mapping; unknown keys are an error so typos do not silently keep defaults."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown limits: {', '.join(sorted(unknown))}")
        return cls(**{key: _coerce(cls, key, value) for key, value in data.items()})

    def clamp(self, caps: Limits) -> Limits:
        """The same limits, each lowered to the operator's cap where it asks for more."""
        return replace(self, **{f.name: min(getattr(self, f.name), getattr(caps, f.name)) for f in fields(self)})


def _coerce(cls: type[Limits], key: str, value: Any) -> Any:
    field_type = next(f.type for f in fields(cls) if f.name == key)
    if field_type in ("int", int) and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# What an operator allows at most unless told otherwise (flags or GLASSBOOK_SANDBOX_MAX_* at start).
DEFAULT_CAPS = Limits(
    cpu_seconds=30.0,
    wall_seconds=60.0,
    memory_bytes=2 * GiB,
    output_bytes=8 * MiB,
    tmp_bytes=256 * MiB,
    processes=64,
    file_size=256 * MiB,
    open_files=1024,
)

CAP_ENV_PREFIX = "GLASSBOOK_SANDBOX_MAX_"


def cap_env_name(field_name: str) -> str:
    return CAP_ENV_PREFIX + field_name.upper()


def caps_from_env(environ: Mapping[str, str] | None = None, base: Limits = DEFAULT_CAPS) -> Limits:
    """Caps from ``GLASSBOOK_SANDBOX_MAX_<FIELD>`` variables (e.g. ``..._MAX_CPU_SECONDS=20``)."""
    environ = os.environ if environ is None else environ
    overrides: dict[str, Any] = {}
    for f in fields(Limits):
        raw = environ.get(cap_env_name(f.name))
        if raw:
            overrides[f.name] = float(raw) if f.type in ("float", float) else int(raw)
    return replace(base, **overrides)


def format_bytes(amount: float) -> str:
    for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if amount >= size:
            value = amount / size
            return f"{value:.0f} {unit}" if value.is_integer() else f"{value:.1f} {unit}"
    return f"{amount:.0f} bytes"


def format_seconds(amount: float) -> str:
    return f"{amount:g} s"
