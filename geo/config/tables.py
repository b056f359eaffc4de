"""The tables of a study-area TOML file, one reader each, every bad value a :class:`ConfigError`
naming the file and the key.

:func:`geo.config.load_config` calls them in the file's order: ``[study_area]``, ``[data]``,
``[extracts]``, ``[population]``, ``[travel]``, ``[model]``, ``[disclosure]``, ``[demo]``,
``[export]``, ``[map]``, ``[analysis]`` and ``[targets]``.

Examples
--------
>>> from pathlib import Path
>>> read_disclosure({"rule": "nhs-england"}, Path("config.toml"))
(8, 'nhs-england', 5)
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.config.settings import (
    Config,
    ConfigError,
    ExportSettings,
    Extracts,
    ModelWeights,
    StoreSettings,
    Travel,
    TravelMode,
)

if TYPE_CHECKING:
    from geo.maps.tiles import TileSettings

__all__ = ["KNOWN_TABLES", "EXTRACT_RULES", "read_toml", "read_study_area", "read_data", "read_extracts", "read_travel",
           "read_model", "read_under5_ratio", "read_disclosure", "read_period", "read_seed", "read_demo", "read_export", "read_tiles",
           "read_analysis", "read_store"]

LA_CODE = re.compile(r"^E0[6789]\d{6}$")

KNOWN_TABLES = {"study_area", "data", "extracts", "population", "travel", "model", "disclosure", "demo", "export", "map"}
KNOWN_TABLES |= {"analysis", "targets"}  # monitoring: see geo.monitoring.settings
KNOWN_TABLES |= {"store"}  # uploaded extracts: see geo.store
KNOWN_TABLES |= {"groups"}  # group vocabularies: see geo.config.groups


def read_toml(path: Path) -> dict:
    """The parsed TOML file (UTF-8, valid TOML, only known tables)."""
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(raw) - KNOWN_TABLES
    if unknown:
        raise ConfigError(f"{path}: unknown table(s) {sorted(unknown)}; expected {sorted(KNOWN_TABLES)}")
    return raw


def read_study_area(sa: Any, path: Path) -> tuple[str, str, tuple[str, ...]]:
    """``[study_area]``: (name, slug, LA codes); ``("all",)`` for every English LA."""
    if not isinstance(sa, dict):
        raise ConfigError(f"{path}: missing [study_area] table with name, slug and la_codes")
    name = sa.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{path}: [study_area] name must be a non-empty string")
    slug = sa.get("slug", "")
    if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9_-]+", slug):
        raise ConfigError(f"{path}: [study_area] slug must be lower-case letters, digits, - or _; got {slug!r}")
    codes = sa.get("la_codes")
    if codes == "all":
        return name.strip(), slug, ("all",)
    if not isinstance(codes, list) or not codes:
        raise ConfigError(f"{path}: [study_area] la_codes must be a non-empty list of ONS LA codes (or \"all\")")
    bad = [c for c in codes if not isinstance(c, str) or not LA_CODE.match(c)]
    if bad:
        raise ConfigError(
            f"{path}: [study_area] la_codes has value(s) that are not English LA codes (E06/E07/E08/E09 + 6 digits): {bad}"
        )
    return name.strip(), slug, tuple(dict.fromkeys(codes))


def read_data(data: Any, slug: str, root: Path, path: Path) -> dict[str, Any]:
    """``[data]``: the ``boundaries_dir``, ``public_dir``, ``mirror`` and ``venue_school_phases`` of a Config."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [data] must be a table")
    boundaries_dir = _resolve(root, data.get("boundaries_dir", "data/boundaries"), "data.boundaries_dir", path) / slug
    public_dir = _resolve(root, data.get("public_dir", "data/extracts/public"), "data.public_dir", path) / slug
    mirror = _resolve(root, data["mirror"], "data.mirror", path) if data.get("mirror") else None
    phases = data.get("venue_school_phases", list(Config.venue_school_phases))
    if phases == "all":
        venue_school_phases: tuple[str, ...] = ("all",)
    elif isinstance(phases, list) and phases and all(isinstance(p, str) and p.strip() for p in phases):
        venue_school_phases = tuple(dict.fromkeys(p.strip() for p in phases))
    else:
        raise ConfigError(
            f"{path}: [data] venue_school_phases must be \"all\" or a non-empty list of GIAS education phases "
            f"(e.g. [\"Nursery\", \"Primary\", \"All-through\"]), got {phases!r}"
        )
    return {"boundaries_dir": boundaries_dir, "public_dir": public_dir, "mirror": mirror,
            "venue_school_phases": venue_school_phases}


