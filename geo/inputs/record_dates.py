"""Dates in record-level extracts: strict reading, ages in whole months, quarters.

A date is read in one of the forms councils' systems export, and nothing else:

- ISO ``2022-03-15`` (an Excel date cell, read as ``2022-03-15 00:00:00``, is the same);
- UK day-first ``15/03/2022``, ``15-03-2022``, ``15.03.2022`` (one- or two-digit day and month);
- ``15 Mar 2022`` or ``15 March 2022``.

A two-digit year, a month-first date (``03/15/2022``) or a day that does not exist
(``31/04/2022``, ``29/02/2023``) is unreadable: the caller names the row and column, never
the value (dates of birth are personal data).

Examples
--------
>>> parse_dates(pd.Series(["2022-03-15", "15/03/2022", "5 mar 2022", "29/02/2023", None])).astype(str).tolist()
['2022-03-15', '2022-03-15', '2022-03-05', nan, nan]
>>> str(add_months(np.array(["2021-08-31", "2020-02-29"], dtype="datetime64[D]"), 30)[0])
'2024-02-29'
>>> quarter_labels(np.array(["2026-01-15", "2025-04-01"], dtype="datetime64[D]"), quarters="financial").tolist()
['2025-Q4', '2025-Q1']
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from geo.inputs.counts import per_unique

__all__ = ["parse_dates", "add_months", "quarter_labels", "quarter_end", "DATE_FORMS"]

#: How the accepted forms are named in messages.
DATE_FORMS = "YYYY-MM-DD, DD/MM/YYYY or 15 Mar 2022"

_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
_MONTHS = {**{n: i + 1 for i, n in enumerate(_NAMES)}, **{n[:3]: i + 1 for i, n in enumerate(_NAMES)}, "sept": 9}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")
_UK = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_WORDS = re.compile(r"(\d{1,2}) ([a-z]{3,9})\.? (\d{4})")


def _one(text) -> np.datetime64:
    """One value as a date, or ``NaT`` if it is not a date in an accepted form."""
    if not isinstance(text, str):
        return np.datetime64("NaT")
    s = re.sub(r"\s+", " ", text.strip().lower())
    if m := _ISO.fullmatch(s):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _UK.fullmatch(s):
        d, mo, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
    elif (m := _WORDS.fullmatch(s)) and m.group(2) in _MONTHS:
        d, mo, y = int(m.group(1)), _MONTHS[m.group(2)], int(m.group(3))
    else:
        return np.datetime64("NaT")
    try:
        return np.datetime64(dt.date(y, mo, d), "D")
    except ValueError:
        return np.datetime64("NaT")


def parse_dates(values: pd.Series) -> pd.Series:
    """Read text dates strictly (see the module docstring); ``NaT`` where missing or unreadable.

    The caller tells "missing" (``values.isna()``) from "unreadable" (present but ``NaT``).
    Each distinct value is read once.
    """
    def read(vals: pd.Series) -> pd.Series:
        return pd.Series([_one(v) for v in vals], index=vals.index, dtype="datetime64[s]")

    return per_unique(values.astype(object), read).astype("datetime64[s]")


def _ymd(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(dates, dtype="datetime64[D]")
    months = d.astype("datetime64[M]")
    years = months.astype("datetime64[Y]").astype(int) + 1970
    month = months.astype(int) % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype(int) + 1
    return years, month, day


def add_months(dates: np.ndarray, n: int) -> np.ndarray:
    """The same day of the month ``n`` months later; the month's last day if it has no such day.

    So 30 months after 31 August 2021 is 29 February 2024 (28 February in other years), and 30
    months after 29 February 2020 is 29 August 2022. ``NaT`` stays ``NaT``.
    """
    d = np.asarray(dates, dtype="datetime64[D]")
    nat = np.isnat(d)
    safe = np.where(nat, np.datetime64("2000-01-01"), d)
    months = safe.astype("datetime64[M]")
    day = (safe - months.astype("datetime64[D]")).astype(int)
    target = months + np.timedelta64(n, "M")
    last = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(int) - 1
    out = target.astype("datetime64[D]") + np.minimum(day, last).astype("timedelta64[D]")
    return np.where(nat, np.datetime64("NaT"), out).astype("datetime64[D]")


def quarter_labels(dates: np.ndarray, *, quarters: str) -> pd.Series:
    """Canonical ``YYYY-Qn`` labels (:mod:`geo.inputs.periods`) of the quarters containing ``dates``."""
    months, where = np.unique(np.asarray(dates, dtype="datetime64[D]").astype("datetime64[M]"), return_inverse=True)
    years, month, _ = _ymd(months)
    if quarters == "financial":
        year, q = np.where(month >= 4, years, years - 1), (month - 4) % 12 // 3 + 1
    else:
        year, q = years, (month - 1) // 3 + 1
    labels = np.array([f"{y}-Q{k}" for y, k in zip(year, q)], dtype=object)
    return pd.Series(labels[where.reshape(-1)] if len(labels) else [], dtype=object)


def quarter_end(date: np.datetime64) -> np.datetime64:
    """The last day of the quarter (either convention: quarters start in Jan, Apr, Jul, Oct) containing ``date``."""
    m = np.datetime64(date, "M")
    month = m.astype(int) % 12
    end = m + np.timedelta64(3 - month % 3, "M")
    return end.astype("datetime64[D]") - np.timedelta64(1, "D")
