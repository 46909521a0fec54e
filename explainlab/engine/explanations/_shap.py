"""SHAP values for any fitted model, with the explainer chosen by model family.

* tree models: exact TreeSHAP. shap has no support for multiclass GradientBoostingClassifier,
  so for it we hand shap the per-class trees in its documented custom-tree dict format,
  which is still exact TreeSHAP in the model's raw (softmax logit) space.
* ``linear``: LinearSHAP on the standardised inputs (values equal those on the raw inputs for
  a linear model; raw values are kept for display).
* everything else: interventional SHAP over a k-means summary (10 rows) of the training data:
  exact for up to 10 features, antithetic permutation sampling (with standard errors) above.

Values are stored as ``(rows, features, outputs)``: one output for regression and binary
classification (the positive class), one per class for multiclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explainlab.engine.explanations.base import GLOBAL_SEED
from explainlab.engine.util import seeded_global_numpy

if TYPE_CHECKING:
    import numpy as np

    from explainlab.engine.models.base import FittedModel

# Rows explained for global views. TreeSHAP is cheap; KernelSHAP costs nsamples * background
# model calls per row, so it explains fewer rows.
GLOBAL_ROWS = {"tree": 300, "linear": 500, "agnostic": 40}
# TreeSHAP time grows with leaves * depth: 300 unpruned trees on the loan data cost ~28 ms per
# row. Deep ensembles explain fewer rows, so the global step stays under this many seconds.
TREE_GLOBAL_SECONDS = 1.5
TREE_MIN_ROWS = 30


def tree_seconds_per_row(n_trees: int, leaves_times_depth: float) -> float:
    """Measured TreeSHAP cost per explained row (2-core worker): per tree + per leaf·depth."""
    return n_trees * 1.5e-6 + leaves_times_depth * 6.0e-9


KERNEL_BACKGROUND = 10  # weighted k-means centroids (shap.kmeans); ≤ 100 as documented
KMEANS_ROWS = 500  # training rows the centroids are computed from
# Model-agnostic SHAP over that background: exact (every coalition) up to this many features,
# else antithetic permutation sampling. KernelSHAP with 2p + 120 samples was 17-26 % off on
# 30 features and its top feature changed with the seed; permutation sampling is exactly
# additive, vectorises into a few large predict calls and gives a standard error per value.
EXACT_MAX_FEATURES = 8
PERMUTATIONS_GLOBAL = 16  # antithetic pairs per globally explained row
PERMUTATIONS_LOCAL = 128  # local plots are read closely: spend more on one row
PERMUTATION_BATCH_ROWS = 200_000  # model inputs per predict call (bounds memory)


def agnostic_evaluations(p: int, permutations: int) -> int:
    """Model evaluations per explained row (before multiplying by the background size)."""
    if p <= EXACT_MAX_FEATURES:
        return 2**p
    return permutations * 2 * (p + 1)


def shap_module() -> Any:
    """``import shap`` without its import-time PendingDeprecationWarnings (colormap setters on
    newer matplotlib), which would otherwise land in every worker log."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import shap
    return shap


