"""Statistical models of need, engagement and expected take-up.

Modules
-------
stats
    OHID-method statistics: Wilson score intervals, funnel-plot limits and flags,
    empirical-Bayes smoothing of proportions.
risk
    Need and engagement indices, priority score, explanation and weight sensitivity.
expected
    ``ExpectedRateModel``: a binomial GLM of take-up on need and travel time.
"""
