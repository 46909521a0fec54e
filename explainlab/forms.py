"""The lab form: flat HTML field names (`params.max_depth`) ↔ a spec dict for the engine."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from explainlab.engine.catalog import catalog


def _number(text: str) -> Any:
    text = text.strip()
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            continue
    return text  # left as text: the engine names the field and says what it expects


def _param_types() -> dict[tuple[str, str], str]:
    types = {}
    cat = catalog()
    for model in cat["models"]:
        for param in model["params"]:
            types[("params", param["name"])] = param["type"]
    for explanation in cat["explanations"]:
        for option in explanation["options"]:
            types[("options", option["name"])] = option["type"]
    return types


def spec_from_form(data: QueryDict) -> dict[str, Any]:
    """Turn the submitted form into a raw spec; empty fields fall back to the defaults."""
    types = _param_types()
    spec: dict[str, Any] = {
        "dataset": data.get("dataset", ""),
        "model": data.get("model", ""),
        "explanation": data.get("explanation", ""),
        "params": {},
        "options": {},
    }
    instance = data.get("instance", "").strip()
    if instance:
        spec["instance"] = _number(instance)
    for key in data:
        group, _, name = key.partition(".")
        if group not in {"params", "options"} or not name:
            continue
        values = data.getlist(key)
        kind = types.get((group, name), "")
        if kind == "bool":
            spec[group][name] = values[-1] == "true"  # a hidden "false" precedes the checkbox
        elif kind == "feature_pair":
            chosen = [v for v in values if v]
            if chosen:
                spec[group][name] = chosen
        elif kind == "int_list":
            text = values[-1].strip()
            if text:
                spec[group][name] = [_number(part) for part in text.replace(";", ",").split(",") if part.strip()]
        elif kind in {"int", "float"}:
            if values[-1].strip():
                spec[group][name] = _number(values[-1])
        elif values[-1]:
            spec[group][name] = values[-1]
    return spec
