"""The network views: the hand-written forward pass and gradients, IG completeness, occlusion."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from explainlab.engine import SpecError, run_spec, validate_spec
from explainlab.engine.datasets import load
from explainlab.engine.explanations._network import Network, integrated_gradients
from explainlab.engine.run import fitted_model

DIGITS = {"dataset": "digits", "model": "mlp", "params": {"hidden_layer_sizes": [24, 16]}}


@pytest.fixture(scope="module")
def net() -> tuple[Any, Network]:
    model, _ = fitted_model(validate_spec({**DIGITS, "explanation": "nn_units"}))
    return model, Network.of(model)


def test_forward_pass_is_the_estimators(net: tuple[Any, Network]) -> None:
    model, network = net
    X = load("digits").X_test
    np.testing.assert_allclose(network.proba(X), model.estimator.predict_proba(X), atol=1e-10)


def test_gradients_match_finite_differences(net: tuple[Any, Network]) -> None:
    _, network = net
    x = load("digits").X_test[7].astype(float)
    eps = 1e-4
    for output, layer in [(3, None), (5, 0), (2, 1)]:
        grad = network.gradient(x[None, :], output, layer=layer)[0]

        def f(z: np.ndarray, output: int = output, layer: int | None = layer) -> float:
            if layer is None:
                return float(network.logit(z[None, :], output)[0])
            return float(network.hidden(z[None, :], layer)[0, output])

        numeric = np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)])
        np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-6)


def test_integrated_gradients_add_up_to_the_logit_difference(net: tuple[Any, Network]) -> None:
    _, network = net
    x = load("digits").X_test[11].astype(float)
    c = int(np.argmax(network.proba(x[None, :])[0]))
    difference = network.logit(x[None, :], c)[0] - network.logit(np.zeros((1, 64)), c)[0]
    gaps = []
    for steps in (16, 64, 512):
        attributions, gap = integrated_gradients(network, x, np.zeros(64), c, steps)
        assert attributions.sum() - difference == pytest.approx(gap, abs=1e-9)
        gaps.append(abs(gap))
    assert gaps[2] <= gaps[0] and gaps[2] < 0.005 * abs(difference)  # completeness, up to the Riemann sum


def test_attribution_view_reports_completeness_and_occlusion(assert_valid: Any) -> None:
    spec = validate_spec({**DIGITS, "explanation": "nn_attribution", "instance": 11, "options": {"steps": 256}})
    result = run_spec(spec)
    assert_valid(result, "nn_attribution")
    model, _ = fitted_model(spec)
    network = Network.of(model)
    d = result.data
    ig = np.array(d["integrated_gradients"])
    assert ig.shape == (8, 8) and np.array(d["saliency"]).min() >= 0
    assert ig.sum() == pytest.approx(d["logit"] - d["baseline_logit"], abs=0.01 * abs(d["logit"] - d["baseline_logit"]))
    x = load("digits").X_test[11].astype(float)
    c = int(np.argmax(network.proba(x[None, :])[0]))
    assert d["predicted_class"] == str(c)
    # Occlusion of the top-left 2x2 square, by hand: the corner pixel is covered by that square only.
    blank = x.reshape(8, 8).copy()
    blank[:2, :2] = 0
    drop = network.proba(x[None, :])[0, c] - network.proba(blank.reshape(1, 64))[0, c]
    assert d["occlusion"][0][0] == pytest.approx(drop, abs=1e-5)


def test_units_view_shows_the_most_active_units(assert_valid: Any, net: tuple[Any, Network]) -> None:
    result = run_spec({**DIGITS, "explanation": "nn_units", "options": {"layer": 2}})
    assert_valid(result, "nn_units")
    _, network = net
    activations = network.hidden(load("digits").X_test, 1)
    expected = list(np.argsort(-activations.var(axis=0), kind="stable")[:12])
    assert [u["unit"] for u in result.data["units"]] == expected
    assert result.data["layer"] == 2 and result.data["n_units"] == 16


def test_image_views_need_an_image_dataset_and_an_mlp() -> None:
    with pytest.raises(SpecError) as info:
        validate_spec({"dataset": "wine", "model": "mlp", "explanation": "nn_attribution", "instance": 0})
    assert info.value.field == "dataset" and "image" in info.value.message
    with pytest.raises(SpecError) as info:
        validate_spec({"dataset": "digits", "model": "random_forest", "explanation": "nn_units"})
    assert info.value.field == "explanation"
