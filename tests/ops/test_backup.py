"""A backup taken with `manage.py backup` brings back the database and the media with `restore`."""

from __future__ import annotations

import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "runs" / "7").mkdir(parents=True)
    (settings.MEDIA_ROOT / "runs" / "7" / "figure-0.png").write_bytes(b"\x89PNG first")
    return settings.MEDIA_ROOT


def test_backup_then_restore_brings_back_rows_and_files(transactional_db, django_user_model, media_root, tmp_path):
    django_user_model.objects.create_user("kept", password="pw-kept-1234")
    out = StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    archive = Path(out.getvalue().strip())
    assert archive.is_file() and archive.stat().st_mode & 0o077 == 0
    with tarfile.open(archive) as tar:
        assert {"manifest.json", "media.tar"} <= set(tar.getnames())

    # Things go wrong after the backup: a row lost, another added, a file gone, one added.
    django_user_model.objects.filter(username="kept").delete()
    django_user_model.objects.create_user("later", password="pw-later-1234")
    (media_root / "runs" / "7" / "figure-0.png").unlink()
    (media_root / "stray.txt").write_text("after the backup")

    call_command("restore", str(archive), "--yes", stdout=StringIO())
    assert django_user_model.objects.filter(username="kept").exists()
    assert not django_user_model.objects.filter(username="later").exists()
    assert django_user_model.objects.get(username="kept").check_password("pw-kept-1234")
    assert (media_root / "runs" / "7" / "figure-0.png").read_bytes() == b"\x89PNG first"
    assert not (media_root / "stray.txt").exists()


def test_restore_refuses_what_is_not_a_backup(transactional_db, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as tar:
        note = tmp_path / "note.txt"
        note.write_text("hello")
        tar.add(note, arcname="note.txt")
    with pytest.raises(CommandError, match="manifest"):
        call_command("restore", str(bogus), "--yes")
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "missing.tar.gz"), "--yes")
