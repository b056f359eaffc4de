"""A reader who differences the app's Period choices (and consecutive packs): the attacker's model.

The reader has, for each publication (one Period choice of the app, or one quarterly pack),
the LSOA, ward and hub tables as displayed, the window each covers (its label) and the Trends
tab's tables; and knows the README's formulas: a ward (local authority, hub catchment, study
area) counts the children of its LSOAs (the LSOA table names each LSOA's ward, LA and hub), a
window counts the children of its quarters, eligible = completed + not reviewed. ``"<5"`` is
1..4 (0..4 in the LSOA table, which withholds zeros), ``"c"`` is 0 or at least 5 (at least 5
in the LSOA table).

The unknowns are what the reader wants: every LSOA's completed reviews and children not
reviewed in every quarter (integers >= 0). Every published cell, of every table of every
publication, is a sum of them; cells that are the same sum (a ward's window in the ward table
and in the Trends tab) are one cell with every label it was given. The true values are used
only to say which withheld cells hold small counts and to keep relations that hold exactly
(as :mod:`tests.disclosure.test_attack_periods` does).

Two attacks, both with HiGHS:

* :meth:`WindowReader.differenced`: withheld cells that are a linear combination of shown cells
  (pure differencing: window minus window, ward minus its other LSOAs), found with a sparse LU
  of the shown cells' sums; no integer reasoning needed, so every cell found is pinned.
* :meth:`WindowReader.attack`: the values a withheld cell can take under every shown value and
  label at once (a mixed-integer programme); a small count is *pinned* when one value remains
  and *narrowed* when fewer values remain than its label allows (``exact=True``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.build import analyse, prepare
from geo.disclosure.gate import export_tables
from geo.monitoring.publish import published_monitoring
from geo.monitoring.trends import trend_table

THRESHOLD = 5
_COLS = {"review_eligible": "eligible", "review_completed": "completed", "children_not_reviewed": "not_reviewed"}
_TREND_COLS = {"numerator": "completed", "denominator": "eligible", "not_reviewed": "not_reviewed"}


@dataclass
class Publication:
    """What one Period choice (or one pack) shows: its window, its tables as displayed, its Trends."""

    name: str
    window: list[str]
    lsoa: pd.DataFrame
    wards: pd.DataFrame
    hubs: pd.DataFrame | None
    trends: pd.DataFrame | None


def build_window(config, period: str | None, pool: int | None):
    """The build of one Period choice, as the app makes it (:meth:`geo.app.scenario.Scenario.window`)."""
    if period is not None or pool is not None:
        analysis = config.analysis if pool is None else replace(config.analysis, pool_quarters=pool)
        config = config.with_(period=period if period is not None else config.period, analysis=analysis)
    return analyse(prepare(config), config)


def publish(result, rule, name: str, *, trends: bool = True, link_lsoa: bool = False) -> Publication:
    """Every table the app and the pack show for one build (the gate, then the Trends gate unless ``trends`` is False)."""
    tables = export_tables(result, rule)
    monitoring = published_monitoring(result, rule, tables=tables, link_lsoa=link_lsoa).trends.display if trends else None
    return Publication(name, list(result.inputs.period["window"]), tables.lsoa.display, tables.wards.display,
                       None if tables.hubs is None else tables.hubs.display, monitoring)


def lsoa_quarters(result) -> pd.DataFrame:
    """The truth: ``lsoa21cd, period, completed, not_reviewed`` per LSOA and quarter."""
    t = trend_table(result, pool=1)
    t = t[(t["level"] == "lsoa") & (t["measure"] == "review")]
    return pd.DataFrame({"lsoa21cd": t["area_code"].astype(str), "period": t["period"].astype(str),
                         "completed": t["numerator"].astype(float),
                         "not_reviewed": (t["denominator"] - t["numerator"]).astype(float)})


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@dataclass
class Cell:
    """One published sum and what its labels say: ``lo <= value <= hi``, ``zero_or_big`` for a "c"."""

    key: tuple
    lo: float = 0.0
    hi: float = np.inf
    zero_or_big: bool = False
    shown: bool = False
    tables: set = field(default_factory=set)

    def label(self, text: str, *, zero_small: bool, table: str) -> None:
        text = str(text).replace(",", "").strip()
        self.tables.add(table)
        if text in ("", "nan", "None", "<NA>"):
            return
        number = _number(text)
        if number is not None:
            self.lo, self.hi, self.shown, self.zero_or_big = max(self.lo, number), min(self.hi, number), True, False
        elif text.startswith("<"):
            self.lo, self.hi = max(self.lo, 0.0 if zero_small else 1.0), min(self.hi, THRESHOLD - 1.0)
        elif text == "c":
            if zero_small:
                self.lo = max(self.lo, float(THRESHOLD))
            elif self.lo < THRESHOLD and not self.shown:
                self.zero_or_big = True
        else:
            raise ValueError(f"unexpected label {text!r} in {table}")

    @property
    def withheld(self) -> bool:
        return not self.shown

    def small_values(self) -> int:
        """How many values the labels leave a small count (``"<5"``: 4, or 5 with zero)."""
        return int(min(self.hi, THRESHOLD - 1) - self.lo + 1)


class WindowReader:
    """The reader's integer model over LSOA x quarter counts (see the module docstring)."""

    def __init__(self, publications: list[Publication], truth: pd.DataFrame):
        first = publications[0].lsoa
        self.lsoas = sorted(first["lsoa21cd"].astype(str))
        self.quarters = sorted({q for p in publications for q in p.window} | set(truth["period"]))
        geo_ = first.set_index(first["lsoa21cd"].astype(str))
        self.areas = {("lsoa", c): frozenset([c]) for c in self.lsoas}
        self.areas[("study_area", None)] = frozenset(self.lsoas)
        for level, col in (("ward", "ward_code"), ("la", "lad_code"), ("hub", "hub_id")):
            for code, rows in geo_.groupby(col).groups.items():
                self.areas[(level, str(code))] = frozenset(rows)
        self.areas[("hub", "Total")] = frozenset(geo_.index[geo_["hub_id"].notna()])
        q = {x: i for i, x in enumerate(self.quarters)}
        lsoa_i = {x: i for i, x in enumerate(self.lsoas)}
        self.nq = len(self.quarters)
        self.n = 2 * len(self.lsoas) * self.nq
        t = truth[truth["lsoa21cd"].isin(lsoa_i) & truth["period"].isin(q)]
        self.truth = np.zeros(self.n)
        base = t["lsoa21cd"].map(lsoa_i).to_numpy() * self.nq + t["period"].map(q).to_numpy()
        self.truth[2 * base] = t["completed"].to_numpy()
        self.truth[2 * base + 1] = t["not_reviewed"].to_numpy()
        self._lsoa_i, self._q = lsoa_i, q
        self.cells: dict[tuple, Cell] = {}
        self.dropped = 0
        for pub in publications:
            self._read(pub)

    # -- the published cells -------------------------------------------------------------------
    def vector(self, key: tuple) -> np.ndarray:
        lsoas, quarters, col = key
        rows = np.array([self._lsoa_i[c] for c in lsoas])[:, None] * self.nq + np.array([self._q[x] for x in quarters])[None, :]
        rows = rows.ravel()
        kinds = {"completed": [0], "not_reviewed": [1], "eligible": [0, 1]}[col]
        return np.concatenate([2 * rows + k for k in kinds])

    def _add(self, level: str, code, quarters, col: str, text, table: str) -> None:
        area = self.areas.get((level, None if level == "study_area" else str(code)))
        if area is None or not len(area):
            return
        key = (area, tuple(sorted(quarters)), col)
        cell = self.cells.get(key) or Cell(key)
        cell.label(text, zero_small=table.startswith("lsoa"), table=table)
        self.cells[key] = cell

    def _read(self, pub: Publication) -> None:
        for name, frame, key in (("lsoa", pub.lsoa, "lsoa21cd"), ("ward", pub.wards, "ward_code"), ("hub", pub.hubs, "hub_id")):
            if frame is None:
                continue
            for _, row in frame.iterrows():
                code = str(row[key])
                level = ("study_area" if code == "Total" and name == "ward" else "hub" if name == "hub" else
                         "la" if code.endswith(" total") else name)
                code = code.removesuffix(" total")
                for col, what in _COLS.items():
                    if col in frame.columns:
                        self._add(level, code, pub.window, what, row[col], f"{name} {pub.name}")
        if pub.trends is None:
            return
        for r in pub.trends[pub.trends["measure"] == "review"].itertuples(index=False):
            first, _, last = str(r.period).partition(" to ")
            quarters = [x for x in self.quarters if first <= x <= (last or first)]
            for col, what in _TREND_COLS.items():
                self._add(r.level, r.area_code, quarters, what, getattr(r, col), f"trends {pub.name}")

    def true_value(self, key: tuple) -> float:
        return float(self.truth[self.vector(key)].sum())

    def consistent(self) -> list[Cell]:
        """Cells whose labels hold for the true values (the others, e.g. a sum the reader
        misreads, are left out and counted in ``dropped``)."""
        out = []
        for c in self.cells.values():
            v = self.true_value(c.key)
            ok = c.lo - 1e-9 <= v <= c.hi + 1e-9 and not (c.zero_or_big and 0 < v < THRESHOLD)
            if ok:
                out.append(c)
        self.dropped = len(self.cells) - len(out)
        return out

    def small_withheld(self) -> list[Cell]:
        """Withheld cells whose true value is a small count (1..4; 0 too in the LSOA table)."""
        out = []
        for c in self.consistent():
            v = self.true_value(c.key)
            if c.withheld and (0 < v < THRESHOLD or (v == 0 and any(t.startswith("lsoa") for t in c.tables))):
                out.append(c)
        return out

    # -- linear differencing ---------------------------------------------------------------------
    def matrix(self, cells: list[Cell]) -> sp.csr_array:
        rows, cols = [], []
        for i, c in enumerate(cells):
            v = self.vector(c.key)
            rows += [i] * len(v)
            cols += list(v)
        return sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(cells), self.n))

    def differenced(self, targets: list[Cell]) -> list[Cell]:
        """Targets whose sum is a combination of shown sums (pinned by differencing alone)."""
        shown = [c for c in self.consistent() if c.shown]
        a = self.matrix(shown)
        # the null space of the shown sums (eigenvectors of the Gram matrix with eigenvalue 0):
        # a target is a combination of shown sums exactly when it is orthogonal to all of them
        w, v = np.linalg.eigh((a.T @ a).toarray())
        null = v[:, w < 1e-9 * max(w.max(), 1.0)]
        residual = self.matrix(targets) @ null
        return [c for c, r in zip(targets, np.abs(residual).max(axis=1)) if r < 1e-6]

    # -- the integer attack --------------------------------------------------------------------
    def model(self):
        """Variables: the LSOA x quarter counts, then one binary per "0 or >= 5" cell."""
        cells = self.consistent()
        a = self.matrix(cells)
        big = float(self.truth.sum()) + THRESHOLD
        lo = np.array([c.lo for c in cells])
        hi = np.array([min(c.hi, big) for c in cells])
        disj = [i for i, c in enumerate(cells) if c.zero_or_big]
        nz = len(disj)
        a = sp.hstack([a, sp.csr_array((len(cells), nz))]).tocsr()
        extra = []
        for m, i in enumerate(disj):  # x >= 5 z, x <= big z
            row = a[[i]].toarray().ravel()
            for coef_z, lo_, hi_ in ((-THRESHOLD, 0.0, np.inf), (-big, -np.inf, 0.0)):
                r = row.copy()
                r[self.n + m] = coef_z
                extra.append((r, lo_, hi_))
        if extra:
            a = sp.vstack([a, sp.csr_array(np.array([r for r, _, _ in extra]))]).tocsr()
            lo = np.r_[lo, [x for _, x, _ in extra]]
            hi = np.r_[hi, [x for _, _, x in extra]]
        return a, lo, hi, nz

    def attack(self, targets: list[Cell], *, sweeps: int = 6, seed: int = 0, exact: bool = False,
               stop_at_first: bool = False) -> dict[tuple, tuple[int, int]]:
        """Values of each target the published figures allow, as ``(lowest, highest)`` found.

        Random-direction solves first (each integer solution is a table the reader must accept;
        every target it moves is shown to have two values), then for each target not moved a
        solve for a table with the target below, then above, its true value. ``exact``: then
        minimise and maximise each target whose range found is narrower than its label's
        (``(lo, hi)`` is then exact). A target with ``lo == hi`` is pinned.
        """
        a, lo, hi, nz = self.model()
        nv = self.n + nz
        bounds = Bounds(np.zeros(nv), np.r_[np.full(self.n, np.inf), np.ones(nz)])
        t = self.matrix(targets)
        t = sp.hstack([t, sp.csr_array((len(targets), nz))]).tocsr()
        truth = np.r_[self.truth, np.zeros(nz)]
        true = t @ truth
        seen_lo, seen_hi = true.copy(), true.copy()
        floor = np.array([c.lo for c in targets])  # the label's own bounds: no solve can pass them
        ceil = np.array([c.hi for c in targets])

        def solve(obj, extra=None, first=False):
            cons = [LinearConstraint(a, lo, hi)] + ([extra] if extra is not None else [])
            res = milp(obj, constraints=cons, bounds=bounds, integrality=np.ones(nv),
                       options={"mip_rel_gap": 1e9} if first else {"time_limit": 120})
            if res.x is None:
                return None
            x = np.round(res.x)
            vals = t @ x
            np.minimum(seen_lo, vals, out=seen_lo)
            np.maximum(seen_hi, vals, out=seen_hi)
            return vals

        rng = np.random.default_rng(seed)
        for _ in range(sweeps):
            d = np.r_[rng.standard_normal(self.n), np.zeros(nz)]
            solve(d), solve(-d)
        for _ in range(8):  # push every target not yet moved down (up) at once
            before = int((seen_lo < true).sum() + (seen_hi > true).sum())
            for sign, open_ in ((1.0, (seen_lo >= true) & (true > floor)), (-1.0, (seen_hi <= true) & (true < ceil))):
                if open_.any():
                    solve(sign * (t[np.flatnonzero(open_)].sum(axis=0)))
            if int((seen_lo < true).sum() + (seen_hi > true).sum()) == before:
                break
        self.stats = {"solves": 2 * sweeps, "open_after_sweeps": int((((seen_lo == true) & (true > floor))
                                                                      | ((seen_hi == true) & (true < ceil))).sum())}
        for k in range(len(targets)):
            for below in (True, False):
                if (seen_lo[k] < true[k] or true[k] <= floor[k]) if below else (seen_hi[k] > true[k] or true[k] >= ceil[k]):
                    continue
                row = t[[k]]
                extra = LinearConstraint(row, -np.inf, true[k] - 1) if below else LinearConstraint(row, true[k] + 1, np.inf)
                solve(np.zeros(nv), extra, first=True)
                self.stats["solves"] += 1
            if stop_at_first and seen_lo[k] == seen_hi[k]:
                break
        if exact:
            for k, c in enumerate(targets):
                if seen_hi[k] - seen_lo[k] + 1 < c.small_values() and seen_lo[k] < seen_hi[k]:
                    row = t[[k]].toarray().ravel()
                    solve(row), solve(-row)
        return {c.key: (int(seen_lo[k]), int(seen_hi[k])) for k, c in enumerate(targets)}
