"""Validate an upload with the build's own validators and say what it would change.

:func:`validate_upload` reads a council's extract (a path, or a
:class:`~geo.inputs.memory.MemoryFile` from the app) with the validators the build uses
(:func:`geo.inputs.extracts.review_rows`, :func:`~geo.inputs.extracts.attendance_rows`,
:func:`geo.monitoring.sessions.validate_sessions`): every problem is listed (file, row,
column) in one :class:`~geo.errors.ValidationError`. A record-level extract (one row per
child) is first aggregated in memory by :func:`geo.inputs.records.aggregate_records`; only
its aggregate rows go on. :func:`preview` lists the periods added or replaced.
"""

from __future__ import annotations

import calendar
import getpass
import hashlib
import os
from dataclasses import replace
from pathlib import Path

import pandas as pd

from geo.errors import InputProblem, ValidationError
from geo.inputs.memory import MemoryFile
from geo.inputs.read import escape
from geo.store.db import KINDS, Store, Upload
from geo.store.schema import COUNT_COLUMNS, SESSION_COLUMNS

__all__ = ["validate_upload", "preview", "preview_lines", "who", "quarter_label"]

#: The environment variable naming who uploads (after ``--by``, before the OS user name).
ENV_USER = "GEO_USER"


def who(by: str | None = None) -> str:
    """Who is uploading: ``by``, else ``$GEO_USER``, else the operating-system user name."""
    for name in (by, os.environ.get(ENV_USER)):
        if name and name.strip():
            return escape(name.strip())[:200]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def quarter_label(date, *, quarters: str) -> str:
    """The canonical label of the quarter holding ``date`` (``[extracts] quarters`` convention).

    Examples
    --------
    >>> import datetime as dt
    >>> quarter_label(dt.date(2026, 2, 3), quarters="financial"), quarter_label(dt.date(2026, 2, 3), quarters="calendar")
    ('2025-Q4', '2026-Q1')
    """
    from geo.inputs.periods import parse_period

    first = (date.month - 1) // 3 * 3 + 1
    abbr = calendar.month_abbr
    return parse_period(f"{abbr[first]}-{abbr[first + 2]} {date.year}", quarters=quarters).label


def _context(config, kind: str, public):
    """The code register and (for attendance and sessions) the hub ids and venues, as the build makes them."""
    from geo.build import _points
    from geo.inputs import venues
    from geo.join import code_register, under5_estimate

    register = code_register(public, under5_estimate(public, config).set_index("lsoa21cd")["under5_est"])
    e = config.extracts
    hubs = sites = None
    if kind != "review_takeup":
        if e.hubs is None:
            if kind == "hub_attendance":
                raise ValidationError([InputProblem(config.path, "hub_attendance needs extracts.hubs (the hub_id list)", column="hubs")])
        else:
            hubs, _ = venues.validate_sites(e.hubs, "hubs", postcodes=public.postcodes, study_area=public.lsoa.geometry,
                                            sheet=e.sheets.get("hubs"))
        if kind == "outreach_sessions" and e.venues is not None:
            sites = _points(venues.validate_sites(e.venues, "venues", postcodes=public.postcodes,
                                                  study_area=public.lsoa.geometry, sheet=e.sheets.get("venues"))[0])
    return register, (None if hubs is None else pd.Index(hubs["hub_id"])), sites


def _aggregate_rows(source: Path, kind: str, config, register, hub_ids):
    """Rows of a review_takeup or hub_attendance extract (every period), validated as the build does."""
    from geo.inputs import extracts as ex

    rules = config.extracts
    if source.suffix.lower() not in (".xlsx", ".xlsm"):  # a sheet named for the configured file does not apply to a CSV upload
        rules = replace(rules, sheets={k: v for k, v in rules.sheets.items() if k != kind})
    rows = ex.review_rows(source, register, rules=rules) if kind == "review_takeup" else \
        ex.attendance_rows(source, register, hub_ids, rules=rules)
    counts, keys = COUNT_COLUMNS[kind]
    frame = rows.rows.drop(columns=["_row", "_kind"], errors="ignore")
    frame = frame[["area_code", *keys, "period", *[c for c in frame.columns if c not in {"area_code", "period", *keys, *counts}], *counts]]
    rows.report.rows_used = len(frame)
    return frame.reset_index(drop=True), rows.report


