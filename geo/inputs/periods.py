"""One period model for every extract: the spellings councils use, read as explicit date ranges.

A :class:`Period` is a month, a quarter or a year with its first and last day. Quarters are
**financial** (Q1 = April-June, the year runs April-March, as OHID reports health visiting) or
**calendar** (Q1 = January-March), set once in the config (``[extracts] quarters``, default
``"financial"``). The setting decides what a label that gives one year and a quarter number
means; labels that spell out a financial year or months mean the same under either setting.

=========================================  ==============================  =====================
spelling                                   financial (default)             calendar
=========================================  ==============================  =====================
``2025-Q4``, ``2025 Q4``, ``Q4 2025``      2025/26 Q4: Jan-Mar 2026        Oct-Dec 2025
``Q4 2025/26``, ``2025/26 Q4``, ``2025-26 Q4``  Jan-Mar 2026               Jan-Mar 2026
``Jan-Mar 2026``, ``January to March 2026``  Jan-Mar 2026                  Jan-Mar 2026
``2025-26``, ``2025/26``, ``FY2025/26``    financial year Apr 2025-Mar 2026  the same
``2025``                                   calendar year 2025              calendar year 2025
``Jan 2026``, ``2026-01``, ``31/01/2026``  the month (a date is its month)
=========================================  ==============================  =====================

**Canonical labels** (what outputs show): quarters ``YYYY-Qn`` in the configured convention
(financial: ``YYYY`` is the year the financial year starts, so ``Q4 2025/26`` is ``2025-Q4``),
financial years ``2025-26``, calendar years ``2025``, months ``2026-01``.
:attr:`Period.description` spells the dates out.

Examples
--------
>>> p = parse_period("Q4 2025/26")
>>> p.label, str(p.start), str(p.end)
('2025-Q4', '2026-01-01', '2026-03-31')
>>> parse_period("Jan-Mar 2026") == p == parse_period("2025 Q4")
True
>>> parse_period("2025-Q4", quarters="calendar").description
'2025-Q4 (calendar quarter, Oct-Dec 2025)'
>>> parse_period("Q4 2024/25") < parse_period("Q1 2025/26")
True
>>> [q.label for q in p.pool(3)]
['2025-Q2', '2025-Q3', '2025-Q4']
>>> p.year_earlier().label, p.previous().label
('2024-Q4', '2025-Q3')
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

__all__ = ["Period", "parse_period", "QUARTERS", "YEARS"]

#: The two quarter conventions (``[extracts] quarters``).
QUARTERS = ("financial", "calendar")
#: Years accepted in a period (anything else is a typo such as ``2213-Q1``).
YEARS = (2000, 2099)

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_FY = r"(?:fy\s*)?(\d{4})\s*[/-]\s*(\d{2}|\d{4})"


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    k = year * 12 + (month - 1) + n
    return k // 12, k % 12 + 1


@dataclass(frozen=True, order=True)
class Period:
    """A month, quarter or year: ``start`` and ``end`` (inclusive) dates.

    Periods order by their dates; two spellings of the same dates are equal. ``quarters``
    is the convention used for the label (see the module docstring).
    """

    start: dt.date
    end: dt.date
    granularity: str = field(compare=True)  # "month" | "quarter" | "year"
    quarters: str = field(default="financial", compare=False)
    financial_year: bool = field(default=False, compare=False)

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.granularity]

    @property
    def label(self) -> str:
        """The canonical label (``2025-Q4``, ``2025-26``, ``2025``, ``2026-01``)."""
        y, m = self.start.year, self.start.month
        if self.granularity == "month":
            return f"{y}-{m:02d}"
        if self.granularity == "year":
            return f"{y}-{(y + 1) % 100:02d}" if self.financial_year else str(y)
        if self.quarters == "financial":
            fy = y if m >= 4 else y - 1
            return f"{fy}-Q{((m - 4) % 12) // 3 + 1}"
        return f"{y}-Q{(m - 1) // 3 + 1}"

    @property
    def description(self) -> str:
        """The label with its dates spelt out, e.g. ``2025-Q4 (financial 2025/26 Q4, Jan-Mar 2026)``."""
        first, last = self.start.strftime("%b"), self.end.strftime("%b %Y")
        if self.granularity == "month":
            return f"{self.label} ({self.start.strftime('%B %Y')})"
        if self.granularity == "year":
            what = "financial year" if self.financial_year else "calendar year"
            return f"{self.label} ({what}, {first} {self.start.year}-{last})"
        if self.quarters == "financial":
            fy = int(self.label[:4])
            return f"{self.label} (financial {fy}/{(fy + 1) % 100:02d} Q{self.label[-1]}, {first}-{last})"
        return f"{self.label} (calendar quarter, {first}-{last})"

    def __str__(self) -> str:
        return self.label

    def shifted(self, n: int) -> Period:
        """The period ``n`` steps later (earlier for negative ``n``), of the same granularity."""
        y, m = _add_months(self.start.year, self.start.month, n * self.months)
        ey, em = _add_months(y, m, self.months - 1)
        return Period(dt.date(y, m, 1), _month_end(ey, em), self.granularity, self.quarters, self.financial_year)

    def previous(self) -> Period:
        """The period just before."""
        return self.shifted(-1)

    def year_earlier(self) -> Period:
        """The same period a year earlier."""
        return self.shifted(-(12 // self.months))

    def pool(self, n: int) -> tuple[Period, ...]:
        """The ``n`` consecutive periods ending with this one, oldest first (a rolling window)."""
        if n < 1:
            raise ValueError(f"a pool needs at least one period, got {n}")
        return tuple(self.shifted(-k) for k in range(n - 1, -1, -1))


def _check_year(y: int, text: str) -> int:
    if not YEARS[0] <= y <= YEARS[1]:
        raise ValueError(f"year {y} in {text!r} is outside {YEARS[0]}-{YEARS[1]} (a typo?)")
    return y


def _fy_start(a: str, b: str, text: str) -> int:
    y = _check_year(int(a), text)
    second = int(b) if len(b) == 4 else (y // 100) * 100 + int(b)
    if second != y + 1:
        raise ValueError(f"{text!r} is not a financial year: the second year must follow the first (e.g. 2025/26)")
    return y


def _quarter(year: int, q: int, quarters: str, *, financial: bool, text: str) -> Period:
    if not 1 <= q <= 4:
        raise ValueError(f"quarter Q{q} in {text!r} does not exist (Q1-Q4)")
    if financial:
        y, m = _add_months(year, 4, 3 * (q - 1))
    else:
        y, m = year, 3 * (q - 1) + 1
    ey, em = _add_months(y, m, 2)
    return Period(dt.date(y, m, 1), _month_end(ey, em), "quarter", quarters)


def _month_range(m1: str, m2: str, year: int, quarters: str, text: str) -> Period:
    a, b = _MONTHS[m1[:3]], _MONTHS[m2[:3]]
    if b - a != 2 or (a - 1) % 3:
        raise ValueError(f"{text!r} is not a quarter (give three months starting Jan, Apr, Jul or Oct, e.g. Jan-Mar 2026)")
    return Period(dt.date(year, a, 1), _month_end(year, b), "quarter", quarters)


def parse_period(text: str, *, quarters: str = "financial") -> Period:
    """Read a period label as a :class:`Period`.

    Parameters
    ----------
    text : str
        A label in any spelling of the module docstring's table (case, spaces, ``/``, ``-``
        and en dashes are all accepted).
    quarters : {"financial", "calendar"}
        What a label of one year and a quarter number (``2025-Q4``) means.

    Raises
    ------
    ValueError
        With a message saying what was expected.

    Examples
    --------
    >>> parse_period("2025/26").description
    '2025-26 (financial year, Apr 2025-Mar 2026)'
    >>> parse_period("Q4 2024/25") == parse_period("2024-Q4")
    True
    """
    if quarters not in QUARTERS:
        raise ValueError(f"quarters must be one of {QUARTERS}, got {quarters!r}")
    raw = str(text)
    s = re.sub(r"\s+", " ", raw.strip().lower().replace("\u2013", "-").replace("\u2014", "-"))
    s = re.sub(r"\s*([-/])\s*", r"\1", re.sub(r"\s+to\s+", "-", s))
    s = re.sub(r" 00:00:00$", "", s)  # a date cell read from Excel
    m = re.fullmatch(r"(\d{4})[ /-]?q([0-9])|q([0-9])[ /-]?(\d{4})", s)
    if m:
        year, q = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        return _quarter(_check_year(int(year), raw), int(q), quarters, financial=quarters == "financial", text=raw)
    m = re.fullmatch(rf"{_FY}[ -]?q([0-9])|q([0-9])[ -]?{_FY}", s)
    if m:
        a, b, q = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(5), m.group(6), m.group(4))
        return _quarter(_fy_start(a, b, raw), int(q), quarters, financial=True, text=raw)
    m = re.fullmatch(rf"{_MONTH}-{_MONTH},? (\d{{4}})", s)
    if m:
        return _month_range(m.group(1), m.group(2), _check_year(int(m.group(3)), raw), quarters, raw)
    m = re.fullmatch(_FY, s)
    if m and not (len(m.group(2)) == 2 and 1 <= int(m.group(2)) <= 12 and int(m.group(2)) != (int(m.group(1)) + 1) % 100):
        y = _fy_start(m.group(1), m.group(2), raw)
        return Period(dt.date(y, 4, 1), dt.date(y + 1, 3, 31), "year", quarters, financial_year=True)
    m = re.fullmatch(r"(\d{4})", s)
    if m:
        y = _check_year(int(s), raw)
        return Period(dt.date(y, 1, 1), dt.date(y, 12, 31), "year", quarters)
    m = (re.fullmatch(rf"{_MONTH},? (\d{{4}})", s) or re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", s)
         or re.fullmatch(r"(?:(\d{1,2})/)?(\d{1,2})/(\d{4})", s))
    if m:
        g = m.groups()
        if g[0] and not g[0].isdigit():
            y, mo = int(g[1]), _MONTHS[g[0][:3]]
        elif len(g) == 3 and g[0] and len(g[0]) == 4:
            y, mo = int(g[0]), int(g[1])
        else:
            y, mo = int(g[2]), int(g[1])
        if not 1 <= mo <= 12:
            raise ValueError(f"month {mo} in {raw!r} does not exist")
        _check_year(y, raw)
        day = g[2] if len(g) == 3 and g[0] and len(g[0]) == 4 else (g[0] if len(g) == 3 and g[0] and g[0].isdigit() else None)
        if day is not None and not 1 <= int(day) <= _month_end(y, mo).day:
            raise ValueError(f"day {int(day)} in {raw!r} does not exist in that month")
        return Period(dt.date(y, mo, 1), _month_end(y, mo), "month", quarters)
    raise ValueError(f"{raw!r} is not a period (e.g. 2025-Q4, Q4 2025/26, Jan-Mar 2026, 2025-26 or Jan 2026)")
