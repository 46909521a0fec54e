"""Shared steps of the certificate tests (also used by the browser test)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

SITE_URL = "https://glassbook.example"


def read_every_page(api_client: Any, course: Any) -> dict[str, Any]:
    """Read the whole course through the API, like the mobile app; returns the last progress."""
    from courseware.models import Page

    progress: dict[str, Any] = {}
    for page in Page.objects.filter(course=course, published=True).order_by("sequence"):
        response = api_client.post(f"/api/v1/pages/{page.pk}/read/")
        assert response.status_code == 200, response.content
        progress = response.json()["progress"]
    return progress


def site_path(url: str) -> str:
    """A URL the site printed (QR code, API) as a path the test client can request."""
    assert url.startswith(SITE_URL), url
    return url[len(SITE_URL) :]


def fetch(client: Any, url: str) -> bytes:
    response = client.get(site_path(url))
    assert response.status_code == 200, (url, response.status_code)
    return b"".join(response.streaming_content) if response.streaming else response.content


def decode_qr(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False), encoding="utf-8")
    return path
