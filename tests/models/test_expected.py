"""Tests of models.expected: the binomial GLM of take-up and add_expected."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from models.expected import ExpectedRateModel, add_expected, binomial_d2, expected_features, spatial_blocks


def make_areas(seed: int = 0, n: int = 300, travel_effect: float = -0.06, idaci_effect: float = -2.0) -> pd.DataFrame:
    """Areas whose review take-up falls with travel time and deprivation (planted effects)."""
    rng = np.random.default_rng(seed)
    idaci = rng.uniform(0.02, 0.6, n)
    imd = 80 * idaci + rng.normal(0, 5, n)
    travel = rng.uniform(2, 40, n)
    eligible = rng.integers(5, 60, n)
    p = expit(2.0 + idaci_effect * idaci + travel_effect * travel)
    areas = pd.DataFrame(
        {
            "idaci_score": np.where(rng.random(n) < 0.1, np.nan, idaci),
            "income_score": 0.8 * idaci,
            "imd_score": imd,
            "travel_minutes_to_hub": travel,
            "review_eligible": eligible,
            "review_completed": rng.binomial(eligible, p),
            "under5_est": rng.uniform(40, 160, n),
        }
    )
    areas["hub_children"] = rng.binomial(np.round(areas["under5_est"]).astype(int), expit(-0.5 + travel_effect * travel))
    return areas


def _newton_binomial_glm(X: np.ndarray, k: np.ndarray, n: np.ndarray, iters: int = 50) -> np.ndarray:
    """Reference unpenalised binomial GLM by Newton-Raphson (intercept first)."""
    A = np.column_stack([np.ones(len(X)), X])
    beta = np.zeros(A.shape[1])
    for _ in range(iters):
        mu = expit(A @ beta)
        grad = A.T @ (k - n * mu)
        hess = (A * (n * mu * (1 - mu))[:, None]).T @ A
        beta = beta + np.linalg.solve(hess, grad)
    return beta


def test_matches_unpenalised_binomial_glm():
    areas = make_areas(seed=3)
    X = expected_features(areas).fillna(expected_features(areas).mean()).to_numpy()
    k = areas["review_completed"].to_numpy(float)
    n = areas["review_eligible"].to_numpy(float)
    model = ExpectedRateModel(C=1e8, max_iter=5000).fit(X, k / n, sample_weight=n)
    # standardised with the weights (issue 18): coefficients are per weighted SD
    mean = np.average(X, axis=0, weights=n)
    sd = np.sqrt(np.average((X - mean) ** 2, axis=0, weights=n))
    ref = _newton_binomial_glm((X - mean) / sd, k, n)
    assert model.intercept_ == pytest.approx(ref[0], abs=1e-3)
    assert np.allclose(model.coef_, ref[1:], atol=1e-3)


@pytest.mark.parametrize("C", [1e-3, 0.1, 1.0])
def test_same_optimum_as_logistic_regression_on_stacked_rows(C):
    from sklearn.linear_model import LogisticRegression

    areas = make_areas(seed=10, n=150)
    X = expected_features(areas).fillna(0.2).to_numpy()
    n = areas["review_eligible"].to_numpy(float)
    y = areas["review_completed"].to_numpy(float) / n
    model = ExpectedRateModel(C=C).fit(X, y, sample_weight=n)
    Xs = (X - model.mean_) / model.scale_
    lr = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(
        np.vstack([Xs, Xs]), np.r_[np.ones(len(y)), np.zeros(len(y))], sample_weight=np.r_[n * y, n * (1 - y)])
    assert model.intercept_ == pytest.approx(lr.intercept_[0], abs=1e-5)
    assert np.allclose(model.coef_, lr.coef_[0], atol=1e-5)


@pytest.mark.parametrize("effect, sign", [(-0.06, -1), (0.05, 1)])
def test_recovers_sign_of_planted_distance_effect(effect, sign):
    areas = make_areas(seed=1, travel_effect=effect)
    out, report = add_expected(areas, target="review")
    assert np.sign(report["coefficients"]["travel_minutes_to_hub"]) == sign
    assert report["features"] == ["idaci_or_income", "imd_score", "travel_minutes_to_hub"]
    assert report["cv_score"] > 0.1
    assert report["score_in_sample"] >= report["cv_score"] - 0.05


def test_reach_target_and_distance_effect():
    areas = make_areas(seed=2)
    out, report = add_expected(areas, target="reach")
    assert {"expected_reach_rate", "reach_obs_minus_exp"} <= set(out.columns)
    assert report["coefficients"]["travel_minutes_to_hub"] < 0
    assert out["expected_reach_rate"].between(0, 1).all()


def test_clone_and_get_params_round_trip():
    m = ExpectedRateModel(C=0.5, max_iter=200)
    c = clone(m)
    assert c is not m
    assert c.get_params() == m.get_params() == {"C": 0.5, "max_iter": 200}
    c.set_params(C=2.0)
    assert c.C == 2.0 and m.C == 0.5
    assert not hasattr(c, "coef_")


def test_predict_in_unit_interval_and_handles_nan():
    areas = make_areas(seed=4)
    X = expected_features(areas)
    n = areas["review_eligible"].to_numpy(float)
    y = areas["review_completed"].to_numpy(float) / n
    m = ExpectedRateModel().fit(X, y, sample_weight=n)
    extreme = pd.DataFrame({"idaci_or_income": [np.nan, 50.0, -50.0], "imd_score": [1e4, -1e4, np.nan],
                            "travel_minutes_to_hub": [1e5, -1e5, 0.0]})
    pred = np.concatenate([m.predict(X), m.predict(extreme)])
    assert np.all((pred >= 0) & (pred <= 1)) and np.isfinite(pred).all()
    assert list(m.feature_names_in_) == list(X.columns)
    with pytest.raises(ValueError):
        m.predict(X.iloc[:, :2])


def test_score_is_weighted_deviance_d2():
    y = np.array([0.2, 0.5, 0.9])
    w = np.array([10.0, 50.0, 40.0])
    ybar = np.sum(w * y) / w.sum()
    assert binomial_d2(y, np.full(3, ybar), w) == pytest.approx(0.0, abs=1e-12)
    assert binomial_d2(y, y, w) == pytest.approx(1.0)
    assert binomial_d2(y, [0.9, 0.5, 0.2], w) < 0
    # weights matter: a bad prediction on a heavy area costs more than on a light one
    assert binomial_d2(y, [0.2, 0.3, 0.9], w) < binomial_d2(y, [0.4, 0.5, 0.9], w)


def test_zero_eligible_areas_excluded_from_fit_but_predicted():
    areas = make_areas(seed=5)
    areas.loc[:9, ["review_eligible", "review_completed"]] = 0
    out, report = add_expected(areas, target="review", cv=5, random_state=0)
    assert report["n_areas"] == len(areas) - 10
    assert out.loc[:9, "expected_review_rate"].notna().all()
    assert out.loc[:9, "review_obs_minus_exp"].isna().all()
    rate = areas["review_completed"] / areas["review_eligible"]
    assert np.allclose(out.loc[10:, "review_obs_minus_exp"], rate[10:] - out.loc[10:, "expected_review_rate"])
    assert len(report["cv_scores"]) == report["cv_folds"] == 5
    assert "expected_review_rate" not in areas.columns  # input untouched


def test_deterministic_and_cv_depends_on_seed():
    areas = make_areas(seed=6)
    a_out, a_rep = add_expected(areas, random_state=0)
    b_out, b_rep = add_expected(areas, random_state=0)
    c_rep = add_expected(areas, random_state=1)[1]
    pd.testing.assert_frame_equal(a_out, b_out)
    assert a_rep == b_rep
    assert a_rep["cv_scores"] != c_rep["cv_scores"]


def test_without_travel_column_and_degenerate_targets():
    areas = make_areas(seed=7).drop(columns="travel_minutes_to_hub")
    _, report = add_expected(areas)
    assert "travel_minutes_to_hub" not in report["features"]
    everyone = areas.assign(review_completed=areas["review_eligible"])
    out, rep = add_expected(everyone)
    assert np.allclose(out["expected_review_rate"], 1.0, atol=1e-6)
    with pytest.raises(ValueError):
        ExpectedRateModel().fit([[0.0], [1.0]], [0.5, 1.5], sample_weight=[1, 1])


# ----------------------------------------------------------------------------- estimator contract (issue 18)

#: scikit-learn's common checks that fit regression targets outside [0, 1] (the model fits
#: proportions and rejects them with "y must be proportions in [0, 1]").
Y_RANGE = "fits y outside [0, 1]; the model takes proportions"
Y_RANGE_CHECKS = [
    "check_fit_score_takes_y", "check_estimators_overwrite_params", "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self", "check_readonly_memmap_input", "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit", "check_estimators_dtypes", "check_sample_weights_pandas_series",
    "check_sample_weights_not_an_array", "check_sample_weights_list", "check_sample_weights_shape",
    "check_sample_weights_not_overwritten", "check_sample_weight_equivalence_on_dense_data", "check_dtype_object",
    "check_f_contiguous_array_estimator", "check_regressors_train", "check_regressor_data_not_an_array",
    "check_regressors_no_decision_function", "check_supervised_y_2d", "check_regressors_int",
    "check_non_transformer_estimators_n_iter", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_fit2d_1feature", "check_dict_unchanged", "check_fit_idempotent",
    "check_fit_check_is_fitted", "check_n_features_in", "check_fit2d_predict1d",
]


class ProportionTargets(ExpectedRateModel):
    """The model with scikit-learn's test targets mapped into (0, 1) by ``expit``, element by
    element (so repeated rows and weights see the same targets): every other part of the
    estimator contract is then checked on targets the model accepts."""

    def fit(self, X, y, sample_weight=None):
        return super().fit(X, expit(np.asarray(y, dtype=float)), sample_weight)


def _expected_failed(estimator):
    if isinstance(estimator, ProportionTargets):
        return {
            "check_regressors_train": "score compares predictions with the untransformed targets",
            "check_supervised_y_no_nan": "expit maps an infinite target to 1 before the model sees it",
        }
    return dict.fromkeys(Y_RANGE_CHECKS, Y_RANGE)


@parametrize_with_checks([ExpectedRateModel(), ProportionTargets()], expected_failed_checks=_expected_failed)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_weighted_fit_equals_repeated_rows():
    areas = make_areas(seed=8, n=120)
    X = expected_features(areas).to_numpy()
    n = areas["review_eligible"].to_numpy()
    y = areas["review_completed"].to_numpy() / n
    reps = np.random.default_rng(0).integers(1, 4, len(y))
    weighted = ExpectedRateModel().fit(X, y, sample_weight=n * reps)
    repeated = ExpectedRateModel().fit(np.repeat(X, reps, axis=0), np.repeat(y, reps), sample_weight=np.repeat(n, reps))
    assert np.allclose(weighted.mean_, repeated.mean_) and np.allclose(weighted.scale_, repeated.scale_)
    assert np.allclose(weighted.predict(X), repeated.predict(X), atol=1e-6)


def test_spatial_blocks_partition_the_extent():
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 10_000, 500), rng.uniform(0, 6_000, 500)
    b = spatial_blocks(x, y, n_blocks=15)
    assert 5 <= len(np.unique(b)) <= 15 and sorted(np.unique(b)) == list(range(b.max() + 1))
    for label in np.unique(b):  # each block is a compact square cell, not scattered points
        assert np.ptp(x[b == label]) < 10_000 / 2 and np.ptp(y[b == label]) <= 6_000


def test_grouped_cross_validation_keeps_groups_whole_and_reports_spread():
    areas = make_areas(seed=9, n=300)
    groups = np.arange(len(areas)) // 10  # 30 "wards" of 10 areas
    _, rep = add_expected(areas, groups=("ward", groups), cv=5, random_state=0, cv_repeats=6)
    assert rep["cv_method"] == "GroupKFold by ward" and rep["cv_groups"] == 30
    assert rep["cv_folds"] == 5 and len(rep["cv_scores"]) == 5 and len(rep["cv_repeat_scores"]) == 6
    assert rep["cv_score"] == pytest.approx(np.mean(rep["cv_repeat_scores"]))
    assert rep["cv_score_min"] <= rep["cv_score"] <= rep["cv_score_max"] and rep["cv_score_sd"] >= 0
    # ungrouped: random KFold over areas
    _, plain = add_expected(areas, cv=5, random_state=0, cv_repeats=2)
    assert plain["cv_method"] == "KFold over areas" and len(plain["cv_repeat_scores"]) == 2


def test_grouped_folds_with_string_labels_match_sklearn():
    """cv_scores codes string group labels as integers: the same folds as GroupKFold on the labels
    (so the same scores). Why: GroupKFold's np.isin on string labels took 0.17 s a fold at England's
    33,755 LSOAs (33 s of the national build); its speed is measured in benchmarks/bench_build.py."""
    from sklearn.model_selection import GroupKFold

    from models.crossval import cv_scores

    areas = make_areas(seed=4, n=400)
    rng = np.random.default_rng(4)
    wards = np.array([f"E05{c:06d}" for c in rng.integers(0, 60, len(areas))], dtype=object)
    X = expected_features(areas)
    n = areas["review_eligible"].to_numpy(dtype=float)
    keep = n > 0
    X, n, wards = X[keep], n[keep], wards[keep]
    y = areas["review_completed"].to_numpy(dtype=float)[keep] / n
    model = ExpectedRateModel()
    for seed in (0, 7):
        ref = [clone(model).fit(X.to_numpy()[tr], y[tr], sample_weight=n[tr]).score(X.to_numpy()[te], y[te], sample_weight=n[te])
               for tr, te in GroupKFold(n_splits=5, shuffle=True, random_state=seed).split(X, groups=wards)]
        assert cv_scores(model, X, y, n, wards, 5, seed) == pytest.approx(ref, rel=1e-12)

