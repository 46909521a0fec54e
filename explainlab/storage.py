"""Where a job's files live: Django's default storage, under the spec hash."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def artifact_path(spec_hash: str, filename: str) -> str:
    return f"explainlab/{spec_hash[:2]}/{spec_hash}/{filename}"


def save_artifacts(spec_hash: str, artifacts: list[Any]) -> list[dict[str, str]]:
    """Store engine artifacts (name, format, content); same hash → same paths, so a retry overwrites."""
    saved = []
    for artifact in artifacts:
        path = artifact_path(spec_hash, artifact.filename)
        if default_storage.exists(path):
            default_storage.delete(path)
        default_storage.save(path, ContentFile(artifact.content))
        saved.append({"name": artifact.name, "format": artifact.format, "path": path})
    return saved


def artifact_url(entry: dict[str, str]) -> str:
    return default_storage.url(entry["path"])


def delete_artifacts(entries: list[dict[str, str]]) -> None:
    for entry in entries:
        if default_storage.exists(entry["path"]):
            default_storage.delete(entry["path"])
