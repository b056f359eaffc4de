"""The public datasets, their publishers' URLs and where each lives in the mirror layout."""

from __future__ import annotations

from dataclasses import dataclass

from geo.sources.attribution import MHCLG_ATTRIBUTION, OGL, ONS_ATTRIBUTION

__all__ = ["DATASETS", "Dataset", "ONS_ARCGIS"]

ONS_ARCGIS = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services"


@dataclass(frozen=True)
class Dataset:
    """One public dataset and where it lives in the mirror layout.

    ``url`` is the main source (an ArcGIS layer URL for ``kind="arcgis"``, a file URL
    otherwise). ``aux`` holds auxiliary source URLs by name (e.g. a lookup joined in
    to add LAD codes). ``extra_paths`` are further files written from the same source.
    ``member`` is a glob selecting the CSV inside a zip (``kind="zip_csv"``).
    """

    key: str
    title: str
    mirror_path: str
    kind: str  # "arcgis" | "csv" | "zip_csv" | "xlsx"
    url: str
    publisher: str
    licence: str
    attribution: str
    layer: str | None = None
    where: str = "1=1"
    aux: tuple[tuple[str, str], ...] = ()
    member: str | None = None
    extra_paths: tuple[str, ...] = ()
    landing_page: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if self.kind not in {"arcgis", "csv", "zip_csv", "xlsx"}:
            raise ValueError(f"{self.key}: unknown kind {self.kind!r}")
        if self.mirror_path.endswith(".gpkg") and not self.layer:
            raise ValueError(f"{self.key}: a GeoPackage needs a layer name")

    @property
    def aux_urls(self) -> dict[str, str]:
        return dict(self.aux)

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.mirror_path, *self.extra_paths)


def _ons(service: str) -> str:
    return f"{ONS_ARCGIS}/{service}/FeatureServer/0"


def _ons_layer(*, service: str, year: int, **fields) -> Dataset:
    """A layer of the ONS Open Geography Portal (ArcGIS REST, OGL, the ONS attribution of ``year``)."""
    return Dataset(kind="arcgis", url=_ons(service), publisher="Office for National Statistics (Open Geography Portal)",
                   licence=OGL, attribution=ONS_ATTRIBUTION.format(year=year),
                   landing_page="https://geoportal.statistics.gov.uk/", **fields)


DATASETS: dict[str, Dataset] = {
    d.key: d
    for d in [
        _ons_layer(
            key="lsoa21_boundaries",
            title="Lower layer Super Output Areas (December 2021) Boundaries EW BGC (V5), England only",
            mirror_path="boundaries/lsoa21_england_bgc.gpkg",
            layer="lsoa21_england",
            service="Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5",
            where="LSOA21CD LIKE 'E01%'",
            # The boundary service has no LAD field: LAD25CD comes from the ONS best-fit
            # LSOA21 -> ward (2025) -> LAD (2025) lookup, joined on LSOA21CD.
            aux=(("lad_lookup", _ons("LSOA21_WD25_LAD25_EW_LU_v2")),),
            year=2025,
            notes=(
                "Columns LSOA21CD, LSOA21NM, LAD25CD. The mirror's UTLACD and RGNCD columns are "
                "not produced. Geometry requested in EPSG:4326 and reprojected to EPSG:27700."
            ),
        ),
        _ons_layer(
            key="wards",
            title="Wards (May 2025) Boundaries UK BGC",
            # The file name says "london" to keep the mirror layout; the download covers the UK.
            mirror_path="boundaries/wards_wd25_london_bgc.gpkg",
            layer="wards_wd25_london",
            service="Wards_May_2025_Boundaries_UK_BGC",
            # Used only if the boundary layer has no LAD25CD/LAD25NM fields.
            aux=(("lad_lookup", _ons("WD25_LAD25_UK_LU_v2")),),
            year=2025,
            notes=(
                "Covers the whole UK although the file and layer names say 'london' (kept for "
                "layout compatibility with the mirror). 'study_borough' is added only when "
                "download_to_mirror() is given la_codes."
            ),
        ),
        _ons_layer(
            key="lookup_ward",
            title="LSOA (2021) to Electoral Ward (2024) to LAD (2024) Best Fit Lookup in EW",
            mirror_path="reference/lookup_lsoa21_ward24_lad24_bestfit_ew.csv",
            service="LSOA21_WD24_LAD24_EW_LU",
            year=2024,
        ),
        _ons_layer(
            key="lookup_lsoa11",
            title="LSOA (2011) to LSOA (2021) to LAD (2022) Exact Fit Lookup for EW",
            mirror_path="reference/lookup_lsoa11_lsoa21_lad22_ew.csv",
            service="LSOA11_LSOA21_LAD22_EW_LU_v5",
            year=2022,
            notes="Some versions name the 2011 code F_LSOA11CD; it is renamed LSOA11CD.",
        ),
        Dataset(
            key="imd2025",
            title="English Indices of Deprivation 2025, File 7 (all ranks, scores, deciles, denominators)",
            mirror_path="reference/imd2025_lsoa21_england.csv",
            extra_paths=("reference/imd2025_file7_full_lsoa21_england.csv",),
            kind="csv",
            url=(
                "https://assets.publishing.service.gov.uk/media/691ded56d140bbbaa59a2a7d/"
                "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
            ),
            publisher="Ministry of Housing, Communities and Local Government",
            licence=OGL,
            attribution=MHCLG_ATTRIBUTION,
            landing_page="https://www.gov.uk/government/statistics/english-indices-of-deprivation-2025",
            notes=(
                "The GOV.UK media hash changes when MHCLG re-issues the file (the October 2025 "
                "original was under /media/68ff5daabcb10f6bf9bef911/); check the landing page if "
                "it returns 404. The full File 7 is written England-wide as "
                "imd2025_file7_full_lsoa21_england.csv (the mirror only has the study-borough "
                "subset, imd2025_file7_full_lsoa21_westminster_kc.csv)."
            ),
        ),
        Dataset(
            key="census_age",
            title="Census 2021 TS007 Age by single year of age, LSOA 2021, summed into 6 bands",
            mirror_path="reference/census2021_age6_usual_residents_lsoa21_ew.csv",
            kind="zip_csv",
            # Nomis bulk download (all areas, one CSV per area type in the zip). UNVERIFIED
            # OFFLINE: that the TS007 zip holds an LSOA file. Alternative (paged API, also
            # accepted as an override; Nomis returns at most 25,000 rows per call):
            #   https://www.nomisweb.co.uk/api/v01/dataset/NM_2027_1.data.csv?date=latest
            #   &geography=TYPE151&c2021_age_102=1...101&measures=20100
            #   &select=geography_code,geography_name,c2021_age_102,c2021_age_102_name,obs_value
            # TS007A (five-year bands, Nomis NM_2020_1, census2021-ts007a.zip) cannot be used:
            # its 15-19 band straddles the 0-15 / 16-24 split.
            url="https://www.nomisweb.co.uk/output/census/2021/census2021-ts007.zip",
            member="*-lsoa.csv",
            publisher="Office for National Statistics (Census 2021, via Nomis)",
            licence=OGL,
            attribution=(
                "Source: Office for National Statistics licensed under the Open Government Licence v.3.0 (Census 2021)."
            ),
            landing_page="https://www.nomisweb.co.uk/sources/census_2021_bulk",
            notes=(
                "Usual residents on Census Day 2021, summed from single years of age. ONS cell "
                "perturbation means 'total' (the sum of the six bands) can differ slightly from "
                "published totals and from the mirror's custom-dataset counts."
            ),
        ),
    ]
}
