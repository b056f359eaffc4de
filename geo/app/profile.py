"""The app's area profile: the figures of the LSOA or ward clicked on the map (or picked in the
"Area" list), published cells only (:func:`geo.app.gated.gated_tables`).
"""

from __future__ import annotations

import pandas as pd

from geo.app import labels
from geo.app.gated import gated_tables
from geo.disclosure import DisclosureRule
from geo.display import percent as _pct
from geo.display import rank_range_text
from geo.safety import plain_markdown

__all__ = ["area_profile", "shown"]


def shown(value, fmt=lambda v: f"{v:,.0f}") -> str:
    """A published cell as text: labels (``<5``, ``*``, ``c``) as they are, numbers formatted."""
    if isinstance(value, str):
        return value
    return "–" if value is None or pd.isna(value) else fmt(value)


def area_profile(st, result, view, clicked, level: str, rule: DisclosureRule) -> None:
    """The profile of the area the user clicked on the map (``view``: the :class:`geo.app.views.View` shown)."""
    code = None
    if clicked and clicked.get("last_active_drawing"):
        code = clicked["last_active_drawing"].get("properties", {}).get("code")
    st.subheader("Area profile")
    if not code:
        st.caption("Click an area on the map to see its profile.")
        return
    table = result.lsoa if level == "lsoa" else result.wards
    key = "lsoa21cd" if level == "lsoa" else "ward_code"
    match = table[table[key] == code]
    if match.empty:
        st.caption(f"No area {plain_markdown(str(code))} in this view.")
        return
    r = match.iloc[0]
    gated = gated_tables(result, rule)
    published = gated.lsoa.display if level == "lsoa" else gated.wards.display
    g = published[published[key] == code].iloc[0]
    name = r["lsoa21nm"] if level == "lsoa" else r["ward_name"]
    st.markdown(f"**{plain_markdown(str(name))}** ({plain_markdown(str(code))}) · priority rank **{shown(g['priority_rank'])}** of {len(table)} "
                f"(ranked by 10-point priority band) · {plain_markdown(str(g['quadrant']))}")
    c1, c2, c3 = st.columns(3)
    with c1:
        st.markdown("**Need** (percentiles in the study area)")
        st.dataframe(pd.DataFrame({
            "component": ["IDACI" if r.get("idaci_source", "idaci") != "income" else "IMD income (IDACI missing)", "IMD score", "Under-5s"],
            "value": [f"{r['idaci_score'] if pd.notna(r.get('idaci_score')) else r['income_score']:.3f}", f"{r['imd_score']:.1f}", f"{r['under5_est']:.0f}"],
            "percentile": [round(r["need_idaci_pct"]), round(r["need_imd_pct"]), round(r["need_under5_pct"])],
        }), hide_index=True, width="stretch")
        st.caption(f"Need score {r['need_score']:.0f}/100")
    band = lambda v: f"{v:.0f}-{v + 10:.0f}"  # noqa: E731
    with c2:
        st.markdown("**Review take-up** (2-2½ year)")
        st.write(f"Completed {shown(g['review_completed'])} of {shown(g['review_eligible'])} eligible")
        if isinstance(g["review_rate"], str):
            st.write("Rates withheld (they would reveal a small count)")
        else:
            st.write(f"Observed {_pct(g['review_rate'])} (95% CI {_pct(g['review_rate_lo'])}–{_pct(g['review_rate_hi'])})")
            st.write(f"Smoothed {_pct(g['review_rate_smoothed'])}")
        st.write(f"Expected for an area like this {_pct(r.get('expected_review_rate'))}")
        st.write(f"Funnel plot (99.8%): **{plain_markdown(shown(g['review_funnel_flag'], str))}**")
    with c3:
        st.markdown("**Hub reach and travel**")
        st.write(f"Children attending: {shown(g['hub_children'])} · reach (smoothed) {shown(g['reach_rate_smoothed'], _pct)}")
        if "travel_minutes_to_hub" in r and pd.notna(r["travel_minutes_to_hub"]):
            st.write(f"Hub: {plain_markdown(str(r.get('hub_id', '')))} · {r['travel_minutes_to_hub']:.0f} min ({plain_markdown(labels.text(result.config.travel.mode).lower())})")
        if g.get("gap_type"):
            st.write(f"Gap: **{plain_markdown(str(g['gap_type']))}**")
        st.caption(f"Engagement score band {shown(g['engagement_score'], band)}/100 · priority band {shown(g['priority_score'], band)}")
        if "p_top" in g:
            top_n = int(getattr(result.config.weights, "top_n", 20))
            st.caption(f"Rank range (90%, whole blocks of ranks) {plain_markdown(rank_range_text(g['priority_rank_lo'], g['priority_rank_hi']))}"
                       f" · chance of the top {top_n}: {plain_markdown(shown(g['p_top'], str))}")
