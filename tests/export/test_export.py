"""ILT map packs and exports: pages, files, disclosure control on everything that leaves the tool.

One pack is built per module (bi-borough demo, maps at a low DPI) from a copy of the demo
config whose spoke and venue names carry an HTML payload. Disclosure is checked on what was
written: every CSV, XLSX sheet, the PDF's text (``pdftotext``) and the web map's tooltips are
scanned for counts of 1-4, and a reader's attack on the exported ward and hub tables (and on
the LSOA, ward and hub tables together) must not pin any suppressed count.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.cli import main
from geo.disclosure import CONFIDENTIAL, DisclosureRule, add_total_row, scan_for_small_counts
from geo.disclosure.tables import hub_table, ward_table_out
from geo.errors import DataError
from tests.disclosure.test_disclosure import lp_ranges, milp_ranges
from tests.export.conftest import DATE, DPI, HUB_PAYLOAD, PAYLOAD, _run  # noqa: F401  (the pack fixtures live there)

#: count columns of real children, by exported table
COUNTS = {
    "lsoas": ["review_eligible", "review_completed", "children_not_reviewed", "hub_children"],
    "wards": ["review_eligible", "review_completed", "children_not_reviewed", "hub_children"],
    "hubs": ["review_eligible", "review_completed", "children_not_reviewed", "children_reached"],
}
IDENTITY = ("review_eligible", ("review_completed", "children_not_reviewed"))
PDF_COUNT_HEADERS = {"Eligible", "Reviewed", "Not reviewed", "Attending"}


# ----------------------------------------------------------------- pages and files


def sections(pages: list[str]) -> list[str]:
    """The page kinds in order, a section over several pages once."""
    return [p for i, p in enumerate(pages) if i == 0 or pages[i - 1] != p]


def test_page_count_is_cover_hubs_wards_and_visit_lists(pack):
    result, res, out = pack
    hubs = sorted(result.hubs.loc[result.hubs["site_type"] == "hub", "hub_id"])
    assert hubs == ["RBKC-N", "RBKC-S", "WCC-BES", "WCC-CHS", "WCC-QPK"]
    # the study area's trend and equity sections ("area") follow the ward summary
    assert sections(res.pages) == ["cover", *(f"hub:{h}" for h in hubs), "wards", "area", *(f"visits:{h}" for h in hubs)]
    for h in hubs:  # the map page, the venues and the top-10 table, then the hub's trend and equity pages
        assert res.pages.count(f"hub:{h}") >= 4
    info = _run("pdfinfo", str(out / "pack.pdf"))
    assert re.search(rf"^Pages:\s+{len(res.pages)}$", info, re.M)
    assert re.search(r"Page size:\s+841\.\d+ x 595\.\d+ pts \(A4\)", info)


def test_every_page_renders(pack, tmp_path):
    _, res, out = pack
    _run("pdftoppm", "-png", "-r", "15", str(out / "pack.pdf"), str(tmp_path / "p"))
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == len(res.pages)
    for p in pngs:
        head = p.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        w, h = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        assert abs(w / h - 297 / 210) < 0.02  # A4 landscape


def test_outputs_written(pack):
    _, res, out = pack
    hubs = res.hub_ids
    assert sorted(p.name for p in (out / "maps").iterdir()) == [f"{h}.png" for h in hubs]
    assert sorted(p.name for p in (out / "visits").iterdir()) == [f"{h}.csv" for h in hubs]
    assert sorted(p.name for p in (out / "tables").iterdir()) == sorted(
        f"{n}.csv" for n in ("lsoas", "wards", "hubs", "sites", "reconciliation", "disclosure", "notes"))
    from geo.maps.printmap import MAP_FIGSIZE

    for hub in hubs:
        head = (out / "maps" / f"{hub}.png").read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        size = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        assert size == (round(MAP_FIGSIZE[0] * DPI), round(MAP_FIGSIZE[1] * DPI))
    manifest = json.loads((out / "pack.json").read_text())
    assert manifest["pages"] == res.pages and manifest["synthetic"] is True


def test_default_map_resolution_is_300_dpi():
    import inspect

    from geo.cli import parser
    from geo.export.pack import export_pack

    assert inspect.signature(export_pack).parameters["dpi"].default == 300
    assert parser().parse_args(["export"]).dpi == 300


def test_cover_banner_periods_and_attribution(pack, pdf_pages):
    result, res, _ = pack
    cover = " ".join(pdf_pages[0].split())
    assert "SYNTHETIC DATA" in cover
    assert "2025-Q4" in cover and "5 January 2026" in cover
    for page in pdf_pages:
        assert "SYNTHETIC DATA" in page  # pages get separated when printed
    for h in res.hub_ids:
        text = " ".join(" ".join(t for t, kind in zip(pdf_pages, res.pages) if kind == f"hub:{h}").split())
        assert "Contains OS data © Crown copyright and database right" in text
        assert "Source: Office for National Statistics licensed under the Open Government Licence v3.0" in text
        assert "Top 10 priority LSOAs" in text and "Suggested outreach venues" in text


def test_names_print_as_themselves(pack, pdf_pages):
    """Autoescaping: a hub named with HTML and template syntax, venues named with an HTML payload, print literally."""
    _, res, _ = pack
    text = " ".join(" ".join(pdf_pages).split())
    assert HUB_PAYLOAD in text and "<b>x</b> 49" not in text
    assert PAYLOAD in text  # the venues' names, in the venue tables and visit lists


# ----------------------------------------------------------------- scanning for small counts


def _count_columns(frame: pd.DataFrame, name: str) -> list[str]:
    cols = COUNTS.get(name, [])
    extra = [c for c in frame.columns if c.startswith("covered_children")]
    return [c for c in cols + extra if c in frame.columns]


def test_csv_and_xlsx_have_no_small_counts(pack):
    _, _, out = pack
    for name, cols in COUNTS.items():
        found = scan_for_small_counts(out / "tables" / f"{name}.csv", counts=cols)
        assert found == [], (name, found[:5])
    sites = pd.read_csv(out / "tables" / "sites.csv", dtype=str, keep_default_na=False)
    assert scan_for_small_counts(sites, counts=["covered_children_nearest_10"]) == []
    assert (pd.to_numeric(sites["covered_children_nearest_10"]) % 10 == 0).all()
    sheets = pd.read_excel(out / "tables.xlsx", sheet_name=None, dtype=object)
    assert list(sheets) == ["LSOAs", "wards", "hubs", "sites", "reconciliation", "disclosure", "notes"]
    for sheet, frame in sheets.items():
        name = {"LSOAs": "lsoas"}.get(sheet, sheet)
        cols = _count_columns(frame, name)
        assert scan_for_small_counts(frame, counts=cols) == [], sheet
    for sheet, frame in sheets.items():  # each sheet has the rows and columns of the CSV of the same name
        csv = pd.read_csv(out / "tables" / f"{ {'LSOAs': 'lsoas'}.get(sheet, sheet)}.csv", dtype=str, keep_default_na=False)
        assert list(frame.columns) == list(csv.columns) and len(frame) == len(csv), sheet


def test_visit_lists_hold_postcodes_of_the_top_lsoas_and_the_venues(pack):
    result, res, out = pack
    pcs = result.public.postcodes.set_index("postcode")["lsoa21cd"]
    for hub in res.hub_ids:
        v = pd.read_csv(out / "visits" / f"{hub}.csv", dtype=str, keep_default_na=False)
        post = v[v["item"] == "leaflet postcode"]
        # every top LSOA, in the order of the published (banded) rank; withheld ranks last, by need score
        published = pd.read_csv(out / "tables" / "lsoas.csv", dtype={"priority_rank": str})
        published = published[published["hub_id"] == hub].assign(rank=lambda f: pd.to_numeric(f["priority_rank"], errors="coerce"))
        top = published.sort_values(["rank", "need_score"], ascending=[True, False], na_position="last").head(5)["lsoa21cd"].tolist()
        assert post["lsoa21cd"].drop_duplicates().tolist() == top
        assert set(post["priority_rank"]) <= set(published["priority_rank"].replace("c", "")) | {""}
        listed = post[post["postcode"] != ""]
        assert (pcs.loc[listed["postcode"]].to_numpy() == listed["lsoa21cd"].to_numpy()).all()
        for code in top:  # all of each LSOA's postcodes, none dropped; none on file is said so
            expected = int((pcs == code).sum())
            if expected:
                assert (listed["lsoa21cd"] == code).sum() == expected
            else:
                assert (post.loc[post["lsoa21cd"] == code, "note"] != "").all()
        venues = v[v["item"] == "suggested venue"]
        mine = res.sites[res.sites["hub_id"] == hub]
        assert venues["venue_id"].tolist() == mine["venue_id"].tolist()
        assert not set(v.columns) & {c for cols in COUNTS.values() for c in cols}  # no count of children here


def test_pdf_text_has_no_small_counts(pack, pdf_pages):
    from tests.export.pdfread import TaggedPdf

    _, res, out = pack
    rows_read = {"top": 0, "wards": 0, "sections": 0}
    section_counts = {"Reviews completed", "Children eligible", "Children attending"}   # trend and equity pages
    for page, table in TaggedPdf(out / "pack.pdf").tables():
        kind = res.pages[page - 1]
        cols = [c for c in table.columns if c in PDF_COUNT_HEADERS or c in section_counts]
        assert scan_for_small_counts(table, counts=cols) == [], (kind, table.head())
        if "Rank (90% range)" in table.columns:
            assert kind.startswith("hub:") and not cols  # the top-10 tables print no count of children
            rows_read["top"] += len(table)
        if cols and ({"Period", "Group"} & set(table.columns)):   # a hub's or the study area's trends or equity
            assert kind.startswith("hub:") or kind == "area", (kind, table.columns)
            rows_read["sections"] += len(table)
        elif cols:
            assert kind == "wards", table.columns
            rows_read["wards"] += len(table)
    for kind, text in zip(res.pages, pdf_pages):
        for comp, elig in re.findall(r"\((\S+) of (\S+) eligible\)", text):
            assert scan_for_small_counts(pd.DataFrame({"n": [comp, elig]})) == [], kind
        for n in re.findall(r"\((\S+) children attending\)", text):
            assert scan_for_small_counts(pd.DataFrame({"n": [n]})) == [], kind
    # every table row was read: 10 per hub, every ward with its subtotals and total
    assert rows_read["top"] == 10 * len(res.hub_ids)
    assert rows_read["wards"] == len(res.tables.wards.display) == 36 + 2 + 1
    assert rows_read["sections"] > 10 * len(res.hub_ids)   # 8 quarters and 2 windows per hub and measure, groups


def _tooltips(page: str) -> list[str]:
    return [json.loads(f'"{s}"') for s in re.findall(r'"tip": "((?:[^"\\]|\\.)*)"', page)]


def test_map_html_is_self_contained_escaped_and_suppressed(pack):
    result, _, out = pack
    page = (out / "map.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link[^>]*https?://", page)
    from geo.maps.assets import LEAFLET_VERSION

    assert f"Leaflet {LEAFLET_VERSION}" in page and "L.map(" in page  # the one vendored copy, inlined
    assert PAYLOAD not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    for m in re.finditer(r"onerror=alert", page):  # escaped everywhere (in a marker's icon HTML, JSON-encoded too)
        assert page[max(0, m.start() - 24):m.start()].endswith(("&lt;img src=x ", "\\u0026lt;img src=x ")), \
            page[m.start() - 40:m.start() + 20]
    tips = _tooltips(page)
    assert len(tips) == len(result.lsoa)
    values = []
    for tip in tips:
        comp_elig = re.search(r"reviewed (\S+) of (\S+) eligible", tip)
        attending = re.search(r"children attending: (\S+)", tip)
        assert comp_elig and attending, tip
        values += [comp_elig.group(1), comp_elig.group(2), attending.group(1)]
    assert scan_for_small_counts(pd.DataFrame({"n": values})) == []
    assert "c" in values or "<5" in values  # the tooltips carry the suppressed values


def test_map_html_is_deterministic(pack):
    from geo.export.pack import map_html

    result, res, out = pack
    again = map_html(result, res.tables, res.sites, res.hub_ids)
    assert again == (out / "map.html").read_text(encoding="utf-8")


# ----------------------------------------------------------------- a reader's attack on the exported tables


def _numeric(frame: pd.DataFrame, cols) -> pd.DataFrame:
    out = frame.copy()
    for c in cols:
        out[c] = [v if v in ("<5", CONFIDENTIAL) else (float(v) if v != "" else np.nan) for v in frame[c]]
    return out


def _table_relations(frame: pd.DataFrame, key: str, counts: list[str], group: str | None):
    """(total cell, part cells) of one exported table as its reader sees them: (row position, column)."""
    keys = frame[key].tolist()
    rels = []
    is_sub = frame[key].str.endswith(" total")
    leaves = [i for i in range(len(frame)) if not is_sub.iat[i] and keys[i] != "Total"]
    grand = keys.index("Total")
    if group and is_sub.any():
        subs = []
        for i in np.flatnonzero(is_sub.to_numpy()):
            g = frame[group].iat[i]
            subs.append(i)
            rels += [((i, c), [(j, c) for j in leaves if frame[group].iat[j] == g]) for c in counts]
        rels += [((grand, c), [(i, c) for i in subs]) for c in counts]
    else:
        rels += [((grand, c), [(j, c) for j in leaves]) for c in counts]
    total, parts = IDENTITY
    rels += [((i, total), [(i, p) for p in parts]) for i in range(len(frame))]
    return rels


def _true_tables(result):
    wards = ward_table_out(result.wards)
    hubs = hub_table(result)
    return (add_total_row(wards, COUNTS["wards"], key="ward_code", group_col="lad_code"),
            add_total_row(hubs, COUNTS["hubs"], key="hub_id"))


@pytest.mark.parametrize("name, key, group", [("wards", "ward_code", "lad_code"), ("hubs", "hub_id", None)])
def test_no_suppressed_count_is_recoverable_in_the_exported_table(pack, name, key, group):
    result, _, out = pack
    shown = pd.read_csv(out / "tables" / f"{name}.csv", dtype=str, keep_default_na=False)
    counts = COUNTS[name]
    display = _numeric(shown, counts)
    true = _true_tables(result)[0 if name == "wards" else 1]
    assert display[key].tolist() == true[key].astype(str).tolist()
    rels = _table_relations(shown, key, counts, group)
    rule = DisclosureRule(5)
    suppressed = [(i, c) for c in counts for i in range(len(display)) if isinstance(display[c].iat[i], str)]
    if name == "wards":
        assert suppressed  # the demo's wards have small counts: the attack below is not vacuous
    if not suppressed:
        return
    ranges = lp_ranges(display, rels, rule)
    for cell in suppressed:  # every suppressed count is in a relation; the truth is feasible; nothing is pinned
        lo, hi = ranges[cell]
        assert lo - 1e-7 <= float(true[cell[1]].iat[cell[0]]) <= hi + 1e-7
        assert hi - lo > 1e-6, f"{name}: {cell} is pinned to {lo}"
    for (i, c), (lo, hi) in milp_ranges(display, rels, rule).items():
        if display[c].iat[i] == "<5":
            assert hi > lo, f"{name}: small count {c} of {shown[key].iat[i]} is pinned by an integer attack"
    for t, parts in rels:  # no relation with exactly one suppressed cell
        assert sum(isinstance(display[col].iat[row], str) for row, col in [t, *parts]) != 1


def test_linked_tables_do_not_reveal_a_small_count(pack):
    """LSOA, ward and hub tables together: a ward or hub is the sum of its LSOAs (LSOA "<5" means 0-4)."""
    _, _, out = pack
    frames = {n: pd.read_csv(out / "tables" / f"{n}.csv", dtype=str, keep_default_na=False) for n in COUNTS}
    keys = {"lsoas": "lsoa21cd", "wards": "ward_code", "hubs": "hub_id"}
    cell_value = {}
    for n, f in frames.items():
        for c in COUNTS[n]:
            for k, v in zip(f[keys[n]], f[c]):
                cell_value[(n, k, c)] = v
    lsoa = frames["lsoas"]
    rels = []
    for ward, part in lsoa.groupby("ward_code"):
        rels += [(("wards", ward, c), [("lsoas", k, c) for k in part["lsoa21cd"]]) for c in COUNTS["wards"]]
    for hub, part in lsoa.groupby("hub_id"):
        rels += [(("hubs", hub, h), [("lsoas", k, s) for k in part["lsoa21cd"]]) for h, s in zip(COUNTS["hubs"], COUNTS["lsoas"])]
    for n, key, group in (("wards", "ward_code", "lad_code"), ("hubs", "hub_id", None)):
        f = frames[n]
        for (i, c), parts in _table_relations(f, key, COUNTS[n], group):
            rels.append(((n, f[key].iat[i], c), [(n, f[key].iat[j], cc) for j, cc in parts]))
    rels += [((("lsoas", k, IDENTITY[0])), [("lsoas", k, p) for p in IDENTITY[1]]) for k in lsoa["lsoa21cd"]]
    unknown = sorted(c for c, v in cell_value.items() if v in ("<5", CONFIDENTIAL))
    idx = {c: i for i, c in enumerate(unknown)}
    a, b = [], []
    for t, parts in rels:
        row, rhs = np.zeros(len(unknown)), 0.0
        for cell, sign in [(t, -1.0), *((p, 1.0) for p in parts)]:
            if cell in idx:
                row[idx[cell]] += sign
            else:
                rhs -= sign * float(cell_value[cell])
        if row.any():
            a.append(row)
            b.append(rhs)
        assert sum(c in idx for c in [t, *parts]) != 1, t  # the relation rule across tables
    a, b = np.array(a), np.array(b)
    lsoa_cell = np.array([c[0] == "lsoas" for c in unknown])
    small = np.array([cell_value[c] == "<5" for c in unknown])
    lb = np.where(small, np.where(lsoa_cell, 0, 1), np.where(lsoa_cell, 5, 0)).astype(float)
    ub = np.where(small, 4, 1e6).astype(float)
    # what a reader can deduce over the integers, knowing that "<5" is 1-4 (LSOAs: 0-4) and "c" is
    # 0 or >= 5 (LSOAs: >= 5). A "<5" cell is safe when two feasible tables differ in it, or when its
    # only feasible value is 0 (zeros are shown by the rule; only counts of 1-4 are withheld).
    sec = [k for k, c in enumerate(unknown) if not small[k] and not lsoa_cell[k]]
    n, nv = len(unknown), len(unknown) + len(sec)
    link = np.zeros((2 * len(sec), nv))
    for m, k in enumerate(sec):
        link[2 * m, [k, n + m]] = [1, -5]
        link[2 * m + 1, [k, n + m]] = [1, -1e6]
    cons = [LinearConstraint(np.c_[a, np.zeros((len(a), len(sec)))], b, b),
            LinearConstraint(link, np.tile([0, -np.inf], len(sec)), np.tile([np.inf, 0], len(sec)))]
    lo0, hi0 = np.r_[lb, np.zeros(len(sec))], np.r_[ub, np.ones(len(sec))]

    def solve(obj, lo=lo0, hi=hi0):
        r = milp(obj, constraints=cons, integrality=np.ones(nv), bounds=Bounds(lo, hi), options={"mip_rel_gap": 1e9})
        return None if r.x is None else np.round(r.x[:n])

    rng = np.random.default_rng(0)
    sols = []
    for _ in range(4):
        d = np.r_[rng.standard_normal(n), np.zeros(len(sec))]
        sols += [x for x in (solve(d), solve(-d)) if x is not None]
    assert sols, "the exported tables are inconsistent"
    first = sols[0]
    free = np.ptp(np.array(sols), axis=0) > 0.5
    checked = 0
    for k in np.flatnonzero(small & ~free):
        below, above = hi0.copy(), lo0.copy()
        below[k], above[k] = first[k] - 1, first[k] + 1
        moved = (below[k] >= lo0[k] and solve(np.zeros(nv), lo0, below) is not None) or \
                (above[k] <= hi0[k] and solve(np.zeros(nv), above, hi0) is not None)
        # withheld LSOA zeros ("<5" means 0-4 there) are protected like counts of 1-4: none is pinned
        assert moved or (first[k] == 0 and not lsoa_cell[k]), f"{unknown[k]} is pinned to {first[k]:g} by the tables together"
        checked += 1
    assert small.sum() > 100 and free[small].sum() + checked == small.sum()


# ----------------------------------------------------------------- command line


@pytest.fixture()
def fast_cli(pack, monkeypatch):
    """The CLI on the module's build and tables (both deterministic) in one process, so a CLI test
    costs only its pages (the module's pack ran with a helper process)."""
    import geo.build
    import geo.export.pack

    result, res, _ = pack
    monkeypatch.setattr(geo.build, "run", lambda config: result)
    monkeypatch.setattr(geo.export.pack, "export_tables", lambda result_, rule, **kw: res.tables)
    helper = geo.export.pack.Helper
    monkeypatch.setattr(geo.export.pack, "Helper", lambda enabled=True: helper(enabled=False))
    return result


def test_cli_hub_option_writes_one_hub(pack_config, fast_cli, tmp_path, capsys):
    result = fast_cli
    out = tmp_path / "one"
    args = ["export", "--config", str(pack_config), "--out", str(out), "--hub", "RBKC-S", "--dpi", "30", "--date", "2026-01-05"]
    assert main(args) == 0
    err = capsys.readouterr().err
    steps = re.findall(r"^\[(\d+)/(\d+)\] (.*)…$", err, re.M)
    assert [int(s[0]) for s in steps] == list(range(1, len(steps) + 1)) and {s[1] for s in steps} == {str(len(steps))}
    assert any(s[2].startswith("hub maps RBKC-S ") for s in steps)
    pages = json.loads((out / "pack.json").read_text())["pages"]
    assert sections(pages) == ["cover", "hub:RBKC-S", "wards", "area", "visits:RBKC-S"]  # "area": the study area's trends and equity
    assert re.search(rf"^Pages:\s+{len(pages)}$", _run("pdfinfo", str(out / "pack.pdf")), re.M)
    assert [p.name for p in (out / "maps").iterdir()] == ["RBKC-S.png"]
    assert [p.name for p in (out / "visits").iterdir()] == ["RBKC-S.csv"]
    tips = _tooltips((out / "map.html").read_text(encoding="utf-8"))
    assert len(tips) == int((result.lsoa["hub_id"] == "RBKC-S").sum())
    # the same inputs and date give the same bytes
    again = tmp_path / "again"
    assert main([*args[:4], str(again), *args[5:]]) == 0
    for name in ("pack.pdf", "map.html", "tables.xlsx", "maps/RBKC-S.png", "visits/RBKC-S.csv", "tables/wards.csv"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_cli_unknown_hub_exits_2(pack_config, tmp_path, capsys):
    assert main(["export", "--config", str(pack_config), "--out", str(tmp_path), "--hub", "NOPE"]) == 2
    err = capsys.readouterr().err
    assert "unknown hub id 'NOPE'" in err and "WCC-BES" in err and "Traceback" not in err
    assert main(["export", "--config", str(pack_config), "--out", str(tmp_path), "--date", "5/1/2026"]) == 2


def test_a_spoke_is_not_a_pack_hub(pack, tmp_path):
    from geo.export.pack import export_pack

    result, _, _ = pack
    with pytest.raises(DataError, match="spoke"):
        export_pack(result, tmp_path, hub="WCC-BAY", progress=False)


def test_derived_statistics_pin_no_withheld_count_in_the_pack(pack):
    """The README's formulas on the exported LSOA table (bands, quadrant), with and without the additive relations."""
    from tests.disclosure.test_disclosure_derived import COUNTS as ROW_COUNTS
    from tests.disclosure.test_disclosure_derived import feasible_by_formulas, pinned_by_formulas

    result, _, out = pack
    lsoas = pd.read_csv(out / "tables" / "lsoas.csv", dtype=str, keep_default_na=False)
    truth = result.lsoa.set_index("lsoa21cd").loc[lsoas["lsoa21cd"]].reset_index()
    assert (lsoas[list(ROW_COUNTS)] == "<5").to_numpy().sum() > 100
    assert not pinned_by_formulas(lsoas, truth, zero_small=True)
    bands = pd.to_numeric(lsoas["priority_score"], errors="coerce").dropna()
    assert len(bands) and ((bands % 10) == 0).all()  # no exact score anywhere
    feas = feasible_by_formulas(lsoas, truth, zero_small=True)
    assert all(len(v) >= 2 for (k, c), v in feas.items() if lsoas.set_index("lsoa21cd").at[k, c] == "<5")
    wards = pd.read_csv(out / "tables" / "wards.csv", dtype=str, keep_default_na=False)
    assert not pinned_by_formulas(wards, result.wards.reset_index(drop=True), zero_small=False, key="ward_code")
    # issue 18's uncertainty columns: coarse classes, withheld with the band, shown in some rows
    assert set(lsoas["p_top"]) <= {"<10%", "10-50%", "50-90%", ">90%", "c", ""} and (lsoas["p_top"] != "c").sum() > 20
    no_band = lsoas["priority_score"] == "c"
    assert (lsoas.loc[no_band, ["p_top", "priority_rank_lo", "priority_rank_hi"]] == "c").all().all()
    lo = pd.to_numeric(lsoas["priority_rank_lo"], errors="coerce").dropna()
    assert len(lo) and ((lo - 1) % 10 == 0).all()
    review_withheld = lsoas[["review_completed", "review_eligible", "children_not_reviewed"]].isin(["<5", "c"]).any(axis=1)
    assert (lsoas.loc[review_withheld, "engagement_basis"] == "c").all()


def test_app_downloads_are_the_packs_cells(pack):
    """The app's LSOA, ward and hub downloads for the whole area hold exactly the pack's published cells."""
    from geo.app import download, views
    from geo.sites import suggest_sites

    result, _, out = pack
    rule = DisclosureRule.from_config(result.config)
    sheets = download.download_tables(result, views.filter_view(result, level="lsoa"), suggest_sites(result, k=3), rule)
    for sheet, name in (("LSOAs", "lsoas"), ("wards", "wards"), ("hubs", "hubs")):
        pack_csv = (out / "tables" / f"{name}.csv").read_text()
        assert sheets[sheet].to_csv(index=False, lineterminator="\n") == pack_csv.replace("\r\n", "\n"), sheet
    assert rule.statement() in set(sheets["notes"]["note"])
