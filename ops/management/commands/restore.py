from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, read_manifest, restore


class Command(BaseCommand):
    help = "Replace the database and the media with a backup's. Stop the web server and workers first."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"no such file: {archive}")
        try:
            manifest = read_manifest(archive)
            if not options["yes"]:
                answer = input(f"Replace the database and media with the backup of {manifest['created_at']}? [y/N] ")
                if answer.strip().lower() != "y":
                    raise CommandError("nothing was changed")
            restore(archive=archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored the backup of {manifest['created_at']}.")
