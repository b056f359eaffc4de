"""What the ILT pack's pages say, as display-ready tables of text (every figure from the gated tables).

Every number here comes from :func:`geo.disclosure.gate.export_tables` output (``tables.*.display``:
counts 1-4 as ``"<5"``, withheld values as ``"c"``, scores as 10-point bands) or from public data
(need score, IMD decile, under-5 estimates, travel minutes, postcodes); this module only formats.
The top-10 table says what the ranking used in a form that survives disclosure control: the
priority band and its rank, the need score (public), the engagement band (the banded take-up and
reach), the ward's smoothed take-up (ward counts are larger), and what to do there: the suggested
venue that brings the area within reach and the postcode sectors to leaflet.

Examples
--------
>>> score_band(40.0), score_band("c"), score_band(float("nan"))
('40-49', 'c', '–')
"""

from __future__ import annotations

import math

import pandas as pd

from geo.display import fmt_value, rank_range_text
from geo.inputs.postcodes import postcode_sector

__all__ = ["TOP_N", "score_band", "top_lsoa_table", "key_figures", "venue_table", "ward_table", "lsoa_sectors",
           "CONVENTION"]

#: priority areas per hub in its table
TOP_N = 10

CONVENTION = ("Counts of 1 to 4 children are shown as <5 (LSOA rows: 0 to 4); c = withheld so that no small count can be "
              "worked out. Scores are published as 10-point bands (40-49). Under-5s and 'not reached' are estimates "
              "(children not reached per hub or venue: nearest 10). Eligible, Reviewed: 2-2½ year review; Attending: "
              "children seen at a hub.")

#: the top-10 table's columns: header -> what it is (printed under the table)
TOP_COLUMNS = {
    "Rank": "priority rank in the study area (rank of the bands; 90% range: where the rank falls in 90% of "
            "simulations of the counts' uncertainty; top-N chance in bands)",
    "Priority": "priority band (0-100: high need x low engagement)",
    "Need": "need score (0-100, public data: IDACI, IMD, under-5s); IMD decile (1 = most deprived 10% in England)",
    "Engagement": "engagement band (0-100: smoothed review take-up and hub reach against what is expected)",
    "Ward take-up": "smoothed review take-up of the LSOA's ward (ward counts are larger, so it is published more often)",
}


def score_band(value) -> str:
    """A published band's lower edge as a range (``40`` -> ``"40-49"``); labels pass through.

    Examples
    --------
    >>> score_band(90.0), score_band(0), score_band("<5")
    ('90-100', '0-9', '<5')
    """
    if isinstance(value, str):
        return value.strip() or "–"
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    lo = int(float(value))
    return f"{lo}-{100 if lo >= 90 else lo + 9}"


def lsoa_sectors(postcodes: pd.DataFrame | None, codes) -> dict[str, list[str]]:
    """LSOA code -> the postcode sectors inside it (sorted), from the study area's postcode file.

    Examples
    --------
    >>> pcs = pd.DataFrame({"postcode": ["W10 6AB", "W10 6AA", "W9 1NZ"], "lsoa21cd": ["a", "a", "b"]})
    >>> lsoa_sectors(pcs, ["a", "b", "c"])
    {'a': ['W10 6'], 'b': ['W9 1'], 'c': []}
    """
    out: dict[str, list[str]] = {str(c): [] for c in codes}
    if postcodes is None or postcodes.empty or "lsoa21cd" not in postcodes:
        return out
    sel = postcodes[postcodes["lsoa21cd"].isin(out)]
    for code, part in sel.assign(sector=postcode_sector(sel["postcode"].astype(str))).groupby("lsoa21cd"):
        out[str(code)] = sorted(set(part["sector"]))
    return out


def _venue_for(sites: pd.DataFrame) -> dict[str, str]:
    """LSOA code -> "rank. venue name" of the first suggested venue that brings it within reach."""
    out: dict[str, str] = {}
    if sites is None or sites.empty or "lsoa_codes" not in sites:
        return out
    for row in sites.sort_values("rank").itertuples():
        for code in str(row.lsoa_codes or "").split(";"):
            if code and code not in out:
                out[code] = f"{int(row.rank)}. {row.name}"
    return out


