"""Public data: the publishers' datasets, the mirror layout, and ``fetch`` for a study area.

Modules
-------
attribution
    Licence and attribution wording (one home).
catalogue
    :data:`DATASETS`: each public dataset, its publisher's URL and its place in the mirror.
http
    HTTP with retries and paged ArcGIS REST queries (standard library only).
columns
    Publishers' headers -> the mirror's (IoD2025 File 7, Census 2021 age bands).
files
    Checksums and atomic writers.
download
    :func:`download_to_mirror`: the publishers' files written in the mirror layout.
mirror
    The mirror's files and their readers, clipped to a study area.
fetch
    :func:`fetch`: a study area's public data, standardised, with a manifest; :func:`public_paths`.
"""

from geo.errors import DownloadError
from geo.sources.attribution import MHCLG_ATTRIBUTION, OGL, ONS_ATTRIBUTION
from geo.sources.catalogue import DATASETS, Dataset
from geo.sources.columns import (
    CENSUS_AGE_GROUPS,
    IMD2025_COLUMNS,
    IMD2025_ENGLAND_COLUMNS,
    IMD2025_FILE7_COLUMNS,
    census_age6,
    map_imd2025_columns,
)
from geo.sources.download import download_to_mirror
from geo.sources.fetch import fetch, public_paths
from geo.sources.files import sha256_file
from geo.sources.http import arcgis_features, arcgis_query, download_file
from geo.sources.mirror import MIRROR_FILES, OPTIONAL_FILES, SCHOOL_PHASES

__all__ = [
    "CENSUS_AGE_GROUPS",
    "DATASETS",
    "IMD2025_COLUMNS",
    "IMD2025_ENGLAND_COLUMNS",
    "IMD2025_FILE7_COLUMNS",
    "MHCLG_ATTRIBUTION",
    "MIRROR_FILES",
    "OGL",
    "ONS_ATTRIBUTION",
    "OPTIONAL_FILES",
    "SCHOOL_PHASES",
    "Dataset",
    "DownloadError",
    "arcgis_features",
    "arcgis_query",
    "census_age6",
    "download_file",
    "download_to_mirror",
    "fetch",
    "map_imd2025_columns",
    "public_paths",
    "sha256_file",
]
