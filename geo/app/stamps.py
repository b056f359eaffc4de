"""What ``make data`` depends on for a study area: ``python -m geo.app.stamps CONFIG``.

Prints the fetch manifest (what ``geo fetch`` writes last), then every extract file the config
names that exists outside the fetched public data, one path a line. The Makefile fetches again
only when the config is newer than the manifest, and builds again only when the config, the
manifest or an extract is newer than the build's ``lsoa.csv``; so ``make app`` starts at once
when nothing changed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from geo.app.scenario import input_paths
from geo.config import load_config
from geo.sources import public_paths

__all__ = ["make_stamps"]


def make_stamps(config_path: str | Path) -> list[Path]:
    """The manifest, then the existing extract files of the study area (config itself excluded).

    >>> repo = Path(__file__).resolve().parents[2]
    >>> [p.relative_to(repo).as_posix() for p in make_stamps(repo / "config.toml")][:2]
    ['data/extracts/public/biborough/manifest.json', 'data/extracts/demo/biborough/review_takeup.csv']
    """
    cfg = load_config(config_path)
    fetched = (cfg.boundaries_dir.resolve(), cfg.public_dir.resolve())
    extracts = [p for p in input_paths(cfg)[1:]
                if p.is_file() and not any(p.resolve().is_relative_to(d) for d in fetched)]
    return [public_paths(cfg)["manifest"], *extracts]


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


if __name__ == "__main__":
    for p in make_stamps(sys.argv[1]):
        print(_relative(p).replace(" ", "\\ "))
