"""A section of an ILT pack that a feature contributes: a heading, a gated table, a figure with alt text.

Features that publish per-hub pages in the pack (trends, equity, ...) build :class:`PackSection`
objects from tables that have already been through the disclosure gate; the pack renders every
section the same way (heading, figure with its alt text, table with header cells, notes), so a
feature never draws its own page.

Examples
--------
>>> s = PackSection(title="Trends", table=pd.DataFrame({"Quarter": ["2025-Q4"], "Take-up": ["57%"]}))
>>> s.title, list(s.table.columns), s.figure is None
('Trends', ['Quarter', 'Take-up'], True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["PackSection"]


@dataclass(frozen=True)
class PackSection:
    """One titled block of a hub's pages (or of the whole-area pages).

    Parameters
    ----------
    title : str
        The heading, in plain words.
    table : DataFrame or None
        Display-ready cells (strings, already through the disclosure gate), column names for people.
    figure : bytes or None
        A PNG chart or map.
    alt : str
        What the figure shows, for screen readers (required when there is a figure).
    notes : list of str
        Caveats and definitions printed under the section.
    """

    title: str
    table: pd.DataFrame | None = None
    figure: bytes | None = None
    alt: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.figure is not None and not self.alt.strip():
            raise ValueError(f"pack section {self.title!r}: a figure needs alt text")
