"""Equity by group (``equity.csv``, the app's Equity view, the pack's equity pages).

* :func:`~geo.equity.table.equity_table`: rates by group at LSOA, ward, hub, LA and study-area
  level with intervals, the difference from the rest of the area's children, FDR-controlled
  flags and the children missing out (statistics: :mod:`models.equity`);
* :func:`~geo.equity.publish.published_equity`: the same cells at the levels that may be
  published (hub, LA, study area), through the disclosure rule with complementary suppression
  so that no withheld group cell can be recovered from published totals;
* :func:`~geo.equity.sections.equity_sections`: pack pages.
"""

from geo.equity.table import COLUMNS, equity_table

__all__ = ["COLUMNS", "equity_table"]
