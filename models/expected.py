"""Expected take-up given need and distance: a binomial GLM on area counts.

:class:`ExpectedRateModel` fits a logistic (binomial, logit link) regression of an area's
observed rate ``k / n`` on area features, weighting each area by its denominator ``n``. It
minimises scikit-learn ``LogisticRegression``'s objective on stacked rows (every area once as
a "success" row with weight ``n * y`` and once as a "failure" row with weight
``n * (1 - y)``, whose weighted log-likelihood equals the binomial log-likelihood of the
counts), ``C * sum(weighted log-loss) + |coef|^2 / 2`` with the intercept unpenalised, by
Newton's method on the areas directly (the same optimum as ``LogisticRegression``, about 30
times faster on a study area, which matters for repeated cross-validation).
:func:`add_expected` fits it to a study area and reports observed minus expected.

Example of use: "Given its deprivation and travel time to a hub, this LSOA would be
expected to have 62% review take-up; it has 41%."
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, logit, xlogy
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from models.crossval import cv_scores, spatial_blocks

__all__ = ["ExpectedRateModel", "binomial_d2", "expected_features", "target_counts", "add_expected", "spatial_blocks"]


def binomial_d2(y: ArrayLike, mu: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
    """Deviance-based pseudo-R^2 (D^2) of predicted proportions.

    ``1 - D(y, mu) / D(y, ybar)`` where ``D`` is the weighted binomial deviance
    ``2 * sum(w * (y log(y / mu) + (1 - y) log((1 - y) / (1 - mu))))`` and ``ybar`` the
    weighted mean of ``y`` (the intercept-only model). With ``w`` the denominators this is
    the deviance explained by the model on the children, not on the areas.

    Parameters
    ----------
    y : array_like
        Observed proportions in [0, 1].
    mu : array_like
        Predicted proportions in (0, 1).
    sample_weight : array_like, optional
        Denominators (default 1).

    Returns
    -------
    float
        1 for a perfect fit, 0 for no better than the weighted mean, negative if worse;
        NaN if the null deviance is 0.

    Examples
    --------
    >>> round(binomial_d2([0.2, 0.8], [0.25, 0.75], [100, 100]), 3)
    0.964
    """
    y = np.asarray(y, dtype=float)
    mu = np.clip(np.asarray(mu, dtype=float), 1e-12, 1 - 1e-12)
    w = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    keep = (w > 0) & np.isfinite(y) & np.isfinite(mu)
    y, mu, w = y[keep], mu[keep], w[keep]
    if w.sum() <= 0:
        return float("nan")
    ybar = np.clip(np.sum(w * y) / np.sum(w), 1e-12, 1 - 1e-12)

    def dev(m: NDArray) -> float:
        return float(2.0 * np.sum(w * (xlogy(y, y / m) + xlogy(1.0 - y, (1.0 - y) / (1.0 - m)))))

    null = dev(np.full_like(y, ybar))
    if null <= 0:
        return float("nan")
    return 1.0 - dev(mu) / null


def _weighted_moments(X: NDArray, w: NDArray) -> tuple[NDArray, NDArray]:
    """Weighted mean and standard deviation of each column over its finite values (0, 0
    for a column with none)."""
    finite = np.isfinite(X)
    wm = np.where(finite, w[:, None], 0.0)
    total = wm.sum(axis=0)
    Xz = np.where(finite, X, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(total > 0, (wm * Xz).sum(axis=0) / total, 0.0)
        var = np.where(total > 0, (wm * (Xz - mean) ** 2).sum(axis=0) / total, 0.0)
    return mean, np.sqrt(np.maximum(var, 0.0))


def _newton_logistic(Xs: NDArray, y: NDArray, w: NDArray, *, C: float, max_iter: int) -> tuple[NDArray, int]:
    """Minimise ``C * sum(w * binomial log-loss) + |coef|^2 / 2`` (intercept first and
    unpenalised) by Newton's method with step halving; returns ``(beta, iterations)``."""
    if not C > 0:
        raise ValueError(f"C must be positive, got {C!r}")
    A = np.column_stack([np.ones(len(y)), Xs])
    pen = np.ones(A.shape[1])
    pen[0] = 0.0

    def objective(b: NDArray) -> float:
        eta = A @ b
        return C * float(np.sum(w * (np.logaddexp(0.0, eta) - y * eta))) + 0.5 * float(np.sum(pen * b * b))

    ybar = np.clip(np.sum(w * y) / np.sum(w), 1e-9, 1 - 1e-9)
    beta = np.zeros(A.shape[1])
    beta[0] = logit(ybar)
    f = objective(beta)
    for it in range(1, max(max_iter, 1) + 1):
        mu = expit(A @ beta)
        grad = C * (A.T @ (w * (mu - y))) + pen * beta
        hess = C * (A.T * (w * mu * (1.0 - mu))) @ A + np.diag(pen) + 1e-12 * np.eye(A.shape[1])
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while True:
            f_new = objective(beta - t * step)
            if f_new <= f + 1e-12 * abs(f) or t < 1e-8:
                break
            t /= 2.0
        beta, f_old, f = beta - t * step, f, f_new
        if np.max(np.abs(t * step)) < 1e-10 or abs(f_old - f) <= 1e-14 * max(abs(f), 1.0):
            return beta, it
    return beta, max(max_iter, 1)


