"""Set up a study area for any English council: ``python -m geo init`` and the app's "New study area".

:func:`init_study_area` checks the LA codes against the national LSOA boundaries, geocodes the
council's hubs and spokes from their postcodes with the national Code-Point file, writes
``hubs.csv`` and a config whose relative paths resolve from its own folder (its text:
:mod:`geo.setup_config`), and fetches the public data (boundaries, deprivation, population,
postcodes and candidate venues: schools, GP practices and libraries). Nothing is written if a
code or a postcode is wrong.

Examples
--------
>>> parse_hub_lines(["Oakham Hub = le15 6hw", "Ryhall Library, PE9 4HY, spoke"]).to_dict("list")
{'name': ['Oakham Hub', 'Ryhall Library'], 'postcode': ['le15 6hw', 'PE9 4HY'], 'site_type': ['hub', 'spoke'], '_row': [1, 2]}
>>> default_mode(["E09000033", "E09000020"]), default_mode(["E06000017"])
('walk', 'drive')
>>> slug_for("Leeds (city)!")
'leeds-city'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from geo.config.tables import LA_CODE
from geo.errors import DataError, InputProblem, ValidationError
from geo.inputs.postcodes import normalise_postcode
from geo.setup_config import config_text
from geo.sources.mirror import MIRROR_FILES
from geo.sources.national import find_postcodes, mirror_file

__all__ = ["InitResult", "local_authorities", "parse_hub_lines", "read_hub_file", "geocode_hubs", "default_mode",
           "slug_for", "config_text", "init_study_area", "REPO_DATA"]

#: The repository's data folder (where ``init`` puts fetched data and the hubs by default).
REPO_DATA = Path(__file__).resolve().parents[1] / "data"
MODES = ("walk", "bus", "drive")


@dataclass
class InitResult:
    """What :func:`init_study_area` wrote: the config, the hubs file, warnings and the fetch manifest."""

    config: Path
    hubs: Path | None
    hubs_table: pd.DataFrame | None
    warnings: list[str] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)


def local_authorities(mirror: Path) -> pd.DataFrame:
    """Every English LA of the national LSOA boundaries: ``la_code, la_name, lsoas`` (sorted by name).

    Names are the ONS LAD 2024 names of the best-fit lookup (the code where it has none).
    """
    mirror = Path(mirror)
    rel, layer, *_ = MIRROR_FILES["lsoa21_boundaries"]
    if not (mirror / rel).exists():
        raise DataError(f"the national LSOA boundaries are missing from the mirror: {mirror / rel}")
    lsoa = pyogrio.read_dataframe(mirror / rel, layer=layer, columns=["LSOA21CD", "LAD25CD"], read_geometry=False, use_arrow=True)
    lk = pd.read_csv(mirror / MIRROR_FILES["lookup_ward"][0], dtype=str, usecols=["LSOA21CD", "LAD24CD", "LAD24NM"])
    names = lk.drop_duplicates("LAD24CD").set_index("LAD24CD")["LAD24NM"]
    out = lsoa.groupby("LAD25CD").size().rename("lsoas").reset_index().rename(columns={"LAD25CD": "la_code"})
    out = out[out["la_code"].str.fullmatch(LA_CODE.pattern[1:-1])]
    out.insert(1, "la_name", out["la_code"].map(names).fillna(out["la_code"]))
    return out.sort_values(["la_name", "la_code"]).reset_index(drop=True)


def check_la_codes(codes: list[str], las: pd.DataFrame) -> list[str]:
    """The codes, upper-cased and de-duplicated; a :class:`DataError` naming any unknown one."""
    codes = list(dict.fromkeys(str(c).strip().upper() for c in codes))
    if not codes:
        raise DataError("--la: give at least one local authority code (e.g. E06000017 for Rutland)")
    unknown = [c for c in codes if c not in set(las["la_code"])]
    if unknown:
        hint = "" if all(LA_CODE.match(c) for c in unknown) else " (an English LA code is E06, E07, E08 or E09 and 6 digits)"
        raise DataError(f"--la: unknown local authority code(s) {', '.join(unknown)}{hint}: not in the national LSOA "
                        "boundaries (LAD 2025); see `python -m geo init --list-las`")
    return codes


def slug_for(name: str) -> str:
    """A config slug (lower-case letters, digits and ``-``) from a study-area name."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:40].strip("-") or "study-area"


