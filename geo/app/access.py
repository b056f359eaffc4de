"""Accessibility of the app (WCAG 2.2 AA): readable captions, a skip link, an area picker, chart descriptions.

The map itself is made keyboard- and screen-reader-friendly in :mod:`geo.maps.elements` and
:mod:`geo.maps.overlays`; this module adds what the page around it needs:

- captions in a grey with at least 4.5:1 contrast (Streamlit's own is 3.9:1);
- a skip link before the map, to the area profile (the map has an area per Tab stop);
- an "Area" picker that opens any area's profile without a mouse, kept in step with map clicks;
- text alternatives for the chart images, saying what each chart shows.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["CAPTION_COLOUR", "page_style", "skip_link", "area_options", "area_choice", "chart_alts"]

#: caption grey: 7.0:1 on white, 6.3:1 on the sidebar's #f0f2f6
CAPTION_COLOUR = "#595959"

_CSS = f"""
<style>
  [data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {{ color: {CAPTION_COLOUR} !important;
                                                                            opacity: 1 !important; }}
  .skip-link {{ position: absolute; left: -10000px; top: auto; width: 1px; height: 1px; overflow: hidden; }}
  .skip-link:focus {{ position: static; width: auto; height: auto; display: inline-block; padding: 4px 8px;
                      background: #ffffff; color: #1b4f9c; outline: 3px solid #1b4f9c; }}
</style>
"""

#: where the skip link goes: just before the area picker
PICKER_ANCHOR = "area-picker"


def page_style(st) -> None:
    """The page's accessibility CSS (caption contrast, the skip link's focus style)."""
    st.html(_CSS)


def skip_link(st) -> None:
    """A link before the map, shown when focused, that jumps past the map to the area profile."""
    st.html(f'<a class="skip-link" href="#{PICKER_ANCHOR}">Skip the map: go to the area picker and profile</a>')


def area_options(published: pd.DataFrame, level: str) -> dict[str, str]:
    """Picker entries in published priority order: ``{code: "name (code) · priority rank N"}``.

    ``published`` holds the areas in view as the gate publishes them
    (:func:`geo.app.views.published_areas`): ``priority_rank`` is the published (banded) rank,
    missing where it is withheld. Such areas come last, in code order, with no rank.

    Examples
    --------
    >>> t = pd.DataFrame({"lsoa21cd": ["E1", "E2", "E3"], "lsoa21nm": ["B 001", "A 002", "C 003"],
    ...                   "priority_rank": [2, 1, None]})
    >>> area_options(t, "lsoa")
    {'E2': 'A 002 (E2) · priority rank 1', 'E1': 'B 001 (E1) · priority rank 2', 'E3': 'C 003 (E3)'}
    """
    code, name = ("lsoa21cd", "lsoa21nm") if level == "lsoa" else ("ward_code", "ward_name")
    ranks = published["priority_rank"] if "priority_rank" in published.columns else pd.Series(float("nan"), index=published.index)
    rows = published.assign(_rank=pd.to_numeric(ranks, errors="coerce")).sort_values(["_rank", code], na_position="last")
    return {
        str(c): f"{n} ({c})" + (f" · priority rank {int(r)}" if pd.notna(r) else "")
        for c, n, r in zip(rows[code], rows[name], rows["_rank"])
    }


def area_choice(st, options: dict[str, str], clicked) -> dict | None:
    """The "Area" picker; returns what :func:`geo.app.views.area_profile` takes as a map click.

    A new click on the map (or Enter on a focused area) selects that area in the picker; choosing
    an area in the picker shows its profile without the map.
    """
    state = st.session_state
    code = None
    if clicked and clicked.get("last_active_drawing"):
        code = clicked["last_active_drawing"].get("properties", {}).get("code")
    if code and code != state.get("_area_clicked"):
        state["_area_clicked"] = code
        if code in options:
            state["area"] = code
    if state.get("area") is not None and state.get("area") not in options:
        state["area"] = None  # another geography or selection
    st.html(f'<span id="{PICKER_ANCHOR}"></span>')
    chosen = st.selectbox(
        "Area",
        list(options),
        index=None,
        format_func=options.get,
        key="area",
        placeholder="Choose an area, or click one on the map",
        help="Every area in view, highest priority first. Its profile opens below.",
    )
    return {"last_active_drawing": {"properties": {"code": chosen}}} if chosen else None


def chart_alts(result, view, level: str) -> list[str]:
    """Text alternatives of the funnel plot and the distance-decay plot (as :func:`geo.app.views.chart_images`)."""
    areas = view.areas if level == "ward" else view.lsoa
    unit = "wards" if level == "ward" else "LSOAs"
    flags = areas.get("review_funnel_flag", pd.Series(dtype=str)).astype(str).value_counts()
    n, k = areas["review_eligible"].sum(), areas["review_completed"].sum()
    rate = f"{k / n:.0%}" if n > 0 else "not available"
    alts = [
        f"Funnel plot of 2-2½ year review take-up against the number of children eligible, for {len(areas):,} "
        f"{unit}, with 95% and 99.8% limits around the study-area rate of {rate}: "
        f"{int(flags.get('significantly low', 0)):,} {unit} significantly low, "
        f"{int(flags.get('significantly high', 0)):,} significantly high, "
        f"{int(flags.get('within limits', 0)):,} within the limits. The Priority areas and Wards tabs list the figures."
    ]
    if "travel_minutes_to_hub" in view.lsoa.columns:
        t = view.lsoa["travel_minutes_to_hub"].dropna()
        span = f"{t.min():.0f} to {t.max():.0f} minutes" if len(t) else "no travel times"
        alts.append(
            f"Distance-decay plot: share of under-5s attending a hub against travel time to the nearest hub "
            f"({result.config.travel.mode}) for {len(t):,} LSOAs ({span}), with the pooled share per "
            "travel-time band. The Priority areas tab lists each LSOA's travel time and reach."
        )
    return alts
