"""The config ``python -m geo init`` writes for a new study area (TOML text; :mod:`geo.setup` writes the file).

Paths are written relative to the config's own folder (absolute only where no relative path
exists), and every value the council typed (the study area's name, hub names and ids) is one TOML
basic string on one line, so no name can add a line or a table to the config.

Examples
--------
>>> _toml('Hub "A"\\n[store]')
'"Hub \\\\"A\\\\" [store]"'
>>> _rel(Path("/srv/geo/data/boundaries"), Path("/srv/geo/configs"))
'../data/boundaries'
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pandas as pd

__all__ = ["config_text"]

#: Travel speeds written into a new config: London (dense, walkable) and elsewhere (as Leicestershire).
_SPEEDS = {"london": {"walk": (4.5, 1.3), "bus": (12.0, 1.4), "drive": (30.0, 1.3)},
           "elsewhere": {"walk": (4.5, 1.3), "bus": (18.0, 1.5), "drive": (40.0, 1.35)}}


def _rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (POSIX separators) where that is possible, else absolute."""
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path(root).resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return Path(path).resolve().as_posix()


def _one_line(value) -> str:
    """``value`` on one line: every control character (newlines too) a space, so it cannot start a TOML line."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", str(value))


def _toml(value: str) -> str:
    """A TOML basic string (control characters, which TOML forbids there, become spaces)."""
    return '"' + _one_line(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def config_text(*, name: str, slug: str, codes: list[str], la_names: dict[str, str], root: Path, data_dir: Path,
                mirror: Path | None, mode: str, hubs: pd.DataFrame | None, hubs_path: Path | None) -> str:
    """The TOML text of a new study area (relative paths from ``root``, the config's folder)."""
    london = all(c.startswith("E09") for c in codes)
    speeds = _SPEEDS["london" if london else "elsewhere"]
    why = ("walk: every LA is a London borough (E09), where families walk to services"
           if london else "drive: outside London, walking catchments mean little in towns and villages")
    lines = [
        f"# {_one_line(name)}: written by `python -m geo init` on {dt.date.today().isoformat()}.",
        "# " + "; ".join(f"{c} {la_names.get(c, c)}" for c in codes) + ".",
        "# Relative paths resolve against this file's folder.", "",
        "[study_area]", f"name = {_toml(name)}", f"slug = {_toml(slug)}",
        "la_codes = [" + ", ".join(_toml(c) for c in codes) + "]", "seed = 20261123", "",
        "[data]", f"boundaries_dir = {_toml(_rel(data_dir / 'boundaries', root))}",
        f"public_dir = {_toml(_rel(data_dir / 'extracts' / 'public', root))}",
    ]
    if mirror is not None:
        lines.append(f"mirror = {_toml(_rel(mirror, root))}")
    lines += ["", "[extracts]", "synthetic = false"]
    if hubs_path is not None:
        lines += ["# The council's hubs and spokes, located from their postcodes by `geo init`. Edit the file to change",
                  "# them: a library (or any building) that is a Family Hub site is a row with site_type = spoke and",
                  "# parent_hub_id = its hub (its venue_id in venues.csv says which library it is).",
                  f"hubs = {_toml(_rel(hubs_path, root))}"]
    lines += ["# Candidate outreach venues: schools, GP practices and open libraries from the national files (made by fetch).",
              f"venues = {_toml(_rel(data_dir / 'extracts' / 'public' / slug / 'venues.csv', root))}",
              "# NO SERVICE EXTRACTS YET: the build maps need and catchments, but take-up, reach and priority need the",
              "# council's quarterly extracts. Load them with `python -m geo ingest` or name the files here:",
              f"# review_takeup = {_toml(_rel(data_dir / 'extracts' / slug / 'review_takeup.csv', root))}",
              f"# hub_attendance = {_toml(_rel(data_dir / 'extracts' / slug / 'hub_attendance.csv', root))}",
              "", "[store]", "# Uploads from `geo ingest` and the app's Load data panel: an SQLite file in this (git-ignored)",
              "# folder; for a shared server set url = \"postgresql://...\" here or DATABASE_URL.",
              f"dir = {_toml(_rel(data_dir / 'store', root))}",
              "", "[population]", "under5_ratio = 0.30", "",
              "[travel]", f"# {why}; change mode to walk, bus or drive.",
              f"mode = {_toml(mode)}", "threshold_minutes = 15"]
    for m, (speed, detour) in speeds.items():
        lines += [f"[travel.modes.{m}]", f"speed_kmh = {speed}", f"detour = {detour}"]
    lines += ["", "[disclosure]", 'rule = "small-area"   # counts 1-4 shown as <5; or "nhs-england"', ""]
    if hubs is not None and len(hubs):
        lines += ["# Used only by `python -m geo demo --out DIR`: SYNTHETIC extracts around the real hub sites.",
                  "[demo]", "hubs = ["]
        for h in hubs.itertuples():
            parent = f", parent_hub_id = {_toml(h.parent_hub_id)}" if h.parent_hub_id else ""
            lines.append(f"  {{ hub_id = {_toml(h.hub_id)}, name = {_toml(h.name)}, la_code = {_toml(h.la_code)}, "
                         f"site_type = {_toml(h.site_type)}, lat = {h.lat}, lon = {h.lon}{parent} }},")
        lines.append("]")
    else:
        lines += ["# Used only by `python -m geo demo --out DIR`: SYNTHETIC extracts around 5 made-up hub sites.",
                  "[demo]", "hub_count = 5"]
    return "\n".join(lines) + "\n"