def default_mode(codes: list[str]) -> str:
    """``walk`` when every LA is a London borough (E09), else ``drive``."""
    return "walk" if all(c.startswith("E09") for c in codes) else "drive"


def parse_hub_lines(lines: list[str]) -> pd.DataFrame:
    """Hubs typed as ``Name=POSTCODE`` or ``name, postcode[, hub|spoke]``, one per line (blank lines skipped).

    Raises
    ------
    DataError
        Naming the line that has no postcode or a site type other than hub or spoke.
    """
    rows = []
    for i, line in enumerate(lines, start=1):
        text = str(line).strip()
        if not text:
            continue
        parts = [p.strip() for p in (text.rsplit("=", 1) if "=" in text else text.split(","))]
        site_type = "hub"
        if len(parts) >= 3 and parts[-1].lower() in ("hub", "spoke"):
            site_type = parts.pop().lower()
        if len(parts) < 2 or not parts[-1] or not ",".join(parts[:-1]).strip():
            raise DataError(f"hub line {i} ({text[:60]!r}): write the hub's name and postcode as "
                            "'Name=POSTCODE' or 'name, postcode' (optionally ', spoke')")
        rows.append({"name": ", ".join(parts[:-1]).strip(), "postcode": parts[-1], "site_type": site_type, "_row": i})
    return pd.DataFrame(rows, columns=["name", "postcode", "site_type", "_row"])


def read_hub_file(path: Path) -> pd.DataFrame:
    """A council's hub list: ``name, postcode`` and optional ``hub_id``, ``site_type``, ``parent_hub_id``."""
    from geo.inputs.read import read_table

    t = read_table(Path(path), ["name", "postcode"], ["hub_id", "site_type", "parent_hub_id"])
    problems = []
    for col in ("name", "postcode"):
        empty = t[col].isna()
        if empty.any():
            problems.append(InputProblem(Path(path), f"{col} is empty", column=col, rows=tuple(t.loc[empty, "_row"])))
    st = t["site_type"].str.lower().fillna("hub") if "site_type" in t else pd.Series("hub", index=t.index)
    bad = ~st.isin(["hub", "spoke"])
    if bad.any():
        problems.append(InputProblem(Path(path), "site_type must be 'hub' or 'spoke'", column="site_type", rows=tuple(t.loc[bad, "_row"])))
    if problems:
        raise ValidationError(problems)
    return t.assign(site_type=st)


def geocode_hubs(hubs: pd.DataFrame, mirror: Path, study_lsoas: pd.DataFrame, *, source: str = "--hub") -> tuple[pd.DataFrame, list[str]]:
    """Locate hubs by postcode with the national Code-Point file; warn for any outside the study area.

    Parameters
    ----------
    hubs : DataFrame
        ``name, postcode, site_type, _row`` and optional ``hub_id``, ``parent_hub_id``.
    study_lsoas : DataFrame
        ``lsoa21cd, lad_code`` of every English LSOA (the LA of a hub), with ``in_study`` (bool).
    source : str
        How the hubs were given (the argument or file named in messages).

    Returns
    -------
    (DataFrame, list of str)
        ``hubs.csv`` rows (``hub_id, name, la_code, site_type, parent_hub_id, postcode, easting,
        northing, lat, lon, lsoa21cd, note``) and warnings.

    Raises
    ------
    DataError
        Naming every postcode that cannot be read or is not in the national postcode file.
    """
    norm = normalise_postcode(hubs["postcode"])
    bad = [f"{p!r} (line/row {r})" for p, r, n in zip(hubs["postcode"], hubs["_row"], norm) if not isinstance(n, str)]
    if bad:
        raise DataError(f"{source}: not a postcode: {', '.join(bad)}")
    meta = mirror_file(mirror, "postcodes")
    if meta is None:
        raise DataError(f"{mirror}: no Code-Point postcode file (venues/postcodes_codepoint_2025q4_england.csv.gz) to geocode hubs")
    found = find_postcodes(mirror, list(norm)).set_index("postcode")
    missing = [f"{p} (line/row {r})" for p, r in zip(norm, hubs["_row"]) if p not in found.index]
    if missing:
        raise DataError(f"{source}: postcode(s) not found in {meta[0]}: {', '.join(missing)} (check the spelling; "
                        "a new or large-user postcode may be missing from Code-Point Open)")
    out = _hub_rows(hubs.assign(postcode=norm), found, study_lsoas)
    warnings = [f"hub {h.name!r} ({h.postcode}) is outside the study area (kept: it may serve residents over the border)"
                for h in out.itertuples() if not h.inside]
    return _with_parents(out.drop(columns="inside")), warnings


