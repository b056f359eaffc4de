"""Validate the service extracts and account for every row.

Schemas (documented for users in ``data/extracts/README.md``):

===============  =====================================================================
review_takeup    area_code, period, eligible, completed
hub_attendance   area_code, hub_id, period, children
hubs             hub_id, name, la_code, site_type (hub|spoke), lat+lon | easting+northing | postcode
venues           venue_id, name, type, lat+lon | easting+northing | postcode, [available]
under5           area_code, under5
hub_areas        ward_code, hub_id
===============  =====================================================================

``review_takeup`` and ``hub_attendance`` may also carry ``ethnic_group`` and the other group columns
of ``[extracts] group_columns`` (:mod:`geo.inputs.groups`): one row per area x period x group.

Each ``validate_*`` function collects every problem in a file before raising
:class:`~geo.errors.ValidationError`, and returns the usable rows with a
:class:`FileReport` whose counts balance: rows in = rows used + rows excluded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.config import Extracts
from geo.errors import InputProblem, ValidationError
from geo.inputs.codes import CodeRegister, _area_codes, _in_study
from geo.inputs.counts import FileReport, _counts, _duplicates, _require_text
from geo.inputs.groups import group_columns_for, read_group_columns
from geo.inputs.period_choice import PeriodRows, choose_period, period_labels
from geo.inputs.read import escape, examples, file_rows, read_table

__all__ = ["review_rows", "attendance_rows", "validate_review_takeup", "validate_hub_attendance", "validate_under5",
           "validate_hub_areas"]


def _rules(rules: Extracts | None) -> Extracts:
    return rules if rules is not None else Extracts()


def _plausible(t: pd.DataFrame, kind: pd.Series, counts: dict[str, pd.Series], register: CodeRegister, path: Path,
               problems: list, *, multiple: float) -> None:
    """Name rows counting more children than ``multiple`` x the area's estimated under-5s (+ 10).

    The estimate is the study area's (Census 0-15 x ratio, or the under-5 file); a ward or
    LSOA 2011 row is compared with the sum over its LSOA 2021 areas. Rows outside the study
    area are not checked (they are excluded anyway).
    """
    codes = t["area_code"].str.upper().astype(object)
    w = register.weight
    est = pd.Series(float("nan"), index=t.index)
    est[kind == "lsoa21"] = codes[kind == "lsoa21"].map(w)
    ward_est = w.groupby(register.lsoa_ward.reindex(w.index)).sum()
    est[kind == "ward"] = codes[kind == "ward"].map(ward_est)
    l11 = register.lsoa11.assign(w=register.lsoa11["lsoa21cd"].map(w)).groupby("lsoa11cd")["w"].sum()
    est[kind == "lsoa11"] = codes[kind == "lsoa11"].map(l11)
    limit = multiple * est + 10
    for col, num in counts.items():
        big = (num > limit).fillna(False).to_numpy()
        if big.any():
            i = np.flatnonzero(big)[0]
            problems.append(InputProblem(
                path, f"implausibly many children ({int(num.iloc[i]):,} in {escape(codes.iloc[i])}, whose estimated under-5s "
                f"are {est.iloc[i]:,.0f}): no row may count more than {multiple:g} x the area's under-5s + 10 "
                "([extracts] max_per_under5); is a column shifted or a total pasted in?", column=col, rows=file_rows(t, big)))


def _periodic(kind_name: str, path: Path, register: CodeRegister, count_cols: list[str], keys: list[str],
              rules: Extracts, extra_checks=None) -> PeriodRows:
    """Read and check a periodic extract (every period); the period is chosen later."""
    path = path if isinstance(path, Path) else Path(path)
    sheet = rules.sheets.get(kind_name)
    t = read_table(path, ["area_code", *keys, "period", *count_cols], optional=group_columns_for(rules), sheet=sheet)
    report = FileReport(kind_name, str(path), rows_in=len(t))
    if t.attrs.get("sheet") is not None:
        report.notes.append(f"sheet read: {escape(t.attrs['sheet'])!r}")
    problems: list[InputProblem] = []
    for c in ("area_code", *keys, "period"):
        _require_text(t, c, path, problems)
    counts = {c: _counts(t, c, path, problems, cap=rules.max_count) for c in count_cols}
    if extra_checks is not None:
        extra_checks(t, counts, problems)
    kind = _area_codes(t, path, register, report, problems)
    _plausible(t, kind, counts, register, path, problems, multiple=rules.max_per_under5)
    labels, periods = period_labels(t, path, problems, quarters=rules.quarters)
    groups = read_group_columns(t, group_columns_for(rules), rules.groups, path, problems, report.notes)
    _duplicates(t.assign(area_code=t["area_code"].str.upper(), period=labels.fillna(t["period"]), **groups),
                ["area_code", *keys, "period", *groups], path, problems,
                "/".join(["area", *[k.removesuffix("_id") for k in keys], "period", *groups]))
    if problems:
        raise ValidationError(problems)
    t = t.assign(area_code=t["area_code"].str.upper(), period=labels, **groups, **{c: counts[c].astype("int64") for c in count_cols})
    inside = _in_study(t["area_code"], kind, register)
    report.exclude("area outside the study area", int((~inside).sum()))
    t = t[inside].assign(_kind=kind[inside])
    if t.empty:
        raise ValidationError([InputProblem(path, "no row has an area code inside the study area: is this the right file for the configured LAs?", column="area_code")])
    return PeriodRows(kind_name, path, t, {k: periods[k] for k in t["period"].unique()}, report, count_cols, keys,
                      group_columns=list(groups))


def review_rows(path: Path, register: CodeRegister, *, rules: Extracts | None = None) -> PeriodRows:
    """Validate a review take-up extract (``area_code, period, eligible, completed``), all periods."""

    def completed_le_eligible(t, counts, problems):
        over = (counts["completed"] > counts["eligible"]).fillna(False)
        if over.any():
            problems.append(InputProblem(path, "completed is greater than eligible", column="completed", rows=file_rows(t, over)))

    return _periodic("review_takeup", path, register, ["eligible", "completed"], [], _rules(rules), completed_le_eligible)


def attendance_rows(path: Path, register: CodeRegister, hub_ids: pd.Index, *, rules: Extracts | None = None) -> PeriodRows:
    """Validate a hub attendance extract (``area_code, hub_id, period, children``), all periods."""

    def known_hubs(t, counts, problems):
        unknown_hub = t["hub_id"].notna() & ~t["hub_id"].isin(hub_ids)
        if unknown_hub.any():
            problems.append(InputProblem(path, f"hub_id not in the hubs file ({examples(t.loc[unknown_hub, 'hub_id'])})",
                                         column="hub_id", rows=file_rows(t, unknown_hub)))

    return _periodic("hub_attendance", path, register, ["children"], ["hub_id"], _rules(rules), known_hubs)


def validate_review_takeup(path: Path, register: CodeRegister, *, period: str | None = None,
                           rules: Extracts | None = None) -> tuple[pd.DataFrame, FileReport]:
    """Validate a review take-up extract and return LSOA 2021 counts for one period.

    The period is ``period`` (any spelling) or the latest in the file; the build chooses
    one period for all extracts instead (:func:`~geo.inputs.period_choice.choose_period`).

    Returns
    -------
    (DataFrame, FileReport)
        ``lsoa21cd, eligible, completed`` for the chosen period, and the row accounting
        (``report.notes`` names the period and any LSOA 2011 or ward mapping).
    """
    rows = review_rows(path, register, rules=rules)
    chosen, _ = choose_period([rows], period, quarters=_rules(rules).quarters, config_path=Path(path))
    return rows.select(chosen, register), rows.report


def validate_hub_attendance(path: Path, register: CodeRegister, hub_ids: pd.Index, *, period: str | None = None,
                            rules: Extracts | None = None) -> tuple[pd.DataFrame, FileReport]:
    """Validate a hub attendance extract; return ``lsoa21cd, hub_id, children`` for one period."""
    rows = attendance_rows(path, register, hub_ids, rules=rules)
    chosen, _ = choose_period([rows], period, quarters=_rules(rules).quarters, config_path=Path(path))
    return rows.select(chosen, register), rows.report


def validate_under5(path: Path, register: CodeRegister, *, rules: Extracts | None = None) -> tuple[pd.Series, FileReport]:
    """Validate a user-supplied under-5 count file (``area_code, under5``; LSOA 2021 codes)."""
    path = Path(path)
    rules = _rules(rules)
    t = read_table(path, ["area_code", "under5"], sheet=rules.sheets.get("under5"))
    report = FileReport("under5", str(path), rows_in=len(t))
    problems: list[InputProblem] = []
    _require_text(t, "area_code", path, problems)
    u5 = _counts(t, "under5", path, problems, cap=rules.max_count)
    kind = _area_codes(t, path, register, report, problems, allow_ward=False)
    l11 = kind == "lsoa11"
    if l11.any():
        problems.append(InputProblem(path, "LSOA 2011 codes are not accepted for under-5 counts: give LSOA 2021 codes", column="area_code", rows=file_rows(t, l11)))
    _duplicates(t.assign(area_code=t["area_code"].str.upper()), ["area_code"], path, problems, "area")
    if problems:
        raise ValidationError(problems)
    codes = t["area_code"].str.upper()
    inside = codes.isin(register.study_lsoas)
    report.exclude("area outside the study area", int((~inside).sum()))
    report.rows_used = int(inside.sum())
    return pd.Series(u5[inside].to_numpy(dtype=float), index=codes[inside].to_numpy(), name="under5"), report


def validate_hub_areas(path: Path, register: CodeRegister, hub_ids: pd.Index, *,
                       rules: Extracts | None = None) -> tuple[pd.DataFrame, FileReport]:
    """Validate a council's own hub areas (``ward_code, hub_id``)."""
    path = Path(path)
    t = read_table(path, ["ward_code", "hub_id"], sheet=_rules(rules).sheets.get("hub_areas"))
    report = FileReport("hub_areas", str(path), rows_in=len(t))
    problems: list[InputProblem] = []
    for c in ("ward_code", "hub_id"):
        _require_text(t, c, path, problems)
    codes = t["ward_code"].str.upper()
    unknown = codes.notna() & ~codes.isin(register.ward.index)
    if unknown.any():
        problems.append(InputProblem(path, f"not a known ward code ({examples(codes[unknown])})", column="ward_code", rows=file_rows(t, unknown)))
    bad_hub = t["hub_id"].notna() & ~t["hub_id"].isin(hub_ids)
    if bad_hub.any():
        problems.append(InputProblem(path, f"hub_id not in the hubs file ({examples(t.loc[bad_hub, 'hub_id'])})", column="hub_id", rows=file_rows(t, bad_hub)))
    _duplicates(t.assign(ward_code=codes), ["ward_code"], path, problems, "ward")
    if problems:
        raise ValidationError(problems)
    inside = codes.isin(register.study_wards)
    report.exclude("ward outside the study area", int((~inside).sum()))
    report.rows_used = int(inside.sum())
    return pd.DataFrame({"ward_code": codes[inside], "hub_id": t.loc[inside, "hub_id"]}).reset_index(drop=True), report
