"""Backup and restore of the database and the media files, as one archive.

The archive (``glassbook-backup-<UTC time>.tar.gz``) holds ``manifest.json``, the database
(``database.dump`` from pg_dump's custom format on PostgreSQL, ``database.sqlite3`` on
SQLite) and ``media.tar`` (everything under MEDIA_ROOT). Restoring replaces the database and
the media with the archive's; stop the web server and the workers first.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections

FORMAT = 1


class BackupError(Exception):
    pass


def _pg_args() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = [
        "--host",
        db["HOST"] or "127.0.0.1",
        "--port",
        str(db["PORT"] or 5432),
        "--username",
        db["USER"] or "postgres",
    ]
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    return args, env


def backup(*, output: Path) -> Path:
    """Write an archive into the folder ``output``; returns its path."""
    output.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    archive = output / f"glassbook-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        database = _dump_database(work)
        media_root = Path(settings.MEDIA_ROOT)
        with tarfile.open(work / "media.tar", "w") as media:
            if media_root.exists():
                media.add(media_root, arcname="media")
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "vendor": connection.vendor,
            "database": database.name,
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2))
        with tarfile.open(archive, "w:gz") as tar:
            for name in ("manifest.json", database.name, "media.tar"):
                tar.add(work / name, arcname=name)
    archive.chmod(0o600)  # it holds password hashes and tokens
    return archive


def _dump_database(work: Path) -> Path:
    if connection.vendor == "postgresql":
        target = work / "database.dump"
        args, env = _pg_args()
        name = connection.settings_dict["NAME"]
        result = subprocess.run(
            ["pg_dump", *args, "--format=custom", "--no-owner", "--file", str(target), name],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return target
    if connection.vendor == "sqlite":
        target = work / "database.sqlite3"
        connection.ensure_connection()
        dest = sqlite3.connect(target)
        try:
            connection.connection.backup(dest)  # a consistent copy even while others write
        finally:
            dest.close()
        return target
    raise BackupError(f"no backup for a {connection.vendor} database")


def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest: dict[str, Any] = json.load(io.TextIOWrapper(member))
    except KeyError as exc:
        raise BackupError("not a Glassbook backup: the archive has no manifest.json") from exc
    except (tarfile.TarError, OSError, ValueError) as exc:
        raise BackupError(f"not a Glassbook backup: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def restore(*, archive: Path) -> dict[str, Any]:
    """Replace the database and the media with those of ``archive``."""
    manifest = read_manifest(archive)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(f"the backup is of a {manifest['vendor']} database; this site uses {connection.vendor}")
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")
        _restore_database(work / manifest["database"])
        media_root = Path(settings.MEDIA_ROOT)
        staged = work / "media-restored"
        with tarfile.open(work / "media.tar") as media:
            media.extractall(staged, filter="data")
        media_root.mkdir(parents=True, exist_ok=True)
        for child in media_root.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        source = staged / "media"
        if source.exists():
            for child in source.iterdir():
                shutil.move(str(child), media_root / child.name)
    return manifest


def _restore_database(dump: Path) -> None:
    connections.close_all()
    if connection.vendor == "postgresql":
        args, env = _pg_args()
        name = connection.settings_dict["NAME"]
        result = subprocess.run(
            ["pg_restore", *args, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname", name, str(dump)],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        return
    source = sqlite3.connect(dump)
    try:
        target = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
