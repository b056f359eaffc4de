"""The tables that leave the tool (app tables, CSV, XLSX, PDF), with disclosure control.

One place says which columns each table shows, which are counts of real children, which
values derive from them, and which identities hold (so that secondary suppression can
protect them). Every shown or exported table goes through :func:`suppressed_table`.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from geo.disclosure.derived import COLUMN_POLICY
from geo.disclosure.ranks import p_top_band, rank_band_edges, rank_block
from geo.disclosure.rule import DisclosureRule
from geo.disclosure.suppress import suppress
from geo.disclosure.totals import SuppressedTable, add_total_row
from geo.safety import neutralise_frame

__all__ = ["lsoa_table_out", "ward_table_out", "hub_table", "suppressed_table", "for_display", "xlsx_bytes", "TABLE_SPECS",
           "COUNT_COLUMNS", "linked_cells"]

_REVIEW_DERIVED = ["review_rate", "review_rate_lo", "review_rate_hi", "review_rate_smoothed", "review_funnel_flag", "review_obs_minus_exp",
                   "reviewed_pct", "engagement_basis"]
#: coarse functions of every engagement count (COLUMN_POLICY "coarse"), published by geo.disclosure.publish
COARSE_COLUMNS = [c for c, (how, _) in COLUMN_POLICY.items() if how == "coarse"]
_REACH_DERIVED = ["reach_rate", "reach_rate_smoothed", "children_not_reached", "need_weighted_not_reached", "reached_pct"]

#: per table kind: (key column, count columns, derived columns -> sources, row identities, subtotal group)
TABLE_SPECS = {
    "lsoa": ("lsoa21cd", ["review_eligible", "review_completed", "children_not_reviewed", "hub_children"], None),
    "ward": ("ward_code", ["review_eligible", "review_completed", "children_not_reviewed", "hub_children"], "lad_code"),
    "hub": ("hub_id", ["review_eligible", "review_completed", "children_not_reviewed", "children_reached"], None),
}

LSOA_COLUMNS = [
    "priority_rank", "lsoa21cd", "lsoa21nm", "lad_code", "ward_code", "ward_name", "hub_id", "quadrant", "priority_score",
    "need_score", "engagement_score", "imd_score", "imd_decile", "idaci_score", "under5_est",
    "review_eligible", "review_completed", "children_not_reviewed", "review_rate", "review_rate_lo", "review_rate_hi",
    "review_rate_smoothed", "review_funnel_flag", "expected_review_rate", "review_obs_minus_exp",
    "hub_children", "reach_rate", "reach_rate_smoothed", "children_not_reached", "travel_minutes_to_hub", "gap_type",
    "engagement_basis", "priority_rank_lo", "priority_rank_hi", "p_top",
]
WARD_COLUMNS = [
    "priority_rank", "ward_code", "ward_name", "lad_code", "ward_source", "lsoas", "quadrant", "priority_score", "need_score",
    "engagement_score", "imd_score", "under5_est", "review_eligible", "review_completed", "children_not_reviewed",
    "review_rate", "review_rate_lo", "review_rate_hi", "review_rate_smoothed", "review_funnel_flag", "hub_children",
    "reach_rate", "reach_rate_smoothed", "children_not_reached", "travel_minutes_to_hub",
    "engagement_basis", "priority_rank_lo", "priority_rank_hi", "p_top",
]


def _select(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(df[[c for c in columns if c in df.columns]]).copy()
    if "under5_est" in out:
        out["under5_est"] = out["under5_est"].round(0)
    if "children_not_reached" in out:
        out["children_not_reached"] = out["children_not_reached"].round(0)
    for c in out.columns:
        if c.endswith(("_score", "_rate", "_lo", "_hi", "_smoothed", "minutes_to_hub", "obs_minus_exp")) and out[c].dtype.kind == "f":
            out[c] = out[c].round(4 if "rate" in c or c.endswith(("_lo", "_hi", "_smoothed", "obs_minus_exp")) else 1)
    if {"priority_rank_lo", "priority_rank_hi"} <= set(out.columns):  # coarse only (COLUMN_POLICY)
        width = rank_block(int(out["priority_rank_lo"].notna().sum()))
        out["priority_rank_lo"], out["priority_rank_hi"] = rank_band_edges(out["priority_rank_lo"], out["priority_rank_hi"], width=width)
    if "p_top" in out:
        out["p_top"] = p_top_band(out["p_top"])
    return out.reset_index(drop=True)


def lsoa_table_out(lsoa: pd.DataFrame) -> pd.DataFrame:
    """The LSOA table as shown and exported (priority order)."""
    return _select(lsoa, LSOA_COLUMNS).sort_values("priority_rank").reset_index(drop=True)


def ward_table_out(wards: pd.DataFrame) -> pd.DataFrame:
    """The ward table as shown and exported (sorted by LA then ward code, for subtotals)."""
    out = _select(wards, WARD_COLUMNS)
    out["children_not_reviewed"] = out["review_eligible"] - out["review_completed"]
    return out.sort_values(["lad_code", "ward_code"]).reset_index(drop=True)


def hub_table(result) -> pd.DataFrame | None:
    """Per hub: under-5s, share within the threshold, reviewed %, reached %, children not reached in high-need areas."""
    t = result.hub_table()
    if t is None:
        return None
    t = t.copy()
    t["children_not_reviewed"] = t["review_eligible"] - t["review_completed"]
    t["reviewed_pct"] = np.where(t["review_eligible"] > 0, t["review_completed"] / t["review_eligible"].where(t["review_eligible"] > 0, 1), np.nan)
    t["reached_pct"] = np.where(t["under5"] > 0, np.minimum(t["children_reached"], t["under5"]) / t["under5"].where(t["under5"] > 0, 1), np.nan)
    for c in ("under5", "under5_within_threshold", "priority_children", "children_not_reached_high_need"):
        t[c] = t[c].round(0)
    cols = ["hub_id", "name", "lsoas", "under5", "under5_within_threshold", "share_under5_within_threshold", "review_eligible",
            "review_completed", "children_not_reviewed", "reviewed_pct", "children_reached", "reached_pct", "priority_children",
            "children_not_reached_high_need"]
    return t[cols]


def suppressed_table(table: pd.DataFrame, rule: DisclosureRule, kind: str, *, totals: bool = False) -> SuppressedTable:
    """Apply the disclosure rule to a table of kind ``lsoa``, ``ward`` or ``hub``.

    With ``totals=True`` a total row (and, for wards, a subtotal row per local authority)
    is added before suppression, so that no suppressed cell can be recovered by subtraction.
    """
    key, counts, group = TABLE_SPECS[kind]
    counts = [c for c in counts if c in table.columns]
    derived = {}
    for c in _REVIEW_DERIVED:
        if c in table.columns:
            derived[c] = [s for s in ("review_completed", "review_eligible", "children_not_reviewed") if s in table.columns]
    reach_src = "children_reached" if kind == "hub" else "hub_children"
    for c in _REACH_DERIVED:
        if c in table.columns:
            derived[c] = [reach_src]
    relations = [("review_eligible", ["review_completed", "children_not_reviewed"])] if {"review_eligible", "review_completed", "children_not_reviewed"} <= set(table.columns) else []
    t = table
    total_row = None
    group_col = None
    if totals:
        group_col = group if group and group in table.columns and table[group].nunique() > 1 else None
        t = add_total_row(table, counts, key=key, label="Total", group_col=group_col)
        total_row = "Total"
        # rates on total rows from their counts
        tot = t[key].astype(str).str.endswith("Total") | (t[key] == "Total")
        if "review_rate" in t:
            t.loc[tot, "review_rate"] = (t.loc[tot, "review_completed"] / t.loc[tot, "review_eligible"].where(t.loc[tot, "review_eligible"] > 0)).round(4)
        if "reviewed_pct" in t:
            t.loc[tot, "reviewed_pct"] = (t.loc[tot, "review_completed"] / t.loc[tot, "review_eligible"].where(t.loc[tot, "review_eligible"] > 0)).round(4)
    return suppress(t, counts=counts, derived=derived, row_relations=relations, total_row=total_row, group_col=group_col,
                    key=key, table=kind, rule=rule)


def for_display(df: pd.DataFrame) -> pd.DataFrame:
    """Make suppressed columns (numbers mixed with ``"<5"``/``"c"``) one text type for the app's tables.

    Rates are shown as percentages; whole numbers without decimals.
    """
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if col.dtype != object or not col.map(lambda v: isinstance(v, str)).any() or not col.map(lambda v: isinstance(v, (int, float, np.number))).any():
            continue
        is_rate = c.endswith(("_rate", "_lo", "_hi", "_smoothed", "_pct", "obs_minus_exp"))

        def fmt(v, is_rate=is_rate):
            if isinstance(v, str):
                return v
            if v is None or pd.isna(v):
                return ""
            if is_rate:
                return f"{v:.1%}"
            return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"

        out[c] = col.map(fmt)
    return out


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with one sheet per table; text cells are text, never formulas.

    Text starting with a formula character gets a leading ``'`` (:func:`geo.safety.neutralise_frame`),
    so openpyxl, which stores text starting with ``=`` as a formula, stores every text cell as a
    string (data type ``s``); control characters an XLSX file cannot hold are shown as U+FFFD.
    """
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, df in sheets.items():
            neutralise_frame(df, xlsx=True).to_excel(xl, sheet_name=name[:31], index=False)
    return buf.getvalue()


#: The count columns of each published table (the cells the attacks protect).
COUNT_COLUMNS: dict[str, list[str]] = {kind: list(spec[1]) for kind, spec in TABLE_SPECS.items()}


def linked_cells(tables: dict[str, tuple[SuppressedTable, pd.DataFrame]]) -> tuple[dict[tuple, float], set, set]:
    """Every count cell of the tables: true values, primary cells and suppressed cells."""
    values: dict[tuple, float] = {}
    primary: set[tuple] = set()
    suppressed: set[tuple] = set()
    for kind, (st, raw) in tables.items():
        key = TABLE_SPECS[kind][0]
        if list(st.display[key]) != list(raw[key]):
            raise ValueError(f"{kind}: suppressed and true tables have different rows")
        for c in COUNT_COLUMNS[kind]:
            if c not in raw.columns:
                continue
            vals = pd.to_numeric(raw[c], errors="coerce").to_numpy(dtype=float)
            for k, v, m, why in zip(raw[key], vals, st.mask[c].to_numpy(dtype=bool), st.reason[c]):
                cell = (kind, k, c)
                values[cell] = v
                if m:
                    suppressed.add(cell)
                if why == "primary":
                    primary.add(cell)
    return values, primary, suppressed
