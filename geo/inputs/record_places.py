"""Home postcodes of record-level extracts -> LSOA 2021, through the study area's postcode file.

``python -m geo fetch`` writes ``<public_dir>/postcodes.csv`` (OS Code-Point Open postcodes inside
the study area). Where it has an ``lsoa21cd`` column that is used; otherwise each postcode's
grid reference (``easting, northing``, EPSG:27700) is placed in the study area's LSOA 2021
boundaries (``<boundaries_dir>/lsoa21.gpkg``) by point in polygon. A postcode that is not in the
file is not in the study area (or is not a current postcode): its rows are excluded and counted.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.errors import DataError
from geo.inputs.postcodes import normalise_postcode

__all__ = ["postcode_lsoa"]


def _from_points(table: pd.DataFrame, config) -> pd.Series:
    import geopandas as gpd
    import pyogrio

    path = Path(config.boundaries_dir) / "lsoa21.gpkg"
    if not path.exists():
        raise DataError(f"{path} is missing: run `python -m geo fetch --config {config.path}` first "
                        "(postcodes are placed in the study area's LSOAs)")
    lsoa = pyogrio.read_dataframe(path, layer="lsoa", columns=["lsoa21cd"]).to_crs(27700)
    xy = table.dropna(subset=["easting", "northing"])
    pts = gpd.GeoDataFrame(xy[["postcode"]], geometry=gpd.points_from_xy(xy["easting"], xy["northing"]), crs=27700)
    joined = gpd.sjoin(pts, lsoa[["lsoa21cd", "geometry"]], how="inner", predicate="within")
    joined = joined.sort_values(["postcode", "lsoa21cd"]).drop_duplicates("postcode")
    return pd.Series(joined["lsoa21cd"].to_numpy(), index=joined["postcode"].to_numpy(), dtype=object)


def postcode_lsoa(config, postcodes: pd.DataFrame | Path | str | None = None) -> pd.Series:
    """LSOA 2021 code of every postcode of the study area, indexed by normalised postcode.

    Parameters
    ----------
    config : Config
        The study area (its ``public_dir`` and ``boundaries_dir``).
    postcodes : DataFrame or path, optional
        ``postcode`` and ``lsoa21cd`` (or ``easting, northing``); default the file ``fetch``
        wrote, ``<public_dir>/postcodes.csv``.

    Raises
    ------
    DataError
        The postcode file is missing or has neither ``lsoa21cd`` nor ``easting, northing``.
    """
    if postcodes is None or isinstance(postcodes, (str, Path)):
        path = Path(postcodes) if postcodes is not None else Path(config.public_dir) / "postcodes.csv"
        if not path.exists():
            raise DataError(f"{path} is missing: run `python -m geo fetch --config {config.path}` first "
                            "(record-level extracts are placed in LSOAs through the study area's postcodes)")
        table = pd.read_csv(path, dtype={"postcode": str, "lsoa21cd": str})
        where = str(path)
    else:
        table, where = postcodes, "the postcode table"
    if "postcode" not in table.columns:
        raise DataError(f"{where} has no postcode column")
    table = table.assign(postcode=normalise_postcode(table["postcode"])).dropna(subset=["postcode"])
    if "lsoa21cd" in table.columns:
        known = table.dropna(subset=["lsoa21cd"]).sort_values(["postcode", "lsoa21cd"]).drop_duplicates("postcode")
        return pd.Series(known["lsoa21cd"].to_numpy(), index=known["postcode"].to_numpy(), dtype=object)
    if {"easting", "northing"} <= set(table.columns):
        return _from_points(table, config)
    raise DataError(f"{where} has neither an lsoa21cd column nor easting and northing: re-run `python -m geo fetch`")
