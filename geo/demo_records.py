"""SYNTHETIC record-level demo extracts: one row per child / per attendance, seeded.

``python -m geo demo --record-level`` writes ``records/review_children.csv`` and
``records/attendances.csv`` beside the demo aggregate extracts. They are made FROM those
aggregates, so that aggregating them (:func:`geo.inputs.records.aggregate_records`) gives the
aggregate extracts back exactly, except that rows counting zero children are absent (the
build reads a missing row as zero). Ids are fake (``SYN-R000001``), postcodes are real public
postcodes of each LSOA (Code-Point Open, written in mixed usual spellings), dates are drawn at
random: no real child is described. Every row is labelled in ``data_status``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.config import Config
from geo.errors import DataError
from geo.inputs.periods import parse_period
from geo.inputs.record_dates import add_months
from geo.safety import neutralise_frame

__all__ = ["write_record_demo", "record_demo"]

LABEL = "SYNTHETIC record-level demo (python -m geo demo --record-level, seed {seed}): not real children"


def _postcode_picker(config: Config, rng: np.random.Generator):
    path = Path(config.public_dir) / "postcodes.csv"
    if not path.exists():
        raise DataError(f"{path} is missing: run `python -m geo fetch --config {config.path}` first")
    pcs = pd.read_csv(path, usecols=["postcode", "lsoa21cd"], dtype=str).dropna().sort_values("postcode")
    by_lsoa = {k: v.to_numpy() for k, v in pcs.groupby("lsoa21cd")["postcode"]}

    def pick(areas: np.ndarray) -> np.ndarray:
        missing = sorted(set(areas) - set(by_lsoa))
        if missing:
            raise DataError(f"{path}: no postcode in LSOA {missing[0]} (and {len(missing) - 1} more)")
        out = np.array([by_lsoa[a][rng.integers(len(by_lsoa[a]))] for a in areas], dtype=object)
        spelling = rng.integers(0, 10, len(out))  # 1 in 10 lower case without the space, 1 in 10 lower case
        out = np.where(spelling == 0, np.char.replace(out.astype(str), " ", "").astype(object), out)
        return np.where(spelling <= 1, np.char.lower(out.astype(str)).astype(object), out)

    return pick


def _quarter_bounds(periods: pd.Series, quarters: str) -> tuple[np.ndarray, np.ndarray]:
    cache = {p: parse_period(p, quarters=quarters) for p in periods.unique()}
    start = np.array([np.datetime64(cache[p].start, "D") for p in periods])
    end = np.array([np.datetime64(cache[p].end, "D") for p in periods])
    return start, end


def _uniform_dates(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """One date drawn uniformly from ``lo..hi`` (inclusive) per element."""
    span = (hi - lo).astype(int) + 1
    return lo + np.floor(rng.random(len(lo)) * span).astype(int).astype("timedelta64[D]")


def _review_children(review: pd.DataFrame, config: Config, rng, pick) -> pd.DataFrame:
    rows = review.loc[review.index.repeat(review["eligible"])]
    rank = rows.groupby(level=0).cumcount().to_numpy()  # per extract row (rows may be split by group)
    rows = rows.reset_index(drop=True)
    reviewed = rank < rows["completed"].to_numpy()
    start, end = _quarter_bounds(rows["period"], config.extracts.quarters)
    # born in the three months that put the 2½ birthday in the quarter
    dob = _uniform_dates(rng, add_months(start, -30), add_months(end + np.timedelta64(1, "D"), -30) - np.timedelta64(1, "D"))
    turned = add_months(dob, 30)
    latest_end = end.max()
    on_time = _uniform_dates(rng, add_months(dob, 24), turned)
    late = _uniform_dates(rng, turned + np.timedelta64(1, "D"), np.minimum(turned + np.timedelta64(120, "D"), latest_end))
    late_ok = (turned < latest_end) & (rng.random(len(rows)) < 0.4)
    review_date = np.where(reviewed, on_time, np.where(late_ok, late, np.datetime64("NaT")))
    out = pd.DataFrame({"postcode": pick(rows["area_code"].to_numpy()), "date_of_birth": dob,
                        "review_date": review_date.astype("datetime64[D]")})
    return out.assign(**{g: rows[g].to_numpy() for g in _groups(rows)})


def _groups(frame: pd.DataFrame) -> list[str]:
    """The group columns the demo extracts carry (``ethnic_group``), kept on every child's row."""
    return [c for c in ("ethnic_group",) if c in frame.columns]


