"""Tests of models.stats: Wilson intervals, funnel limits and flags, EB smoothing."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st

from models.stats import (
    FLAG_HIGH,
    FLAG_LOW,
    FLAG_NO_DATA,
    FLAG_WITHIN,
    eb_shrinkage,
    eb_smooth,
    funnel_flag,
    funnel_limits,
    wilson_interval,
    z_for_level,
)

# ----------------------------------------------------------------------------- Wilson


@pytest.mark.parametrize(
    "k, n, lo, hi",
    [
        # Newcombe (1998), Table II, method 3 (score interval without continuity correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        # the usual table values at the extremes
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_matches_published_values(k, n, lo, hi):
    got_lo, got_hi = wilson_interval(k, n)
    assert round(float(got_lo), 4) == lo
    assert round(float(got_hi), 4) == hi


def test_wilson_endpoints_solve_the_score_equation():
    # Independent definition: limits are the p with (phat - p)^2 = z^2 p (1 - p) / n.
    rng = np.random.default_rng(1)
    n = rng.integers(1, 500, 50)
    k = rng.binomial(n, 0.4)
    z = 1.959964
    lo, hi = wilson_interval(k, n, z)
    for ki, ni, l, h in zip(k, n, lo, hi):
        phat = ki / ni
        # (1 + z^2/n) p^2 - (2 phat + z^2/n) p + phat^2 = 0
        roots = np.sort(np.roots([1 + z * z / ni, -(2 * phat + z * z / ni), phat * phat]).real)
        assert l == pytest.approx(max(roots[0], 0.0), abs=1e-9)
        assert h == pytest.approx(min(roots[1], 1.0), abs=1e-9)


def test_wilson_is_vectorised_and_handles_empty_denominators():
    lo, hi = wilson_interval(np.array([[1, 2], [0, 0]]), np.array([[10, 10], [5, 0]]))
    assert lo.shape == hi.shape == (2, 2)
    assert np.isnan(lo[1, 1]) and np.isnan(hi[1, 1])
    assert np.all((lo[~np.isnan(lo)] >= 0) & (hi[~np.isnan(hi)] <= 1))
    assert np.all(lo[~np.isnan(lo)] <= hi[~np.isnan(hi)])


def test_wilson_wider_at_higher_level_and_rejects_bad_counts():
    lo95, hi95 = wilson_interval(30, 100, z_for_level(0.95))
    lo998, hi998 = wilson_interval(30, 100, z_for_level(0.998))
    assert lo998 < lo95 < 0.3 < hi95 < hi998
    with pytest.raises(ValueError):
        wilson_interval(11, 10)
    with pytest.raises(ValueError):
        wilson_interval(-1, 10)


def test_z_for_level_known_values():
    assert z_for_level(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_for_level(0.998) == pytest.approx(3.090232, abs=1e-6)


# ----------------------------------------------------------------------------- funnels


def test_wilson_funnel_limit_is_where_the_area_interval_touches_target():
    # OHID definition: the limit is the observed proportion whose Wilson CI just reaches p0.
    p0 = 0.35
    n = np.array([20.0, 50.0, 137.0, 1000.0])
    for level in (0.95, 0.998):
        lim = funnel_limits(p0, n, levels=(level,))
        label = "95" if level == 0.95 else "99_8"
        z = z_for_level(level)
        lo_k = lim[f"lower_{label}"].to_numpy() * n
        hi_k = lim[f"upper_{label}"].to_numpy() * n
        assert np.allclose(wilson_interval(lo_k, n, z)[1], p0, atol=1e-9)
        assert np.allclose(wilson_interval(hi_k, n, z)[0], p0, atol=1e-9)


def test_exact_funnel_limits_hand_computed_value():
    # n = 10, p0 = 0.5, upper 95% limit: P(R<=8) = 1013/1024, P(R<=7) = 968/1024,
    # a = (1013/1024 - 0.975) / (45/1024), limit = (8 - a) / 10.
    a = (1013 / 1024 - 0.975) / (45 / 1024)
    lim = funnel_limits(0.5, [10], levels=(0.95,), method="exact")
    assert lim["upper_95"].iloc[0] == pytest.approx((8 - a) / 10, abs=1e-12)
    # lower 2.5%: P(R<=1) = 11/1024 < 0.025 <= P(R<=2) = 56/1024, a = (56/1024 - 0.025) / (45/1024)
    a_lo = (56 / 1024 - 0.025) / (45 / 1024)
    assert lim["lower_95"].iloc[0] == pytest.approx((2 - a_lo) / 10, abs=1e-12)


@pytest.mark.parametrize("p0", [0.1, 0.45, 0.8])
def test_exact_funnel_limits_bracketed_by_binomial_quantiles(p0):
    n = np.arange(5, 400, 7).astype(float)
    lim = funnel_limits(p0, n, levels=(0.95, 0.998), method="exact")
    for level, label in ((0.95, "95"), (0.998, "99_8")):
        tail = (1 - level) / 2
        for side, prob in (("lower", tail), ("upper", 1 - tail)):
            r = st.binom.ppf(prob, n, p0)  # smallest r with P(R <= r) >= prob
            got = lim[f"{side}_{label}"].to_numpy() * n
            unclipped = got > 0
            assert np.all(got[unclipped] <= r[unclipped] + 1e-9)
            assert np.all(got[unclipped] > r[unclipped] - 1 - 1e-9)


@pytest.mark.parametrize("method", ["wilson", "exact"])
def test_funnel_limits_narrow_with_n_and_are_clipped(method):
    n = np.array([5, 10, 20, 50, 100, 200, 500, 1000, 5000], dtype=float)
    lim = funnel_limits(0.2, n, method=method)
    width95 = (lim["upper_95"] - lim["lower_95"]).to_numpy()
    width998 = (lim["upper_99_8"] - lim["lower_99_8"]).to_numpy()
    assert np.all(np.diff(width95) < 0)
    assert np.all(np.diff(width998) < 0)
    assert np.all(width998 >= width95)
    values = lim.drop(columns="n").to_numpy()
    assert np.all((values >= 0) & (values <= 1))
    assert lim["lower_99_8"].iloc[0] == 0.0  # clipped at small n


def test_wilson_funnel_limit_formula_values():
    lim = funnel_limits(0.3, [100], levels=(0.95,))
    half = 1.959964 * np.sqrt(0.3 * 0.7 / 100)
    assert lim["lower_95"].iloc[0] == pytest.approx(0.3 - half, abs=1e-6)
    assert lim["upper_95"].iloc[0] == pytest.approx(0.3 + half, abs=1e-6)
    assert np.isnan(funnel_limits(0.3, [0])["lower_95"].iloc[0])


# ----------------------------------------------------------------------------- flags


def test_funnel_flag_known_cases():
    flags = funnel_flag([5, 30, 60, 0, 0], [100, 100, 100, 0, 3], 0.3, level=0.998)
    assert flags.tolist() == [FLAG_LOW, FLAG_WITHIN, FLAG_HIGH, FLAG_NO_DATA, FLAG_WITHIN]
    # 40/100 vs 0.3 is outside 95% but inside 99.8%
    assert funnel_flag(40, 100, 0.3, level=0.95).tolist() == FLAG_HIGH
    assert funnel_flag(40, 100, 0.3, level=0.998).tolist() == FLAG_WITHIN


@pytest.mark.parametrize("method", ["wilson", "exact"])
@pytest.mark.parametrize("level", [0.95, 0.998])
def test_funnel_flag_agrees_with_funnel_limits(method, level):
    rng = np.random.default_rng(7)
    n = rng.integers(1, 300, 2000)
    k = rng.binomial(n, rng.uniform(0.1, 0.6, n.size))
    p0 = 0.33
    flags = funnel_flag(k, n, p0, level=level, method=method)
    lim = funnel_limits(p0, n, levels=(level,), method=method)
    label = "95" if level == 0.95 else "99_8"
    r = k / n
    lo, hi = lim[f"lower_{label}"].to_numpy(), lim[f"upper_{label}"].to_numpy()
    clear = (np.abs(r - lo) > 1e-9) & (np.abs(r - hi) > 1e-9)
    expected = np.where(r < lo, FLAG_LOW, np.where(r > hi, FLAG_HIGH, FLAG_WITHIN))
    assert (flags[clear] == expected[clear]).all()
    assert {FLAG_LOW, FLAG_HIGH} <= set(flags)


def test_funnel_flag_999_is_stricter_than_95():
    rng = np.random.default_rng(3)
    n = rng.integers(10, 200, 500)
    k = rng.binomial(n, 0.5)
    f95 = funnel_flag(k, n, 0.45, level=0.95)
    f998 = funnel_flag(k, n, 0.45, level=0.998)
    assert np.all((f998 == FLAG_WITHIN) | (f998 == f95))
    assert (f95 != FLAG_WITHIN).sum() > (f998 != FLAG_WITHIN).sum()


# ----------------------------------------------------------------------------- EB smoothing


def test_eb_shrinks_small_areas_more_than_large():
    # Same raw rate 0.8 at very different sizes, plus background areas around 0.5.
    rng = np.random.default_rng(0)
    n_bg = rng.integers(20, 200, 100)
    k_bg = rng.binomial(n_bg, rng.uniform(0.35, 0.65, 100))
    n = np.concatenate([[5, 50, 500], n_bg])
    k = np.concatenate([[4, 40, 400], k_bg])
    res = eb_shrinkage(k, n)
    pooled = k.sum() / n.sum()
    # the ML prior mean is the beta mean (areas weighted by information), near the pooled rate
    assert res.prior_mean == pytest.approx(pooled, abs=0.02)
    prior = res.prior_mean
    dist = np.abs(res.rate[:3] - prior)
    assert dist[0] < dist[1] < dist[2] < 0.8 - prior
    assert res.weight[0] < res.weight[1] < res.weight[2] < 1
    # every smoothed rate lies between its raw rate and the prior mean
    raw = k / n
    assert np.all(np.minimum(raw, prior) - 1e-12 <= res.rate)
    assert np.all(res.rate <= np.maximum(raw, prior) + 1e-12)
    assert eb_shrinkage(k, n, method="moments").prior_mean == pytest.approx(pooled)
    assert np.allclose(eb_smooth(k, n), res.rate)


def test_eb_is_beta_binomial_posterior_mean():
    rng = np.random.default_rng(5)
    n = rng.integers(10, 100, 300)
    k = rng.binomial(n, rng.beta(6, 4, 300))
    for method in ("ml", "moments"):
        res = eb_shrinkage(k, n, method=method)
        m, t2 = res.prior_mean, res.prior_var
        prior_size = m * (1 - m) / t2 - 1
        assert prior_size == pytest.approx(res.prior_size)
        assert np.allclose(res.rate, (k + prior_size * m) / (n + prior_size))


def test_eb_recovers_between_area_variance():
    # True rates ~ Beta(6, 4): mean 0.6, variance 6*4 / (10^2 * 11) = 0.0218.
    rng = np.random.default_rng(11)
    n = rng.integers(30, 150, 4000)
    k = rng.binomial(n, rng.beta(6, 4, 4000))
    for method in ("ml", "moments"):
        res = eb_shrinkage(k, n, method=method)
        assert res.prior_mean == pytest.approx(0.6, abs=0.01)
        assert res.prior_var == pytest.approx(24 / 1100, rel=0.1)


def _independent_beta_binomial_fit(k, n):
    """ML fit of (alpha, beta) with scipy.stats.betabinom and Nelder-Mead (no shared code)."""
    from scipy import optimize
    from scipy import stats as st

    def nll(t):
        return -st.betabinom.logpmf(k, n, np.exp(t[0]), np.exp(t[1])).sum()

    res = optimize.minimize(nll, [0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-9, "maxiter": 5000})
    a, b = np.exp(res.x)
    return a / (a + b), a + b


@pytest.mark.parametrize("seed, alpha, beta", [(0, 6.0, 4.0), (1, 2.0, 8.0), (2, 9.0, 3.0)])
def test_eb_ml_prior_equals_an_independent_beta_binomial_fit_and_the_truth(seed, alpha, beta):
    # small, unequal denominators like LSOA review take-up (about 3 children a quarter)
    rng = np.random.default_rng(seed)
    n = rng.integers(0, 8, 6000)
    k = rng.binomial(n, rng.beta(alpha, beta, n.size))
    res = eb_shrinkage(k, n)
    used = n > 0
    mean, size = _independent_beta_binomial_fit(k[used], n[used])
    assert res.method == "ml"
    assert res.prior_mean == pytest.approx(mean, abs=1e-4)
    assert res.prior_size == pytest.approx(size, rel=1e-3)
    # and both recover the true prior (mean alpha / (alpha + beta), size alpha + beta)
    assert res.prior_mean == pytest.approx(alpha / (alpha + beta), abs=0.02)
    assert res.prior_size == pytest.approx(alpha + beta, rel=0.3)
    assert np.allclose(res.rate[used], (k[used] + size * mean) / (n[used] + size), atol=1e-3)


def test_eb_moment_estimator_has_the_finite_n_correction():
    # Under the beta-binomial model E[s2] = t2 + (m (1 - m) - t2) / nbar; without the
    # 1 / nbar correction the prior size is biased upwards (over-shrinking) for small n.
    rng = np.random.default_rng(3)
    sizes = []
    for _ in range(40):
        n = rng.integers(1, 7, 3000)
        k = rng.binomial(n, rng.beta(4.0, 6.0, n.size))
        res = eb_shrinkage(k, n, method="moments")
        m = k.sum() / n.sum()
        s2 = np.sum(n * (k / n - m) ** 2) / n.sum()
        nbar = n.mean()
        t2 = (s2 - m * (1 - m) / nbar) / (1 - 1 / nbar)
        assert res.prior_var == pytest.approx(t2)
        sizes.append(res.prior_size)
    assert np.median(sizes) == pytest.approx(10.0, rel=0.1)  # the true size


def test_eb_homogeneous_rates_pool_completely_and_empty_areas_get_pooled_rate():
    n = np.array([10, 20, 40, 80, 0])
    k = np.array([5, 10, 20, 40, 0])
    res = eb_shrinkage(k, n)
    assert res.prior_var == 0.0
    assert np.allclose(res.rate, 0.5)
    assert res.weight[-1] == 0.0
    out = eb_smooth([np.nan, 3], [10, 10])
    assert np.isnan(out[0]) and out[1] == pytest.approx(0.3)


def test_eb_poisson_variant_matches_esda_empirical_bayes():
    esda_smoothing = pytest.importorskip("esda.smoothing")
    rng = np.random.default_rng(2)
    b = rng.integers(1000, 50000, 80).astype(float)
    e = rng.poisson(b * rng.gamma(20, 0.0005 / 20, 80)).astype(float)
    ours = eb_smooth(e, b, variance="poisson")
    theirs = esda_smoothing.Empirical_Bayes(e, b).r.ravel()
    assert np.allclose(ours, theirs, rtol=1e-10)
