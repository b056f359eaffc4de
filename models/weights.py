"""The model's weights with their defaults: for examples, tests and callers without a config.

:func:`models.risk.score_areas` (and :func:`models.explain.sensitivity`) take any object with
these attributes; ``geo.config.ModelWeights``, read from a config's ``[model]`` table, has the
same defaults (README: "The model").

Examples
--------
>>> DEFAULT_WEIGHTS.need["imd"], DEFAULT_WEIGHTS.engagement, DEFAULT_WEIGHTS.high_need_percentile
(0.3, {'review': 0.5, 'reach': 0.5}, 50.0)
>>> Weights(engagement={"review": 1.0}).need == DEFAULT_WEIGHTS.need
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Weights", "DEFAULT_WEIGHTS"]


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
