"""Tests of geo.sources (download) against a local fake ArcGIS / GOV.UK / Nomis server (no internet).

The fake server on 127.0.0.1 serves real rows taken from the shared data mirror
(``../shared/data``), so the checks compare the download path with the mirror itself.
If the mirror is missing these tests FAIL (they never skip).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from geo import sources as dl

SHARED = Path(os.environ.get("MIRROR", Path(__file__).resolve().parents[3] / "shared" / "data")).resolve()  # as conftest
WESTMINSTER, KC = "E09000033", "E09000020"
MAX_RECORDS = 10  # the fake server's maxRecordCount

# The File 7 header exactly as MHCLG published it (one header is truncated at "LSO").
_R = "Rank (where 1 is most deprived)"
_D = "Decile (where 1 is most deprived 10% of LSOAs)"
FILE7_HEADER = (
    ["LSOA code (2021)", "LSOA name (2021)", "Local Authority District code (2024)",
     "Local Authority District name (2024)",
     "Index of Multiple Deprivation (IMD) Score", f"Index of Multiple Deprivation (IMD) {_R}",
     f"Index of Multiple Deprivation (IMD) {_D}",
     "Income Score (rate)", f"Income {_R}", f"Income {_D}",
     "Employment Score (rate)", f"Employment {_R}", f"Employment {_D}",
     "Education, Skills and Training Score", f"Education, Skills and Training {_R}",
     f"Education, Skills and Training {_D}",
     "Health Deprivation and Disability Score", f"Health Deprivation and Disability {_R}",
     f"Health Deprivation and Disability {_D}",
     "Crime Score", f"Crime {_R}", f"Crime {_D}",
     "Barriers to Housing and Services Score", f"Barriers to Housing and Services {_R}",
     f"Barriers to Housing and Services {_D}",
     "Living Environment Score", f"Living Environment {_R}", f"Living Environment {_D}",
     "Income Deprivation Affecting Children Index (IDACI) Score (rate)",
     f"Income Deprivation Affecting Children Index (IDACI) {_R}",
     f"Income Deprivation Affecting Children Index (IDACI) {_D}",
     "Income Deprivation Affecting Older People (IDAOPI) Score (rate)",
     f"Income Deprivation Affecting Older People (IDAOPI) {_R}",
     f"Income Deprivation Affecting Older People (IDAOPI) {_D}",
     "Children and Young People Sub-domain Score", f"Children and Young People Sub-domain {_R}",
     "Children and Young People Sub-domain Decile (where 1 is most deprived 10% of LSO",
     "Adult Skills Sub-domain Score", f"Adult Skills Sub-domain {_R}", f"Adult Skills Sub-domain {_D}",
     "Geographical Barriers Sub-domain Score", f"Geographical Barriers Sub-domain {_R}",
     f"Geographical Barriers Sub-domain {_D}",
     "Wider Barriers Sub-domain Score", f"Wider Barriers Sub-domain {_R}", f"Wider Barriers Sub-domain {_D}",
     "Indoors Sub-domain Score", f"Indoors Sub-domain {_R}", f"Indoors Sub-domain {_D}",
     "Outdoors Sub-domain Score", f"Outdoors Sub-domain {_R}", f"Outdoors Sub-domain {_D}",
     "Total population: mid 2022", "Dependent Children aged 0-15: mid 2022",
     "Older population aged 60 and over: mid 2022",
     "Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022"]
)


# --------------------------------------------------------------------------------------
# Source data from the mirror
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared() -> Path:
    if not SHARED.is_dir() or not (SHARED / "SOURCES.md").is_file():
        pytest.fail(f"shared data mirror not found at {SHARED}; these tests need it")
    return SHARED


@pytest.fixture(scope="module")
def src(shared: Path) -> dict:
    lsoa = pyogrio.read_dataframe(shared / "boundaries/lsoa21_london_bgc.gpkg", layer="lsoa21_london")
    lsoa = lsoa[lsoa["LAD22CD"] == WESTMINSTER].sort_values("LSOA21CD").head(25).reset_index(drop=True)
    wards = pyogrio.read_dataframe(shared / "boundaries/wards_wd25_london_bgc.gpkg", layer="wards_wd25_london")
    wards = pd.concat([wards[wards.LAD25CD == WESTMINSTER], wards[wards.LAD25CD == KC].head(5)])
    wards = wards.reset_index(drop=True)
    ref = shared / "reference"
    lk_ward = pd.read_csv(ref / "lookup_lsoa21_ward24_lad24_bestfit_ew.csv", dtype=str)
    lk_ward = lk_ward[lk_ward.LAD24CD == WESTMINSTER].reset_index(drop=True)
    lk11 = pd.read_csv(ref / "lookup_lsoa11_lsoa21_lad22_ew.csv", dtype=str)
    lk11 = lk11[lk11.LAD22CD == WESTMINSTER].reset_index(drop=True)
    file7 = pd.read_csv(ref / "imd2025_file7_full_lsoa21_westminster_kc.csv").head(30)
    imd_eng = pd.read_csv(ref / "imd2025_lsoa21_england.csv")
    census = pd.read_csv(ref / "census2021_age6_usual_residents_lsoa21_ew.csv")
    census = census[census.LSOA21CD.isin(lsoa.LSOA21CD)].reset_index(drop=True)
    assert len(lsoa) == 25 and len(wards) == 23 and len(lk_ward) >= 100 and len(census) == 25
    return {"lsoa": lsoa, "wards": wards, "lk_ward": lk_ward, "lk11": lk11, "file7": file7,
            "imd_eng": imd_eng, "census": census}


def _geojson_features(gdf: gpd.GeoDataFrame) -> list[dict]:
    return json.loads(gdf.to_crs("EPSG:4326").to_json(drop_id=True))["features"]


def _file7_csv(file7: pd.DataFrame) -> bytes:
    assert list(file7.columns) == list(dl.IMD2025_FILE7_COLUMNS)  # same order as MHCLG's
    out = file7.copy()
    out.columns = FILE7_HEADER
    return out.to_csv(index=False).encode("utf-8")


def _ts007_zip(census: pd.DataFrame, *, five_year_only: bool = False) -> bytes:
    """A Nomis-bulk-style TS007 zip: single years that add up to the mirror's bands,
    plus the five-year aggregates and the total that Nomis also ships (to be ignored)."""
    bands = [("age_0_15", 0, 15), ("age_16_24", 16, 24), ("age_25_34", 25, 34),
             ("age_35_49", 35, 49), ("age_50_64", 50, 64), ("age_65_plus", 65, 100)]
    years = np.zeros((len(census), 101), dtype=np.int64)
    for band, lo, hi in bands:
        n = hi - lo + 1
        v = census[band].to_numpy()
        years[:, lo:hi + 1] = (v // n)[:, None]
        years[:, lo] += v - (v // n) * n  # remainder on the first year of the band
    def lab(a: int) -> str:
        if a == 0:
            return "Age: Aged under 1 year; measures: Value"
        if a == 100:
            return "Age: Aged 100 years and over; measures: Value"
        return f"Age: Aged {a} year{'s' if a > 1 else ''}; measures: Value"
    wide = pd.DataFrame({"date": 2021, "geography": census.LSOA21NM, "geography code": census.LSOA21CD})
    wide["Age: Total; measures: Value"] = years.sum(axis=1)
    five = {"Age: Aged 4 years and under": years[:, 0:5].sum(axis=1)}
    for lo in range(5, 85, 5):
        five[f"Age: Aged {lo} to {lo + 4} years"] = years[:, lo:lo + 5].sum(axis=1)
    five["Age: Aged 85 years and over"] = years[:, 85:].sum(axis=1)
    if five_year_only:
        wide = pd.concat([wide, pd.DataFrame(five)], axis=1)
    else:
        singles = pd.DataFrame(years, columns=[lab(a) for a in range(101)])
        wide = pd.concat([wide, pd.DataFrame(five).iloc[:, :3], singles, pd.DataFrame(five).iloc[:, 3:]], axis=1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("census2021-ts007-ltla.csv", "date,geography,geography code\n")
        z.writestr("census2021-ts007-lsoa.csv", wide.to_csv(index=False))
    return buf.getvalue()


# --------------------------------------------------------------------------------------
# Fake server
# --------------------------------------------------------------------------------------


class FakeServer:
    def __init__(self) -> None:
        self.routes: dict[str, object] = {}
        self.log: list[tuple[str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                q = dict(parse_qsl(parts.query))
                server.log.append((parts.path, q))
                route = server.routes.get(parts.path)
                if route is None:
                    status, ctype, body = 404, "text/plain", b"not found"
                else:
                    status, ctype, body = route(q)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep pytest output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def calls(self, path: str) -> list[dict]:
        return [q for p, q in self.log if p == path]

    # ---- route factories ----
    def static(self, path: str, body: bytes, ctype: str = "text/csv") -> str:
        self.routes[path] = lambda q: (200, ctype, body)
        return self.base + path

    def flaky(self, path: str, body: bytes, failures: int = 1) -> str:
        state = {"n": 0}

        def route(q):
            state["n"] += 1
            if state["n"] <= failures:
                return 500, "text/plain", b"temporary failure"
            return 200, "text/csv", body
        self.routes[path] = route
        return self.base + path

    def arcgis(self, name: str, rows: list[dict], *, geojson: bool, flag_in_properties: bool = False,
               fail_once_at_offset: int | None = None) -> str:
        """A FeatureServer layer (GeoJSON features) or table (attribute dicts), paged."""
        state = {"failed": False}

        def route(q):
            fmt = q.get("f")
            if fmt != ("geojson" if geojson else "json"):
                err = {"error": {"code": 400, "message": f"unexpected f={fmt}", "details": []}}
                return 200, "application/json", json.dumps(err).encode()
            if geojson and q.get("outSR") != "4326":
                return 200, "application/json", b'{"error": {"code": 400, "message": "outSR"}}'
            off = int(q.get("resultOffset", 0))
            if fail_once_at_offset == off and not state["failed"]:
                state["failed"] = True
                return 503, "text/plain", b"busy"
            n = min(int(q.get("resultRecordCount", MAX_RECORDS)), MAX_RECORDS)
            page, more = rows[off:off + n], off + n < len(rows)
            if geojson:
                body = {"type": "FeatureCollection", "features": page}
                if flag_in_properties:
                    body["properties"] = {"exceededTransferLimit": more}
                elif more:
                    body["exceededTransferLimit"] = True
            else:
                body = {"objectIdFieldName": "ObjectId", "features": [{"attributes": a} for a in page]}
                if more:
                    body["exceededTransferLimit"] = True
            return 200, "application/json", json.dumps(body).encode()

        path = f"/arcgis/rest/services/{name}/FeatureServer/0/query"
        self.routes[path] = route
        return f"{self.base}/arcgis/rest/services/{name}/FeatureServer/0"


@pytest.fixture(scope="module")
def server():
    s = FakeServer()
    yield s
    s.close()


@pytest.fixture(scope="module")
def mirror(tmp_path_factory, server: FakeServer, src: dict):
    """Run download_to_mirror for every dataset against the fake server."""
    lsoa, wards = src["lsoa"], src["wards"]
    lsoa_feats = _geojson_features(lsoa[["LSOA21CD", "LSOA21NM", "geometry"]])
    welsh = json.loads(json.dumps(lsoa_feats[0]))  # one non-England row, to be filtered out
    welsh["properties"] = {"LSOA21CD": "W01000001", "LSOA21NM": "Wales test 001A"}
    lsoa_feats.insert(7, welsh)
    lad_rows = (src["lk_ward"][["LSOA21CD", "LAD24CD"]].rename(columns={"LAD24CD": "LAD25CD"})
                .assign(ObjectId=lambda d: range(len(d))).to_dict("records"))
    ward_feats = _geojson_features(wards[["WD25CD", "WD25NM", "BNG_E", "BNG_N", "LONG", "LAT", "geometry"]])
    ward_lad = wards[["WD25CD", "WD25NM", "LAD25CD", "LAD25NM"]].to_dict("records")
    lk_ward_rows = src["lk_ward"].rename(columns=str.lower).to_dict("records")  # lower-case fields
    lk11_rows = src["lk11"].rename(columns={"LSOA11CD": "F_LSOA11CD"}).to_dict("records")

    urls = {
        "lsoa21_boundaries": server.arcgis("LSOA_BGC", lsoa_feats, geojson=True, fail_once_at_offset=10),
        "lsoa21_boundaries.lad_lookup": server.arcgis("LSOA_LAD_LU", lad_rows, geojson=False),
        "wards": server.arcgis("WARDS_BGC", ward_feats, geojson=True, flag_in_properties=True),
        "wards.lad_lookup": server.arcgis("WD_LAD_LU", ward_lad, geojson=False),
        "lookup_ward": server.arcgis("LSOA21_WD24_LAD24_EW_LU", lk_ward_rows, geojson=False),
        "lookup_lsoa11": server.arcgis("LSOA11_LSOA21_LAD22_EW_LU", lk11_rows, geojson=False),
        "imd2025": server.static("/media/abc/File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv",
                                 _file7_csv(src["file7"])),
        "census_age": server.static("/output/census/2021/census2021-ts007.zip", _ts007_zip(src["census"]),
                                    "application/zip"),
    }
    dest = tmp_path_factory.mktemp("mirror")
    manifest = dl.download_to_mirror(dest, base_urls=urls, la_codes=[WESTMINSTER], backoff=0.01)
    return dest, manifest, urls


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------


def test_registry_covers_the_mirror_layout(shared: Path):
    expected = {
        "lsoa21_boundaries": ("boundaries/lsoa21_england_bgc.gpkg", "lsoa21_england"),
        "wards": ("boundaries/wards_wd25_london_bgc.gpkg", "wards_wd25_london"),
        "lookup_ward": ("reference/lookup_lsoa21_ward24_lad24_bestfit_ew.csv", None),
        "lookup_lsoa11": ("reference/lookup_lsoa11_lsoa21_lad22_ew.csv", None),
        "imd2025": ("reference/imd2025_lsoa21_england.csv", None),
        "census_age": ("reference/census2021_age6_usual_residents_lsoa21_ew.csv", None),
    }
    for key, (path, layer) in expected.items():
        ds = dl.DATASETS[key]
        assert (ds.mirror_path, ds.layer) == (path, layer)
        assert ds.url.startswith("https://") and ds.licence and ds.publisher and ds.attribution
        assert (shared / path).exists()
        if layer:
            assert layer in pyogrio.list_layers(shared / path)[:, 0]


def test_lsoa_boundaries_paged_reprojected(mirror, server: FakeServer, src: dict):
    dest, manifest, _ = mirror
    calls = server.calls("/arcgis/rest/services/LSOA_BGC/FeatureServer/0/query")
    # 26 features in pages of 10 = 3 pages, plus one retried 503 on the second page.
    assert [int(q["resultOffset"]) for q in calls] == [0, 10, 10, 20]
    path = dest / "boundaries/lsoa21_england_bgc.gpkg"
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["lsoa21_england"]
    out = pyogrio.read_dataframe(path, layer="lsoa21_england")
    assert out.crs.to_epsg() == 27700
    assert list(out.columns) == ["LSOA21CD", "LSOA21NM", "LAD25CD", "geometry"]
    assert len(out) == len(src["lsoa"]) == 25  # every page fetched; the W01 row dropped
    orig = src["lsoa"].set_index("LSOA21CD")
    out = out.set_index("LSOA21CD").loc[orig.index]
    assert (out["LSOA21NM"] == orig["LSOA21NM"]).all()
    assert (out["LAD25CD"] == WESTMINSTER).all()
    dist = out.geometry.hausdorff_distance(orig.geometry, align=False)
    assert dist.max() < 1.0, dist.max()
    assert (out.geometry.area / orig.geometry.area - 1).abs().max() < 1e-6


def test_wards_joined_to_lad_lookup(mirror, src: dict):
    dest, _, _ = mirror
    out = pyogrio.read_dataframe(dest / "boundaries/wards_wd25_london_bgc.gpkg", layer="wards_wd25_london")
    assert out.crs.to_epsg() == 27700
    assert list(out.columns) == ["WD25CD", "WD25NM", "LAD25CD", "LAD25NM", "BNG_E", "BNG_N", "LONG",
                                 "LAT", "study_borough", "geometry"]
    orig = src["wards"].set_index("WD25CD")
    out = out.set_index("WD25CD").loc[orig.index]
    assert len(out) == 23
    for c in ["WD25NM", "LAD25CD", "LAD25NM", "BNG_E", "BNG_N"]:
        assert (out[c] == orig[c]).all(), c
    assert out["study_borough"].sum() == 18
    assert out.geometry.hausdorff_distance(orig.geometry, align=False).max() < 1.0


def test_lookups_match_source_rows(mirror, src: dict):
    dest, _, _ = mirror
    got = pd.read_csv(dest / "reference/lookup_lsoa21_ward24_lad24_bestfit_ew.csv", dtype=str)
    assert list(got.columns) == ["LSOA21CD", "LSOA21NM", "WD24CD", "WD24NM", "LAD24CD", "LAD24NM"]
    exp = src["lk_ward"].sort_values("LSOA21CD").reset_index(drop=True)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), exp)

    got = pd.read_csv(dest / "reference/lookup_lsoa11_lsoa21_lad22_ew.csv", dtype=str)
    assert list(got.columns) == ["LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "CHGIND", "LAD22CD", "LAD22NM"]
    key = ["LSOA11CD", "LSOA21CD"]
    exp = src["lk11"].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True), exp)


def test_imd2025_columns_mapped(mirror, src: dict):
    dest, _, _ = mirror
    full = pd.read_csv(dest / "reference/imd2025_file7_full_lsoa21_england.csv")
    assert list(full.columns) == list(dl.IMD2025_FILE7_COLUMNS)
    exp = src["file7"].sort_values("LSOA21CD").reset_index(drop=True)
    pd.testing.assert_frame_equal(full, exp)
    eng = pd.read_csv(dest / "reference/imd2025_lsoa21_england.csv")
    # Same schema as the mirror's England table, and the same values (an independent source).
    assert list(eng.columns) == list(src["imd_eng"].columns)
    mirror_rows = src["imd_eng"].set_index("LSOA21CD").loc[eng["LSOA21CD"]].reset_index()
    pd.testing.assert_frame_equal(eng, mirror_rows)
    assert {"IDACI_score", "IDACI_rank", "IDACI_decile"} <= set(full.columns)


def test_imd2025_header_variations():
    row = [f"E0100000{i}" for i in range(1)] + ["x"] * 3 + list(range(52))
    variant = [h.upper() for h in FILE7_HEADER]
    variant[4] = "  Index of Multiple  Deprivation (IMD) score "
    variant[28] = "Income Deprivation Affecting Children Index (IDACI) Score"
    df = pd.DataFrame([row], columns=variant)
    out = dl.map_imd2025_columns(df)
    assert list(out.columns) == list(dl.IMD2025_FILE7_COLUMNS)
    assert out.loc[0, "IMD_score"] == 0 and out.loc[0, "IDACI_score"] == 24
    with pytest.raises(dl.DownloadError, match="IMD_score"):
        dl.map_imd2025_columns(df.drop(columns=[variant[4]]))


def test_census_age_bands(mirror, src: dict):
    dest, _, _ = mirror
    got = pd.read_csv(dest / "reference/census2021_age6_usual_residents_lsoa21_ew.csv")
    exp = src["census"].sort_values("LSOA21CD").reset_index(drop=True)
    assert list(got.columns) == list(exp.columns)
    pd.testing.assert_frame_equal(got, exp)


def test_census_long_api_format_and_five_year_bands_rejected(src: dict):
    census = src["census"].head(3)
    with zipfile.ZipFile(io.BytesIO(_ts007_zip(census))) as z:
        wide = pd.read_csv(z.open("census2021-ts007-lsoa.csv"))
    singles = [c for c in wide.columns if c.endswith("; measures: Value") and "Total" not in c]
    long = wide.melt(id_vars=["geography code", "geography"], value_vars=singles,
                     var_name="C2021_AGE_102_NAME", value_name="OBS_VALUE")
    long["C2021_AGE_102_NAME"] = long["C2021_AGE_102_NAME"].str.replace(r"^Age: |; measures: Value$", "", regex=True)
    long = long.rename(columns={"geography code": "GEOGRAPHY_CODE", "geography": "GEOGRAPHY_NAME"})
    pd.testing.assert_frame_equal(dl.census_age6(long), census.reset_index(drop=True))
    with zipfile.ZipFile(io.BytesIO(_ts007_zip(census, five_year_only=True))) as z:
        five = pd.read_csv(z.open("census2021-ts007-lsoa.csv"))
    with pytest.raises(dl.DownloadError, match="straddles"):
        dl.census_age6(five)


def test_manifest_sha256_and_metadata(mirror):
    dest, manifest, urls = mirror
    paths = {m["path"] for m in manifest}
    assert paths == {d for ds in dl.DATASETS.values() for d in ds.paths}
    for m in manifest:
        f = dest / m["path"]
        assert m["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
        assert m["bytes"] == f.stat().st_size
        assert m["url"] == urls[m["key"]]
        assert m["licence"] and m["publisher"] and m["attribution"]
        assert m["retrieved"].endswith("+00:00")
    assert not [p for p in dest.rglob("*") if p.name.startswith(".")]  # no temp files left


def test_download_file_retries_500_then_200(server: FakeServer, tmp_path: Path):
    body = b"a,b\n1,2\n" * 1000
    url = server.flaky("/flaky.csv", body, failures=1)
    sha = dl.download_file(url, tmp_path / "x.csv", backoff=0.01)
    assert sha == hashlib.sha256(body).hexdigest()
    assert (tmp_path / "x.csv").read_bytes() == body
    assert len(server.calls("/flaky.csv")) == 2


def test_404_error_names_url(server: FakeServer, tmp_path: Path):
    url = server.base + "/media/nothing/here.csv"
    with pytest.raises(dl.DownloadError, match="404") as e:
        dl.download_file(url, tmp_path / "y.csv", backoff=0.01)
    assert url in str(e.value)
    assert len(server.calls("/media/nothing/here.csv")) == 1  # 4xx is not retried
    assert not list(tmp_path.iterdir())
    with pytest.raises(dl.DownloadError, match="NoSuchService"):
        dl.arcgis_query(server.base + "/arcgis/rest/services/NoSuchService/FeatureServer/0", backoff=0.01)


def test_arcgis_error_object_and_persistent_5xx(server: FakeServer):
    url = server.arcgis("TABLE_ONLY", [{"a": 1}], geojson=False)
    with pytest.raises(dl.DownloadError, match="unexpected f=geojson") as e:
        dl.arcgis_query(url, geometry=True, backoff=0.01)
    assert "TABLE_ONLY" in str(e.value)
    assert dl.arcgis_query(url, geometry=False).to_dict("records") == [{"a": 1}]
    server.flaky("/always500/query", b"", failures=99)
    with pytest.raises(dl.DownloadError, match="after 3 attempt") as e:
        dl.arcgis_query(server.base + "/always500/query", retries=3, backoff=0.01)
    assert "/always500/query" in str(e.value)
    assert len(server.calls("/always500/query")) == 3


def test_bad_keys_rejected(tmp_path: Path):
    with pytest.raises(ValueError, match="Unknown dataset"):
        dl.download_to_mirror(tmp_path, keys=["nope"])
    with pytest.raises(ValueError, match="base_urls"):
        dl.download_to_mirror(tmp_path, keys=["wards"], base_urls={"wardz": "http://127.0.0.1:9/"})
