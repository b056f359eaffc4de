"""Page layout for the ILT pack's PDF (matplotlib): printed text widths, fitting, wrapping, tables.

Text is measured with Helvetica's approximate character widths (the PDF uses the standard
core fonts), so layout needs no renderer and gives the same result on every machine.
Tables put at least two character widths between columns, so that ``pdftotext -layout``
reads them back column by column.

Examples
--------
>>> fit_text("Westminster 018A", 0.8, 10)
'Westmins…'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from geo.display import fmt_value
from geo.maps.printmap import plain

__all__ = ["PAGE_SIZE", "Column", "text_width", "fit_text", "wrap_to", "paragraphs", "column_widths", "draw_table"]

PAGE_SIZE = (11.69, 8.27)  # A4 landscape, inches


@dataclass(frozen=True)
class Column:
    """A printed table column.

    Attributes
    ----------
    key : str
        Column of the data frame.
    header : str
        Printed header (no double spaces).
    kind : str
        Formatting kind for :func:`fmt_value`; numeric kinds are right-aligned.
    grow : float
        Share of any spare width this column takes (text columns), and of any shortfall it
        gives up (its text is then truncated with an ellipsis).
    """

    key: str
    header: str
    kind: str = "text"
    grow: float = 0.0

    @property
    def right(self) -> bool:
        return self.kind not in ("text", "quadrant")


_NARROW = set("ijlI.,:;'|!() ")
_WIDE = set("MWmw@%")


def text_width(text: str, fontsize: float, bold: bool = False) -> float:
    """Approximate printed width in inches of ``text`` in Helvetica / Arial (the pack's PDF font).

    Examples
    --------
    >>> round(text_width("Westminster 018A", 10), 2)
    1.25
    """
    em = 0.0
    for ch in str(text):
        if ch in _NARROW:
            em += 0.28
        elif ch in _WIDE:
            em += 0.83
        elif ch.isupper():
            em += 0.68
        else:
            em += 0.556
    return em * fontsize / 72 * (1.06 if bold else 1.0)


def fit_text(text: str, width_in: float, fontsize: float, bold: bool = False) -> str:
    """Truncate with an ellipsis to fit ``width_in`` inches; never two spaces inside a cell."""
    text = " ".join(str(text).split())
    if text_width(text, fontsize, bold) <= width_in + 1e-6:
        return text
    while text and text_width(text + "…", fontsize, bold) > width_in:
        text = text[:-1]
    return text.rstrip() + "…"


def column_widths(columns: Sequence[Column], cells: list[list[str]], width_in: float, *, fontsize: float,
                  emphasis: Sequence[bool], pad: float) -> np.ndarray:
    """Column widths in inches that fill ``width_in``: each fits its header and cells (plus ``pad`` each side).

    Spare width goes to (and any shortfall comes from) the columns with ``grow > 0``; if the
    table is still too wide every column is scaled down, and if it is narrower the rest is
    shared out evenly.

    Examples
    --------
    >>> cols = [Column("a", "Code"), Column("b", "Name", grow=1.0)]
    >>> w = column_widths(cols, [["E01", "Abbey Road"]], 3.0, fontsize=7, emphasis=[False], pad=0.05)
    >>> round(float(w.sum()), 6), bool(w[1] > w[0])
    (3.0, True)
    """
    need = []
    for j, c in enumerate(columns):
        w = text_width(c.header, fontsize, True)
        for i, r in enumerate(cells):
            w = max(w, text_width(r[j], fontsize, emphasis[i]))
        need.append(w * 1.02 + 2 * pad)
    grow = np.array([c.grow for c in columns], dtype=float)
    need = np.array(need)
    fixed = need[grow == 0].sum()
    room = width_in - fixed
    widths = need.copy()
    if grow.sum() > 0 and room > 0:
        flex = need[grow > 0]
        if flex.sum() <= room:  # spare width to the growing columns
            widths[grow > 0] = flex + (room - flex.sum()) * grow[grow > 0] / grow.sum()
        else:  # shortfall from the growing columns, in proportion to what they would need
            widths[grow > 0] = flex * room / flex.sum()
    if widths.sum() > width_in:  # still too wide: scale everything
        return widths * width_in / widths.sum()
    return widths + (width_in - widths.sum()) / len(widths)


def draw_table(ax, df: pd.DataFrame, columns: Sequence[Column], *, fontsize: float = 7.0,
               emphasis: Sequence[bool] | None = None, max_row_height: float | None = None) -> list[float]:
    """Draw ``df`` as a table filling ``ax`` from the top (axes turned off).

    Column widths fit their header and cells; spare width goes to (and any shortfall comes
    from) the columns with ``grow > 0``, whose text is truncated with an ellipsis if needed.
    Columns are at least 1.2 em apart.

    Parameters
    ----------
    ax : Axes
    df : DataFrame
        Values as in the suppressed display tables.
    columns : list of Column
    fontsize : float
    emphasis : list of bool, optional
        Rows to print bold on a light band (totals).
    max_row_height : float, optional
        Cap on a row's height in inches (default 1.9 x the font size).

    Returns
    -------
    list of float
        Column widths in inches.
    """
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fig_w, fig_h = ax.figure.get_size_inches()
    box = ax.get_position()
    width_in, height_in = box.width * fig_w, box.height * fig_h
    emphasis = list(emphasis) if emphasis is not None else [False] * len(df)
    cells = [[plain(fmt_value(row[c.key], c.kind)) if c.key in row.index else "–" for c in columns] for _, row in df.iterrows()]
    pad = 0.6 * fontsize / 72  # inches each side
    widths = column_widths(columns, cells, width_in, fontsize=fontsize, emphasis=emphasis, pad=pad)
    lefts = np.cumsum([0.0, *widths[:-1]]) / width_in
    row_h_in = min(height_in / (len(df) + 1.3), max_row_height or fontsize * 1.9 / 72)
    row_h = row_h_in / height_in
    p = pad / width_in
    drop = fontsize * 0.36 / 72 / height_in  # baseline below the row's middle
    y = 1 - row_h * 0.65
    for c, x, w in zip(columns, lefts, widths / width_in):
        ax.text(x + w - p if c.right else x + p, y - drop, fit_text(c.header, w * width_in - 2 * pad, fontsize, True),
                ha="right" if c.right else "left", va="baseline", fontsize=fontsize, fontweight="bold")
    ax.plot([0, 1], [1 - row_h * 1.25] * 2, color="#333333", linewidth=0.6)
    for i, row in enumerate(cells):
        y = 1 - row_h * (i + 1.9)
        if emphasis[i] or i % 2 == 1:
            ax.add_patch(Rectangle((0, y - row_h / 2), 1, row_h, facecolor="#e8eef7" if emphasis[i] else "#f4f4f4",
                                   edgecolor="none", zorder=0))
        for c, x, w, text in zip(columns, lefts, widths / width_in, row):
            ax.text(x + w - p if c.right else x + p, y - drop, fit_text(text, w * width_in - 2 * pad, fontsize, emphasis[i]),
                    ha="right" if c.right else "left", va="baseline", fontsize=fontsize,
                    fontweight="bold" if emphasis[i] else "normal")
    return list(widths)


def wrap_to(text: str, width_in: float, fontsize: float) -> list[str]:
    """Greedy word wrap to a printed width (see :func:`text_width`).

    Examples
    --------
    >>> wrap_to("one two three four", 0.6, 10)
    ['one two', 'three', 'four']
    """
    lines: list[str] = []
    for word in str(text).split():
        if lines and text_width(lines[-1] + " " + word, fontsize) <= width_in:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def paragraphs(fig, x: float, y: float, width: float, items: Sequence[str], fontsize: float, *, bullet: bool = False,
                gap: float = 0.6, color: str = "black") -> float:
    """Write wrapped paragraphs from (x, y) down (figure fractions); return the y below them."""
    line = fontsize * 1.45 / 72 / PAGE_SIZE[1]
    ascent = fontsize * 0.8 / 72 / PAGE_SIZE[1]
    indent = 0.012 if bullet else 0.0
    for item in items:
        lines = wrap_to(plain(item), (width - indent) * PAGE_SIZE[0], fontsize)
        if bullet:
            fig.text(x, y - ascent, "•", fontsize=fontsize, va="baseline", color=color)
        for k, ln in enumerate(lines):
            fig.text(x + indent, y - ascent - k * line, ln, fontsize=fontsize, va="baseline", color=color)
        y -= line * (len(lines) + gap)
    return y
