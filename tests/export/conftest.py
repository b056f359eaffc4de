"""The ILT pack of the bi-borough demo, built once for the export tests (maps at a low DPI).

The demo config is copied with its spoke and every venue named with an HTML payload and one hub
named with HTML and template syntax, so every test can check that names print as themselves.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import REPO, copy_config

PAYLOAD = "<img src=x onerror=alert(1)>"
#: a hub name that HTML or a template engine would interpret: the pack prints it as these characters
HUB_PAYLOAD = "<b>x</b> {{7*7}} South"
DATE = dt.date(2026, 1, 5)
DPI = 40


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="package")
def pack_config(biborough_config, tmp_path_factory) -> Path:
    """A copy of the demo config: SYNTHETIC, with the spoke and every venue named with an HTML payload."""
    d = tmp_path_factory.mktemp("export_cfg")
    demo = d / "demo"
    shutil.copytree(REPO / "data" / "extracts" / "demo" / "biborough", demo)
    hubs = pd.read_csv(demo / "hubs.csv", dtype=str, keep_default_na=False)
    hubs.loc[hubs["hub_id"] == "WCC-BAY", "name"] = f"{PAYLOAD} Bayswater"
    hubs.loc[hubs["hub_id"] == "RBKC-S", "name"] = HUB_PAYLOAD
    hubs.to_csv(demo / "hubs.csv", index=False)
    venues = pd.read_csv(biborough_config.extracts.venues, dtype=str, keep_default_na=False)
    venues["name"] = PAYLOAD + " " + venues["name"]
    venues.to_csv(d / "venues.csv", index=False)
    path = copy_config(d, biborough_config, hubs=demo / "hubs.csv", venues=d / "venues.csv")
    text = path.read_text()
    assert "[extracts]\n" in text and "synthetic" not in text
    path.write_text(text.replace("[extracts]\n", "[extracts]\nsynthetic = true\n", 1))
    return path


@pytest.fixture(scope="package")
def pack(pack_config, tmp_path_factory):
    from geo.build import run
    from geo.config import load_config
    from geo.export.pack import export_pack

    result = run(load_config(pack_config))
    out = tmp_path_factory.mktemp("pack")
    res = export_pack(result, out, dpi=DPI, generated=DATE, progress=False)
    return result, res, out


@pytest.fixture(scope="package")
def pdf_pages(pack) -> list[str]:
    _, res, out = pack
    return [_run("pdftotext", "-layout", "-f", str(i), "-l", str(i), str(out / "pack.pdf"), "-") for i in range(1, len(res.pages) + 1)]


