"""Load the public data that ``fetch`` wrote for a study area."""

from __future__ import annotations

import json
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.config import Config
from geo.errors import DataError
from geo.sources import public_paths

__all__ = ["PublicData", "load_public"]


@dataclass(frozen=True)
class PublicData:
    """The study area's public data, as written by :func:`geo.sources.fetch`.

    Attributes
    ----------
    lsoa : GeoDataFrame
        ``lsoa21cd, lsoa21nm, lad_code, geometry`` (EPSG:27700).
    wards : GeoDataFrame
        ``ward_code, ward_name, lad_code, ward_source, geometry``.
    imd : DataFrame
        IoD2025 scores, ranks and deciles per LSOA (``idaci_*`` NaN where unavailable).
    population : DataFrame
        ``lsoa21cd, pop_total, pop_0_15`` (Census 2021).
    lookup_ward : DataFrame
        ``lsoa21cd, ward_code, ward_name`` (ONS best fit).
    lookup_lsoa11 : DataFrame
        ``lsoa11cd, lsoa21cd, chgind`` for the study area.
    code_register : DataFrame
        ``code, geography, lad_code`` for England and Wales.
    postcodes : DataFrame or None
        ``postcode, easting, northing, lsoa21cd, …`` inside the study area.
    manifest : dict
    """

    lsoa: gpd.GeoDataFrame
    wards: gpd.GeoDataFrame
    imd: pd.DataFrame
    population: pd.DataFrame
    lookup_ward: pd.DataFrame
    lookup_lsoa11: pd.DataFrame
    code_register: pd.DataFrame
    postcodes: pd.DataFrame | None
    manifest: dict


def load_public(config: Config) -> PublicData:
    """Read the fetched public data for ``config``.

    Raises
    ------
    DataError
        If ``python -m geo fetch`` has not been run for this study area, or was run for
        other LA codes than the config now names.

    Examples
    --------
    >>> from geo.config import load_config
    >>> public = load_public(load_config("config.toml"))   # doctest: +SKIP
    >>> len(public.lsoa)                                     # doctest: +SKIP
    224
    """
    paths = public_paths(config)
    required = ["lsoa", "wards", "imd", "population", "lookup_ward", "lookup_lsoa11", "code_register", "manifest"]
    missing = [str(paths[k]) for k in required if not paths[k].exists()]
    if missing:
        raise DataError(
            f"public data for '{config.slug}' is missing ({missing[0]}{' and more' if len(missing) > 1 else ''}): "
            f"run `python -m geo fetch --config {config.path} --mirror ../shared/data` first"
        )
    manifest = json.loads(paths["manifest"].read_text())
    _check_la_codes(config, manifest)
    lsoa = pyogrio.read_dataframe(paths["lsoa"], layer="lsoa", use_arrow=True)
    wards = pyogrio.read_dataframe(paths["wards"], layer="wards", use_arrow=True)
    imd = pd.read_csv(paths["imd"])
    pop = pd.read_csv(paths["population"])
    lookup = pd.read_csv(paths["lookup_ward"], dtype=str)
    l11 = pd.read_csv(paths["lookup_lsoa11"], dtype=str)
    register = pd.read_csv(paths["code_register"], dtype=str)
    postcodes = pd.read_csv(paths["postcodes"]) if paths["postcodes"].exists() else None
    return PublicData(lsoa, wards, imd, pop, lookup, l11, register, postcodes, manifest)


def _check_la_codes(config: Config, manifest: dict) -> None:
    """The fetched data must be for the config's LA codes (else the wrong authority is analysed and named)."""
    fetched = tuple(manifest.get("la_codes") or ())
    if tuple(sorted(fetched)) != tuple(sorted(config.la_codes)):
        raise DataError(
            f"{config.path}: [study_area] la_codes {list(config.la_codes)} differ from the LA codes the public data in "
            f"{config.public_dir} was fetched for ({list(fetched) or 'none recorded'}): run "
            f"`python -m geo fetch --config {config.path} --mirror ../shared/data` again (it checks the codes exist)"
        )
