"""What a pack covers and in what order: its hubs, its sections and its progress steps.

Examples
--------
>>> page_plan(["A", "B"])
['cover', 'hub:A', 'hub:B', 'wards', 'visits:A', 'visits:B']
"""

from __future__ import annotations

import datetime as dt
import os
import sys

import pandas as pd

from geo.errors import DataError
from geo.safety import printable

__all__ = ["Progress", "generation_date", "pack_hub_ids", "listed_hub_ids", "hub_name", "steps", "page_plan"]


class Progress:
    """Numbered progress lines on stderr: ``[3/9] hub WCC-BES map…``.

    Examples
    --------
    >>> p = Progress(2, stream=sys.stdout)
    >>> p("tables")
    [1/2] tables…
    """

    def __init__(self, total: int, stream=None, enabled: bool = True):
        self.total, self.done, self.stream, self.enabled = total, 0, stream, enabled

    def __call__(self, message: str) -> None:
        self.done += 1
        if self.enabled:
            print(f"[{self.done}/{self.total}] {printable(message)}…", file=self.stream or sys.stderr, flush=True)


def generation_date(value: dt.date | None = None) -> dt.date:
    """The date printed on a pack: ``value``, else ``SOURCE_DATE_EPOCH`` (reproducible builds), else today."""
    if value is not None:
        return value
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


def pack_hub_ids(result, hub: str | None = None) -> list[str]:
    """Hub ids a pack covers: every ``site_type == "hub"`` in hub-id order, or the one asked for.

    Raises
    ------
    DataError
        If ``hub`` is not a hub of the study area (spokes have no page of their own).
    """
    hubs = result.hubs
    if hubs is None or not len(hubs):
        raise DataError(f"{result.config.path}: no hubs file is configured ([extracts] hubs): a pack is organised by hub")
    ids = sorted(hubs.loc[hubs["site_type"].astype(str) == "hub", "hub_id"].astype(str))
    if hub is None:
        return ids
    if hub not in ids:
        spokes = set(hubs["hub_id"].astype(str)) - set(ids)
        why = " (it is a spoke: ask for its hub)" if hub in spokes else ""
        raise DataError(f"unknown hub id {hub!r}{why}; hubs of {result.config.name}: {', '.join(ids)}")
    return [hub]


def listed_hub_ids(config) -> list[str] | None:
    """Hub ids in the config's hubs file, read without validation (to reject a bad ``--hub`` early).

    Returns None when the file cannot be read as a CSV with ``hub_id`` and ``site_type``: the
    build then reports the problems properly.
    """
    path = config.extracts.hubs
    if path is None:
        return []
    try:
        hubs = pd.read_csv(path, dtype=str, usecols=["hub_id", "site_type"])
    except (OSError, ValueError, pd.errors.ParserError):
        return None
    return sorted(hubs.loc[hubs["site_type"].str.strip() == "hub", "hub_id"].str.strip().dropna())


def hub_name(hubs: pd.DataFrame, hub_id: str) -> str:
    """The name of a hub in the hubs table (its id if it has none).

    Examples
    --------
    >>> hub_name(pd.DataFrame({"hub_id": ["A"], "name": ["Abbey"]}), "A"), hub_name(pd.DataFrame({"hub_id": [], "name": []}), "B")
    ('Abbey', 'B')
    """
    m = hubs.loc[hubs["hub_id"] == hub_id, "name"]
    return str(m.iloc[0]) if len(m) else hub_id


def steps(n_hubs: int) -> int:
    """Progress steps of :func:`export_pack` for ``n_hubs`` hubs (the hubs' maps are one step, in the helper)."""
    return 6


def page_plan(hub_ids: list[str], *, area: bool = False) -> list[str]:
    """The pack's sections in order: cover, each hub, the ward summary, the study area's sections
    from other features (``area``), each hub's visit list. A section may run over several pages
    (:attr:`geo.export.pack.ExportResult.pages` says what each page is).

    Examples
    --------
    >>> page_plan(["A", "B"], area=True)
    ['cover', 'hub:A', 'hub:B', 'wards', 'area', 'visits:A', 'visits:B']
    """
    return ["cover"] + [f"hub:{h}" for h in hub_ids] + ["wards"] + (["area"] if area else []) + [f"visits:{h}" for h in hub_ids]
