"""Scoring of the build (:func:`geo.build.analyse`): need, engagement, priority, rank intervals,
expected rates and gap types for the LSOA or ward table, and the blanking of a component whose
extract was not given.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.catchments import gap_types
from geo.config import Config
from models.expected import add_expected
from models.risk import score_areas
from models.uncertainty import rank_intervals, rank_settings

__all__ = ["cv_groups", "fit_not_available", "not_available", "score_table"]


def not_available(areas: gpd.GeoDataFrame, component: str) -> gpd.GeoDataFrame:
    """Blank (NaN) every column measuring ``component`` ("review" or "reach") when its extract was not given.

    ``children_not_reached`` stays (all estimated under-5s: none is known to be reached), as
    outreach sites are weighted by it.
    """
    counts = {"review": ["review_eligible", "review_completed", "children_not_reviewed"], "reach": ["hub_children"]}[component]
    cols = [c for c in areas.columns if c in counts or c.startswith((f"{component}_", f"eng_{component}", f"expected_{component}"))
            or c.endswith(f"_{component}")]
    return areas.assign(**dict.fromkeys(cols, np.nan))


def fit_not_available(report: dict, component: str) -> None:
    """Replace the expected-rate fit of ``component`` in ``report`` (review at the top, reach under
    ``"reach"``) by a note: a model fitted to a missing extract's zeros is meaningless."""
    extract = {"review": "review_takeup", "reach": "hub_attendance"}[component]
    note = {"target": component, "not_available": f"no {extract} extract is configured"}
    if component == "reach":
        report["reach"] = note
    else:
        keep = {k: report[k] for k in ("reach", "wards") if k in report}
        report.clear()
        report.update(note, **keep)


def score_table(areas: gpd.GeoDataFrame, config: Config) -> tuple[gpd.GeoDataFrame, dict]:
    """Need, engagement, priority, expected take-up and gap type for LSOAs or wards."""
    scored = score_areas(areas.drop(columns="geometry"), config.weights)
    ranks = rank_intervals(scored, seed=config.seed % (2**32), **rank_settings(config.weights))
    smoothing, stability = scored.attrs["smoothing"], ranks.attrs["rank_stability"]
    scored = pd.concat([scored, ranks], axis=1)
    areas = areas.drop(columns=[c for c in scored.columns if c in areas.columns and c != "geometry"])
    areas = pd.concat([areas, scored], axis=1)
    groups = cv_groups(areas)
    expected, report = add_expected(areas.drop(columns="geometry"), target="review", random_state=config.seed % (2**32), groups=groups)
    areas = pd.concat([areas, expected.drop(columns=[c for c in expected.columns if c in areas.columns])], axis=1)
    expected, report["reach"] = add_expected(areas.drop(columns="geometry"), target="reach", random_state=config.seed % (2**32), groups=groups)
    report["smoothing"], report["rank_stability"] = smoothing, stability
    areas = pd.concat([areas, expected.drop(columns=[c for c in expected.columns if c in areas.columns])], axis=1)
    if "within_threshold" in areas.columns or "travel_minutes_to_hub" in areas.columns:
        minutes = areas["travel_minutes_to_site"] if "travel_minutes_to_site" in areas.columns else areas["travel_minutes_to_hub"]
        low = areas["engagement_score"] < config.weights.low_engagement_percentile
        areas["gap_type"] = gap_types(areas.assign(travel_minutes_to_site=minutes), threshold_minutes=config.travel.threshold_minutes, low_engagement_mask=low).to_numpy()
    return gpd.GeoDataFrame(areas, geometry="geometry", crs=27700), report


def cv_groups(areas: gpd.GeoDataFrame) -> tuple[str, np.ndarray]:
    """Spatial groups for cross-validating the expected-rate models (``models.expected.add_expected``):
    LSOAs by ward; wards (no coarser unit in the build) by up to 15 square blocks of the
    study area's extent (``models.expected.spatial_blocks`` of ward representative points)."""
    if "lsoa21cd" in areas.columns and "ward_code" in areas.columns:
        return "ward", areas["ward_code"].astype(str).to_numpy()
    from models.expected import spatial_blocks

    centre = areas.geometry.representative_point()
    return "spatial blocks", spatial_blocks(centre.x.to_numpy(), centre.y.to_numpy(), n_blocks=min(len(areas), 15))
