"""The venue (what-if siting) figures the app shows, from published cells only.

A suggested venue's ``covered_children`` is the sum, over the LSOAs it newly brings within
reach, of children not reached (under-5 estimate - hub children). The app lets a reader force
venues in and out and change ``k``, so the same LSOA appears in many such sums; two sums that
differ by one LSOA give its children not reached, hence its withheld ``hub_children``, even
with each sum rounded to 10 (on the bi-borough demo single venues and pairs gave 498
single-LSOA differences, which left one value of 0-4 for some withheld LSOAs).
:func:`published_venue_figures` therefore computes the figure from the *published* LSOA
table: each LSOA's under-5 estimate minus its shown ``hub_children``, a withheld one counted
as 0 (so the figure is an upper estimate), then rounded to the nearest 10. It is a function of
published cells only, so no combination of venue sets tells more than the LSOA table does.
The priority-weighted ``covered_weight`` (exact counts times exact scores) is not shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.disclosure.rounded import round_to

__all__ = ["published_not_reached", "published_venue_figures"]


def published_not_reached(lsoa_shown: pd.DataFrame) -> pd.Series:
    """Children not reached per LSOA as a reader computes it from the published LSOA table.

    ``under5_est`` (published) minus the shown ``hub_children``; a withheld count (``"<5"``,
    ``"c"``) counts as 0; never below 0.

    Examples
    --------
    >>> t = pd.DataFrame({"lsoa21cd": ["A", "B", "C"], "under5_est": [40.0, 30.0, 3.0], "hub_children": [12, "<5", 9]})
    >>> published_not_reached(t).tolist()
    [28.0, 30.0, 0.0]
    """
    u5 = pd.to_numeric(lsoa_shown["under5_est"], errors="coerce").fillna(0.0)
    hub = pd.to_numeric(lsoa_shown["hub_children"], errors="coerce").fillna(0.0)
    return pd.Series(np.maximum(u5.to_numpy(float) - hub.to_numpy(float), 0.0), index=lsoa_shown["lsoa21cd"].astype(str))


def published_venue_figures(sites: pd.DataFrame, lsoa_shown: pd.DataFrame) -> pd.DataFrame:
    """``sites`` (with ``lsoa_codes``, ``;``-joined) with ``covered_children_nearest_10`` from published cells.

    ``covered_children`` and ``covered_weight`` are dropped; ``lsoa_codes`` is kept (the
    caller decides whether to show it).

    Examples
    --------
    >>> t = pd.DataFrame({"lsoa21cd": ["A", "B"], "under5_est": [40.0, 30.0], "hub_children": [12, "<5"]})
    >>> s = pd.DataFrame({"rank": [1, 2], "covered_children": [31.0, 30.0], "covered_weight": [9.0, 8.0],
    ...                   "lsoa_codes": ["A;B", "B"]})
    >>> published_venue_figures(s, t)["covered_children_nearest_10"].tolist()
    [60, 30]
    """
    per_lsoa = published_not_reached(lsoa_shown)
    sums = [float(per_lsoa.reindex([c for c in str(codes).split(";") if c]).fillna(0.0).sum())
            for codes in sites["lsoa_codes"].fillna("")]
    out = sites.drop(columns=["covered_children", "covered_weight", "covered_children_nearest_10"], errors="ignore").copy()
    at = list(out.columns).index("covered_lsoas") if "covered_lsoas" in out.columns else len(out.columns)
    out.insert(at, "covered_children_nearest_10", round_to(pd.Series(sums, index=out.index)).astype("Int64"))
    return out
