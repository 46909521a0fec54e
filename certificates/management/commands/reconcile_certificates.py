from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from certificates import services


class Command(BaseCommand):
    help = "Issue certificates for completions that have none and re-queue renders that never finished."

    def handle(self, *args: Any, **options: Any) -> None:
        issued, queued = services.reconcile_certificates()
        self.stdout.write(f"Issued {issued} certificate(s); queued {queued} render(s).")
