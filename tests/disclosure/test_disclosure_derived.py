"""Derived statistics follow their counts: attacks through the README's formulas on synthetic areas.

The attacker here is written independently of :mod:`geo.disclosure.derived`: it knows the
README's formulas (empirical-Bayes smoothed rates ``(k + a m) / (n + a)``, shortfall
``1 - smoothed / study-area rate``, ``priority = need x clip(weighted shortfall, 0, 1)``,
engagement score = percentile of the weighted percentiles of the smoothed rates), the published
parameters (prior mean and size, weights) and, to be stronger than a real reader, every other
area's true smoothed rates. For each withheld count it enumerates the values consistent with
the row's labels, its identity and its published derived cells, then adds every additive
relation between the tables (an integer program).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from geo.disclosure import DisclosureRule
from geo.disclosure.derived import COLUMN_POLICY, EngagementModel, band
from geo.disclosure.gate import link_suppression, lsoa_rule, table_relations
from geo.disclosure.linked import pinned_cells
from geo.disclosure.publish import publish_derived
from geo.disclosure.ranks import P_TOP_BANDS, RankModel, rank_band_edges, rank_block
from geo.disclosure.tables import lsoa_table_out, suppressed_table, ward_table_out
from models.risk import score_areas
from models.stats import eb_shrinkage
from models.uncertainty import rank_intervals

WEIGHTS = SimpleNamespace(need={"idaci": 0.5, "imd": 0.3, "under5": 0.2}, engagement={"review": 0.5, "reach": 0.5},
                          high_need_percentile=50.0, low_engagement_percentile=50.0)
COUNTS = ("review_completed", "review_eligible", "children_not_reviewed", "hub_children")
SEED, TOP_N, DRAWS = 7, 5, 400


def synthetic_areas(seed: int, n_areas: int = 36, per_ward: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """LSOAs with small review and attendance counts in wards of ``per_ward`` LSOAs, scored by the model."""
    rng = np.random.default_rng(seed)
    under5 = rng.integers(20, 120, n_areas).astype(float)
    eligible = rng.integers(0, 14, n_areas)
    completed = np.minimum(rng.binomial(eligible, rng.uniform(0.3, 0.95, n_areas)), eligible)
    hub = np.minimum(rng.poisson(rng.uniform(0.5, 12, n_areas)), under5.astype(int))
    areas = pd.DataFrame({
        "lsoa21cd": [f"E01{seed:03d}{i:03d}" for i in range(n_areas)], "lsoa21nm": [f"Area {i}" for i in range(n_areas)],
        "lad_code": "E09000001", "ward_code": [f"W{i // per_ward:02d}" for i in range(n_areas)],
        "ward_name": [f"Ward {i // per_ward}" for i in range(n_areas)], "hub_id": None,
        "under5_est": under5, "imd_score": rng.uniform(5, 60, n_areas), "idaci_score": rng.uniform(0, 0.6, n_areas),
        "income_score": np.nan, "review_eligible": eligible, "review_completed": completed, "hub_children": hub,
    })
    s = score_areas(areas, WEIGHTS)
    scored = pd.concat([areas, s, rank_intervals(s, seed=SEED, top_n=TOP_N, draws=DRAWS)], axis=1)
    scored = scored.loc[:, ~scored.columns.duplicated()]
    wards = areas.groupby(["ward_code", "ward_name", "lad_code"], as_index=False)[
        ["under5_est", "review_eligible", "review_completed", "hub_children", "imd_score", "idaci_score"]].agg(
        {"under5_est": "sum", "review_eligible": "sum", "review_completed": "sum", "hub_children": "sum",
         "imd_score": "mean", "idaci_score": "mean"})
    wards["income_score"] = np.nan
    s = score_areas(wards, WEIGHTS)
    wards = pd.concat([wards, s, rank_intervals(s, seed=SEED, top_n=TOP_N, draws=DRAWS)], axis=1)
    wards = wards.loc[:, ~wards.columns.duplicated()]
    return scored, wards


# ----------------------------------------------------------------- the attacker


def _domain(shown: str, *, zero_small: bool, upper: int) -> list[int]:
    if shown == "<5":
        return list(range(0 if zero_small else 1, 5))
    if shown == "c":
        return ([] if zero_small else [0]) + list(range(5, upper + 1))
    return [int(float(shown))]


def _prior(k, n):
    """The published prior (model.json ``smoothing``): beta mean and size fitted by maximum likelihood."""
    eb = eb_shrinkage(k, n)
    return float(eb.prior_mean), float(eb.prior_size)


def _smooth(k, n, m, a, any_data=True):
    """README: (k + a m) / (n + a); unknown (NaN) where n = 0 or the study area has no data for it."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    shape = np.broadcast(k, n).shape
    if not any_data:
        return np.full(shape, np.nan)
    if not np.isfinite(a):
        return np.where(n > 0, m, np.nan) * np.ones(shape)
    return np.where(n > 0, (k + a * m) / np.where(n > 0, n + a, 1), np.nan)