def _session_rows(source: Path, config, public, hub_ids, sites):
    from geo.inputs.read import read_table
    from geo.monitoring.sessions import LOCATION, validate_sessions

    sessions, report = validate_sessions(source, hub_ids=hub_ids, venues=sites, postcodes=public.postcodes)
    raw = read_table(source, ["session_id", "date", "hub_id", "type"], LOCATION,
                     alternatives=[["venue_id"], ["lat", "lon"], ["easting", "northing"], ["postcode"]])
    frame = raw[[c for c in SESSION_COLUMNS if c in raw.columns]].reset_index(drop=True)
    frame["period"] = [quarter_label(d, quarters=config.extracts.quarters) for d in sessions["date"]]
    return frame, report


def validate_upload(config, kind: str, source: Path, *, record_level: bool = False, uploaded_by: str | None = None,
                    public=None) -> Upload:
    """Validate ``source`` as an extract of ``kind``; the rows the store would keep and their accounting.

    Parameters
    ----------
    config : geo.config.Config
    kind : {"review_takeup", "hub_attendance", "outreach_sessions"}
    source : Path
        The file (CSV or XLSX), or a :class:`~geo.inputs.memory.MemoryFile` (an upload in memory).
    record_level : bool
        One row per child: aggregated in memory first (:func:`geo.inputs.records.aggregate_records`).
    uploaded_by : str, optional
        Who uploads (see :func:`who`).
    public : geo.inputs.public.PublicData, optional
        The study area's public data (read with :func:`geo.inputs.public.load_public` if not given).

    Raises
    ------
    ValidationError
        Every problem in the file (file, row, column).
    """
    if kind not in KINDS:
        raise ValidationError([InputProblem(Path(str(source)), f"unknown kind {escape(kind)!r}: give one of {', '.join(KINDS)}")])
    if public is None:
        from geo.inputs.public import load_public

        public = load_public(config)
    source = source if isinstance(source, Path) else Path(source)
    if not source.is_file():
        raise ValidationError([InputProblem(source, "file not found")])
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    register, hub_ids, sites = _context(config, kind, public)
    if record_level and kind != "outreach_sessions":
        # record-level extracts (one row per child) are aggregated in memory; only aggregates go on
        from geo.inputs.records import aggregate_records

        agg = aggregate_records(source, kind=kind, config=config)
        aggregated = MemoryFile(f"{source.stem}-aggregated.csv", agg.frame.to_csv(index=False).encode())
        frame, checked = _aggregate_rows(aggregated, kind, config, register, hub_ids)
        report = agg.report
        report.notes += [f"aggregate rows: {checked.rows_in} in, {len(frame)} kept"] + [
            f"aggregate rows excluded: {n} {why}" for why, n in sorted(checked.excluded.items())]
    elif record_level:
        raise ValidationError([InputProblem(source, "outreach_sessions has no record-level form (it lists sessions, not children)")])
    elif kind == "outreach_sessions":
        frame, report = _session_rows(source, config, public, hub_ids, sites)
    else:
        frame, report = _aggregate_rows(source, kind, config, register, hub_ids)
    return Upload(kind=kind, file_name=escape(source.name)[:255], sha256=digest, uploaded_by=who(uploaded_by),
                  frame=frame, report=report, record_level=record_level)


def preview(store: Store | None, up: Upload) -> dict:
    """What writing ``up`` would change: ``{"added": [periods], "replaced": {period: upload id}, ...}``."""
    held = store.current_periods(up.kind) if store is not None else {}
    return {"kind": up.kind, "file": up.file_name, "sha256": up.sha256, "by": up.uploaded_by, "record_level": up.record_level,
            "added": [p for p in up.periods if p not in held], "replaced": {p: held[p] for p in up.periods if p in held},
            "rows_in": up.report.rows_in, "rows_used": up.report.rows_used, "excluded": dict(sorted(up.report.excluded.items())),
            "rows_per_period": {p: int(n) for p, n in up.frame["period"].value_counts().sort_index().items()},
            "notes": list(up.report.notes)}


def preview_lines(view: dict) -> list[str]:
    """The preview as lines of text (the CLI prints them; the app shows them as a list)."""
    lines = [f"{view['kind']} from {view['file']} (sha256 {view['sha256'][:12]}…), by {view['by']}"
             + (" (record-level, aggregated in memory)" if view["record_level"] else ""),
             f"rows in {view['rows_in']:,}: used {view['rows_used']:,}, excluded {sum(view['excluded'].values()):,}"]
    lines += [f"  excluded: {n:,} {why}" for why, n in view["excluded"].items()]
    for period, n in view["rows_per_period"].items():
        change = f"replaces upload {view['replaced'][period]}" if period in view["replaced"] else "added"
        lines.append(f"  period {period}: {n:,} row(s), {change}")
    lines += [f"  note: {note}" for note in view["notes"]]
    return lines
