"""Command line: ``python -m geo <command> [--config PATH] …``.

Exit codes: 0 success; 2 bad input (config, extracts or missing public data), with one
message per problem naming the file, row(s) and column and no traceback; 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from geo.config import ConfigError, load_config
from geo.errors import DataError, ValidationError

__all__ = ["main"]


def _cmd_fetch(args) -> int:
    from geo.fetch import fetch

    config = load_config(args.config)
    mirror = Path(args.mirror) if args.mirror else None
    fetch(config, mirror)
    return 0


def _cmd_demo(args) -> int:
    from geo.demo import write_demo

    config = load_config(args.config)
    written = write_demo(config, out_dir=Path(args.out) if args.out else None)
    for p in written.values():
        print(f"wrote {p}")
    return 0


def _cmd_build(args) -> int:
    from geo.build import run, write

    config = load_config(args.config)
    t0 = time.perf_counter()
    result = run(config)
    paths = write(result, Path(args.out))
    rec = result.reconciliation()
    print(f"{config.name}: {len(result.lsoa):,} LSOAs, {len(result.wards):,} wards"
          + (" (SYNTHETIC demo extracts)" if config.extracts.synthetic else ""))
    for f in rec["files"]:
        reasons = ", ".join(f"{n} {r}" for r, n in f["excluded_by_reason"].items()) or "none"
        print(f"  {f['kind']}: {f['rows_in']} rows in = {f['rows_used']} used + {f['rows_excluded']} excluded ({reasons})")
        for note in f["notes"]:
            print(f"    {note}")
    for note in result.notes:
        print(f"  note: {note}")
    for p in paths.values():
        print(f"wrote {p}")
    print(f"built in {time.perf_counter() - t0:.2f} s")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m geo", description="Family Hub outreach targeting: data, scores, catchments, venues.")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name, help_, fn):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--config", default="config.toml", help="study-area TOML file (default: config.toml)")
        sp.set_defaults(func=fn)
        return sp

    sp = add("fetch", "get the public data for the study area", _cmd_fetch)
    sp.add_argument("--mirror", help="read from a local folder laid out like shared/data instead of downloading")
    sp = add("demo", "write the SYNTHETIC demo extracts (seeded)", _cmd_demo)
    sp.add_argument("--out", help="folder for the demo extracts (default: the config's extract folder)")
    sp = add("build", "validate extracts, join, score and write lsoa.csv, wards.csv, areas.gpkg", _cmd_build)
    sp.add_argument("--out", default="out", help="output folder (default: out)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ValidationError as err:
        print(f"error: {len(err.problems)} problem(s) in the input:", file=sys.stderr)
        for problem in err.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except (ConfigError, DataError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
