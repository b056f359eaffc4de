"""Record-level extracts (one row per child or per attendance), aggregated in memory.

A council's health-visiting or Family Hub system often exports a list of children rather than
counts. :func:`aggregate_records` turns such a list into the aggregate extract the build reads
(:mod:`geo.inputs.extracts`), LSOA 2021 x quarter, and never writes a raw row anywhere.

================  =========================================================================
review_takeup     ``child_id, postcode, date_of_birth, review_date`` (blank if none): one row
                  per child
hub_attendance    ``child_id, postcode, date_of_birth, hub_id, attendance_date``: one row per
                  attendance
================  =========================================================================

``child_id`` is the provider's pseudonymous id; ``postcode`` the child's home postcode in any
usual spelling (``nw88ay``); dates as :mod:`geo.inputs.record_dates` reads them. Other columns
are ignored, except group columns (``ethnic_group`` and the config's ``group_columns``), which
split the counts (a blank group is ``"not recorded"``).

**Review take-up** follows the national 2-2½ year review metric (OHID health visitor service
delivery metric C6i, "percentage of children who received a 2-2½ year review by the time they
turned 2½"; definitions in the Health Visitor Return, LG Inform metric types 4239/4240): the
**denominator** (``eligible``) is the children who turned 2½ in the quarter; the **numerator**
(``completed``) is those of them whose review date is on or before the day they turned 2½.
A child turns 2½ on the same day of the month 30 months after birth, or on the last day of
that month if it has no such day (born 31 August 2021: 29 February 2024; born 29 February
2020: 29 August 2022), so, as in the national example, children born in October-December
2018 turned 2½ in April-June 2021. The quarter follows ``[extracts] quarters``.

**Attendance** (``children``) is the number of distinct children under 5 who attended a hub
in the quarter, per home LSOA x hub: a child attending twice counts once. Under 5 means the
attendance date is before the fifth birthday.

The latest quarter is the one holding the file's latest review (or attendance) date; rows
that cannot be used are counted by reason in :attr:`RecordAggregate.report` (see
``README.md``, "Record-level extracts"). Messages name the file, row and column but never a
child id, postcode or date: they are personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputProblem, ValidationError
from geo.inputs.counts import FileReport, per_unique
from geo.inputs.groups import read_group_columns
from geo.inputs.postcodes import normalise_postcode
from geo.inputs.read import file_rows, normalise_column, read_table
from geo.inputs.record_dates import DATE_FORMS, add_months, parse_dates, quarter_end, quarter_labels
from geo.inputs.record_places import postcode_lsoa

__all__ = ["RecordAggregate", "aggregate_records", "RECORD_COLUMNS", "NOT_RECORDED"]

#: The columns each kind of record-level extract must have.
RECORD_COLUMNS = {
    "review_takeup": ["child_id", "postcode", "date_of_birth", "review_date"],
    "hub_attendance": ["child_id", "postcode", "date_of_birth", "hub_id", "attendance_date"],
}
#: The group value of a blank group cell.
NOT_RECORDED = "not recorded"
_FIRST_YEAR = np.datetime64("2000-01-01")


@dataclass
class RecordAggregate:
    """Counts from a record-level extract and the row accounting.

    Attributes
    ----------
    kind : str
        ``"review_takeup"`` or ``"hub_attendance"``.
    frame : DataFrame
        The aggregate extract: ``area_code, period, eligible, completed`` or ``area_code,
        hub_id, period, children`` (LSOA 2021 codes, canonical ``YYYY-Qn`` periods, only
        non-zero rows), plus one column per group column of the file (then one row per group:
        :meth:`totals` is what the build reads as the extract).
    report : FileReport
        Rows in, used and excluded by reason (``rows_in == rows_used + excluded``).
    group_columns : tuple of str
        The group columns in :attr:`frame`.
    """

    kind: str
    frame: pd.DataFrame
    report: FileReport
    group_columns: tuple[str, ...] = ()

    def totals(self) -> pd.DataFrame:
        """:attr:`frame` summed over the group columns: exactly the aggregate extract's schema."""
        keys = [c for c in self.frame.columns if c in ("area_code", "hub_id", "period")]
        counts = [c for c in self.frame.columns if c in ("eligible", "completed", "children")]
        return self.frame.groupby(keys, as_index=False, sort=True)[counts].sum()


