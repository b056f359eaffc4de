"""The disclosure rule (threshold, zeros, rounding, preset name) and how one count is shown.

Presets (``[disclosure] rule`` in the config, see :func:`DisclosureRule.preset`):

- ``"small-area"`` (default): counts 1-4 are withheld as ``"<5"``, with secondary suppression;
  every other count is shown exactly.
- ``"nhs-england"``: counts 1-7 are withheld as ``"*"``; every other shown count is rounded to
  the nearest 5 (suppress first, then round).
- ``"custom"``: ``threshold`` and ``rounding`` from the config.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CONFIDENTIAL", "SUBTOTAL_LABEL", "REASONS", "PRESETS", "DisclosureRule", "format_count", "round_count"]

CONFIDENTIAL = "c"
"""Shown for a secondary-suppressed count and for a derived value of a suppressed count."""

SUBTOTAL_LABEL = "{} total"
"""Default key of a group's subtotal row: ``SUBTOTAL_LABEL.format(group_value)``."""

REASONS = ("primary", "derived", "secondary")

Cell = tuple[Hashable, str]
"""A cell addressed by (row key value, column name)."""


PRESETS = {
    "small-area": {"threshold": 5, "rounding": 1, "symbol": None},
    "nhs-england": {"threshold": 8, "rounding": 5, "symbol": "*"},
}
"""Named rules: ``small-area`` (1-4 withheld as ``"<5"``, other counts exact) and
``nhs-england`` (1-7 withheld as ``"*"``, every other count rounded to the nearest 5)."""


@dataclass(frozen=True)
class DisclosureRule:
    """The disclosure rule: counts ``1 .. threshold-1`` are small; shown counts are rounded to ``rounding``.

    Parameters
    ----------
    threshold : int
        Smallest count that may be shown (default 5). ``1`` disables primary suppression.
    suppress_zero : bool
        Also suppress 0 (default False; the exported LSOA table withholds zeros, see
        :func:`geo.disclosure.tables.lsoa_rule`).
    name : str
        Preset name printed on every output (``"small-area"``, ``"nhs-england"``, ``"custom"``).
    rounding : int
        Every shown count is rounded to the nearest multiple of this (1: exact). Suppression is
        decided on the true counts first, then shown counts are rounded.
    symbol : str, optional
        Display string of a small count (default ``"<threshold"``).

    Examples
    --------
    >>> r = DisclosureRule(threshold=10)
    >>> r.label, r.is_small(9), r.is_small(10), r.is_small(0)
    ('<10', True, False, False)
    >>> n = DisclosureRule.preset("nhs-england")
    >>> n.label, n.is_small(7), n.rounding, n.statement()
    ('*', True, 5, 'Disclosure rule nhs-england: counts of 1 to 7 children are shown as *, and so is any count that would reveal one; every other count is rounded to the nearest 5.')
    """

    threshold: int = 5
    suppress_zero: bool = False
    name: str = "small-area"
    rounding: int = 1
    symbol: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, np.integer)) or self.threshold < 1:
            raise ValueError(f"threshold must be a whole number >= 1, got {self.threshold!r}")
        if isinstance(self.rounding, bool) or not isinstance(self.rounding, (int, np.integer)) or self.rounding < 1:
            raise ValueError(f"rounding must be a whole number >= 1, got {self.rounding!r}")

    @classmethod
    def preset(cls, name: str = "small-area", *, threshold: int | None = None, rounding: int | None = None) -> DisclosureRule:
        """A named rule (:data:`PRESETS`), or ``"custom"`` with ``threshold`` and ``rounding``."""
        if name == "custom":
            return cls(threshold=5 if threshold is None else int(threshold), name="custom",
                       rounding=1 if rounding is None else int(rounding))
        if name not in PRESETS:
            raise ValueError(f"unknown disclosure rule {name!r}; choose one of {[*PRESETS, 'custom']}")
        return cls(name=name, **PRESETS[name])

    @classmethod
    def from_config(cls, cfg: Any) -> DisclosureRule:
        """The rule of a :class:`geo.config.Config` (``disclosure_rule``, ``disclosure_threshold``, ``disclosure_rounding``)."""
        name = getattr(cfg, "disclosure_rule", "small-area") or "small-area"
        threshold = int(getattr(cfg, "disclosure_threshold", 5))
        if name != "custom" and threshold != PRESETS.get(name, {}).get("threshold", threshold):
            return cls(threshold=threshold, name="custom")  # a config object with only a threshold
        return cls.preset(name, threshold=threshold, rounding=int(getattr(cfg, "disclosure_rounding", 1) or 1))

    @property
    def label(self) -> str:
        """Display string of a small count, e.g. ``"<5"``."""
        return self.symbol or f"<{self.threshold}"

    def statement(self) -> str:
        """One line printed on every output: the rule's name and what it withholds."""
        small = f"1 to {self.threshold - 1}" if self.threshold > 2 else "1"
        text = (f"Disclosure rule {self.name}: counts of {small} children are shown as {self.label}, "
                f"and so is any count that would reveal one")
        if self.threshold <= 1:
            text = f"Disclosure rule {self.name}: no count is withheld for being small"
        rounded = f"every other count is rounded to the nearest {self.rounding}" if self.rounding > 1 else "other counts are exact"
        return f"{text}; {rounded}."

    def round(self, value: Any) -> Any:
        """A shown count rounded to the rule's ``rounding`` (unchanged when 1 or not a number)."""
        return round_count(value, self.rounding)

    def is_small(self, value: Any) -> bool:
        """Whether a single count must be suppressed (NaN/None is never small)."""
        try:
            v = float(value)
        except (TypeError, ValueError):
            return False
        if math.isnan(v):
            return False
        if v == 0:
            return self.suppress_zero
        return 0 < v < self.threshold


def _small_mask(values: np.ndarray, rule: DisclosureRule) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        small = (values > 0) & (values < rule.threshold)
        if rule.suppress_zero:
            small |= values == 0
    return small


# --------------------------------------------------------------------------- formatting


def format_count(value: Any, rule: DisclosureRule = DisclosureRule()) -> str:
    """Format one count for display (map tooltips, labels).

    Parameters
    ----------
    value : number or None
        A count. Non-integer values are rounded to the nearest whole number.
    rule : DisclosureRule
        The disclosure rule.

    Returns
    -------
    str
        ``"<5"`` for a small count, ``""`` for a missing value, otherwise the whole number
        with thousands separators.

    Examples
    --------
    >>> [format_count(v) for v in (0, 4, 5, 12345, None)]
    ['0', '<5', '5', '12,345', '']
    >>> format_count(7, DisclosureRule(threshold=10))
    '<10'
    """
    if value is None or value is pd.NA:
        return ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return ""
    if rule.is_small(v):
        return rule.label
    return f"{round(round_count(v, rule.rounding)):,}"


def round_count(value: Any, step: int = 1) -> Any:
    """Round a shown count to the nearest ``step`` (halves up); text and missing values unchanged.

    Examples
    --------
    >>> round_count(12, 5), round_count(13, 5), round_count(12.5, 5), round_count("c", 5), round_count(7, 1)
    (10, 15, 15, 'c', 7)
    """
    if step <= 1 or isinstance(value, (str, bool)) or value is None or value is pd.NA:
        return value
    try:
        v = float(value)
    except (TypeError, ValueError):
        return value
    if math.isnan(v):
        return value
    return int(math.floor(v / step + 0.5) * step)


