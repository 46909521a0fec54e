from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write the database and the media files to one archive (see docs/operations.md)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", default="var/backups", help="folder the archive is written to")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            archive = backup(output=Path(options["output"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(archive))
