"""Venue-siting optimisation: maximal covering with locked sites, and set cover.

Two models in the style of PySAL ``spopt.locate``:

* :class:`MaxCoverage` -- choose exactly ``k`` candidate venues to maximise the
  summed weight of demand (e.g. under-5s) newly covered, where demand already
  covered by locked (existing) hubs and spokes counts zero.
* :class:`SetCover` -- the fewest candidate venues covering every target
  demand point that any allowed candidate can cover.

Both work on a :class:`CoverageInstance` (demand weights, a sparse
demand x candidate 0/1 coverage matrix and a mask of demand already covered),
apply exact problem reductions, and solve the reduced model as a mixed-integer
programme with HiGHS (``highspy``).  A lazy greedy heuristic gives a warm start
and is used as a fallback when HiGHS fails or runs out of time; the result
always says which happened (``optimal``, ``status``, ``mip_gap``).

Modules: ``instance`` (the problem), ``results``, ``reduce`` (exact reductions), ``greedy``
(greedy, local search, greedy cover), ``bounds`` (Lagrangian bounds and fixings), ``highs``
(the HiGHS models), ``mc_core`` (maximal covering on the reduced problem), ``max_coverage``,
``set_cover`` and ``files`` (``solve_instance_file``).

Everything is deterministic: ties are broken by the lowest candidate index in
the instance, and HiGHS is run single-threaded with a fixed seed.

Examples
--------
>>> inst = CoverageInstance.from_json({
...     "demand": [{"id": "a", "weight": 3}, {"id": "b", "weight": 2},
...                {"id": "c", "weight": 1}],
...     "candidates": [{"id": "x", "covers": ["a"]},
...                    {"id": "y", "covers": ["b", "c"]}],
...     "covered": ["a"]})
>>> res = MaxCoverage(1).solve(inst)
>>> res.chosen, res.objective, res.optimal
(['y'], 3.0, True)
"""

from models.siting.files import solve_instance_file
from models.siting.instance import CoverageInstance
from models.siting.max_coverage import MaxCoverage
from models.siting.results import SetCoverResult, SitingResult
from models.siting.set_cover import SetCover

__all__ = [
    "CoverageInstance",
    "MaxCoverage",
    "SetCover",
    "SetCoverResult",
    "SitingResult",
    "solve_instance_file",
]
