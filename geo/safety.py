"""Names and ids are data: formula-safe table cells, safe file names, plain text for Markdown.

Hub, venue and area names and ids come from council extracts and public files: the tool never
lets them act as anything but text.

- :func:`neutralise_cell` / :func:`neutralise_frame`: every text cell of a CSV or XLSX the
  tool writes that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading ``'`` (OWASP CSV-injection guidance), so a spreadsheet shows it as text and never
  evaluates it as a formula; numbers (negative ones too) stay numbers.
- :func:`safe_slug` / :func:`file_slugs`: a file name made from an id is an ASCII slug
  (letters, digits, ``.``, ``_``, ``-``), at most :data:`MAX_SLUG` characters, with a short
  SHA-256 suffix when the id had to be changed, was empty or would clash with another; never
  ``.`` or ``..``. :func:`inside` refuses any path that resolves outside its folder.
- :func:`plain_markdown`: a name put into Streamlit Markdown shows as its own text (no links,
  images, emphasis or HTML).

Examples
--------
>>> neutralise_cell('=HYPERLINK("http://x","click")')
'\\'=HYPERLINK("http://x","click")'
>>> neutralise_cell(-5), neutralise_cell("Queen's Park")
(-5, "Queen's Park")
>>> safe_slug("WCC-QPK"), safe_slug("../../evil")
('WCC-QPK', 'evil_0fbfd372')
>>> print(plain_markdown("![x](http://e.test/a.png)").replace("\\u2060", "|"))
\\!\\[x\\]\\(http\\:|\\/\\/e\\.test\\/a\\.png\\)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import DataError

__all__ = ["FORMULA_TRIGGERS", "MAX_SLUG", "file_slugs", "for_screen", "formula_cells", "inside", "neutralise_cell",
           "neutralise_frame", "plain_markdown", "printable", "safe_slug"]

#: first characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: longest file-name slug made from an id (the hash suffix included)
MAX_SLUG = 64

#: characters an XLSX cell cannot hold (XML 1.0 forbids them)
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: names Windows will not create as files, whatever the extension
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
#: ASCII punctuation: CommonMark lets a backslash escape any of it
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


def neutralise_cell(value, *, xlsx: bool = False):
    """``value`` made safe for a spreadsheet cell: text starting with a formula trigger gets a leading ``'``.

    A carriage return inside text becomes a line feed: Python's ``csv`` writer (as pandas uses
    it, lines ending ``\\n``) does not quote a field for a bare CR, and a spreadsheet would start
    a new row there, whose first cell could be a formula; a line feed is quoted. With
    ``xlsx=True`` the control characters an XLSX file cannot hold (all but tab, LF and CR) are
    shown as U+FFFD. Anything that is not a ``str`` (numbers, dates, missing values) is
    returned unchanged.

    Examples
    --------
    >>> neutralise_cell("@SUM(1+1)"), neutralise_cell("-5"), neutralise_cell("\\tx")
    ("'@SUM(1+1)", "'-5", "'\\tx")
    >>> neutralise_cell("Church Street Library"), neutralise_cell(3.5), neutralise_cell("Hub\\r=1+1")
    ('Church Street Library', 3.5, 'Hub\\n=1+1')
    >>> neutralise_cell("Hub\\x07", xlsx=True)
    'Hub\ufffd'
    """
    if not isinstance(value, str):
        return value
    if xlsx:
        value = _XLSX_ILLEGAL.sub("\ufffd", value)
    if "\r" in value:
        value = ("'" if value.startswith("\r") else "") + value.replace("\r\n", "\n").replace("\r", "\n")
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


#: a hyphen-minus that is a number's sign: "-16.0", "-32.5 to -1.5", "(-3)"
_SIGN = re.compile(r"(?<![\w.])-(?=\d)")


def for_screen(df: pd.DataFrame) -> pd.DataFrame:
    """A display table for a screen or a page: numbers' signs as the minus sign (U+2212), then
    :func:`neutralise_frame`.

    People read "−16.0" (and screen readers say "minus"), not "'-16.0": with the minus sign a
    negative figure shown as text no longer starts with a formula trigger, so only names that do
    (``=cmd``) keep the leading ``'`` of :func:`neutralise_cell` (the table's own download, if the
    viewer offers one, is then safe too).

    Examples
    --------
    >>> out = for_screen(pd.DataFrame({"gap": ["-16.0", "-32.5 to -1.5", "3.5"], "name": ["=1+1", "A-1", "x"]}))
    >>> out["gap"].tolist(), out["name"].tolist()
    (['−16.0', '−32.5 to −1.5', '3.5'], ["'=1+1", 'A-1', 'x'])
    """
    out = df.copy()
    for i, (_, col) in enumerate(df.items()):
        if col.dtype.kind in "biufcmM" or isinstance(col.dtype, pd.CategoricalDtype):
            continue
        out.isetitem(i, col.map(lambda v: _SIGN.sub("\u2212", v) if isinstance(v, str) else v))
    return neutralise_frame(out)


def _unsafe(value, xlsx: bool = False) -> bool:
    return isinstance(value, str) and (value.startswith(FORMULA_TRIGGERS) or "\r" in value
                                       or (xlsx and _XLSX_ILLEGAL.search(value) is not None))


def _text_mask(col: pd.Series, xlsx: bool) -> np.ndarray:
    """Which cells of ``col`` :func:`neutralise_cell` changes."""
    if isinstance(col.dtype, pd.StringDtype):  # vectorised (pandas' default text columns)
        hit = col.str.startswith(FORMULA_TRIGGERS) | col.str.contains("\r", regex=False)
        if xlsx:
            hit |= col.str.contains(_XLSX_ILLEGAL.pattern, regex=True)
        return hit.fillna(False).to_numpy(dtype=bool)
    values = col.to_numpy(dtype=object)
    return np.fromiter((_unsafe(v, xlsx) for v in values), dtype=bool, count=len(values))


def neutralise_frame(df: pd.DataFrame, *, xlsx: bool = False) -> pd.DataFrame:
    """``df`` with every text cell (and column name) passed through :func:`neutralise_cell`.

    Numeric columns are not touched (a negative number stays a number); in a mixed column (a
    suppressed count column holds numbers and ``"<5"``) only the text cells change. Returns
    ``df`` itself when nothing needs neutralising, else a copy. ``xlsx=True`` for a frame
    written to an XLSX sheet (see :func:`neutralise_cell`).

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["+cmd|' /C calc'!A0", "Library"], "change": [-1.5, 2.0]})
    >>> out = neutralise_frame(df)
    >>> out["name"].tolist(), out["change"].tolist()
    (["'+cmd|' /C calc'!A0", 'Library'], [-1.5, 2.0])
    >>> neutralise_frame(out) is out
    True
    """
    out = df
    for i, (_, col) in enumerate(df.items()):
        if col.dtype.kind in "biufcmM":
            continue
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = col.cat.categories
            if any(_unsafe(c, xlsx) for c in cats):
                out = out.copy() if out is df else out
                out.isetitem(i, col.cat.rename_categories([neutralise_cell(c, xlsx=xlsx) for c in cats]))
            continue
        mask = _text_mask(col, xlsx)
        if mask.any():
            out = out.copy() if out is df else out
            values = col.to_numpy(dtype=object).copy()
            values[mask] = [neutralise_cell(v, xlsx=xlsx) for v in values[mask]]
            out.isetitem(i, pd.Series(values, index=col.index, dtype=object if col.dtype == object else col.dtype))
    names = [neutralise_cell(c, xlsx=xlsx) for c in df.columns]
    if names != list(df.columns):
        out = out.copy() if out is df else out
        out.columns = names
    return out


def formula_cells(values) -> list:
    """The text values that a spreadsheet could read as formulas (for checks and tests).

    A cell starting with ``-`` or ``+`` that reads as a number is a number, not a formula.

    Examples
    --------
    >>> formula_cells(["-0.25", "=1+1", "'=1+1", "-x", "Library"])
    ['=1+1', '-x']
    """
    out = []
    for v in values:
        if not isinstance(v, str) or not v.startswith(FORMULA_TRIGGERS):
            continue
        try:
            float(v)
        except ValueError:
            out.append(v)
    return out


def _hash(identifier: str, n: int = 8) -> str:
    return hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()[:n]


def safe_slug(identifier, *, taken: set[str] | None = None, max_length: int = MAX_SLUG) -> str:
    """A safe file-name stem for ``identifier``.

    ASCII letters, digits, ``.``, ``_`` and ``-`` only (accents are dropped, anything else runs
    to one ``_``), not starting with ``.`` or ``-``, at most ``max_length`` characters. An id that
    is already such a name is its own slug; otherwise, or when the name is empty, a reserved
    Windows name, or already in ``taken`` (compared without case, as on Windows and macOS), a
    ``_`` and the first 8 hex digits of the id's SHA-256 are appended. The slug returned is
    added to ``taken``.

    Parameters
    ----------
    identifier : object
        A hub id, venue id or similar (``str()`` of it is used).
    taken : set of str, optional
        Slugs already in use (lower case), updated in place.
    max_length : int
        At least 16.

    Returns
    -------
    str

    Examples
    --------
    >>> safe_slug("WCC-QPK"), safe_slug("/tmp/abs"), safe_slug("..."), safe_slug("Café Nord")
    ('WCC-QPK', 'tmp_abs_13caa5c4', 'id_ab5df625', 'Cafe_Nord_a8fa3141')
    >>> taken = set()
    >>> safe_slug("a/b", taken=taken), safe_slug("a_b", taken=taken), safe_slug("A_B", taken=taken)
    ('a_b_c14cddc0', 'a_b', 'A_B_6c1908f9')
    >>> len(safe_slug("x" * 300))
    64
    """
    text = str(identifier)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"_{2,}", "_", _UNSAFE.sub("_", re.sub(r"\.{2,}", "_", ascii_text))).strip("._-")
    base = base[: max_length - 9].rstrip("._-") if len(base) > max_length else base
    taken = set() if taken is None else taken
    changed = base != text or not base or base.split(".")[0].lower() in _RESERVED or base.lower() in taken
    stem = base or "id"
    slug = f"{stem}_{_hash(text)}" if changed else base
    n = 0
    while slug.lower() in taken:  # an id whose name equals another's hashed slug
        n += 1
        slug = f"{stem}_{_hash(f'{text}#{n}')}"
    taken.add(slug.lower())
    return slug


def file_slugs(identifiers) -> dict[str, str]:
    """``{id: slug}`` for several ids (in sorted order, so the same ids give the same names).

    Examples
    --------
    >>> file_slugs(["b", "a/b", "a_b"])
    {'a/b': 'a_b_c14cddc0', 'a_b': 'a_b', 'b': 'b'}
    """
    ids = sorted({str(i) for i in identifiers})
    taken: set[str] = set()
    # ids that are already safe names first, so that they keep their own name
    plain = [i for i in ids if safe_slug(i) == i]
    out = {i: safe_slug(i, taken=taken) for i in plain}
    out.update({i: safe_slug(i, taken=taken) for i in ids if i not in out})
    return dict(sorted(out.items()))


def inside(folder: str | Path, name: str | Path) -> Path:
    """``folder / name``, refused if it resolves outside ``folder`` (``..``, an absolute path, a link).

    Raises
    ------
    DataError
        If the path would be outside ``folder``.

    Examples
    --------
    >>> inside("/tmp/out", "maps/A.png").as_posix()
    '/tmp/out/maps/A.png'
    >>> inside("/tmp/out", "../evil.png")
    Traceback (most recent call last):
    ...
    geo.errors.DataError: refusing to write '../evil.png' outside the output folder /tmp/out
    """
    root = Path(folder).resolve()
    path = (root / name).resolve()
    if path == root or not path.is_relative_to(root):
        raise DataError(f"refusing to write {str(name)!r} outside the output folder {root}")
    return path


def printable(text) -> str:
    """``text`` for a terminal: control characters (an ANSI escape, a BEL, a CR) written as escapes.

    Examples
    --------
    >>> print(printable("Hub\\x1b[31m red\\r"))
    Hub\\x1b[31m red\\r
    """
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(text))


def plain_markdown(text) -> str:
    """``text`` for Streamlit Markdown, shown as itself: no link, image, emphasis, heading or HTML.

    Every ASCII punctuation character is backslash-escaped (CommonMark allows it for all of them),
    so no character has a Markdown or HTML meaning. Streamlit's Markdown (GitHub flavour) also
    turns bare ``www.``, ``http://`` and e-mail addresses in the *text* into links, after escapes
    are resolved: an invisible word joiner (U+2060) after ``www``, ``:`` of ``://`` and ``@``
    keeps them text (checked in a browser by ``tests/app/test_safety_browser.py``).

    Examples
    --------
    >>> print(plain_markdown("**Hub** <b>"), plain_markdown("St Mary's (north)"))
    \\*\\*Hub\\*\\* \\<b\\> St Mary\\'s \\(north\\)
    """
    out = _MD_PUNCT.sub(r"\\\1", str(text))
    out = re.sub(r"(?i)(www)(?=\\\.)", "\\1\u2060", out)
    return out.replace("\\@", "\\@\u2060").replace("\\:\\/\\/", "\\:\u2060\\/\\/")
