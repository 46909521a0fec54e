"""The Content-Security-Policy every page carries (Django 5.2 has no CSP of its own).

Scripts and styles come from our own static files; the only inline styles are progress-bar
widths, so `style-src` allows inline styles but `script-src` allows no inline script at all.
The API's browsable docs (Swagger UI) boot with one inline script and get their own policy.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
DOCS_POLICY = POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
DOCS_PREFIX = "/api/docs/"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            policy = DOCS_POLICY if request.path_info.startswith(DOCS_PREFIX) else POLICY
            response["Content-Security-Policy"] = policy
        return response
