"""Synthetic record-level extracts on REAL bi-borough postcodes, and an independent aggregation.

The reference functions here follow the definitions literally, one child at a time, with the
standard library only (no code shared with :mod:`geo.inputs.records`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import random

import pandas as pd


def real_postcodes(config, n: int, *, seed: int) -> pd.DataFrame:
    """``n`` distinct postcodes of the study area's postcode file (postcode, lsoa21cd)."""
    pcs = pd.read_csv(config.public_dir / "postcodes.csv", dtype=str)
    return pcs.sample(n, random_state=seed)[["postcode", "lsoa21cd"]].reset_index(drop=True)


def plain_postcode(text: str) -> str:
    s = "".join(text.split()).upper()
    return s[:-3] + " " + s[-3:]


def turned_two_and_a_half(dob: dt.date) -> dt.date:
    """30 months after birth: the same day of the month, or that month's last day."""
    months = dob.month - 1 + 30
    year, month = dob.year + months // 12, months % 12 + 1
    return dt.date(year, month, min(dob.day, calendar.monthrange(year, month)[1]))


def financial_quarter(d: dt.date) -> str:
    if d.month >= 4:
        return f"{d.year}-Q{(d.month - 4) // 3 + 1}"
    return f"{d.year - 1}-Q4"


def calendar_quarter(d: dt.date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def quarter_last_day(d: dt.date) -> dt.date:
    last_month = (d.month - 1) // 3 * 3 + 3
    return dt.date(d.year, last_month, calendar.monthrange(d.year, last_month)[1])


def reference_review(children: list[dict], lsoa_of: dict, *, quarter=financial_quarter) -> dict:
    """(lsoa, quarter) -> [eligible, completed] for children listed once each, all usable."""
    latest_end = quarter_last_day(max(c["review"] for c in children if c["review"] is not None))
    out: dict = {}
    for c in children:
        half = turned_two_and_a_half(c["dob"])
        if half > latest_end:
            continue
        key = (lsoa_of[plain_postcode(c["postcode"])], quarter(half))
        cell = out.setdefault(key, [0, 0])
        cell[0] += 1
        if c["review"] is not None and c["review"] <= half:
            cell[1] += 1
    return out


def fifth_birthday(dob: dt.date) -> dt.date:
    return dob.replace(year=dob.year + 5) if not (dob.month == 2 and dob.day == 29) else dt.date(dob.year + 5, 2, 28)


def reference_attendance(visits: list[dict], lsoa_of: dict, *, quarter=financial_quarter) -> dict:
    """(lsoa, hub, quarter) -> distinct children under 5 on the attendance date."""
    seen: dict = {}
    for v in visits:
        if not v["dob"] <= v["date"] < fifth_birthday(v["dob"]):
            continue
        key = (lsoa_of[plain_postcode(v["postcode"])], v["hub_id"], quarter(v["date"]))
        seen.setdefault(key, set()).add(v["child_id"])
    return {k: len(v) for k, v in seen.items()}


def spellings(postcode: str, rng: random.Random) -> str:
    """A usual spelling of a postcode: as is, lower case, no space, or extra spaces."""
    return rng.choice([postcode, postcode.lower(), postcode.replace(" ", ""), postcode.lower().replace(" ", ""),
                       "  " + postcode.replace(" ", "  ") + " "])


def random_children(pcs: pd.DataFrame, n: int, *, seed: int) -> list[dict]:
    """``n`` children turning 2½ from 2024 to 2026, real postcodes, a review or none."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        dob = dt.date(2021, 7, 1) + dt.timedelta(days=rng.randrange(0, 3 * 365))
        half = turned_two_and_a_half(dob)
        review = rng.choice([None, half - dt.timedelta(days=rng.randrange(0, 180)), half + dt.timedelta(days=rng.randrange(1, 90)),
                             half, half + dt.timedelta(days=1)])
        out.append({"child_id": f"T{seed % 1000:03d}-{i:05d}-{rng.randrange(10**6):06d}",
                    "postcode": spellings(pcs["postcode"].iloc[rng.randrange(len(pcs))], rng), "dob": dob, "review": review})
    return out


def review_frame(children: list[dict], *, fmt: str = "%Y-%m-%d") -> pd.DataFrame:
    return pd.DataFrame({"child_id": [c["child_id"] for c in children], "postcode": [c["postcode"] for c in children],
                         "date_of_birth": [c["dob"].strftime(fmt) for c in children],
                         "review_date": ["" if c["review"] is None else c["review"].strftime(fmt) for c in children]})
