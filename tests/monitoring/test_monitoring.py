"""Quarterly monitoring (issue 19): trends.csv, changes.csv, impact.csv on synthetic extracts of
eight quarters written here (independent of ``geo/demo.py``), with planted worsening wards and a
planted outreach effect, and a placebo schedule at venues where nothing changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from scipy.spatial import cKDTree

from geo.build import run
from geo.config import ConfigError, load_config
from geo.outputs import write
from tests.conftest import REPO, write_study_config

QUARTERS = [f"{y}-Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)]
RADIUS = 865.0  # the default exposure distance of config.toml's 15-minute walk (4.5 km/h / 1.3)
REVIEW_LIFT = 0.8  # logit lift of review take-up after sessions begin (2025) in exposed areas
WORSEN = 1.5  # logit fall of review take-up in 2025 in the planted worsening wards


def _expit(x):
    return 1 / (1 + np.exp(-x))


def _frame(public):
    l = (public.lsoa[["lsoa21cd", "lad_code", "geometry"]]
         .merge(public.lookup_ward[["lsoa21cd", "ward_code"]], on="lsoa21cd")
         .merge(public.population[["lsoa21cd", "pop_0_15"]], on="lsoa21cd").sort_values("lsoa21cd").reset_index(drop=True))
    pts = l.geometry.representative_point()
    return l, np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def _pick_venues(rng, xy, free, n, avoid=()):
    tree = cKDTree(xy)
    out = []
    for i in rng.permutation(len(xy)):
        near = tree.query_ball_point(xy[i], RADIUS)
        far = all(np.hypot(*(xy[i] - xy[j])) > 3 * RADIUS for j in [*out, *avoid])
        if len(near) >= 6 and free[near].all() and far:
            out.append(int(i))
        if len(out) == n:
            return out
    raise AssertionError("no room for the venues")


def _sessions(xy, venues, prefix):
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(xy[venues, 0], xy[venues, 1])
    return pd.DataFrame([{"session_id": f"{prefix}{v}-{m}", "date": f"{15:02d}/{4 + m:02d}/2025", "hub_id": "TH1",
                          "type": "stay and play", "venue_id": f"{prefix}{v}", "lat": round(lat[v], 6), "lon": round(lon[v], 6)}
                         for v in range(len(venues)) for m in range(6)])


def write_monitoring_extracts(public, out: Path, *, seed: int) -> dict:
    """Eight quarters (2024-Q1 to 2025-Q4) of review take-up and hub attendance with three worsening
    wards and an outreach effect from 2025-Q1 around two venues; two placebo venues elsewhere."""
    rng = np.random.default_rng(seed)
    l, xy = _frame(public)
    n = len(l)
    under5 = l["pop_0_15"].to_numpy(float) * 0.3
    wards = l["ward_code"].to_numpy()
    sizes = pd.Series(wards).value_counts()
    worse = np.sort(rng.choice(np.sort(sizes.index[sizes >= 5].to_numpy()), 3, replace=False))
    worsening = np.isin(wards, worse)
    venues = _pick_venues(rng, xy, ~worsening, 2)
    exposed = cKDTree(xy[venues]).query(xy)[0] <= RADIUS
    placebo = _pick_venues(rng, xy, ~worsening & (cKDTree(xy[venues]).query(xy)[0] > 2 * RADIUS), 2, avoid=venues)
    base = np.log(0.65 / 0.35) + rng.normal(0, 0.4, n)
    reach0 = np.clip(0.15 * np.exp(rng.normal(0, 0.3, n)), 0.02, 0.5)
    review, attendance, p_rev = [], [], {}
    for q, period in enumerate(QUARTERS):
        after = q >= 4
        p = _expit(base + np.where(after & exposed, REVIEW_LIFT, 0) - np.where(after & worsening, WORSEN, 0))
        p_rev[period] = p
        eligible = rng.poisson(under5 / 12)
        review.append(pd.DataFrame({"area_code": l["lsoa21cd"], "period": period, "eligible": eligible,
                                    "completed": rng.binomial(eligible, p)}))
        r = reach0 * np.where(after & exposed, 1.5, 1.0)
        attendance.append(pd.DataFrame({"area_code": l["lsoa21cd"], "hub_id": "TH1", "period": period,
                                        "children": rng.binomial(np.round(under5).astype(int), r)}))
    review, attendance = pd.concat(review, ignore_index=True), pd.concat(attendance, ignore_index=True)
    hub = pd.DataFrame({"hub_id": ["TH1"], "name": ["Test hub"], "la_code": [l["lad_code"].iloc[0]], "site_type": ["hub"],
                        "easting": [round(xy[0, 0])], "northing": [round(xy[0, 1])]})
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, df in {"review_takeup": review, "hub_attendance": attendance, "hubs": hub,
                     "sessions": _sessions(xy, venues, "V"), "placebo": _sessions(xy, placebo, "P"),
                     "both": pd.concat([_sessions(xy, venues, "V"), _sessions(xy, placebo, "P")])}.items():
        paths[name] = out / f"{name}.csv"
        df.to_csv(paths[name], index=False)
    eligible_after = review[review["period"] >= "2025"].groupby("area_code")["eligible"].sum().reindex(l["lsoa21cd"]).to_numpy()
    lift = np.mean([p_rev[q] - _expit(np.log(p_rev[q] / (1 - p_rev[q])) - REVIEW_LIFT) for q in QUARTERS[4:]], axis=0)
    planted = float(np.average(lift[exposed], weights=np.maximum(eligible_after[exposed], 1e-9)))
    return {"paths": paths, "worse": worse, "exposed": l.loc[exposed, "lsoa21cd"].to_numpy(), "review_lift": planted,
            "review": review, "attendance": attendance}


def _config(tmp_path, fetched, data, sessions: str, **analysis):
    p = data["paths"]
    return load_config(write_study_config(
        tmp_path / f"{sessions}.toml", REPO / "config.toml", fetched,
        extracts={"review_takeup": str(p["review_takeup"]), "hub_attendance": str(p["hub_attendance"]),
                  "hubs": str(p["hubs"]), "outreach_sessions": str(p[sessions])},
        analysis=analysis or {"pool_quarters": 4}, targets={"review": {"value": 0.8, "label": "test target"}}))


@pytest.fixture(scope="module")
def study(biborough_config, biborough_build, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("monitoring")
    data = write_monitoring_extracts(biborough_build.public, tmp / "extracts", seed=190)
    out = {}
    for sessions in ("sessions", "placebo", "both"):
        result = run(_config(tmp, biborough_config, data, sessions), public=biborough_build.public)
        paths = write(result, tmp / sessions)
        out[sessions] = (result, {k: pd.read_csv(paths[k]) for k in ("trends", "changes", "impact", "lsoa", "wards")})
    return data, out


def test_trends_reproduce_the_counts_exactly(study):
    data, out = study
    result, csv = out["sessions"]
    trends = csv["trends"]
    assert set(trends["level"]) == {"lsoa", "ward", "hub", "la", "study_area"}
    assert sorted(trends.loc[trends["periods_pooled"] == 1, "period"].unique()) == QUARTERS
    review = data["review"]
    lookup = result.public.lookup_ward.set_index("lsoa21cd")["ward_code"]
    quarterly = trends[(trends["periods_pooled"] == 1) & (trends["measure"] == "review")]
    # every LSOA and ward and the study area, every quarter, from the extract's own rows
    lsoa = quarterly[quarterly["level"] == "lsoa"].set_index(["area_code", "period"])
    want = review.set_index(["area_code", "period"])
    assert (lsoa["numerator"] == want.loc[lsoa.index, "completed"]).all()
    assert (lsoa["denominator"] == want.loc[lsoa.index, "eligible"]).all()
    ward = quarterly[quarterly["level"] == "ward"].set_index(["area_code", "period"])
    wsum = review.assign(ward=review["area_code"].map(lookup)).groupby(["ward", "period"])[["completed", "eligible"]].sum()
    assert (ward["numerator"] == wsum.loc[ward.index, "completed"]).all() and len(ward) == len(wsum)
    total = quarterly[quarterly["level"] == "study_area"].set_index("period")
    assert (total["numerator"] == review.groupby("period")["completed"].sum()).all()
    reach = trends[(trends["periods_pooled"] == 1) & (trends["measure"] == "reach") & (trends["level"] == "lsoa")]
    children = data["attendance"].set_index(["area_code", "period"])["children"]
    r = reach.set_index(["area_code", "period"])
    assert (r["numerator"] == np.minimum(children.loc[r.index], r["denominator"])).all()
    # the analysis window (the four quarters to 2025-Q4, pooled) is the snapshot of lsoa.csv and wards.csv
    window = trends[(trends["period"] == "2025-Q1 to 2025-Q4") & (trends["measure"] == "review")]
    snap = window[window["level"] == "lsoa"].set_index("area_code")
    l = csv["lsoa"].set_index("lsoa21cd")
    assert (snap["numerator"] == l.loc[snap.index, "review_completed"]).all()
    assert (snap["denominator"] == l.loc[snap.index, "review_eligible"]).all()
    wsnap = window[window["level"] == "ward"].set_index("area_code")
    w = csv["wards"].set_index("ward_code")
    assert (wsnap["numerator"] == w["review_completed"].reindex(wsnap.index)).all()
    # Wilson intervals bracket the rate; a pooled window is the sum of its quarters
    some = trends[trends["denominator"] > 0]
    assert ((some["rate_lo"] <= some["rate"]) & (some["rate"] <= some["rate_hi"])).all()
    assert trends.loc[trends["denominator"] == 0, ["rate", "rate_lo", "rate_hi"]].isna().all().all()
    pooled = trends[(trends["periods_pooled"] == 4) & (trends["level"] == "study_area") & (trends["measure"] == "review")]
    assert pooled.set_index("period").loc["2025-Q1 to 2025-Q4", "numerator"] == review[review["period"] >= "2025"]["completed"].sum()
    # the target and the gap to it
    t = quarterly[quarterly["level"] == "study_area"].iloc[-1]
    assert t["target"] == 0.8 and t["target_label"] == "test target"
    assert t["gap_pp"] == pytest.approx(100 * (t["rate"] - 0.8))
    assert t["gap_children"] == round(t["numerator"] - 0.8 * t["denominator"])


def test_changes_flag_the_planted_worsening_wards_and_not_the_stable_ones(study):
    data, out = study
    changes = out["sessions"][1]["changes"]
    assert list(changes.columns[:11]) == ["level", "area_code", "measure", "period_from", "period_to", "rate_from", "rate_to",
                                          "difference", "difference_lo", "difference_hi", "flag"]
    year = changes[(changes["level"] == "ward") & (changes["measure"] == "review") & (changes["periods_pooled"] == 4)]
    assert set(year["period_from"]) == {"2024-Q1 to 2024-Q4"} and set(year["period_to"]) == {"2025-Q1 to 2025-Q4"}
    flags = year.set_index("area_code")["flag"]
    assert (flags[data["worse"]] == "worsening").all(), flags[data["worse"]]
    # stable wards: not planted, and no LSOA exposed to outreach
    lookup = out["sessions"][0].public.lookup_ward.set_index("lsoa21cd")["ward_code"]
    touched = set(data["worse"]) | set(lookup[data["exposed"]])
    stable = flags[~flags.index.isin(touched)]
    assert len(stable) > 15 and (stable == "no clear change").all(), stable[stable != "no clear change"]
    # every flagged change's interval excludes zero in its direction; quarterly comparisons exist too
    flagged = changes[changes["flag"] != "no clear change"]
    assert ((flagged["flag"] == "worsening") == (flagged["difference"] < 0)).all()
    q = changes[changes["periods_pooled"] == 1]
    assert {("previous", "2025-Q3"), ("year_earlier", "2024-Q4")} <= set(zip(q["comparison"], q["period_from"]))


def test_impact_finds_the_planted_effect(study):
    data, out = study
    impact = out["sessions"][1]["impact"]
    assert list(impact.columns[:9]) == ["measure", "group", "n_areas", "before_rate", "after_rate", "estimate", "estimate_lo",
                                        "estimate_hi", "method"]
    review = impact[(impact["measure"] == "review") & (impact["group"] == "all")].iloc[0]
    assert review["n_areas"] == len(data["exposed"])
    assert review["estimate_lo"] > 0
    assert review["estimate_lo"] <= data["review_lift"] <= review["estimate_hi"]
    assert abs(review["estimate"] - data["review_lift"]) < 0.05
    reach = impact[(impact["measure"] == "reach") & (impact["group"] == "all")].iloc[0]
    assert reach["estimate_lo"] > 0
    assert set(impact["group"]) == {"all", "V0", "V1"}


def test_impact_finds_nothing_at_placebo_venues(study):
    """A schedule at venues where nothing changed: no effect claimed for all sessions together,
    and each placebo venue's estimate small beside the real venues' (the real effect elsewhere
    sits partly in the comparison areas: see the calibration in the README)."""
    data, out = study
    placebo = out["placebo"][1]["impact"].set_index(["measure", "group"])
    for measure in ("review", "reach"):
        row = placebo.loc[(measure, "all")]
        assert row["estimate_lo"] <= 0 <= row["estimate_hi"], (measure, row.to_dict())
    both = out["both"][1]["impact"].set_index(["measure", "group"])
    for measure in ("review", "reach"):
        real = min(both.loc[(measure, "V0"), "estimate"], both.loc[(measure, "V1"), "estimate"])
        assert min(both.loc[(measure, "V0"), "estimate_lo"], both.loc[(measure, "V1"), "estimate_lo"]) > 0
        for g in ("P0", "P1"):
            assert abs(both.loc[(measure, g), "estimate"]) < real / 2, (measure, g)
    assert abs(both.loc[("review", "P0"), "estimate"]) < data["review_lift"] / 2
    assert set(both.loc["review"]["interval_level"].round(4)) == {0.95, 0.9875}  # 4 venues: Bonferroni


def test_analysis_and_targets_config_errors(tmp_path, biborough_config):
    for tables, text in [({"analysis": {"pool_quarters": 0}}, "pool_quarters"),
                         ({"analysis": {"pooled": 2}}, "unknown key"),
                         ({"targets": {"review": 75}}, "proportion"),
                         ({"targets": {"visits": 0.5}}, "unknown measure"),
                         ({"analysis": {"exposure_metres": -1}}, "exposure_metres")]:
        path = write_study_config(tmp_path / "bad.toml", REPO / "config.toml", biborough_config, **tables)
        with pytest.raises(ConfigError, match=text):
            load_config(path)


def test_bad_sessions_are_named_with_row_and_column(tmp_path, biborough_config):
    bad = tmp_path / "sessions.csv"
    bad.write_text("session_id,date,hub_id,type,lat,lon\n"
                   "S1,2025-04-15,WCC-CHS,stay and play,51.52,-0.17\n"
                   "S2,31/02/2025,WCC-CHS,drop-in,51.52,-0.17\n"
                   "S3,2025-05-01,NOPE,drop-in,51.52,-0.17\n"
                   "S4,2025-05-02,WCC-CHS,drop-in,,\n"
                   "S1,2025-05-03,WCC-CHS,drop-in,51.52,-0.17\n")
    cfg = write_study_config(tmp_path / "c.toml", REPO / "config.toml", biborough_config, extracts={"outreach_sessions": str(bad)})
    proc = subprocess.run([sys.executable, "-m", "geo", "build", "--config", str(cfg), "--out", str(tmp_path / "out")],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr
    assert "Traceback" not in err
    for text in ("is not a date", "row 3", "hub_id not in the hubs file", "row 4", "duplicate", "no location", "row 5", "rows 2, 6"):
        assert text in err, (text, err)


def test_demo_has_eight_quarters_and_records_its_planted_changes(biborough_build):
    demo = REPO / "data" / "extracts" / "demo" / "biborough"
    review = pd.read_csv(demo / "review_takeup.csv")
    assert sorted(review["period"].unique()) == QUARTERS
    planted = pd.read_csv(demo / "planted_changes.csv")
    assert set(planted["kind"]) == {"improving", "worsening", "outreach"}
    sessions = pd.read_csv(demo / "outreach_sessions.csv")
    assert sessions["data_status"].str.startswith("SYNTHETIC").all() and len(sessions) >= 12
    # the north-east of Westminster (Church Street hub area) improves from under a half
    trends = biborough_build.inputs.series["review_takeup"]
    hub = biborough_build.lsoa.set_index("lsoa21cd")["hub_id"]
    chs = trends[trends["lsoa21cd"].map(hub) == "WCC-CHS"].groupby("period")[["completed", "eligible"]].sum()
    rate = chs["completed"] / chs["eligible"]
    assert rate["2024-Q1"] < 0.4 and rate[["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]].mean() > rate["2024-Q1"] + 0.1
