"""Join public data and validated extracts into one LSOA table and one ward table.

Ward figures are sums of LSOA counts with rates recomputed from the sums, never averages
of LSOA rates.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import Config, Extracts
from geo.inputs.codes import CodeRegister
from geo.inputs.public import PublicData

__all__ = ["code_register", "lsoa_table", "ward_table", "absent_extracts", "COUNT_COLUMNS", "rate"]

#: Count columns summed from LSOAs to wards (and hubs).
COUNT_COLUMNS = ["under5_est", "pop_0_15", "review_eligible", "review_completed", "hub_children"]


def rate(num, den) -> np.ndarray:
    """``num / den`` with NaN where ``den`` is 0."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def under5_estimate(public: PublicData, config: Config, under5: pd.Series | None = None) -> pd.DataFrame:
    """Estimated under-5s per LSOA: Census 0-15 x ``config.under5_ratio``, unless a file gives counts.

    Returns ``lsoa21cd, pop_0_15, under5_est, under5_source``.
    """
    pop = public.lsoa[["lsoa21cd"]].merge(public.population, on="lsoa21cd", how="left")
    est = pop["pop_0_15"].astype(float) * config.under5_ratio
    source = pd.Series(f"estimate: Census 2021 age 0-15 x {config.under5_ratio:.2f}", index=pop.index)
    if under5 is not None:
        given = pop["lsoa21cd"].map(under5)
        est = given.where(given.notna(), est)
        source = source.where(given.isna(), "supplied under-5 file")
    return pd.DataFrame({"lsoa21cd": pop["lsoa21cd"], "pop_0_15": pop["pop_0_15"], "under5_est": est.round(1), "under5_source": source})


def absent_extracts(extracts: Extracts) -> list[str]:
    """Notes naming the service extracts the config does not give (their measures are "not available", not zero).

    Examples
    --------
    >>> from pathlib import Path
    >>> absent_extracts(Extracts(review_takeup=Path("review.csv")))[0].split(":")[0]
    'reach not available'
    """
    if extracts.review_takeup is None and extracts.hub_attendance is None:
        return ["review take-up and reach not available: no review_takeup or hub_attendance extract is configured, so "
                "engagement and priority cannot be measured (their columns are blank; review and reach counts of 0 are not measurements)"]
    notes = []
    if extracts.review_takeup is None:
        notes.append("review take-up not available: no review_takeup extract is configured, so review figures are blank "
                     "(not zero) and engagement uses hub reach only")
    if extracts.hub_attendance is None:
        notes.append("reach not available: no hub_attendance extract is configured, so hub reach is blank (not zero), "
                     "engagement uses review take-up only, and outreach sites are weighted by all estimated under-5s")
    return notes


def code_register(public: PublicData, weight: pd.Series) -> CodeRegister:
    """Build the :class:`~geo.inputs.codes.CodeRegister` used to validate area codes."""
    reg = public.code_register
    lsoa21 = reg[reg["geography"] == "lsoa21"].set_index("code")["lad_code"]
    ward = reg[reg["geography"] == "ward"].set_index("code")["lad_code"]
    lk = public.lookup_ward.set_index("lsoa21cd")["ward_code"]
    return CodeRegister(
        lsoa21=lsoa21,
        ward=ward,
        lsoa11_codes=pd.Index(reg.loc[reg["geography"] == "lsoa11", "code"]),
        lsoa11=public.lookup_lsoa11,
        study_lsoas=pd.Index(public.lsoa["lsoa21cd"]),
        study_wards=pd.Index(public.wards["ward_code"]),
        lsoa_ward=lk,
        weight=weight,
    )