def _hub_rows(hubs: pd.DataFrame, found: pd.DataFrame, lsoas: pd.DataFrame) -> pd.DataFrame:
    from pyproj import Transformer

    from geo.safety import safe_slug

    e = hubs["postcode"].map(found["easting"]).astype(float).round().astype("int64").to_numpy()
    n = hubs["postcode"].map(found["northing"]).astype(float).round().astype("int64").to_numpy()
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(e, n)
    lsoa = hubs["postcode"].map(found["lsoa21cd"])
    by_code = lsoas.set_index("lsoa21cd")
    given = hubs["hub_id"] if "hub_id" in hubs else pd.Series(pd.NA, index=hubs.index)
    taken = {str(g).lower() for g in given if isinstance(g, str) and g.strip()}  # generated ids never repeat a given one
    ids = [str(g) if isinstance(g, str) and g.strip() else safe_slug(slug_for(nm).upper(), taken=taken)
           for g, nm in zip(given, hubs["name"])]
    return pd.DataFrame({
        "hub_id": ids, "name": hubs["name"].to_numpy(), "la_code": lsoa.map(by_code["lad_code"]).fillna(
            hubs["postcode"].map(found["admin_district_code"])).to_numpy(),
        "site_type": hubs["site_type"].to_numpy(),
        "parent_hub_id": (hubs["parent_hub_id"] if "parent_hub_id" in hubs else pd.Series("", index=hubs.index)).fillna("").to_numpy(),
        "postcode": hubs["postcode"].to_numpy(), "easting": e, "northing": n, "lat": np.round(lat, 6), "lon": np.round(lon, 6),
        "lsoa21cd": lsoa.to_numpy(), "note": "located at its postcode centroid (OS Code-Point Open 2025.4)",
        "inside": lsoa.map(by_code["in_study"]).fillna(False).astype(bool).to_numpy(),
    })


def _with_parents(hubs: pd.DataFrame) -> pd.DataFrame:
    """Spokes with no ``parent_hub_id`` belong to the nearest hub (straight line), said in ``note``."""
    is_hub = hubs["site_type"] == "hub"
    orphan = (hubs["site_type"] == "spoke") & (hubs["parent_hub_id"] == "")
    if orphan.any() and is_hub.any():
        from scipy.spatial import cKDTree

        tree = cKDTree(hubs.loc[is_hub, ["easting", "northing"]].to_numpy())
        _, idx = tree.query(hubs.loc[orphan, ["easting", "northing"]].to_numpy())
        hubs.loc[orphan, "parent_hub_id"] = hubs.loc[is_hub, "hub_id"].to_numpy()[idx]
        hubs.loc[orphan, "note"] += "; spoke of the nearest hub"
    return hubs


