"""Defects found by an independent recomputation of the lab's explanations, each pinned by a
check against a reference library or a hand computation."""

from __future__ import annotations

import numpy as np
import pytest

from explainlab.engine import run_spec
from explainlab.engine.datasets import load


def _diabetes_linear_by_hand() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Least squares on standardised inputs, fitted here with numpy alone."""
    data = load("diabetes")
    X, y = data.X_train, data.y_train
    mean, scale = X.mean(axis=0), X.std(axis=0)
    design = np.column_stack([np.ones(len(X)), (X - mean) / scale])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    prediction = design @ coef
    return coef[1:] / scale, mean, data.X_test, float(prediction.mean())


def test_d1_linear_shap_uses_the_training_data_as_background() -> None:
    """Base value = mean training prediction; SHAP_j = β_j (x_j - mean_j over training)."""
    weights, mean, X_test, mean_prediction = _diabetes_linear_by_hand()
    bar = run_spec({"dataset": "diabetes", "model": "linear", "explanation": "shap_bar"})
    assert bar.data["base_values"][0] == pytest.approx(mean_prediction, rel=1e-5)
    waterfall = run_spec({"dataset": "diabetes", "model": "linear", "explanation": "shap_waterfall", "instance": 7})
    assert waterfall.data["base_value"] == pytest.approx(mean_prediction, rel=1e-5)
    by_name = dict(zip(waterfall.data["features"], waterfall.data["shap_values"], strict=True))
    names = load("diabetes").feature_names
    expected = weights * (X_test[7] - mean)
    for j, name in enumerate(names):
        assert by_name[name] == pytest.approx(expected[j], rel=1e-4, abs=1e-6), name


def _rows_matching(conditions: list[str], names: list[str], X: np.ndarray) -> np.ndarray:
    """Evaluate printed conditions ("a < f ≤ b", "f ≤ b", "f > a") on the rows of X."""
    import re

    keep = np.ones(X.shape[0], dtype=bool)
    pattern = re.compile(
        r"^(?:(?P<low>\S+) < (?P<a>.+?) ≤ (?P<high>\S+)|(?P<b>.+?) ≤ (?P<le>\S+)|(?P<c>.+?) > (?P<gt>\S+))$"
    )
    for condition in conditions:
        match = pattern.match(condition)
        assert match, condition
        if match["a"]:
            column = X[:, names.index(match["a"])]
            keep &= (column > float(match["low"])) & (column <= float(match["high"]))
        elif match["b"]:
            keep &= X[:, names.index(match["b"])] <= float(match["le"])
        else:
            keep &= X[:, names.index(match["c"])] > float(match["gt"])
    return keep


@pytest.mark.parametrize(
    ("model", "params", "tree_index"),
    [("decision_tree", {"max_depth": 6}, 0), ("random_forest", {"n_estimators": 10, "max_depth": 6}, 3)],
)
def test_d3_printed_tree_rules_separate_the_training_rows_exactly(
    model: str, params: dict[str, int], tree_index: int
) -> None:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    data = load("breast_cancer")
    if model == "decision_tree":
        tree = DecisionTreeClassifier(max_depth=6, random_state=0).fit(data.X_train, data.y_train)
    else:
        forest = RandomForestClassifier(n_estimators=10, max_depth=6, random_state=0, n_jobs=1)
        tree = forest.fit(data.X_train, data.y_train).estimators_[tree_index]
    leaves = tree.apply(data.X_train.astype(np.float32))
    result = run_spec(
        {
            "dataset": "breast_cancer",
            "model": model,
            "params": params,
            "explanation": "tree_rules",
            "options": {"tree_index": tree_index},
        }
    )
    rules = result.data["rules"]
    assert len(rules) == tree.get_n_leaves()
    for rule in rules:
        expected = leaves == rule["leaf"]
        assert expected.sum() > 0
        printed = _rows_matching(rule["conditions"], data.feature_names, data.X_train)
        assert (printed == expected).all(), rule["conditions"]
        for bound in rule["bounds"]:
            column = data.X_train[:, data.feature_names.index(bound["feature"])][expected]
            if bound["low"] is not None:
                assert (column > bound["low"]).all() and bound["model_low"] is not None
            if bound["high"] is not None:
                assert (column <= bound["high"]).all() and bound["model_high"] is not None
    text = next(a for a in result.artifacts if a.format == "txt").content.decode()
    assert rules[0]["conditions"][0] in text


def test_d4_consistency_ranks_noise_level_ties_as_ties() -> None:
    """Permutation importances of two breast-cancer features are the same accuracy drops
    summed in another order (differing in the 16th digit): they must share one rank."""
    from scipy.stats import rankdata

    result = run_spec(
        {"dataset": "breast_cancer", "model": "decision_tree", "params": {"max_depth": 4}, "explanation": "consistency"}
    )
    for method in ("shap", "permutation", "lime"):
        scores = np.array(result.data["scores"][method])
        expected = rankdata(-scores, method="average")  # the scores as published (6 digits)
        np.testing.assert_array_equal(result.data["ranks"][method], expected, err_msg=method)
    names = result.data["features"]
    ranks = result.data["ranks"]["permutation"]
    assert ranks[names.index("mean symmetry")] == ranks[names.index("worst radius")]


def test_d7_decision_boundary_points_show_the_models_prediction_and_the_agreement() -> None:
    """Points carry the model's own prediction (checked against a separately fitted forest);
    the agreement rate is recomputed as a two-way partial dependence at each point."""
    from sklearn.ensemble import RandomForestClassifier

    data = load("breast_cancer")
    forest = RandomForestClassifier(n_estimators=20, random_state=0, n_jobs=1).fit(data.X_train, data.y_train)
    result = run_spec(
        {
            "dataset": "breast_cancer",
            "model": "random_forest",
            "params": {"n_estimators": 20},
            "explanation": "decision_boundary",
            "options": {"features": ["worst radius", "mean texture"]},
        }
    )
    points = result.data["points"]
    np.testing.assert_array_equal(points["predicted_class"], forest.predict(data.X_test))
    np.testing.assert_array_equal(points["true_class"], data.y_test)
    # The region's class at each point: the forest's probability averaged over 30 seeded
    # training rows with the two plotted features set to the point's values.
    background = data.X_train[np.sort(np.random.default_rng(0).choice(len(data.X_train), 30, replace=False))]
    a, b = data.feature_names.index("worst radius"), data.feature_names.index("mean texture")
    region = []
    for x in data.X_test:
        grid = background.copy()
        grid[:, a], grid[:, b] = x[a], x[b]
        region.append(int(forest.predict_proba(grid).mean(axis=0).argmax()))
    np.testing.assert_array_equal(points["region_class"], region)
    expected = float(np.mean(np.array(region) == forest.predict(data.X_test)))
    assert result.data["agreement"] == pytest.approx(expected, abs=1e-6)
    assert 0.5 < expected < 1.0


def test_d8_pdp_states_its_grid_range_and_draws_binary_features_as_points() -> None:
    data = load("loan")
    rows = data.X_train[np.sort(np.random.default_rng(0).choice(len(data.X_train), 300, replace=False))]
    base = {"dataset": "loan", "model": "gradient_boosting", "params": {"n_estimators": 20}, "explanation": "pdp_ice"}
    income = run_spec({**base, "options": {"feature": "income"}}).data
    # scikit-learn's grid spans these quantiles (scipy's mquantiles, its default plotting positions).
    from scipy.stats.mstats import mquantiles

    low, high = mquantiles(rows[:, data.feature_names.index("income")], prob=[0.05, 0.95])
    assert income["grid_range"]["low"] == pytest.approx(low, rel=1e-5)
    assert income["grid_range"]["high"] == pytest.approx(high, rel=1e-5)
    assert income["grid_range"]["kind"] == "percentiles 5-95" and income["drawn_as"] == "curve"
    assert income["grid"][0] == pytest.approx(low, rel=1e-5)
    group = run_spec({**base, "options": {"feature": "group"}})
    assert group.data["grid"] == [0.0, 1.0] and group.data["drawn_as"] == "points"
    assert group.data["grid_range"]["kind"] == "distinct values"
    svg = next(a for a in group.artifacts if a.format == "svg").content.decode()
    assert "5th to 95th" not in svg and "2 distinct values" in svg
