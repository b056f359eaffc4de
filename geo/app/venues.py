"""The app's suggested outreach venues: per hub (as the ILT pack) or in total, from one function each.

With ``scope="hub"`` the venues are :func:`geo.sites.suggest_sites_per_hub`'s, the very function
the ILT pack calls (:func:`geo.export.tables.hub_sites`), so a hub's venues, LSOAs and children
in the app are those of the pack's page for that hub. With ``scope="total"`` they are
:func:`geo.sites.suggest_sites` over the areas in view, each listed under the hub whose
catchment it stands in. Children figures come from published cells only
(:func:`geo.disclosure.venues.published_venue_figures`).

Examples
--------
>>> plan = plan_venues(result, scope="hub", k=5, hubs=["WCC-CHS"])        # doctest: +SKIP
>>> reach_summary(plan, result, rule)["children"]                          # doctest: +SKIP
1290
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.app import labels
from geo.app.gated import gated_tables
from geo.disclosure import DisclosureRule
from geo.disclosure.gate import round_to
from geo.disclosure.venues import published_not_reached, published_venue_figures
from geo.safety import plain_markdown
from models.risk import PRIORITY_QUADRANT

__all__ = ["SCOPES", "VenuePlan", "plan_venues", "published_plan", "reach_summary", "forced_warnings", "forced_cost",
           "venue_panel", "hub_venue_lines", "RANKING_TEXT"]

#: how ``k`` is read: per hub (as the ILT pack) or in total over the areas in view
SCOPES = {"hub": "k per hub (as in the ILT pack)", "total": "k in total for the areas shown"}

#: the one explanation of how venues are ranked (shown once, above the table)
RANKING_TEXT = ("Venues are ranked by the children under 5 not yet reached that they bring within {minutes:.0f} "
                "minutes ({mode}), weighted by priority: a child in an area with priority score 80 out of 100 "
                "counts as 0.8 of a child. So a venue reaching fewer children in higher-priority areas can rank "
                "above one reaching more. Children: the under-5 estimate minus the published children attending, "
                "summed over the areas, nearest 10.")


@dataclass(frozen=True)
class VenuePlan:
    """The suggested venues of one choice of controls.

    Attributes
    ----------
    scope : str
        ``"hub"`` (``k`` per hub) or ``"total"``.
    k : int
    minutes : float
        Travel threshold.
    table : DataFrame
        :func:`geo.sites.suggest_sites` columns (with ``lsoa_codes``) in hub then rank order;
        ``hub_id`` is the hub the venue is suggested for (``"hub"``) or stands in (``"total"``).
    notes : dict
        Hub id -> why it has fewer than ``k`` venues.
    optimal : bool
        Whether every choice is the best possible.
    force_in : tuple of str
    """

    scope: str
    k: int
    minutes: float
    table: pd.DataFrame = field(repr=False)
    notes: dict = field(default_factory=dict)
    optimal: bool = True
    force_in: tuple = ()


def plan_venues(result, *, scope: str, k: int, hubs=(), lsoa_mask=None, venue_types=None,
                force_in=(), force_out=()) -> VenuePlan:
    """The suggested venues: ``k`` per hub in ``hubs`` (``scope="hub"``) or ``k`` in total over ``lsoa_mask``.

    Parameters
    ----------
    result : geo.build.BuildResult
    scope : {"hub", "total"}
    k : int
    hubs : sequence of str
        The hubs in view (``scope="hub"``).
    lsoa_mask : array of bool, optional
        The LSOAs in view (``scope="total"``; default all).
    venue_types, force_in, force_out
        As :func:`geo.sites.suggest_sites`.
    """
    from geo.sites import suggest_sites, suggest_sites_per_hub

    minutes = float(result.config.travel.threshold_minutes)
    if scope == "hub":
        table, notes = suggest_sites_per_hub(result, list(hubs), k=k, venue_types=venue_types,
                                             force_in=force_in, force_out=force_out)
        optimal = bool((table.get("solver_status", pd.Series(dtype=str)) == "optimal").all())
        return VenuePlan("hub", k, minutes, table.reset_index(drop=True), notes, optimal, tuple(force_in))
    if scope != "total":
        raise ValueError(f"scope must be one of {sorted(SCOPES)}, got {scope!r}")
    s = suggest_sites(result, k=k, venue_types=venue_types, force_in=force_in, force_out=force_out, lsoa_mask=lsoa_mask)
    table = s.table.sort_values(["hub_id", "rank"], kind="stable").reset_index(drop=True)
    return VenuePlan("total", k, minutes, table, {}, bool(s.result.optimal), tuple(force_in))


def published_plan(plan: VenuePlan, result, rule: DisclosureRule) -> pd.DataFrame:
    """The plan's venues with ``covered_children_nearest_10`` from published cells (what is shown and downloaded)."""
    return published_venue_figures(plan.table, gated_tables(result, rule).lsoa.display)


