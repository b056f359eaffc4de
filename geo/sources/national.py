"""England-wide postcodes and venues in the mirror, read fast and clipped to a study area.

``shared/data/venues`` holds England-wide files (OS Code-Point Open with each postcode's LSOA
2021, NHS ODS GP practices, Arts Council England libraries, DfE GIAS schools) beside the older
bi-borough "study area" files. :func:`mirror_file` picks the England file and falls back to the
study-area file only where the England file is absent.

- :func:`study_postcodes`: every postcode whose LSOA 2021 is in the study area (the 1.49M-row
  gzip CSV is read and filtered in Arrow: about a second, 350 MB at peak).
- :func:`find_postcodes`: given postcodes anywhere in England (geocoding hubs by postcode).
- :func:`nearest_postcodes`: the nearest postcode centroid to points (schools have no address
  in GIAS, so they get their nearest postcode, labelled as such).
- :data:`LIBRARY_TYPES`: the library types kept as candidate venues (open static libraries).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.sources.attribution import OGL

__all__ = ["NATIONAL_FILES", "STUDY_AREA_FILES", "LIBRARY_TYPES", "POSTCODE_COLUMNS", "mirror_file", "read_postcodes",
           "study_postcodes", "find_postcodes", "nearest_postcodes"]

_CODEPOINT = "OS Code-Point Open 2025.4"
_LIBRARIES = "Arts Council England basic dataset for libraries 2023"
#: England-wide files: key -> (relative path, layer, publisher, licence), as ``mirror.OPTIONAL_FILES``.
NATIONAL_FILES: dict[str, tuple[str, str | None, str, str]] = {
    "postcodes": ("venues/postcodes_codepoint_2025q4_england.csv.gz", None, f"{_CODEPOINT} (England, with LSOA 2021)", OGL),
    "schools": ("venues/schools_gias_open_2025-05_england.gpkg", "schools", "DfE Get Information About Schools (open)", OGL),
    "gp_practices": ("venues/gp_practices_epraccur_2023-12_england.gpkg", "gp_practices", "NHS ODS epraccur", OGL),
    "libraries": ("venues/libraries_ace_basic_dataset_2023_england.gpkg", "libraries", _LIBRARIES, "OGL v3.0 (believed)"),
}
#: The bi-borough files, used only where the England file is absent from the mirror.
STUDY_AREA_FILES: dict[str, tuple[str, str | None, str, str]] = {
    "postcodes": ("venues/postcodes_codepoint_2025q4_study_area.csv", None, _CODEPOINT, OGL),
    "schools": ("venues/schools_gias_open_2025-05_study_area.gpkg", "schools", "DfE Get Information About Schools (open)", OGL),
    "gp_practices": ("venues/gp_practices_epraccur_2023-12_study_area.gpkg", "gp_practices", "NHS ODS epraccur", OGL),
    "libraries": ("venues/libraries_ace_basic_dataset_2023_study_area.gpkg", "libraries", _LIBRARIES, "OGL v3.0 (believed)"),
}
#: ACE library ``type`` values kept as candidate venues (mobile stops, archives, prison and
#: local-history libraries are not places to hold a session for families).
LIBRARY_TYPES = ("Static Library",)
#: Columns of a study area's ``postcodes.csv``.
POSTCODE_COLUMNS = ["postcode", "easting", "northing", "longitude", "latitude", "admin_district_code", "lsoa21cd"]
_DTYPES = {"postcode": "string", "easting": "float64", "northing": "float64", "longitude": "float64", "latitude": "float64",
           "admin_district_code": "string", "lsoa21cd": "string"}


def mirror_file(mirror: Path, key: str) -> tuple[str, str | None, str, str] | None:
    """The England-wide file of ``key`` in the mirror, else the study-area file, else ``None``.

    Examples
    --------
    >>> mirror_file(Path("/nonexistent"), "postcodes") is None
    True
    """
    for table in (NATIONAL_FILES, STUDY_AREA_FILES):
        if key in table and (Path(mirror) / table[key][0]).exists():
            return table[key]
    return None


def read_postcodes(path: Path, columns: list[str] | None = None, *, keep: tuple[str, set] | None = None) -> pd.DataFrame:
    """Read a Code-Point postcode CSV (gzip or plain): only ``columns``, typed, read by pyarrow.

    ``keep = (column, values)`` keeps the rows whose ``column`` is one of ``values``, filtered in
    Arrow before any pandas object is made (the England file: 1.49M rows in, a council's out).
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    columns = columns or [c for c in POSTCODE_COLUMNS if c != "lsoa21cd"]
    types = {c: pa.float64() if _DTYPES.get(c) == "float64" else pa.string() for c in columns}
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(include_columns=columns, column_types=types,
                                                                        strings_can_be_null=True))
    if keep is not None:
        table = table.filter(pc.is_in(table[keep[0]], value_set=pa.array(sorted(keep[1]), type=pa.string())))
    return table.to_pandas().astype({c: "string" for c, t in types.items() if t == pa.string()})


