"""Shared fixtures.

Integration tests run on the real public data through the mirror (``../shared/data`` beside
the repository, or ``$MIRROR``). If it is missing these tests FAIL: they never skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from geo.config import load_config

REPO = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("MIRROR", REPO.parent / "shared" / "data")).resolve()


def require_mirror() -> Path:
    if not (MIRROR / "SOURCES.md").exists():
        pytest.fail(f"the public data mirror is missing at {MIRROR} (set MIRROR=...): integration tests need real data")
    return MIRROR


def fetched_config(tmp_root: Path, config_path: Path):
    """Load a config, point its data folders into ``tmp_root``, and fetch from the mirror."""
    from geo.fetch import fetch

    mirror = require_mirror()
    cfg = load_config(config_path)
    cfg = cfg.with_(boundaries_dir=tmp_root / "boundaries" / cfg.slug, public_dir=tmp_root / "public" / cfg.slug)
    if cfg.extracts.venues and "extracts/public" in str(cfg.extracts.venues):
        from dataclasses import replace

        cfg = cfg.with_(extracts=replace(cfg.extracts, venues=cfg.public_dir / "venues.csv"))
    fetch(cfg, mirror, log=lambda *a: None)
    return cfg


@pytest.fixture(scope="session")
def mirror() -> Path:
    return require_mirror()


@pytest.fixture(scope="session")
def biborough_config(tmp_path_factory):
    """The bi-borough demo config with public data fetched into a temporary folder."""
    return fetched_config(tmp_path_factory.mktemp("bi"), REPO / "config.toml")


@pytest.fixture(scope="session")
def biborough_build(biborough_config):
    from geo.build import run

    return run(biborough_config)


@pytest.fixture()
def extract_dir(tmp_path):
    """A folder for malformed extracts written by a test."""
    return tmp_path


def copy_config(tmp_path: Path, cfg, **extract_overrides) -> Path:
    """Write a TOML config into ``tmp_path`` that reuses ``cfg``'s fetched data with other extracts."""
    lines = [
        "[study_area]", f'name = "{cfg.name}"', f'slug = "{cfg.slug}"',
        "la_codes = [" + ", ".join(f'"{c}"' for c in cfg.la_codes) + "]",
        "[data]", f'boundaries_dir = "{cfg.boundaries_dir.parent}"', f'public_dir = "{cfg.public_dir.parent}"',
        "[extracts]",
    ]
    e = cfg.extracts
    paths = {k: getattr(e, k) for k in ("review_takeup", "hub_attendance", "hubs", "venues", "under5", "hub_areas")}
    paths.update(extract_overrides)
    for k, v in paths.items():
        if v is not None:
            lines.append(f'{k} = "{v}"')
    p = tmp_path / "config.toml"
    p.write_text("\n".join(lines) + "\n")
    return p


@pytest.fixture()
def copy_demo(tmp_path):
    """Copy the committed demo extracts into ``tmp_path`` (so a test can break one)."""
    src = REPO / "data" / "extracts" / "demo" / "biborough"
    dst = tmp_path / "demo"
    shutil.copytree(src, dst)
    return dst
