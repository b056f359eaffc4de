"""How values are shown to people: one home for the formatters of the app, the pack and the maps.

Suppression labels (``"<5"``, ``"c"``) are text and pass through unchanged; a missing value is
``"–"`` (or what the caller asks for). Small counts are labelled by the disclosure rule
(:func:`geo.disclosure.format_count`), not here.

Examples
--------
>>> fmt_value(1234.4, "count"), percent(0.456), percent("c"), rate_text(0.5, 0.41, 0.59)
('1,234', '46%', 'c', '50% (95% CI 41%–59%)')
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["MISSING", "QUADRANT_SHORT", "fmt_value", "percent", "rate_text", "rank_range_text"]

#: what a missing value is shown as
MISSING = "–"

#: short names of the need-engagement quadrants (table cells)
QUADRANT_SHORT = {
    "high need, low engagement": "High need, low eng.",
    "high need, high engagement": "High need, high eng.",
    "low need, low engagement": "Low need, low eng.",
    "low need, high engagement": "Low need, high eng.",
}


def _number(value) -> float | None:
    """``value`` as a float, or None when it is missing (None, NA, NaN)."""
    if value is None or value is pd.NA:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def fmt_value(value, kind: str) -> str:
    """Format one cell: suppression labels pass through; missing values are ``"–"``.

    Kinds: ``count`` (whole number with separators), ``pct`` (percentage), ``score``
    (0 decimals), ``minutes``, ``int``, ``quadrant`` (short name), ``text``.

    Examples
    --------
    >>> [fmt_value(v, "count") for v in (1234, "<5", "c", float("nan"))]
    ['1,234', '<5', 'c', '–']
    >>> fmt_value(0.4567, "pct"), fmt_value("high need, low engagement", "quadrant")
    ('46%', 'High need, low eng.')
    >>> fmt_value(None, "int"), fmt_value(3.6, "int"), fmt_value(" ", "text")
    ('–', '4', '–')
    """
    if isinstance(value, str):
        if kind == "quadrant":
            return QUADRANT_SHORT.get(value, value) or MISSING
        return value.strip() or MISSING
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return MISSING
    if kind == "pct":
        return f"{v:.0%}"
    if kind in ("count", "score", "minutes"):
        return f"{v:,.0f}"
    if kind == "int":
        return f"{int(round(v))}"
    return str(value)


def percent(value, *, missing: str = MISSING) -> str:
    """A share as a whole percentage; text (a suppression label) passes through.

    Examples
    --------
    >>> percent(0.125), percent(None), percent(float("nan"), missing=""), percent("<5")
    ('12%', '–', '', '<5')
    """
    if isinstance(value, str):
        return value.strip() or missing
    v = _number(value)
    return missing if v is None else f"{v:.0%}"


def rate_text(rate, lo=None, hi=None, *, missing: str = "no data") -> str:
    """A rate as a percentage with its 95% interval when both ends are known.

    Examples
    --------
    >>> rate_text(0.5), rate_text(0.5, 0.41, None), rate_text(None)
    ('50%', '50%', 'no data')
    """
    v = _number(rate)
    if v is None:
        return missing
    low, high = _number(lo), _number(hi)
    text = f"{v:.0%}"
    if low is not None and high is not None:
        text += f" (95% CI {low:.0%}–{high:.0%})"
    return text


def rank_range_text(lo, hi) -> str:
    """A published rank interval as text: ``"c"`` if withheld, ``"–"`` if unranked.

    Examples
    --------
    >>> rank_range_text(1.0, 30.0), rank_range_text("c", "c"), rank_range_text(float("nan"), float("nan"))
    ('1–30', 'c', '–')
    """
    if isinstance(lo, str) or isinstance(hi, str):
        return "c" if "c" in (lo, hi) else f"{lo}–{hi}"
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return MISSING
    return f"{float(lo):,.0f}–{float(hi):,.0f}"
