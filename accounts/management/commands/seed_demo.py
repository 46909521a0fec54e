import secrets

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import User

DEMO_USERS: list[tuple[str, str, bool]] = [
    ("demo-learner", "Demo Learner", False),
    ("demo-instructor", "Demo Instructor", True),
]


class Command(BaseCommand):
    help = "Create a demo learner and a demo instructor (once) and print their log-ins."

    def handle(self, *args: object, **options: object) -> None:
        credentials_file = settings.VAR_DIR / "demo-logins.txt"
        known: dict[str, str] = {}
        if credentials_file.exists():
            for line in credentials_file.read_text().splitlines():
                name, _, saved = line.partition(" ")
                known[name] = saved
        lines = []
        for username, display_name, is_instructor in DEMO_USERS:
            password = known.get(username)
            user = User.objects.filter(username=username).first()
            if user is None or password is None:
                # A fresh random password per site: the embedded default may be reachable by others.
                password = secrets.token_urlsafe(9)
                user = user or User(username=username, email=f"{username}@example.org")
                user.display_name, user.is_instructor = display_name, is_instructor
                user.set_password(password)
                user.save()
            lines.append(f"{username} {password}")
        credentials_file.write_text("\n".join(lines) + "\n")
        credentials_file.chmod(0o600)
        self.stdout.write("Demo log-ins (also in var/demo-logins.txt):")
        for line in lines:
            username, password = line.split(" ")
            self.stdout.write(f"  {username:<16} password: {password}")
        from courseware.models import Course

        demo_instructor = User.objects.get(username="demo-instructor")
        for course in Course.objects.filter(owner__isnull=True):
            course.owner = demo_instructor
            course.save(update_fields=["owner"])
