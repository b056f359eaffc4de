"""The binomial GLM of an area's take-up: :class:`ExpectedRateModel` and its fit measure
:func:`binomial_d2`.

:class:`ExpectedRateModel` fits a logistic (binomial, logit link) regression of an area's
observed rate ``k / n`` on area features, weighting each area by its denominator ``n``. It
minimises scikit-learn ``LogisticRegression``'s objective on stacked rows (every area once as
a "success" row with weight ``n * y`` and once as a "failure" row with weight
``n * (1 - y)``, whose weighted log-likelihood equals the binomial log-likelihood of the
counts), ``C * sum(weighted log-loss) + |coef|^2 / 2`` with the intercept unpenalised, by
Newton's method on the areas directly (the same optimum as ``LogisticRegression``, about 30
times faster on a study area, which matters for repeated cross-validation).
:func:`models.expected.add_expected` fits it to a study area.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, logit, xlogy
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

__all__ = ["ExpectedRateModel", "binomial_d2"]


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
