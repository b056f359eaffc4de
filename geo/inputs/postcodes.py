"""UK postcodes in any usual spelling, written one way: ``"nw88ay"``, ``" NW8  8AY "`` -> ``"NW8 8AY"``.

One normalisation for every file that names a postcode (hubs and venues by postcode, record-level
extracts, visit lists), so that the same postcode always matches the national Code-Point Open file,
whose ``postcode`` column is in this form (outward code, one space, inward code).

Examples
--------
>>> normalise_postcode(pd.Series(["nw88ay", " W2  1DX", "SW1A 1AA", "not one", None])).tolist()
['NW8 8AY', 'W2 1DX', 'SW1A 1AA', nan, nan]
>>> postcode_sector(pd.Series(["NW8 8AY", "W2 1DX"])).tolist()
['NW8 8', 'W2 1']
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["POSTCODE", "normalise_postcode", "postcode_sector"]

#: a full UK postcode in normal form (outward code, one space, inward code)
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ([0-9][A-Z]{2})$")


def normalise_postcode(values: pd.Series) -> pd.Series:
    """Upper case, spaces removed, one space before the inward code; ``NaN`` where it is not a postcode."""
    text = values.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    norm = text.str.replace(r"^(.+)(\d[A-Z]{2})$", r"\1 \2", regex=True)
    valid = norm.str.fullmatch(POSTCODE.pattern).fillna(False).astype(bool)
    return pd.Series(np.where(valid, norm.fillna(""), np.nan), index=values.index, dtype=object)


def postcode_sector(postcodes: pd.Series) -> pd.Series:
    """The postcode sector (outward code and the inward code's digit) of normalised postcodes."""
    return postcodes.str[:-2]