class ExpectedRateModel(RegressorMixin, BaseEstimator):
    """Binomial GLM (logit link) of area proportions, fitted on aggregated counts.

    Features are standardised inside the model with the sample weights (``mean_``,
    ``scale_``: the weighted mean and standard deviation over the non-missing values), so
    a fit with integer weights equals a fit with each row repeated that many times; missing
    feature values are set to the fitted mean. The L2 penalty of ``LogisticRegression`` applies to
    the standardised coefficients with the usual ``C``; because sample weights are counts
    of children, the penalty is negligible for realistic study areas.

    Parameters
    ----------
    C : float, default 1.0
        Inverse L2 regularisation strength (as in ``LogisticRegression``).
    max_iter : int, default 1000
        Maximum Newton iterations.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Log-odds change per standard deviation of each feature.
    intercept_ : float
        Log-odds at the feature means.
    mean_, scale_ : ndarray of shape (n_features,)
        Weighted feature means and standard deviations used for standardisation.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Present when ``X`` was a DataFrame.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 1))
    >>> n = rng.integers(20, 60, 300)
    >>> k = rng.binomial(n, expit(0.3 - 0.8 * X[:, 0]))
    >>> m = ExpectedRateModel().fit(X, k / n, sample_weight=n)
    >>> bool(m.coef_[0] < 0), bool(m.score(X, k / n, sample_weight=n) > 0.3)
    (True, True)
    """

    def __init__(self, C: float = 1.0, max_iter: int = 1000):
        self.C = C
        self.max_iter = max_iter

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _standardise(self, X: NDArray) -> NDArray:
        Xs = (X - self.mean_) / self.scale_
        return np.where(np.isfinite(Xs), Xs, 0.0)

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> ExpectedRateModel:
        """Fit to observed proportions ``y`` with denominators ``sample_weight``.

        Parameters
        ----------
        X : array_like of shape (n_areas, n_features)
            Area features (NaN allowed).
        y : array_like of shape (n_areas,)
            Observed proportions in [0, 1].
        sample_weight : array_like of shape (n_areas,), optional
            Denominators (e.g. children eligible); default 1. Areas with weight 0 are
            ignored.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", y_numeric=True, dtype=float)
        if np.any(~np.isfinite(y)) or np.any((y < 0) | (y > 1)):
            raise ValueError("y must be proportions in [0, 1]")
        w = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        keep = w > 0
        if not np.any(keep):
            raise ValueError("all sample weights are zero")
        X, y, w = X[keep], y[keep], w[keep]

        self.mean_, scale = _weighted_moments(X, w)
        self.scale_ = np.where(scale > 1e-12 * np.maximum(np.abs(self.mean_), 1.0), scale, 1.0)
        Xs = self._standardise(X)

        w_pos, w_neg = w * y, w * (1.0 - y)
        if w_pos.sum() > 0 and w_neg.sum() > 0:
            beta, self.n_iter_ = _newton_logistic(Xs, y, w, C=float(self.C), max_iter=int(self.max_iter))
            self.intercept_, self.coef_ = float(beta[0]), beta[1:].copy()
        else:  # every child succeeded, or none did: a constant model
            self.coef_ = np.zeros(X.shape[1])
            self.intercept_ = float(logit(np.clip(w_pos.sum() / w.sum(), 1e-9, 1 - 1e-9)))
            self.n_iter_ = 0
        return self

    def predict(self, X: ArrayLike) -> NDArray[np.float64]:
        """Expected proportions in [0, 1].

        Parameters
        ----------
        X : array_like of shape (n_areas, n_features)

        Returns
        -------
        ndarray of shape (n_areas,)
        """
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=float)
        return expit(self._standardise(X) @ self.coef_ + self.intercept_)

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """Deviance-based pseudo-R^2 weighted by denominators (see :func:`binomial_d2`).

        Parameters
        ----------
        X : array_like of shape (n_areas, n_features)
        y : array_like of shape (n_areas,)
            Observed proportions.
        sample_weight : array_like, optional
            Denominators.

        Returns
        -------
        float
        """
        return binomial_d2(y, self.predict(X), sample_weight)


def _numeric(areas: pd.DataFrame, col: str) -> NDArray[np.float64]:
    if col not in areas.columns:
        return np.full(len(areas), np.nan)
    return pd.to_numeric(areas[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def expected_features(areas: pd.DataFrame) -> pd.DataFrame:
    """Model features of each area.

    Parameters
    ----------
    areas : DataFrame
        With ``idaci_score`` and/or ``income_score``, ``imd_score`` and optionally
        ``travel_minutes_to_hub``.

    Returns
    -------
    DataFrame
        Same index; columns ``idaci_or_income`` (IDACI, or the income score where IDACI is
        missing), ``imd_score`` and, when present with any value,
        ``travel_minutes_to_hub``.

    Examples
    --------
    >>> a = pd.DataFrame({"idaci_score": [0.3, np.nan], "income_score": [0.2, 0.1],
    ...                   "imd_score": [30.0, 12.0]})
    >>> expected_features(a).to_dict("list")
    {'idaci_or_income': [0.3, 0.1], 'imd_score': [30.0, 12.0]}
    """
    idaci = _numeric(areas, "idaci_score")
    feats = {
        "idaci_or_income": np.where(np.isfinite(idaci), idaci, _numeric(areas, "income_score")),
        "imd_score": _numeric(areas, "imd_score"),
    }
    travel = _numeric(areas, "travel_minutes_to_hub")
    if np.isfinite(travel).any():
        feats["travel_minutes_to_hub"] = travel
    return pd.DataFrame(feats, index=areas.index)


def target_counts(
    areas: pd.DataFrame, target: Literal["review", "reach"] = "review"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Numerator and denominator of a take-up target, as used by :mod:`models.risk`.

    ``review``: ``review_completed`` (capped at eligible) of ``review_eligible``.
    ``reach``: ``hub_children`` (capped) of ``under5_est`` rounded to whole children.
    Missing counts are 0.

    Examples
    --------
    >>> a = pd.DataFrame({"under5_est": [10.4, 3.6], "hub_children": [12, 2]})
    >>> [x.tolist() for x in target_counts(a, "reach")]
    [[10.0, 2.0], [10.0, 4.0]]
    """
    if target == "review":
        n = np.nan_to_num(_numeric(areas, "review_eligible"), nan=0.0).clip(min=0.0)
        k = np.clip(np.nan_to_num(_numeric(areas, "review_completed"), nan=0.0), 0.0, n)
    elif target == "reach":
        n = np.floor(np.nan_to_num(_numeric(areas, "under5_est"), nan=0.0).clip(min=0.0) + 0.5)
        k = np.clip(np.nan_to_num(_numeric(areas, "hub_children"), nan=0.0), 0.0, n)
    else:
        raise ValueError(f"target must be 'review' or 'reach', got {target!r}")
    return k, n