def read_extracts(ex: Any, root: Path, path: Path) -> Extracts:
    """``[extracts]``: the extracts' paths, ``synthetic``, the rules and the ``<extract>_sheet`` names."""
    if not isinstance(ex, dict):
        raise ConfigError(f"{path}: [extracts] must be a table")
    known_ex = {"review_takeup", "hub_attendance", "hubs", "venues", "under5", "hub_areas", "outreach_sessions", "synthetic"}
    rules = _extract_rules(ex, path)
    unknown = set(ex) - known_ex - set(rules) - {f"{k}_sheet" for k in known_ex}
    if unknown:
        raise ConfigError(f"{path}: [extracts] unknown key(s) {sorted(unknown)}; expected {sorted(known_ex | set(EXTRACT_RULES))} "
                          "or <extract>_sheet")
    ex_paths = {}
    for key in known_ex - {"synthetic"}:
        if ex.get(key):
            p = _resolve(root, ex[key], f"extracts.{key}", path)
            ex_paths[key] = p
    synthetic = ex.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise ConfigError(f"{path}: [extracts] synthetic must be true or false")
    return Extracts(**ex_paths, synthetic=synthetic, **rules)


def read_travel(tr: Any, root: Path, path: Path) -> Travel:
    """``[travel]``: default mode, threshold, mode speeds and detours, street network."""
    if not isinstance(tr, dict):
        raise ConfigError(f"{path}: [travel] must be a table")
    modes = dict(Travel().modes)
    for mname, mt in (tr.get("modes") or {}).items():
        if not isinstance(mt, dict):
            raise ConfigError(f"{path}: [travel.modes.{mname}] must be a table with speed_kmh and detour")
        modes[mname] = TravelMode(
            _number(mt, "speed_kmh", modes.get(mname, TravelMode(4.5, 1.3)).speed_kmh, path, f"travel.modes.{mname}", lo=0.1, hi=200),
            _number(mt, "detour", modes.get(mname, TravelMode(4.5, 1.3)).detour, path, f"travel.modes.{mname}", lo=1.0, hi=5.0),
        )
    mode = tr.get("mode", "walk")
    if mode not in modes:
        raise ConfigError(f"{path}: [travel] mode = {mode!r} is not one of {sorted(modes)}")
    network = _resolve(root, tr["network"], "travel.network", path) if tr.get("network") else None
    return Travel(
        mode=mode,
        threshold_minutes=_number(tr, "threshold_minutes", 15.0, path, "travel", lo=1, hi=240),
        modes=modes,
        network=network,
    )


def read_model(md: Any, path: Path) -> ModelWeights:
    """``[model]``: need and engagement weights, percentiles, ``top_n`` and ``rank_draws``."""
    if not isinstance(md, dict):
        raise ConfigError(f"{path}: [model] must be a table")
    dw = ModelWeights()
    return ModelWeights(
        need=_weights(md.get("need_weights"), dw.need, path, "model.need_weights"),
        engagement=_weights(md.get("engagement_weights"), dw.engagement, path, "model.engagement_weights"),
        high_need_percentile=_number(md, "high_need_percentile", 50.0, path, "model", lo=0, hi=100),
        low_engagement_percentile=_number(md, "low_engagement_percentile", 50.0, path, "model", lo=0, hi=100),
        top_n=_whole(md, "top_n", 20, path, "model", lo=1, hi=100_000),
        rank_draws=_whole(md, "rank_draws", 1000, path, "model", lo=10, hi=100_000),
    )


def read_under5_ratio(pop: Any, path: Path) -> float:
    """``[population] under5_ratio``."""
    return _number(pop, "under5_ratio", 0.30, path, "population", lo=0.01, hi=1.0)


def read_seed(sa: dict, path: Path) -> int:
    """``[study_area] seed``."""
    seed = sa.get("seed", 20261123)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"{path}: [study_area] seed must be a whole number")
    return seed


