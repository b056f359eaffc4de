"""Fitting the beta prior of empirical-Bayes smoothing (beta-binomial model).

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
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, logit

__all__ = ["BetaPrior", "fit_beta_prior"]

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


def _negloglik(theta: NDArray, k: NDArray, n: NDArray, w: NDArray) -> tuple[float, NDArray]:
    """Beta-binomial negative log-likelihood (without the binomial coefficients) and gradient
    in ``theta = (logit m, log M)``; ``w`` counts repeated ``(k, n)`` pairs."""
    m, size = expit(theta[0]), np.exp(theta[1])
    a, b = m * size, (1.0 - m) * size
    ll = w * (gammaln(k + a) - gammaln(a) + gammaln(n - k + b) - gammaln(b) - gammaln(n + size) + gammaln(size))
    da = w * (digamma(k + a) - digamma(a))
    db = w * (digamma(n - k + b) - digamma(b))
    ds = w * (digamma(size) - digamma(n + size))
    d_m = size * (da.sum() - db.sum())  # d/dm of a = size, of b = -size
    d_size = m * da.sum() + (1.0 - m) * db.sum() + ds.sum()
    grad = np.array([d_m * m * (1.0 - m), d_size * size])
    return -float(ll.sum()), -grad


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
    start_size = m * (1.0 - m) / t2 - 1.0 if t2 > 0 else 1e3
    theta0 = np.array([logit(m), np.log(np.clip(start_size, 0.1, 1e6))])
    res = minimize(_negloglik, theta0, args=(pairs[:, 0], pairs[:, 1], counts.astype(float)), jac=True,
                   method="L-BFGS-B", bounds=[(-30.0, 30.0), (np.log(1e-3), np.log(MAX_PRIOR_SIZE))])
    mean, size = float(expit(res.x[0])), float(np.exp(res.x[1]))
    if size >= MAX_PRIOR_SIZE * 0.999:
        return BetaPrior(m, float("inf"), method)
    return BetaPrior(mean, size, method)
