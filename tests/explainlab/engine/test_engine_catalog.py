"""The catalog matches the contract in docs/explainlab.md and the data it describes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from explainlab.engine import catalog
from explainlab.engine.datasets import DATASETS, load

DOC = Path(__file__).resolve().parents[3] / "docs" / "explainlab.md"


def _doc_keys(section: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", body, flags=re.MULTILINE)


@pytest.mark.parametrize(
    ("section", "kind"), [("Datasets", "datasets"), ("Models", "models"), ("Explanations", "explanations")]
)
def test_catalog_keys_are_the_documented_ones(section: str, kind: str) -> None:
    assert [entry["key"] for entry in catalog()[kind]] == _doc_keys(section)


def test_catalog_shape_is_json() -> None:
    cat = catalog()
    json.dumps(cat, allow_nan=False)
    for dataset in cat["datasets"]:
        assert {"key", "title", "task", "n_rows", "n_test", "features", "target_names"} <= set(dataset)
        assert all(set(f) == {"name", "description"} and f["description"] for f in dataset["features"])
    for model in cat["models"]:
        for param in model["params"]:
            assert {"name", "type", "default", "min", "max"} <= set(param)
    for entry in cat["explanations"]:
        assert {"key", "title", "needs_instance", "models", "options"} <= set(entry)
    assert cat["engine_version"]


def test_catalog_is_a_copy() -> None:
    catalog()["datasets"].clear()
    assert catalog()["datasets"]


def test_model_lists() -> None:
    by_key = {e["key"]: e for e in catalog()["explanations"]}
    assert by_key["tree_diagram"]["models"] == ["decision_tree", "random_forest", "gradient_boosting"]
    assert by_key["gam_shapes"]["models"] == ["gam"]
    assert "decision_tree" not in by_key["surrogate_tree"]["models"]
    assert by_key["decision_boundary"]["tasks"] == ["binary", "multiclass"]
    assert [k for k, e in by_key.items() if e["needs_instance"]][:3] == ["shap_waterfall", "shap_force", "lime"]
    assert by_key["counterfactual"]["needs_instance"] and by_key["counterfactual"]["tasks"] == ["binary", "multiclass"]


@pytest.mark.parametrize("key", list(DATASETS))
def test_declared_sizes_match_the_split(key: str) -> None:
    info, data = DATASETS[key], load(key)
    assert data.X_train.shape == (info.n_train, len(info.features))
    assert data.X_test.shape == (info.n_test, len(info.features))
    assert info.n_rows == info.n_train + info.n_test
    assert not data.X_train.flags.writeable  # shared through the cache


def test_split_is_stratified() -> None:
    data = load("wine")
    train = np.bincount(data.y_train) / len(data.y_train)
    test = np.bincount(data.y_test) / len(data.y_test)
    np.testing.assert_allclose(train, test, atol=0.03)


def test_loan_is_deterministic_and_has_a_proxy() -> None:
    from explainlab.engine.datasets.loan import generate

    X1, y1 = generate()
    X2, y2 = generate()
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    names = DATASETS["loan"].feature_names
    income, group = X1[:, names.index("income")], X1[:, names.index("group")]
    assert income[group == 1].mean() < 0.85 * income[group == 0].mean()  # group is an income proxy
    assert y1[group == 1].mean() < y1[group == 0].mean()  # so approval rates differ by group
    assert 0.5 < y1.mean() < 0.75
