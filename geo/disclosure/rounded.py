"""Rounding presets: shown counts rounded, and every rate published from the *rounded* counts.

Under a rule with ``rounding > 1`` (e.g. ``nhs-england``: nearest 5) a rate computed from the
exact counts would undo the rounding: ``review_rate`` x the rounded ``review_eligible`` gives
back the exact ``review_completed``. So after rounding, :func:`round_counts` recomputes every
published rate and estimate that is a function of a shown count from the shown (rounded)
counts, with the same formulas (README): ``review_rate``/``reviewed_pct`` = completed / eligible,
Wilson 95% limits, the smoothed rates with the published priors, ``reach_rate`` = hub children
/ under-5 estimate, ``reached_pct``, ``children_not_reached`` and ``need_weighted_not_reached``.
:func:`rates_match_shown_counts` is the gate's own check of that (run by
:func:`geo.disclosure.gate.export_tables`). Withheld cells stay withheld.

Examples
--------
>>> t = round_counts(tables, DisclosureRule.preset("nhs-england"), kind="ward")   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from geo.disclosure.rule import DisclosureRule, round_count
from geo.disclosure.tables import COUNT_COLUMNS
from geo.disclosure.totals import SuppressedTable
from models.stats import wilson_interval

__all__ = ["ROUNDED_ESTIMATES", "round_to", "round_estimates", "round_counts", "rates_from_counts", "rates_match_shown_counts"]

#: estimate columns rounded to the nearest 10 in exports, and the name they are exported under
ROUNDED_ESTIMATES = {
    "children_not_reached_high_need": "children_not_reached_high_need_nearest_10",
    "covered_children": "covered_children_nearest_10",
    "priority_children": "priority_children_nearest_10",
}


def round_to(values: pd.Series, step: int = 10) -> pd.Series:
    """Round to the nearest ``step`` (halves away from zero), keeping missing values.

    Examples
    --------
    >>> round_to(pd.Series([4.9, 5.0, 14.2, 1234.5, None])).tolist()
    [0.0, 10.0, 10.0, 1230.0, nan]
    """
    v = pd.to_numeric(values, errors="coerce").astype(float)
    return np.sign(v) * np.floor(np.abs(v) / step + 0.5) * step


def round_estimates(t: SuppressedTable) -> SuppressedTable:
    """The :data:`ROUNDED_ESTIMATES` columns rounded to the nearest 10 and renamed (``..._nearest_10``)."""
    changes = {}
    for frame_name in ("display", "numeric"):
        f = getattr(t, frame_name).copy()
        for col, new in ROUNDED_ESTIMATES.items():
            if col in f.columns:
                f[col] = round_to(f[col])
                f = f.rename(columns={col: new})
        changes[frame_name] = f
    for frame_name in ("mask", "reason"):
        changes[frame_name] = getattr(t, frame_name).rename(columns=ROUNDED_ESTIMATES)
    return replace(t, **changes)


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(float)


def rates_from_counts(frame: pd.DataFrame, *, model=None) -> dict[str, np.ndarray]:
    """Rates and estimates of each row from its count columns (NaN where a count is withheld).

    Parameters
    ----------
    frame : DataFrame
        A published table's numeric frame (withheld counts NaN).
    model : geo.disclosure.derived.EngagementModel, optional
        Its published priors give the smoothed rates; without it they are not recomputed.

    Examples
    --------
    >>> f = pd.DataFrame({"review_eligible": [20.0, np.nan], "review_completed": [15.0, 5.0],
    ...                   "hub_children": [10.0, 0.0], "under5_est": [40.0, 50.0]})
    >>> r = rates_from_counts(f)
    >>> r["review_rate"].tolist(), r["reach_rate"].tolist(), r["children_not_reached"].tolist()
    ([0.75, nan], [0.25, 0.0], [30.0, 50.0])
    """
    k, n = _num(frame, "review_completed"), _num(frame, "review_eligible")
    ok = np.isfinite(k) & np.isfinite(n) & (n > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(ok, k / np.where(ok, n, 1.0), np.nan)
    lo, hi = wilson_interval(np.where(ok, k, 0.0), np.where(ok, n, 1.0))
    out = {"review_rate": rate, "reviewed_pct": rate, "review_rate_lo": np.where(ok, lo, np.nan),
           "review_rate_hi": np.where(ok, hi, np.nan),
           "review_obs_minus_exp": rate - _num(frame, "expected_review_rate")}
    u5 = _num(frame, "under5_est") if "under5_est" in frame.columns else _num(frame, "under5")
    h = _num(frame, "hub_children") if "hub_children" in frame.columns else _num(frame, "children_reached")
    has_u5 = np.isfinite(u5) & (u5 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["reach_rate"] = np.where(has_u5, h / np.where(has_u5, u5, 1.0), np.nan)
        out["reached_pct"] = np.where(has_u5, np.minimum(h, u5) / np.where(has_u5, u5, 1.0), np.nan)
    out["children_not_reached"] = np.round(np.maximum(u5 - h, 0.0), 0)
    out["need_weighted_not_reached"] = out["children_not_reached"] * _num(frame, "need_score") / 100.0
    if model is not None:
        out["review_rate_smoothed"] = model.review.smoothed(np.where(ok, k, 0.0), np.where(ok, n, 0.0))
        n_reach = np.floor(np.nan_to_num(u5).clip(min=0) + 0.5)
        out["reach_rate_smoothed"] = model.reach.smoothed(np.minimum(np.nan_to_num(h), n_reach), n_reach)
    return {c: (np.round(v, 4) if c != "children_not_reached" else v) for c, v in out.items()}


def round_counts(t: SuppressedTable, rule: DisclosureRule, *, model=None) -> SuppressedTable:
    """Shown counts rounded to the rule's ``rounding`` (suppress first, then round), rates from them.

    Unchanged when the rule is exact (``rounding`` 1). A rate or estimate cell that is
    withheld stays withheld; a derived cell whose count is shown is recomputed from the
    rounded count (:func:`rates_from_counts`), so no published rate undoes the rounding.
    """
    if rule.rounding <= 1:
        return t
    display, numeric = t.display.copy(), t.numeric.copy()
    for c in (c for cols in COUNT_COLUMNS.values() for c in cols):
        if c in display.columns:
            display[c] = display[c].map(lambda v: round_count(v, rule.rounding)).astype(object)
            numeric[c] = pd.to_numeric(numeric[c], errors="coerce").map(lambda v: round_count(v, rule.rounding)).astype(float)
    for col, values in rates_from_counts(numeric, model=model).items():
        if col not in display.columns or col in ("review_obs_minus_exp",) and "expected_review_rate" not in display.columns:
            continue
        shown = ~t.mask[col].to_numpy(bool) if col in t.mask.columns else np.ones(len(display), bool)
        if display[col].dtype != object:
            display[col] = display[col].astype(object)
        numeric[col] = pd.to_numeric(numeric[col], errors="coerce").astype(float)
        display.loc[shown, col] = values[shown]
        numeric.loc[shown, col] = values[shown]
    return replace(t, display=display, numeric=numeric)


def rates_match_shown_counts(t: SuppressedTable, key: str, *, model=None) -> list[tuple[str, str]]:
    """The gate's check: (row, column) of every shown rate that differs from the one its shown counts give.

    Under a rounding rule this must be empty, else a published rate would undo the rounding.
    """
    expected = rates_from_counts(t.numeric, model=model)
    bad = []
    for col in ("review_rate", "reviewed_pct", "reach_rate", "reached_pct", "review_rate_lo", "review_rate_hi",
                "review_rate_smoothed", "reach_rate_smoothed"):
        if col not in t.numeric.columns or (col.endswith("_smoothed") and model is None):
            continue
        got = pd.to_numeric(t.numeric[col], errors="coerce").to_numpy(float)
        differs = np.isfinite(got) & ~np.isclose(got, expected[col], atol=1e-4, equal_nan=False)
        bad += [(str(t.display[key].iat[i]), col) for i in np.flatnonzero(differs)]
    return bad
