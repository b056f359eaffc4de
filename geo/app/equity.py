"""The app's Equity tab: review take-up by group per LA and hub, published cells only.

Everything shown comes from :func:`geo.equity.publish.published_equity` (the disclosure rule with
complementary suppression); LSOAs and wards are not shown by group.
"""

from __future__ import annotations

from geo.equity.display import chart_alt, equity_chart, people_table
from geo.equity.publish import published_equity
from geo.equity.sections import NOTES
from geo.safety import for_screen, plain_markdown

__all__ = ["equity_tab", "area_choices", "published"]


def published(result):
    """The published equity table of ``result`` (the config's disclosure rule), or ``None`` without group columns."""
    return published_equity(result) if result.inputs.groups else None


def area_choices(display, *, las=None, hubs=None) -> dict[tuple[str, str], str]:
    """``(level, area_code) -> label`` of the study area, the chosen LAs and the chosen hubs."""
    out = {}
    for level, kind, keep in (("study_area", "Study area", None), ("la", "Local authority", las), ("hub", "Hub catchment", hubs)):
        rows = display[display["level"] == level].drop_duplicates("area_code")
        for r in rows.itertuples(index=False):
            if keep and r.area_code not in keep:
                continue
            out[(level, r.area_code)] = f"{kind}: {r.area_name}"
    return out


def equity_tab(st, published, *, las=None, hubs=None) -> None:
    """Draw the Equity tab (``published``: a :class:`geo.equity.publish.PublishedEquity` or ``None``)."""
    st.subheader("Equity: review take-up by group")
    if published is None or published.display.empty:
        st.info("The extracts have no group column: add an ethnic_group column (or another named in "
                "[extracts] group_columns) to see take-up by group.")
        return
    d = published.display
    choices = area_choices(d, las=las, hubs=hubs)
    by_label = {label: key for key, label in choices.items()}
    key = by_label[st.selectbox("Area", list(by_label), key="equity_area")]
    rows = d[(d["level"] == key[0]) & (d["area_code"] == key[1])]
    columns = sorted(rows["group_column"].unique())
    column = st.radio("Group", columns, horizontal=True, key="equity_column") if len(columns) > 1 else columns[0]
    part = rows[rows["group_column"] == column]
    name = str(part["area_name"].iloc[0])
    area_rate = part["area_rate"].iloc[0]
    area_rate = float(area_rate) if isinstance(area_rate, (int, float)) else None
    st.caption(plain_markdown(f"Periods: {part['periods'].iloc[0]}. {published.rule.statement()}"))
    alt = chart_alt(part, name)
    st.image(equity_chart(part, name, area_rate=area_rate), alt=alt)
    st.dataframe(for_screen(people_table(part)), hide_index=True, width="stretch")
    lower = part[part["flag"] == "lower"]
    if len(lower):
        st.markdown(plain_markdown(f"Lower take-up than the rest of {name}: {', '.join(map(str, lower['group']))}."))
    for note in NOTES:
        st.caption(plain_markdown(note))