def add_expected(
    areas: pd.DataFrame,
    *,
    target: Literal["review", "reach"] = "review",
    cv: int = 5,
    random_state: int = 0,
    C: float = 1.0,
    max_iter: int = 1000,
    groups: tuple[str, ArrayLike] | None = None,
    cv_repeats: int = 10,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Fit :class:`ExpectedRateModel` to a study area and add expected rates.

    Areas with a zero denominator are excluded from fitting but still predicted.

    Parameters
    ----------
    areas : DataFrame
        Area table (see :func:`expected_features` and :func:`target_counts`).
    target : {"review", "reach"}, default "review"
    cv : int, default 5
        Folds of cross-validation (capped at the number of fitted areas, or of groups;
        below 2 skips cross-validation).
    random_state : int, default 0
        Seed of the first repeat's fold shuffle; repeat ``r`` uses ``random_state + r``.
    C, max_iter
        Passed to :class:`ExpectedRateModel`.
    groups : (str, array_like), optional
        ``(name, labels)``: spatial groups (e.g. ``("ward", ward_codes)`` for LSOAs, or
        :func:`spatial_blocks` of ward centroids) kept whole in every fold
        (``GroupKFold`` with shuffled groups), so an area is never predicted from its
        neighbours. Without groups the folds are shuffled ``KFold`` over areas.
    cv_repeats : int, default 10
        Repeats of the cross-validation with different seeds, to report how much the score
        depends on the fold assignment.

    Returns
    -------
    DataFrame
        A copy of ``areas`` with ``expected_<target>_rate`` and ``<target>_obs_minus_exp``
        (observed raw rate minus expected; NaN where the denominator is 0).
    dict
        Fit report: ``target``, ``n_areas`` (fitted), ``n_children`` (sum of
        denominators), ``features``, ``coefficients`` (log-odds per weighted SD, by
        feature), ``intercept``, ``pooled_rate``, ``score_in_sample``, ``cv_method``,
        ``cv_groups`` (number of groups), ``cv_scores`` (held-out weighted deviance D^2 of
        each fold of the first repeat), ``cv_folds``, ``cv_repeat_scores`` (mean D^2 of
        each repeat), ``cv_score`` (mean over repeats), ``cv_score_sd`` (standard
        deviation over repeats), ``cv_score_min``, ``cv_score_max`` and ``score_method``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> a = pd.DataFrame({"idaci_score": rng.uniform(0, .5, 80), "imd_score": rng.uniform(5, 60, 80),
    ...                   "review_eligible": rng.integers(0, 40, 80)})
    >>> a["review_completed"] = rng.binomial(a["review_eligible"], 0.7)
    >>> out, report = add_expected(a, cv=4, groups=("blocks", np.arange(80) // 4), cv_repeats=3)
    >>> report["n_areas"] == int((a["review_eligible"] > 0).sum()), len(report["cv_scores"]), len(report["cv_repeat_scores"])
    (True, 4, 3)
    """
    X = expected_features(areas)
    k, n = target_counts(areas, target)
    fit_rows = n > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(fit_rows, k / np.where(fit_rows, n, 1.0), np.nan)

    model = ExpectedRateModel(C=C, max_iter=max_iter)
    Xf, yf, wf = X[fit_rows], y[fit_rows], n[fit_rows]
    gf = None if groups is None else np.asarray(groups[1])[fit_rows]
    units = len(yf) if gf is None else len(np.unique(gf))
    report: dict[str, Any] = {
        "target": target,
        "n_areas": int(fit_rows.sum()),
        "n_children": float(wf.sum()),
        "features": list(X.columns),
        "score_method": "binomial deviance D^2 weighted by denominators",
        "cv_method": "KFold over areas" if groups is None else f"GroupKFold by {groups[0]}",
        "cv_groups": int(units),
    }
    nan = float("nan")
    if not fit_rows.any():
        expected = np.full(len(areas), np.nan)
        report.update(coefficients=dict.fromkeys(X.columns, nan), intercept=nan, pooled_rate=nan, score_in_sample=nan,
                      cv_score=nan, cv_scores=[], cv_folds=0, cv_repeat_scores=[], cv_score_sd=nan,
                      cv_score_min=nan, cv_score_max=nan)
    else:
        # The fits are tiny (3 features): a multi-threaded BLAS only adds thread hand-offs,
        # which cost far more than the arithmetic (4x slower on 2 busy cores).
        with threadpool_limits(limits=1, user_api="blas"):
            model.fit(Xf, yf, sample_weight=wf)
            expected = model.predict(X)
            folds = int(min(cv, units))
            runs = [cv_scores(model, Xf, yf, wf, gf, folds, random_state + r) for r in range(max(cv_repeats, 1))] if folds >= 2 else []
        means = [float(np.mean(f)) for f in ([s for s in run if np.isfinite(s)] for run in runs) if f]
        report.update(
            coefficients={c: float(b) for c, b in zip(X.columns, model.coef_)},
            intercept=model.intercept_,
            pooled_rate=float(np.sum(k[fit_rows]) / np.sum(wf)),
            score_in_sample=model.score(Xf, yf, sample_weight=wf),
            cv_scores=[float(s) for s in runs[0]] if runs else [],
            cv_folds=folds if folds >= 2 else 0,
            cv_repeat_scores=means,
            cv_score=float(np.mean(means)) if means else nan,
            cv_score_sd=float(np.std(means, ddof=1)) if len(means) > 1 else nan,
            cv_score_min=float(min(means)) if means else nan,
            cv_score_max=float(max(means)) if means else nan,
        )

    out = areas.copy()
    out[f"expected_{target}_rate"] = expected
    out[f"{target}_obs_minus_exp"] = y - expected
    return out, report