def _pct(others: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Percentile rank of x among the other areas' known values (README: 100 (rank - 1) / (m - 1), ties averaged)."""
    others = others[np.isfinite(others)]
    x = np.round(np.asarray(x, float), 9)
    less = (others[None, :] < x.reshape(-1, 1)).sum(1)
    eq = (others[None, :] == x.reshape(-1, 1)).sum(1)
    pct = 100.0 * (less + 0.5 * eq) / len(others) if len(others) else np.full(x.size, 50.0)
    return np.where(np.isfinite(x.ravel()), pct, np.nan).reshape(x.shape)


def _pct_all(v: np.ndarray) -> np.ndarray:
    """Percentile rank of every known value among the known values (the model's own percentiles)."""
    s = pd.Series(v)
    return ((s.rank(method="average") - 1) / (s.notna().sum() - 1) * 100).to_numpy()


def _mean_known(a, b):
    """README: the engagement weights (0.5, 0.5) renormalised over the known components."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    both = np.isfinite(a) & np.isfinite(b)
    return np.where(both, 0.5 * a + 0.5 * b, np.where(np.isfinite(a), a, b))


def feasible_by_formulas(published: pd.DataFrame, truth: pd.DataFrame, *, zero_small: bool,
                         exact_priority: bool = False, key: str = "lsoa21cd", joint: dict | None = None) -> dict[tuple[str, str], set]:
    """(area code, count column) -> values consistent with the row's published cells and the README's formulas
    (and, into ``joint``, area code -> the consistent (completed, eligible, hub children) triples)."""
    n_all = truth["review_eligible"].to_numpy(float)
    k_all = truth["review_completed"].to_numpy(float)
    nr_all = np.floor(truth["under5_est"].to_numpy(float) + 0.5)
    h_all = np.minimum(truth["hub_children"].to_numpy(float), nr_all)
    (m_r, a_r), (m_h, a_h) = _prior(k_all, n_all), _prior(h_all, nr_all)
    p_r, p_h = k_all.sum() / n_all.sum(), h_all.sum() / nr_all.sum()  # study-area rates (shortfall)
    any_r, any_h = k_all.sum() > 0, h_all.sum() > 0
    s_r_all = np.round(_smooth(k_all, n_all, m_r, a_r, any_r), 9)
    s_h_all = np.round(_smooth(h_all, nr_all, m_h, a_h, any_h), 9)
    idx_all = np.round(_mean_known(_pct_all(s_r_all), _pct_all(s_h_all)), 9)
    upper = int(max(n_all.max(), h_all.max(), 5))
    pos = {c: i for i, c in enumerate(truth[key])}
    out = {}
    for _, row in published.iterrows():
        shown = {c: str(row[c]) for c in COUNTS}
        if not any(v in ("<5", "c") for v in shown.values()) or row[key] not in pos:
            continue  # nothing withheld, or a total row
        i = pos[row[key]]
        others = np.r_[0:i, i + 1:len(truth)]
        K, N, H = np.meshgrid(_domain(shown["review_completed"], zero_small=zero_small, upper=upper),
                              _domain(shown["review_eligible"], zero_small=zero_small, upper=upper),
                              _domain(shown["hub_children"], zero_small=zero_small, upper=upper), indexing="ij")
        K, N, H = K.ravel().astype(float), N.ravel().astype(float), H.ravel().astype(float)
        nr_dom = set(_domain(shown["children_not_reviewed"], zero_small=zero_small, upper=upper))
        ok = (K <= N) & np.isin(N - K, list(nr_dom))
        s_r = _smooth(K, N, m_r, a_r, any_r)
        s_h = _smooth(np.minimum(H, nr_all[i]), nr_all[i], m_h, a_h, any_h) * np.ones_like(K)
        shortfall = _mean_known(1 - s_r / p_r, 1 - s_h / p_h)
        priority = truth["need_score"].iat[i] * np.clip(shortfall, 0, 1)
        index = _mean_known(_pct(s_r_all[others], s_r), _pct(s_h_all[others], s_h))
        engagement = _pct(idx_all[others], index)
        p_shown, e_shown, quadrant = row.get("priority_score"), row.get("engagement_score"), row.get("quadrant")
        if exact_priority:
            ok &= np.abs(priority - float(p_shown)) < 1e-6
        elif str(p_shown) != "c":  # a blank band: no data (no known component)
            ok &= np.isnan(priority) if str(p_shown) in ("", "nan") else band(priority) == float(p_shown)
        if not exact_priority and str(e_shown) != "c":
            ok &= np.isnan(engagement) if str(e_shown) in ("", "nan") else band(engagement) == float(e_shown)
        if isinstance(quadrant, str) and quadrant != "c":
            ok &= np.isnan(engagement) if quadrant in ("", "nan") else (engagement < 50) == quadrant.endswith("low engagement")
        basis = row.get("engagement_basis")
        if isinstance(basis, str) and basis not in ("c", "", "nan"):  # which components are known
            ok &= np.isfinite(s_r) == ("review" in basis.split("(")[0])
        if joint is not None:
            joint[row[key]] = list(zip(K[ok].astype(int).tolist(), N[ok].astype(int).tolist(), H[ok].astype(int).tolist()))
        for c, vals in (("review_completed", K), ("review_eligible", N), ("children_not_reviewed", N - K),
                        ("hub_children", H)):
            if shown[c] in ("<5", "c"):
                out[(row[key], c)] = set(vals[ok].astype(int).tolist())
    return out


def pinned_by_formulas(published: pd.DataFrame, truth: pd.DataFrame, *, key: str = "lsoa21cd", **kw) -> list:
    """Withheld small counts (1-4, or 0 where zeros are withheld) left with one value by their row alone."""
    feas = feasible_by_formulas(published, truth, key=key, **kw)
    return [cell for cell, vals in feas.items()
            if published.set_index(key).at[cell[0], cell[1]] == "<5" and len(vals) <= 1]


# ----------------------------------------------------------------- the cases


def _gate(lsoa: pd.DataFrame, wards: pd.DataFrame, rule: DisclosureRule):
    """The gate on synthetic tables: suppression, linked suppression, derived policy (no hubs)."""
    from geo.disclosure.gate import _raw_with_totals

    lsoa_t = lsoa_table_out(lsoa)
    ward_t = ward_table_out(wards)
    sup = {"lsoa": (suppressed_table(lsoa_t, lsoa_rule(rule), "lsoa"), lsoa_t),
           "ward": (suppressed_table(ward_t, rule, "ward", totals=True), _raw_with_totals(ward_t, "ward"))}
    rels = table_relations(lsoa_t, sup["ward"][1], None)
    linked, _ = link_suppression(sup, rels, rule)
    models = {"lsoa": EngagementModel.from_areas(lsoa.set_index("lsoa21cd"), WEIGHTS),
              "ward": EngagementModel.from_areas(wards.set_index("ward_code"), WEIGHTS)}
    ranks = {k: RankModel.from_model(m, draws=DRAWS, top_n=TOP_N, seed=SEED) for k, m in models.items()}
    out, report = publish_derived({k: (linked[k], sup[k][1]) for k in linked}, models, rels, rule,
                                  keys={"lsoa": "lsoa21cd", "ward": "ward_code"}, ranks=ranks)
    return out, rels, sup, report


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exact_priority_gives_withheld_counts_back(seed):
    """The issue's channel: with priority_score and need_score exact, the formulas pin "<5" review counts."""
    lsoa, _ = synthetic_areas(seed)
    rule = DisclosureRule()
    st = suppressed_table(lsoa_table_out(lsoa), lsoa_rule(rule), "lsoa")  # counts suppressed, scores exact (old export)
    naive = st.display.copy()
    assert naive["priority_score"].map(lambda v: not isinstance(v, str)).all()
    pinned = pinned_by_formulas(naive.astype(dict.fromkeys(COUNTS, str)), lsoa, zero_small=True, exact_priority=True)
    assert len(pinned) >= 3, pinned  # the attack is not vacuous


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_gate_leaves_every_withheld_small_count_two_values(seed):
    """Bands, withheld rates and tiers: no "<5" is pinned by its row's formulas, nor with every additive relation."""
    lsoa, wards = synthetic_areas(seed)
    rule = DisclosureRule()
    out, rels, sup, _ = _gate(lsoa, wards, rule)
    pub = out["lsoa"].display
    shown = pub.astype(dict.fromkeys(COUNTS, str))
    # 1. the row alone, by the README's formulas (LSOAs; wards, whose "<5" means 1-4)
    assert not pinned_by_formulas(shown, lsoa, zero_small=True)
    assert not pinned_by_formulas(out["ward"].display.astype(dict.fromkeys(COUNTS, str)), wards, zero_small=False, key="ward_code")
    # 2. every exact rate derived from a withheld count is withheld; scores are bands
    for col, (how, sources) in COLUMN_POLICY.items():
        if col not in pub or how not in ("with-source", "band"):
            continue
        withheld_src = pub[[s for s in sources if s in pub]].map(lambda v: isinstance(v, str)).any(axis=1)
        if how == "with-source":
            assert (pub.loc[withheld_src, col].astype(str) == "c").all(), col
        else:
            vals = pd.to_numeric(pub[col], errors="coerce").dropna()
            assert ((vals % 10) == 0).all(), col
    # 3. the formulas and the additive relations together (LSOAs, wards, subtotal and total)
    feas = feasible_by_formulas(shown, lsoa, zero_small=True)
    allowed = {("lsoa", k, c): v for (k, c), v in feas.items()}
    values, primary, suppressed = {}, set(), set()
    for kind, (st, _raw) in {"lsoa": (out["lsoa"], None), "ward": (out["ward"], None)}.items():
        key = "lsoa21cd" if kind == "lsoa" else "ward_code"
        true = sup[kind][1].set_index(key)
        for i, k in enumerate(st.display[key]):
            for c in COUNTS:
                if c not in st.display:
                    continue
                cell = (kind, k, c)
                values[cell] = float(true.at[k, c])
                if st.mask[c].iat[i]:
                    suppressed.add(cell)
                if st.reason[c].iat[i] == "primary":
                    primary.add(cell)
    rels_ok = [r for r in rels if all(np.isfinite(values.get(c, np.nan)) for c in (r[0], *r[1]))]
    zero_small = {c for c in values if c[0] == "lsoa"}
    assert not pinned_cells(values, primary, suppressed, rels_ok, 5, zero_small=zero_small, allowed=allowed)
    assert len(primary) > 20  # there is something to protect


def test_bands_cannot_be_inverted_on_a_small_denominator():
    """A 10-point band of priority with a known prior and denominator: the gate withholds it when it would pin."""
    lsoa, wards = synthetic_areas(7, n_areas=40)
    out, *_ = _gate(lsoa, wards, DisclosureRule())
    pub = out["lsoa"].display
    withheld = pub["priority_score"].astype(str) == "c"
    assert withheld.any() and (~withheld).any()  # some rows keep their band, some lose it
    # a withheld band takes the rank, the engagement band with it
    assert (pub.loc[withheld, "priority_rank"].astype(str) == "c").all()
    assert (pub.loc[withheld, "engagement_score"].astype(str) == "c").all()
    # ranked rows first, ranked by band then need score
    ranked = pub[~withheld]
    assert list(ranked.index) == list(range(len(ranked)))
    assert pd.to_numeric(ranked["priority_score"]).is_monotonic_decreasing


def test_presets_and_rounding():
    small, nhs = DisclosureRule.preset("small-area"), DisclosureRule.preset("nhs-england")
    assert (small.threshold, small.rounding, small.label) == (5, 1, "<5")
    assert (nhs.threshold, nhs.rounding, nhs.label) == (8, 5, "*")
    custom = DisclosureRule.preset("custom", threshold=10, rounding=10)
    assert custom.label == "<10" and "nearest 10" in custom.statement()
    with pytest.raises(ValueError):
        DisclosureRule.preset("nhs")
    from geo.disclosure import format_count
    assert [format_count(v, nhs) for v in (0, 3, 7, 8, 12, 13)] == ["0", "*", "*", "10", "10", "15"]


def test_config_presets(tmp_path):
    from geo.config import ConfigError, load_config

    base = (tmp_path / "c.toml")
    src = Path("config.toml").read_text()
    head = src.split("[disclosure]")[0]
    tail = src.split("[disclosure]")[1].split("\n[", 1)[1]
    for body, expect in (('rule = "nhs-england"', ("nhs-england", 8, 5)), ('rule = "custom"\nthreshold = 10\nrounding = 5', ("custom", 10, 5)),
                         ("threshold = 7", ("custom", 7, 1)), ("", ("small-area", 5, 1))):
        base.write_text(f"{head}[disclosure]\n{body}\n\n[{tail}")
        cfg = load_config(base)
        r = DisclosureRule.from_config(cfg)
        assert (r.name, r.threshold, r.rounding) == expect, body
    for body in ('rule = "nhs"', 'rule = "nhs-england"\nthreshold = 5', 'rule = "custom"\nrounding = 0'):
        base.write_text(f"{head}[disclosure]\n{body}\n\n[{tail}")
        with pytest.raises(ConfigError, match="disclosure"):
            load_config(base)


def _coarse_by_bootstrap(areas: pd.DataFrame, code: str, k: int, n: int, h: int) -> tuple:
    """The published coarse rank interval and p_top class of area ``code`` if its counts were (k, n, h): the model's
    own posterior bootstrap re-run with the same seed on every other area's true counts (a reader who knows them all)."""
    a = areas.copy()
    i = int(np.flatnonzero(a["lsoa21cd"] == code)[0])
    a.iloc[i, a.columns.get_indexer(["review_completed", "review_eligible", "hub_children"])] = [k, n, h]
    base = a[["lsoa21cd", "under5_est", "imd_score", "idaci_score", "income_score", "review_eligible", "review_completed",
              "hub_children"]]
    s = score_areas(base, WEIGHTS)
    r = rank_intervals(s, seed=SEED, top_n=TOP_N, draws=DRAWS)
    lo, hi = rank_band_edges(r["priority_rank_lo"], r["priority_rank_hi"], width=rank_block(int(r["p_top"].notna().sum())))
    p = r["p_top"].iat[i]
    label = next((lab for edge, lab in P_TOP_BANDS if p < edge or (edge == 0.9 and p <= edge)), ">90%")
    return lo.iat[i], hi.iat[i], label


@pytest.mark.parametrize("seed", [1, 3])
def test_rank_intervals_and_p_top_are_coarse_and_pin_nothing(seed):
    """Issue 18's rank interval and p_top: blocks of ranks and four classes, withheld with the band, and in rows with a
    withheld count published only where every count the row's bands allow gives the same coarse value; re-running the
    model's own bootstrap for each candidate (others' counts known) leaves every withheld small count two values."""
    lsoa, wards = synthetic_areas(seed)
    out, *_ = _gate(lsoa, wards, DisclosureRule())
    pub = out["lsoa"].display
    shown_p = pub["p_top"].astype(str)
    assert set(shown_p) <= {lab for _, lab in P_TOP_BANDS} | {">90%", "c", "nan"}
    width = rank_block(len(lsoa))
    for c, edge in (("priority_rank_lo", 1), ("priority_rank_hi", 0)):
        vals = pd.to_numeric(pub[c], errors="coerce").dropna()
        assert len(vals) and ((vals - edge) % width == 0).all(), c
    band_withheld = pub["priority_score"].astype(str) == "c"
    assert (shown_p[band_withheld] == "c").all() and (pub.loc[band_withheld, "priority_rank_lo"].astype(str) == "c").all()
    withheld_counts = pub[list(COUNTS)].map(lambda v: isinstance(v, str)).any(axis=1)
    published_here = withheld_counts & (shown_p != "c")
    assert published_here.any(), "the check is vacuous: no row with a withheld count shows p_top"
    joint: dict = {}
    feasible_by_formulas(pub.astype(dict.fromkeys(COUNTS, str)), lsoa, zero_small=True, joint=joint)
    for _, row in pub[published_here].iterrows():
        code = row["lsoa21cd"]
        cand = joint[code]
        shown = [(j, row[c] if c == "p_top" else float(row[c])) for j, c in enumerate(("priority_rank_lo", "priority_rank_hi", "p_top"))
                 if str(row[c]) != "c"]  # the rank interval and p_top are withheld separately
        keep = [c for c in cand if all(_coarse_by_bootstrap(lsoa, code, *c)[j] == v for j, v in shown)]
        for j, col in enumerate(("review_completed", "review_eligible", "hub_children")):
            if row[col] == "<5":
                assert len({c[j] for c in keep}) >= 2, (code, col, keep)


def test_no_data_rows_do_not_pin_a_withheld_zero():
    """No attendance data at all: an LSOA with no eligible children has no score ("no data"); a blank band would say
    eligible = 0 behind its "<5", so the gate withholds what would pin it and the attacker matches blanks too."""
    lsoa, _ = synthetic_areas(5)
    base = lsoa[["lsoa21cd", "lsoa21nm", "lad_code", "ward_code", "ward_name", "hub_id", "under5_est", "imd_score",
                 "idaci_score", "income_score", "review_eligible", "review_completed"]].assign(hub_children=0)
    s = score_areas(base, WEIGHTS)
    lsoa = pd.concat([base, s.drop(columns=[c for c in s.columns if c in base]),
                      rank_intervals(s, seed=SEED, top_n=TOP_N, draws=DRAWS)], axis=1)
    nodata = lsoa["engagement_basis"] == "no data: check the extract"
    assert nodata.sum() >= 2 and lsoa.loc[nodata, "priority_score"].isna().all()
    wards = lsoa.groupby(["ward_code", "ward_name", "lad_code"], as_index=False)[
        ["under5_est", "review_eligible", "review_completed", "hub_children"]].sum()
    wards[["imd_score", "idaci_score"]] = lsoa.groupby("ward_code")[["imd_score", "idaci_score"]].mean().to_numpy()
    wards["income_score"] = np.nan
    ws = score_areas(wards, WEIGHTS)
    wards = pd.concat([wards, ws.drop(columns=[c for c in ws.columns if c in wards])], axis=1)
    out, *_ = _gate(lsoa, wards, DisclosureRule())
    pub = out["lsoa"].display
    assert not pinned_by_formulas(pub.astype(dict.fromkeys(COUNTS, str)), lsoa, zero_small=True)
    shown = pub.set_index("lsoa21cd").loc[lsoa.loc[nodata, "lsoa21cd"], "priority_score"].astype(str)
    assert (shown == "c").all(), shown  # a blank band would pin eligible = 0
