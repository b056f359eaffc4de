"""Statistical models of need, engagement and expected take-up: pure functions on tables.

Modules
-------
stats
    OHID-method statistics: Wilson score intervals, funnel-plot limits and flags.
smoothing
    Empirical-Bayes smoothing of proportions, and its beta prior by maximum likelihood (or
    corrected moments).
engagement
    Counts, rates and smoothing of the engagement components (review take-up, hub reach).
risk
    Need and engagement indices and the priority score.
weights
    The model's weights and their defaults.
uncertainty
    Rank intervals and top-N probabilities by a posterior bootstrap.
explain
    Why an area scores as it does, and the ranking's sensitivity to the weights.
siting
    Venue siting: maximal covering and set cover, solved exactly with HiGHS.
binomial
    ``ExpectedRateModel``: a binomial GLM of an area's take-up on its features.
expected
    That model fitted to a study area: expected take-up given need and travel time.
crossval
    Spatial (grouped) cross-validation of that model.

The names below are imported from their module on first use.

Examples
--------
>>> import models
>>> models.wilson_interval.__module__
'models.stats'
"""

from __future__ import annotations

import importlib

_HOMES = {  # public name -> the module that defines it (models/ imports nothing from geo/)
    **dict.fromkeys(["wilson_interval", "funnel_limits", "funnel_flag"], "stats"),
    **dict.fromkeys(["BetaPrior", "fit_beta_prior", "eb_shrinkage", "eb_smooth"], "smoothing"),
    **dict.fromkeys(["engagement_counts"], "engagement"),
    **dict.fromkeys(["score_areas", "PRIORITY_QUADRANT", "QUADRANTS"], "risk"),
    **dict.fromkeys(["Weights", "DEFAULT_WEIGHTS"], "weights"),
    **dict.fromkeys(["rank_intervals", "RANK_COLUMNS"], "uncertainty"),
    **dict.fromkeys(["cv_scores", "spatial_blocks"], "crossval"),
    **dict.fromkeys(["explain", "sensitivity"], "explain"),
    **dict.fromkeys(["ExpectedRateModel", "binomial_d2"], "binomial"),
    **dict.fromkeys(["CoverageInstance", "MaxCoverage", "SetCover", "SetCoverResult", "SitingResult"], "siting"),
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
