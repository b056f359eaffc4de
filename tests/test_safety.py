"""Names and ids are data (issue 13): formula-safe tables, safe file names, plain text in the app.

The bi-borough demo on real public data, with hub and venue names and ids a hostile or careless
extract could hold: spreadsheet formulas, Markdown links and images, path traversal, absolute
paths, ids that clash once made file names, a 320-character unicode id. ``build``, ``sites`` and
``export`` run as the user runs them (``python -m geo`` in a subprocess); then every CSV and XLSX
written is scanned for cells a spreadsheet would evaluate, and the folder around ``--out`` for
anything written outside it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo.safety import (
    FORMULA_TRIGGERS,
    file_slugs,
    formula_cells,
    inside,
    neutralise_frame,
    plain_markdown,
    safe_slug,
)
from tests.conftest import REPO, copy_config

DEMO = REPO / "data" / "extracts" / "demo" / "biborough"
ABSOLUTE_ID = "/tmp/familyhub-abs"
#: demo hub id -> a hostile one (two of them clash as file names: "a/b" and "a_b")
HUB_IDS = {"WCC-BES": "../../evil", "WCC-CHS": ABSOLUTE_ID, "WCC-QPK": "a/b", "RBKC-N": "a_b",
           "RBKC-S": "Ünïcödé-" * 40, "WCC-BAY": "..\x07\t."}
HOSTILE_NAMES = ['=HYPERLINK("http://198.51.100.7","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-5",
                 "![x](http://198.51.100.7/x.png)", "[phish](http://198.51.100.7/login)"]
#: venue names: the hub names, and control characters (an XLSX cell cannot hold them), mathtext, Jinja
VENUE_NAMES = [*HOSTILE_NAMES, "Bell\x07 $x^2$ {{ 7*7 }} %s\r=1+1"]


def hostile_extracts(folder: Path, fetched) -> dict[str, Path]:
    """The demo hubs (all six as hubs), attendance and the public venues with hostile names and ids."""
    folder.mkdir(parents=True, exist_ok=True)
    hubs = pd.read_csv(DEMO / "hubs.csv", dtype=str, keep_default_na=False)
    hubs["site_type"], hubs["parent_hub_id"] = "hub", ""
    hubs["name"] = HOSTILE_NAMES
    hubs["hub_id"] = hubs["hub_id"].map(HUB_IDS)
    attendance = pd.read_csv(DEMO / "hub_attendance.csv", dtype=str, keep_default_na=False)
    attendance["hub_id"] = attendance["hub_id"].map(HUB_IDS)
    venues = pd.read_csv(fetched.public_dir / "venues.csv", dtype=str, keep_default_na=False)
    venues["name"] = [f"{VENUE_NAMES[i % len(VENUE_NAMES)]} {i}" for i in range(len(venues))]
    venues["venue_id"] = "=" + venues["venue_id"]
    paths = {"hubs": folder / "hubs.csv", "hub_attendance": folder / "hub_attendance.csv", "venues": folder / "venues.csv"}
    hubs.to_csv(paths["hubs"], index=False)
    attendance.to_csv(paths["hub_attendance"], index=False)
    venues.to_csv(paths["venues"], index=False, quoting=csv.QUOTE_ALL)  # the CR in a name quoted
    return paths


def geo_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          timeout=900, env={**os.environ, "PYTHONPATH": str(REPO)}, check=False)


def snapshot(folder: Path, skip: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_relative_to(skip)}


def csv_cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        return [cell for row in csv.reader(f) for cell in row]


def xlsx_problems(data: bytes) -> list[str]:
    """Formula cells, and text cells starting with a formula character, of a workbook."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    bad = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS)):
                    bad.append(f"{ws.title}!{cell.coordinate}: {cell.value!r} ({cell.data_type})")
    return bad


def scan_outputs(folder: Path) -> tuple[int, str]:
    """Check every CSV and XLSX under ``folder``; return how many files and all their text."""
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".csv", ".xlsx"))
    text = []
    for p in files:
        if p.suffix == ".csv":
            cells = csv_cells(p)
            assert not formula_cells(cells), (p, formula_cells(cells)[:5])
            text += cells
        else:
            assert not xlsx_problems(p.read_bytes()), (p, xlsx_problems(p.read_bytes())[:5])
            wb = openpyxl.load_workbook(p)
            text += [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    return len(files), "\n".join(text)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, biborough_config):
    root = tmp_path_factory.mktemp("hostile")
    paths = hostile_extracts(root / "extracts", biborough_config)
    config = copy_config(root, biborough_config, **paths)
    return root, config