def study_postcodes(mirror: Path, lsoa: gpd.GeoDataFrame) -> tuple[pd.DataFrame, tuple] | None:
    """Postcodes whose LSOA 2021 is one of ``lsoa`` (``POSTCODE_COLUMNS``), and the file's metadata.

    The England file gives each postcode's LSOA (its centroid within the generalised LSOA
    polygon, as ``fetch``'s own LSOAs); with only the study-area file, the LSOA is found by a
    spatial join. ``None`` if the mirror has neither.
    """
    meta = mirror_file(mirror, "postcodes")
    if meta is None:
        return None
    path = Path(mirror) / meta[0]
    if meta[0] == NATIONAL_FILES["postcodes"][0]:
        pc = read_postcodes(path, POSTCODE_COLUMNS, keep=("lsoa21cd", set(lsoa["lsoa21cd"])))
    else:
        pc = read_postcodes(path)
        pts = gpd.GeoDataFrame(pc, geometry=gpd.points_from_xy(pc["easting"], pc["northing"]), crs=27700)
        pc = pd.DataFrame(gpd.sjoin(pts, lsoa[["lsoa21cd", "geometry"]], how="inner", predicate="within")
                          .drop(columns=["geometry", "index_right"]))
    pc = pc.drop_duplicates("postcode").astype({"postcode": object, "admin_district_code": object, "lsoa21cd": object})
    if pc[["easting", "northing"]].notna().all(axis=None):  # whole metres, as in Code-Point
        pc = pc.astype({"easting": "int64", "northing": "int64"})
    return pc[POSTCODE_COLUMNS].sort_values("postcode").reset_index(drop=True), meta


def find_postcodes(mirror: Path, postcodes: list[str]) -> pd.DataFrame:
    """The rows of the mirror's postcode file (England-wide where present) for ``postcodes``.

    ``postcodes`` must be normalised (:func:`geo.inputs.postcodes.normalise_postcode`); the
    result has ``POSTCODE_COLUMNS`` (``lsoa21cd`` empty with only the study-area file) and one
    row per postcode found.
    """
    meta = mirror_file(mirror, "postcodes")
    if meta is None:
        return pd.DataFrame(columns=POSTCODE_COLUMNS)
    national = meta[0] == NATIONAL_FILES["postcodes"][0]
    pc = read_postcodes(Path(mirror) / meta[0], POSTCODE_COLUMNS if national else None, keep=("postcode", set(postcodes)))
    pc = pc.drop_duplicates("postcode")
    if not national:
        pc = pc.assign(lsoa21cd=pd.NA)
    return pd.DataFrame(pc[POSTCODE_COLUMNS]).astype(object).reset_index(drop=True)


def nearest_postcodes(x: np.ndarray, y: np.ndarray, postcodes: pd.DataFrame) -> pd.DataFrame:
    """The nearest postcode centroid of ``postcodes`` to each point (EPSG:27700 metres).

    Returns
    -------
    DataFrame
        ``postcode`` and ``distance_m`` (rounded to the metre), one row per point; empty
        postcodes and NaN distances if ``postcodes`` is empty.

    Examples
    --------
    >>> pcs = pd.DataFrame({"postcode": ["AA1 1AA", "AA1 1AB"], "easting": [0.0, 100.0], "northing": [0.0, 0.0]})
    >>> nearest_postcodes(np.array([10.0, 90.0]), np.array([0.0, 0.0]), pcs).to_dict("list")
    {'postcode': ['AA1 1AA', 'AA1 1AB'], 'distance_m': [10.0, 10.0]}
    """
    from scipy.spatial import cKDTree

    n = len(x)
    if postcodes is None or postcodes.empty or not n:
        return pd.DataFrame({"postcode": [""] * n, "distance_m": [np.nan] * n})
    xy = postcodes[["easting", "northing"]].to_numpy(float)
    dist, idx = cKDTree(xy).query(np.column_stack([np.asarray(x, float), np.asarray(y, float)]))
    return pd.DataFrame({"postcode": postcodes["postcode"].to_numpy()[idx].tolist(), "distance_m": np.round(dist).tolist()})