def _what_to_do(row, venue: dict[str, str], threshold: float) -> str:
    if row["lsoa21cd"] in venue:
        return f"Venue {venue[row['lsoa21cd']]}"
    minutes = row.get("travel_minutes_to_hub")
    if isinstance(minutes, int | float) and not math.isnan(minutes) and minutes <= threshold:
        return f"Promote the hub ({fmt_value(minutes, 'minutes')} min away)"
    return "Outreach visit (no venue brings it within reach)"


def top_lsoa_table(tables, hub_id: str, *, sites: pd.DataFrame, postcodes: pd.DataFrame | None, threshold: float,
                   n: int = TOP_N) -> pd.DataFrame:
    """A hub's top ``n`` priority LSOAs as printed: what the ranking used and what to do there.

    Parameters
    ----------
    tables : ExportTables
        The gate's output (``lsoa.display`` in published rank order, ``wards.display``).
    hub_id : str
    sites : DataFrame
        The hub's suggested venues (``rank, name, lsoa_codes``).
    postcodes : DataFrame or None
        ``postcode, lsoa21cd`` of the study area.
    threshold : float
        Travel minutes within which the hub itself is within reach.

    Returns
    -------
    DataFrame
        Text cells; ``lsoa21cd`` kept as the first column (the LSOA code).
    """
    lsoa = tables.lsoa.display
    top = lsoa[lsoa["hub_id"] == hub_id].head(n)
    wards = tables.wards.display.set_index("ward_code")
    ward_rate = wards["review_rate_smoothed"] if "review_rate_smoothed" in wards else pd.Series(dtype=object)
    sectors = lsoa_sectors(postcodes, top["lsoa21cd"])
    venue = _venue_for(sites)
    rows = []
    for _, r in top.iterrows():
        rank = fmt_value(r["priority_rank"], "int")
        if "priority_rank_lo" in r:
            rank += f" ({rank_range_text(r['priority_rank_lo'], r['priority_rank_hi'])})"
        need = f"{fmt_value(r['need_score'], 'score')} (IMD {fmt_value(r.get('imd_decile'), 'int')})"
        rows.append({
            "lsoa21cd": r["lsoa21cd"], "Rank (90% range)": rank, "Top-20 chance": fmt_value(r.get("p_top"), "text"),
            "LSOA": f"{r['lsoa21cd']} {r['lsoa21nm']}", "Ward": fmt_value(r["ward_name"], "text"),
            "Priority": score_band(r["priority_score"]), "Need (IMD decile)": need,
            "Engagement": score_band(r["engagement_score"]),
            "Ward take-up": fmt_value(ward_rate.get(r["ward_code"], float("nan")), "pct"),
            "Under-5s": fmt_value(r["under5_est"], "count"), "Gap": fmt_value(r["gap_type"], "text"),
            "Minutes": fmt_value(r["travel_minutes_to_hub"], "minutes"),
            "What to do": _what_to_do(r, venue, threshold),
            "Leaflet sectors": ", ".join(sectors.get(str(r["lsoa21cd"]), [])) or "none on file",
        })
    return pd.DataFrame(rows, columns=["lsoa21cd", "Rank (90% range)", "Top-20 chance", "LSOA", "Ward", "Priority",
                                       "Need (IMD decile)", "Engagement", "Ward take-up", "Under-5s", "Gap", "Minutes",
                                       "What to do", "Leaflet sectors"])


