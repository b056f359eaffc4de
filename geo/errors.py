"""Errors that name the file, the row and the column at fault.

Every user-facing problem with input data is an :class:`InputProblem`; a validation step
collects them all (rather than stopping at the first) and raises :class:`ValidationError`,
which the command line prints one line per problem and turns into exit code 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["InputProblem", "ValidationError", "DataError", "DownloadError", "format_rows"]


def format_rows(rows, limit: int = 10) -> str:
    """``[3, 4, 5, 9]`` -> ``"rows 3-5, 9"`` (file row numbers, header = row 1)."""
    rows = sorted({int(r) for r in rows})
    if not rows:
        return ""
    spans, start, prev = [], rows[0], rows[0]
    for r in rows[1:]:
        if r == prev + 1:
            prev = r
            continue
        spans.append((start, prev))
        start = prev = r
    spans.append((start, prev))
    text = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans[:limit])
    if len(spans) > limit:
        text += f" and {len(spans) - limit} more"
    return ("row " if len(rows) == 1 else "rows ") + text


@dataclass(frozen=True)
class InputProblem:
    """One problem in one input file.

    Parameters
    ----------
    file : Path
        The file at fault.
    message : str
        What is wrong, in the user's terms.
    column : str, optional
        The column at fault.
    rows : tuple of int
        File row numbers (the header is row 1), empty for file-level problems.
    """

    file: Path
    message: str
    column: str | None = None
    rows: tuple[int, ...] = ()

    def __str__(self) -> str:
        where = [str(self.file)]
        if self.rows:
            where.append(format_rows(self.rows))
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{': '.join(where)}: {self.message}"


class ValidationError(Exception):
    """One or more input problems; ``str()`` gives one line per problem."""

    def __init__(self, problems: list[InputProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DataError(Exception):
    """Public data is missing or unusable (e.g. ``fetch`` has not been run)."""


class DownloadError(RuntimeError):
    """A download from a public data publisher failed; the message names the URL."""
