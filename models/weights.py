"""The model's weights: their defaults, and their validation and normalisation for scoring.

:func:`models.risk.score_areas` (and :func:`models.explain.sensitivity`) take any object with
the attributes of :class:`Weights`; ``geo.config.ModelWeights``, read from a config's ``[model]``
table, has the same defaults (README: "The model"). Each group of weights is normalised to
sum 1; an unknown, negative or non-finite weight, or a group of zeros, is a ``ValueError``.

Examples
--------
>>> DEFAULT_WEIGHTS.need["imd"], DEFAULT_WEIGHTS.engagement, DEFAULT_WEIGHTS.high_need_percentile
(0.3, {'review': 0.5, 'reach': 0.5}, 50.0)
>>> Weights(engagement={"review": 1.0}).need == DEFAULT_WEIGHTS.need
True
>>> _spec(Weights(need={"idaci": 2, "imd": 1, "under5": 1})).need
{'idaci': 0.5, 'imd': 0.25, 'under5': 0.25}
>>> _normalise({"poverty": 1.0}, NEED_COMPONENTS, "need")
Traceback (most recent call last):
...
ValueError: unknown need weight(s) ['poverty']; expected ['idaci', 'imd', 'under5']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Weights", "DEFAULT_WEIGHTS", "NEED_COMPONENTS", "ENGAGEMENT_COMPONENTS"]

NEED_COMPONENTS: tuple[str, ...] = ("idaci", "imd", "under5")
ENGAGEMENT_COMPONENTS: tuple[str, ...] = ("review", "reach")


@dataclass(frozen=True)
class Weights:
    """Weights of the need and engagement indices (each group is normalised to sum 1) and the quadrants' cut-offs.

    Attributes
    ----------
    need : mapping of str to float
        ``idaci``, ``imd`` and ``under5`` weights.
    engagement : mapping of str to float
        ``review`` and ``reach`` weights.
    high_need_percentile, low_engagement_percentile : float
        High need is ``need_score >= high_need_percentile``; low engagement is
        ``engagement_score < low_engagement_percentile``.
    """

    need: Mapping[str, float] = field(default_factory=lambda: {"idaci": 0.5, "imd": 0.3, "under5": 0.2})
    engagement: Mapping[str, float] = field(default_factory=lambda: {"review": 0.5, "reach": 0.5})
    high_need_percentile: float = 50.0
    low_engagement_percentile: float = 50.0


#: The default weights (those of ``geo.config.ModelWeights()``).
DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class _Spec:
    """Validated, normalised weights and thresholds."""

    need: dict[str, float]
    engagement: dict[str, float]
    high_need: float
    low_engagement: float


def _normalise(raw: Mapping[str, float] | None, keys: tuple[str, ...], what: str) -> dict[str, float]:
    raw = dict(raw or {})
    unknown = set(raw) - set(keys)
    if unknown:
        raise ValueError(f"unknown {what} weight(s) {sorted(unknown)}; expected {list(keys)}")
    w = {k: float(raw.get(k, 0.0)) for k in keys}
    if any(not math.isfinite(v) or v < 0 for v in w.values()):
        raise ValueError(f"{what} weights must be finite and >= 0, got {w}")
    total = sum(w.values())
    if total <= 0:
        raise ValueError(f"{what} weights must not all be zero")
    return {k: v / total for k, v in w.items()}


def _spec(weights: Any) -> _Spec:
    """The weights of ``weights`` (any object with the attributes of :class:`Weights`; missing cut-offs: the defaults)."""
    return _Spec(
        need=_normalise(weights.need, NEED_COMPONENTS, "need"),
        engagement=_normalise(weights.engagement, ENGAGEMENT_COMPONENTS, "engagement"),
        high_need=float(getattr(weights, "high_need_percentile", DEFAULT_WEIGHTS.high_need_percentile)),
        low_engagement=float(getattr(weights, "low_engagement_percentile", DEFAULT_WEIGHTS.low_engagement_percentile)),
    )