@pytest.fixture(scope="module")
def hostile_runs(hostile):
    """``build``, ``sites`` and ``export`` of the hostile study area; the files around ``--out`` before and after."""
    root, config = hostile
    work = root / "work"
    work.mkdir()
    (work / "before.txt").write_text("x")
    before = snapshot(root, work / "out")
    outside = [Path(ABSOLUTE_ID + s) for s in (".png", ".csv", "")]
    assert not any(p.exists() for p in outside)
    venues = pd.read_csv(root / "extracts" / "venues.csv", dtype=str, keep_default_na=False)
    bell = venues.loc[venues["name"].str.startswith("Bell"), "venue_id"].iloc[0]
    runs = {
        "build": geo_cli("build", "--config", config, "--out", work / "out" / "build"),
        "sites": geo_cli("sites", "--config", config, "--k", 3, "--force-in", bell, "--out", work / "out" / "sites"),
        "sites_per_la": geo_cli("sites", "--config", config, "--k", 2, "--per-la", "--out", work / "out" / "per_la"),
        "export": geo_cli("export", "--config", config, "--k", 2, "--dpi", 30, "--date", "2026-01-05",
                          "--out", work / "out" / "pack"),
    }
    after = snapshot(root, work / "out")
    written_outside = sorted((after - before) | {str(p) for p in outside if p.exists()})
    return runs, work / "out", written_outside


def test_hostile_names_and_ids_run_without_a_traceback(hostile_runs):
    runs, _, _ = hostile_runs
    for name, proc in runs.items():
        assert "Traceback" not in proc.stderr, (name, proc.stderr[-3000:])
        assert proc.returncode == 0, (name, proc.returncode, proc.stderr[-3000:])
    # names and ids reach the terminal with their control characters escaped
    assert "Bell\\x07 $x^2$" in runs["sites"].stdout and "\x07" not in runs["sites"].stdout
    maps_step = next(ln for ln in runs["export"].stderr.splitlines() if "] hub maps " in ln)  # the hub ids, printable
    assert "..\\x07\\t." in maps_step and "\x07" not in runs["export"].stderr


def test_nothing_is_written_outside_out(hostile_runs):
    _, out, written_outside = hostile_runs
    assert written_outside == []
    # every file under --out really is under it (no link, no escape)
    for p in out.rglob("*"):
        assert p.resolve().is_relative_to(out.resolve()), p


def test_every_csv_and_xlsx_has_no_formula_cell(hostile_runs):
    _, out, _ = hostile_runs
    n, text = scan_outputs(out)
    assert n >= 10
    # the hostile names are there, as text with the OWASP prefix: the scan is not vacuous
    for name in HOSTILE_NAMES[:4]:
        assert f"'{name}" in text, name
    assert "'=HYPERLINK(\"http://198.51.100.7\",\"click\") 0" in text or "'=HYPERLINK" in text
    assert "[phish](http://198.51.100.7/login)" in text  # not a formula character: kept as it is
    # control characters: kept in CSV, shown as U+FFFD in XLSX (which cannot hold them); a CR becomes a LF
    sites = pd.read_csv(out / "sites" / "sites.csv", dtype=str, keep_default_na=False)
    bell = sites.loc[sites["name"].str.startswith("Bell"), "name"].iloc[0]
    assert bell.startswith("Bell\x07 $x^2$ {{ 7*7 }} %s\n=1+1 ")
    # numbers stay numbers: negative values of the build's columns are written as numbers
    lsoa = pd.read_csv(out / "build" / "lsoa.csv")
    assert lsoa.select_dtypes("number").lt(0).any().any()


def test_hub_files_have_safe_unique_names_listed_in_pack_json(hostile_runs):
    _, out, _ = hostile_runs
    pack = out / "pack"
    manifest = json.loads((pack / "pack.json").read_text())
    files = manifest["files"]
    assert set(files) == set(HUB_IDS.values()) == set(manifest["hubs"])
    names = [f for hub in files.values() for f in hub.values()]
    assert len(set(map(str.lower, names))) == len(names) == 2 * len(HUB_IDS)
    for hub_id, hub in files.items():
        for rel in hub.values():
            assert (pack / rel).is_file(), (hub_id, rel)
            assert inside(pack, rel).parent.parent == pack.resolve()
            stem = Path(rel).stem
            assert len(stem) <= 64 and stem.isascii() and stem not in (".", "..") and not stem.startswith(".")
    assert files["a_b"]["map"] == "maps/a_b.png"             # a safe id keeps its own name
    assert files["a/b"]["map"] != "maps/a_b.png"             # the clashing one gets a hash
    assert sorted(p.name for p in (pack / "maps").iterdir()) == sorted(Path(h["map"]).name for h in files.values())
    # the visit list says which hub it is for, with the id as written in the extract
    visits = pd.read_csv(pack / files["../../evil"]["visits"], dtype=str, keep_default_na=False)
    assert set(visits["hub_id"]) == {"../../evil"}


