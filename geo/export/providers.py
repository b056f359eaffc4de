"""Where the pack gets sections from other features (equity, trends, ...): one tuple of providers.

A provider is a function ``(result, tables, hub_id) -> list[PackSection]``: ``result`` is the
:class:`geo.build.BuildResult`, ``tables`` the gate's output (:func:`geo.disclosure.gate.export_tables`,
the only source of published figures), and ``hub_id`` a hub (its sections go on the hub's pages)
or ``None`` (sections for the whole study area, after the ward summary). The pack renders every
:class:`~geo.export.sections.PackSection` the same way (heading, figure with its alt text, table
with header cells, notes), so a feature adds its function to :data:`SECTION_PROVIDERS` and
draws nothing itself.

Examples
--------
>>> from geo.export.sections import PackSection
>>> def one(result, tables, hub_id):
...     return [PackSection(title=f"Trends for {hub_id or 'the study area'}")]
>>> [s.title for s in pack_sections(None, None, "H1", providers=(one,))]
['Trends for H1']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from geo.export.sections import PackSection

__all__ = ["SectionProvider", "SECTION_PROVIDERS", "pack_sections", "trend_provider", "equity_provider"]

SectionProvider = Callable[[object, object, "str | None"], list[PackSection]]


class _Once:
    """A feature's publication computed once per pack (per gate output), not once per hub."""

    def __init__(self, publish: Callable[[object, object], object]) -> None:
        self.publish, self.last = publish, None

    def __call__(self, result, tables):
        if self.last is None or self.last[0] is not result or self.last[1] is not tables:
            self.last = (result, tables, self.publish(result, tables))
        return self.last[2]


def _published_trends(result, tables):
    from geo.monitoring.publish import published_monitoring

    return published_monitoring(result, tables=tables)


def _published_equity(result, tables):
    from geo.disclosure.rule import DisclosureRule
    from geo.equity.publish import published_equity

    rule = getattr(tables, "rule", None) or DisclosureRule.from_config(result.config)
    return published_equity(result, rule) if result.inputs.groups else None


_trends_once, _equity_once = _Once(_published_trends), _Once(_published_equity)


def trend_provider(result, tables, hub_id: str | None) -> list[PackSection]:
    """Trend pages (:func:`geo.export.trend_pages.trend_sections`) from the gate across periods."""
    from geo.export.trend_pages import trend_sections

    if not result.inputs.period.get("analysis"):
        return []
    return trend_sections(result, _trends_once(result, tables), hub_id)


def equity_provider(result, tables, hub_id: str | None) -> list[PackSection]:
    """Equity pages (:func:`geo.equity.sections.equity_sections`) when the extracts carry a group column."""
    from geo.equity.sections import equity_sections

    published = _equity_once(result, tables)
    return [] if published is None else equity_sections(result, published, hub_id)


#: the features that contribute pack sections, in page order (add yours here)
SECTION_PROVIDERS: tuple[SectionProvider, ...] = (trend_provider, equity_provider)


def pack_sections(result, tables, hub_id: str | None, *,
                  providers: Sequence[SectionProvider] | None = None) -> list[PackSection]:
    """Every provider's sections for a hub (or the whole area, ``hub_id=None``), in provider order.

    Raises
    ------
    TypeError
        If a provider returns something other than PackSection objects.
    """
    out: list[PackSection] = []
    for provider in SECTION_PROVIDERS if providers is None else providers:
        sections = list(provider(result, tables, hub_id) or [])
        bad = [s for s in sections if not isinstance(s, PackSection)]
        if bad:
            raise TypeError(f"pack section provider {getattr(provider, '__name__', provider)!r} returned "
                            f"{type(bad[0]).__name__}, not PackSection")
        out += sections
    return out
