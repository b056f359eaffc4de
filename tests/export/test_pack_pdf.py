"""The ILT pack as a tagged, legible PDF (issue 17): structure, fonts, alt text, top-10 tables, visit lists, sections."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pikepdf
import pytest
from matplotlib.figure import Figure
from shapely.geometry import box

from tests.export.conftest import _run
from tests.export.pdfread import TaggedPdf


@pytest.fixture(scope="module")
def tagged(pack) -> TaggedPdf:
    return TaggedPdf(pack[2] / "pack.pdf")


# ----------------------------------------------------------------- an accessible PDF


def test_pdf_is_tagged_with_title_and_language(pack):
    result, _, out = pack
    info = _run("pdfinfo", str(out / "pack.pdf"))
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(rf"^Title:\s+Family Hub outreach pack: {re.escape(result.config.name)}$", info, re.M)
    with pikepdf.open(out / "pack.pdf") as pdf:
        assert str(pdf.Root.Lang) == "en-GB"
        assert bool(pdf.Root.MarkInfo.Marked)
        assert "/StructTreeRoot" in pdf.Root
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)  # viewers show the title, not the file name


def test_every_figure_has_alt_text_that_says_what_the_map_shows(pack, tagged):
    result, res, _ = pack
    figures = tagged.elements("Figure")
    assert all((f.alt_text or "").strip() for f in figures)   # the trend and equity charts too
    maps = [f for f in figures if (f.alt_text or "").startswith("Map of")]
    assert len(maps) == len(res.hub_ids)  # one map per hub
    for fig, hub in zip(maps, res.hub_ids):
        alt = fig.alt_text or ""
        assert res.pages[fig.page_number - 1] == f"hub:{hub}"
        name = result.hubs.set_index("hub_id").at[hub, "name"]
        n = int((result.lsoa["hub_id"] == hub).sum())
        venues = res.sites[res.sites["hub_id"] == hub].sort_values("rank")
        assert f"{name} ({hub})" in alt and f"{n} LSOAs" in alt
        assert f"{len(venues)} suggested venues" in alt or (venues.empty and "no suggested venue" in alt)
        for rank, v in enumerate(venues["name"], start=1):
            assert f"{rank}. {v}" in alt


def test_headings_and_tables_have_structure(tagged, pack):
    _, res, _ = pack
    assert len(tagged.elements("H1")) == 1
    h2 = [tagged.text(e) for e in tagged.elements("H2")]
    assert "Ward summary" in h2 and sum(t.startswith("Visit list:") for t in h2) == len(res.hub_ids)
    for table in tagged.elements("Table"):
        cells = [c.type for tr in table.children for row in ([tr] if tr.type == "TR" else tr.children) for c in row.children]
        assert "TH" in cells  # every table has header cells (column headers, or row headers for key figures)


def test_text_is_at_least_8_points_and_body_text_9(pack):
    import pdfplumber

    _, res, out = pack
    sizes = []
    with pdfplumber.open(out / "pack.pdf") as pdf:
        for page in pdf.pages:
            sizes += [round(c["size"], 2) for c in page.chars if c["text"].strip()]
            for image in page.images:  # maps and charts are placed at the size they were drawn: labels print at >= 8 pt
                from geo.maps.printmap import MAP_FIGSIZE

                drawn = image["srcsize"][0] / 110 * 72   # the trend and equity charts are drawn at 110 dpi
                assert image["width"] == pytest.approx(MAP_FIGSIZE[0] * 72, abs=0.5) or image["width"] == pytest.approx(drawn, abs=0.5)
        body = [m for page in pdf.pages[:3] for m in page.search(r"ranks LSOAs by high need|Travel to a hub")]
        body += [m for page in pdf.pages for m in page.search(r"catchment of \d+ LSOAs")]  # hub pages' subtitles
        assert len(body) >= 2 + len(res.hub_ids)
        assert min(c["size"] for m in body for c in m["chars"]) >= 8.99  # body text: 9 pt or more
    sizes = np.array(sizes)
    assert sizes.min() >= 7.99, sizes.min()  # tables, notes, postcodes and footers: 8 pt or more


def test_map_labels_are_8_points_at_print_size(pack):
    from geo.export.pack import _layers, _venue_points
    from geo.maps.printmap import MIN_LABEL_PT, hub_map_figure

    result, res, _ = pack
    hub = res.hub_ids[0]
    fig = hub_map_figure(_layers(result), hub, _venue_points(res.sites)(hub), title="T", subtitle="S " * 80, synthetic=True)
    texts = list(fig.texts) + [t for ax in fig.axes for t in ax.texts]
    texts += [t for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert min(t.get_fontsize() for t in texts if t.get_text().strip()) >= MIN_LABEL_PT


# ----------------------------------------------------------------- top-10 tables against the build


def test_top_10_tables_match_the_build(pack, tagged):
    from geo.disclosure.derived import band

    result, res, _ = pack
    lsoa = result.lsoa.set_index("lsoa21cd")
    published = res.tables.lsoa.display
    wards = res.tables.wards.display.set_index("ward_code")
    tops = [(p, t) for p, t in tagged.tables() if "Rank (90% range)" in t.columns]
    assert [res.pages[p - 1] for p, _ in tops] == [f"hub:{h}" for h in res.hub_ids]
    for (_, table), hub in zip(tops, res.hub_ids):
        expected = published[published["hub_id"] == hub].head(10)
        codes = [c.split()[0] for c in table["LSOA"]]
        assert codes == expected["lsoa21cd"].tolist()
        for code, row in zip(codes, table.to_dict("records")):
            truth = lsoa.loc[code]
            assert row["LSOA"] == f"{code} {truth['lsoa21nm']}"
            assert row["Need (IMD decile)"] == f"{round(truth['need_score'], 1):.0f} (IMD {int(truth['imd_decile'])})"
            assert row["Under-5s"] == f"{round(truth['under5_est']):,}"
            assert row["Minutes"] == f"{round(truth['travel_minutes_to_hub'], 1):.0f}"
            shown = published.set_index("lsoa21cd").loc[code]
            if row["Priority"] != "c":  # the band holds the build's exact score
                lo = int(row["Priority"].split("-")[0])
                assert lo == float(band(pd.Series([truth["priority_score"]])).iloc[0]) == shown["priority_score"]
            rank = row["Rank (90% range)"].split()[0]
            assert rank == ("c" if isinstance(shown["priority_rank"], str) else f"{int(shown['priority_rank'])}")
            rate = wards.at[truth["ward_code"], "review_rate_smoothed"]
            assert row["Ward take-up"] == (rate if isinstance(rate, str) else f"{rate:.0%}")
            covering = res.sites[(res.sites["hub_id"] == hub) & res.sites["lsoa_codes"].str.split(";").apply(lambda c, k=code: k in c)]
            if len(covering):
                first = covering.sort_values("rank").iloc[0]
                assert row["What to do"] == f"Venue {int(first['rank'])}. {first['name']}"
            pcs = result.public.postcodes
            sectors = sorted({p[:-2] for p in pcs.loc[pcs["lsoa21cd"] == code, "postcode"]})
            assert row["Leaflet sectors"] == (", ".join(sectors) or "none on file")


# ----------------------------------------------------------------- visit lists


def test_sector_grouping():
    from geo.export.visits import postcode_sectors, sector_columns

    pcs = ["W10 6AB", "W10 6AA", "W9 1NZ", "w9 1na", "W10 5ZZ"]
    assert postcode_sectors(pcs) == [("W10 5", ["W10 5ZZ"]), ("W10 6", ["W10 6AA", "W10 6AB"]),
                                     ("W9 1", ["W9 1NA", "W9 1NZ"])]
    many = [f"W10 6{a}{b}" for a in "ABCDEFGH" for b in "ABCDEFGH"]  # 64 postcodes of one sector
    blocks = sector_columns(many, columns=3, max_lines=10)
    lines = [ln for block in blocks for col in block for ln in col]
    assert [t for k, t in lines if k == "postcode"] == sorted(many)  # every postcode once, in order
    assert all(len(col) <= 10 for block in blocks for col in block) and all(len(b) <= 3 for b in blocks)
    assert all(col[0][0] == "sector" for block in blocks for col in block)  # every column says its sector
    assert sum(t == "W10 6 (cont.)" for _, t in lines) == sum(len(b) for b in blocks) - 1


def test_visit_pages_print_every_postcode_of_the_top_lsoas(pack, pdf_pages):
    result, res, out = pack
    for hub in res.hub_ids:
        text = " ".join(t for t, kind in zip(pdf_pages, res.pages) if kind == f"visits:{hub}")
        visits = pd.read_csv(out / "visits" / f"{hub}.csv", dtype=str, keep_default_na=False)
        listed = visits.loc[(visits["item"] == "leaflet postcode") & (visits["postcode"] != ""), "postcode"]
        assert len(listed)
        missing = [p for p in listed if not re.search(rf"(?<![A-Z0-9]){re.escape(p)}(?![A-Z0-9])", text)]
        assert missing == []
        for sector in {p[:-2] for p in listed}:
            assert sector in text


def test_postcode_lsoas_by_grid_reference_when_the_file_has_no_lsoa():
    from geo.export.visits import postcode_lsoas, visit_list

    lsoa = gpd.GeoDataFrame({"lsoa21cd": ["A", "B"], "lsoa21nm": ["Area A", "Area B"], "hub_id": ["H", "H"],
                             "priority_rank": [1, 2], "ward_name": ["W", "W"], "need_score": [90, 80]},
                            geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=27700)
    pcs = pd.DataFrame({"postcode": ["AB1 1AA", "AB1 1AB", "AB1 2AA", "AB9 9ZZ"], "easting": [10, 50, 150, 500],
                        "northing": [10, 50, 50, 500]})
    assert postcode_lsoas(pcs, lsoa).tolist()[:3] == ["A", "A", "B"] and pd.isna(postcode_lsoas(pcs, lsoa).iloc[3])
    result = SimpleNamespace(lsoa=lsoa, public=SimpleNamespace(postcodes=pcs))
    venues = pd.DataFrame(columns=["rank", "venue_id", "name", "type", "address", "postcode", "lat", "lon", "covered_lsoas"])
    v = visit_list(result, "H", venues)
    assert v.groupby("lsoa21cd")["postcode"].apply(list).to_dict() == {"A": ["AB1 1AA", "AB1 1AB"], "B": ["AB1 2AA"]}


def test_leicestershire_hub_visit_list_has_postcodes(leicestershire_build, mirror):
    """Postcodes of every English council: a Leicestershire hub's top LSOAs from Code-Point Open (national file)."""
    from geo.export.visits import visit_list

    result = leicestershire_build
    pcs = result.public.postcodes
    if pcs is None or pcs.empty or "lsoa21cd" not in pcs:  # this tree's fetch wrote no postcodes: the national file
        codes = set(result.lsoa["lsoa21cd"])
        parts = pd.read_csv(mirror / "venues" / "postcodes_codepoint_2025q4_england.csv.gz", chunksize=500_000,
                            usecols=["postcode", "easting", "northing", "latitude", "longitude", "lsoa21cd"])
        pcs = pd.concat([p[p["lsoa21cd"].isin(codes)] for p in parts], ignore_index=True)
    result = SimpleNamespace(lsoa=result.lsoa, public=SimpleNamespace(postcodes=pcs), hubs=result.hubs)
    hub = sorted(result.hubs.loc[result.hubs["site_type"] == "hub", "hub_id"])[0]
    venues = pd.DataFrame(columns=["rank", "venue_id", "name", "type", "address", "postcode", "lat", "lon", "covered_lsoas"])
    v = visit_list(result, hub, venues)
    post = v[v["item"] == "leaflet postcode"]
    assert post["lsoa21cd"].nunique() == 5
    for code, part in post.groupby("lsoa21cd"):  # every top LSOA has its postcodes, and only its own
        assert (part["postcode"] != "").all(), code
        assert set(part["postcode"]) == set(pcs.loc[pcs["lsoa21cd"] == code, "postcode"])


