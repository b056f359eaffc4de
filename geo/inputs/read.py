"""Read a council's CSV or XLSX extract strictly, so every problem can be named.

Values are read as text (nothing is coerced silently); the header must be the first row (title
rows above it are found and reported as "the header is on row N"). Of an XLSX workbook the
sheet named in the config is read, else the first sheet, and messages say which.
File row numbers follow the spreadsheet convention: the header is row 1, the first data
row is row 2.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from pathlib import Path

import pandas as pd

from geo.errors import InputProblem, ValidationError

__all__ = ["read_table", "file_rows", "normalise_column", "escape", "examples", "shown"]


def normalise_column(name: object) -> str:
    """``' Area Code '`` -> ``'area_code'`` (an empty cell -> ``''``)."""
    if name is None or name is pd.NA or (isinstance(name, float) and name != name):
        return ""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def _read_raw(path: Path, *, sheet: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """All cells of the file as text (``<NA>`` where empty), indexed by file row - 1, and the sheet read."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _read_xlsx(path, sheet=sheet)
    if suffix not in {".csv", ".txt"}:
        raise ValidationError([InputProblem(path, f"unsupported file type {escape(suffix)!r}: give a .csv (UTF-8) or .xlsx file")])
    if sheet is not None:
        raise ValidationError([InputProblem(path, f"a sheet ({escape(sheet)!r}) is named in the config, but this is a CSV file (sheets are for .xlsx)")])
    data = path.read_bytes()
    if not data.strip():
        raise ValidationError([InputProblem(path, "the file is empty: expected a header row and data rows")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError([InputProblem(
            path, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at row {line}): "
            "save it as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8)", rows=(line,),
        )]) from None
    fast = _pandas_csv(text)
    if fast is not None:
        return fast, None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, starts, done = [], [], 0
    try:
        for row in reader:  # a quoted value may span lines: each record is numbered by its first line
            rows.append(row)
            starts.append(done)
            done = reader.line_num
    except csv.Error as exc:
        raise ValidationError([InputProblem(path, f"is not a well-formed CSV ({escape(exc)}): a quote opened on this row is not "
                                            "closed properly (a value containing \" must be quoted, with its quotes doubled)",
                                            rows=(done + 1,))]) from None
    width = max(len(r) for r in rows)
    raw = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object, index=starts)
    raw = raw.replace("", pd.NA)
    raw = raw[raw.notna().any(axis=1)]
    raw.attrs["widths"] = pd.Series([len(r) for r in rows], index=starts).loc[raw.index]
    return raw, None


def _pandas_csv(text: str) -> pd.DataFrame | None:
    """The fast reading (pandas' C parser), used when every record is one line and no row is wider than the
    first; ``None`` otherwise (the ``csv`` module then reads the file and names the rows at fault)."""
    try:
        raw = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False,
                          on_bad_lines="error")
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    if len(raw) != text.count("\n") + (not text.endswith("\n")):
        return None  # a quoted value spans lines (or "\r" line ends): number rows by file line instead
    raw = raw.replace("", pd.NA)
    return raw[raw.notna().any(axis=1)]


def _read_xlsx(path: Path, *, sheet: str | None) -> tuple[pd.DataFrame, str]:
    try:
        book = pd.ExcelFile(io.BytesIO(path.read_bytes()), engine="openpyxl")  # also a MemoryFile
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise ValidationError([InputProblem(path, f"cannot be read as an Excel workbook ({exc.__class__.__name__}: {escape(exc)})")]) from None
    with book:
        names = [str(n) for n in book.sheet_names]
        if sheet is not None and sheet not in names:
            raise ValidationError([InputProblem(path, f"has no sheet named {escape(sheet)!r} (the config names it); its sheets are "
                                                f"{', '.join(repr(escape(n)) for n in names)}")])
        name = sheet if sheet is not None else names[0]
        raw = pd.read_excel(book, sheet_name=name, header=None, dtype=str)
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    raw.attrs["sheets"] = names
    return raw, name


def _sheet_hint(sheet: str | None, sheets: list[str]) -> str:
    if sheet is None or len(sheets) < 2:
        return ""
    return (f" (sheet {escape(sheet)!r} was read, the first of {len(sheets)}: {', '.join(repr(escape(n)) for n in sheets)}; "
            "name the sheet to read in the config, e.g. [extracts] review_takeup_sheet = \"Data\")")


def _wide_rows(path: Path, raw: pd.DataFrame) -> list[InputProblem]:
    """Rows with values beyond the header's last column (empty trailing fields are harmless)."""
    widths = raw.attrs.get("widths")
    if widths is None or raw.shape[1] <= int(widths.iloc[0]):
        return []
    n_header = int(widths.iloc[0])
    spill = raw.iloc[1:, n_header:].notna().any(axis=1)
    if not spill.any():
        return []
    return [InputProblem(path, f"has more values than the header's {n_header} columns (an unquoted comma in a value?)",
                         rows=tuple(int(r) + 1 for r in spill.index[spill]))]


