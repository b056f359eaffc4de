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


def _cmd_sites(args) -> int:
    import json

    from geo.errors import DataError

    out = Path(args.out)
    if args.instance:
        from models.siting import solve_instance_file

        try:
            res = solve_instance_file(args.instance, args.k, out, force_in=args.force_in, force_out=args.force_out, time_limit=args.time_limit)
        except (OSError, ValueError, json.JSONDecodeError) as err:
            raise DataError(f"{args.instance}: {err}") from None
        print(f"objective {res['objective']:.6g} ({'optimal' if res['optimal'] else res['status']}) in {res['solve_seconds']:.3f} s; chosen {', '.join(res['chosen'])}")
        print(f"wrote {out / 'sites.json'}")
        return 0
    from geo.build import run
    from geo.sites import suggest_sites, write_sites

    config = load_config(args.config)
    result = run(config)
    minutes = args.minutes if args.minutes is not None else config.travel.threshold_minutes
    types = args.types or None
    if args.per_la:
        from geo.sites import suggest_sites_per_la

        t0 = time.perf_counter()
        table, summaries = suggest_sites_per_la(result, k=args.k, minutes=minutes, venue_types=types, mode=args.mode, time_limit=args.time_limit)
        out.mkdir(parents=True, exist_ok=True)
        table.to_csv(out / "sites.csv", index=False)
        (out / "sites.json").write_text(json.dumps({"k": args.k, "minutes": minutes, "per_la": summaries,
                                                     "all_optimal": all(s["optimal"] for s in summaries.values()),
                                                     "solve_seconds": time.perf_counter() - t0}, indent=2, default=float) + "\n")
        n_opt = sum(s["optimal"] for s in summaries.values())
        print(f"{len(summaries)} local authorities: {n_opt} solved to optimality; {len(table)} venues suggested in {time.perf_counter() - t0:.1f} s")
        print(f"wrote {out / 'sites.csv'} and {out / 'sites.json'}")
        return 0
    s = suggest_sites(result, k=args.k, minutes=minutes, venue_types=types, mode=args.mode,
                      force_in=args.force_in, force_out=args.force_out, time_limit=args.time_limit)
    paths = write_sites(s, out)
    r = s.result
    print(f"{config.name}: {len(s.table)} venues within {minutes:g} min ({args.mode or config.travel.mode}); objective {r.objective:.6g} "
          f"({'optimal' if r.optimal else r.status + f', gap {r.mip_gap:.2%}'}) in {r.solve_seconds:.3f} s")
    for row in s.table.itertuples():
        print(f"  {row.rank}. {row.name} ({row.type}, {row.hub_id}): {row.covered_children:.0f} children in {row.covered_lsoas} LSOAs newly within reach")
    for p in paths.values():
        print(f"wrote {p}")
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
    sp = add("sites", "suggest outreach venues (maximal covering, exact MILP)", _cmd_sites)
    sp.add_argument("--k", type=int, default=5, help="number of venues to choose (default 5)")
    sp.add_argument("--minutes", type=float, help="travel threshold in minutes (default: the config's)")
    sp.add_argument("--mode", help="travel mode (default: the config's)")
    sp.add_argument("--types", nargs="*", help="venue types to consider (default: all)")
    sp.add_argument("--force-in", nargs="*", default=[], help="venue ids that must be chosen")
    sp.add_argument("--force-out", nargs="*", default=[], help="venue ids that must not be chosen")
    sp.add_argument("--per-la", action="store_true", help="solve separately for each local authority")
    sp.add_argument("--instance", help="solve a JSON instance file directly (see README)")
    sp.add_argument("--time-limit", type=float, default=60.0, help="seconds allowed to the MILP (default 60)")
    sp.add_argument("--out", default="out/sites", help="output folder (default: out/sites)")
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
