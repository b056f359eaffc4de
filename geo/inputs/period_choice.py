"""Periods in the extracts: each row's period read with the one model, and one analysis period
chosen for all extracts.

Every period column is parsed with :func:`~geo.inputs.periods.parse_period` (the config's
``[extracts] quarters`` convention) and replaced by its canonical label, so ``2025 Q4`` beside
``2025-Q4`` is one period. A file must give one granularity (months, quarters or years): rows of
another granularity are named. The analysis period is then chosen **once** (:func:`choose_period`):
the one named by ``--period`` or ``[study_area] period``, else the latest period every periodic
extract has; periods one extract has and another lacks are reported.

With ``[analysis] pool_quarters = N > 1`` the analysis pools a **window** (:func:`choose_window`):
the ``N`` consecutive quarters ending with the analysis period that every extract has (fewer,
said in the notes, when the extracts do not go back that far); :meth:`PeriodRows.select` sums
the counts of the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputProblem, ValidationError
from geo.inputs.counts import FileReport
from geo.inputs.periods import Period, parse_period
from geo.inputs.read import examples, file_rows

__all__ = ["PeriodRows", "period_labels", "choose_period", "choose_window", "window_label"]


def period_labels(t: pd.DataFrame, path: Path, problems: list, *, quarters: str) -> tuple[pd.Series, dict[str, Period]]:
    """Canonical period labels per row and the :class:`Period` of each label.

    Unreadable periods and rows whose granularity differs from the file's main one are added
    to ``problems`` (with their rows); such rows get ``<NA>``.
    """
    raw = t["period"]
    parsed: dict[str, Period | str] = {}
    for text in raw.dropna().unique():
        try:
            parsed[text] = parse_period(text, quarters=quarters)
        except ValueError as err:
            parsed[text] = str(err)
    errors = pd.Series([parsed.get(v) if isinstance(parsed.get(v), str) else None for v in raw], index=raw.index, dtype=object)
    for message in pd.unique(errors.dropna()):
        bad = errors.eq(message).to_numpy(dtype=bool)
        problems.append(InputProblem(path, message, column="period", rows=file_rows(t, bad)))
    ok = {k: p for k, p in parsed.items() if isinstance(p, Period)}
    gran = pd.Series([ok[v].granularity if v in ok else None for v in raw], index=raw.index, dtype=object)
    sizes = gran.value_counts()
    labels = pd.Series([ok[v].label if v in ok else None for v in raw], index=raw.index, dtype=object).astype("string")
    if len(sizes) > 1:
        main = sizes.index[0]
        for g in sizes.index[1:]:
            bad = gran.eq(g).to_numpy(dtype=bool)
            problems.append(InputProblem(
                path, f"periods of different lengths in one file: {int(sizes[g])} row(s) give a {g} ({examples(raw[bad])}) "
                f"among {int(sizes[main])} {main} row(s); give one kind of period per file (or split the file)",
                column="period", rows=file_rows(t, bad)))
            labels[bad] = pd.NA
    return labels, {p.label: p for p in ok.values()}


@dataclass
class PeriodRows:
    """A validated extract with a period column, before the analysis period is chosen."""

    kind: str
    path: Path
    rows: pd.DataFrame  # in-study rows: canonical ``period`` label, ``_kind`` (code kind)
    periods: dict[str, Period]
    report: FileReport
    count_cols: list[str]
    keys: list[str]
    #: Group columns the file has (``ethnic_group`` ...: :mod:`geo.inputs.groups`); totals sum over them.
    group_columns: list[str] = field(default_factory=list)

    def select(self, chosen: Period, register, *, window: Sequence[Period] = (), average: bool = False) -> pd.DataFrame:
        """Rows of ``chosen`` (or of the ``window`` of periods ending with it, counts summed) on
        LSOA 2021; other periods excluded and counted.

        ``average``: divide the window's summed counts by its length, rounded to whole children
        (hub reach: children attending in a quarter, averaged over the window's quarters).
        """
        from geo.inputs.codes import _to_lsoa21

        window = list(window) or [chosen]
        labels = [p.label for p in window]
        other = ~self.rows["period"].isin(labels)
        name = window_label(labels)
        self.report.exclude(f"other period (not {chosen.label})" if len(labels) == 1 else f"other period (not in {name})",
                            int(other.sum()))
        used = self.rows[~other]
        self.report.rows_used = len(used)
        if len(labels) == 1:
            self.report.notes.insert(0, f"period used: {chosen.description}")
        else:
            how = ", then averaged per quarter (whole children)" if average else ""
            self.report.notes.insert(0, f"periods used: {name} pooled ({len(labels)} quarters, counts summed{how})")
        out = _to_lsoa21(used, used["_kind"], self.count_cols, self.keys, register, self.report)
        if average and len(labels) > 1:
            out[self.count_cols] = np.floor(out[self.count_cols] / len(labels) + 0.5)
        out.attrs["period"] = chosen.label
        out.attrs["window"] = labels
        return out


    def every_period(self, register) -> pd.DataFrame:
        """Rows of every period on LSOA 2021 (``period``, keys, ``lsoa21cd``, counts), for the
        time series of :mod:`geo.monitoring`; the file's row accounting is not touched."""
        from geo.inputs.codes import _to_lsoa21

        scratch = FileReport(self.kind, str(self.path))
        return _to_lsoa21(self.rows, self.rows["_kind"], self.count_cols, ["period", *self.keys], register, scratch)

    def by_group(self, register, column: str) -> pd.DataFrame:
        """Rows of every period on LSOA 2021 per group of ``column`` (``period``, keys, ``column``,
        ``lsoa21cd``, counts), for :mod:`geo.equity`; the file's row accounting is not touched."""
        from geo.inputs.codes import _to_lsoa21

        scratch = FileReport(self.kind, str(self.path))
        return _to_lsoa21(self.rows, self.rows["_kind"], self.count_cols, ["period", *self.keys, column], register, scratch)


def _span(labels) -> str:
    labels = sorted(labels)
    return labels[0] if len(labels) == 1 else f"{len(labels)} periods {labels[0]} to {labels[-1]}"


def choose_period(extracts: list[PeriodRows], requested: str | None, *, quarters: str,
                  config_path: Path) -> tuple[Period, dict]:
    """The one analysis period for all ``extracts``, and its account for ``reconciliation.json``.

    Parameters
    ----------
    extracts : list of PeriodRows
    requested : str or None
        ``--period`` or the config's period (any spelling); ``None`` or ``"latest"``: the latest
        period every extract has.
    quarters : {"financial", "calendar"}
    config_path : Path
        Named when ``requested`` cannot be read.

    Returns
    -------
    (Period, dict)
        The period, and ``{"analysis", "description", "start", "end", "granularity",
        "quarters", "chosen_by", "extracts": {kind: [labels]}, "mismatches": [text]}``.

    Raises
    ------
    ValidationError
        An unreadable requested period, an extract without it, or no period common to all.
    """
    have = {x.kind: set(x.periods.values()) for x in extracts}
    problems = []
    if requested not in (None, "latest"):
        try:
            chosen = parse_period(requested, quarters=quarters)
        except ValueError as err:
            raise ValidationError([InputProblem(config_path, f"the period to analyse (--period or [study_area] period): {err}", column="period")]) from None
        for x in extracts:
            if chosen not in have[x.kind]:
                problems.append(InputProblem(x.path, f"has no rows for the period to analyse, {chosen.description} (named by --period "
                                             f"or [study_area] period); it has {_span(x.periods)}", column="period"))
        chosen_by = "--period or [study_area] period"
    else:
        common = set.intersection(*have.values())
        if not common:
            lists = "; ".join(f"{x.kind} ({x.path}) has {_span(x.periods)}" for x in extracts)
            for x in extracts:
                problems.append(InputProblem(x.path, f"no period is in every extract, so they cannot be analysed together: {lists}. "
                                             "Supply extracts for the same period, or name one with --period or [study_area] period",
                                             column="period"))
            raise ValidationError(problems)
        chosen = max(common)
        chosen_by = "the latest period every extract has" if len(extracts) > 1 else "the latest period in the extract"
    if problems:
        raise ValidationError(problems)
    mismatches = []
    for x in extracts:
        later = sorted(p.label for p in have[x.kind] if p > chosen)
        if later:
            lacking = [y.kind for y in extracts if y is not x and not any(p.label in later for p in have[y.kind])]
            why = f"; {' and '.join(lacking)} lack(s) them" if lacking and requested in (None, "latest") else ""
            mismatches.append(f"{x.kind} has later period(s) {', '.join(later)} not analysed{why}: "
                              f"the analysis uses {chosen.description} ({chosen_by})")
    account = {
        "analysis": chosen.label, "description": chosen.description, "start": chosen.start.isoformat(),
        "end": chosen.end.isoformat(), "granularity": chosen.granularity, "quarters": quarters, "chosen_by": chosen_by,
        "extracts": {x.kind: sorted(x.periods) for x in extracts}, "mismatches": mismatches,
    }
    return chosen, account


def window_label(labels: Sequence[str]) -> str:
    """The label of a window of periods: ``"2025-Q1 to 2025-Q4"`` (one period: its own label).

    >>> window_label(["2025-Q1", "2025-Q2"]), window_label(["2025-Q4"])
    ('2025-Q1 to 2025-Q2', '2025-Q4')
    """
    return labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"


def choose_window(extracts: list[PeriodRows], chosen: Period, pool: int) -> tuple[list[Period], list[str]]:
    """The periods the analysis pools: up to ``pool`` consecutive quarters ending with ``chosen``
    that every extract has, oldest first, and notes when fewer are pooled than asked for.

    Months and years are not pooled (``pool_quarters`` counts quarters): ``[chosen]`` and a note.

    Examples
    --------
    >>> from geo.inputs.periods import parse_period
    >>> rows = PeriodRows("review_takeup", Path("r.csv"), pd.DataFrame(), {q: parse_period(q) for q in
    ...                   ["2024-Q4", "2025-Q2", "2025-Q3", "2025-Q4"]}, FileReport("review_takeup", "r.csv"), [], [])
    >>> window, notes = choose_window([rows], parse_period("2025-Q4"), 4)
    >>> [p.label for p in window], notes[0][:44]
    (['2025-Q2', '2025-Q3', '2025-Q4'], '[analysis] pool_quarters = 4, but only 3 con')
    """
    if pool <= 1:
        return [chosen], []
    if chosen.granularity != "quarter":
        return [chosen], [f"[analysis] pool_quarters = {pool} pools quarters, but the extracts give {chosen.granularity}s: "
                          f"{chosen.label} alone is analysed"]
    have = set.intersection(*(set(x.periods.values()) for x in extracts))
    window: list[Period] = []
    for p in reversed(chosen.pool(pool)):
        if p not in have:
            break
        window.insert(0, p)
    notes = []
    if len(window) < pool:
        notes.append(f"[analysis] pool_quarters = {pool}, but only {len(window)} consecutive quarter(s) ending "
                     f"{chosen.label} are in every extract: the analysis uses "
                     f"{window_label([p.label for p in window])}" + (" pooled" if len(window) > 1 else ""))
    return window, notes
