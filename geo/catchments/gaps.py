"""Catchment gaps: areas beyond reach of every site, or near one but not engaged."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["BEYOND_REACH", "NEAR_NOT_ENGAGED", "gap_types"]

BEYOND_REACH = "beyond reach"


NEAR_NOT_ENGAGED = "near but not engaged"


def gap_types(
    areas: pd.DataFrame,
    *,
    threshold_minutes: float,
    low_engagement_mask: pd.Series | np.ndarray | str,
) -> pd.Series:
    """Label catchment gaps.

    - ``"beyond reach"``: more than ``threshold_minutes`` from every hub and spoke
      (``travel_minutes_to_site``; missing or infinite times count as beyond reach),
      whatever the engagement.
    - ``"near but not engaged"``: within reach and low engagement.
    - ``""`` otherwise.

    Parameters
    ----------
    areas : DataFrame
        Needs ``travel_minutes_to_site`` (as from :func:`assign_hubs`).
    threshold_minutes : float
    low_engagement_mask : boolean Series, array or column name
        True where engagement is low. A Series is aligned on ``areas.index``; missing
        values count as False.

    Returns
    -------
    Series of str named ``gap_type``, indexed like ``areas``.

    Examples
    --------
    >>> areas = pd.DataFrame({"travel_minutes_to_site": [5.0, 20.0, 5.0]})
    >>> gap_types(areas, threshold_minutes=15, low_engagement_mask=[True, True, False]).tolist()
    ['near but not engaged', 'beyond reach', '']
    """
    if "travel_minutes_to_site" not in areas.columns:
        raise KeyError("areas needs a 'travel_minutes_to_site' column (from assign_hubs)")
    if isinstance(low_engagement_mask, str):
        low = areas[low_engagement_mask]
    elif isinstance(low_engagement_mask, pd.Series):
        low = low_engagement_mask.reindex(areas.index)
    else:
        low = np.asarray(low_engagement_mask)
        if low.shape != (len(areas),):
            raise ValueError(f"low_engagement_mask has shape {low.shape}, expected ({len(areas)},)")
        low = pd.Series(low, index=areas.index)
    low = low.astype("boolean").fillna(False).to_numpy(dtype=bool)
    minutes = pd.to_numeric(areas["travel_minutes_to_site"], errors="coerce").to_numpy(dtype=float)
    within = np.isfinite(minutes) & (minutes <= threshold_minutes)
    label = np.where(~within, BEYOND_REACH, np.where(low, NEAR_NOT_ENGAGED, ""))
    return pd.Series(pd.array(label, dtype="str"), index=areas.index, name="gap_type")