def test_export_of_one_hostile_hub_and_an_unknown_one(hostile, tmp_path):
    _, config = hostile
    out = tmp_path / "one"
    proc = geo_cli("export", "--config", config, "--hub", "../../evil", "--k", 1, "--dpi", 30, "--out", out)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert sorted(p.relative_to(out).as_posix() for p in (out / "maps").iterdir()) == ["maps/evil_0fbfd372.png"]
    assert not (tmp_path.parent / "evil.png").exists()
    proc = geo_cli("export", "--config", config, "--hub", "../../nope", "--out", tmp_path / "two")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "unknown hub id" in proc.stderr


def test_app_downloads_are_formula_safe(hostile):
    """The app's table downloads (CSV, XLSX) and the ILT pack zip, from the same hostile names."""
    from geo.app import download, views
    from geo.build import run
    from geo.config import load_config
    from geo.disclosure import DisclosureRule
    from geo.disclosure.tables import xlsx_bytes
    from geo.export.bundle import pack_file_name, pack_zip
    from geo.sites import suggest_sites

    _, config = hostile
    result = run(load_config(config))
    rule = DisclosureRule(result.config.disclosure_threshold)
    sites = suggest_sites(result, k=3)
    tables = download.download_tables(result, views.filter_view(result, level="lsoa"), sites, rule)
    assert formula_cells(tables["sites"]["name"]) and formula_cells(tables["sites"]["venue_id"])  # hostile before writing
    for name, table in tables.items():
        cells = csv_cells_from(download.csv_bytes(table))
        assert not formula_cells(cells), (name, formula_cells(cells)[:5])
    assert not xlsx_problems(xlsx_bytes(tables))
    data = pack_zip(result, hub="a/b", k=1, dpi=20)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert all(not n.startswith("/") and ".." not in n.split("/") for n in names)
        assert "maps/a_b_c14cddc0.png" in names and "visits/a_b_c14cddc0.csv" in names
        for n in names:
            if n.endswith(".csv"):
                assert not formula_cells(csv_cells_from(zf.read(n))), n
            elif n.endswith(".xlsx"):
                assert not xlsx_problems(zf.read(n)), n
    assert pack_file_name("biborough", "../../evil", pd.Timestamp("2026-01-05").date()) == "ilt_pack_biborough_evil_0fbfd372_2026-01-05.zip"


def csv_cells_from(data: bytes) -> list[str]:
    """Cells as a spreadsheet splits them: a bare CR outside quotes starts a new row."""
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8"), newline=None)) for cell in row]


# --------------------------------------------------------------------------- the mechanisms


@pytest.mark.parametrize("value", ["=1+1", "+1", "-x", "@A1", "\tx", "\rx", "-5", '=HYPERLINK("http://x","y")',
                                   "Hub\r=1+1", "Hub\r\n@SUM(1)"])
def test_text_starting_with_a_formula_character_is_neutralised(value):
    df = pd.DataFrame({"name": [value, "Library"], "n": [-1, 2], "mixed": [value, 3.0]}, dtype=object).astype({"n": int})
    out = neutralise_frame(df)
    # a leading formula character gets a ', a CR (never quoted by the csv writer) becomes a LF (quoted)
    expected = ("" if value.startswith("Hub") else "'") + value.replace("\r\n", "\n").replace("\r", "\n")
    assert out["name"].tolist() == [expected, "Library"]
    assert out["mixed"].tolist() == [expected, 3.0]
    assert out["n"].tolist() == [-1, 2] and out["n"].dtype.kind == "i"
    assert df["name"].iloc[0] == value  # the input is not altered
    cells = csv_cells_from(out.to_csv(index=False).encode())
    assert len(cells) == 9
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS) and c != "-1"]
    # the raw frame's CSV fails the scan (text like "-5" reads as a number there, as in a spreadsheet)
    raw = csv_cells_from(df.to_csv(index=False).encode())
    assert formula_cells(raw) or len(raw) != 9 or value in ("+1", "-5", "Hub\r\n@SUM(1)")  # CR LF: quoted anyway


