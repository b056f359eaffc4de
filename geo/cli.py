"""Command line: ``python -m geo <command> [--config PATH] …``.

Exit codes: 0 success; 2 bad input (config, extracts or missing public data), with one
message per problem naming the file, row(s) and column and no traceback; 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from geo.config import ConfigError, load_config
from geo.errors import DataError, ValidationError

__all__ = ["main"]


def _cmd_fetch(args) -> int:
    from geo.sources import fetch

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
    model = json.loads(paths["model"].read_text())
    for target in ("review", "reach"):
        fit = model["expected"]["lsoa"][target]
        if fit.get("cv_score") is not None:
            print(f"  expected {target} model (LSOAs): deviance D² {fit['score_in_sample']:.3f} in sample, "
                  f"{fit['cv_score']:.3f} cross-validated ({fit['cv_folds']} folds)")
    sens = model["sensitivity"]
    print(f"  weights ±20%: Spearman of priority ranks ≥ {sens['min_spearman']:.3f}, top-20 overlap ≥ {sens['min_top_overlap']}/20")
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
    from geo.safety import printable
    from geo.sites import suggest_sites, write_sites

    config = load_config(args.config)
    result = run(config)
    minutes = args.minutes if args.minutes is not None else config.travel.threshold_minutes
    types = args.types or None
    if args.per_la:
        from geo.safety import neutralise_frame
        from geo.sites import suggest_sites_per_la

        t0 = time.perf_counter()
        table, summaries = suggest_sites_per_la(result, k=args.k, minutes=minutes, venue_types=types, mode=args.mode, time_limit=args.time_limit)
        out.mkdir(parents=True, exist_ok=True)
        neutralise_frame(table).to_csv(out / "sites.csv", index=False)
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
        print(printable(f"  {row.rank}. {row.name} ({row.type}, {row.hub_id}): {row.covered_children:.0f} children in {row.covered_lsoas} LSOAs newly within reach"))
    for p in paths.values():
        print(f"wrote {p}")
    return 0


def _cmd_export(args) -> int:
    import datetime as dt

    from geo.build import run
    from geo.export.pack import Helper, Progress, export_pack, listed_hub_ids, steps

    config = load_config(args.config)
    t0 = time.perf_counter()
    if config.export.basemap is not None:  # a bad basemap fails now, not after the build
        from geo.maps.basemap import Basemap

        Basemap.open(config.export.basemap, config.export.basemap_attribution)
    try:
        generated = dt.date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise ConfigError(f"--date must be YYYY-MM-DD, got {args.date!r}") from None
    listed = listed_hub_ids(config)
    if args.hub and listed is not None and args.hub not in listed:
        raise DataError(f"unknown hub id {args.hub!r}; hubs of {config.name}: {', '.join(listed) or 'none'}")
    n_hubs = 1 if args.hub else len(listed or [])
    progress = Progress(1 + steps(n_hubs))
    with Helper() as helper:  # a second process: it gets ready while this one builds
        progress(f"build {config.name}")
        result = run(config)
        res = export_pack(result, Path(args.out), hub=args.hub, k=args.k, dpi=args.dpi, generated=generated,
                          progress=progress, helper=helper)
    print(f"{config.name}: {len(res.pages)} pages for {len(res.hub_ids)} hub(s)"
          + (" (SYNTHETIC demo extracts)" if config.extracts.synthetic else ""))
    for kind, counts in res.tables.counts_by_reason().items():
        print(f"  {kind} table: {counts['primary']} small counts, {counts['secondary']} withheld to protect them, "
              f"{counts['derived']} derived values withheld")
    print(f"  {res.tables.linked_cells} cell(s) withheld to protect sums across the LSOA, ward and hub tables")
    for p in (res.paths["pack"], res.paths["map"], res.paths["xlsx"], res.out_dir / "maps", res.out_dir / "visits", res.out_dir / "tables"):
        print(f"wrote {p}")
    print("  steps: " + ", ".join(f"{name} {sec:.1f} s" for name, sec in res.timings.items()))
    print(f"exported in {time.perf_counter() - t0:.1f} s")
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
    sp = add("export", "write the ILT pack (PDF), maps, map.html, tables and visit lists, all under disclosure control", _cmd_export)
    sp.add_argument("--out", default="out/pack", help="output folder (default: out/pack)")
    sp.add_argument("--hub", help="only this hub's pages, map and visit list (a hub id; the tables cover the study area)")
    sp.add_argument("--k", type=int, default=5, help="suggested venues per hub (default 5)")
    sp.add_argument("--dpi", type=int, default=300, help="resolution of maps/<hub_id>.png (default 300)")
    sp.add_argument("--date", help="generation date printed on the pack, YYYY-MM-DD (default: SOURCE_DATE_EPOCH or today)")
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