def _group_names(config, group_columns) -> list[str]:
    names = list(getattr(config, "group_columns", ()) or ()) if group_columns is None else list(group_columns)
    names = [normalise_column(n) for n in [*names, "ethnic_group"]]
    reserved = {c for cols in RECORD_COLUMNS.values() for c in cols}
    return [n for n in dict.fromkeys(names) if n and n not in reserved]


def _read(path: Path, kind: str, groups: list[str], sheet) -> pd.DataFrame:
    """:func:`read_table`, with any value quoted in its messages removed (a header row may be data)."""
    try:
        return read_table(path, RECORD_COLUMNS[kind], groups, sheet=sheet)
    except ValidationError as err:
        safe = []
        for p in err.problems:
            msg = p.message
            if "'" in msg or '"' in msg:
                msg = re.split(r" \(|;", msg)[0] + (f" (a record-level {kind} extract needs the columns "
                                             f"{', '.join(RECORD_COLUMNS[kind])}; values are not shown: they may be personal data)")
            safe.append(InputProblem(p.file, msg, column=p.column, rows=p.rows))
        raise ValidationError(safe) from None


def _dates(t: pd.DataFrame, col: str, path: Path, problems: list) -> np.ndarray:
    dates = parse_dates(t[col])
    bad = t[col].notna() & dates.isna()
    if bad.any():
        problems.append(InputProblem(path, f"is not a date in an accepted form ({DATE_FORMS}; day first); "
                                     "the values are not shown: they are personal data", column=col, rows=file_rows(t, bad)))
    return dates.to_numpy(dtype="datetime64[D]")


class _Reasons:
    """The first reason each row cannot be used (``None``: usable)."""

    def __init__(self, n: int):
        self.why = np.full(n, None, dtype=object)

    def flag(self, mask, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool) & (self.why == None)  # noqa: E711 (element-wise)
        self.why[mask] = reason

    @property
    def ok(self) -> np.ndarray:
        return self.why == None  # noqa: E711

    def to_report(self, report: FileReport) -> None:
        for reason, n in pd.Series(self.why[~self.ok]).value_counts().sort_index().items():
            report.exclude(reason, int(n))
        report.rows_used = int(self.ok.sum())


def _place(t: pd.DataFrame, r: _Reasons, lookup: pd.Series) -> pd.Series:
    pc = per_unique(t["postcode"], normalise_postcode)
    r.flag(t["postcode"].isna(), "postcode missing")
    r.flag(pc.isna(), "postcode is not a UK postcode")
    lsoa = pc.map(lookup)
    r.flag(lsoa.isna(), "postcode not in the study area's postcode file")
    return lsoa


def _conflicting_births(t: pd.DataFrame, dob: np.ndarray, r: _Reasons) -> None:
    r.flag(t["child_id"].isna(), "child_id missing")
    births = pd.Series(dob.astype("int64"), index=t.index).where(~np.isnat(dob))
    n_births = births.groupby(t["child_id"]).transform("nunique")
    r.flag((n_births > 1).to_numpy(), "one child_id with different dates of birth (all its rows)")


def _groups(t: pd.DataFrame, groups: list[str], keep: np.ndarray) -> dict[str, pd.Series]:
    """Each child's group value: its first non-blank value in file order, else :data:`NOT_RECORDED`."""
    out = {}
    for g in groups:
        first = t[g].groupby(t["child_id"]).transform("first")
        out[g] = first.fillna(NOT_RECORDED).astype(object)[keep].reset_index(drop=True)
    return out


