"""The pipeline: load → validate → join → score → catchments.

:func:`run` (:func:`prepare` then :func:`analyse`) returns a :class:`BuildResult` (used by the
app, the exports and the tests); :func:`geo.outputs.write` writes it out (``lsoa.csv``,
``wards.csv``, ``areas.gpkg``, ``reconciliation.json``, ``model.json`` ...). The scoring of the
LSOA and ward tables is :mod:`geo.scoring`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import geopandas as gpd
import pandas as pd

from geo.catchments import assign_hubs, catchment_polygons, demand_points, gap_polygons, hub_summary
from geo.config import Config
from geo.errors import InputProblem, ValidationError
from geo.inputs import extracts as ex
from geo.inputs import venues
from geo.inputs.counts import FileReport
from geo.inputs.period_choice import choose_period, choose_window, window_label
from geo.inputs.public import PublicData, load_public
from geo.join import absent_extracts, code_register, lsoa_table, under5_estimate, ward_table
from geo.scoring import fit_not_available, not_available, score_table

__all__ = ["BuildResult", "Inputs", "Prepared", "analysis_window", "validate_inputs", "prepare", "analyse", "run"]


@dataclass
class Inputs:
    """Validated extracts, each with its row accounting."""

    review: pd.DataFrame | None = None
    attendance: pd.DataFrame | None = None
    hubs: gpd.GeoDataFrame | None = None
    venues: gpd.GeoDataFrame | None = None
    under5: pd.Series | None = None
    hub_areas: pd.DataFrame | None = None
    reports: list[FileReport] = field(default_factory=list)
    #: How the one analysis period was chosen (see :func:`geo.inputs.period_choice.choose_period`).
    period: dict = field(default_factory=dict)
    #: Every period of each periodic extract on LSOA 2021 (``review_takeup``, ``hub_attendance``), for the trends.
    series: dict = field(default_factory=dict)
    #: The :class:`~geo.inputs.periods.Period` of every label in the extracts.
    period_index: dict = field(default_factory=dict)
    #: Validated outreach sessions (see :mod:`geo.monitoring.sessions`).
    sessions: pd.DataFrame | None = None
    #: Every period per group on LSOA 2021, by ``(extract kind, group column)`` (see :mod:`geo.equity`).
    groups: dict = field(default_factory=dict)

    @property
    def periods(self) -> dict[str, str]:
        """The period (or pooled window, ``"2025-Q1 to 2025-Q4 pooled"``) each extract is analysed for."""
        out = {}
        for kind, frame in (("review_takeup", self.review), ("hub_attendance", self.attendance)):
            if frame is not None:
                window = frame.attrs.get("window", [])
                out[kind] = f"{window[0]} to {window[-1]} pooled" if len(window) > 1 else frame.attrs.get("period")
        return out


@dataclass
class BuildResult:
    """Everything the build produced, in EPSG:27700."""

    config: Config
    public: PublicData
    inputs: Inputs
    lsoa: gpd.GeoDataFrame
    wards: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)
    model_report: dict = field(default_factory=dict)
    _polygons: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def hubs(self) -> gpd.GeoDataFrame | None:
        return self.inputs.hubs

    @property
    def venues(self) -> gpd.GeoDataFrame | None:
        return self.inputs.venues

    def catchments(self) -> gpd.GeoDataFrame | None:
        """Hub catchment polygons (LSOAs dissolved by catchment hub; dissolved once, a copy returned)."""
        if "hub_id" not in self.lsoa.columns:
            return None
        if "catchments" not in self._polygons:
            self._polygons["catchments"] = catchment_polygons(self.lsoa[["geometry", "under5_est"]], self.lsoa[["hub_id"]])
        return self._polygons["catchments"].copy()

    def gaps(self) -> gpd.GeoDataFrame | None:
        """Catchment-gap polygons per hub and gap type, with counts of children (dissolved once, a copy returned)."""
        if "gap_type" not in self.lsoa.columns:
            return None
        if "gaps" not in self._polygons:
            cols = [c for c in ("hub_id", "gap_type", "under5_est", "hub_children") if c in self.lsoa.columns]
            self._polygons["gaps"] = gap_polygons(self.lsoa[["geometry"]], pd.DataFrame(self.lsoa[cols]))  # the columns it reads
        return self._polygons["gaps"].copy()

    def hub_table(self) -> pd.DataFrame | None:
        """Per hub: LSOAs, under-5s, share within the threshold, children reached, priority children."""
        if "hub_id" not in self.lsoa.columns:
            return None
        table = hub_summary(self.lsoa.drop(columns="geometry"))
        sums = self.lsoa.groupby("hub_id")[["review_eligible", "review_completed"]].sum()
        table = table.merge(sums, left_on="hub_id", right_index=True, how="left")
        names = self.hubs.set_index("hub_id")["name"]
        table.insert(1, "name", table["hub_id"].map(names))
        return table

    def reconciliation(self) -> dict:
        """Rows in, used and excluded (by reason) for every input file."""
        files = [r.to_dict() for r in self.inputs.reports]
        return {
            "study_area": self.config.name,
            "la_codes": list(self.config.la_codes),
            "synthetic_extracts": self.config.extracts.synthetic,
            "periods": self.inputs.periods,
            "period": self.inputs.period,
            "all_balanced": all(f["balanced"] for f in files),
            "files": files,
            "notes": self.notes,
            "monitoring": self.monitoring(),
        }

    def monitoring(self) -> dict:
        """What ``trends.csv``, ``changes.csv`` and ``impact.csv`` cover (see :mod:`geo.monitoring`)."""
        a = self.config.analysis
        index = self.inputs.period_index
        return {"periods": sorted(index, key=index.get), "pool_quarters": a.pool_quarters, "fdr": a.fdr,
                "targets": {m: {"value": t.value, "label": t.label} for m, t in a.targets.items()},
                "outreach_sessions": 0 if self.inputs.sessions is None else len(self.inputs.sessions),
                "model_and_maps_use": self.analysis_window}

    @property
    def analysis_window(self) -> str | None:
        """What the model, the map and every table use, in words: ``"2025-Q1 to 2025-Q4 pooled"``
        or the one period (``None`` without periodic extracts)."""
        return analysis_window(self.inputs.period)


def analysis_window(period: dict) -> str | None:
    """``"2025-Q1 to 2025-Q4 pooled"`` (several quarters), the one period's label, or None.

    >>> analysis_window({"analysis": "2025-Q4", "window": ["2025-Q3", "2025-Q4"], "window_label": "2025-Q3 to 2025-Q4"})
    '2025-Q3 to 2025-Q4 pooled'
    >>> analysis_window({"analysis": "2025-Q4"}), analysis_window({})
    ('2025-Q4', None)
    """
    if len(period.get("window", [])) > 1:
        return f"{period['window_label']} pooled"
    return period.get("analysis")


def _points(df: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["easting"], df["northing"]), crs=27700)


def validate_inputs(config: Config, public: PublicData, weight: pd.Series) -> Inputs:
    """Validate every configured extract; collect all problems before raising.

    Raises
    ------
    ValidationError
        One :class:`~geo.errors.InputProblem` per problem, across all files.
    """
    register = code_register(public, weight)
    inputs = Inputs()
    problems: list[InputProblem] = []
    e = config.extracts
    study_area = public.lsoa.geometry  # tested as the union of the LSOAs, without forming it

    def attempt(fn, *args, **kw):
        try:
            value, report = fn(*args, **kw)
        except ValidationError as err:
            problems.extend(err.problems)
            return None
        inputs.reports.append(report)
        return value

    if e.under5:
        inputs.under5 = attempt(ex.validate_under5, e.under5, register, rules=e)
    if e.hubs:
        hubs = attempt(venues.validate_sites, e.hubs, "hubs", postcodes=public.postcodes, study_area=study_area, sheet=e.sheets.get("hubs"))
        inputs.hubs = None if hubs is None else _points(hubs)
    if e.venues:
        sites = attempt(venues.validate_sites, e.venues, "venues", postcodes=public.postcodes, study_area=study_area,
                        sheet=e.sheets.get("venues"))
        inputs.venues = None if sites is None else _points(sites)
    periodic = {}

    def rows(name, fn, *args):
        try:
            periodic[name] = fn(*args, rules=e)
        except ValidationError as err:
            problems.extend(err.problems)

    if e.review_takeup:
        rows("review", ex.review_rows, e.review_takeup, register)
    if e.hub_attendance:
        if e.hubs is None:
            problems.append(InputProblem(config.path, "extracts.hub_attendance needs extracts.hubs (the hub_id list)", column="hubs"))
        elif inputs.hubs is not None:
            rows("attendance", ex.attendance_rows, e.hub_attendance, register, pd.Index(inputs.hubs["hub_id"]))
    if e.hub_areas and inputs.hubs is not None:
        inputs.hub_areas = attempt(ex.validate_hub_areas, e.hub_areas, register, pd.Index(inputs.hubs["hub_id"]), rules=e)
    if e.outreach_sessions:
        from geo.monitoring.sessions import validate_sessions

        hub_ids = pd.Index(inputs.hubs["hub_id"]) if inputs.hubs is not None else None
        inputs.sessions = attempt(validate_sessions, e.outreach_sessions, hub_ids=hub_ids, venues=inputs.venues,
                                  postcodes=public.postcodes, sheet=e.sheets.get("outreach_sessions"))
    if problems:
        raise ValidationError(problems)
    if periodic:
        _select_period(inputs, periodic, config, register)
    if problems:
        raise ValidationError(problems)
    return inputs


def _select_period(inputs: Inputs, periodic: dict, config: Config, register) -> None:
    """The period analysed (one for every periodic extract: :func:`~geo.inputs.period_choice.choose_period`),
    every period's series for monitoring, and the file reports in the extracts' order."""
    chosen, inputs.period = choose_period(list(periodic.values()), config.period, quarters=config.extracts.quarters,
                                          config_path=config.path)
    window, notes = choose_window(list(periodic.values()), chosen, config.analysis.pool_quarters)
    labels = [p.label for p in window]
    inputs.period.update(window=labels, window_label=window_label(labels), periods_pooled=len(labels),
                         window_start=window[0].start.isoformat(), mismatches=inputs.period["mismatches"] + notes)
    for name, x in periodic.items():
        setattr(inputs, name, x.select(chosen, register, window=window, average=name == "attendance"))
        inputs.series[x.kind] = x.every_period(register)
        inputs.groups.update({(x.kind, col): x.by_group(register, col) for col in x.group_columns})
        inputs.period_index.update(x.periods)
        inputs.reports.append(x.report)
    order = ["under5", "hubs", "venues", "review_takeup", "hub_attendance", "hub_areas", "outreach_sessions"]
    inputs.reports.sort(key=lambda r: order.index(r.kind) if r.kind in order else len(order))


@dataclass
class Prepared:
    """The joined LSOA table before catchments and scoring (what does not change with weights or travel)."""

    config: Config
    public: PublicData
    inputs: Inputs
    lsoa: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    notes: list[str]


def prepare(config: Config, *, public: PublicData | None = None) -> Prepared:
    """Load → validate → join: the LSOA table with public data and service counts.

    Raises
    ------
    ValidationError
        If any extract has problems (the CLI exits 2).
    """
    from geo.store.sources import extract_sources

    public = public if public is not None else load_public(config)
    base = under5_estimate(public, config)
    sourced, notes = extract_sources(config)  # the store's rows for each kind it holds, else the config's file
    inputs = validate_inputs(sourced, public, base.set_index("lsoa21cd")["under5_est"])
    under5 = under5_estimate(public, config, inputs.under5) if inputs.under5 is not None else base
    if inputs.under5 is not None:
        missing = int((under5["under5_source"] != "supplied under-5 file").sum())
        if missing:
            notes.append(f"{missing} LSOA(s) not in the under-5 file use the Census 0-15 estimate")
    else:
        notes.append(f"under-5s are ESTIMATED as Census 2021 age 0-15 x {config.under5_ratio:.2f} (no under-5 file given)")
    derived = int(public.wards["ward_source"].str.startswith("derived").sum())
    if derived:
        notes.append(f"{derived} of {len(public.wards)} ward polygons are derived by dissolving LSOAs on the ONS best-fit lookup")
    if inputs.period.get("periods_pooled", 1) > 1:
        notes.append(f"the model, maps and tables use {analysis_window(inputs.period)} ([analysis] pool_quarters): review "
                     "counts summed over the quarters, hub children averaged per quarter (whole children)")
    notes += inputs.period.get("mismatches", [])
    notes += absent_extracts(sourced.extracts)
    lsoa = lsoa_table(public, under5, inputs.review, inputs.attendance)
    notes += reach_capped_notes(lsoa)
    demand = demand_points(lsoa[["lsoa21cd", "ward_code", "geometry"]], public.postcodes)
    demand["ward_code"] = lsoa["ward_code"].to_numpy()
    return Prepared(config, public, inputs, lsoa, demand, notes)


def reach_capped_notes(lsoa: pd.DataFrame) -> list[str]:
    """Notes on LSOAs whose hub children exceed their under-5s (reach is capped at 100%) or who have none.

    A child attending two hubs counts twice, so a total above the under-5s is possible, but
    the reach rate then stops at 100% and the outputs must say so.

    Examples
    --------
    >>> reach_capped_notes(pd.DataFrame({"hub_children": [5, 12, 3, None], "under5_est": [10, 8, 0, 0]}))[0][:44]
    '1 LSOA(s) have more hub children than under-'
    >>> reach_capped_notes(pd.DataFrame({"hub_children": [5], "under5_est": [10]}))
    []
    """
    if "hub_children" not in lsoa.columns:
        return []
    hub = pd.to_numeric(lsoa["hub_children"], errors="coerce")
    under5 = pd.to_numeric(lsoa["under5_est"], errors="coerce").fillna(0)
    over = int(((hub > under5) & (under5 > 0)).sum())
    none = int(((hub > 0) & (under5 <= 0)).sum())
    notes = []
    if over:
        notes.append(f"{over} LSOA(s) have more hub children than under-5s (a child attending two hubs counts twice, or "
                     "the under-5 figure is low): their reach is capped at 100%")
    if none:
        notes.append(f"{none} LSOA(s) have hub children but no under-5s: their reach is not available")
    return notes


def analyse(prepared: Prepared, config: Config | None = None) -> BuildResult:
    """Catchments → score: hub assignment, gap types, need/engagement/priority for LSOAs and wards.

    Parameters
    ----------
    prepared : Prepared
    config : Config, optional
        Overrides ``prepared.config`` for weights and travel settings (the app's controls).
    """
    config = config or prepared.config
    lsoa = prepared.lsoa.copy()
    notes = list(prepared.notes)
    inputs = prepared.inputs
    if inputs.hubs is not None:
        assignment = assign_hubs(prepared.demand, inputs.hubs, config.travel, hub_areas=inputs.hub_areas)
        for col in ["hub_id", "travel_minutes_to_hub", "nearest_site_id", "travel_minutes_to_site", "within_threshold", "catchment_source"]:
            lsoa[col] = assignment[col].to_numpy()
        if assignment.attrs.get("catchment_note"):
            notes.append(assignment.attrs["catchment_note"])
    missing = [c for c, given in (("review", inputs.review is not None), ("reach", inputs.attendance is not None)) if not given]
    if len(missing) == 1:  # engagement from the extract that was given; the other is not available (not zero)
        config = config.with_(weights=replace(config.weights, engagement={k: (0.0 if k in missing else v)
                                                                           for k, v in config.weights.engagement.items()}))
    lsoa, report = score_table(lsoa, config)
    wards = ward_table(lsoa, prepared.public.wards, extra_counts=["children_not_reviewed"])
    if "travel_minutes_to_hub" in lsoa.columns:
        w = lsoa["under5_est"].fillna(0)
        minutes = (lsoa["travel_minutes_to_hub"] * w).groupby(lsoa["ward_code"]).sum() / w.groupby(lsoa["ward_code"]).sum()
        wards = wards.merge(minutes.rename("travel_minutes_to_hub"), left_on="ward_code", right_index=True, how="left")
    wards, ward_report = score_table(wards.drop(columns=["children_not_reviewed"]), config)
    report["wards"] = ward_report
    for component in missing:  # one or both extracts absent: their measures are not available
        lsoa, wards = not_available(lsoa, component), not_available(wards, component)
        for rep in (report, ward_report):  # no expected-rate fit of a component without data
            fit_not_available(rep, component)
    return BuildResult(config, prepared.public, inputs, lsoa, wards, prepared.demand, notes, report)


def run(config: Config, *, public: PublicData | None = None) -> BuildResult:
    """Run the whole pipeline for a study area: :func:`prepare` then :func:`analyse`.

    Examples
    --------
    >>> from geo.config import load_config
    >>> result = run(load_config("config.toml"))     # doctest: +SKIP
    >>> len(result.lsoa), len(result.wards)           # doctest: +SKIP
    (224, 36)
    """
    return analyse(prepare(config, public=public))
