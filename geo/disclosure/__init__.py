"""Statistical disclosure control for every table, export and map tooltip.

English public-health convention, threshold from the config's ``[disclosure] threshold``
(default 5):

1. **Primary suppression.** A count from 1 to ``threshold - 1`` is shown as ``"<5"``
   (generally ``f"<{threshold}"``). 0 is shown unless ``suppress_zero=True``.
2. **Derived suppression.** A rate, percentage or interval computed from a suppressed
   count is withheld too; the caller declares which columns derive from which counts.
   Estimates (e.g. a modelled ``under5_est`` of 36.3) are not counts of real children and
   are never suppressed: the caller lists only true counts in ``counts``.
3. **Secondary (complementary) suppression.** For every linear relation
   ``total = sum(parts)`` in the table (column totals and subtotals, row identities such as
   ``review_eligible = review_completed + children_not_reviewed``, and any extra
   ``constraints``), a relation never has exactly one suppressed cell: if it does, the
   smallest non-suppressed positive part is suppressed too (ties: row order, then column
   order), iterating to a fixed point. Then an integer-programming *attack* (what a reader
   could deduce from every shown cell, every relation, "<5" meaning 1..threshold-1 and a
   secondary cell meaning 0 or >= threshold) is run and more cells are suppressed until no
   suppressed cell is pinned to a single value.

Display convention (one for the whole app)
------------------------------------------
- a count suppressed because it is small: ``"<5"`` (:meth:`DisclosureRule.label`);
- any other withheld value (a count suppressed to protect another, or a rate / interval
  derived from a suppressed count): ``"c"`` (ONS/OHID "confidential", :data:`CONFIDENTIAL`);
- every other value keeps its original numeric value (the caller formats rates).

Totals must be added *before* suppression (:func:`add_total_row`) so that secondary
suppression protects them.

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
