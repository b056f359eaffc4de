"""Read a tagged PDF back through its structure tree (pdfplumber): tables, figures, text by element."""

from __future__ import annotations

import re
from collections import defaultdict

import pandas as pd
import pdfplumber
from pdfplumber.structure import PDFStructTree


class TaggedPdf:
    """The structure tree of a PDF, with the text of each marked-content id."""

    def __init__(self, path):
        self.pdf = pdfplumber.open(path)
        self.tree = PDFStructTree(self.pdf)
        chars = defaultdict(list)
        for page in self.pdf.pages:
            for c in page.chars:
                if c.get("mcid") is not None:
                    chars[(page.page_number, c["mcid"])].append(c)
        self.text_of = {k: _join(v) for k, v in chars.items()}

    def elements(self, kind: str) -> list:
        out = []

        def walk(e):
            if e.type == kind:
                out.append(e)
            for c in e.children:
                walk(c)

        for e in self.tree.children:
            walk(e)
        return out

    def text(self, element) -> str:
        parts = []

        def walk(e):
            for m in e.mcids or []:
                parts.append(self.text_of.get((e.page_number, m), ""))
            for c in e.children:
                walk(c)

        walk(element)
        return re.sub(r"(?<=\w-) (?=[a-z])", "", " ".join(" ".join(parts).split()))  # "take- up": a line broken at a hyphen

    def tables(self) -> list[tuple[int, pd.DataFrame]]:
        """Each table as (first page, DataFrame of its header and body cells' text).

        WeasyPrint tags each page's part of a table that runs over pages as its own Table (each
        with the repeated header); parts on consecutive pages with the same header are joined.
        """
        out: list[tuple[int, pd.DataFrame]] = []
        last_page = None
        for page, frame, pages in self._table_parts():
            if out and last_page is not None and page == last_page + 1 and frame.columns.tolist() == out[-1][1].columns.tolist() \
                    and not isinstance(frame.columns, pd.RangeIndex):
                out[-1] = (out[-1][0], pd.concat([out[-1][1], frame], ignore_index=True))
            else:
                out.append((page, frame))
            last_page = pages[-1]
        return out

    def _table_parts(self) -> list[tuple[int, pd.DataFrame, list[int]]]:
        out = []
        for table in self.elements("Table"):
            rows = [[self.text(c) for c in tr.children if c.type in ("TH", "TD")] for tr in _rows(table)]
            header = rows[0] if any(c.type == "THead" for c in table.children) else None
            body = rows[1:] if header else rows
            pages = sorted({p for p in _pages(table) if p is not None}) or [None]
            out.append((_first_page(table), pd.DataFrame(body, columns=header), pages))
        return out


def _rows(table) -> list:
    out = []
    for c in table.children:
        if c.type == "TR":
            out.append(c)
        elif c.type in ("THead", "TBody", "TFoot"):
            out += [r for r in c.children if r.type == "TR"]
    return out


def _pages(e) -> list:
    return [e.page_number] + [p for c in e.children for p in _pages(c)]


def _first_page(e) -> int | None:
    if e.page_number is not None:
        return e.page_number
    for c in e.children:
        p = _first_page(c)
        if p is not None:
            return p
    return None


def _join(chars) -> str:
    out, last = [], None
    for c in chars:
        new_line = last is not None and abs(c["top"] - last["top"]) > 1
        if new_line and out and out[-1] not in " -–" and c["text"] != " ":  # a line broken after a hyphen joins up
            out.append(" ")
        out.append(c["text"])
        last = c
    return "".join(out)
