"""The demo's ethnic group column: each SYNTHETIC row split across groups, with a planted gap.

Census 2021 ethnic-group proportions are not in the shared data, so the composition is an
ASSUMPTION, not a Census figure: the share of children in the groups other than White rises with
the LSOA's IDACI rank ``r`` (0 least, 1 most deprived): ``0.35 + 0.35 r`` in a London borough
(LA codes ``E09``) and ``0.05 + 0.15 r`` elsewhere, divided among Asian, Black, Mixed and Other in
the proportions 0.38 : 0.30 : 0.20 : 0.12, each LSOA's shares drawn around these (Dirichlet,
concentration 40); 3% of children have no recorded group (a blank ``ethnic_group``).

Every row of the review take-up and hub attendance extracts is split across the groups
(eligible children and hub children multinomially by the LSOA's shares), so the area x period
(x hub) totals are **exactly** those of the rows before the split. The planted gap: the reviews
completed in a row are drawn among its eligible children by weighted sampling without
replacement, each Black child with weight :data:`GAP_WEIGHT` (0.45) against 1 for every other
child, so Black children's take-up is lower than the rest's in every area. ``planted_groups.csv``
records it with the realised difference (Black minus the rest) over the latest four quarters
for the study area. A separate seeded generator is used, so nothing else in the demo changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["GROUPS", "GAP_GROUP", "GAP_WEIGHT", "composition", "split_by_group"]

GROUPS = ["Asian", "Black", "Mixed", "White", "Other", ""]  # "" = not recorded (blank in the file)
MINORITY_MIX = np.array([0.38, 0.30, 0.20, 0.12])
NOT_RECORDED = 0.03
GAP_GROUP, GAP_WEIGHT = "Black", 0.45


def composition(idaci_rank: np.ndarray, london: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each LSOA's group shares (rows sum to 1; columns in :data:`GROUPS` order).

    Examples
    --------
    >>> s = composition(np.array([0.0, 1.0]), np.array([True, False]), np.random.default_rng(0))
    >>> s.shape, bool(np.allclose(s.sum(axis=1), 1)), bool(s[0, 3] > s[1, 3] - 0.5)
    ((2, 6), True, True)
    """
    r = np.nan_to_num(np.asarray(idaci_rank, dtype=float), nan=0.5)
    minority = np.where(london, 0.35 + 0.35 * r, 0.05 + 0.15 * r)
    mix = rng.dirichlet(40 * MINORITY_MIX, size=len(r))
    known = 1 - NOT_RECORDED
    shares = np.column_stack([known * minority[:, None] * mix[:, :2], known * minority[:, None] * mix[:, 2:3],
                              known * (1 - minority), known * minority[:, None] * mix[:, 3:], np.full(len(r), NOT_RECORDED)])
    return shares / shares.sum(axis=1, keepdims=True)


def _split_completed(rng, eligible: np.ndarray, completed: int) -> np.ndarray:
    """``completed`` reviews among the groups' eligible children, Black children weighted :data:`GAP_WEIGHT`."""
    child_group = np.repeat(np.arange(len(eligible)), eligible)
    weight = np.where(child_group == GROUPS.index(GAP_GROUP), GAP_WEIGHT, 1.0)
    keys = rng.random(len(child_group)) ** (1 / weight)  # Efraimidis-Spirakis weighted sampling without replacement
    chosen = child_group[np.argsort(-keys, kind="stable")[:completed]]
    return np.bincount(chosen, minlength=len(eligible))


def _expand(frame: pd.DataFrame, counts: dict[str, np.ndarray], at: int) -> pd.DataFrame:
    """One row per original row and group with a non-zero count (the first group with most children
    when a row has none), the group column at position ``at``."""
    first = list(counts)[0]
    keep = counts[first] > 0
    empty = ~keep.any(axis=1)
    keep[np.flatnonzero(empty), np.argmax(frame.attrs["shares"][empty][:, :5], axis=1)] = True
    rows, groups = np.nonzero(keep)
    out = frame.iloc[rows].reset_index(drop=True)
    for col, c in counts.items():
        out[col] = c[rows, groups]
    out.insert(at, "ethnic_group", np.array(GROUPS, dtype=object)[groups])
    return out


def split_by_group(review: pd.DataFrame, attendance: pd.DataFrame, *, codes: np.ndarray, idaci_rank: np.ndarray,
                   la_codes: np.ndarray, seed: int, latest: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The extracts with an ``ethnic_group`` column, and ``planted_groups.csv`` (see the module docstring)."""
    rng = np.random.default_rng([seed, 21])
    shares_by_code = dict(zip(codes, composition(idaci_rank, np.char.startswith(la_codes.astype(str), "E09"), rng)))
    parts = []
    for frame, count_cols in ((review, ["eligible", "completed"]), (attendance, ["children"])):
        shares = np.vstack([shares_by_code[c] for c in frame["area_code"]])
        first = frame[count_cols[0]].to_numpy(int)
        split = np.vstack([rng.multinomial(n, s) for n, s in zip(first, shares)])
        counts = {count_cols[0]: split}
        if len(count_cols) > 1:
            counts[count_cols[1]] = np.vstack([_split_completed(rng, e, int(c)) for e, c in zip(split, frame[count_cols[1]])])
        frame = frame.copy()
        frame.attrs["shares"] = shares
        parts.append(_expand(frame, counts, at=list(frame.columns).index(count_cols[0])))
    review_g, attendance_g = parts
    last = review_g[review_g["period"].isin(latest)]
    black = last["ethnic_group"] == GAP_GROUP
    rate = last.loc[black, "completed"].sum() / last.loc[black, "eligible"].sum()
    rest = last.loc[~black, "completed"].sum() / last.loc[~black, "eligible"].sum()
    planted = pd.DataFrame([{"kind": "lower take-up", "level": "every area", "measure": "review", "group_column": "ethnic_group",
                             "group": GAP_GROUP, "selection_weight": GAP_WEIGHT, "periods": f"{latest[0]} to {latest[-1]}",
                             "study_area_rate": round(float(rate), 4), "rest_rate": round(float(rest), 4),
                             "difference": round(float(rate - rest), 4)}])
    return review_g, attendance_g, planted