def init_study_area(la_codes: list[str], name: str, out: Path, *, hubs: pd.DataFrame | None = None,
                    hubs_source: str = "--hub", mode: str | None = None, mirror: Path | None = None,
                    data_dir: Path | None = None, overwrite: bool = False, log=print) -> InitResult:
    """Write a study area's config and hubs file and fetch its public data.

    Parameters
    ----------
    la_codes : list of str
        ONS codes of the local authorities (E06/E07/E08/E09), checked against the national LSOA boundaries.
    name : str
        The study area's name (its slug, for folders, is made from it).
    out : Path
        The config to write (e.g. ``configs/leeds.toml``); its folder anchors the relative paths.
    hubs : DataFrame, optional
        ``name, postcode`` (and optional ``site_type``, ``hub_id``, ``parent_hub_id``, ``_row``):
        from :func:`parse_hub_lines` or :func:`read_hub_file`.
    hubs_source : str
        Where the hubs came from, named in messages.
    mode : {"walk", "bus", "drive"}, optional
        Default travel mode; by default walk for London boroughs, else drive.
    mirror : Path, optional
        A folder laid out like ``shared/data``; ``None`` downloads from the publishers.
    data_dir : Path, optional
        Where fetched data and ``extracts/<slug>/hubs.csv`` go (default: the repository's ``data``).
    overwrite : bool
        Replace an existing config file (else a :class:`DataError`).

    Returns
    -------
    InitResult

    Examples
    --------
    >>> init_study_area(["E06000017"], "Rutland", Path("configs/rutland.toml"), mirror=Path("../shared/data"))  # doctest: +SKIP
    """
    from geo.config import load_config
    from geo.sources import fetch

    out, data_dir = Path(out), Path(data_dir or REPO_DATA)
    if not name.strip():
        raise DataError("--name: give the study area a name, e.g. \"Leeds\"")
    if out.suffix != ".toml":
        raise DataError(f"--out {out}: the config file name must end in .toml")
    if out.exists() and not overwrite:
        raise DataError(f"--out {out} exists: choose another name or pass --force to replace it")
    if mode is not None and mode not in MODES:
        raise DataError(f"--mode {mode!r}: choose one of {', '.join(MODES)}")
    if mirror is None and hubs is not None and len(hubs):
        raise DataError("hubs by postcode need the national postcode file: give --mirror (a folder laid out like shared/data)")
    las = local_authorities(mirror) if mirror is not None else None
    codes = check_la_codes(la_codes, las) if las is not None else [c.strip().upper() for c in la_codes]
    slug = slug_for(name)
    warnings: list[str] = []
    table = hubs_path = None
    if hubs is not None and len(hubs):
        table, warnings = geocode_hubs(hubs.assign(_row=hubs.get("_row", pd.Series(range(1, len(hubs) + 1), index=hubs.index))),
                                       mirror, _lsoa_las(mirror, codes), source=hubs_source)
        hubs_path = data_dir / "extracts" / slug / "hubs.csv"
    names = {} if las is None else dict(zip(las["la_code"], las["la_name"]))
    text = config_text(name=name.strip(), slug=slug, codes=codes, la_names=names, root=out.parent, data_dir=data_dir,
                       mirror=mirror, mode=mode or default_mode(codes), hubs=table, hubs_path=hubs_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if hubs_path is not None:
        from geo.safety import neutralise_frame

        hubs_path.parent.mkdir(parents=True, exist_ok=True)
        neutralise_frame(table).to_csv(hubs_path, index=False, lineterminator="\n")
        log(f"wrote {hubs_path} ({len(table)} site(s))")
    out.write_text(text, encoding="utf-8")
    log(f"wrote {out}")
    manifest = fetch(load_config(out), mirror, log=log)
    return InitResult(out, hubs_path, table, warnings, manifest)


def _lsoa_las(mirror: Path, codes: list[str]) -> pd.DataFrame:
    """Every English LSOA's LA (``lsoa21cd, lad_code``) and whether it is in the study area (``in_study``)."""
    rel, layer, *_ = MIRROR_FILES["lsoa21_boundaries"]
    t = pyogrio.read_dataframe(Path(mirror) / rel, layer=layer, columns=["LSOA21CD", "LAD25CD"], read_geometry=False, use_arrow=True)
    t = t.rename(columns={"LSOA21CD": "lsoa21cd", "LAD25CD": "lad_code"})
    return t.assign(in_study=t["lad_code"].isin(codes))


def init_command(args) -> int:
    """``python -m geo init``: see :func:`init_study_area` (``--list-las`` lists the LA codes)."""
    from geo.safety import printable as line

    if args.list_las:
        if args.mirror is None:
            raise DataError("--list-las needs --mirror (a folder laid out like shared/data)")
        for la in local_authorities(args.mirror).itertuples():
            print(line(f"{la.la_code}  {la.la_name}  ({la.lsoas} LSOAs)"))
        return 0
    missing = [flag for flag, value in (("--la", args.la), ("--name", args.name), ("--out", args.out)) if not value]
    if missing:
        raise DataError(f"init needs {', '.join(missing)} (e.g. --la E06000017 --name Rutland --out configs/rutland.toml)")
    hubs, source = None, "--hub"
    if args.hubs is not None:
        hubs, source = read_hub_file(args.hubs), str(args.hubs)
    if args.hub:
        typed = parse_hub_lines(args.hub)
        hubs = typed if hubs is None else pd.concat([hubs, typed.assign(_row=typed["_row"] + len(hubs))], ignore_index=True)
        source = "--hub" if args.hubs is None else f"{args.hubs} and --hub"
    res = init_study_area(args.la, args.name, args.out, hubs=hubs, hubs_source=source, mode=args.mode, mirror=args.mirror,
                          data_dir=args.data, overwrite=args.force)
    for w in res.warnings:
        print(line(f"warning: {w}"))
    print(line(f"study area ready: python -m geo build --config {res.config} (no service extracts yet: "
               "see the config's [extracts] notes)"))
    return 0
