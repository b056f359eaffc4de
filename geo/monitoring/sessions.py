"""The ``outreach_sessions`` extract (``[extracts] outreach_sessions``), validated like the others.

==========  ================================================================================
column      meaning
==========  ================================================================================
session_id  unique per row
date        the session's date (``2025-04-15``, ``15/04/2025``; day first)
hub_id      the hub running it (must be in the hubs file)
type        free text (``stay and play``, ``review drop-in`` ...)
location    ``venue_id`` (a venue of the venues file, or any label with coordinates),
            ``lat`` + ``lon``, ``easting`` + ``northing`` or ``postcode``
==========  ================================================================================

A row naming a ``venue_id`` of the venues file without coordinates is placed at that venue.
Sessions are grouped by ``venue_id`` where given, else by their location (easting/northing
rounded to 10 m). Every problem names the file, row and column; all rows are used.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from geo.errors import InputProblem, ValidationError
from geo.inputs.counts import FileReport, _duplicates, _require_text
from geo.inputs.read import examples, file_rows, read_table
from geo.inputs.venues import _locate

__all__ = ["validate_sessions", "parse_date"]

LOCATION = ["venue_id", "lat", "lon", "easting", "northing", "postcode"]


def parse_date(text: str) -> dt.date | None:
    """A session date: ISO ``2025-04-15`` (a time after it is ignored) or day first ``15/04/2025``.

    Examples
    --------
    >>> parse_date("2025-04-15"), parse_date("15/04/2025"), parse_date("2025-04-15 00:00:00"), parse_date("April")
    (datetime.date(2025, 4, 15), datetime.date(2025, 4, 15), datetime.date(2025, 4, 15), None)
    """
    s = str(text).strip().split(" ")[0].split("T")[0]
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            d = dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
        return d if 2000 <= d.year <= 2099 else None
    return None


def _at_venues(t: pd.DataFrame, venues: pd.DataFrame | None) -> pd.DataFrame:
    """Give rows that name a known venue and no coordinates that venue's easting/northing."""
    for c in ("venue_id", "easting", "northing"):
        if c not in t.columns:
            t[c] = pd.Series(pd.NA, index=t.index, dtype="string")
    if venues is None or not len(venues):
        return t
    given = [t[c].notna() for c in ("lat", "lon", "easting", "northing", "postcode") if c in t.columns]
    bare = ~pd.concat(given, axis=1).any(axis=1) if given else pd.Series(True, index=t.index)
    v = venues.drop_duplicates("venue_id").set_index("venue_id")
    hit = bare & t["venue_id"].isin(v.index)
    t.loc[hit, "easting"] = t.loc[hit, "venue_id"].map(v["easting"]).astype(str)
    t.loc[hit, "northing"] = t.loc[hit, "venue_id"].map(v["northing"]).astype(str)
    return t


def validate_sessions(path: Path, *, hub_ids: pd.Index | None, venues: pd.DataFrame | None = None,
                      postcodes: pd.DataFrame | None = None, sheet: str | None = None) -> tuple[pd.DataFrame, FileReport]:
    """Validate an outreach sessions extract and locate every session.

    Returns
    -------
    (DataFrame, FileReport)
        ``session_id, date (datetime.date), hub_id, type, venue, easting, northing, located_by``;
        ``venue`` is the ``venue_id`` or, without one, ``"E N"`` of the location to 10 m.
    """
    path = path if isinstance(path, Path) else Path(path)
    t = read_table(path, ["session_id", "date", "hub_id", "type"], LOCATION,
                   alternatives=[["venue_id"], ["lat", "lon"], ["easting", "northing"], ["postcode"]], sheet=sheet)
    report = FileReport("outreach_sessions", str(path), rows_in=len(t))
    problems: list[InputProblem] = []
    for c in ("session_id", "date", "hub_id"):
        _require_text(t, c, path, problems)
    _duplicates(t, ["session_id"], path, problems, "session_id")
    dates = t["date"].map(lambda v: parse_date(v) if isinstance(v, str) else None)
    bad = t["date"].notna() & dates.isna()
    if bad.any():
        problems.append(InputProblem(path, f"is not a date from 2000 to 2099 ({examples(t.loc[bad, 'date'])}); "
                                     "write 2025-04-15 or 15/04/2025", column="date", rows=file_rows(t, bad)))
    if hub_ids is not None:
        unknown = t["hub_id"].notna() & ~t["hub_id"].isin(hub_ids)
        if unknown.any():
            problems.append(InputProblem(path, f"hub_id not in the hubs file ({examples(t.loc[unknown, 'hub_id'])})",
                                         column="hub_id", rows=file_rows(t, unknown)))
    t = _locate(_at_venues(t, venues), path, problems, postcodes)
    if problems:
        raise ValidationError(problems)
    where = t["easting"].round(-1).astype(int).astype(str) + " " + t["northing"].round(-1).astype(int).astype(str)
    out = pd.DataFrame({"session_id": t["session_id"], "date": dates, "hub_id": t["hub_id"],
                        "type": t["type"].fillna("unspecified"), "venue": t["venue_id"].fillna(where),
                        "easting": t["easting"], "northing": t["northing"], "located_by": t["located_by"]})
    report.rows_used = len(out)
    report.notes.append(f"{len(out)} session(s) at {out['venue'].nunique()} location(s), "
                        f"{min(out['date']).isoformat()} to {max(out['date']).isoformat()}" if len(out) else "no sessions")
    return out.reset_index(drop=True), report
