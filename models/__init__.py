"""Statistical models of need, engagement and expected take-up.

Modules
-------
stats
    OHID-method statistics: Wilson score intervals, funnel-plot limits and flags,
    empirical-Bayes smoothing of proportions.
smoothing
    The beta prior of that smoothing, by maximum likelihood (or corrected moments).
engagement
    Counts, rates and smoothing of the engagement components (review take-up, hub reach).
risk
    Need and engagement indices and the priority score.
uncertainty
    Rank intervals and top-N probabilities by a posterior bootstrap.
explain
    Why an area scores as it does, and the ranking's sensitivity to the weights.
siting
    Venue siting: maximal covering and set cover, solved exactly with HiGHS.
expected
    ``ExpectedRateModel``: a binomial GLM of take-up on need and travel time.
crossval
    Spatial (grouped) cross-validation of that model.
"""
