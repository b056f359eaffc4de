"""The ``[analysis]`` and ``[targets]`` tables of the config.

``[analysis]``

====================  =========  ==========================================================
key                   default    meaning
====================  =========  ==========================================================
``pool_quarters``     4          quarters pooled into the analysis window: the model, the maps
                                 and every table use the last N quarters up to the analysis
                                 period (review counts summed, hub children averaged per
                                 quarter); ``trends.csv`` adds a row per window and
                                 ``changes.csv`` compares the latest window with the one a year
                                 before. 4 (a year) because one quarter of one LSOA or ward is a
                                 handful of children; 1 = the single quarter
``exposure_metres``   (travel)   an LSOA is exposed to an outreach session when its
                                 representative point lies within this straight-line distance
                                 of the session's location; by default the travel threshold's
                                 distance (speed x minutes / detour)
``fdr``               0.05       false discovery rate controlled across areas in ``changes.csv``
====================  =========  ==========================================================

``[targets]``: one entry per measure (``review``, ``reach``), a proportion, given as a number
(``review = 0.75``) or a table naming where it comes from
(``review = { value = 0.79, label = "England 2024-25" }``).

Examples
--------
>>> a = parse_analysis({"pool_quarters": 4}, {"review": {"value": 0.79, "label": "England"}}, "c.toml")
>>> a.pool_quarters, a.targets["review"].value, a.targets["review"].label
(4, 0.79, 'England')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Analysis", "Target", "MEASURES", "parse_analysis"]

#: The measures monitored: review take-up and hub reach.
MEASURES = ("review", "reach")


@dataclass(frozen=True)
class Target:
    """A target (or comparator) rate for one measure, as a proportion."""

    value: float
    label: str = "target"


@dataclass(frozen=True)
class Analysis:
    """The ``[analysis]`` settings and the ``[targets]`` (see the module docstring)."""

    pool_quarters: int = 4
    exposure_metres: float | None = None
    fdr: float = 0.05
    targets: dict = field(default_factory=dict)


def _fail(path, message: str):
    raise ValueError(f"{path}: {message}")  # geo.config raises it as a ConfigError


def _target(measure: str, value: Any, path) -> Target:
    label = "target"
    if isinstance(value, dict):
        unknown = set(value) - {"value", "label"}
        if unknown:
            _fail(path, f"[targets] {measure} has unknown key(s) {sorted(unknown)}; expected value and label")
        label = value.get("label", label)
        if not isinstance(label, str) or not label.strip():
            _fail(path, f"[targets] {measure} label must be a non-empty string")
        value = value.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        _fail(path, f"[targets] {measure} must be a proportion from 0 to 1 (e.g. 0.75 for 75%), got {value!r}")
    return Target(float(value), " ".join(label.split()))


def parse_analysis(table: Any, targets: Any, path) -> Analysis:
    """Read ``[analysis]`` and ``[targets]``; a ValueError names the file and the key at fault."""
    if not isinstance(table, dict):
        _fail(path, "[analysis] must be a table")
    if not isinstance(targets, dict):
        _fail(path, "[targets] must be a table")
    unknown = set(table) - {"pool_quarters", "exposure_metres", "fdr"}
    if unknown:
        _fail(path, f"[analysis] unknown key(s) {sorted(unknown)}; expected pool_quarters, exposure_metres, fdr")
    pool = table.get("pool_quarters", 4)
    if isinstance(pool, bool) or not isinstance(pool, int) or not 1 <= pool <= 8:
        _fail(path, f"[analysis] pool_quarters must be a whole number from 1 to 8, got {pool!r}")
    exposure = table.get("exposure_metres")
    if exposure is not None and (isinstance(exposure, bool) or not isinstance(exposure, (int, float))
                                 or not 50 <= exposure <= 50_000):
        _fail(path, f"[analysis] exposure_metres must be a distance from 50 to 50,000 metres, got {exposure!r}")
    fdr = table.get("fdr", 0.05)
    if isinstance(fdr, bool) or not isinstance(fdr, (int, float)) or not 0 < fdr < 0.5:
        _fail(path, f"[analysis] fdr must be a proportion above 0 and below 0.5, got {fdr!r}")
    unknown = set(targets) - set(MEASURES)
    if unknown:
        _fail(path, f"[targets] unknown measure(s) {sorted(unknown)}; expected {list(MEASURES)}")
    return Analysis(pool, None if exposure is None else float(exposure), float(fdr),
                    {m: _target(m, v, path) for m, v in targets.items()})
