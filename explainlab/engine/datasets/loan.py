"""Synthetic loan approval, generated deterministically (no download, no external data).

The ground truth is a logistic model of income, debt ratio, credit history and employment.
``group`` is a sensitive attribute with *no* direct effect on approval, but group 1 earns less
on average, so a model can still treat the groups differently through income: the proxy effect
a fairness lesson needs.
"""

from __future__ import annotations

from typing import Any

from explainlab.engine.datasets.base import DatasetInfo, Feature

SEED = 20_240_611
N_ROWS = 5_000


def generate(n_rows: int = N_ROWS, seed: int = SEED) -> tuple[Any, Any]:
    """Return ``(X, y)``; columns in the order of ``DATASET.features``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    group = rng.binomial(1, 0.35, n_rows).astype(float)
    age = np.clip(rng.normal(41.0, 11.0, n_rows), 21, 70).round()
    # Income in thousands per year: log-normal, rising with age, lower for group 1 (the proxy).
    log_income = np.log(52.0) - 0.30 * group + 0.012 * (age - 41.0) + rng.normal(0.0, 0.42, n_rows)
    income = np.clip(np.exp(log_income), 12.0, 300.0).round(1)
    working_life = age - 18.0
    employment_years = np.minimum(rng.gamma(2.0, 1.0 + working_life / 8.0), working_life).round(1)
    credit_history_years = (working_life * rng.beta(4.0, 3.0, n_rows)).round(1)
    debt_ratio = np.clip(rng.beta(2.2, 5.5, n_rows) - 0.04 * np.log(income / 52.0), 0.01, 0.95).round(3)

    # Ground truth: log-income and debt drive approval; a debt ratio above 45% is penalised
    # sharply (a kink a PDP/GAM can reveal); history and tenure help with diminishing returns.
    logit = (
        -1.7
        + 1.6 * np.log(income / 52.0)
        - 5.0 * (debt_ratio - 0.3)
        - 8.0 * np.maximum(debt_ratio - 0.45, 0.0)
        + 0.9 * np.log1p(credit_history_years)
        + 0.08 * np.minimum(employment_years, 10.0)
    )
    approved = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    X = np.column_stack([income, debt_ratio, credit_history_years, employment_years, age, group])
    return X, approved


DATASET = DatasetInfo(
    key="loan",
    title="Loan approval (synthetic)",
    task="binary",
    description=(
        "Synthetic loan applications generated from a known logistic ground truth. "
        "'group' has no direct effect on approval but correlates with income."
    ),
    features=(
        Feature("income", "annual income in thousands"),
        Feature("debt_ratio", "monthly debt payments / monthly income (0 to 1)"),
        Feature("credit_history_years", "years since the first credit account"),
        Feature("employment_years", "years with the current employer"),
        Feature("age", "age in years"),
        Feature("group", "sensitive attribute (0/1); correlates with income, no direct effect"),
    ),
    target_names=("denied", "approved"),
    n_rows=N_ROWS,
    load_xy=generate,
    target_description="loan approved (1) or denied (0)",
    source="synthetic (seeded numpy Generator)",
)
