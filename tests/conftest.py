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
# The store (geo.store) is named by DATABASE_URL when set: tests choose their own store explicitly.
os.environ.pop("DATABASE_URL", None)
MIRROR = Path(os.environ.get("MIRROR", REPO.parent / "shared" / "data")).resolve()


def require_mirror() -> Path:
    if not (MIRROR / "SOURCES.md").exists():
        pytest.fail(f"the public data mirror is missing at {MIRROR} (set MIRROR=...): integration tests need real data")
    return MIRROR


def fetched_config(tmp_root: Path, config_path: Path):
    """Load a config, point its data folders into ``tmp_root``, and fetch from the mirror."""
    from geo.sources import fetch

    mirror = require_mirror()
    cfg = load_config(config_path)
    cfg = cfg.with_(boundaries_dir=tmp_root / "boundaries" / cfg.slug, public_dir=tmp_root / "public" / cfg.slug)
    from dataclasses import replace as _replace

    cfg = cfg.with_(store=_replace(cfg.store, dir=tmp_root / "store"))  # never the repository's own store
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


# ---------------------------------------------------------------------------------------------
# Study-area configs written for a test, and the Leicestershire study area (rural county, issue 8).


def _toml_value(value) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))  # a TOML basic string


def write_study_config(dst: Path, base: Path, fetched=None, **tables) -> Path:
    """Write a copy of the TOML file ``base`` to ``dst`` with some keys changed.

    Keeps every other setting (travel modes, weights, demo hubs) of ``base``. Relative
    extract paths are made absolute (they resolved against ``base``'s folder), and with a
    ``fetched`` config (from :func:`fetched_config`) ``[data]`` points at its fetched public
    data. ``tables`` maps a table name to ``{key: value}``; ``None`` removes the key::

        write_study_config(tmp_path / "c.toml", REPO / "config.toml", cfg,
                           model={"need_weights": {"idaci": 0.1, "imd": 0.1, "under5": 0.8}},
                           extracts={"venues": None})
    """
    import re
    import tomllib

    base = Path(base)
    text = base.read_text()
    raw = tomllib.loads(text)
    edits: dict[str, dict] = {}
    for key, value in raw.get("extracts", {}).items():
        if isinstance(value, str) and not Path(value).is_absolute():
            edits.setdefault("extracts", {})[key] = str((base.parent / value).resolve())
    if fetched is not None:
        edits.setdefault("data", {}).update(boundaries_dir=str(fetched.boundaries_dir.parent), public_dir=str(fetched.public_dir.parent))
        if fetched.extracts.venues is not None:
            edits.setdefault("extracts", {})["venues"] = str(fetched.extracts.venues)
    for table, values in tables.items():
        edits.setdefault(table, {}).update(values)

    out, section, done = [], None, set()

    def flush(sec):
        for k, v in edits.get(sec, {}).items():
            if (sec, k) not in done and v is not None:
                out.append(f"{k} = {_toml_value(v)}")
                done.add((sec, k))

    for line in text.splitlines():
        header = re.match(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            flush(section)
            section = header.group(1).strip()
            out.append(line)
            continue
        m = re.match(r"^\s*([A-Za-z0-9_]+)\s*=", line)
        if m and m.group(1) in edits.get(section, {}):
            key = m.group(1)
            value = edits[section][key]
            done.add((section, key))
            if value is not None:
                out.append(f"{key} = {_toml_value(value)}")
            continue
        out.append(line)
    flush(section)
    for table, values in edits.items():  # tables absent from base
        if table not in raw and any(v is not None for v in values.values()):
            out.append(f"[{table}]")
            flush(table)
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text("\n".join(out) + "\n")
    return dst


LEICESTERSHIRE = REPO / "configs" / "leicestershire.toml"


@pytest.fixture(scope="session")
def leicestershire_config(tmp_path_factory):
    """The Leicestershire config with public data fetched into a temporary folder."""
    return fetched_config(tmp_path_factory.mktemp("lei"), LEICESTERSHIRE)


@pytest.fixture(scope="session")
def leicestershire_build(leicestershire_config):
    from geo.build import run

    return run(leicestershire_config)
