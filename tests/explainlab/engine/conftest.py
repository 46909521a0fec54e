"""Shared helpers for the engine tests (pure Python: no Django settings needed)."""

from __future__ import annotations

import io
import json
import os
import xml.etree.ElementTree as ET
from typing import Any

import pytest

# Single-threaded numeric libraries, as in the worker: predictable timings on 2 cores.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MIN_PIXELS = 300  # every figure is at least a few inches wide at 110 dpi


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "matrix: the explanation x model matrix (about a minute)")
    config.addinivalue_line("markers", "slow: long-running checks such as the 200-run leak loop")


def assert_png(content: bytes) -> tuple[int, int]:
    from PIL import Image

    assert content.startswith(PNG_MAGIC), "not a PNG"
    with Image.open(io.BytesIO(content)) as image:
        image.verify()
    with Image.open(io.BytesIO(content)) as image:
        width, height = image.size
    assert width >= MIN_PIXELS and height >= 150, (width, height)
    return width, height


def assert_svg(content: bytes) -> None:
    root = ET.fromstring(content)
    assert root.tag.endswith("svg"), root.tag


@pytest.fixture
def assert_valid() -> Any:
    """The result checker, as a fixture (test modules here are not a package)."""
    return assert_result_valid


def assert_result_valid(result: Any, explanation: str) -> None:
    formats = sorted(a.format for a in result.artifacts)
    expected = ["png", "svg", "txt"] if explanation == "tree_rules" else ["png", "svg"]
    assert formats == expected
    for artifact in result.artifacts:
        assert artifact.name == explanation
        if artifact.format == "png":
            assert_png(artifact.content)
        elif artifact.format == "svg":
            assert_svg(artifact.content)
        else:
            assert artifact.content.decode("utf-8").strip()
    json.dumps(result.data, allow_nan=False)
    json.dumps(result.metrics, allow_nan=False)
    assert result.data
    assert set(result.timings) >= {"loading data", "training", "explaining", "rendering", "total"}
