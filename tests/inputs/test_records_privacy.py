"""Personal data never persists: aggregate record-level extracts and build on them in fresh
processes, then scan every file written and everything printed for the children's ids,
postcodes and dates of birth.

The raw record files are the test's own input (the council's file) and live in a folder that
is not scanned; everything else the processes can write to is: the working folder (aggregates,
config, build outputs), TMPDIR, HOME and its caches, and any file changed under the fetched
data folders or the repository.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import os
import random
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pandas as pd

from tests.conftest import REPO

SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from geo.config import load_config
    from geo.errors import ValidationError
    from geo.inputs.records import aggregate_records
    config = load_config(sys.argv[1])
    private, ext = Path(sys.argv[2]), Path(sys.argv[3])
    for kind, name in (("review_takeup", "review"), ("hub_attendance", "attendance")):
        agg = aggregate_records(private / f"{name}.csv", kind=kind, config=config)
        agg.totals().to_csv(ext / f"{name}.csv", index=False)
        print(json.dumps(agg.report.to_dict()))
    try:
        aggregate_records(private / "bad.csv", kind="review_takeup", config=config)
    except ValidationError as err:
        print(err, file=sys.stderr)
        sys.exit(2)
""")


def _secrets(config, rng: random.Random) -> tuple[list[dict], list[dict]]:
    public = set(pd.read_csv(config.public_dir / "venues.csv", dtype=str).get("postcode", pd.Series(dtype=str)).dropna())
    pcs = pd.read_csv(config.public_dir / "postcodes.csv", dtype=str)
    pcs = pcs[~pcs["postcode"].isin(public)].sample(25, random_state=rng.randrange(10**6))["postcode"].tolist()
    children, visits = [], []
    for _ in range(120):
        # days 2-27 only: never a quarter's or month's first or last day, which outputs may print
        dob = dt.date(rng.choice([2021, 2022, 2023]), rng.randrange(1, 13), rng.randrange(2, 28))
        cid = f"PRV{rng.randrange(16**8):08X}"
        half = dt.date(dob.year + 2 + (dob.month + 6 > 12), (dob.month + 5) % 12 + 1, dob.day)
        review = half - dt.timedelta(days=rng.randrange(0, 120)) if rng.random() < 0.6 else None
        children.append({"child_id": cid, "postcode": rng.choice(pcs), "dob": dob, "review": review})
        for _ in range(rng.randrange(1, 4)):
            when = dt.date(2025, 4, 1) + dt.timedelta(days=rng.randrange(0, 360))
            visits.append({"child_id": cid, "postcode": children[-1]["postcode"], "dob": dob, "when": when,
                           "hub": rng.choice(["WCC-CHS", "RBKC-N", "WCC-QPK"])})
    return children, visits


def _needles(children) -> set[str]:
    out = set()
    for c in children:
        d, pc = c["dob"], c["postcode"]
        out |= {c["child_id"], c["child_id"].lower(), pc, pc.replace(" ", ""), pc.lower(), pc.lower().replace(" ", "")}
        out |= {d.isoformat(), d.strftime("%d/%m/%Y"), d.strftime("%Y%m%d"), d.strftime("%d-%m-%Y"),
                f"{d.day}/{d.month}/{d.year}", d.strftime("%d %b %Y"), d.strftime("%Y/%m/%d"), d.strftime("%m/%d/%Y")}
    return out


def _texts(path: Path) -> list[bytes]:
    data = path.read_bytes()
    texts = [data]
    if data[:2] == b"\x1f\x8b":
        texts.append(gzip.decompress(data))
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            texts += [z.read(n) for n in z.namelist()]
    return texts


def _state(roots: list[Path]) -> dict:
    """Every file under ``roots`` with its modification time and size."""
    return {p: (p.stat().st_mtime_ns, p.stat().st_size) for root in roots for p in root.rglob("*") if p.is_file()}


def _scan(roots: list[Path], needles: set[str], before: dict, skip: Path) -> tuple[int, list[str]]:
    """Search every file new or changed since ``before`` (zip and gzip members too)."""
    found, n = [], 0
    for path, stat in _state(roots).items():
        if skip in path.parents or before.get(path) == stat:
            continue
        n += 1
        for blob in _texts(path):
            found += [f"{path}: {s!r}" for s in needles if s.encode() in blob]
    return n, found