def _latest(dates: np.ndarray, path: Path, col: str, report: FileReport, label) -> np.datetime64:
    known = dates[~np.isnat(dates)]
    if not len(known):
        raise ValidationError([InputProblem(path, f"has no {col} at all: the latest quarter is the one holding the file's "
                                            f"latest {col}", column=col)])
    latest = known.max()
    end = quarter_end(latest)
    report.notes.append(f"latest quarter {label(latest)}: the one holding the file's latest {col}"
                        + ("" if latest == end else "; that date is before the quarter's last day, so if the extract "
                           "was taken before then the quarter is incomplete"))
    return end


def _review(t: pd.DataFrame, path: Path, report: FileReport, lookup: pd.Series, groups: list[str], quarters: str,
            problems: list) -> pd.DataFrame:
    dob, review = _dates(t, "date_of_birth", path, problems), _dates(t, "review_date", path, problems)
    if problems:
        raise ValidationError(problems)
    label = lambda d: quarter_labels(np.array([d]), quarters=quarters)[0]  # noqa: E731
    end = _latest(review, path, "review_date", report, label)
    r = _Reasons(len(t))
    _conflicting_births(t, dob, r)
    order = np.lexsort((t["_row"].to_numpy(), review.astype("int64"), np.isnat(review)))
    first = pd.Series(False, index=t.index)
    first.iloc[order] = ~t["child_id"].iloc[order].duplicated().to_numpy()
    r.flag(t["child_id"].notna() & ~first, "duplicate child_id (the child's earliest review is used)")
    lsoa = _place(t, r, lookup)
    r.flag(np.isnat(dob), "date of birth missing")
    r.flag(dob > end, "date of birth after the latest quarter")
    r.flag(review < dob, "review before birth")
    turned = add_months(dob, 30)
    r.flag(turned > end, "not yet 2½ by the end of the latest quarter")
    r.flag(turned < _FIRST_YEAR, "turned 2½ before 2000 (is the date of birth a typo?)")
    r.to_report(report)
    ok = r.ok
    rows = pd.DataFrame({"area_code": lsoa[ok].to_numpy(), "period": quarter_labels(turned[ok], quarters=quarters),
                         "reviewed": (review[ok] <= turned[ok]), **_groups(t, groups, ok)})
    keys = ["area_code", "period", *groups]
    out = rows.groupby(keys, sort=True).agg(eligible=("reviewed", "size"), completed=("reviewed", "sum")).reset_index()
    report.notes.append(f"record-level: {int(out['eligible'].sum()):,} children turned 2½ in "
                        f"{out['period'].min()} to {out['period'].max()}; {int(out['completed'].sum()):,} of them "
                        "were reviewed by the day they turned 2½")
    return out.astype({"eligible": "int64", "completed": "int64"})


def _hub_ids(config) -> set[str] | None:
    path = config.extracts.hubs
    if path is None:
        return None
    return set(read_table(path, ["hub_id"], sheet=config.extracts.sheets.get("hubs"))["hub_id"].dropna())


