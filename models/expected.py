"""Expected take-up given need and distance: a binomial GLM on area counts.

:class:`ExpectedRateModel` fits a logistic (binomial, logit link) regression of an area's
observed rate ``k / n`` on area features, weighting each area by its denominator ``n``. It
is implemented as scikit-learn ``LogisticRegression`` on stacked rows: every area appears
once as a "success" row with weight ``n * y`` and once as a "failure" row with weight
``n * (1 - y)``, whose weighted log-likelihood equals the binomial log-likelihood of the
counts. :func:`add_expected` fits it to a study area and reports observed minus expected.

Example of use: "Given its deprivation and travel time to a hub, this LSOA would be
expected to have 62% review take-up; it has 41%."
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, logit, xlogy
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

__all__ = ["ExpectedRateModel", "binomial_d2", "expected_features", "target_counts", "add_expected"]


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


class ExpectedRateModel(RegressorMixin, BaseEstimator):
    """Binomial GLM (logit link) of area proportions, fitted on aggregated counts.

    Features are standardised inside the model (``mean_``, ``scale_``); missing feature
    values are set to the fitted mean. The L2 penalty of ``LogisticRegression`` applies to
    the standardised coefficients with the usual ``C``; because sample weights are counts
    of children, the penalty is negligible for realistic study areas.

    Parameters
    ----------
    C : float, default 1.0
        Inverse L2 regularisation strength (as in ``LogisticRegression``).
    max_iter : int, default 1000
        Maximum L-BFGS iterations.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Log-odds change per standard deviation of each feature.
    intercept_ : float
        Log-odds at the feature means.
    mean_, scale_ : ndarray of shape (n_features,)
        Feature means and standard deviations used for standardisation.
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

        with np.errstate(invalid="ignore"):
            self.mean_ = np.nan_to_num(np.nanmean(X, axis=0)) if X.size else np.zeros(X.shape[1])
            scale = np.nan_to_num(np.nanstd(X, axis=0)) if X.size else np.ones(X.shape[1])
        self.scale_ = np.where(scale > 0, scale, 1.0)
        Xs = self._standardise(X)

        w_pos, w_neg = w * y, w * (1.0 - y)
        if w_pos.sum() > 0 and w_neg.sum() > 0:
            rows = np.concatenate([w_pos > 0, w_neg > 0])
            Xst = np.vstack([Xs, Xs])[rows]
            lab = np.concatenate([np.ones(len(y)), np.zeros(len(y))])[rows]
            wst = np.concatenate([w_pos, w_neg])[rows]
            lr = LogisticRegression(C=self.C, max_iter=self.max_iter).fit(Xst, lab, sample_weight=wst)
            self.coef_ = lr.coef_[0].copy()
            self.intercept_ = float(lr.intercept_[0])
            self.n_iter_ = int(lr.n_iter_[0])
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
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Fit :class:`ExpectedRateModel` to a study area and add expected rates.

    Areas with a zero denominator are excluded from fitting but still predicted.

    Parameters
    ----------
    areas : DataFrame
        Area table (see :func:`expected_features` and :func:`target_counts`).
    target : {"review", "reach"}, default "review"
    cv : int, default 5
        Folds of shuffled ``KFold`` cross-validation (capped at the number of fitted
        areas; below 2 skips cross-validation).
    random_state : int, default 0
        Seed of the fold shuffle.
    C, max_iter
        Passed to :class:`ExpectedRateModel`.

    Returns
    -------
    DataFrame
        A copy of ``areas`` with ``expected_<target>_rate`` and ``<target>_obs_minus_exp``
        (observed raw rate minus expected; NaN where the denominator is 0).
    dict
        Fit report: ``target``, ``n_areas`` (fitted), ``n_children`` (sum of
        denominators), ``features``, ``coefficients`` (log-odds per SD, by feature),
        ``intercept``, ``pooled_rate``, ``score_in_sample``, ``cv_score`` (mean over
        folds of the weighted deviance D^2 on held-out areas), ``cv_scores``, ``cv_folds``
        and ``score_method``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> a = pd.DataFrame({"idaci_score": rng.uniform(0, .5, 80), "imd_score": rng.uniform(5, 60, 80),
    ...                   "review_eligible": rng.integers(0, 40, 80)})
    >>> a["review_completed"] = rng.binomial(a["review_eligible"], 0.7)
    >>> out, report = add_expected(a, cv=4)
    >>> report["n_areas"] == int((a["review_eligible"] > 0).sum()), len(report["cv_scores"])
    (True, 4)
    """
    X = expected_features(areas)
    k, n = target_counts(areas, target)
    fit_rows = n > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(fit_rows, k / np.where(fit_rows, n, 1.0), np.nan)

    model = ExpectedRateModel(C=C, max_iter=max_iter)
    Xf, yf, wf = X[fit_rows], y[fit_rows], n[fit_rows]
    report: dict[str, Any] = {
        "target": target,
        "n_areas": int(fit_rows.sum()),
        "n_children": float(wf.sum()),
        "features": list(X.columns),
        "score_method": "binomial deviance D^2 weighted by denominators",
    }
    if not fit_rows.any():
        expected = np.full(len(areas), np.nan)
        report.update(coefficients={c: float("nan") for c in X.columns}, intercept=float("nan"),
                      pooled_rate=float("nan"), score_in_sample=float("nan"),
                      cv_score=float("nan"), cv_scores=[], cv_folds=0)
    else:
        # The fits are tiny (3 features): a multi-threaded BLAS only adds thread hand-offs,
        # which cost far more than the arithmetic (4x slower on 2 busy cores).
        with threadpool_limits(limits=1, user_api="blas"):
            model.fit(Xf, yf, sample_weight=wf)
            expected = model.predict(X)
            scores: list[float] = []
            folds = int(min(cv, len(yf)))
            if folds >= 2:
                splitter = KFold(n_splits=folds, shuffle=True, random_state=random_state)
                for train, test in splitter.split(Xf):
                    m = clone(model).fit(Xf.iloc[train], yf[train], sample_weight=wf[train])
                    scores.append(m.score(Xf.iloc[test], yf[test], sample_weight=wf[test]))
            finite = [s for s in scores if np.isfinite(s)]
            report.update(
                coefficients={c: float(b) for c, b in zip(X.columns, model.coef_)},
                intercept=model.intercept_,
                pooled_rate=float(np.sum(k[fit_rows]) / np.sum(wf)),
                score_in_sample=model.score(Xf, yf, sample_weight=wf),
                cv_score=float(np.mean(finite)) if finite else float("nan"),
                cv_scores=[float(s) for s in scores],
                cv_folds=folds if folds >= 2 else 0,
            )

    out = areas.copy()
    out[f"expected_{target}_rate"] = expected
    out[f"{target}_obs_minus_exp"] = y - expected
    return out, report
