"""Explanation registry.

Adding an explanation: copy a sibling module (it defines ``EXPLANATION`` with its options,
``compute`` and a cost estimate), then list it in ``_MODULES``. Modules import heavy
libraries (shap, lime, sklearn, matplotlib) inside ``compute`` so the registry stays cheap to
import for catalog and spec validation.
"""

from __future__ import annotations

from explainlab.engine.explanations import (
    ale,
    anchors,
    consistency,
    counterfactual,
    decision_boundary,
    gam_shapes,
    group_fairness,
    interactions,
    lime,
    nn_attribution,
    nn_units,
    pdp_ice,
    permutation_importance,
    shap_bar,
    shap_beeswarm,
    shap_dependence,
    shap_force,
    shap_waterfall,
    surrogate_tree,
    tree_diagram,
    tree_rules,
)
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView

_MODULES = (
    shap_bar,
    shap_beeswarm,
    shap_waterfall,
    shap_force,
    shap_dependence,
    lime,
    tree_diagram,
    tree_rules,
    permutation_importance,
    pdp_ice,
    decision_boundary,
    gam_shapes,
    surrogate_tree,
    consistency,
    counterfactual,
    ale,
    interactions,
    anchors,
    group_fairness,
    nn_attribution,
    nn_units,
)

EXPLANATIONS: dict[str, ExplanationInfo] = {m.EXPLANATION.key: m.EXPLANATION for m in _MODULES}


def get_info(key: str) -> ExplanationInfo:
    return EXPLANATIONS[key]


__all__ = ["EXPLANATIONS", "ExplainContext", "Explanation", "ExplanationInfo", "SpecView", "get_info"]