@dataclass(frozen=True)
class ShapValues:
    values: np.ndarray  # (rows, features, outputs)
    base_values: np.ndarray  # (outputs,)
    data: np.ndarray  # raw feature values of the explained rows (rows, features)
    rows: np.ndarray  # indices into the test split
    predicted: np.ndarray  # predicted class index per row (multiclass) or zeros
    output_names: list[str]
    output_space: str  # "probability" | "log-odds" | "logit" (multiclass raw score) | "prediction"
    method: str
    # Standard error of each value from sampling (rows, features, outputs); None when exact.
    uncertainty: np.ndarray | None = None

    @property
    def multiclass(self) -> bool:
        return self.values.shape[2] > 1

    def importance(self) -> np.ndarray:
        """Mean |SHAP| per feature, averaged over rows and (multiclass) classes."""
        return abs(self.values).mean(axis=(0, 2))

    def signed(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, features) values and (rows,) base values, each row taken for its predicted
        class in multiclass data (so signs stay meaningful in beeswarm/dependence plots)."""
        import numpy as np

        index = np.arange(self.values.shape[0])
        out = self.predicted if self.multiclass else np.zeros_like(self.predicted)
        return self.values[index, :, out], self.base_values[out]

    def output_label(self, output: int) -> str:
        return self.output_names[output]

    def importance_error(self) -> np.ndarray | None:
        """Standard error of :meth:`importance` from the sampling (independent per row and
        class; |·| is ignored, which slightly overstates the error near zero)."""
        import numpy as np

        if self.uncertainty is None:
            return None
        rows, _, outputs = self.uncertainty.shape
        return np.sqrt((self.uncertainty**2).sum(axis=(0, 2))) / (rows * outputs)


def output_space(model: FittedModel) -> str:
    if not model.is_classification:
        return "prediction"
    if model.info.shap_family == "linear" or model.info.key == "gradient_boosting":
        # Raw scores: log-odds for binary data; per-class softmax logits for multiclass.
        return "logit" if model.task == "multiclass" else "log-odds"
    return "probability"


def output_names(model: FittedModel) -> list[str]:
    names = model.class_names
    if model.task == "binary":
        return [names[1]]
    if model.task == "multiclass":
        return names
    return [model.dataset.info.target_names[0]]


def predicted_classes(model: FittedModel, X: np.ndarray) -> np.ndarray:
    import numpy as np

    if model.task == "multiclass":
        return np.argmax(model.predict_output(X), axis=1)
    return np.zeros(X.shape[0], dtype=np.int64)


def _as_3d(values: Any, base: Any, model: FittedModel) -> tuple[np.ndarray, np.ndarray]:
    """Normalise shap's many output shapes to (rows, features, outputs) and (outputs,)."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    base = np.atleast_1d(np.asarray(base, dtype=float)).reshape(-1)
    if values.ndim == 2:
        values = values[:, :, None]
    if model.task == "binary" and values.shape[2] == 2:
        values, base = values[:, :, 1:], base[1:]  # keep the positive class only
    return values, base


def _gb_multiclass_model(model: FittedModel) -> dict[str, Any]:
    """shap's custom-tree dict for a multiclass GradientBoostingClassifier.

    Tree (t, k) adds ``learning_rate · value`` to class k's logit; written as a K-output tree
    that is zero for the other classes, TreeSHAP yields one exact attribution per class.
    """
    import numpy as np

    gb = model.estimator
    n_stages, n_classes = gb.estimators_.shape
    trees = []
    for stage in range(n_stages):
        for k in range(n_classes):
            tree = gb.estimators_[stage, k].tree_
            values = np.zeros((tree.node_count, n_classes))
            values[:, k] = tree.value[:, 0, 0] * gb.learning_rate
            trees.append(
                {
                    "children_left": tree.children_left.astype(np.int32),
                    "children_right": tree.children_right.astype(np.int32),
                    "children_default": tree.children_left.astype(np.int32),
                    "features": tree.feature.astype(np.int32),
                    "thresholds": tree.threshold.astype(np.float64),
                    "values": values,
                    "node_sample_weight": tree.weighted_n_node_samples.astype(np.float64),
                }
            )
    # The prior (init) logits are whatever remains of the decision function without the trees.
    x0 = model.dataset.X_train[:1].astype(np.float32)
    tree_sum = np.array([sum(gb.estimators_[s, k].predict(x0)[0] for s in range(n_stages)) for k in range(n_classes)])
    base = gb.decision_function(x0)[0] - gb.learning_rate * tree_sum
    return {"trees": trees, "base_offset": base, "input_dtype": np.float32, "tree_output": "log_odds"}


