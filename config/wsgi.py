import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

# gunicorn drains at most 64 KB of a body the application did not read before it reuses a
# kept-alive connection; past that it drops the connection, and the client's next request
# on it fails. Answers given without reading a large body say `Connection: close` instead.
UNREAD_BODY_CLOSE_BYTES = 64 * 1024


def _must_close(status: str, environ: dict[str, Any]) -> bool:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    code = int(status.split(" ", 1)[0])
    return code == 413 or (code >= 400 and length > UNREAD_BODY_CLOSE_BYTES)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    def start_closing_if_needed(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if _must_close(status, environ):
            # The server's own response object (gunicorn's) owns the connection header.
            force_close = getattr(getattr(start_response, "__self__", None), "force_close", None)
            if callable(force_close):
                force_close()
        return start_response(status, headers, exc_info)

    return django_application(environ, start_closing_if_needed)
