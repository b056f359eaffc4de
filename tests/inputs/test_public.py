"""geo.inputs.public.load_public on the fetched bi-borough public data: what it returns, and its message when nothing is fetched."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.errors import DataError
from geo.inputs.public import PublicData, load_public


@pytest.fixture(scope="module")
def public(biborough_config) -> PublicData:
    return load_public(biborough_config)


def test_boundaries_are_the_study_area_in_british_national_grid(public, biborough_config):
    lsoa, wards = public.lsoa, public.wards
    assert len(lsoa) == 224 and lsoa["lsoa21cd"].is_unique
    assert {"lsoa21cd", "lsoa21nm", "lad_code", "geometry"} <= set(lsoa.columns)
    assert lsoa.crs.to_epsg() == 27700 and wards.crs.to_epsg() == 27700
    assert set(lsoa["lad_code"]) == set(biborough_config.la_codes) == {"E09000020", "E09000033"}
    assert lsoa["lad_code"].value_counts().to_dict() == {"E09000033": 123, "E09000020": 101}
    assert {"ward_code", "ward_name", "lad_code", "ward_source", "geometry"} <= set(wards.columns)
    assert len(wards) == 36 and wards["ward_code"].is_unique
    assert lsoa.geometry.is_valid.all() and not lsoa.geometry.is_empty.any()
    # metres: central London lies around easting 525-532 km, northing 176-184 km
    x0, y0, x1, y1 = lsoa.total_bounds
    assert 520_000 < x0 < x1 < 535_000 and 170_000 < y0 < y1 < 190_000


def test_tables_cover_every_lsoa_once(public):
    codes = set(public.lsoa["lsoa21cd"])
    for name in ("imd", "population", "lookup_ward"):
        table = getattr(public, name)
        assert set(table["lsoa21cd"]) == codes and table["lsoa21cd"].is_unique, name
    assert {"imd_score", "imd_decile", "imd_rank", "idaci_score", "income_score"} <= set(public.imd.columns)
    assert public.imd["imd_decile"].between(1, 10).all()
    assert list(public.population.columns) == ["lsoa21cd", "pop_total", "pop_0_15"]
    assert (public.population["pop_0_15"] < public.population["pop_total"]).all()
    assert set(public.lookup_ward["ward_code"]) == set(public.wards["ward_code"])


def test_lookups_and_register_are_read_as_text(public):
    for table in (public.lookup_ward, public.lookup_lsoa11, public.code_register):
        assert all(pd.api.types.is_string_dtype(table[c]) or table[c].dtype == object for c in table.columns)
    assert list(public.lookup_lsoa11.columns) == ["lsoa11cd", "lsoa21cd", "chgind"]
    assert set(public.lookup_lsoa11["lsoa21cd"]) == set(public.lsoa["lsoa21cd"])
    reg = public.code_register
    assert set(reg["geography"]) == {"lsoa21", "lsoa11", "ward"}
    # the register covers England and Wales, not just the study area
    assert reg.loc[reg["geography"] == "lsoa21", "code"].nunique() > 30_000
    assert set(public.lsoa["lsoa21cd"]) <= set(reg.loc[reg["geography"] == "lsoa21", "code"])


def test_postcodes_and_manifest(public, biborough_config):
    pc = public.postcodes
    assert pc is not None and len(pc) > 10_000 and pc["postcode"].is_unique
    assert set(pc["lsoa21cd"]) <= set(public.lsoa["lsoa21cd"])
    assert {"easting", "northing"} <= set(pc.columns)
    assert sorted(public.manifest["la_codes"]) == sorted(biborough_config.la_codes)
    assert {"files", "attribution", "fetched_utc"} <= set(public.manifest)


def test_missing_public_data_names_the_file_and_the_fetch_command(biborough_config, tmp_path):
    cfg = biborough_config.with_(public_dir=tmp_path / "nothing", boundaries_dir=tmp_path / "none")
    with pytest.raises(DataError) as err:
        load_public(cfg)
    msg = str(err.value)
    assert "public data for 'biborough' is missing" in msg and str(tmp_path) in msg
    assert "and more" in msg and "python -m geo fetch --config" in msg
