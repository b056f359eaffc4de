"""Quarterly monitoring (issue 19): every period kept, change that is real, targets, and
whether outreach made a difference.

=============  ==========================================================================
settings.py    ``[analysis]`` (pool_quarters, exposure, false discovery rate) and ``[targets]``
series.py      per-period LSOA counts of review take-up and hub reach from the extracts
trends.py      ``trends.csv``: a time series per LSOA, ward, hub, LA and study area
changes.py     ``changes.csv``: latest period (or window) against the previous one and a year earlier
sessions.py    the ``outreach_sessions`` extract, validated like the others
impact.py      ``impact.csv``: difference-in-differences of take-up and reach after outreach began
publish.py     what the app and the pack show of them: through :mod:`geo.disclosure.periods`
charts.py      small multiples of the published trends (PNG with alt text)
=============  ==========================================================================
"""

from geo._lazy import lazy_exports

_HOMES = {"Analysis": "settings", "Target": "settings", "trend_table": "trends", "change_table": "changes",
          "impact_table": "impact", "Monitoring": "publish", "published_monitoring": "publish", "trend_chart": "charts"}
__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