class SamplingShap:
    """Interventional SHAP values of ``f`` over a weighted background, computed directly.

    Up to :data:`EXACT_MAX_FEATURES` features every coalition is evaluated (exact Shapley
    values for this background). Above, each row gets ``permutations`` random feature orders
    and their reverses (antithetic pairs); one order's marginal contributions add up exactly
    to ``f(x) - E[f]``, and the spread over orders gives a standard error per value.
    """

    def __init__(self, f: Any, background: np.ndarray, weights: np.ndarray) -> None:
        import numpy as np

        self.f = f
        self.background = np.asarray(background, dtype=float)
        self.weights = np.asarray(weights, dtype=float) / float(np.sum(weights))
        self.base = self._expected(self.background[None, :, :])[0]  # (outputs,)

    def _expected(self, Z: np.ndarray) -> np.ndarray:
        """Weighted background mean of f for each block of ``Z`` (blocks, background, p)."""
        import numpy as np

        blocks, B, p = Z.shape
        flat = Z.reshape(-1, p)
        outputs = []
        step = max(B, PERMUTATION_BATCH_ROWS // B * B)
        for start in range(0, flat.shape[0], step):
            out = np.asarray(self.f(flat[start : start + step]), dtype=float)
            outputs.append(out.reshape(out.shape[0], -1))
        out = np.concatenate(outputs).reshape(blocks, B, -1)
        return np.einsum("nbk,b->nk", out, self.weights)

    def _masked(self, X: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """For each row and mask (rows, m, p): the row's values where True, background else."""
        import numpy as np

        return np.where(masks[:, :, None, :], X[:, None, None, :], self.background[None, None, :, :])

    def explain(self, X: np.ndarray, permutations: int, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
        """(values (rows, p, outputs), standard errors or None when exact)."""
        import numpy as np

        n, p = X.shape
        if p <= EXACT_MAX_FEATURES:
            return self._exact(X), None
        rng = np.random.default_rng(seed)
        steps = np.arange(p + 1)[None, :, None]
        estimates = []
        for _ in range(permutations):
            position = np.argsort(rng.random((n, p)), axis=1).argsort(axis=1)  # place of each feature
            pair = []
            for ranks in (position, p - 1 - position):
                masks = ranks[:, None, :] < steps  # (rows, p + 1, p): the first s features of the order
                ev = self._expected(self._masked(X, masks).reshape(n * (p + 1), -1, p)).reshape(n, p + 1, -1)
                gains = np.diff(ev, axis=1)  # gain at each position of the order
                pair.append(np.take_along_axis(gains, ranks[:, :, None], axis=1))
            estimates.append((pair[0] + pair[1]) / 2)
        stacked = np.stack(estimates)  # (permutations, rows, p, outputs)
        errors = stacked.std(axis=0, ddof=1) / np.sqrt(permutations) if permutations > 1 else None
        return stacked.mean(axis=0), errors

    def _exact(self, X: np.ndarray) -> np.ndarray:
        import math

        import numpy as np

        p = X.shape[1]
        codes = np.arange(2**p)
        masks = ((codes[:, None] >> np.arange(p)[None, :]) & 1).astype(bool)  # (2^p, p)
        sizes = masks.sum(axis=1)
        values = []
        for row in X:
            v = self._expected(self._masked(row[None, :], masks[None]).reshape(2**p, -1, p))  # (2^p, outputs)
            phi = np.zeros((p, v.shape[1]))
            for j in range(p):
                without = ~masks[:, j]
                s = sizes[without]
                weight = np.array([math.factorial(k) * math.factorial(p - k - 1) for k in s]) / math.factorial(p)
                phi[j] = weight @ (v[codes[without] | (1 << j)] - v[codes[without]])
            values.append(phi)
        return np.stack(values)


class _Explainer:
    """Callable ``(X, local) -> (values, base)`` hiding the explainer family."""

    def __init__(self, model: FittedModel) -> None:
        shap = shap_module()

        self.model = model
        family = model.info.shap_family
        estimator = model.estimator
        if family == "tree":
            if model.task == "multiclass" and model.info.key == "gradient_boosting":
                self._explainer = shap.TreeExplainer(_gb_multiclass_model(model))
                self.method = "TreeExplainer (per-class trees)"
            else:
                self._explainer = shap.TreeExplainer(estimator)
                self.method = "TreeExplainer"
            self._transform = None
        elif family == "linear":
            scaler, linear = estimator[:-1], estimator[-1]
            # The whole training set as background (a linear model only needs its mean, so
            # this costs nothing): the base value is then the mean training prediction, not
            # the mean over a random subsample.
            background = scaler.transform(model.dataset.X_train)
            masker = shap.maskers.Independent(background, max_samples=background.shape[0])
            self._explainer = shap.LinearExplainer(linear, masker)
            self._transform = scaler.transform
            self.method = "LinearExplainer"
        else:
            # shap.kmeans runs KMeans with 10 restarts: 3 s on the 3,750 loan rows. The
            # centroids of a seeded 500-row sample summarise the data just as well.
            X_train = model.dataset.X_train
            sample = X_train[global_sample(X_train.shape[0], KMEANS_ROWS)]
            with seeded_global_numpy(GLOBAL_SEED):
                background = shap.kmeans(sample, KERNEL_BACKGROUND)
            self._explainer = SamplingShap(model.predict_output, background.data, background.weights)
            self._transform = None
            p = X_train.shape[1]
            how = "exact Shapley values" if p <= EXACT_MAX_FEATURES else "permutation sampling"
            self.method = f"model-agnostic SHAP ({how}, {KERNEL_BACKGROUND} k-means background rows)"

    def __call__(
        self, X: np.ndarray, *, local: bool, permutations: int | None = None, seed: int = GLOBAL_SEED
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(values, base, standard errors or None)."""
        model = self.model
        if isinstance(self._explainer, SamplingShap):
            if permutations is None:
                permutations = PERMUTATIONS_LOCAL if local else PERMUTATIONS_GLOBAL
            values, errors = self._explainer.explain(X, permutations, seed)
            values3, base = _as_3d(values, self._explainer.base, model)
            if errors is not None:
                errors, _ = _as_3d(errors, self._explainer.base, model)
            return values3, base, errors
        inputs = self._transform(X) if self._transform is not None else X
        explanation = self._explainer(inputs)
        base = explanation.base_values
        base = base[0] if getattr(base, "ndim", 0) >= 1 and len(base) == X.shape[0] else base
        values3, base3 = _as_3d(explanation.values, base, model)
        return values3, base3, None


def _explainer(model: FittedModel) -> _Explainer:
    if "shap_explainer" not in model.memo:
        model.memo["shap_explainer"] = _Explainer(model)
    explainer: _Explainer = model.memo["shap_explainer"]
    return explainer


def _trees(model: FittedModel) -> list[Any]:
    estimator = model.estimator
    if model.info.key == "decision_tree":
        return [estimator]
    if model.info.key == "gradient_boosting":
        return list(estimator.estimators_.ravel())
    return list(estimator.estimators_)


def global_sample(n_rows: int, limit: int) -> np.ndarray:
    import numpy as np

    if n_rows <= limit:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(GLOBAL_SEED).choice(n_rows, size=limit, replace=False))


def global_rows(model: FittedModel) -> np.ndarray:
    """The seeded sample of test rows that global SHAP views explain (all if small)."""

    n_test = model.dataset.X_test.shape[0]
    limit = GLOBAL_ROWS[model.info.shap_family]
    if model.info.shap_family == "tree":
        trees = _trees(model)
        per_row = tree_seconds_per_row(len(trees), sum(t.get_n_leaves() * t.get_depth() for t in trees))
        limit = max(TREE_MIN_ROWS, min(limit, int(TREE_GLOBAL_SECONDS / per_row)))
    return global_sample(n_test, limit)


def _wrap(
    model: FittedModel,
    rows: np.ndarray,
    values: np.ndarray,
    base: np.ndarray,
    method: str,
    errors: np.ndarray | None = None,
    X: np.ndarray | None = None,
) -> ShapValues:
    X = model.dataset.X_test[rows] if X is None else X
    return ShapValues(
        uncertainty=errors,
        values=values,
        base_values=base,
        data=X,
        rows=rows,
        predicted=predicted_classes(model, X),
        output_names=output_names(model),
        output_space=output_space(model),
        method=method,
    )


def global_shap(model: FittedModel) -> ShapValues:
    """SHAP values of the global sample; memoised with the fitted model."""
    if "shap_global" not in model.memo:
        explainer = _explainer(model)
        rows = global_rows(model)
        values, base, errors = explainer(model.dataset.X_test[rows], local=False)
        model.memo["shap_global"] = _wrap(model, rows, values, base, explainer.method, errors)
    result: ShapValues = model.memo["shap_global"]
    return result


def local_shap(
    model: FittedModel,
    row: int,
    *,
    values: np.ndarray | None = None,
    permutations: int | None = None,
    seed: int = GLOBAL_SEED,
) -> ShapValues:
    """SHAP values of one test row (a one-row ShapValues); ``values`` replaces the row's
    feature values (a what-if row), ``permutations``/``seed`` steer the sampling explainer."""
    import numpy as np

    explainer = _explainer(model)
    rows = np.array([row])
    X = model.dataset.X_test[rows] if values is None else np.asarray(values, dtype=float).reshape(1, -1)
    shap_values, base, errors = explainer(X, local=True, permutations=permutations, seed=seed)
    return _wrap(model, rows, shap_values, base, explainer.method, errors, X)


def output_note(shap_values: ShapValues) -> str:
    """A short phrase for axis labels: what one unit of SHAP value means."""
    space = shap_values.output_space
    if space == "prediction":
        return "model prediction"
    if space == "probability":
        return "predicted probability"
    return "log-odds" if space == "log-odds" else "class logit (softmax score)"