def _covered_codes(table: pd.DataFrame) -> list[str]:
    return sorted({c for codes in table["lsoa_codes"].fillna("") for c in str(codes).split(";") if c})


def reach_summary(plan: VenuePlan, result, rule: DisclosureRule) -> dict:
    """The plan's headline: children and priority areas newly within reach, from published cells.

    Returns
    -------
    dict
        ``children`` and ``priority_children`` (children not yet reached in the LSOAs the
        venues bring within reach, all and in published priority areas, nearest 10),
        ``priority_areas`` (published priority LSOAs brought within reach, nearest 10),
        ``lsoas`` and ``venues`` (counts).
    """
    shown = gated_tables(result, rule).lsoa.display
    per_lsoa = published_not_reached(shown)
    codes = _covered_codes(plan.table)
    priority = set(shown.loc[shown["quadrant"] == PRIORITY_QUADRANT, "lsoa21cd"].astype(str))
    in_priority = [c for c in codes if c in priority]

    def nearest_10(v: float) -> int:
        return int(round_to(pd.Series([float(v)])).iat[0])

    return {"children": nearest_10(per_lsoa.reindex(codes).fillna(0.0).sum()),
            "priority_children": nearest_10(per_lsoa.reindex(in_priority).fillna(0.0).sum()),
            "priority_areas": nearest_10(len(in_priority)), "lsoas": len(codes),
            "venues": int(plan.table["venue_id"].nunique())}


def forced_warnings(plan: VenuePlan, without, result, rule: DisclosureRule, names: dict) -> list[str]:
    """A warning for every venue forced in that brings no child within reach.

    ``without(venue_id)`` is the plan with that venue no longer forced in; what it chooses
    instead is what the forced venue displaced. ``names`` maps hub ids to hub names.
    """
    out = []
    table = plan.table
    for venue in plan.force_in:
        row = table[table["venue_id"] == venue]
        if row.empty:  # said, not dropped silently
            vs = result.venues
            name = vs.loc[vs["venue_id"] == venue, "name"].astype(str).tolist() if vs is not None else []
            out.append(f"{name[0] if name else venue} is forced in but not listed here: it is not of a chosen venue type"
                       + (", or it stands in the catchment of a hub not shown (it is listed under that hub)." if plan.scope == "hub" else "."))
            continue
        if int(row["covered_lsoas"].max()) > 0:
            continue
        hub = str(row["hub_id"].iat[0])
        other = without(venue)
        alt = published_plan(other, result, rule)
        kept = set(table.loc[table["hub_id"] == hub, "venue_id"]) if plan.scope == "hub" else set(table["venue_id"])
        alt = alt[~alt["venue_id"].isin(kept)] if plan.scope == "total" else alt[(alt["hub_id"] == hub) & ~alt["venue_id"].isin(kept)]
        lost = "; ".join(f"{v.name} (about {int(v.covered_children_nearest_10):,} children)" for v in alt.itertuples())
        where = f" for {names.get(hub, hub)}" if plan.scope == "hub" else ""
        out.append(f"{row['name'].iat[0]} is forced in{where} but every area within {plan.minutes:.0f} minutes of it is "
                   "already within reach of a hub, a spoke or a venue ranked above it: it takes one of the "
                   f"{plan.k} places and adds 0 children. "
                   + (f"Without it the option would include {lost}." if lost else "Without it no other venue would be chosen."))
    return out


