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


@pytest.fixture(scope="module")
def offered(biborough_config):
    rule = DisclosureRule.from_config(biborough_config)
    options = period_options(prepare(biborough_config))
    pubs = [publish(build_window(biborough_config, *_choice(o)), rule, o or "default") for o in options]
    return pubs, lsoa_quarters(build_window(biborough_config, None, None))


def test_the_period_choices_share_no_quarter(offered):
    pubs, _ = offered
    assert len(pubs) >= 2  # the demo has 8 quarters: the default year and the year before
    quarters = [q for p in pubs for q in p.window]
    assert len(quarters) == len(set(quarters))
    assert all(len(p.window) == len(pubs[0].window) for p in pubs)  # full windows only


def test_no_withheld_count_is_recovered_across_the_period_choices(offered):
    reader = WindowReader(*offered)
    small = reader.small_withheld()
    assert reader.dropped == 0  # the reader's sums hold for every published cell
    assert len(small) > 100  # small LSOA counts and ward quarters: the attack has work to do
    differenced = reader.differenced(small)
    assert differenced == [], f"{len(differenced)} withheld small count(s) recovered by differencing"
    ranges = reader.attack(small, sweeps=2)
    pinned = [c.key for c in small if ranges[c.key][0] == ranges[c.key][1]]
    assert pinned == [], f"{len(pinned)} withheld small count(s) pinned"


def test_the_attack_recovers_counts_from_overlapping_windows(biborough_config):
    """Choices the selector used to offer: the windows cut where the extracts begin (2024-Q1 to
    2024-Q2, to 2024-Q3) and those quarters alone. Each is gated on its own; together they give
    counts back (2024-Q3 alone = the three quarters minus the first two)."""
    rule = DisclosureRule.from_config(biborough_config)
    pubs = [publish(build_window(biborough_config, *c), rule, f"{c[0]}|{c[1]}", trends=False)
            for c in (("2024-Q2", 4), ("2024-Q3", 4), ("2024-Q2", 1), ("2024-Q3", 1))]
    reader = WindowReader(pubs, lsoa_quarters(build_window(biborough_config, None, None)))
    differenced = reader.differenced(reader.small_withheld())
    assert sum(len(c.key[0]) == 1 for c in differenced) > 10  # LSOA counts (wards' too)
