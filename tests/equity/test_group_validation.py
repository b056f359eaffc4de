"""Group columns in the extracts: validation messages, vocabularies and mappings, totals unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from geo.cli import main
from geo.config import ConfigError, load_config
from tests.conftest import copy_config

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "extracts" / "demo" / "biborough"


def _review(tmp_path: Path, edit) -> Path:
    t = pd.read_csv(DEMO / "review_takeup.csv", dtype=str, keep_default_na=False)
    t = edit(t)
    p = tmp_path / "review.csv"
    t.to_csv(p, index=False)
    return p


def _config(tmp_path, cfg, review: Path, extra: str = "") -> Path:
    p = copy_config(tmp_path, cfg, review_takeup=review)
    text = p.read_text()
    if extra:
        head, groups = (extra.split("\n[", 1) + [""])[:2]
        text = text.replace("[extracts]\n", "[extracts]\n" + head.strip() + "\n") if head.strip() else text
        text += ("\n[" + groups) if groups else ""
    p.write_text(text)
    return p


def _build(config: Path, out: Path, capsys) -> tuple[int, str, str]:
    code = main(["build", "--config", str(config), "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.err, captured.out


ONS5 = '[groups.ethnic_group]\nvocabulary = "ons5"\nmap = { "White British" = "White", "Any other ethnic group" = "Other" }\n'


def test_unknown_group_is_named_with_file_row_and_column(biborough_config, tmp_path, capsys):
    def edit(t):
        t.loc[5, "ethnic_group"] = "Martian"
        t.loc[6, "ethnic_group"] = "White British"  # mapped: accepted
        return t

    p = _review(tmp_path, edit)
    code, err, _ = _build(_config(tmp_path, biborough_config, p, "\n" + ONS5), tmp_path / "o", capsys)
    assert code == 2 and "Traceback" not in err
    line = next(ln for ln in err.splitlines() if str(p) in ln and "column 'ethnic_group'" in ln)
    assert "row 7" in line and "Martian" in line and "not a known group" in line and "[groups.ethnic_group] map" in line


def test_local_spellings_are_mapped_and_blanks_counted(biborough_config, tmp_path, capsys):
    def edit(t):
        t["ethnic_group"] = t["ethnic_group"].replace({"White": "White British", "Other": "any other ethnic group",
                                                       "Asian": "Asian, Asian British or Asian Welsh", "Black": "Black: African"})
        return t

    p = _review(tmp_path, edit)
    code, err, out = _build(_config(tmp_path, biborough_config, p, "\n" + ONS5), tmp_path / "o", capsys)
    assert code == 0, err
    equity = pd.read_csv(tmp_path / "o" / "equity.csv")
    assert set(equity["group"]) == {"Asian", "Black", "Mixed", "White", "Other", "Not stated"}
    rec = json.loads((tmp_path / "o" / "reconciliation.json").read_text())
    review = next(f for f in rec["files"] if f["kind"] == "review_takeup")
    blanks = int((pd.read_csv(p, dtype=str, keep_default_na=False)["ethnic_group"] == "").sum())
    assert any(n.startswith(f"ethnic_group: {blanks} row(s) blank or 'not stated'") for n in review["notes"])
    assert review["balanced"]
    # totals are the sums over groups: lsoa.csv equals a build of the same rows without the group column
    lsoa = pd.read_csv(tmp_path / "o" / "lsoa.csv")
    demo = pd.read_csv(DEMO / "review_takeup.csv")
    window = rec["period"]["window"]   # the quarters the analysis pools ([analysis] pool_quarters)
    assert len(window) >= 1 and window[-1] == "2025-Q4"
    assert lsoa["review_eligible"].sum() == demo.loc[demo["period"].isin(window), "eligible"].sum()


def test_duplicate_area_period_group_rows_are_named(biborough_config, tmp_path, capsys):
    p = _review(tmp_path, lambda t: pd.concat([t, t.iloc[[10]]], ignore_index=True))
    code, err, _ = _build(_config(tmp_path, biborough_config, p), tmp_path / "o", capsys)
    assert code == 2
    line = next(ln for ln in err.splitlines() if "duplicate" in ln)
    assert "area/period/ethnic_group" in line and "row 12" in line.replace("rows 12", "row 12")


def test_another_group_column_from_the_config(biborough_config, tmp_path, capsys):
    def edit(t):
        t["language"] = ["English" if i % 3 else "Bengali" for i in range(len(t))]
        return t

    p = _review(tmp_path, edit)
    code, err, _ = _build(_config(tmp_path, biborough_config, p, 'group_columns = ["language"]\n'), tmp_path / "o", capsys)
    assert code == 0, err
    equity = pd.read_csv(tmp_path / "o" / "equity.csv")
    assert set(equity["group_column"]) == {"ethnic_group", "language"}
    la = equity[(equity["level"] == "study_area")]
    # both columns split the same children: the same totals
    sums = la.groupby("group_column")["denominator"].sum()
    assert sums["ethnic_group"] == sums["language"]


@pytest.mark.parametrize("extra, words", [
    ('[groups.ethnic_group]\nvocabulary = "ons5"\nmap = { "WB" = "Whyte" }\n', ["not in the vocabulary", "Whyte"]),
    ('[groups.language]\nvocabulary = ["English"]\n', ["not group columns", "group_columns"]),
    ('[groups.ethnic_group]\nvocabulary = "ons19"\n', ["vocabulary must be", "ons5"]),
])
def test_bad_group_settings_are_config_errors(biborough_config, tmp_path, extra, words):
    p = _config(tmp_path, biborough_config, DEMO / "review_takeup.csv", "\n" + extra)
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert all(w in str(err.value) for w in words), str(err.value)
    assert str(p) in str(err.value)