def test_neutralise_frame_string_and_category_columns_and_headers():
    df = pd.DataFrame({"=h": pd.Series(["@a", None, "b"], dtype="string"),
                       "c": pd.Categorical(["+x", "y", "+x"]), "f": [-0.5, 1.5, float("nan")]})
    out = neutralise_frame(df)
    assert list(out.columns) == ["'=h", "c", "f"]
    assert out["'=h"].tolist()[0] == "'@a" and pd.isna(out["'=h"].iloc[1])
    assert str(out["'=h"].dtype) == "string"
    assert out["c"].tolist() == ["'+x", "y", "'+x"]
    assert out["f"].iloc[0] == -0.5


def test_xlsx_text_is_never_a_formula():
    from geo.disclosure.tables import xlsx_bytes

    df = pd.DataFrame({"name": HOSTILE_NAMES, "value": range(-3, 3)})
    data = xlsx_bytes({"t": df})
    assert not xlsx_problems(data)
    ws = openpyxl.load_workbook(io.BytesIO(data))["t"]
    assert [c.value for c in ws["A"][1:]] == ["'" + n if n.startswith(FORMULA_TRIGGERS) else n for n in HOSTILE_NAMES]
    assert {c.data_type for c in ws["A"][1:]} == {"s"} and [c.value for c in ws["B"][1:]] == list(range(-3, 3))
    # without neutralisation openpyxl would have stored a formula: the check can fail
    buf = io.BytesIO()
    df.to_excel(buf, index=False)
    assert xlsx_problems(buf.getvalue())
    # control characters an XLSX cannot hold (openpyxl raises on them) are shown as U+FFFD
    odd = pd.DataFrame({"name": ["Bell\x07hub", "tab\tand\nline"], "n": [1, 2]})
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"t": odd})))["t"]
    assert [c.value for c in ws["A"][1:]] == ["Bell\ufffdhub", "tab\tand\nline"]
    with pytest.raises(Exception, match="cannot be used in worksheets"):
        odd.to_excel(io.BytesIO(), index=False)


@pytest.mark.parametrize("hub_id", ["../../evil", "/tmp/abs", "a/b", "x" * 300, "...", ".", "..", "", "Café ☕/Nord",
                                    "CON", "a\x00b", "-rf", " leading space", "a\\b\\..\\..\\c"])
def test_safe_slug_is_a_plain_file_name(hub_id, tmp_path):
    slug = safe_slug(hub_id)
    assert slug and len(slug) <= 64 and slug.isascii() and slug not in (".", "..")
    assert not slug.startswith((".", "-")) and all(c.isalnum() or c in "._-" for c in slug)
    assert inside(tmp_path, f"maps/{slug}.png").parent == (tmp_path / "maps").resolve()
    assert safe_slug(hub_id) == slug  # deterministic


def test_file_slugs_never_clash():
    ids = ["a/b", "a_b", "A_B", "a\\b", "x" * 300, "x" * 301, "...", "..", "", "é", "e"]
    slugs = file_slugs(ids)
    assert len({s.lower() for s in slugs.values()}) == len(set(ids))
    assert slugs["A_B"] == "A_B" and slugs["e"] == "e"  # safe ids keep their name (the first in sort order)
    assert slugs["a_b"].startswith("a_b_") and slugs["a/b"].startswith("a_b_")


def test_inside_refuses_paths_outside_the_folder(tmp_path):
    from geo.errors import DataError

    for name in ("../x", "/etc/passwd", "a/../../x", ".", ""):
        with pytest.raises(DataError, match="outside the output folder"):
            inside(tmp_path, name)
    (tmp_path / "link").symlink_to(tmp_path.parent)
    with pytest.raises(DataError):
        inside(tmp_path, "link/x.png")


def test_plain_markdown_escapes_every_markdown_and_html_character():
    for text in ["![x](http://198.51.100.7/x.png)", "[a](b)", "<img src=x>", "**b** _i_ `c` ~~s~~ # h | t |",
                 "a\\b", "1. list", "- item", "www.example.test", "a@b.test", "http://x.test"]:
        out = plain_markdown(text)
        assert out.replace("\\", "").replace("\u2060", "") == text.replace("\\", "")
        assert not any(ch in out.replace("\\" + ch, "") for ch in "[]()!<>*_`#|~")
