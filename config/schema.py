"""The OpenAPI schema documents the errors every operation can answer, with one Error schema.

drf-spectacular documents what views declare; the errors that come from around the views
(the JSON parser's caps, authentication, throttling, CSRF, an unknown id) are the same for
every operation, so they are added here, by rule, in one place.
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = {
    "type": "object",
    "description": "The one error shape of the API (docs/api.md).",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable: validation_error, not_found, …"},
                "message": {"type": "string", "description": "For people."},
                "fields": {
                    "type": "object",
                    "description": "Invalid input by field name (dotted for nested fields); empty otherwise.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}

DESCRIPTIONS = {
    "400": "Bad input: a malformed or too deeply nested body, or invalid fields (named in `fields`).",
    "401": "No credentials, or an expired or invalid token.",
    "403": "Not allowed (or a browser session without its CSRF token).",
    "404": "Absent, or not visible to the caller.",
    "409": "Conflicts with the current state.",
    "413": "The request body is too large.",
    "415": "The body is not JSON.",
    "429": "Throttled; see `Retry-After`.",
}
UNSAFE = {"post", "put", "patch", "delete"}


def _statuses(method: str, operation: dict[str, Any], path: str) -> set[str]:
    found = {"400", "401", "429"}  # any request: malformed query, a bad token, too many requests
    if "{" in path or any(p.get("in") == "query" and p.get("name") == "page" for p in operation.get("parameters", [])):
        found.add("404")
    if method in UNSAFE:
        found.add("403")  # a session without its CSRF token
    if operation.get("requestBody"):
        found |= {"413", "415"}
    return found


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: an Error component and the error responses of every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status in _statuses(method, operation, path):
                responses.setdefault(status, {"description": DESCRIPTIONS[status]})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
                    if not response.get("description"):
                        response["description"] = DESCRIPTIONS.get(status, "An error.")
    return result
