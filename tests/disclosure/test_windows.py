"""The window grid: which analysis windows the app may show below hub level (geo.disclosure.windows)."""
from __future__ import annotations

from geo.disclosure.windows import window_grid
from geo.inputs.periods import parse_period


def _account(labels, analysis, window, **extracts):
    return {"analysis": analysis, "window": window, "extracts": extracts or {"review_takeup": labels}}, \
        {x: parse_period(x) for x in labels}


QUARTERS = [f"{y}-Q{q}" for y in (2023, 2024, 2025) for q in (1, 2, 3, 4)]


def test_full_windows_a_whole_window_apart_share_no_quarter():
    period, index = _account(QUARTERS, "2025-Q4", QUARTERS[-4:])
    grid = window_grid(period, index, 4)
    assert [w[-1] for w in grid] == ["2025-Q4", "2024-Q4", "2023-Q4"]
    assert len({q for w in grid for q in w}) == 12 and all(len(w) == 4 for w in grid)


def test_pool_one_offers_every_quarter_alone():
    period, index = _account(QUARTERS[-3:], "2025-Q4", ["2025-Q4"])
    assert window_grid(period, index, 1) == [["2025-Q4"], ["2025-Q3"], ["2025-Q2"]]


def test_windows_align_to_the_analysis_period_and_skip_gaps_and_partial_windows():
    labels = [q for q in QUARTERS if q != "2024-Q2"]  # a quarter missing from the extract
    period, index = _account(labels, "2025-Q2", ["2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"])
    grid = window_grid(period, index, 4)
    assert grid == [["2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"]]  # 2023-Q3..2024-Q2 lacks 2024-Q2; 2025-Q3.. is cut
    period, index = _account(QUARTERS[-6:], "2025-Q4", QUARTERS[-4:])
    assert window_grid(period, index, 4) == [QUARTERS[-4:]]  # 2024-Q3 to 2024-Q4 alone is no full window


def test_a_short_default_window_is_kept_and_later_full_windows_follow_it():
    period, index = _account(QUARTERS[:6], "2023-Q2", ["2023-Q1", "2023-Q2"])
    assert window_grid(period, index, 4) == [["2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"], ["2023-Q1", "2023-Q2"]]
    period, index = _account(QUARTERS, "2023-Q2", ["2023-Q1", "2023-Q2"])
    assert [w[-1] for w in window_grid(period, index, 4)] == ["2025-Q2", "2024-Q2", "2023-Q2"]


def test_only_quarters_every_extract_has():
    period, index = _account(QUARTERS, "2025-Q4", QUARTERS[-4:], review_takeup=QUARTERS, hub_attendance=QUARTERS[-5:])
    assert window_grid(period, index, 4) == [QUARTERS[-4:]]
