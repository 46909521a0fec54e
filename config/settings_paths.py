"""Paths shared by settings and scripts that run before Django is set up."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    return Path(os.environ.get("GLASSBOOK_VAR_DIR", BASE_DIR / "var"))


def sandbox_socket() -> str:
    return os.environ.get("GLASSBOOK_SANDBOX_SOCKET", str(var_dir() / "sandbox.sock"))
