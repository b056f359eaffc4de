"""Expected take-up given need and distance: a binomial GLM on area counts.

:class:`ExpectedRateModel` (:mod:`models.binomial`) is a logistic regression of an area's
observed rate ``k / n`` on its features, weighted by its denominator ``n``;
:func:`add_expected` fits it to a study area and reports observed minus expected.

Example of use: "Given its deprivation and travel time to a hub, this LSOA would be
expected to have 62% review take-up; it has 41%."
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from threadpoolctl import threadpool_limits

from models.binomial import ExpectedRateModel, binomial_d2
from models.crossval import cv_scores, spatial_blocks

__all__ = ["ExpectedRateModel", "binomial_d2", "expected_features", "target_counts", "add_expected", "spatial_blocks"]


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
