"""Plain-English words for the app: one mapping of column -> label and of value -> text.

The app's controls and tables show these; the downloads keep the machine column names and
values (people's spreadsheets and scripts rely on them). A name not listed here is shown as it
is, with underscores as spaces and a capital first letter, so a new column never shows as code.
"""

from __future__ import annotations

import re

import pandas as pd

from geo.safety import for_screen

__all__ = [
    "COLUMN_LABELS",
    "VALUE_TEXT",
    "WEIGHT_LABELS",
    "column_config",
    "column_formats",
    "column_label",
    "for_people",
    "show_table",
    "solver_text",
    "text",
    "weight_label",
]

#: column -> the header shown in the app's tables
COLUMN_LABELS: dict[str, str] = {
    "priority_rank": "Priority rank",
    "lsoa21cd": "LSOA code",
    "lsoa21nm": "LSOA name",
    "lad_code": "Local authority code",
    "ward_code": "Ward code",
    "ward_name": "Ward",
    "ward_source": "Ward boundary",
    "lsoas": "LSOAs",
    "hub_id": "Hub",
    "name": "Name",
    "quadrant": "Need and engagement",
    "priority_score": "Priority score (0-100)",
    "need_score": "Need score (0-100)",
    "engagement_score": "Engagement score (0-100)",
    "imd_score": "IMD score",
    "imd_decile": "IMD decile (1 = most deprived)",
    "idaci_score": "IDACI score",
    "under5_est": "Under-5s (estimate)",
    "under5": "Under-5s (estimate)",
    "under5_within_threshold": "Under-5s within the travel time",
    "share_under5_within_threshold": "Share of under-5s within the travel time",
    "review_eligible": "Eligible for the 2-2½ year review",
    "review_completed": "Reviews completed",
    "children_not_reviewed": "Children not reviewed",
    "review_rate": "Review take-up",
    "review_rate_lo": "Review take-up, lower 95% limit",
    "review_rate_hi": "Review take-up, upper 95% limit",
    "review_rate_smoothed": "Review take-up (smoothed)",
    "review_funnel_flag": "Funnel plot",
    "expected_review_rate": "Expected review take-up",
    "review_obs_minus_exp": "Take-up minus expected",
    "reviewed_pct": "Reviewed",
    "hub_children": "Children attending a hub",
    "children_reached": "Children attending a hub",
    "reach_rate": "Hub reach",
    "reach_rate_smoothed": "Hub reach (smoothed)",
    "reached_pct": "Reached",
    "children_not_reached": "Children not reached (estimate)",
    "children_not_reached_high_need": "Children not reached in high-need areas (estimate)",
    "priority_children": "Children in priority areas (estimate)",
    "travel_minutes_to_hub": "Minutes to the nearest hub",
    "gap_type": "Gap in reach",
    "engagement_basis": "Engagement rests on",
    "priority_rank_lo": "Rank range from (90%)",
    "priority_rank_hi": "Rank range to (90%)",
    "p_top": "Chance of the top N",
    "rank": "Rank",
    "type": "Type",
    "covered_children": "Children newly within reach (estimate)",
    "covered_children_nearest_10": "Children newly within reach (estimate, nearest 10)",
    "covered_lsoas": "LSOAs newly covered",
    "covered_weight": "Priority-weighted children",
}

#: code value -> text, for the values the controls offer (venue types, travel modes, map layers, levels)
VALUE_TEXT: dict[str, str] = {
    "gp_practice": "GP practice",
    "school": "School",
    "library": "Library",
    "nursery": "Nursery",
    "childrens_centre": "Children's centre",
    "community_centre": "Community centre",
    "walk": "Walking",
    "bus": "Bus",
    "drive": "Driving",
    "cycle": "Cycling",
    "priority": "Priority",
    "need": "Need",
    "review take-up": "Review take-up",
    "hub reach": "Hub reach",
    "travel time": "Travel time",
    "lsoa": "LSOA",
    "ward": "Ward",
}

#: weight name -> what it measures (the sliders read "Need: <this>", "Engagement: <this>")
WEIGHT_LABELS: dict[str, str] = {
    "idaci": "children in income-deprived families (IDACI)",
    "imd": "overall deprivation (IMD)",
    "under5": "number of under-5s",
    "review": "2-2½ year review take-up",
    "reach": "hub attendance",
}

_RATE = re.compile(r"(_rate|_lo|_hi|_smoothed|_pct|^share_.*)$")
_COUNT = {"under5_est", "under5", "under5_within_threshold", "review_eligible", "review_completed", "children_not_reviewed",
          "hub_children", "children_reached", "children_not_reached", "children_not_reached_high_need",
          "priority_children", "covered_children", "covered_children_nearest_10", "covered_lsoas", "lsoas", "priority_rank", "rank", "imd_decile"}

