"""Group columns of the extracts (``[extracts] group_columns``) and their vocabularies (``[groups.<column>]``).

Review take-up and hub attendance extracts may carry an ``ethnic_group`` column and any other
group column named in ``[extracts] group_columns`` (e.g. ``["language", "looked_after"]``). A
``[groups.<column>]`` table may give the column's vocabulary and a mapping from local spellings:

.. code-block:: toml

    [groups.ethnic_group]
    vocabulary = "ons5"                        # or a list: ["White", "Asian", ...]
    map = { "White British" = "White", "Any other ethnic group" = "Other" }

``"ons5"`` is the ONS five high-level ethnic groups (Census 2021), written ``Asian``, ``Black``,
``Mixed``, ``White`` and ``Other``; their full ONS names and the ONS 19 categories written
``"<high-level group>: <category>"`` (e.g. ``"White: Irish"``) are read too. Values are compared
ignoring case and surrounding spaces. A blank value, or one of :data:`NOT_STATED_SPELLINGS`, is the
group ``Not stated`` (counted and reported); any other value outside the vocabulary is an error
naming the file, rows and column. Without a vocabulary every non-blank value is a group.

Examples
--------
>>> g = read_groups({"ethnic_group": {"vocabulary": "ons5", "map": {"White British": "White"}}}, (), "c.toml")
>>> v = g["ethnic_group"]
>>> [v.canonical(x) for x in ("white british", "Black, Black British, Black Welsh, Caribbean or African", "Asian: Indian", "  ", "Martian")]
['White', 'Black', 'Asian', 'Not stated', None]
>>> read_groups({}, ("language",), "c.toml")["language"].canonical("Polish")
'Polish'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["GroupVocabulary", "ONS5", "ONS5_NAMES", "NOT_STATED", "NOT_STATED_SPELLINGS", "read_groups", "group_column_names"]

#: The ONS 5 high-level ethnic groups (short labels used in the outputs).
ONS5 = ("Asian", "Black", "Mixed", "White", "Other")
#: Their full Census 2021 names.
ONS5_NAMES = {
    "Asian, Asian British or Asian Welsh": "Asian",
    "Black, Black British, Black Welsh, Caribbean or African": "Black",
    "Mixed or Multiple ethnic groups": "Mixed",
    "White": "White",
    "Other ethnic group": "Other",
}
#: The group of a blank value or a "not stated" spelling.
NOT_STATED = "Not stated"
NOT_STATED_SPELLINGS = ("not stated", "not known", "unknown", "refused", "information not yet obtained", "not recorded",
                        "prefer not to say")


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


@dataclass(frozen=True)
class GroupVocabulary:
    """The groups of one column: ``groups`` (empty = any value) and ``aliases`` (spelling -> group)."""

    column: str
    groups: tuple = ()
    aliases: dict = field(default_factory=dict)

    def canonical(self, value: Any) -> str | None:
        """The group of ``value``: a vocabulary group, :data:`NOT_STATED`, or ``None`` (unknown)."""
        if value is None or (isinstance(value, float) and value != value) or not str(value).strip():
            return NOT_STATED
        key = _key(value)
        if key in self.aliases:
            return self.aliases[key]
        if key in NOT_STATED_SPELLINGS:
            return NOT_STATED
        if not self.groups:
            return " ".join(str(value).split())
        head = key.split(":", 1)[0].strip()
        return self.aliases.get(head) if ":" in key else None


def group_column_names(extra: tuple) -> tuple[str, ...]:
    """The group columns an extract may carry: ``ethnic_group`` and those of ``[extracts] group_columns``."""
    return tuple(dict.fromkeys(("ethnic_group", *extra)))


def _vocabulary(column: str, table: Any, path) -> GroupVocabulary:
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [groups.{column}] must be a table with vocabulary and/or map")
    unknown = set(table) - {"vocabulary", "map"}
    if unknown:
        raise ValueError(f"{path}: [groups.{column}] unknown key(s) {sorted(unknown)}; expected vocabulary, map")
    vocab = table.get("vocabulary", ())
    aliases: dict[str, str] = {}
    if vocab == "ons5":
        groups = ONS5
        aliases.update({_key(k): v for k, v in ONS5_NAMES.items()})
    elif isinstance(vocab, (list, tuple)) and all(isinstance(v, str) and v.strip() for v in vocab):
        groups = tuple(" ".join(v.split()) for v in vocab)
    else:
        raise ValueError(f"{path}: [groups.{column}] vocabulary must be \"ons5\" or a list of group names, got {vocab!r}")
    aliases.update({_key(g): g for g in groups})
    mapping = table.get("map", {})
    if not isinstance(mapping, dict):
        raise ValueError(f"{path}: [groups.{column}] map must be a table of local spelling = group")
    for local, group in mapping.items():
        group = " ".join(str(group).split()) if isinstance(group, str) else group
        if groups and group not in groups and group != NOT_STATED:
            raise ValueError(f"{path}: [groups.{column}] map sends {local!r} to {group!r}, which is not in the vocabulary "
                             f"{list(groups)} (or {NOT_STATED!r})")
        if not isinstance(group, str) or not group:
            raise ValueError(f"{path}: [groups.{column}] map values must be group names, got {group!r} for {local!r}")
        aliases[_key(local)] = group
    return GroupVocabulary(column, groups, aliases)


def read_groups(table: Any, extra: tuple, path) -> dict[str, GroupVocabulary]:
    """Every group column's :class:`GroupVocabulary` (a ValueError names the file and the key at fault)."""
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [groups] must be a table of [groups.<column>] tables")
    columns = group_column_names(extra)
    unknown = set(table) - set(columns)
    if unknown:
        raise ValueError(f"{path}: [groups] names column(s) {sorted(unknown)} that are not group columns; "
                         f"add them to [extracts] group_columns (group columns now: {list(columns)})")
    return {c: _vocabulary(c, table[c], path) if c in table else GroupVocabulary(c) for c in columns}
