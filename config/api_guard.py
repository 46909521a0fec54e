"""Everything under /api/ answers in the one error shape, whatever went wrong and wherever.

DRF's exception handler covers errors raised inside API views. What happens before or
around them (an unknown path, an id that is not an integer, a path without its trailing
slash, a query string with too many fields, an unexpected exception) is Django's, and
Django answers those with HTML. This middleware is the one place that closes that gap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import is_valid_path

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

# The code and message of an error whose body was not written by the API itself.
STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be understood."),
    401: ("not_authenticated", "Authentication credentials were not provided or are invalid."),
    403: ("permission_denied", "You do not have permission to do this."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    406: ("not_acceptable", "The API answers in JSON only."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Send the request body as JSON (application/json)."),
    429: ("throttled", "Too many requests; try again later."),
    500: ("server_error", "Something went wrong on our side; it has been logged."),
}


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX)


def error_response(status: int, message: str | None = None, code: str | None = None) -> JsonResponse:
    default_code, default_message = STATUS_ERRORS.get(status, ("error", "The request failed."))
    body = {"error": {"code": code or default_code, "message": message or default_message, "fields": {}}}
    response = JsonResponse(body, status=status)
    # Made outside CommonMiddleware, which would otherwise add it (keep-alive needs it).
    response["Content-Length"] = str(len(response.content))
    return response


class ApiErrorMiddleware:
    """Outermost for /api/: slash-less paths work, and every error is JSON in the error shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_path(request.path_info):
            return self.get_response(request)
        self._append_slash(request)
        try:
            response = self.get_response(request)
        except Exception:  # a last resort: inner middleware normally turns exceptions into responses
            logger.exception("unhandled error on %s %s", request.method, request.path)
            return error_response(500)
        return self._as_error_shape(response)

    @staticmethod
    def _append_slash(request: HttpRequest) -> None:
        """Serve `/api/v1/runs` as `/api/v1/runs/` for every method.

        Django's APPEND_SLASH would redirect (a POST body cannot follow a redirect) or, in
        debug, raise. Every API path ends with a slash, so adding it is never ambiguous.
        """
        path = request.path_info
        if path.endswith("/"):
            return
        urlconf = getattr(request, "urlconf", None)
        if not is_valid_path(path, urlconf) and is_valid_path(f"{path}/", urlconf):
            request.path_info = f"{path}/"
            request.path = f"{request.path}/"

    @staticmethod
    def _as_error_shape(response: HttpResponse) -> HttpResponse:
        if response.status_code < 400 or "json" in response.get("Content-Type", ""):
            return response
        replacement = error_response(response.status_code)
        for header in ("Retry-After", "Allow", "WWW-Authenticate"):
            if header in response:
                replacement[header] = response[header]
        return replacement