def _attendance(t: pd.DataFrame, path: Path, report: FileReport, lookup: pd.Series, groups: list[str], quarters: str,
                problems: list, hubs: set[str] | None) -> pd.DataFrame:
    dob, when = _dates(t, "date_of_birth", path, problems), _dates(t, "attendance_date", path, problems)
    if problems:
        raise ValidationError(problems)
    label = lambda d: quarter_labels(np.array([d]), quarters=quarters)[0]  # noqa: E731
    _latest(when, path, "attendance_date", report, label)
    r = _Reasons(len(t))
    _conflicting_births(t, dob, r)
    lsoa = _place(t, r, lookup)
    r.flag(np.isnat(dob), "date of birth missing")
    r.flag(np.isnat(when), "attendance_date missing")
    r.flag(t["hub_id"].isna(), "hub_id missing")
    if hubs is not None:
        r.flag(~t["hub_id"].isin(hubs), "hub_id not in the hubs file")
    r.flag(when < dob, "attendance before birth")
    r.flag(when >= add_months(dob, 60), "not under 5 on the attendance date")
    r.flag(when < _FIRST_YEAR, "attendance before 2000 (is the date a typo?)")
    r.to_report(report)
    ok = r.ok
    rows = pd.DataFrame({"child_id": t["child_id"][ok].to_numpy(), "area_code": lsoa[ok].to_numpy(),
                         "hub_id": t["hub_id"][ok].to_numpy(), "period": quarter_labels(when[ok], quarters=quarters),
                         **_groups(t, groups, ok)})
    keys = ["area_code", "hub_id", "period", *groups]
    distinct = rows.drop_duplicates(["child_id", *keys])
    if len(distinct) < len(rows):
        report.notes.append(f"{len(rows) - len(distinct):,} used rows are further attendances of a child already "
                            "counted in that LSOA, hub and quarter (a child counts once)")
    out = distinct.groupby(keys, sort=True).size().rename("children").reset_index()
    report.notes.append(f"record-level: {int(out['children'].sum()):,} child-hub-quarter counts from "
                        f"{len(rows):,} attendances in {out['period'].min()} to {out['period'].max()}")
    return out.astype({"children": "int64"})


def aggregate_records(path, *, kind: str, config, postcodes=None, group_columns=None) -> RecordAggregate:
    """Aggregate a record-level extract in memory to the aggregate extract schema.

    Parameters
    ----------
    path : str or Path
        The ``.csv`` or ``.xlsx`` file (one row per child or per attendance: module docstring).
    kind : {"review_takeup", "hub_attendance"}
        What the file holds.
    config : Config
        The study area: postcodes (``<public_dir>/postcodes.csv``), hubs file, quarter convention,
        XLSX sheet (``[extracts] <kind>_sheet``).
    postcodes : DataFrame or path, optional
        The study area's postcodes (``postcode`` + ``lsoa21cd`` or ``easting, northing``); default
        the file ``fetch`` wrote.
    group_columns : sequence of str, optional
        Columns splitting the counts; default the config's ``group_columns``. ``ethnic_group``
        is always one when the file has it.

    Returns
    -------
    RecordAggregate
        ``.frame`` (counts), ``.report`` (rows in, used, excluded by reason).

    Raises
    ------
    ValidationError
        Missing columns, unreadable dates (file, rows and column named; values never shown), no
        usable row.
    """
    if kind not in RECORD_COLUMNS:
        raise ValueError(f"kind must be one of {sorted(RECORD_COLUMNS)}, got {kind!r}")
    path = path if isinstance(path, Path) else Path(path)  # a MemoryFile (app upload) keeps its bytes
    names = _group_names(config, group_columns)
    lookup = postcode_lsoa(config, postcodes)
    t = _read(path, kind, names, config.extracts.sheets.get(kind))
    groups = [g for g in names if g in t.columns]
    problems: list = []  # an unknown group is named by the file's rows, never its value (one child's data)
    read_group_columns(t, groups, config.extracts.groups, path, problems, [], show_values=False)
    report = FileReport(kind, str(path), rows_in=len(t))
    report.notes.append("record-level extract, aggregated in memory (no row is kept)")
    quarters = config.extracts.quarters
    if kind == "review_takeup":
        frame = _review(t, path, report, lookup, groups, quarters, problems)
    else:
        frame = _attendance(t, path, report, lookup, groups, quarters, problems, _hub_ids(config))
    del t
    if frame.empty:
        why = "; ".join(f"{reason}: {n:,}" for reason, n in sorted(report.excluded.items()))
        raise ValidationError([InputProblem(path, f"no row can be used ({why})")])
    return RecordAggregate(kind, frame.reset_index(drop=True), report, tuple(groups))
