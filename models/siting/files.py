"""File entry point of the siting models (used by ``python -m geo sites``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from models.siting.instance import CoverageInstance
from models.siting.max_coverage import MaxCoverage
from models.siting.results import _finite_or_none


def solve_instance_file(
    path: str | Path,
    k: int,
    out_dir: str | Path,
    *,
    force_in: Iterable[str] = (),
    force_out: Iterable[str] = (),
    time_limit: float = 60.0,
) -> dict[str, Any]:
    """Solve a JSON instance with :class:`MaxCoverage` and write ``sites.json``.

    Parameters
    ----------
    path : str or pathlib.Path
        JSON instance (see :meth:`CoverageInstance.from_json`).
    k : int
        Number of sites to choose.
    out_dir : str or pathlib.Path
        Folder (created if needed) to receive ``sites.json``.
    force_in, force_out, time_limit
        As in :class:`MaxCoverage`.

    Returns
    -------
    dict
        Keys ``objective, optimal, k, minutes (None), solve_seconds, chosen,
        status, mip_gap, n_demand, n_candidates`` -- the content of
        ``out_dir/sites.json``.

    Examples
    --------
    >>> import tempfile, os, json
    >>> d = tempfile.mkdtemp()
    >>> p = os.path.join(d, "inst.json")
    >>> with open(p, "w") as fh:
    ...     json.dump({"demand": [{"id": "a", "weight": 2}],
    ...                "candidates": [{"id": "x", "covers": ["a"]}]}, fh)
    >>> solve_instance_file(p, 1, d)["chosen"]
    ['x']
    """
    inst = CoverageInstance.from_json(path)
    res = MaxCoverage(k, force_in=force_in, force_out=force_out, time_limit=time_limit).solve(inst)
    out = {
        "objective": res.objective,
        "optimal": res.optimal,
        "k": int(k),
        "minutes": None,
        "solve_seconds": res.solve_seconds,
        "chosen": list(res.chosen),
        "status": res.status,
        "mip_gap": _finite_or_none(res.mip_gap),
        "n_demand": inst.n_demand,
        "n_candidates": inst.n_candidates,
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "sites.json", "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=2)
        fh.write("\n")
    return out