# ----------------------------------------------------------------- sections from other features


def _chart() -> bytes:
    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot([1, 2, 3], [3, 1, 2])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    return buf.getvalue()


def test_sections_from_providers_render_with_heading_figure_table_and_notes(pack, tmp_path, monkeypatch):
    import geo.export.providers as providers
    from geo.export.pack import export_pack
    from geo.export.sections import PackSection

    result, res, _ = pack
    seen = []

    def trends(result_, tables, hub_id):
        seen.append(hub_id)
        assert tables.lsoa is not None  # the gate's output
        return [PackSection(title=f"Trend <i>{hub_id or 'area'}</i>",
                            table=pd.DataFrame({"Quarter": ["2025-Q3", "2025-Q4"], "Take-up": ["55%", "{{7*7}}"]}),
                            figure=_chart(), alt=f"Line chart of take-up for {hub_id or 'the area'}",
                            notes=["A note & a caveat."])]

    monkeypatch.setattr(providers, "SECTION_PROVIDERS", (trends,))
    out = export_pack(result, tmp_path, hub="RBKC-S", dpi=30, progress=False, parallel=False)
    assert seen.count("RBKC-S") >= 1 and None in seen
    pdf = TaggedPdf(out.paths["pack"])
    h3 = [pdf.text(e) for e in pdf.elements("H3")]
    assert "Trend <i>RBKC-S</i>" in h3 and "Trend <i>area</i>" in h3
    alts = [f.alt_text for f in pdf.elements("Figure")]
    assert "Line chart of take-up for RBKC-S" in alts and "Line chart of take-up for the area" in alts
    tables = [t for _, t in pdf.tables() if list(t.columns) == ["Quarter", "Take-up"]]
    assert len(tables) == 2 and tables[0]["Take-up"].tolist() == ["55%", "{{7*7}}"]
    assert "area" in out.pages and out.pages.index("area") > out.pages.index("wards")
    text = _run("pdftotext", str(out.paths["pack"]), "-")
    assert text.count("A note & a caveat.") == 2


def test_a_provider_must_return_pack_sections():
    from geo.export.providers import pack_sections

    with pytest.raises(TypeError, match="not PackSection"):
        pack_sections(None, None, "H", providers=(lambda r, t, h: ["a string"],))
