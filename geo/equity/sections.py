"""The pack's equity pages: :func:`equity_sections` gives one :class:`~geo.export.sections.PackSection`
per area (the hub's catchment for a hub pack; the study area and each LA for the whole-area pack),
built from the published equity table only."""

from __future__ import annotations

from geo.equity.display import chart_alt, equity_chart, people_table
from geo.equity.publish import PublishedEquity, published_equity
from geo.export.sections import PackSection
from geo.safety import for_screen

__all__ = ["equity_sections", "area_sections"]

NOTES = [
    "Take-up = reviews completed / children eligible, by the group recorded in the extract, pooled over the periods "
    "named. The difference is the group's take-up minus that of the rest of the same area's children, with a 95% "
    "Newcombe interval; 'lower' or 'higher' only where the false discovery rate across the groups and areas compared "
    "is controlled at the configured level (Benjamini-Hochberg).",
    "Children short of the area's take-up: how many more of the group's eligible children would have been reviewed "
    "at the area's overall take-up: where a group-specific offer would reach most children.",
]


def _published(result, gated) -> PublishedEquity:
    if isinstance(gated, PublishedEquity):
        return gated
    rule = getattr(getattr(gated, "lsoa", None), "rule", None)
    return published_equity(result, rule)


def area_sections(published: PublishedEquity, level: str, area_code: str) -> list[PackSection]:
    """One section per group column for one area of the published table (none if it has no rows)."""
    d = published.display
    rows = d[(d["level"] == level) & (d["area_code"] == area_code)]
    out = []
    for column, part in rows.groupby("group_column", sort=True):
        name = str(part["area_name"].iloc[0])
        area_rate = part["area_rate"].iloc[0]
        area_rate = float(area_rate) if isinstance(area_rate, (int, float)) else None
        title = f"Review take-up by {column.replace('_', ' ')}: {name}"
        notes = [f"Periods: {part['periods'].iloc[0]}. {published.rule.statement()}", *NOTES]
        out.append(PackSection(title=title, table=for_screen(people_table(part)),
                               figure=equity_chart(part, name, area_rate=area_rate), alt=chart_alt(part, name), notes=notes))
    return out


def equity_sections(result, gated, hub_id: str | None) -> list[PackSection]:
    """The pack's equity sections: the hub's catchment (``hub_id``) or the study area and each LA (``None``).

    Parameters
    ----------
    result : BuildResult
    gated : PublishedEquity or geo.disclosure.gate.ExportTables
        The published equity table, or the gate's tables (their rule is used to publish it).
    hub_id : str or None

    Returns
    -------
    list of PackSection
        Empty when the extracts have no group column.
    """
    if not result.inputs.groups:
        return []
    published = _published(result, gated)
    if hub_id is not None:
        return area_sections(published, "hub", str(hub_id))
    d = published.display
    out = area_sections(published, "study_area", result.config.slug)
    for la in sorted(d.loc[d["level"] == "la", "area_code"].unique()):
        out += area_sections(published, "la", la)
    return out
