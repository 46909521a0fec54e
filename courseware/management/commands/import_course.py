import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courseware.importer import ImportFailed, files_from_directory, import_course


class Command(BaseCommand):
    help = "Import (or update in place) a course from its folder; checks everything before writing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="e.g. content/interpretable-ml")
        parser.add_argument("--owner", help="username of the instructor who owns a newly created course")
        parser.add_argument("--no-verify", action="store_true", help="skip running examples and exercises")

    def handle(self, *args: object, **options: object) -> None:
        from accounts.models import User

        owner = None
        if options.get("owner"):
            owner = User.objects.filter(username=options["owner"]).first()
            if owner is None:
                raise CommandError(f"no user named {options['owner']!r}")
        started = time.monotonic()
        bar = ProgressBar(self.stdout if options.get("verbosity", 1) else None)
        try:
            files = files_from_directory(options["folder"])  # type: ignore[arg-type]
            summary = import_course(files, owner=owner, progress=bar.update, verify=not options["no_verify"])
        except ImportFailed as exc:
            bar.finish()
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problem(s); nothing was changed.") from exc
        bar.finish()
        verb = "Created" if summary.created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} '{summary.slug}': {summary.chapters} chapters, {summary.pages} pages, "
                f"{summary.exercises} exercises in {time.monotonic() - started:.1f} s."
            )
        )


class ProgressBar:
    """A one-line progress bar on a terminal; plain lines when output is not a terminal."""

    def __init__(self, out: object, width: int = 30) -> None:
        self.out = out
        self.width = width
        self.stage = ""
        self.tty = bool(out) and getattr(sys.stdout, "isatty", lambda: False)()

    def update(self, stage: str, done: int, total: int) -> None:
        if self.out is None or total <= 0:
            return
        filled = int(self.width * done / total)
        line = f"{stage:<28} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}"
        if self.tty:
            self.out.write("\r" + line, ending="")  # type: ignore[attr-defined]
            self.out.flush()  # type: ignore[attr-defined]
        elif stage != self.stage or done == total:
            self.out.write(line)  # type: ignore[attr-defined]
        self.stage = stage

    def finish(self) -> None:
        if self.tty and self.out is not None:
            self.out.write("")  # type: ignore[attr-defined]
