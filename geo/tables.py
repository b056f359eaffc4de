"""Read a council's CSV or XLSX extract strictly, so every problem can be named.

Values are read as text (nothing is coerced silently); the header must be the first row.
File row numbers follow the spreadsheet convention: the header is row 1, the first data
row is row 2.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pandas as pd

from geo.errors import InputProblem, ValidationError

__all__ = ["read_table", "file_rows", "normalise_column"]


def normalise_column(name: object) -> str:
    """``' Area Code '`` -> ``'area_code'``."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def _read_raw(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        try:
            raw = pd.read_excel(path, sheet_name=0, header=None, dtype=str, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for a damaged workbook
            raise ValidationError([InputProblem(path, f"cannot be read as an Excel workbook ({exc.__class__.__name__}: {exc})")]) from None
        return raw.dropna(how="all").dropna(axis=1, how="all")
    if suffix not in {".csv", ".txt"}:
        raise ValidationError([InputProblem(path, f"unsupported file type '{suffix}': give a .csv (UTF-8) or .xlsx file")])
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
    import io

    try:
        raw = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                          skip_blank_lines=False, on_bad_lines="error")
    except pd.errors.ParserError as exc:
        raise ValidationError([InputProblem(path, f"is not a well-formed CSV: {exc}")]) from None
    except pd.errors.EmptyDataError:
        raise ValidationError([InputProblem(path, "the file is empty: expected a header row and data rows")]) from None
    raw = raw.replace("", pd.NA)
    return raw


def read_table(path: Path, required: list[str], optional: list[str] = (), *, alternatives: list[list[str]] = ()) -> pd.DataFrame:
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

    Returns
    -------
    DataFrame
        Text values (``<NA>`` where empty), columns normalised, and a column ``_row``
        with the file row number of each data row.

    Raises
    ------
    ValidationError
        Missing file, empty file, non-UTF-8 text, extra header rows, missing or
        misspelt columns.
    """
    path = Path(path)
    if not path.is_file():
        raise ValidationError([InputProblem(path, "file not found (check the path in the config; relative paths resolve against the config file's folder)")])
    raw = _read_raw(path)
    if raw.empty:
        raise ValidationError([InputProblem(path, "the file is empty: expected a header row and data rows")])
    # the header must be the first non-empty row
    expected = set(required) | set(optional) | {c for g in alternatives for c in g}
    first_row_index = int(raw.index[0])
    header = [normalise_column(c) for c in raw.iloc[0].tolist()]
    if not set(required) & set(header):
        for i in range(1, min(len(raw), 15)):
            cand = [normalise_column(c) for c in raw.iloc[i].tolist()]
            if set(required) <= set(cand):
                hdr_row = int(raw.index[i]) + 1
                raise ValidationError([InputProblem(
                    path, f"the header is on row {hdr_row}, not row 1: delete the {hdr_row - first_row_index - 1} "
                    "title or note row(s) above it so the column names are the first row", rows=tuple(range(first_row_index + 1, hdr_row)),
                )])
    problems = []
    for col in required:
        if col not in header:
            guess = difflib.get_close_matches(col, [h for h in header if h not in expected], n=1, cutoff=0.6)
            hint = f" (found '{guess[0]}': is it misspelt?)" if guess else f"; the header has {[h for h in header if h]}"
            problems.append(InputProblem(path, f"required column is missing{hint}", column=col, rows=(first_row_index + 1,)))
    if alternatives and not any(set(g) <= set(header) for g in alternatives):
        groups = " or ".join("+".join(g) for g in alternatives)
        problems.append(InputProblem(path, f"no location columns: give {groups}", column=alternatives[0][0], rows=(first_row_index + 1,)))
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    for d in dupes:
        problems.append(InputProblem(path, "column appears more than once in the header", column=d, rows=(first_row_index + 1,)))
    if problems:
        raise ValidationError(problems)
    body = raw.iloc[1:].copy()
    body.columns = header
    body = body[[c for c in header if c in expected]]
    body["_row"] = body.index.astype(int) + 1
    body = body.dropna(how="all", subset=[c for c in body.columns if c != "_row"])
    if body.empty:
        raise ValidationError([InputProblem(path, "has a header but no data rows")])
    for c in body.columns:
        if c != "_row":
            body[c] = body[c].astype("string").str.strip()
    return body.reset_index(drop=True)


def file_rows(frame: pd.DataFrame, mask) -> tuple[int, ...]:
    """File row numbers of the rows selected by ``mask``."""
    return tuple(int(r) for r in frame.loc[mask, "_row"])
