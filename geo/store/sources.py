"""Where the build reads each extract: the store where it holds data of that kind, else the config's file.

:func:`extract_sources` is the build's one seam: for each kind the store holds, the extract
path becomes a :class:`~geo.inputs.memory.MemoryFile` of the store's current rows (every
period's latest upload) in the extract's own schema, so the SAME validators and period logic
run on them as on a file.
"""

from __future__ import annotations

from dataclasses import replace

from geo.inputs.memory import MemoryFile
from geo.store.db import KINDS, open_store

__all__ = ["extract_sources", "STORE_PREFIX"]

#: The name the store's rows of a kind go by in messages and ``reconciliation.json`` (``store:review_takeup.csv``).
STORE_PREFIX = "store:"


def extract_sources(config, *, store=None):
    """``config`` with each extract the store holds read from the store, and a note per kind saying which source.

    Parameters
    ----------
    config : geo.config.Config
    store : geo.store.Store, optional
        The store (default: :func:`geo.store.open_store` of ``config``; none if the embedded
        SQLite file does not exist).

    Returns
    -------
    (Config, list of str)
        The config to validate with, and notes such as ``"review_takeup: store (3 uploads, 8 periods)"``.
    """
    store = store if store is not None else open_store(config, create=False)
    if store is None:
        return config, []
    changes, notes = {}, []
    try:
        for kind in KINDS:
            held = store.current(kind)
            if held is None:
                if getattr(config.extracts, kind) is not None:
                    notes.append(f"{kind}: file {getattr(config.extracts, kind).name} (the store holds none)")
                continue
            rows, upload_ids = held
            changes[kind] = MemoryFile(f"{STORE_PREFIX}{kind}.csv", rows.to_csv(index=False).encode())
            notes.append(f"{kind}: store ({len(upload_ids)} upload{'s' * (len(upload_ids) != 1)}, "
                         f"{rows['period'].nunique()} period{'s' * (rows['period'].nunique() != 1)}; "
                         f"upload id(s) {', '.join(map(str, upload_ids))})")
    finally:
        store.engine.dispose()
    if not changes:
        return config, notes
    sheets = {k: v for k, v in config.extracts.sheets.items() if k not in changes}
    return config.with_(extracts=replace(config.extracts, **changes, sheets=sheets)), notes