def key_figures(tables, hub_id: str, *, travel) -> list[tuple[str, str]]:
    """(label, value) lines of a hub, from the gated hub and LSOA tables."""
    hubs = tables.hubs.display if tables.hubs is not None else pd.DataFrame(columns=["hub_id"])
    row = hubs[hubs["hub_id"] == hub_id]
    lsoa = tables.lsoa.display
    mine = lsoa[lsoa["hub_id"] == hub_id]
    if row.empty:
        return [("Catchment", "no LSOA is nearest to this hub, so it has no catchment figures")]
    r = row.iloc[0]
    gaps = mine["gap_type"].fillna("").value_counts() if "gap_type" in mine else pd.Series(dtype=int)
    return [
        ("LSOAs in the catchment", f"{len(mine):,}"),
        ("Under-5s (estimate)", fmt_value(r["under5"], "count")),
        (f"Within {travel.threshold_minutes:g} min ({travel.mode}) of a hub or spoke",
         fmt_value(r["share_under5_within_threshold"], "pct")),
        ("Reviewed at 2-2½ years", f"{fmt_value(r['reviewed_pct'], 'pct')} ({fmt_value(r['review_completed'], 'count')} of "
                                   f"{fmt_value(r['review_eligible'], 'count')} eligible)"),
        ("Reached by a hub", f"{fmt_value(r['reached_pct'], 'pct')} ({fmt_value(r['children_reached'], 'count')} children attending)"),
        ("Children not reached in high-need areas",
         f"about {fmt_value(r['children_not_reached_high_need_nearest_10'], 'count')} (est.)"),
        ("Priority LSOAs (high need, low engagement)", f"{int((mine['quadrant'] == 'high need, low engagement').sum()):,}"),
        ("Gaps: beyond reach / near but not engaged",
         f"{int(gaps.get('beyond reach', 0)):,} / {int(gaps.get('near but not engaged', 0)):,} LSOAs"),
    ]


def _venue_kind(row) -> str:
    sub = row.get("subtype") if isinstance(row.get("subtype"), str) else ""
    return sub.split(" (")[0] if sub else str(row.get("type", "")).replace("_", " ")


def venue_table(sites: pd.DataFrame) -> pd.DataFrame:
    """A hub's suggested venues as printed: rank, full name, type, address, LSOAs and children brought in reach."""
    rows = []
    for _, v in sites.sort_values("rank").iterrows():
        address = ", ".join(str(x) for x in (v.get("address"), v.get("postcode")) if isinstance(x, str) and x.strip())
        rows.append({"#": fmt_value(v["rank"], "int"), "Venue": str(v["name"]), "Type": _venue_kind(v),
                     "Address": address or "no address in the venue file",
                     "LSOAs": fmt_value(v["covered_lsoas"], "int"),
                     "Children": fmt_value(v["covered_children_nearest_10"], "count")})
    return pd.DataFrame(rows, columns=["#", "Venue", "Type", "Address", "LSOAs", "Children"])


#: the ward summary's printed columns: (key, header, format)
WARD_COLUMNS = [
    ("ward_code", "Ward code", "text"), ("ward_name", "Ward", "text"), ("la", "Local authority", "text"),
    ("quadrant", "Quadrant", "quadrant"), ("priority_rank", "Rank", "int"), ("priority_score", "Priority", "band"),
    ("under5_est", "Under-5s", "count"), ("review_eligible", "Eligible", "count"),
    ("review_completed", "Reviewed", "count"), ("children_not_reviewed", "Not reviewed", "count"),
    ("review_rate_smoothed", "Take-up (smoothed)", "pct"), ("hub_children", "Attending", "count"),
    ("reach_rate_smoothed", "Reach", "pct"), ("children_not_reached", "Not reached", "count"),
    ("travel_minutes_to_hub", "Minutes", "minutes"),
]


def ward_table(wards: pd.DataFrame, la_names: dict[str, str]) -> tuple[pd.DataFrame, list[bool]]:
    """The gated ward table as printed (local-authority subtotals and the total named), and which rows are totals."""
    wards = wards.copy()
    key = wards["ward_code"].astype(str)
    is_total = key.str.endswith(" total") | (key == "Total")
    wards["la"] = [la_names.get(c, c) if isinstance(c, str) else "" for c in wards["lad_code"]]
    wards.loc[is_total, "ward_name"] = [f"{la_names.get(k[:-6], k[:-6])} total" if k.endswith(" total") else "All wards"
                                        for k in key[is_total]]
    cols = [c for c in WARD_COLUMNS if c[0] in wards.columns]
    out = pd.DataFrame({header: [score_band(v) if kind == "band" else fmt_value(v, kind) for v in wards[k]]
                        for k, header, kind in cols})
    return out, is_total.tolist()
