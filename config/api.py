"""What every API endpoint shares: the one error shape and pagination.

This is the one place where errors become HTTP: the domain errors services raise
(config.errors), DRF's own exceptions and Django's, all leave as
`{"error": {"code", "message", "fields"}}` with their status.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config import errors
from config.errors import Conflict, PayloadTooLarge, ServiceUnavailable

# Kept importable from here: services written before config.errors existed use these names.
__all__ = ["Conflict", "Pagination", "PayloadTooLarge", "ServiceUnavailable", "exception_handler", "validation_error"]
validation_error = errors.invalid

DOMAIN_STATUS: dict[type[errors.DomainError], int] = {
    errors.InvalidInput: status.HTTP_400_BAD_REQUEST,
    errors.NotAllowed: status.HTTP_403_FORBIDDEN,
    errors.NotFound: status.HTTP_404_NOT_FOUND,
    errors.Conflict: status.HTTP_409_CONFLICT,
    errors.PayloadTooLarge: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    errors.ServiceUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def status_for(error: errors.DomainError) -> int:
    """The HTTP status of a domain error (HTML views answer with it too)."""
    for cls in type(error).__mro__:
        if cls in DOMAIN_STATUS:
            return DOMAIN_STATUS[cls]  # type: ignore[index]
    return status.HTTP_400_BAD_REQUEST


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF nests errors for nested serializers; the contract names fields with dots."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def _code(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "validation_error"
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        return "not_authenticated"
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code


def _domain_response(exc: errors.DomainError) -> Response:
    body = {"code": exc.code, "message": exc.message, "fields": exc.fields}
    return Response({"error": body}, status=status_for(exc))


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, errors.DomainError):
        return _domain_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return _domain_response(PayloadTooLarge())
    elif isinstance(exc, SuspiciousOperation):
        # Too many fields, a malformed multipart body...: the request's fault, said plainly.
        exc = exceptions.ParseError(str(exc) or "The request could not be parsed.")
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    body: dict[str, Any] = {"code": _code(exc), "message": "", "fields": {}}
    if isinstance(exc, exceptions.ValidationError):
        body["fields"] = _flatten(exc.detail)
        body["message"] = _summary(body["fields"])
    else:
        detail = exc.detail
        # simplejwt puts token problems in a nested list; its `detail` is enough.
        body["message"] = str(detail.get("detail", detail) if isinstance(detail, dict) else detail)
    response.data = {"error": body}
    return response


def _summary(fields: dict[str, list[str]]) -> str:
    parts = [f"{name}: {msgs[0]}" for name, msgs in fields.items() if msgs]
    return "Invalid input. " + "; ".join(parts) if parts else "Invalid input."
