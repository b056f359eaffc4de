"""Options (scenarios): keep the current controls under a name, compare kept options side by side, download.

An option is what the sidebar is set to (weights, travel mode and minutes, k per hub or in
total, venue types, venues forced in or out) with its headline figures
(:func:`geo.app.venues.reach_summary`: children and priority areas newly within reach, from
published cells only, nearest 10). Kept options live in ``st.session_state`` under a key of
the study area (:func:`geo.app.controls.study_area_id`), so switching study area never mixes
them. Option names are data: shown as text, neutralised in the CSV
(:func:`geo.app.download.csv_bytes`).

Examples
--------
>>> state = {}
>>> keep_option(state, "/srv/a.toml", {"name": "Libraries only", "children": 120})
'kept'
>>> [o["name"] for o in kept_options(state, "/srv/a.toml")], kept_options(state, "/srv/b.toml")
(['Libraries only'], [])
>>> keep_option(state, "/srv/a.toml", {"name": "Libraries only", "children": 130})
'replaced'
>>> comparison_frame(kept_options(state, "/srv/a.toml"))["Libraries only"].tolist()[:2]
['130', '']
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping

import pandas as pd

from geo.app.controls import study_area_id
from geo.app.labels import text
from geo.app.venues import SCOPES

__all__ = ["OPTION_ROWS", "state_key", "option_row", "keep_option", "kept_options", "drop_option", "comparison_frame", "options_panel"]

#: the compared measures, in order: key -> row label
OPTION_ROWS = {
    "children": "Children reached (under 5, newly within reach, nearest 10)",
    "priority_children": "…of whom in priority areas (nearest 10)",
    "priority_areas": "Priority areas brought within reach (nearest 10)",
    "venues": "Venues suggested",
    "venue_names": "Venues",
    "k": "k",
    "scope": "k per hub or in total",
    "mode": "Travel mode",
    "minutes": "Travel time (minutes)",
    "need": "Need weights",
    "engagement": "Engagement weights",
    "types": "Venue types",
    "force_in": "Forced in",
    "force_out": "Forced out",
}


def state_key(config_path: str) -> str:
    """Where a study area's kept options live in ``st.session_state``."""
    return f"options@{study_area_id(config_path)}"


def _weights(weights: dict) -> str:
    return ", ".join(f"{text(k)} {float(v):g}" for k, v in weights.items())


def option_row(name: str, controls, reach: dict, *, venue_names: list[str], names: dict) -> dict:
    """One option: its name, its headline figures (``reach``) and its controls in words.

    ``controls`` is a :class:`geo.app.sidebar.Controls`; ``names`` maps venue ids to names.
    """
    return {"name": str(name), **{k: reach[k] for k in ("children", "priority_children", "priority_areas", "venues")},
            "venue_names": "; ".join(venue_names), "k": int(controls.k), "scope": SCOPES[controls.scope],
            "mode": text(controls.mode), "minutes": int(controls.minutes), "need": _weights(controls.need),
            "engagement": _weights(controls.engagement), "types": ", ".join(text(t) for t in controls.types),
            "force_in": "; ".join(names.get(v, v) for v in controls.force_in),
            "force_out": "; ".join(names.get(v, v) for v in controls.force_out)}


def kept_options(state: MutableMapping, config_path: str) -> list[dict]:
    """The options kept for this study area, in the order they were kept."""
    return list(state.get(state_key(config_path), {}).values())


def keep_option(state: MutableMapping, config_path: str, row: dict) -> str:
    """Keep ``row`` under its name for this study area: ``"kept"``, or ``"replaced"`` if the name was taken."""
    kept = dict(state.get(state_key(config_path), {}))
    outcome = "replaced" if row["name"] in kept else "kept"
    kept[row["name"]] = dict(row)
    state[state_key(config_path)] = kept
    return outcome


def drop_option(state: MutableMapping, config_path: str, name: str) -> None:
    """Forget the option called ``name`` in this study area."""
    kept = dict(state.get(state_key(config_path), {}))
    kept.pop(name, None)
    state[state_key(config_path)] = kept


def comparison_frame(options: list[dict]) -> pd.DataFrame:
    """Options side by side: one row per measure (:data:`OPTION_ROWS`), one column per option, and a
    ``Differs`` column saying where they differ. Every cell is text (names are data)."""
    cells = {o["name"]: ["" if o.get(k) is None else (f"{o[k]:,}" if isinstance(o.get(k), int) else str(o[k]))
                         for k in OPTION_ROWS] for o in options}
    frame = pd.DataFrame({"Measure": list(OPTION_ROWS.values()), **cells})
    if len(options) > 1:
        frame["Differs"] = ["yes" if len(set(v)) > 1 else "" for v in zip(*cells.values())]
    return frame


def options_panel(st, config_path: str, current: dict, csv_bytes) -> None:
    """Keep the current option under a name, list and compare kept ones, download the comparison.

    ``current`` is :func:`option_row` of the controls shown (named ``"Current settings"``);
    ``csv_bytes`` turns a table into the download's bytes (the app's one download path).
    """
    sid = study_area_id(config_path)
    st.subheader("Options")
    st.caption("Keep the current settings as a named option, change the controls, keep another, then compare them. "
               "Options are kept for this study area until the page is reloaded.")
    with st.form(key=f"keep_option@{sid}", clear_on_submit=True, border=False):
        name = st.text_input("Name of this option", max_chars=60, key=f"option_name@{sid}",
                             placeholder="e.g. Libraries only, 20 minutes walk")
        if st.form_submit_button("Keep the current settings as this option", key=f"keep_option_go@{sid}"):
            if not name.strip():
                st.error("Give the option a name first.")
            else:
                outcome = keep_option(st.session_state, config_path, current | {"name": name.strip()})
                st.success(f"Option {'kept' if outcome == 'kept' else 'replaced'}.")
    kept = kept_options(st.session_state, config_path)
    names = [o["name"] for o in kept]
    listed = hashlib.sha256(repr(names).encode()).hexdigest()[:8]  # keyed by the kept names: never a stale value
    if kept:
        chosen = st.multiselect("Options to compare", names, default=names, key=f"compare@{sid}@{listed}")
    else:
        chosen = []
        st.caption("No option kept yet: the table shows the current settings.")
    shown = [o for o in kept if o["name"] in chosen]
    def settings(o: dict) -> dict:
        return {k: v for k, v in o.items() if k != "name"}

    if not any(settings(o) == settings(current) for o in shown):  # the current settings, unless kept and shown
        shown = [*shown, current]
    frame = comparison_frame(shown)
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button("Comparison of options (CSV)", lambda: csv_bytes(frame), "options.csv", "text/csv",
                       key=f"dl_options@{sid}", on_click="ignore")
    if kept:
        gone = st.selectbox("Forget an option", ["—", *[o["name"] for o in kept]], key=f"forget@{sid}@{listed}")
        if gone != "—" and st.button("Forget it", key=f"forget_go@{sid}"):
            drop_option(st.session_state, config_path, gone)
            st.rerun()