def _resolve(root: Path, value: Any, key: str, path: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path}: '{key}' must be a non-empty path string, got {value!r}")
    p = Path(value).expanduser()
    return p if p.is_absolute() else (root / p)


def _number(table: dict, key: str, default: float, path: Path, where: str, *, lo=None, hi=None) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"{path}: [{where}] {key} must be a finite number, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{path}: [{where}] {key} = {value} is outside {lo}..{hi}")
    return float(value)


def _whole(table: dict, key: str, default: int, path: Path, where: str, *, lo: int, hi: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{path}: [{where}] {key} must be a whole number from {lo} to {hi}, got {value!r}")
    return value


def _weights(table: Any, default: dict[str, float], path: Path, where: str) -> dict[str, float]:
    if table is None:
        return dict(default)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{where}] must be a table of weights")
    unknown = set(table) - set(default)
    if unknown:
        raise ConfigError(
            f"{path}: [{where}] has unknown weight(s) {sorted(unknown)}; expected {sorted(default)}"
        )
    out = dict(default)
    for key in table:
        out[key] = _number(table, key, 0.0, path, where, lo=0)
    if sum(out.values()) <= 0:
        raise ConfigError(f"{path}: [{where}] weights must not all be zero")
    return out


_DISCLOSURE_PRESETS = {"small-area": (5, 1), "nhs-england": (8, 5)}


def read_disclosure(disc: Any, path: Path) -> tuple[int, str, int]:
    """``[disclosure]``: (threshold, rule name, rounding); a bare ``threshold`` means a custom rule."""
    if not isinstance(disc, dict):
        raise ConfigError(f"{path}: [disclosure] must be a table")
    name = disc.get("rule", "custom" if "threshold" in disc or "rounding" in disc else "small-area")
    if name not in (*_DISCLOSURE_PRESETS, "custom"):
        raise ConfigError(f"{path}: [disclosure] rule must be one of \"small-area\", \"nhs-england\", \"custom\", got {name!r}")
    if name != "custom":
        extra = sorted({"threshold", "rounding"} & set(disc))
        if extra:
            raise ConfigError(f"{path}: [disclosure] {', '.join(extra)} can only be set with rule = \"custom\" ({name} fixes them)")
        threshold, rounding = _DISCLOSURE_PRESETS[name]
        return threshold, name, rounding
    threshold, rounding = disc.get("threshold", 5), disc.get("rounding", 1)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= 100:
        raise ConfigError(f"{path}: [disclosure] threshold must be a whole number from 1 to 100, got {threshold!r}")
    if isinstance(rounding, bool) or not isinstance(rounding, int) or not 1 <= rounding <= 100:
        raise ConfigError(f"{path}: [disclosure] rounding must be a whole number from 1 to 100, got {rounding!r}")
    return threshold, name, rounding



def read_tiles(table: Any, path: Path) -> TileSettings | None:
    """The ``[map]`` table (see :mod:`geo.maps.tiles`)."""
    from geo.maps.tiles import TilesError, map_settings

    try:
        return map_settings(table, path)
    except TilesError as exc:
        raise ConfigError(str(exc)) from None


def read_analysis(raw: dict, path: Path):
    """The ``[analysis]`` and ``[targets]`` tables (see :mod:`geo.monitoring.settings`)."""
    from geo.monitoring.settings import parse_analysis

    try:
        return parse_analysis(raw.get("analysis", {}), raw.get("targets", {}), path)
    except ValueError as err:
        raise ConfigError(str(err)) from None


