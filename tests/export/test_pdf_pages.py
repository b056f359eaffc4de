"""geo.export.pdf_layout and pdf_pages: text widths, fitting, wrapping, tables, and what a page figure writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from geo.config import load_config
from geo.export.pdf_layout import PAGE_SIZE, Column, column_widths, draw_table, fit_text, text_width, wrap_to
from geo.export.pdf_pages import CONVENTION, WARD_COLUMNS, PackContext, ward_pages
from geo.export.plan import WARD_ROWS_PER_PAGE

REPO = Path(__file__).resolve().parents[2]


def test_text_width_follows_helvetica_classes():
    assert text_width("", 10) == 0
    # narrow, ordinary, capital and wide letters at 72 pt: em fractions of an inch
    assert text_width("i", 72) == pytest.approx(0.28)
    assert text_width("a", 72) == pytest.approx(0.556)
    assert text_width("A", 72) == pytest.approx(0.68)
    assert text_width("W", 72) == pytest.approx(0.83)
    assert text_width("ab", 10) == pytest.approx(2 * text_width("a", 10))
    assert text_width("ab", 20) == pytest.approx(2 * text_width("ab", 10))
    assert text_width("ab", 10, bold=True) == pytest.approx(1.06 * text_width("ab", 10))
    assert text_width(123, 72) == pytest.approx(3 * 0.556)


def test_fit_text_keeps_short_text_and_cuts_long_text_with_an_ellipsis():
    assert fit_text("  Abbey   Road ", 5, 10) == "Abbey Road"  # no double spaces
    cut = fit_text("Westminster 018A", 0.8, 10)
    assert cut.endswith("…") and "Westminster 018A".startswith(cut[:-1])
    assert text_width(cut, 10) <= 0.8
    assert text_width(fit_text("Westminster 018A", 0.8, 10)[:-1] + "s…", 10) > 0.8  # the longest that fits
    assert fit_text("Westminster", 0.0, 10) == "…"
    assert text_width(fit_text("MMMMMMMMMM", 0.5, 10, bold=True), 10, True) <= 0.5


def test_wrap_to_breaks_between_words_at_the_width():
    lines = wrap_to("the quick brown fox jumps over the lazy dog", 1.0, 10)
    assert " ".join(lines) == "the quick brown fox jumps over the lazy dog"
    assert all(text_width(ln, 10) <= 1.0 for ln in lines)
    # each line but the last could not take the next word
    assert all(text_width(a + " " + b.split()[0], 10) > 1.0 for a, b in zip(lines, lines[1:]))
    assert wrap_to("Supercalifragilistic", 0.2, 10) == ["Supercalifragilistic"]  # a long word gets a line to itself
    assert wrap_to("", 1, 10) == []


def test_column_widths_fill_the_width_and_give_spare_to_growing_columns():
    cols = [
        Column("a", "Code"),
        Column("b", "Name", grow=2.0),
        Column("c", "Note", grow=1.0),
        Column("n", "N", "count"),
    ]
    cells = [["E01", "Abbey", "x", "12"]]
    w = column_widths(cols, cells, 6.0, fontsize=7, emphasis=[False], pad=0.05)
    assert w.sum() == pytest.approx(6.0)
    need = [
        max(text_width(h, 7, True), text_width(c, 7)) * 1.02 + 0.1
        for h, c in zip(("Code", "Name", "Note", "N"), cells[0])
    ]
    assert need[3] > text_width("N", 7, True) * 1.02 + 0.1  # "12" is wider than its header
    assert w[0] == pytest.approx(need[0]) and w[3] == pytest.approx(need[3])
    assert (w[1] - need[1]) == pytest.approx(2 * (w[2] - need[2]))
    tight = column_widths(
        cols, [["E01000001", "A very long name indeed", "note", "1,234"]], 1.0, fontsize=7, emphasis=[False], pad=0.05
    )
    assert tight.sum() == pytest.approx(1.0)


def _table_axes(width=6.0, height=3.0):
    fig = Figure(figsize=(width, height))
    return fig.add_axes((0, 0, 1, 1))


def test_draw_table_writes_headers_and_formatted_cells():
    ax = _table_axes()
    df = pd.DataFrame({"name": ["Abbey Road", "Total"], "n": [1234, "<5"], "rate": [0.5, float("nan")]})
    cols = [
        Column("name", "Name", grow=1.0),
        Column("n", "Children", "count"),
        Column("rate", "Take-up", "pct"),
        Column("absent", "Absent", "count"),
    ]
    widths = draw_table(ax, df, cols, fontsize=7, emphasis=[False, True])
    assert sum(widths) == pytest.approx(6.0)
    assert not ax.axison
    texts = [(t.get_text(), t.get_ha(), t.get_fontweight()) for t in ax.texts]
    assert texts[:4] == [
        ("Name", "left", "bold"),
        ("Children", "right", "bold"),
        ("Take-up", "right", "bold"),
        ("Absent", "right", "bold"),
    ]
    assert texts[4:8] == [
        ("Abbey Road", "left", "normal"),
        ("1,234", "right", "normal"),
        ("50%", "right", "normal"),
        ("–", "right", "normal"),
    ]
    assert [t[0] for t in texts[8:]] == ["Total", "<5", "–", "–"] and {t[2] for t in texts[8:]} == {"bold"}
    # rows go down the page; the emphasised row sits on a light blue band
    ys = [t.get_position()[1] for t in ax.texts]
    assert ys[0] > ys[4] > ys[8]
    bands = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bands) == 1 and bands[0].get_facecolor()[:3] == pytest.approx((0xE8 / 255, 0xEE / 255, 0xF7 / 255))
    assert len(ax.lines) == 1  # the rule under the header


def test_draw_table_truncates_text_that_does_not_fit():
    ax = _table_axes(width=1.2)
    df = pd.DataFrame({"name": ["Queen's Park and Maida Vale North"], "n": [7]})
    draw_table(ax, df, [Column("name", "Name", grow=1.0), Column("n", "N", "count")], fontsize=7)
    name = ax.texts[2].get_text()
    assert name.endswith("…") and len(name) < 20
    assert ax.texts[3].get_text() == "7"


def test_draw_table_caps_row_height():
    ax = _table_axes(height=6.0)
    df = pd.DataFrame({"name": ["a", "b"]})
    draw_table(ax, df, [Column("name", "Name")], fontsize=7, max_row_height=0.1)
    ys = [t.get_position()[1] for t in ax.texts]
    assert (ys[1] - ys[2]) * 6.0 == pytest.approx(0.1)  # one row: 0.1 inch of a 6-inch axes


def _ctx(n_wards: int, *, synthetic: bool) -> PackContext:
    config = load_config(REPO / "config.toml")
    config = config.with_(extracts=config.extracts.__class__(**{**vars(config.extracts), "synthetic": synthetic}))
    rows = [
        {
            "ward_code": f"E05{k:06d}",
            "ward_name": f"Ward {k}",
            "lad_code": "E09000033",
            "priority_rank": k + 1,
            "priority_score": 90 - k,
            "under5_est": 100 + k,
            "review_rate": 0.5,
        }
        for k in range(n_wards)
    ]
    rows.append({"ward_code": "E09000033 total", "lad_code": "E09000033", "under5_est": 999})
    rows.append({"ward_code": "Total", "under5_est": 999})
    tables = SimpleNamespace(wards=SimpleNamespace(display=pd.DataFrame(rows)))
    return PackContext(
        config=config,
        generated=dt.date(2026, 1, 2),
        periods={"review_takeup": "2024-25"},
        rule=None,
        tables=tables,
        hubs=None,
        hub_ids=[],
        sites=None,
        site_notes={},
        visits={},
        layers=SimpleNamespace(attribution="Boundaries: ONS. Scores: MHCLG."),
        la_names={"E09000033": "Westminster"},
        notes=[],
        reconciliation={},
        venue_points=lambda h: None,
        total_pages=9,
    )


def test_ward_pages_split_rows_and_write_title_footer_and_totals():
    ctx = _ctx(WARD_ROWS_PER_PAGE + 3, synthetic=True)
    figs = ward_pages(ctx, first_page=4)
    assert len(figs) == 2
    for p, fig in enumerate(figs):
        assert tuple(fig.get_size_inches()) == pytest.approx(PAGE_SIZE)
        texts = [t.get_text() for t in fig.texts]
        assert texts[0] == f"Ward summary ({p + 1} of 2)"
        assert texts[1].startswith(f"{WARD_ROWS_PER_PAGE + 3} wards with local-authority subtotals")
        assert "2-2½ year review take-up 2024-25" in texts[1]
        assert " SYNTHETIC DATA " in texts
        assert f"{ctx.config.name} · generated 2026-01-02 · page {4 + p} of 9" in texts
        assert CONVENTION in texts and "Boundaries: ONS.  ·  Scores: MHCLG." in texts
    first = [t.get_text() for t in figs[0].axes[0].texts]
    assert first[: len(WARD_COLUMNS)] == [c.header for c in WARD_COLUMNS]
    assert len(first) == len(WARD_COLUMNS) * (WARD_ROWS_PER_PAGE + 1)
    last = [t.get_text() for t in figs[1].axes[0].texts]
    assert "Westminster total" in last and "All wards" in last and "Ward 44" in last
    assert len(last) == len(WARD_COLUMNS) * (3 + 2 + 1)


def test_a_real_page_has_no_synthetic_badge():
    fig = ward_pages(_ctx(3, synthetic=False), first_page=1)[0]
    texts = [t.get_text() for t in fig.texts]
    assert texts[0] == "Ward summary" and " SYNTHETIC DATA " not in texts