_THREE_DECIMALS = {"idaci_score", "income_score"}  # proportions of people, as IoD publishes them


def _plain(name: str) -> str:
    words = str(name).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def column_label(column: str) -> str:
    """The header for ``column``.

    >>> column_label("review_rate_lo"), column_label("venue_postcode")
    ('Review take-up, lower 95% limit', 'Venue postcode')
    """
    return COLUMN_LABELS.get(column, _plain(column))


def text(value) -> str:
    """A code value as words (``gp_practice`` -> ``GP practice``); other values as they are.

    >>> text("gp_practice"), text("walk"), text("Queen's Park")
    ('GP practice', 'Walking', "Queen's Park")
    """
    return VALUE_TEXT.get(value, _plain(value) if isinstance(value, str) and "_" in value else str(value))


def weight_label(group: str, name: str) -> str:
    """A weight slider's label.

    >>> weight_label("Need", "idaci")
    'Need: children in income-deprived families (IDACI)'
    """
    return f"{group}: {WEIGHT_LABELS.get(name, _plain(name))}"


def column_formats(frame: pd.DataFrame) -> dict[str, tuple[str, str | None]]:
    """For each column of an app table: ``(label, number format)``.

    Numeric rate columns (fractions, shown times 100 by :func:`for_people`) as percentages to
    one decimal, counts and ranks as whole numbers, IDACI to three decimals, other scores and
    minutes to one decimal; text columns (including counts already shown as ``<5``/``c``) get no
    number format (``None``).

    >>> df = pd.DataFrame({"lsoa21cd": ["E01"], "review_rate_lo": [0.5981524249422634],
    ...                    "under5_est": [41.0], "need_score": [73.25], "review_completed": ["<5"]})
    >>> column_formats(df)  # doctest: +NORMALIZE_WHITESPACE
    {'lsoa21cd': ('LSOA code', None), 'review_rate_lo': ('Review take-up, lower 95% limit', '%.1f%%'),
     'under5_est': ('Under-5s (estimate)', 'localized'), 'need_score': ('Need score (0-100)', '%.1f'),
     'review_completed': ('Reviews completed', None)}
    """
    out = {}
    for column in frame.columns:
        fmt = None
        if pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column]):
            if _is_rate(column):
                fmt = "%.1f%%"
            elif column in _COUNT:
                fmt = "localized"
            elif column in _THREE_DECIMALS:
                fmt = "%.3f"
            else:
                fmt = "%.1f"
        out[column] = (column_label(column), fmt)
    return out


def _is_rate(column: str) -> bool:
    return bool(_RATE.search(column)) or column in ("review_obs_minus_exp", "expected_review_rate")


def for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of an app table with numeric rates in percent (times 100), for :func:`column_config`.

    Columns keep their machine names (the headers come from ``column_config``) and numbers stay
    numbers, so the table still sorts numerically.

    >>> for_people(pd.DataFrame({"review_rate": [0.5981524249422634], "review_completed": ["<5"]})).round(2).to_dict("list")
    {'review_rate': [59.82], 'review_completed': ['<5']}
    """
    out = frame.copy()
    for column in out.columns:
        if column_formats(out[[column]])[column][1] == "%.1f%%":
            out[column] = out[column] * 100
    return out


def column_config(frame: pd.DataFrame) -> dict:
    """Streamlit's ``column_config`` for an app table: plain-English headers and number formats."""
    import streamlit as st

    return {c: st.column_config.NumberColumn(label, format=fmt) if fmt else st.column_config.Column(label)
            for c, (label, fmt) in column_formats(frame).items()}


def show_table(st, frame: pd.DataFrame, **kwargs) -> None:
    """``st.dataframe`` of an app table as people read it: plain-English headers, rates in percent,
    whole numbers without decimals (the frame's machine names stay underneath)."""
    st.dataframe(for_screen(for_people(frame)), hide_index=True, width="stretch", column_config=column_config(frame), **kwargs)


def solver_text(result) -> str:
    """How good the venue choice is, for people (instead of the solver's status and seconds).

    >>> from types import SimpleNamespace
    >>> solver_text(SimpleNamespace(optimal=True, status="optimal", mip_gap=0.0))
    'the best possible choice'
    >>> solver_text(SimpleNamespace(optimal=False, status="time limit", mip_gap=0.021))
    'a good choice found in the time allowed: at most 2.1% short of the best possible'
    """
    if result.optimal:
        return "the best possible choice"
    gap = getattr(result, "mip_gap", None)
    if gap is None or pd.isna(gap):
        return "a good choice found in the time allowed (it may not be the best possible)"
    return f"a good choice found in the time allowed: at most {gap:.1%} short of the best possible"