def read_export(table: Any, root: Path, path: Path) -> ExportSettings:
    """The ``[export]`` table: ``basemap`` (a GeoTIFF, must exist) and its ``basemap_attribution``."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [export] must be a table")
    known = {"basemap", "basemap_attribution"}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(f"{path}: [export] unknown key(s) {sorted(unknown)}; expected {sorted(known)}")
    attribution = table.get("basemap_attribution", "")
    if not isinstance(attribution, str):
        raise ConfigError(f"{path}: [export] basemap_attribution must be a string")
    if not table.get("basemap"):
        if attribution.strip():
            raise ConfigError(f"{path}: [export] basemap_attribution is set but no basemap is named")
        return ExportSettings()
    basemap = _resolve(root, table["basemap"], "export.basemap", path)
    if not basemap.is_file():
        raise ConfigError(f"{path}: [export] basemap = {table['basemap']!r}: file not found ({basemap})")
    if not attribution.strip():
        raise ConfigError(f"{path}: [export] basemap_attribution is required with a basemap (its licence and "
                          "source, printed on every map drawn over it)")
    return ExportSettings(basemap=basemap, basemap_attribution=" ".join(attribution.split()))


def read_demo(table: Any, path: Path) -> dict:
    """The ``[demo]`` table: hub sites for the synthetic generator (see :mod:`geo.demo`)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [demo] must be a table")
    known = {"hubs", "hub_wards", "hub_count", "hub_id_prefix", "planted"}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(f"{path}: [demo] unknown key(s) {sorted(unknown)}; expected {sorted(known)}")
    for i, hub in enumerate(table.get("hubs", [])):
        missing = {"hub_id", "name", "la_code", "site_type", "lat", "lon"} - set(hub)
        if missing:
            raise ConfigError(f"{path}: [[demo.hubs]] entry {i + 1} lacks {sorted(missing)}")
    return dict(table)


#: ``[extracts]`` settings other than paths: name -> (default, check, what it must be).
EXTRACT_RULES = {
    "quarters": ("financial", lambda v: v in ("financial", "calendar"), '"financial" (Q1 = Apr-Jun) or "calendar" (Q1 = Jan-Mar)'),
    "max_count": (10_000, lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 10_000_000,
                  "a whole number from 1 to 10,000,000"),
    "max_per_under5": (2.0, lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0.5 <= v <= 100,  # NaN fails
                       "a number from 0.5 to 100"),
    "group_columns": ((), lambda v: isinstance(v, (list, tuple)) and all(isinstance(c, str) and re.fullmatch(r"[a-z][a-z0-9_]*", c)
                                                                      for c in v), 'a list of column names such as ["language"]'),
}


def _extract_rules(table: dict, path: Path) -> dict:
    """The ``[extracts]`` rules (quarters convention, count caps) and ``<extract>_sheet`` names."""
    out: dict[str, Any] = {}
    for key, (default, ok, what) in EXTRACT_RULES.items():
        value = table.get(key, default)
        if not ok(value):
            raise ConfigError(f"{path}: [extracts] {key} must be {what}, got {value!r}")
        out[key] = float(value) if key == "max_per_under5" else tuple(value) if key == "group_columns" else value
    sheets = {}
    for key, value in table.items():
        if key.endswith("_sheet"):
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{path}: [extracts] {key} must be the name of a sheet, got {value!r}")
            sheets[key.removesuffix("_sheet")] = value
    out["sheets"] = sheets
    return out


def read_period(value: Any, quarters: str, path: Path) -> str | None:
    """``[study_area] period``: any spelling :func:`geo.inputs.periods.parse_period` reads, or ``"latest"``."""
    if value is None or value == "latest":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{path}: [study_area] period must be a string such as \"2025-Q4\" or \"Q4 2025/26\"")
    from geo.inputs.periods import parse_period

    try:
        parse_period(value, quarters=quarters)
    except ValueError as err:
        raise ConfigError(f"{path}: [study_area] period: {err}") from None
    return value


def read_store(table: Any, root: Path, path: Path) -> StoreSettings:
    """The ``[store]`` table: ``url`` (a database URL), ``dir`` (of the SQLite default) and ``user_header``."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [store] must be a table")
    known = {"url", "dir", "user_header"}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(f"{path}: [store] unknown key(s) {sorted(unknown)}; expected {sorted(known)}")
    url = table.get("url")
    if url is not None and (not isinstance(url, str) or "://" not in url):
        raise ConfigError(f"{path}: [store] url must be a database URL such as \"postgresql://user@host/db\"")
    header = table.get("user_header", StoreSettings.user_header)
    if not isinstance(header, str) or not re.fullmatch(r"[A-Za-z0-9-]+", header):
        raise ConfigError(f"{path}: [store] user_header must be an HTTP header name such as \"X-Forwarded-User\", got {header!r}")
    return StoreSettings(url=url or None, dir=_resolve(root, table.get("dir", "data/store"), "store.dir", path), user_header=header)
