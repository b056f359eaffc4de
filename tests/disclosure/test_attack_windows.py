"""An attacker who differences the app's Period choices: can a withheld count come back?

Every choice of the sidebar's Period selector (:func:`geo.app.trends.period_options`) is a build
whose LSOA, ward and hub tables go through the gate on their own, and whose Trends tab is gated
across periods. The reader takes every table of every choice (as displayed) and solves for the
LSOA x quarter counts (:mod:`tests.disclosure.window_attack`): first by differencing alone (a
withheld cell that is a combination of shown cells), then with an integer programme over every
shown value and label. No withheld small count may be pinned. Then the same attack on windows
the selector used to offer (rolling windows ending each quarter, and quarters alone) must
recover counts, so the attack has teeth.
"""
from __future__ import annotations

import pytest

from geo.app.trends import period_options
from geo.build import prepare
from geo.disclosure import DisclosureRule
from tests.disclosure.window_attack import WindowReader, build_window, lsoa_quarters, publish

pytestmark = pytest.mark.slow


def _choice(option: str) -> tuple[str | None, int | None]:
    return (option.split("|")[0], int(option.split("|")[1])) if option else (None, None)


def _publications(config, *, link_lsoa: bool = False):
    rule = DisclosureRule.from_config(config)
    options = period_options(prepare(config))
    return [publish(build_window(config, *_choice(o)), rule, o or "default", link_lsoa=link_lsoa) for o in options]


@pytest.fixture(scope="module")
def truth(biborough_config):
    return lsoa_quarters(build_window(biborough_config, None, None))


@pytest.fixture(scope="module")
def offered(biborough_config):
    return _publications(biborough_config)


def _pinned(pubs, truth) -> tuple[list, list]:
    """(withheld small counts recovered by differencing, those pinned by the integer attack)."""
    reader = WindowReader(pubs, truth)
    small = reader.small_withheld()
    assert reader.dropped == 0  # the reader's sums hold for every published cell
    assert len(small) > 100  # small LSOA counts and ward quarters: the attack has work to do
    ranges = reader.attack(small, sweeps=2)
    return reader.differenced(small), [c.key for c in small if ranges[c.key][0] == ranges[c.key][1]]


def test_the_period_choices_share_no_quarter(offered):
    assert len(offered) >= 2  # the demo has 8 quarters: the default year and the year before
    quarters = [q for p in offered for q in p.window]
    assert len(quarters) == len(set(quarters))
    assert all(len(p.window) == len(offered[0].window) for p in offered)  # full windows only


def test_the_period_choices_give_nothing_back_beyond_the_pack(offered, truth):
    """Every choice together pins no withheld count the default window (the pack, with its
    Trends tab) does not pin alone; the Trends tab is the same for every choice."""
    differenced, pinned = _pinned(offered, truth)
    assert differenced == [], f"{len(differenced)} withheld small count(s) recovered by differencing"
    _, pack = _pinned(offered[:1], truth)
    assert set(pinned) <= set(pack), f"{len(set(pinned) - set(pack))} more withheld small count(s) pinned"
    counts = ["numerator", "denominator", "not_reviewed"]
    assert all(p.trends[counts].astype(str).equals(offered[0].trends[counts].astype(str)) for p in offered)


def test_linking_the_lsoa_tables_to_the_trends_pins_nothing(biborough_config, truth):
    """With ``link_lsoa`` the Trends gate attacks the LSOA tables of every choice with the
    trends: nothing is pinned, not even what the pack alone gives back without it."""
    differenced, pinned = _pinned(_publications(biborough_config, link_lsoa=True), truth)
    assert differenced == [] and pinned == [], f"{len(differenced)} differenced, {len(pinned)} pinned: {pinned[:3]}"


def test_the_attack_recovers_counts_from_overlapping_windows(biborough_config, truth):
    """Choices the selector used to offer: the windows cut where the extracts begin (2024-Q1 to
    2024-Q2, to 2024-Q3) and those quarters alone. Each is gated on its own; together they give
    counts back (2024-Q3 alone = the three quarters minus the first two)."""
    rule = DisclosureRule.from_config(biborough_config)
    pubs = [publish(build_window(biborough_config, *c), rule, f"{c[0]}|{c[1]}", trends=False)
            for c in (("2024-Q2", 4), ("2024-Q3", 4), ("2024-Q2", 1), ("2024-Q3", 1))]
    reader = WindowReader(pubs, truth)
    differenced = reader.differenced(reader.small_withheld())
    assert sum(len(c.key[0]) == 1 for c in differenced) > 10  # LSOA counts (wards' too)