def _attendances(attendance: pd.DataFrame, config: Config, rng, pick) -> pd.DataFrame:
    kids = attendance.loc[attendance.index.repeat(attendance["children"])].reset_index(drop=True)
    start, end = _quarter_bounds(kids["period"], config.extracts.quarters)
    dob = start - rng.integers(30, int(4.5 * 365), len(kids)).astype("timedelta64[D]")
    kids = kids.assign(child=np.arange(len(kids)), postcode=pick(kids["area_code"].to_numpy()), date_of_birth=dob)
    visits = np.minimum(1 + rng.poisson(0.8, len(kids)), 4)
    rows = kids.loc[kids.index.repeat(visits)].reset_index(drop=True)
    s, e = start[rows["child"].to_numpy()], end[rows["child"].to_numpy()]
    return rows.assign(attendance_date=_uniform_dates(rng, s, e))


def record_demo(config: Config, *, seed: int | None = None) -> dict[str, pd.DataFrame]:
    """The synthetic record-level frames made from the config's aggregate extracts (see module docstring)."""
    e = config.extracts
    if e.review_takeup is None or e.hub_attendance is None:
        raise DataError(f"{config.path}: [extracts] review_takeup and hub_attendance must name the demo aggregate extracts")
    seed = config.seed if seed is None else seed
    rng = np.random.default_rng(seed)
    pick = _postcode_picker(config, rng)
    review = pd.read_csv(e.review_takeup, usecols=lambda c: c in {"area_code", "period", "eligible", "completed", "ethnic_group"},
                         dtype={"period": str, "ethnic_group": str}, keep_default_na=False, na_values={"eligible": [""]})
    attendance = pd.read_csv(e.hub_attendance, usecols=lambda c: c in {"area_code", "hub_id", "period", "children", "ethnic_group"},
                             dtype={"period": str, "ethnic_group": str}, keep_default_na=False, na_values={"children": [""]})
    kids = _review_children(review, config, rng, pick)
    kids.insert(0, "child_id", [f"SYN-R{i:06d}" for i in range(1, len(kids) + 1)])
    att = _attendances(attendance, config, rng, pick)
    att["child_id"] = [f"SYN-A{i + 1:06d}" for i in att["child"]]
    att = att.sort_values(["child_id", "attendance_date"], kind="stable")
    label = LABEL.format(seed=seed)
    return {
        "review_children": kids.assign(data_status=label),
        "attendances": att[["child_id", "postcode", "date_of_birth", "hub_id", "attendance_date", *_groups(att)]].assign(data_status=label),
    }


def write_record_demo(config: Config, *, out_dir: Path | None = None, seed: int | None = None) -> dict[str, Path]:
    """Write ``review_children.csv`` and ``attendances.csv`` (SYNTHETIC) and return their paths.

    ``out_dir`` defaults to ``records/`` beside the config's review take-up extract.

    Examples
    --------
    >>> from geo.config import load_config
    >>> write_record_demo(load_config("config.toml"))     # doctest: +SKIP
    """
    frames = record_demo(config, seed=seed)
    out = Path(out_dir) if out_dir is not None else Path(config.extracts.review_takeup).parent / "records"
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, frame in frames.items():
        path = out / f"{name}.csv"
        neutralise_frame(frame).to_csv(path, index=False, lineterminator="\n", date_format="%Y-%m-%d")
        written[name] = path
    return written
