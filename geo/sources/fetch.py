"""Fetch the public data for a study area and write it clipped and standardised.

``python -m geo fetch --mirror DIR`` reads a local mirror laid out like ``shared/data``
(see its ``SOURCES.md``); without ``--mirror`` the official publishers are downloaded
(:mod:`geo.sources.download`) into a cache laid out the same way, which is then read identically.

Outputs (git-ignored), for a config whose slug is ``<slug>``:

- ``data/boundaries/<slug>/lsoa21.gpkg`` (layer ``lsoa``) and ``wards.gpkg`` (layer ``wards``)
- ``data/extracts/public/<slug>/imd2025.csv``, ``population.csv``, ``lookup_ward.csv``,
  ``lookup_lsoa11.csv``, ``postcodes.csv``, ``venues.csv``
- ``data/extracts/public/<slug>/manifest.json`` (source, licence, sha256, date per file)

``postcodes.csv`` holds every postcode of the study area's LSOAs with its ``lsoa21cd``, and
``venues.csv`` the candidate venues with ``address``, ``postcode`` and ``postcode_note``, both from
the England-wide files of the mirror (:mod:`geo.sources.national`; the study-area files only where
those are absent).

Ward polygons come from the ONS ward boundaries where every ward of an LA is present there,
otherwise they are derived by dissolving LSOAs on the ONS best-fit lookup; the column
``ward_source`` says which.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyogrio

from geo.config import Config
from geo.errors import DataError
from geo.safety import neutralise_frame
from geo.sources.attribution import OGL, ONS_BOUNDARY_ATTRIBUTION
from geo.sources.files import sha256_file
from geo.sources.mirror import (
    MIRROR_FILES,
    OPTIONAL_FILES,
    _code_register,
    _imd,
    _lsoa11,
    _lsoas,
    _population,
    _postcodes,
    _venues,
    _ward_lookup,
    _wards,
)
from geo.sources.national import mirror_file

__all__ = ["fetch", "MIRROR_FILES", "public_paths"]


def public_paths(config: Config) -> dict[str, Path]:
    """Paths of the files ``fetch`` writes for ``config`` (the build reads these)."""
    b, p = config.boundaries_dir, config.public_dir
    return {
        "lsoa": b / "lsoa21.gpkg",
        "wards": b / "wards.gpkg",
        "imd": p / "imd2025.csv",
        "population": p / "population.csv",
        "lookup_ward": p / "lookup_ward.csv",
        "lookup_lsoa11": p / "lookup_lsoa11.csv",
        "postcodes": p / "postcodes.csv",
        "code_register": p / "code_register.csv",
        "venues": p / "venues.csv",
        "manifest": p / "manifest.json",
    }


def fetch(config: Config, mirror: Path | None = None, *, log=print) -> dict:
    """Write the study area's public data, clipped and standardised, with a manifest.

    Parameters
    ----------
    config : Config
        The study area.
    mirror : Path, optional
        A folder laid out like ``shared/data``. ``None`` downloads from the official
        publishers into ``<public_dir>/../_download`` first (see :mod:`geo.sources.download`).
    log : callable
        Progress messages.

    Returns
    -------
    dict
        The manifest that was written.

    Examples
    --------
    >>> from geo.config import load_config
    >>> fetch(load_config("config.toml"), Path("../shared/data"))   # doctest: +SKIP
    """
    if mirror is None:
        from geo.sources.download import download_to_mirror

        mirror = config.public_dir.parent / "_download"
        log(f"downloading public data from the official publishers into {mirror}")
        download_to_mirror(mirror)
    mirror = Path(mirror).resolve()
    missing = [str(mirror / rel) for rel, *_ in MIRROR_FILES.values() if not (mirror / rel).exists()]
    if missing:
        raise DataError(f"mirror {mirror} lacks required file(s): {', '.join(missing)}")
    paths = public_paths(config)
    for p in paths.values():
        p.parent.mkdir(parents=True, exist_ok=True)
    frames = _read_mirror(mirror, config, log)
    outputs = _write_outputs(frames, paths, mirror, config, log)
    manifest = _manifest(frames, outputs, paths, mirror, config)
    paths["manifest"].write_text(json.dumps(manifest, indent=2))
    log(f"wrote {paths['manifest']}")
    return manifest


def _read_mirror(mirror: Path, config: Config, log) -> dict:
    """Steps 1-7: every file of the study area, read from the mirror and standardised."""
    log(f"[1/7] LSOA 2021 boundaries for {', '.join(config.la_codes)}")
    lsoa = _lsoas(mirror, config)
    codes = pd.Index(lsoa["lsoa21cd"])
    log(f"      {len(lsoa):,} LSOAs")
    log("[2/7] LSOA -> ward best-fit lookup")
    lookup = _ward_lookup(mirror, codes)
    log("[3/7] ward boundaries")
    wards = _wards(mirror, lsoa, lookup)
    derived = int(wards["ward_source"].str.startswith("derived").sum())
    log(f"      {len(wards):,} wards ({derived:,} derived by dissolving LSOAs on the best-fit lookup)")
    log("[4/7] IoD2025")
    imd, imd_sources = _imd(mirror, codes)
    n_est = int(imd["idaci_source"].str.startswith("estimated").sum())
    log(
        f"      IDACI for {int(imd['idaci_score'].notna().sum()):,} of {len(imd):,} LSOAs ({n_est:,} estimated from File 8 numerators)"
    )
    log("[5/7] Census 2021 population 0-15")
    pop = _population(mirror, codes)
    log("[6/7] LSOA 2011 -> 2021 lookup")
    l11 = _lsoa11(mirror, codes)
    register = _code_register(mirror)
    log("[7/7] postcodes and candidate venues")
    return {
        "lsoa": lsoa,
        "wards": wards,
        "wards_derived": derived,
        "imd": imd,
        "imd_sources": imd_sources,
        "population": pop,
        "lookup_ward": lookup,
        "lookup_lsoa11": l11,
        "code_register": register,
        "postcodes": (pcs := _postcodes(mirror, lsoa)),
        "venues": _venues(mirror, lsoa, config.venue_school_phases, postcodes=pcs),
    }


def _write_outputs(frames: dict, paths: dict[str, Path], mirror: Path, config: Config, log) -> dict[str, list]:
    """Write the study area's files; returns each written file's sources ``(meta, path)``."""
    pyogrio.write_dataframe(frames["lsoa"], paths["lsoa"], layer="lsoa", driver="GPKG")
    pyogrio.write_dataframe(frames["wards"], paths["wards"], layer="wards", driver="GPKG")
    for key in ("imd", "population", "lookup_ward", "lookup_lsoa11", "code_register"):
        neutralise_frame(frames[key]).to_csv(paths[key], index=False)  # names are data (geo.safety)

    def src(meta, path=None):
        return (meta, path or mirror / meta[0])

    file7_meta = ("", None, "MHCLG IoD2025 File 7 (IDACI)", OGL)
    outputs = {
        "lsoa": [src(MIRROR_FILES["lsoa21_boundaries"])],
        "wards": [src(MIRROR_FILES["wards"]), src(MIRROR_FILES["lookup_ward"])],
        "imd": [src(MIRROR_FILES["imd2025"])]
        + [
            src(file7_meta if "file7" in p.name else OPTIONAL_FILES["imd2025_indicators"], p)
            for p in frames["imd_sources"][1:]
        ],
        "population": [src(MIRROR_FILES["census_age"])],
        "lookup_ward": [src(MIRROR_FILES["lookup_ward"])],
        "lookup_lsoa11": [src(MIRROR_FILES["lookup_lsoa11"])],
        "code_register": [src(MIRROR_FILES["lookup_ward"]), src(MIRROR_FILES["lookup_lsoa11"])],
    }
    pcs, venues = frames["postcodes"], frames["venues"]
    if pcs is not None:
        neutralise_frame(pcs).to_csv(paths["postcodes"], index=False)
        outputs["postcodes"] = [src(mirror_file(mirror, "postcodes"))]
        log(f"      {len(pcs):,} postcodes inside the study area")
    else:
        paths["postcodes"].unlink(missing_ok=True)
    if venues is not None:
        neutralise_frame(venues).to_csv(paths["venues"], index=False)
        metas = [mirror_file(mirror, k) for k in ("schools", "gp_practices", "libraries")]
        outputs["venues"] = [src(meta) for meta in metas if meta is not None]
        log(
            f"      {len(venues):,} candidate venues: "
            + ", ".join(f"{t} {n}" for t, n in venues["type"].value_counts().sort_index().items())
            + f" (school phases: {', '.join(config.venue_school_phases)})"
        )
    return outputs


def _manifest(frames: dict, outputs: dict[str, list], paths: dict[str, Path], mirror: Path, config: Config) -> dict:
    """Source, licence and sha256 of every written file and of the mirror files it came from."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    files = []
    for key, sources in outputs.items():
        files.append(
            {
                "file": str(paths[key].relative_to(config.root))
                if paths[key].is_relative_to(config.root)
                else str(paths[key]),
                "sha256": sha256_file(paths[key]),
                "sources": [
                    {"path": str(path), "publisher": meta[2], "licence": meta[3], "sha256": sha256_file(path)}
                    for meta, path in sources
                ],
            }
        )
    pcs, venues = frames["postcodes"], frames["venues"]
    return {
        "study_area": config.name,
        "la_codes": list(config.la_codes),
        "mirror": str(mirror),
        "fetched_utc": now,
        "attribution": ONS_BOUNDARY_ATTRIBUTION,
        "counts": {
            "lsoas": len(frames["lsoa"]),
            "wards": len(frames["wards"]),
            "wards_derived": frames["wards_derived"],
            "postcodes": 0 if pcs is None else len(pcs),
            "venues": 0 if venues is None else len(venues),
        },
        "files": files,
    }
