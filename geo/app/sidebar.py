"""The sidebar's analysis controls, keyed per study area and labelled in plain English.

The controls whose options come from the study area (local authorities, hubs, weights, travel,
venues) are keyed with :func:`geo.app.controls.control_key`, so switching study area gives
fresh widgets with the new study area's defaults (issue 16's crash came from one key shared
by every study area). Options stay machine values; only what is shown goes through
:mod:`geo.app.labels`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from geo.app.controls import control_key
from geo.app.groupmap import GROUP_LAYER
from geo.app.labels import text, weight_label
from geo.app.venues import SCOPES

__all__ = ["Controls", "sidebar_controls"]


@dataclass(frozen=True)
class Controls:
    """What the sidebar's analysis controls are set to."""

    las: list
    hubs: list
    level: str
    layer: str
    need: dict
    engagement: dict
    mode: str
    minutes: float
    k: int
    types: list
    force_in: list
    force_out: list
    #: the period analysed (``None``: the study area's default) and the quarters pooled up to it
    period: str | None = None
    pool: int | None = None
    scope: str = "hub"
    #: the group of the layer "review take-up of a group" (``"column|group"``; ``None`` for other layers)
    group: str | None = None


def sidebar_controls(st, config_path: str, cfg, choices: dict, *, layers, venue_names: Callable[[tuple], dict]) -> Controls | None:
    """Draw the controls (call inside ``with st.sidebar``); ``None`` (after an error box) if a
    group of weights is all zero.

    ``choices`` is ``{"las": {code: name}, "hubs": {id: label}, "venue_types": [...], "periods": {option: label},
    "groups": {option: label}}`` (``groups``: :func:`geo.app.groupmap.group_options`; ``layers`` then has
    :data:`geo.app.groupmap.GROUP_LAYER` too)
    (``periods``: :func:`geo.app.trends.period_options`, ``"2024-Q4|4"`` = four quarters to 2024-Q4);
    ``venue_names(types)`` gives ``{venue_id: label}`` of the venues of those types.
    """
    def key(name: str) -> str:
        return control_key(config_path, name)

    la_names, hub_ids = choices["las"], choices["hubs"]
    las = st.multiselect("Local authorities", list(la_names), default=list(la_names), format_func=la_names.get, key=key("las"))
    hubs = st.multiselect("Hubs (catchments)", list(hub_ids), default=[], format_func=hub_ids.get, key=key("hubs"),
                          help="Leave empty for all hubs")
    periods = choices.get("periods") or {}
    choice = st.selectbox("Period", list(periods), format_func=periods.get, key=key("period"),
                          help="The default window or an earlier one sharing no quarter with it (counts summed): "
                               "overlapping windows would give withheld counts back by differencing; quarters "
                               "are in the Trends tab") if periods else ""
    period, pool = (choice.split("|")[0], int(choice.split("|")[1])) if choice else (None, None)
    level = st.radio("Geography", ["lsoa", "ward"], format_func=text, horizontal=True, key="level")
    layer = st.selectbox("Map layer", list(layers), format_func=text, key="layer")
    groups = choices.get("groups") or {}
    group = st.selectbox("Group", list(groups), format_func=groups.get, key=key("group"),
                         help="Hub catchments coloured by this group's review take-up, as published "
                              "(withheld where the numbers are small)") if groups and layer == GROUP_LAYER else None
    st.header("Model weights")
    st.caption("How much each measure counts towards need and towards engagement (0 = not at all).")
    need = {k: st.slider(weight_label("Need", k), 0.0, 1.0, float(v), 0.05, key=key(f"need_{k}"))
            for k, v in cfg.weights.need.items()}
    engagement = {k: st.slider(weight_label("Engagement", k), 0.0, 1.0, float(v), 0.05, key=key(f"eng_{k}"))
                  for k, v in cfg.weights.engagement.items()}
    if sum(need.values()) == 0 or sum(engagement.values()) == 0:
        st.error("Each group of weights needs at least one weight above 0.")
        return None
    st.header("Travel and venues")
    modes = list(cfg.travel.modes)
    mode = st.selectbox("Travel mode", modes, index=modes.index(cfg.travel.mode), format_func=text, key=key("mode"))
    minutes = float(st.slider("Travel time to a hub or venue (minutes)", 5, 60, int(cfg.travel.threshold_minutes), 5,
                              key=key("minutes")))
    k = int(st.slider("Number of venues to suggest (k)", 1, 15, 5, key="k"))
    scope = st.radio("k venues", list(SCOPES), format_func=SCOPES.get, key="venue_scope",
                     help="Per hub: each hub's catchment gets its own k venues, as in the ILT pack. "
                          "In total: k venues for all the areas shown, chosen together.")
    venue_types = choices["venue_types"]
    types = st.multiselect("Venue types", venue_types, default=venue_types, format_func=text, key=key("types"))
    names = venue_names(tuple(types))
    force_in = st.multiselect("Always include these venues", list(names), format_func=names.get, key=key("force_in"))
    force_out = st.multiselect("Never suggest these venues", [v for v in names if v not in force_in],
                               format_func=names.get, key=key("force_out"))
    return Controls(las, hubs, level, layer, need, engagement, mode, minutes, k, types, force_in, force_out, period, pool, scope, group)
