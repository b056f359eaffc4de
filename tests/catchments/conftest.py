"""Real data of the catchment tests: the bi-borough's LSOAs and postcodes from the mirror (``$MIRROR``)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from tests.conftest import require_mirror

#: Westminster and Kensington and Chelsea
BIBOROUGH = ("E09000033", "E09000020")


def mirror_file(*parts: str) -> Path:
    """A file of the mirror; the test fails (never skips) when it is missing."""
    path = require_mirror().joinpath(*parts)
    assert path.is_file(), f"required test data missing: {path}"
    return path


@pytest.fixture(scope="session")
def biborough_lsoas() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The bi-borough's 224 LSOAs (London boundaries file) and the study area's Code-Point postcodes."""
    lsoa = gpd.read_file(mirror_file("boundaries", "lsoa21_london_bgc.gpkg"), layer="lsoa21_london")
    lsoa = lsoa[lsoa["LAD22CD"].isin(BIBOROUGH)]
    postcodes = pd.read_csv(mirror_file("venues", "postcodes_codepoint_2025q4_study_area.csv"),
                            usecols=["postcode", "easting", "northing"])
    return lsoa, postcodes
