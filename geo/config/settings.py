"""The settings of a study area: :class:`Config` and the tables it is made of (all immutable).

:func:`geo.config.load_config` builds them from a TOML file (see :mod:`geo.config.tables`).

Examples
--------
>>> from geo.config.settings import Travel
>>> Travel().speed_kmh, Travel(mode="bus").detour
(4.5, 1.4)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geo.maps.tiles import TileSettings

__all__ = ["Config", "ConfigError", "TravelMode", "Travel", "ModelWeights", "Extracts", "ExportSettings", "StoreSettings"]


class ConfigError(ValueError):
    """A configuration file is missing, unreadable or has a bad value."""


@dataclass(frozen=True)
class TravelMode:
    """Speed and detour factor of one travel mode (straight-line distance model)."""

    speed_kmh: float
    detour: float


@dataclass(frozen=True)
class Travel:
    """Travel-time settings.

    ``mode`` is the default mode; ``modes`` maps mode names to speeds and detour factors.
    ``network`` optionally names a street network (GraphML or a GeoPackage with an
    ``edges`` layer) for shortest-path travel times.
    """

    mode: str = "walk"
    threshold_minutes: float = 15.0
    modes: dict[str, TravelMode] = field(
        default_factory=lambda: {
            "walk": TravelMode(4.5, 1.3),
            "bus": TravelMode(12.0, 1.4),
            "drive": TravelMode(30.0, 1.3),
        }
    )
    network: Path | None = None

    @property
    def speed_kmh(self) -> float:
        return self.modes[self.mode].speed_kmh

    @property
    def detour(self) -> float:
        return self.modes[self.mode].detour


@dataclass(frozen=True)
class ModelWeights:
    """Weights of the need and engagement indices (each group is normalised to sum 1)."""

    need: dict[str, float] = field(
        default_factory=lambda: {"idaci": 0.5, "imd": 0.3, "under5": 0.2}
    )
    engagement: dict[str, float] = field(
        default_factory=lambda: {"review": 0.5, "reach": 0.5}
    )
    high_need_percentile: float = 50.0
    low_engagement_percentile: float = 50.0
    #: ``p_top`` is the probability of ranking among the top ``top_n`` (models.uncertainty).
    top_n: int = 20
    #: Posterior draws behind the rank intervals and ``p_top``.
    rank_draws: int = 1000


@dataclass(frozen=True)
class Extracts:
    """Paths of the service extracts (``None`` where not supplied)."""

    review_takeup: Path | None = None
    hub_attendance: Path | None = None
    hubs: Path | None = None
    venues: Path | None = None
    under5: Path | None = None
    hub_areas: Path | None = None
    #: Outreach sessions (``session_id, date, hub_id, type`` and a location): see :mod:`geo.monitoring.sessions`.
    outreach_sessions: Path | None = None
    synthetic: bool = False
    #: What ``2025-Q4`` means: ``"financial"`` (Q1 = Apr-Jun, the default) or ``"calendar"``.
    quarters: str = "financial"
    #: No count in one row may exceed this.
    max_count: int = 10_000
    #: No LSOA/ward row may count more children than this multiple of its estimated under-5s (+ 10).
    max_per_under5: float = 2.0
    #: XLSX sheet to read per extract (``<extract>_sheet`` keys); the first sheet otherwise.
    sheets: dict = field(default_factory=dict)
    #: Group columns besides ``ethnic_group`` (``[extracts] group_columns``) and every group column's
    #: vocabulary (``[groups.<column>]``): see :mod:`geo.config.groups`.
    group_columns: tuple = ()
    groups: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ExportSettings:
    """The ``[export]`` table: a local basemap GeoTIFF for the exported maps (optional).

    ``basemap_attribution`` is required with ``basemap``: it is printed on every map drawn
    over it (see :mod:`geo.maps.basemap`).
    """

    basemap: Path | None = None
    basemap_attribution: str = ""


@dataclass(frozen=True)
class StoreSettings:
    """The ``[store]`` table: where uploaded extracts are kept (see :mod:`geo.store`).

    ``url`` is a SQLAlchemy database URL (``postgresql://...``; the environment variable
    ``DATABASE_URL`` wins over it); without either, an SQLite file ``<dir>/<slug>.sqlite``
    (``dir`` default ``data/store`` beside the config). ``user_header`` is the HTTP header in
    which the council's sign-in proxy passes the signed-in user's name to the app.
    """

    url: str | None = None
    dir: Path | None = None
    user_header: str = "X-Forwarded-User"


@dataclass(frozen=True)
class Config:
    """Everything the pipeline needs to know about one study area.

    Parameters
    ----------
    name : str
        Human-readable name of the study area.
    slug : str
        Short name used for folders of fetched and derived data.
    la_codes : tuple of str
        ONS codes of the local authority districts (E06/E07/E08/E09).
    path : Path
        The TOML file this config was read from (its folder anchors relative paths).
    boundaries_dir, public_dir : Path
        Where ``fetch`` writes clipped boundaries and public tables for this study area.
    mirror : Path or None
        Default local mirror of the public data (laid out like ``shared/data``).
    venue_school_phases : tuple of str
        GIAS ``education_phase`` values of the schools ``fetch`` keeps as candidate venues
        (default nursery, primary and all-through); ``("all",)`` keeps every open school.
    under5_ratio : float
        Under-5s as a share of the Census 0-15 count, used where no under-5 file is given.
    period : str or None
        The one period to analyse in every extract, in any spelling
        :func:`geo.inputs.periods.parse_period` reads (``[study_area] period``; the CLI's
        ``--period`` sets it with ``config.with_(period=...)``); ``None``: the latest period
        every extract has.
    disclosure_threshold : int
        Counts from 1 to ``threshold - 1`` are suppressed in anything shown or exported.
    disclosure_rule : str
        ``[disclosure] rule``: ``"small-area"`` (default), ``"nhs-england"`` or ``"custom"``
        (see :meth:`geo.disclosure.DisclosureRule.preset`).
    disclosure_rounding : int
        Shown counts are rounded to the nearest multiple of this (1: exact).
    export : ExportSettings
        Export options (a local basemap).
    tiles : geo.maps.tiles.TileSettings or None
        Basemap tiles of the web map (the ``[map]`` table); ``None``: no tiles, no other host.
    analysis : geo.monitoring.settings.Analysis
        Monitoring settings (``[analysis]``: pooled quarters, outreach exposure distance, false
        discovery rate) and the ``[targets]`` per measure.
    """

    name: str
    slug: str
    la_codes: tuple[str, ...]
    path: Path
    boundaries_dir: Path
    public_dir: Path
    mirror: Path | None = None
    venue_school_phases: tuple[str, ...] = ("Nursery", "Primary", "All-through")
    under5_ratio: float = 0.30
    period: str | None = None
    disclosure_threshold: int = 5
    disclosure_rule: str = "small-area"
    disclosure_rounding: int = 1
    seed: int = 20261123
    extracts: Extracts = field(default_factory=Extracts)
    travel: Travel = field(default_factory=Travel)
    weights: ModelWeights = field(default_factory=ModelWeights)
    demo: dict = field(default_factory=dict)
    export: ExportSettings = field(default_factory=ExportSettings)
    tiles: TileSettings | None = None
    #: ``[store]``: the database of uploaded extracts (see :mod:`geo.store`).
    store: StoreSettings = field(default_factory=StoreSettings)

    #: ``[analysis]`` and ``[targets]`` (see :mod:`geo.monitoring.settings`).
    analysis: Any = None

    def __post_init__(self) -> None:
        if self.analysis is None:
            from geo.monitoring.settings import Analysis

            object.__setattr__(self, "analysis", Analysis())

    @property
    def root(self) -> Path:
        """Folder of the config file: relative paths resolve against it."""
        return self.path.parent

    def with_(self, **changes: Any) -> Config:
        """Return a copy with some fields replaced (configs are immutable)."""
        return replace(self, **changes)

