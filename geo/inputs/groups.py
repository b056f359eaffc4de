"""Group columns of a periodic extract (``ethnic_group`` and ``[extracts] group_columns``).

With a group column an extract has one row per area x period x group (x hub); the area's
totals are the sums over its groups, so everything built on totals is unchanged. Each group
value is read with the column's :class:`~geo.config.groups.GroupVocabulary`: a value outside the
vocabulary (and its mapping) is a problem naming the file, rows and column; blank and "not
stated" values are the group ``Not stated``, counted and reported in the file's notes.

Examples
--------
>>> import pandas as pd
>>> from geo.config.groups import read_groups
>>> t = pd.DataFrame({"ethnic_group": ["White", "asian", None, "Martian"], "_row": [2, 3, 4, 5]})
>>> problems, notes = [], []
>>> vocab = read_groups({"ethnic_group": {"vocabulary": "ons5"}}, (), "c")
>>> out = read_group_columns(t, ["ethnic_group"], vocab, "f.csv", problems, notes)
>>> out["ethnic_group"].tolist(), problems[0].rows, notes[0][:52]
(['White', 'Asian', 'Not stated', None], (5,), "ethnic_group: 1 row(s) blank or 'not stated' (row 4)")
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.config.groups import NOT_STATED, GroupVocabulary, group_column_names
from geo.errors import InputProblem
from geo.inputs.read import examples, file_rows

__all__ = ["group_columns_for", "read_group_columns"]


def group_columns_for(rules) -> tuple[str, ...]:
    """The group columns an extract may carry under ``rules`` (:class:`geo.config.Extracts`)."""
    return group_column_names(tuple(getattr(rules, "group_columns", ())))


def read_group_columns(t: pd.DataFrame, columns, vocabularies: dict, path: Path, problems: list,
                       notes: list, *, show_values: bool = True) -> dict[str, pd.Series]:
    """The canonical group of every row, per group column present in ``t``.

    Unknown values are added to ``problems`` (their rows get ``None``; the values are quoted unless
    ``show_values`` is false, as for a record-level file); blank and "not stated" values become
    :data:`~geo.config.groups.NOT_STATED` and are counted in ``notes``.
    """
    out = {}
    for col in [c for c in columns if c in t.columns]:
        vocab = vocabularies.get(col) or GroupVocabulary(col)
        raw = t[col]
        lookup = {v: vocab.canonical(v) for v in raw.dropna().unique()}
        groups = pd.Series([NOT_STATED if pd.isna(v) else lookup[v] for v in raw], index=raw.index, dtype=object)
        unknown = groups.isna().to_numpy()
        if unknown.any():
            problems.append(InputProblem(
                path, f"not a known group ({examples(raw[unknown]) if show_values else 'values not shown: personal data'}); the groups are {list(vocab.groups)}: give one of them, "
                f"or map the local spelling in the config ([groups.{col}] map = {{ \"local spelling\" = \"group\" }})",
                column=col, rows=file_rows(t, unknown)))
        blank = (groups == NOT_STATED).to_numpy()
        if blank.any():
            rows = file_rows(t, blank)
            shown = ", ".join(map(str, rows[:5])) + (" ..." if len(rows) > 5 else "")
            notes.append(f"{col}: {len(rows)} row(s) blank or 'not stated' (row{'s' if len(rows) > 1 else ''} {shown}), "
                         f"counted in the area totals and as the group {NOT_STATED!r}")
        out[col] = groups
    return out