def forced_cost(plan: VenuePlan, unforced: VenuePlan, result, rule: DisclosureRule) -> str | None:
    """What forcing venues in costs: the children reached with and without them, if fewer with them.

    ``unforced`` is the same plan with no venue forced in.
    """
    if not plan.force_in:
        return None
    with_, without = reach_summary(plan, result, rule)["children"], reach_summary(unforced, result, rule)["children"]
    if with_ >= without:
        return None
    return (f"With the venues forced in, this option reaches about {with_:,} children; without forcing them in, "
            f"the best choice would reach about {without:,}.")


def hub_venue_lines(shown: pd.DataFrame, hub: str) -> list[str]:
    """One line per venue suggested for ``hub``: ``"1. Name: 10 LSOAs, about 660 children"`` (names as plain text)."""
    rows = shown[shown["hub_id"] == hub].sort_values("rank")
    return [f"{int(v.rank)}. {plain_markdown(str(v.name))}: {int(v.covered_lsoas)} LSOA{'s' if v.covered_lsoas != 1 else ''}, "
            f"about {int(v.covered_children_nearest_10):,} children" for v in rows.itertuples()]


def _scope_sentence(plan: VenuePlan, hub_label: str) -> str:
    if plan.scope == "hub":
        return (f"Up to {plan.k} venues per hub, chosen separately for each hub's catchment, as in the ILT pack"
                f"{hub_label}.")
    return (f"{plan.k} venues in total for the areas shown, chosen together; each is listed under the hub "
            "whose catchment it stands in (hubs' own venues, k per hub, are on the Hubs tab).")


def venue_panel(st, plan: VenuePlan, result, rule: DisclosureRule, *, names: dict, warnings=()) -> dict:
    """The venue panel: scope in words, the children-reached headline, the ranking explained once,
    warnings about forced venues, then one table grouped by hub. Returns :func:`reach_summary`."""
    st.subheader("Suggested outreach venues")
    hubs = list(dict.fromkeys(plan.table["hub_id"]))
    hub_label = f" (for {plain_markdown(names.get(hubs[0], hubs[0]))})" if plan.scope == "hub" and len(hubs) == 1 else ""
    st.markdown(plain_markdown(_scope_sentence(plan, "")) if not hub_label else
                plain_markdown(_scope_sentence(plan, "")[:-1]) + hub_label + ".")
    reach = reach_summary(plan, result, rule)
    cols = st.columns(3)
    cols[0].metric("Children reached by this option", f"about {reach['children']:,}",
                   help="Children under 5 not yet reached by a hub whom the suggested venues bring within reach (nearest 10)")
    cols[1].metric("…of whom in priority areas", f"about {reach['priority_children']:,}",
                   help="In published priority areas (high need, low engagement), nearest 10")
    cols[2].metric("Venues", f"{reach['venues']}", help=f"{reach['lsoas']} LSOAs brought within reach")
    st.caption(RANKING_TEXT.format(minutes=plan.minutes, mode=labels.text(result.config.travel.mode).lower())
               + f" The choice is {'the best possible' if plan.optimal else 'a good one found in the time allowed'}.")
    for w in warnings:
        st.warning(plain_markdown(w), icon="⚠️")
    shown = published_plan(plan, result, rule)
    t = shown[["hub_id", "rank", "name", "type", "covered_children_nearest_10", "covered_lsoas"]].assign(
        hub_id=lambda d: d["hub_id"].map(lambda h: names.get(h, h)), type=lambda d: d["type"].map(labels.text))
    labels.show_table(st, t)
    for hub, note in plan.notes.items():
        if hub in set(hubs) or plan.scope == "hub":
            st.caption(plain_markdown(f"{names.get(hub, hub)}: {note}."))
    return reach


def lsoa_mask(result, lsoa_index) -> np.ndarray:
    """A boolean mask of ``result.lsoa`` rows in ``lsoa_index`` (the view's LSOAs)."""
    return result.lsoa.index.isin(lsoa_index)
