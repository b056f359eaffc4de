"""The app's cache key: one hashable :class:`Scenario` per combination of inputs and analysis settings.

A :class:`Scenario` is the study area's inputs as they are on disk now (:class:`DataKey`: the
config file and every file it names, each stamped with its size, modification time and, for a
small file, its SHA-256) plus the analysis settings of the sidebar (need and engagement
weights, travel mode and minutes). It is frozen and made of tuples, so Streamlit's caches hash
it directly; a changed extract gives another key, so the app shows the new figures at once.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from geo.config import Config

__all__ = [
    "CACHE_HASH_FUNCS", "SMALL_FILE", "EXTRACT_HASH_LIMIT", "DataKey", "FileStamp", "Scenario", "Selection", "VenueChoice", "input_paths"]

#: files up to this size are also hashed (a rewrite that keeps size and modification time is seen)
SMALL_FILE = 256 * 1024
#: Council extracts named by the config are hashed up to this size (a changed count keeps size and time).
EXTRACT_HASH_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class FileStamp:
    """One input file as it is now: ``size = -1`` if it is missing.

    Parameters
    ----------
    path : str
        The file.
    size, mtime_ns : int
        Size in bytes and modification time in nanoseconds (``-1`` when missing).
    sha256 : str or None
        Content hash of a file of at most ``hash_limit`` bytes (:data:`SMALL_FILE`; the config's
        named files up to :data:`EXTRACT_HASH_LIMIT`).
    """

    path: str
    size: int
    mtime_ns: int
    sha256: str | None = None

    @classmethod
    def of(cls, path: str | Path, *, hash_limit: int = SMALL_FILE) -> FileStamp:
        """Stamp ``path`` now.

        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     p = Path(tmp) / "hubs.csv"
        ...     _ = p.write_text("hub_id\\nA\\n")
        ...     before = FileStamp.of(p)
        ...     _ = p.write_text("hub_id\\nB\\n")
        ...     (before.size, before == FileStamp.of(p), FileStamp.of(Path(tmp) / "gone.csv").size)
        (9, False, -1)
        """
        try:
            st = os.stat(path)
        except OSError:
            return cls(str(path), -1, -1)
        digest = None
        if st.st_size <= hash_limit:
            try:
                digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError:
                digest = None
        return cls(str(path), int(st.st_size), int(st.st_mtime_ns), digest)


def input_paths(config: Config) -> tuple[Path, ...]:
    """Every input of a study area: the config file, the files it names, its public data folders and
    its embedded store file (SQLite; a PostgreSQL store is seen after an upload through the app).

    Folders (the fetched boundaries and public data) stand for every file in them.
    """
    from geo.store import ENV_URL, default_path

    ex = config.extracts
    named = [ex.review_takeup, ex.hub_attendance, ex.hubs, ex.venues, ex.under5, ex.hub_areas,
             getattr(ex, "outreach_sessions", None), config.travel.network, config.export.basemap]
    store = [] if os.environ.get(ENV_URL) or config.store.url else [default_path(config)]
    return (config.path, *(Path(p) for p in named if p is not None), config.boundaries_dir, config.public_dir, *store)


def _digest(*parts) -> str:
    """A content digest of ``repr`` of some tuples, strings and numbers (exact and deterministic)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _stamps(paths: Iterable[str | Path]) -> tuple[FileStamp, ...]:
    out: list[FileStamp] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            out.extend(FileStamp.of(p) for p in sorted(path.iterdir()) if p.is_file())
        else:  # a file the config names: hashed in full up to EXTRACT_HASH_LIMIT
            out.append(FileStamp.of(path, hash_limit=EXTRACT_HASH_LIMIT))
    return tuple(out)


@dataclass(frozen=True)
class DataKey:
    """A study area's inputs as they are on disk now: equal keys, equal data.

    Parameters
    ----------
    config_path : str
        The config file.
    files : tuple of FileStamp
        The config file and every input it names (see :func:`input_paths`).
    """

    config_path: str
    files: tuple[FileStamp, ...]
    digest: str = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "digest", _digest(self.config_path, self.files))

    @classmethod
    def of(cls, config_path: str | Path, paths: Iterable[str | Path]) -> DataKey:
        """Stamp ``paths`` (folders: every file in them) for the study area of ``config_path``."""
        return cls(str(config_path), _stamps(paths))


