"""The one gate's tables of a build, computed once per build and rule and shared by every panel.

Every table, download, profile and headline of the app shows cells of these tables, so the app
and the ILT pack show the same cells for the same inputs (:func:`geo.disclosure.gate.export_tables`).
"""

from __future__ import annotations

import threading

from geo.disclosure import DisclosureRule
from geo.disclosure.gate import ExportTables, export_tables

__all__ = ["gated_tables"]

_GATED: dict = {}
_GATING: dict = {}  # one lock per build and rule: a second caller (the app's warm-up thread) waits, never recomputes
_GATING_LOCK = threading.Lock()


def gated_tables(result, rule: DisclosureRule) -> ExportTables:
    """The LSOA, ward and hub tables exactly as the pack publishes them (one gate, cached per build and rule).

    Every table, download, profile and headline of the app shows cells of these tables (rows
    of the selection), so the app and the pack show the same cells for the same inputs.
    Thread-safe: the app computes them ahead for the study areas not yet shown.
    """
    memo = (id(result), rule)
    with _GATING_LOCK:
        lock = _GATING.setdefault(memo, threading.Lock())
    with lock:
        if memo not in _GATED or _GATED[memo][0] is not result:
            if len(_GATED) >= 4:
                _GATED.pop(next(iter(_GATED)))
            _GATED[memo] = (result, export_tables(result, rule))
        return _GATED[memo][1]
