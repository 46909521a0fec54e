"""Every API response a test receives is checked against the generated OpenAPI schema.

Successful responses must match the operation's documented response; every error must
have the one error shape of API.md and a status the operation documents. A mismatch fails
the test that made the request.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import jsonschema
from rest_framework.test import APIClient

ERROR_SHAPE = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "minLength": 1},
                "message": {"type": "string", "minLength": 1},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
        }
    },
}


@lru_cache(maxsize=1)
def openapi_schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator(api_version="v1").get_schema(request=None, public=True)  # type: ignore[return-value]


def _to_json_schema(node: Any, components: dict[str, Any]) -> Any:
    """OpenAPI 3.0 → JSON Schema: resolve $ref, turn `nullable` into a null type."""
    if isinstance(node, list):
        return [_to_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].split("/")[-1]
        return _to_json_schema(components[name], components)
    out = {key: _to_json_schema(value, components) for key, value in node.items() if key != "nullable"}
    if "oneOf" in out:
        # drf-spectacular writes oneOf where alternatives overlap (a blank-able e-mail: '' is
        # both an empty string and a string); the contract means "any of these".
        out["anyOf"] = out.pop("oneOf")
    if node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def _operation(path: str, method: str) -> tuple[str, dict[str, Any]] | None:
    schema = openapi_schema()
    for template, operations in schema["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    return None


def check_response(method: str, path: str, response: Any) -> None:
    # OPTIONS/HEAD are DRF's generic answers, not operations of the contract.
    if not path.startswith("/api/v1/") or method.upper() in {"OPTIONS", "HEAD", "TRACE"}:
        return
    content_type = response.get("Content-Type", "")
    if "json" not in content_type:
        return
    body = json.loads(response.content or b"null")
    found = _operation(path, method)
    if response.status_code >= 400:
        jsonschema.validate(body, ERROR_SHAPE)
        if found is not None:  # an unknown path or method has no operation to document it
            template, operation = found
            documented = operation.get("responses", {})
            assert str(response.status_code) in documented, (
                f"{method} {template} answered {response.status_code}, which its schema does not document: "
                f"{sorted(documented)}"
            )
        return
    assert found is not None, f"{method} {path} is not in the OpenAPI schema"
    template, operation = found
    documented = operation.get("responses", {})
    entry = documented.get(str(response.status_code))
    assert entry is not None, f"{method} {template} answered {response.status_code}, documented: {sorted(documented)}"
    media = (entry.get("content") or {}).get("application/json")
    if not media:
        return
    components = openapi_schema().get("components", {}).get("schemas", {})
    jsonschema.validate(body, _to_json_schema(media["schema"], components))


class SchemaCheckedAPIClient(APIClient):
    def generic(self, method, path, *args, **kwargs):  # type: ignore[override]
        response = super().generic(method, path, *args, **kwargs)
        check_response(method, path.split("?")[0], response)
        return response