def _find_header(path: Path, raw: pd.DataFrame, required: list[str], hint: str) -> None:
    """Raise "the header is on row N" if the required names are on a later row (title rows above them)."""
    header = [normalise_column(c) for c in raw.iloc[0].tolist()]
    if set(required) <= set(header):
        return
    first_row = int(raw.index[0]) + 1
    for i in range(1, min(len(raw), 20)):
        cand = [normalise_column(c) for c in raw.iloc[i].tolist()]
        if set(required) <= set(cand):
            hdr_row = int(raw.index[i]) + 1
            raise ValidationError([InputProblem(
                path, f"the header is on row {hdr_row}, not row {first_row}: delete the {hdr_row - first_row} "
                "title or note row(s) above it so the column names are the first row" + hint,
                rows=tuple(range(first_row, hdr_row)),
            )])


def read_table(path: Path, required: list[str], optional: list[str] = (), *, alternatives: list[list[str]] = (),
               sheet: str | None = None) -> pd.DataFrame:
    """Read an extract, check its header and return its data rows as text.

    Parameters
    ----------
    path : Path
        A ``.csv`` (UTF-8) or ``.xlsx`` file.
    required : list of str
        Columns that must be present (names are compared after lower-casing and
        turning spaces and punctuation into ``_``).
    optional : list of str
        Columns that may be present.
    alternatives : list of list of str
        Groups of columns of which at least one complete group must be present
        (e.g. ``[["lat", "lon"], ["easting", "northing"], ["postcode"]]``).
    sheet : str, optional
        The XLSX sheet to read (default: the first); the sheet read is in ``attrs["sheet"]``.

    Returns
    -------
    DataFrame
        Text values (``<NA>`` where empty), columns normalised, and a column ``_row``
        with the file row number of each data row.

    Raises
    ------
    ValidationError
        Missing file, empty file, non-UTF-8 text, title rows above the header ("the header
        is on row N"), rows with more values than the header, missing or misspelt columns.
    """
    path = path if isinstance(path, Path) else Path(path)  # a MemoryFile (an upload in memory) stays one
    if not path.is_file():
        raise ValidationError([InputProblem(path, "file not found (check the path in the config; relative paths resolve against the config file's folder)")])
    raw, sheet_read = _read_raw(path, sheet=sheet)
    hint = _sheet_hint(sheet_read, raw.attrs.get("sheets", [])) if sheet is None else f" (sheet {escape(sheet_read)!r})"
    if raw.empty:
        raise ValidationError([InputProblem(path, "the file is empty: expected a header row and data rows" + hint)])
    expected = set(required) | set(optional) | {c for g in alternatives for c in g}
    _find_header(path, raw, required, hint)
    first_row_index = int(raw.index[0])
    header = [normalise_column(c) for c in raw.iloc[0].tolist()]
    problems = []
    for col in required:
        if col not in header:
            guess = difflib.get_close_matches(col, [h for h in header if h not in expected], n=1, cutoff=0.6)
            found = f"; the header has {[escape(h) for h in header if h]}" + hint
            hint_ = f" (found {escape(guess[0])!r}: is it misspelt?)" if guess else found
            problems.append(InputProblem(path, f"required column is missing{hint_}", column=col, rows=(first_row_index + 1,)))
    if alternatives and not any(set(g) <= set(header) for g in alternatives):
        groups = " or ".join("+".join(g) for g in alternatives)
        problems.append(InputProblem(path, f"no location columns: give {groups}", column=alternatives[0][0], rows=(first_row_index + 1,)))
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    for d in dupes:
        problems.append(InputProblem(path, "column appears more than once in the header", column=escape(d), rows=(first_row_index + 1,)))
    problems += _wide_rows(path, raw)
    if problems:
        raise ValidationError(problems)
    body = raw.iloc[1:, :len(header)].copy()
    body.columns = header
    body = body[[c for c in header if c in expected]]
    for c in body.columns:  # a cell of only spaces is empty
        body[c] = body[c].astype("string").str.strip().replace("", pd.NA)
    body["_row"] = body.index.astype(int) + 1
    body = body.dropna(how="all", subset=[c for c in body.columns if c != "_row"])
    if body.empty:
        raise ValidationError([InputProblem(path, "has a header but no data rows" + hint)])
    body = body.reset_index(drop=True)
    body.attrs["sheet"] = sheet_read
    return body


def file_rows(frame: pd.DataFrame, mask) -> tuple[int, ...]:
    """File row numbers of the rows selected by ``mask``."""
    if isinstance(mask, pd.Series):
        mask = mask.fillna(False).to_numpy(dtype=bool)  # an unknown (NA) comparison selects nothing
    return tuple(int(r) for r in frame.loc[mask, "_row"])


def shown(value) -> str:
    """A value as quoted in a message: ``repr``-like, control characters escaped (a NUL byte is ``\\x00``).

    Examples
    --------
    >>> print(shown("ab" + chr(0) + "c"))
    'ab\\x00c'
    """
    text = str(value)
    if len(text) > 40:
        text = text[:40] + "…"
    return repr(text)


def escape(value) -> str:
    """``value`` as text with control and other unprintable characters escaped (``\\x00``, ``\\n``)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))


def examples(values, n: int = 3) -> str:
    """Up to ``n`` distinct values for a message, each escaped (see :func:`escape`)."""
    return ", ".join(escape(v) for v in pd.unique(pd.Series(values, dtype=object))[:n])
