"""Validate raw spec dicts against the catalog, normalise them and hash them.

``validate_spec`` collects every problem it can find and raises one :class:`SpecError`
carrying ``errors: {field: [messages]}`` (fields like ``"params.max_depth"`` or
``"options.feature"``), ready to become an HTTP 400 body.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from explainlab.engine import cost
from explainlab.engine.datasets import DATASETS
from explainlab.engine.explanations import EXPLANATIONS, SpecView
from explainlab.engine.models import MODELS
from explainlab.engine.params import CLASSIFICATION_TASKS, Param, ParamError
from explainlab.engine.version import ENGINE_VERSION

FIELDS = ("dataset", "model", "params", "explanation", "instance", "options")


class SpecError(ValueError):
    """An invalid spec. ``errors`` maps each bad field to its messages; ``field`` and
    ``message`` are the first problem, for callers that report one."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in errors.items()}
        self.field, messages = next(iter(self.errors.items()))
        self.message = messages[0]
        super().__init__("; ".join(f"{k}: {m}" for k, ms in self.errors.items() for m in ms))


@dataclass(frozen=True)
class Spec:
    """A valid, normalised spec: every param and option is present (defaults filled)."""

    dataset: str
    model: str
    params: dict[str, Any] = field(hash=False)
    explanation: str
    instance: int | None
    options: dict[str, Any] = field(hash=False)

    def canonical(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "model": self.model,
            "params": {k: _copy(self.params[k]) for k in sorted(self.params)},
            "explanation": self.explanation,
            "instance": self.instance,
            "options": {k: _copy(self.options[k]) for k in sorted(self.options)},
        }

    def canonical_json(self) -> str:
        return json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def hash(self) -> str:
        """sha256 over the canonical JSON and the engine version (new engine = new results)."""
        payload = f"{ENGINE_VERSION}\n{self.canonical_json()}".encode()
        return hashlib.sha256(payload).hexdigest()

    def view(self) -> SpecView:
        return SpecView(
            dataset=DATASETS[self.dataset],
            model=MODELS[self.model],
            params=self.params,
            options=self.options,
            instance=self.instance,
        )

    def estimated_seconds(self) -> float:
        view = self.view()
        return cost.fit_seconds(view) + EXPLANATIONS[self.explanation].cost(view)


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def _normalise_group(
    raw: Any,
    schema: tuple[Param, ...],
    prefix: str,
    errors: _Errors,
    feature_names: tuple[str, ...],
    ignored: dict[str, str],
) -> dict[str, Any]:
    """Validate a params/options mapping against its schema; fill in defaults."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        errors.add(prefix, f"must be an object, got {type(raw).__name__}")
        raw = {}
    by_name = {p.name: p for p in schema}
    out: dict[str, Any] = {}
    for name in raw:
        if name not in by_name:
            if name in ignored:
                errors.add(f"{prefix}.{name}", ignored[name])
            else:
                allowed = ", ".join(sorted(by_name)) or "none"
                errors.add(
                    f"{prefix}.{name}", f"unknown {prefix[:-1] if prefix.endswith('s') else prefix}; allowed: {allowed}"
                )
    for param in schema:
        if param.name in raw:
            try:
                out[param.name] = param.normalise(raw[param.name], feature_names)
            except ParamError as exc:
                errors.add(f"{prefix}.{param.name}", str(exc))
        else:
            out[param.name] = param.default_value()
    return out


def _tasks_text(tasks: frozenset[str]) -> str:
    return "classification" if tasks == CLASSIFICATION_TASKS else " or ".join(sorted(tasks))


def _key(raw: Mapping[str, Any], name: str, registry: Mapping[str, Any], errors: _Errors) -> str | None:
    value = raw.get(name)
    if value is None:
        errors.add(name, "is required")
        return None
    if not isinstance(value, str) or value not in registry:
        errors.add(name, f"unknown {name} {value!r}; expected one of: {', '.join(registry)}")
        return None
    return value


def validate_spec(raw: Mapping[str, Any], *, budget_seconds: float = cost.BUDGET_SECONDS) -> Spec:
    """Check ``raw`` against the catalog and return the normalised :class:`Spec`.

    Raises :class:`SpecError` listing every problem found. ``instance`` is required for local
    explanations and dropped (normalised to None) for global ones. A spec whose estimated
    cost exceeds ``budget_seconds`` is refused, naming the field that drives the cost.
    """
    errors = _Errors()
    if not isinstance(raw, Mapping):
        raise SpecError({"spec": [f"must be an object, got {type(raw).__name__}"]})
    for name in raw:
        if name not in FIELDS:
            errors.add(str(name), f"unknown field; allowed: {', '.join(FIELDS)}")

    dataset_key = _key(raw, "dataset", DATASETS, errors)
    model_key = _key(raw, "model", MODELS, errors)
    explanation_key = _key(raw, "explanation", EXPLANATIONS, errors)
    dataset = DATASETS[dataset_key] if dataset_key else None
    model = MODELS[model_key] if model_key else None
    explanation = EXPLANATIONS[explanation_key] if explanation_key else None
    features = dataset.feature_names if dataset else ()

    params: dict[str, Any] = {}
    if model is not None:
        task = dataset.task if dataset else None
        schema = model.params_for(task) if task else model.params
        ignored = {
            p.name: f"only used for {_tasks_text(p.tasks)} datasets; {dataset.key} is {task}"
            for p in model.params
            if dataset and task and not p.applies_to(task)
        }
        params = _normalise_group(raw.get("params"), schema, "params", errors, features, ignored)

    options: dict[str, Any] = {}
    if explanation is not None:
        # Feature-name options can only be checked once the dataset is known.
        options = _normalise_group(
            raw.get("options"), explanation.options, "options", errors, features if dataset else (), {}
        )
        if dataset is None:
            for name in ("feature", "features"):
                errors.errors.pop(f"options.{name}", None)
        if model is not None and not explanation.supports_model(model.key):
            supported = ", ".join(explanation.model_keys(list(MODELS)))
            errors.add(
                "explanation", f"{explanation.key} is not available for model {model.key}; it supports: {supported}"
            )
        if dataset is not None and dataset.task not in explanation.tasks:
            errors.add(
                "explanation",
                f"{explanation.key} needs a {' or '.join(sorted(explanation.tasks))} dataset; {dataset.key} is {dataset.task}",
            )

    instance = raw.get("instance")
    if explanation is not None and not explanation.needs_instance:
        instance = None  # global views ignore it, so equivalent specs hash the same
    elif explanation is not None:
        if instance is None:
            errors.add("instance", f"is required for {explanation.key} (a row index of the test split)")
        elif isinstance(instance, bool) or not isinstance(instance, int):
            errors.add("instance", f"must be an integer, got {type(instance).__name__}")
            instance = None
        elif dataset is not None and not 0 <= instance < dataset.n_test:
            errors.add(
                "instance",
                f"must be between 0 and {dataset.n_test - 1} (the {dataset.key} test split has {dataset.n_test} rows), got {instance}",
            )

    if errors.errors:
        raise SpecError(errors.errors)
    assert dataset is not None and model is not None and explanation is not None
    spec = Spec(dataset.key, model.key, params, explanation.key, instance, options)

    view = spec.view()
    if explanation.check is not None:
        for name, message in explanation.check(view):
            errors.add(name, message)
        if errors.errors:
            raise SpecError(errors.errors)
    _check_cost(spec, budget_seconds)
    return spec


# Fields whose value drives the cost, with the advice given when one of them is to blame.
_COST_FIELDS = (
    ("options", "num_samples", "use fewer LIME samples"),
    ("options", "n_repeats", "use fewer repeats"),
    ("params", "n_estimators", "use fewer trees"),
    ("params", "hidden_layer_sizes", "use fewer or narrower hidden layers"),
    ("params", "max_depth", "limit the tree depth"),
    ("params", "n_knots", "use fewer knots"),
)


def _check_cost(spec: Spec, budget: float) -> None:
    estimate = spec.estimated_seconds()
    if estimate <= budget:
        return
    # Name the field whose reduction to its minimum saves the most time.
    best: tuple[float, str, str] | None = None
    for group, name, hint in _COST_FIELDS:
        values = spec.params if group == "params" else spec.options
        if name not in values:
            continue
        schema = MODELS[spec.model].params if group == "params" else EXPLANATIONS[spec.explanation].options
        param = next(p for p in schema if p.name == name)
        cheapest: Any = [int(param.min or 1)] if param.type == "int_list" else param.min
        trial = dict(values, **{name: cheapest})
        cheaper = Spec(**{**spec.__dict__, group: trial}).estimated_seconds()
        saving = estimate - cheaper
        if best is None or saving > best[0]:
            best = (saving, f"{group}.{name}", f"{hint} ({name})")
    if best is not None and best[0] > 0.25 * (estimate - budget):
        target, advice = best[1], best[2]
    else:
        target, advice = "explanation", "choose a lighter explanation or model"
    raise SpecError(
        {
            target: [
                f"this job is too expensive: estimated {estimate:.1f} s of computing, the limit is {budget:g} s; {advice}"
            ]
        }
    )
