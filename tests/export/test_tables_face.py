"""geo.export.tables re-exports the disclosure gate's public names (one list: the gate's ``__all__``)."""

from __future__ import annotations

import geo.disclosure.gate as gate
import geo.export.tables as tables


def test_every_gate_name_is_the_gates_own_object_in_export_tables():
    missing = [name for name in gate.__all__ if not hasattr(tables, name)]
    assert missing == [], f"add {missing} to geo.export.tables' import from the gate"
    assert all(getattr(tables, name) is getattr(gate, name) for name in gate.__all__)
    assert set(tables.__all__) == set(gate.__all__) | {"reconciliation_table", "SITES_EXPORT_COLUMNS", "hub_sites"}
    assert len(tables.__all__) == len(set(tables.__all__))