def lsoa_table(public: PublicData, under5: pd.DataFrame, review: pd.DataFrame | None,
               attendance: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """One row per study-area LSOA with deprivation, population and service counts.

    Parameters
    ----------
    public : PublicData
    under5 : DataFrame
        From :func:`under5_estimate`.
    review : DataFrame or None
        ``lsoa21cd, eligible, completed`` (one period).
    attendance : DataFrame or None
        ``lsoa21cd, hub_id, children`` (one period).

    Returns
    -------
    GeoDataFrame
        ``lsoa21cd, lsoa21nm, lad_code, ward_code, ward_name, under5_est, imd_score,
        imd_decile, idaci_score, income_score, review_eligible, review_completed,
        review_rate, hub_children, reach_rate, …, geometry`` in EPSG:27700.
    """
    lsoa = public.lsoa[["lsoa21cd", "lsoa21nm", "lad_code", "geometry"]]
    lk = public.lookup_ward[["lsoa21cd", "ward_code", "ward_name"]]
    imd = public.imd.rename(columns={"imd_score": "imd_score"})
    df = (lsoa.merge(lk, on="lsoa21cd", how="left")
              .merge(under5, on="lsoa21cd", how="left")
              .merge(imd, on="lsoa21cd", how="left"))
    if review is not None:
        r = review.rename(columns={"eligible": "review_eligible", "completed": "review_completed"})
        df = df.merge(r, on="lsoa21cd", how="left")
        df[["review_eligible", "review_completed"]] = df[["review_eligible", "review_completed"]].fillna(0).astype("int64")
    else:
        df["review_eligible"] = 0
        df["review_completed"] = 0
    if attendance is not None:
        a = attendance.groupby("lsoa21cd")["children"].sum().rename("hub_children")
        df = df.merge(a, left_on="lsoa21cd", right_index=True, how="left")
        df["hub_children"] = df["hub_children"].fillna(0).astype("int64")
    else:
        df["hub_children"] = 0
    df["review_rate"] = rate(df["review_completed"], df["review_eligible"])
    df["reach_rate"] = rate(np.minimum(df["hub_children"], df["under5_est"]), df["under5_est"])
    df["idaci_available"] = df["idaci_score"].notna()
    first = ["lsoa21cd", "lsoa21nm", "lad_code", "ward_code", "ward_name", "under5_est", "under5_source", "pop_0_15",
             "imd_score", "imd_decile", "imd_rank", "idaci_score", "idaci_decile", "income_score",
             "review_eligible", "review_completed", "review_rate", "hub_children", "reach_rate"]
    rest = [c for c in df.columns if c not in first and c != "geometry"]
    return gpd.GeoDataFrame(df[first + rest + ["geometry"]], geometry="geometry", crs=27700).sort_values("lsoa21cd").reset_index(drop=True)


def ward_table(lsoa: pd.DataFrame, wards: gpd.GeoDataFrame, extra_counts: list[str] = ()) -> gpd.GeoDataFrame:
    """Ward figures as sums of LSOA counts, with rates recomputed from the sums.

    Deprivation is summarised as the under-5-weighted mean IMD and IDACI score and the
    number of LSOAs in IMD decile 1-2.
    """
    counts = [c for c in list(COUNT_COLUMNS) + list(extra_counts) if c in lsoa.columns]
    g = lsoa.groupby("ward_code", sort=True)
    out = g[counts].sum()
    out["lsoas"] = g.size()
    w = lsoa["under5_est"].fillna(0)
    for col in ["imd_score", "idaci_score", "income_score"]:
        if col in lsoa.columns:
            valid = lsoa[col].notna()
            num = (lsoa[col].fillna(0) * w * valid).groupby(lsoa["ward_code"]).sum()
            den = (w * valid).groupby(lsoa["ward_code"]).sum()
            out[col] = rate(num, den)
    out["lsoas_imd_decile_1_2"] = (lsoa["imd_decile"] <= 2).groupby(lsoa["ward_code"]).sum()
    out["review_rate"] = rate(out["review_completed"], out["review_eligible"])
    out["reach_rate"] = rate(np.minimum(out["hub_children"], out["under5_est"]), out["under5_est"])
    out = out.reset_index()
    res = wards.merge(out, on="ward_code", how="inner")
    cols = ["ward_code", "ward_name", "lad_code", "ward_source", "lsoas"] + [c for c in out.columns if c not in ("ward_code", "lsoas")]
    return gpd.GeoDataFrame(res[cols + ["geometry"]], geometry="geometry", crs=27700)
