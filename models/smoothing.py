"""Empirical-Bayes smoothing of proportions (beta-binomial model) and the fit of its beta prior.

:func:`eb_shrinkage` / :func:`eb_smooth` pull each area's rate ``k / n`` toward the prior,
more so for small ``n`` (also importable from :mod:`models.stats`).

Each area's true rate ``p_i`` is drawn from a beta distribution with mean ``m`` and size
``M`` (``alpha = M m``, ``beta = M (1 - m)``, variance ``m (1 - m) / (M + 1)``), and its
count is ``k_i ~ Binomial(n_i, p_i)``. :func:`fit_beta_prior` estimates ``(m, M)`` from the
counts, either

* ``"ml"`` (default): maximum likelihood of the beta-binomial marginal likelihood, which
  uses every area's own denominator, so it stays unbiased when denominators are small and
  unequal (LSOA review take-up: about 3 children a quarter); or
* ``"moments"``: the method of moments with the finite-``n`` correction. Under the model
  ``E[s2] = t2 + (m (1 - m) - t2) / nbar`` for the denominator-weighted variance ``s2`` of
  the raw rates, so ``t2 = (s2 - m (1 - m) / nbar) / (1 - 1 / nbar)``. It replaces every
  ``n_i`` by their mean, which is what makes it less accurate than ML for unequal ``n_i``.

References
----------
.. [1] Kleinman JC (1973). Proportions with extraneous variance: single and independent
   samples. JASA 68:46-54 (the moment estimator).
.. [2] Griffiths DA (1973). Maximum likelihood estimation for the beta-binomial
   distribution. Biometrics 29:637-648.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, gammaln, polygamma

__all__ = ["BetaPrior", "fit_beta_prior", "EBResult", "eb_shrinkage", "eb_smooth"]

#: Prior sizes beyond this are "no detectable between-area variation" (complete pooling).
MAX_PRIOR_SIZE = 1e7


class BetaPrior(NamedTuple):
    """A fitted beta prior: mean ``m``, size ``M`` (``inf`` = no between-area variance)."""

    mean: float
    size: float
    method: str

    @property
    def var(self) -> float:
        """Between-area variance of the true rates, ``m (1 - m) / (M + 1)``."""
        return 0.0 if not np.isfinite(self.size) else self.mean * (1.0 - self.mean) / (self.size + 1.0)


def _moments(k: NDArray, n: NDArray) -> tuple[float, float]:
    """Corrected moment estimates ``(m, t2)``; ``t2`` clipped at 0."""
    m = float(k.sum() / n.sum())
    s2 = float(np.sum(n * (k / n - m) ** 2) / n.sum())
    nbar = float(n.mean())
    if nbar <= 1.0:  # every area has one child: the variance of true rates is not identifiable
        return m, 0.0
    return m, max((s2 - m * (1.0 - m) / nbar) / (1.0 - 1.0 / nbar), 0.0)


def _loglik(a: float, b: float, k: NDArray, n: NDArray, w: NDArray) -> float:
    """Beta-binomial log-likelihood (without the binomial coefficients); ``w`` counts repeated
    ``(k, n)`` pairs."""
    return float(
        np.sum(
            w * (gammaln(k + a) - gammaln(a) + gammaln(n - k + b) - gammaln(b) - gammaln(n + a + b) + gammaln(a + b))
        )
    )


def _ml(k: NDArray, n: NDArray, w: NDArray, a: float, b: float, max_iter: int = 200) -> tuple[float, float]:
    """Maximise the beta-binomial likelihood over ``(log a, log b)`` by Newton's method (with
    step halving, and a gradient step where the Hessian is not negative definite)."""
    f = _loglik(a, b, k, n, w)
    for _ in range(max_iter):
        s = a + b
        da = np.sum(w * (digamma(k + a) - digamma(a))) + np.sum(w * (digamma(s) - digamma(n + s)))
        db = np.sum(w * (digamma(n - k + b) - digamma(b))) + np.sum(w * (digamma(s) - digamma(n + s)))
        dab = np.sum(w * (polygamma(1, s) - polygamma(1, n + s)))
        daa = np.sum(w * (polygamma(1, k + a) - polygamma(1, a))) + dab
        dbb = np.sum(w * (polygamma(1, n - k + b) - polygamma(1, b))) + dab
        g = np.array([a * da, b * db])
        H = np.array([[a * a * daa + a * da, a * b * dab], [a * b * dab, b * b * dbb + b * db]])
        try:
            negdef = bool(np.all(np.linalg.eigvalsh(H) < 0))
        except np.linalg.LinAlgError:
            negdef = False
        step = -np.linalg.solve(H, g) if negdef else g / max(np.abs(g).max(), 1.0)
        t = 1.0
        while t > 1e-10:
            a_new, b_new = a * np.exp(t * step[0]), b * np.exp(t * step[1])
            f_new = _loglik(a_new, b_new, k, n, w)
            if np.isfinite(f_new) and f_new >= f - 1e-12 * abs(f):
                break
            t /= 2.0
        else:
            break
        moved = np.max(np.abs(t * step))
        a, b, f = a_new, b_new, f_new
        if moved < 1e-9 or a + b > MAX_PRIOR_SIZE:
            break
    return a, b


def fit_beta_prior(k, n, *, method: Literal["ml", "moments"] = "ml") -> BetaPrior:
    """Estimate the beta prior of true rates from counts ``k`` of ``n``.

    Parameters
    ----------
    k, n : array_like
        Numerators and denominators of the areas to fit (``0 <= k <= n``; areas with
        ``n == 0`` or a missing count carry no information and are ignored).
    method : {"ml", "moments"}, default "ml"
        Maximum likelihood, or the method of moments with the ``1 / nbar`` correction
        (see the module docstring).

    Returns
    -------
    BetaPrior
        ``(mean, size, method)``. ``size`` is ``inf`` when the counts show no variation
        beyond binomial sampling (then smoothing pools completely), and ``mean`` is then the
        pooled rate ``sum(k) / sum(n)``. NaN mean when no area has a denominator.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = rng.integers(1, 8, 20000)
    >>> k = rng.binomial(n, rng.beta(6.0, 4.0, n.size))      # true prior: mean 0.6, size 10
    >>> p = fit_beta_prior(k, n)
    >>> round(p.mean, 2), bool(8.5 < p.size < 11.5)
    (0.6, True)
    """
    if method not in ("ml", "moments"):
        raise ValueError(f"method must be 'ml' or 'moments', got {method!r}")
    k = np.asarray(k, dtype=float).ravel()
    n = np.asarray(n, dtype=float).ravel()
    used = np.isfinite(k) & np.isfinite(n) & (n > 0)
    k, n = k[used], n[used]
    if n.size == 0:
        return BetaPrior(float("nan"), float("nan"), method)
    m, t2 = _moments(k, n)
    if m <= 0.0 or m >= 1.0 or n.size < 2:
        return BetaPrior(m, float("inf"), method)
    if method == "moments":
        size = m * (1.0 - m) / t2 - 1.0 if t2 > 0 else float("inf")
        return BetaPrior(m, size if size < MAX_PRIOR_SIZE else float("inf"), method)
    # ML over the distinct (k, n) pairs (areas with the same counts contribute equally).
    pairs, counts = np.unique(np.column_stack([k, n]), axis=0, return_counts=True)
    start = float(np.clip(m * (1.0 - m) / t2 - 1.0, 0.5, 1e5)) if t2 > 0 else 1e3
    a, b = _ml(pairs[:, 0], pairs[:, 1], counts.astype(float), m * start, (1.0 - m) * start)
    if not (np.isfinite(a) and np.isfinite(b)) or a + b >= MAX_PRIOR_SIZE:
        return BetaPrior(m, float("inf"), method)
    return BetaPrior(float(a / (a + b)), float(a + b), method)


def _counts(k: ArrayLike, n: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Broadcast ``k`` and ``n`` to float arrays and check ``0 <= k <= n`` where known."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    k, n = np.broadcast_arrays(k, n)
    known = np.isfinite(k) & np.isfinite(n)
    if np.any(known & ((k < 0) | (n < 0) | (k > n))):
        raise ValueError("counts must satisfy 0 <= k <= n")
    return k, n


class EBResult(NamedTuple):
    """Result of :func:`eb_shrinkage`.

    Attributes
    ----------
    rate : ndarray
        Smoothed rates (posterior means).
    weight : ndarray
        Shrinkage weight on each area's own rate (0 = fully pooled, 1 = raw rate).
    prior_mean : float
        Mean of the prior (``"ml"``: the fitted beta mean; otherwise the pooled rate
        ``sum(k) / sum(n)``).
    prior_var : float
        Estimated between-area variance of true rates (>= 0).
    prior_size : float
        Binomial variance only: the beta prior's size ``M`` (pseudo-children; ``inf`` when
        there is no between-area variance). NaN for ``variance="poisson"``.
    method : str
        How the prior was fitted: ``"ml"``, ``"moments"`` or ``"poisson-moments"``.
    """

    rate: NDArray[np.float64]
    weight: NDArray[np.float64]
    prior_mean: float
    prior_var: float
    prior_size: float = float("nan")
    method: str = "ml"


def eb_shrinkage(
    k: ArrayLike,
    n: ArrayLike,
    *,
    variance: Literal["binomial", "poisson"] = "binomial",
    method: Literal["ml", "moments"] = "ml",
) -> EBResult:
    """Empirical-Bayes shrinkage of rates ``k / n`` toward a fitted prior.

    * ``variance="binomial"`` (default; for proportions): a beta-binomial model. The beta
      prior (mean ``m``, size ``M``) is fitted by :func:`models.smoothing.fit_beta_prior`,
      by maximum likelihood (``method="ml"``, default) or by the method of moments with the
      finite-``n`` correction ``t2 = (s2 - m (1 - m) / nbar) / (1 - 1 / nbar)``
      (``method="moments"``). Each area's posterior mean is ``(k + M m) / (n + M)``:
      weight ``n / (n + M)`` on the raw rate.
    * ``variance="poisson"``: Marshall's (1991) moment estimator for rare events, with
      ``t2 = max(s2 - m / nbar, 0)`` and weight ``t2 / (t2 + m / n)``; this is exactly
      ``esda.smoothing.Empirical_Bayes`` (``method`` is ignored).

    Areas with ``n == 0`` get the prior mean (weight 0): the posterior of an area without
    data is the prior. Callers that must not present that as a measurement (as
    :mod:`models.risk` does) mark those areas unknown. Missing counts give NaN.

    Parameters
    ----------
    k, n : array_like
        Numerators and denominators (``0 <= k <= n`` for the binomial variance).
    variance : {"binomial", "poisson"}, default "binomial"
    method : {"ml", "moments"}, default "ml"

    Returns
    -------
    EBResult
        ``(rate, weight, prior_mean, prior_var, prior_size, method)``.

    Examples
    --------
    >>> res = eb_shrinkage([1, 50, 300, 9], [2, 100, 1000, 10], method="moments")
    >>> round(res.prior_mean, 4), np.round(res.weight, 3).tolist()
    (0.3237, [0.05, 0.723, 0.963, 0.207])
    >>> res = eb_shrinkage([1, 50, 300, 9], [2, 100, 1000, 10])     # maximum likelihood
    >>> round(res.prior_size, 2), np.round(res.rate, 3).tolist()
    (5.83, [0.52, 0.502, 0.301, 0.763])
    """
    if variance not in ("binomial", "poisson"):
        raise ValueError(f"variance must be 'binomial' or 'poisson', got {variance!r}")
    if variance == "binomial":
        k, n = _counts(k, n)
    else:
        k = np.asarray(k, dtype=float)
        n = np.asarray(n, dtype=float)
        k, n = np.broadcast_arrays(k, n)
    known = np.isfinite(k) & np.isfinite(n)
    used = known & (n > 0)
    n_used, k_used = n[used], k[used]
    if n_used.size == 0:
        nan = np.full(k.shape, np.nan)
        return EBResult(nan, nan.copy(), float("nan"), float("nan"), float("nan"), method)

    n_safe = np.where(used, n, 1.0)
    if variance == "binomial":
        prior = fit_beta_prior(k_used, n_used, method=method)
        m, size, t2 = prior.mean, prior.size, prior.var
        weight = n_safe / (n_safe + size) if np.isfinite(size) else np.zeros(k.shape)
    else:
        m = float(k_used.sum() / n_used.sum())
        s2 = float(np.sum(n_used * (k_used / n_used - m) ** 2) / n_used.sum())
        t2 = max(s2 - m / float(n_used.mean()), 0.0)
        size, method = float("nan"), "poisson-moments"
        weight = t2 / (t2 + m / n_safe) if t2 > 0 and m > 0 else np.zeros(k.shape)
    weight = np.where(used, weight, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(used, k / n_safe, m)
    rate = weight * raw + (1.0 - weight) * m
    rate = np.where(known, rate, np.nan)
    weight = np.where(known, weight, np.nan)
    return EBResult(rate, weight, m, t2, size, method)


def eb_smooth(
    k: ArrayLike,
    n: ArrayLike,
    *,
    variance: Literal["binomial", "poisson"] = "binomial",
    method: Literal["ml", "moments"] = "ml",
) -> NDArray[np.float64]:
    """Empirical-Bayes smoothed rates (see :func:`eb_shrinkage` for the method).

    Parameters
    ----------
    k, n : array_like
        Numerators and denominators.
    variance : {"binomial", "poisson"}, default "binomial"
    method : {"ml", "moments"}, default "ml"

    Returns
    -------
    ndarray
        Smoothed rates: raw rates pulled toward the pooled rate, more so for small ``n``.

    Examples
    --------
    >>> np.round(eb_smooth([1, 50, 300], [2, 100, 1000]), 3).tolist()
    [0.4, 0.476, 0.303]
    """
    return eb_shrinkage(k, n, variance=variance, method=method).rate