@dataclass(frozen=True)
class Scenario:
    """The single cache key of the app's analysis: the data and the analysis settings.

    Parameters
    ----------
    data : DataKey
        The inputs on disk.
    need, engagement : tuple of (str, float)
        Weights of the need and engagement indices, sorted by name.
    mode : str
        Travel mode.
    minutes : float
        Travel threshold in minutes.
    period : str or None
        The period analysed (``None``: the study area's default, ``[study_area] period`` or the latest).
    pool : int or None
        Quarters pooled up to it (``None``: ``[analysis] pool_quarters``).
    """

    data: DataKey
    need: tuple[tuple[str, float], ...]
    engagement: tuple[tuple[str, float], ...]
    mode: str
    minutes: float
    period: str | None = None
    pool: int | None = None
    digest: str = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "digest", _digest(self.data.digest, self.need, self.engagement, self.mode, self.minutes,
                                                   self.period, self.pool))

    @classmethod
    def of(cls, data: DataKey, *, need: Mapping[str, float], engagement: Mapping[str, float],
           mode: str, minutes: float, period: str | None = None, pool: int | None = None) -> Scenario:
        """A scenario from the sidebar's values (weights in any order).

        >>> a = Scenario.of(DataKey("c.toml", ()), need={"imd": 0.3, "idaci": 0.5}, engagement={"review": 1.0},
        ...                 mode="walk", minutes=15)
        >>> b = Scenario.of(DataKey("c.toml", ()), need={"idaci": 0.5, "imd": 0.3}, engagement={"review": 1.0},
        ...                 mode="walk", minutes=15.0)
        >>> a == b and hash(a) == hash(b)
        True
        """
        return cls(data, tuple(sorted((k, float(v)) for k, v in need.items())),
                   tuple(sorted((k, float(v)) for k, v in engagement.items())), str(mode), float(minutes),
                   None if period is None else str(period), None if pool is None else int(pool))

    @property
    def config_path(self) -> str:
        return self.data.config_path

    def window(self, config: Config) -> Config:
        """``config`` analysing this scenario's period and pool (what :func:`geo.build.prepare` reads).

        >>> from geo.config import load_config
        >>> cfg = load_config("config.toml")
        >>> s = Scenario.of(DataKey("c.toml", ()), need={}, engagement={}, mode="walk", minutes=15, period="2025-Q2", pool=1)
        >>> w = s.window(cfg)
        >>> w.period, w.analysis.pool_quarters, s.window(cfg) == w
        ('2025-Q2', 1, True)
        """
        if self.period is None and self.pool is None:
            return config
        analysis = config.analysis if self.pool is None else replace(config.analysis, pool_quarters=self.pool)
        return config.with_(period=self.period if self.period is not None else config.period, analysis=analysis)

    def apply(self, config: Config) -> Config:
        """``config`` with this scenario's weights, travel mode and minutes (and its period and pool)."""
        config = self.window(config)
        return config.with_(
            weights=replace(config.weights, need=dict(self.need), engagement=dict(self.engagement)),
            travel=replace(config.travel, mode=self.mode, threshold_minutes=self.minutes),
        )


@dataclass(frozen=True)
class VenueChoice:
    """The venue controls: how many, per hub or in total (``scope``), of which types, forced in or out (sorted tuples)."""

    k: int
    types: tuple[str, ...] = ()
    force_in: tuple[str, ...] = ()
    force_out: tuple[str, ...] = ()
    scope: str = "hub"

    @classmethod
    def of(cls, *, k: int, types: Iterable[str], force_in: Iterable[str] = (), force_out: Iterable[str] = (),
           scope: str = "hub") -> VenueChoice:
        return cls(int(k), tuple(sorted(types)), tuple(sorted(force_in)), tuple(sorted(force_out)), str(scope))


@dataclass(frozen=True)
class Selection:
    """The areas the user looks at: geography level, local authorities and hubs (sorted tuples)."""

    level: str
    las: tuple[str, ...] = ()
    hubs: tuple[str, ...] = ()

    @classmethod
    def of(cls, *, level: str, las: Iterable[str] = (), hubs: Iterable[str] = ()) -> Selection:
        return cls(str(level), tuple(sorted(las)), tuple(sorted(hubs)))


#: ``hash_funcs`` for Streamlit's caches: the keys' precomputed digests (hashing the nested
#: dataclasses field by field would cost milliseconds per cached call on every rerun)
CACHE_HASH_FUNCS = {DataKey: lambda key: key.digest, Scenario: lambda key: key.digest,
                    FileStamp: repr, VenueChoice: repr, Selection: repr}
