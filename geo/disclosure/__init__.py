"""Statistical disclosure control: the one gate every published table, figure and tooltip passes.

The rule comes from the config's ``[disclosure]`` table (presets ``small-area``: counts 1-4
withheld; ``nhs-england``: 1-7 shown as ``*`` and other counts rounded to 5; or ``custom``):
:mod:`~geo.disclosure.rule`. One table is suppressed by :mod:`~geo.disclosure.suppress`
(primary, derived and secondary suppression, proved by an integer attack); the tables published
together are linked by :mod:`~geo.disclosure.linked` and :mod:`~geo.disclosure.gate`
(:func:`export_tables`, used by the pack and the app alike); statistics derived from counts
(rates, smoothed rates, bands, ranks, ``p_top``) follow :data:`~geo.disclosure.derived.COLUMN_POLICY`
and are attacked through the README's formulas (:mod:`~geo.disclosure.derived`,
:mod:`~geo.disclosure.publish`, :mod:`~geo.disclosure.ranks`); :mod:`~geo.disclosure.rounded`
recomputes rates from rounded counts. Display convention: ``"<5"`` (or ``*``) for a small count,
``"c"`` for any other withheld value.

Examples
--------
>>> import pandas as pd
>>> from geo.disclosure import add_total_row, suppress, format_count
>>> df = pd.DataFrame({"hub": ["A", "B", "C"], "completed": [3, 10, 12],
...                    "not_reviewed": [6, 2, 9]})
>>> df["eligible"] = df["completed"] + df["not_reviewed"]
>>> t = add_total_row(df, ["completed", "not_reviewed", "eligible"], key="hub")
>>> s = suppress(t, counts=["completed", "not_reviewed", "eligible"], key="hub",
...              total_row="Total", row_relations=[("eligible", ["completed", "not_reviewed"])],
...              table="hubs")
>>> s.display[["hub", "completed", "not_reviewed", "eligible"]].values.tolist()
[['A', '<5', 'c', 9], ['B', 'c', '<5', 12], ['C', 12, 9, 21], ['Total', 25, 17, 42]]
>>> s.counts_by_reason()
{'primary': 2, 'derived': 0, 'secondary': 2}
>>> format_count(3), format_count(1234), format_count(0), format_count(float("nan"))
('<5', '1,234', '0', '')
"""

from geo.disclosure.attack import ReaderModel
from geo.disclosure.audit import SmallCount, audit_frame, scan_for_small_counts
from geo.disclosure.rule import (
    CONFIDENTIAL,
    PRESETS,
    SUBTOTAL_LABEL,
    DisclosureRule,
    format_count,
    round_count,
)
from geo.disclosure.suppress import suppress
from geo.disclosure.totals import SuppressedTable, add_total_row

__all__ = [
    "CONFIDENTIAL",
    "PRESETS",
    "SUBTOTAL_LABEL",
    "DisclosureRule",
    "ReaderModel",
    "SuppressedTable",
    "SmallCount",
    "add_total_row",
    "audit_frame",
    "suppress",
    "format_count",
    "round_count",
    "scan_for_small_counts",
]