def _config(tmp: Path, base, ext: Path) -> Path:
    text = (REPO / "config.toml").read_text()
    hubs = REPO / "data/extracts/demo/biborough/hubs.csv"
    swaps = {
        'boundaries_dir = "data/boundaries"': f'boundaries_dir = "{base.boundaries_dir.parent}"',
        'public_dir = "data/extracts/public"': f'public_dir = "{base.public_dir.parent}"',
        'review_takeup = "data/extracts/demo/biborough/review_takeup.csv"': f'review_takeup = "{ext / "review.csv"}"',
        'hub_attendance = "data/extracts/demo/biborough/hub_attendance.csv"': f'hub_attendance = "{ext / "attendance.csv"}"',
        'hubs = "data/extracts/demo/biborough/hubs.csv"': f'hubs = "{hubs}"',
        'venues = "data/extracts/public/biborough/venues.csv"': f'venues = "{base.public_dir / "venues.csv"}"',
        'synthetic = true': 'synthetic = false',
    }
    for old, new in swaps.items():
        assert old in text, old
        text = text.replace(old, new)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("outreach_sessions ="))
    path = tmp / "config.toml"
    path.write_text(text)
    return path


def test_no_personal_data_is_written_or_printed(biborough_config, tmp_path):
    rng = random.Random(20261130)
    children, visits = _secrets(biborough_config, rng)
    private, work = tmp_path / "private", tmp_path / "work"
    ext, out, tmp, home = work / "ext", work / "out", work / "tmp", work / "home"
    for d in (private, ext, out, tmp, home):
        d.mkdir(parents=True)
    iso = "%Y-%m-%d"
    pd.DataFrame({"child_id": [c["child_id"] for c in children], "postcode": [c["postcode"].lower().replace(" ", "") for c in children],
                  "date_of_birth": [c["dob"].strftime("%d/%m/%Y") for c in children],
                  "review_date": [c["review"].strftime(iso) if c["review"] else "" for c in children]}).to_csv(private / "review.csv", index=False)
    pd.DataFrame({"child_id": [v["child_id"] for v in visits], "postcode": [v["postcode"] for v in visits],
                  "date_of_birth": [v["dob"].strftime(iso) for v in visits], "hub_id": [v["hub"] for v in visits],
                  "attendance_date": [v["when"].strftime(iso) for v in visits]}).to_csv(private / "attendance.csv", index=False)
    bad = [{"child_id": c["child_id"], "postcode": c["postcode"], "date_of_birth": c["dob"].strftime("%m/%d/%Y"),
            "review_date": ""} for c in children if c["dob"].day > 12][:5]
    pd.DataFrame(bad).to_csv(private / "bad.csv", index=False)
    config = _config(work, biborough_config, ext)
    env = {**os.environ, "TMPDIR": str(tmp), "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "MPLCONFIGDIR": str(home / "mpl"), "PYTHONDONTWRITEBYTECODE": "1"}
    roots = [work, biborough_config.public_dir, biborough_config.boundaries_dir, REPO]
    before = _state(roots)
    agg = subprocess.run([sys.executable, "-c", SCRIPT, str(config), str(private), str(ext)], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=300)
    assert agg.returncode == 2, agg.stderr          # the bad file's problems are listed, the two good files aggregated
    assert "date_of_birth" in agg.stderr and "rows 2-6" in agg.stderr
    assert (ext / "review.csv").exists() and (ext / "attendance.csv").exists()
    build = subprocess.run([sys.executable, "-m", "geo", "build", "--config", str(config), "--out", str(out)], cwd=REPO,
                           env=env, capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    assert (out / "lsoa.csv").exists()
    lsoa = pd.read_csv(out / "lsoa.csv")
    assert lsoa["review_eligible"].sum() > 0 and lsoa["hub_children"].sum() > 0   # the aggregates were used
    needles = _needles(children)
    printed = agg.stdout + agg.stderr + build.stdout + build.stderr
    assert [s for s in needles if s in printed] == []
    n, found = _scan(roots, needles, before, skip=private)
    assert n >= 8, "the scan must see the files written"
    assert found == []
