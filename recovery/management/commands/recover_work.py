from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from recovery import services


class Command(BaseCommand):
    help = "Re-queue work that dead workers left running and rows queued while the broker was down."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-ping", action="store_true", help="Do not ask which workers are alive (only stale claims)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = services.sweep(check_workers=not options["no_ping"])
        self.stdout.write(
            f"Took back {len(report.taken_back)}, sent again {len(report.resent)}, forgot {report.forgotten} claim(s)."
        )
