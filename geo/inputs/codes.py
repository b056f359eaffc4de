"""Area codes: what each code is (LSOA 2021, LSOA 2011, ward, or not usable), and how counts
given for LSOA 2011 or ward codes are apportioned onto LSOA 2021."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputProblem
from geo.inputs.counts import FileReport, per_unique
from geo.inputs.read import examples, file_rows

__all__ = ["CodeRegister", "GEOGRAPHY", "apportion"]

GEOGRAPHY = {
    "E00": "output area", "E01": "LSOA", "E02": "MSOA", "E04": "parish", "E05": "ward",
    "E06": "local authority", "E07": "local authority", "E08": "local authority",
    "E09": "local authority", "E10": "county", "E12": "region", "E14": "constituency",
    "W01": "Welsh LSOA", "W05": "Welsh ward", "S01": "Scottish data zone",
}



@dataclass(frozen=True)
class CodeRegister:
    """What each area code is, for the study area and for England.

    Parameters
    ----------
    lsoa21 : Series
        LSOA 2021 code -> LA code, for all of England and Wales.
    ward : Series
        Ward code -> LA code, for all of England and Wales (best-fit lookup vintage).
    lsoa11_codes : Index
        Every LSOA 2011 code of England and Wales.
    lsoa11 : DataFrame
        The LSOA 2011 -> 2021 lookup (lsoa11cd, lsoa21cd, chgind) for the study area.
    study_lsoas : Index
        LSOA 2021 codes of the study area.
    study_wards : Index
        Ward codes of the study area.
    lsoa_ward : Series
        Study-area LSOA 2021 code -> ward code.
    weight : Series
        Study-area LSOA -> apportionment weight (estimated under-5s).
    """

    lsoa21: pd.Series
    ward: pd.Series
    lsoa11_codes: pd.Index
    lsoa11: pd.DataFrame
    study_lsoas: pd.Index
    study_wards: pd.Index
    lsoa_ward: pd.Series
    weight: pd.Series

    def classify(self, codes: pd.Series) -> pd.Series:
        """Label each code: lsoa21, lsoa11, ward, or a reason it cannot be used."""
        return per_unique(codes, self._classify)

    def _classify(self, codes: pd.Series) -> pd.Series:
        c = codes.astype("string").str.upper().astype(object)  # object dtype: hash-based isin
        out = pd.Series("unknown", index=codes.index, dtype=object)
        prefix = c.str[:3]
        well_formed = c.str.fullmatch(r"[EWS]\d{8}").fillna(False).astype(bool)
        out[~well_formed] = "malformed"
        is21 = c.isin(self.lsoa21.index)
        is11 = c.isin(self.lsoa11_codes) & ~is21
        isward = c.isin(self.ward.index)
        out[well_formed & is21] = "lsoa21"
        out[well_formed & is11] = "lsoa11"
        out[well_formed & isward] = "ward"
        other = well_formed & ~is21 & ~is11 & ~isward & ~prefix.isin(["E01", "E05", "W01", "W05"]) & prefix.isin(list(GEOGRAPHY))
        out[other] = "wrong_geography"
        return out



def _area_codes(frame: pd.DataFrame, path: Path, register: CodeRegister, report: FileReport, problems: list,
                *, allow_ward: bool = True, col: str = "area_code") -> pd.Series:
    """Classify codes, record problems, and return the kind per row (in-area rows only)."""
    codes = frame[col].str.upper()
    kind = register.classify(codes)
    for label, message in [
        ("malformed", "is not an ONS area code (expected e.g. E01004736 for an LSOA or E05013806 for a ward)"),
        ("unknown", "is not a known LSOA 2011, LSOA 2021 or ward code (check for typos or a retired code)"),
    ]:
        m = (kind == label) & codes.notna()
        if m.any():
            ex = examples(codes[m])
            problems.append(InputProblem(path, f"{message}: {ex}", column=col, rows=file_rows(frame, m)))
    wrong = kind == "wrong_geography"
    if wrong.any():
        geos = sorted({GEOGRAPHY.get(c[:3], c[:3]) for c in codes[wrong]})
        problems.append(InputProblem(
            path, f"codes are of the wrong geography ({', '.join(geos)}: {examples(codes[wrong])}); "
            "give LSOA 2021 codes (E01…)" + (" or ward codes (E05…)" if allow_ward else ""),
            column=col, rows=file_rows(frame, wrong)))
    if not allow_ward and (kind == "ward").any():
        m = kind == "ward"
        problems.append(InputProblem(path, f"ward codes are not accepted here; give LSOA 2021 codes ({examples(codes[m])})",
                                     column=col, rows=file_rows(frame, m)))
    return kind


def _in_study(codes: pd.Series, kind: pd.Series, register: CodeRegister) -> pd.Series:
    codes = codes.astype(object)  # object dtype: hash-based isin (the string dtype's is ~10x slower)
    inside = pd.Series(False, index=codes.index)
    inside[kind == "lsoa21"] = codes[kind == "lsoa21"].isin(register.study_lsoas)
    inside[kind == "ward"] = codes[kind == "ward"].isin(register.study_wards)
    inside[kind == "lsoa11"] = codes[kind == "lsoa11"].isin(register.lsoa11["lsoa11cd"])
    return inside


def apportion(values: pd.Series, targets: pd.DataFrame) -> pd.DataFrame:
    """Split whole-number counts over target areas by weight, conserving totals exactly.

    Parameters
    ----------
    values : Series
        Counts indexed by source key.
    targets : DataFrame
        Columns ``source``, ``target``, ``weight`` (weights need not sum to 1).

    Returns
    -------
    DataFrame
        ``source, target, value`` with integer values that sum, per source, to the
        source's count (largest-remainder rounding, ties broken by target code).

    Examples
    --------
    >>> t = pd.DataFrame({"source": ["a", "a"], "target": ["x", "y"], "weight": [1, 2]})
    >>> apportion(pd.Series({"a": 10}), t)["value"].tolist()
    [3, 7]
    """
    t = targets.copy()
    total_w = t.groupby("source")["weight"].transform("sum")
    n = t.groupby("source")["target"].transform("count")
    share = np.where(total_w > 0, t["weight"] / total_w.where(total_w > 0, 1), 1.0 / n)
    exact = t["source"].map(values).to_numpy(dtype=float) * share
    base = np.floor(exact)
    t["value"] = base
    t["_rem"] = exact - base
    short = (t["source"].map(values) - t.groupby("source")["value"].transform("sum")).round().astype(int)
    t = t.sort_values(["source", "_rem", "target"], ascending=[True, False, True])
    t["_order"] = t.groupby("source").cumcount()
    t["value"] = (t["value"] + (t["_order"] < short.loc[t.index]).astype(int)).astype("int64")
    return t.sort_values(["source", "target"])[["source", "target", "value"]].reset_index(drop=True)


def _to_lsoa21(frame: pd.DataFrame, kind: pd.Series, count_cols: list[str], keys: list[str],
               register: CodeRegister, report: FileReport) -> pd.DataFrame:
    """Map LSOA 2011 and ward rows onto LSOA 2021, apportioning splits by under-5s."""
    frame = frame.assign(_kind=kind.to_numpy())
    direct = frame[frame["_kind"] == "lsoa21"].assign(lsoa21cd=lambda d: d["area_code"])
    parts = [direct[keys + ["lsoa21cd"] + count_cols]]
    w = register.weight
    for k, lookup in [
        ("lsoa11", register.lsoa11.rename(columns={"lsoa11cd": "code", "lsoa21cd": "target"})),
        ("ward", register.lsoa_ward.rename_axis("target").reset_index(name="code")),
    ]:
        rows = frame[frame["_kind"] == k]
        if rows.empty:
            continue
        rows = rows.reset_index(drop=True).assign(_src=lambda d: d.index.astype(str))
        links = rows[["_src", "area_code"]].merge(lookup[["code", "target"]], left_on="area_code", right_on="code")
        links["weight"] = links["target"].map(w).fillna(0.0)
        out = rows[keys + ["_src"]].merge(links[["_src", "target"]], on="_src")
        for col in count_cols:
            split = apportion(rows.set_index("_src")[col], links.rename(columns={"_src": "source"})[["source", "target", "weight"]])
            out = out.merge(split.rename(columns={"source": "_src", "value": col}), on=["_src", "target"])
        n_split = int((links.groupby("_src").size() > 1).sum())
        label = "LSOA 2011" if k == "lsoa11" else "ward"
        report.notes.append(
            f"{len(rows)} row(s) with {label} codes mapped to LSOA 2021"
            + (f"; {n_split} split over several LSOAs, counts apportioned by estimated under-5s (totals conserved)" if n_split else "")
        )
        parts.append(out.rename(columns={"target": "lsoa21cd"})[keys + ["lsoa21cd"] + count_cols])
    res = pd.concat(parts, ignore_index=True)
    return res.groupby(keys + ["lsoa21cd"], as_index=False, sort=True)[count_cols].sum()
