"""The domain errors services raise. They know nothing of HTTP.

A service refuses with one of these; the API's exception handler (config.api) turns it into
the one error shape with its status, and an HTML view shows its ``text`` to the reader.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """Why a service will not do what was asked, in words for the person who asked."""

    code = "error"
    default_message = "The request cannot be carried out."

    def __init__(self, message: str | None = None, *, fields: Mapping[str, Sequence[str] | str] | None = None) -> None:
        self.fields: dict[str, list[str]] = {
            name: [msgs] if isinstance(msgs, str) else [str(msg) for msg in msgs]
            for name, msgs in (fields or {}).items()
        }
        self.message = message or self._message_from_fields() or self.default_message
        super().__init__(self.message)

    def _message_from_fields(self) -> str:
        parts = [f"{name}: {msgs[0]}" for name, msgs in self.fields.items() if msgs]
        return "Invalid input. " + "; ".join(parts) if parts else ""

    @property
    def text(self) -> str:
        """The message for a page: the field messages when there are any, else the message."""
        if self.fields:
            return " ".join(msg for msgs in self.fields.values() for msg in msgs)
        return self.message


class InvalidInput(DomainError):
    """The input is wrong; ``fields`` names what and why."""

    code = "validation_error"
    default_message = "Invalid input."


class NotFound(DomainError):
    """Absent, or present but not for this caller (the two look the same on purpose)."""

    code = "not_found"
    default_message = "Not found."


class NotAllowed(DomainError):
    code = "permission_denied"
    default_message = "You are not allowed to do this."


class Conflict(DomainError):
    code = "conflict"
    default_message = "The request conflicts with the current state."


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    default_message = "The request body is too large."


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    default_message = "A backing service is unavailable; try again shortly."


def invalid(fields: Mapping[str, Sequence[str] | str], message: str | None = None) -> InvalidInput:
    """A 400 naming the fields, for services that validate outside a serializer."""
    return InvalidInput(message, fields=fields)
