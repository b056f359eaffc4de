"""Counts and row accounting shared by every extract: strict whole numbers, required text,
duplicate keys, and the :class:`FileReport` that balances rows in against rows used and excluded."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputProblem
from geo.inputs.read import file_rows, shown

__all__ = ["FileReport", "per_unique", "parse_count", "MAX_COUNT"]


def per_unique(s: pd.Series, fn) -> pd.Series:
    """``fn(s)`` for an ``fn`` that treats each value on its own, computed on the distinct values.

    Extracts repeat each area code and count many times (every period, every hub), so the
    string work is done once per distinct value and the results are taken back to the rows.
    """
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    if 2 * len(uniq) >= len(s):
        return fn(s)
    # the distinct values and, last, the missing value (take with -1 fills it in)
    values = pd.Series(pd.api.extensions.take(uniq, np.r_[np.arange(len(uniq)), -1], allow_fill=True), name=s.name)
    res = fn(values)
    out = res.iloc[np.where(codes < 0, len(uniq), codes)]
    out.index = s.index
    return out


@dataclass
class FileReport:
    """Row accounting for one input file: ``rows_in == rows_used + sum(excluded)``."""

    kind: str
    file: str
    rows_in: int = 0
    rows_used: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def exclude(self, reason: str, n: int) -> None:
        if n:
            self.excluded[reason] = self.excluded.get(reason, 0) + int(n)

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows_used + sum(self.excluded.values())

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "file": self.file, "rows_in": self.rows_in, "rows_used": self.rows_used,
            "rows_excluded": sum(self.excluded.values()), "excluded_by_reason": dict(sorted(self.excluded.items())),
            "balanced": self.balanced, "notes": self.notes,
        }



#: Default cap on one count in one row ([extracts] max_count): no LSOA, ward or hub has more.
MAX_COUNT = 10_000

_PLAIN = re.compile(r"\+?(\d+)(?:\.0*)?")
_GROUPED = re.compile(r"\+?(\d{1,3}(?:,\d{3})+)(?:\.0*)?")


def parse_count(text: str) -> tuple[int | None, str | None]:
    """Read one count: ``(value, None)`` or ``(None, what is wrong)``.

    Only finite whole numbers written in digits are counts; a thousands separator must
    separate groups of three digits.

    Examples
    --------
    >>> parse_count("1,234"), parse_count("12.0"), parse_count("1,2")[1]
    ((1234, None), (12, None), 'bad digit grouping')
    >>> [parse_count(v)[1] for v in ("inf", "1e30", "-3", "2.5", "seven")]
    ['not finite digits', 'not finite digits', 'negative', 'fraction', 'not a number']
    """
    v = text.strip()
    m = _PLAIN.fullmatch(v) or _GROUPED.fullmatch(v)
    if m:
        return int(m.group(1).replace(",", "")), None
    if re.fullmatch(r"-\s*[\d,]+(\.\d*)?", v):
        return None, "negative"
    if "," in v and re.fullmatch(r"[\d,]+(\.\d*)?", v):
        return None, "bad digit grouping"
    if re.fullmatch(r"[\d,]*\.\d+", v):
        return None, "fraction"
    try:
        float(v)
    except ValueError:
        return None, "not a number"
    return None, "not finite digits"


_WHY = {
    "not a number": "is not a number",
    "not finite digits": "is not a finite whole number written in digits",
    "bad digit grouping": "has a thousands separator in the wrong place (write 1234 or 1,234)",
    "fraction": "must be a whole number of children",
    "negative": "must not be negative",
}


def _counts(frame: pd.DataFrame, col: str, path: Path, problems: list, *, cap: int = MAX_COUNT) -> pd.Series:
    """Parse a count column: finite whole numbers from 0 to ``cap``, naming every bad row and value."""
    s = frame[col]
    missing = s.isna()
    if missing.any():
        problems.append(InputProblem(path, "value is missing", column=col, rows=file_rows(frame, missing)))

    def parse(values: pd.Series) -> pd.DataFrame:
        parsed = [parse_count(v) if isinstance(v, str) else (None, None) for v in values]
        return pd.DataFrame({"value": [np.nan if p[0] is None else float(min(p[0], 10 * cap + 1)) for p in parsed],
                             "why": [p[1] for p in parsed]}, index=values.index)

    parsed = per_unique_frame(s, parse)
    for why, message in _WHY.items():
        bad = (parsed["why"] == why).to_numpy()
        if bad.any():
            examples = ", ".join(shown(v) for v in s[bad].unique()[:3])
            problems.append(InputProblem(path, f"{message} ({examples})", column=col, rows=file_rows(frame, bad)))
    num = parsed["value"]
    big = num > cap
    if big.any():
        examples = ", ".join(shown(v) for v in s[big].unique()[:3])
        problems.append(InputProblem(path, f"is implausibly large ({examples}): no row may count more than {cap:,} "
                                     "([extracts] max_count)", column=col, rows=file_rows(frame, big)))
    return num.where(~big)


def per_unique_frame(s: pd.Series, fn) -> pd.DataFrame:
    """:func:`per_unique` for an ``fn`` that returns a frame indexed like its argument."""
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    values = pd.Series(pd.api.extensions.take(uniq, np.r_[np.arange(len(uniq)), -1], allow_fill=True), dtype=object)
    res = fn(values)
    out = res.iloc[np.where(codes < 0, len(uniq), codes)]
    out.index = s.index
    return out


def _require_text(frame: pd.DataFrame, col: str, path: Path, problems: list) -> None:
    missing = frame[col].isna()
    if missing.any():
        problems.append(InputProblem(path, "value is missing", column=col, rows=file_rows(frame, missing)))



def _duplicates(frame: pd.DataFrame, keys: list[str], path: Path, problems: list, what: str) -> None:
    dup = frame.duplicated(subset=keys, keep=False) & frame[keys].notna().all(axis=1)
    if dup.any():
        problems.append(InputProblem(path, f"duplicate {what} rows (the same {' + '.join(keys)} appears more than once)",
                                     column=keys[0], rows=file_rows(frame, dup)))
