"""Study-area configuration: one object that flows through the whole pipeline.

A study area is described by a TOML file (``config.toml`` at the repository root is the
bi-borough demo). Relative paths in the file resolve against the file's own folder, so a
config can be moved together with its extracts.

The settings are in :mod:`geo.config.settings`, the reader of each TOML table in
:mod:`geo.config.tables`; :func:`load_config` reads them in order.

Examples
--------
>>> from geo.config import load_config
>>> cfg = load_config("config.toml")            # doctest: +SKIP
>>> cfg.la_codes                                 # doctest: +SKIP
('E09000033', 'E09000020')
"""

from __future__ import annotations

from pathlib import Path

from geo.config.settings import Config, ConfigError, ExportSettings, Extracts, ModelWeights, Travel, TravelMode
from geo.config.tables import (
    read_analysis,
    read_data,
    read_demo,
    read_disclosure,
    read_export,
    read_extracts,
    read_model,
    read_period,
    read_seed,
    read_store,
    read_study_area,
    read_tiles,
    read_toml,
    read_travel,
    read_under5_ratio,
)

__all__ = [
    "Config",
    "ConfigError",
    "TravelMode",
    "Travel",
    "ModelWeights",
    "Extracts",
    "ExportSettings",
    "load_config",
]

def _with_groups(extracts: Extracts, table, path: Path) -> Extracts:
    """``extracts`` with every group column's vocabulary (``[groups]``, :mod:`geo.config.groups`)."""
    from dataclasses import replace

    from geo.config.groups import read_groups

    try:
        return replace(extracts, groups=read_groups(table, extracts.group_columns, path))
    except ValueError as err:
        raise ConfigError(str(err)) from None


def load_config(path: str | Path) -> Config:
    """Read and validate a study-area TOML file.

    Parameters
    ----------
    path : str or Path
        The TOML file.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        With a message naming the file and the key at fault.

    Examples
    --------
    >>> cfg = load_config("config.toml")        # doctest: +SKIP
    >>> cfg.travel.threshold_minutes             # doctest: +SKIP
    15.0
    """
    path = Path(path).expanduser().resolve()
    raw = read_toml(path)
    root = path.parent
    sa = raw.get("study_area")
    name, slug, la_codes = read_study_area(sa, path)
    data = read_data(raw.get("data", {}), slug, root, path)
    extracts = read_extracts(raw.get("extracts", {}), root, path)
    extracts = _with_groups(extracts, raw.get("groups", {}), path)
    under5_ratio = read_under5_ratio(raw.get("population", {}), path)
    travel = read_travel(raw.get("travel", {}), root, path)
    weights = read_model(raw.get("model", {}), path)
    threshold, rule_name, rounding = read_disclosure(raw.get("disclosure", {}), path)
    period = read_period(sa.get("period"), extracts.quarters, path)
    seed = read_seed(sa, path)
    return Config(
        name=name,
        slug=slug,
        la_codes=la_codes,
        path=path,
        **data,
        under5_ratio=under5_ratio,
        period=period,
        disclosure_threshold=threshold,
        disclosure_rule=rule_name,
        disclosure_rounding=rounding,
        seed=seed,
        extracts=extracts,
        travel=travel,
        weights=weights,
        demo=read_demo(raw.get("demo", {}), path),
        export=read_export(raw.get("export", {}), root, path),
        tiles=read_tiles(raw.get("map", {}), path),
        analysis=read_analysis(raw, path),
        store=read_store(raw.get("store", {}), root, path),
    )
