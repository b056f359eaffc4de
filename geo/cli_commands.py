"""What each command of ``python -m geo`` does: run the pipeline and print what it wrote.

:mod:`geo.cli` parses the arguments (every number bounded, every output folder checked) and turns
errors into exit codes; the functions here are its commands (``args`` is the parsed namespace).
``ingest`` and ``store`` are :mod:`geo.store.cli`, ``init`` is :mod:`geo.setup`.
"""

from __future__ import annotations

import json
import math
import time

from geo import ConfigError, DataError, load_config

__all__ = ["cmd_app", "cmd_build", "cmd_demo", "cmd_export", "cmd_fetch", "cmd_init", "cmd_sites"]


def _config(args):
    """The config named by ``--config``, with ``--period`` applied when given."""
    config = load_config(args.config)
    if getattr(args, "period", None) is not None:
        config = config.with_(period=args.period)
    return config


def _check_mode(config, mode: str | None) -> None:
    if mode is not None and mode not in config.travel.modes:
        raise ConfigError(f"--mode {mode!r} is not a travel mode of {config.path}; "
                          f"choose one of {', '.join(sorted(config.travel.modes))}")


def cmd_fetch(args) -> int:
    from geo import fetch

    config = load_config(args.config)
    fetch(config, args.mirror)
    return 0


def cmd_demo(args) -> int:
    from geo import write_demo

    config = load_config(args.config)
    if args.record_level:
        from geo import write_record_demo

        written = write_record_demo(config, out_dir=args.out)
    else:
        written = write_demo(config, out_dir=args.out)
    for p in written.values():
        print(f"wrote {p}")
    return 0


def cmd_init(args) -> int:
    from geo import init_command

    return init_command(args)


def cmd_build(args) -> int:
    from geo import run, write

    config = _config(args)
    t0 = time.perf_counter()
    result = run(config)
    paths = write(result, args.out)
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
        scores = [fit.get("score_in_sample"), fit.get("cv_score")]
        if fit.get("cv_folds") and all(isinstance(v, (int, float)) and math.isfinite(v) for v in scores):
            print(f"  expected {target} model (LSOAs): deviance D² {fit['score_in_sample']:.3f} in sample, "
                  f"{fit['cv_score']:.3f} cross-validated ({fit['cv_folds']} folds)")
        elif "cv_score" in fit:  # fitted on no area with children (e.g. no under-5s anywhere)
            print(f"  expected {target} model (LSOAs): not fitted ({fit.get('n_areas', 0)} area(s) with children to fit)")
    sens = model["sensitivity"]
    print(f"  weights ±20%: Spearman of priority ranks ≥ {sens['min_spearman']:.3f}, top-20 overlap ≥ {sens['min_top_overlap']}/20")
    for p in paths.values():
        print(f"wrote {p}")
    print(f"built in {time.perf_counter() - t0:.2f} s")
    return 0


def cmd_sites(args) -> int:
    out = args.out
    if args.instance:
        from models.siting import solve_instance_file

        try:
            res = solve_instance_file(args.instance, args.k, out, force_in=args.force_in, force_out=args.force_out, time_limit=args.time_limit)
        except (OSError, ValueError, json.JSONDecodeError) as err:
            raise DataError(f"{args.instance}: {err}") from None
        print(f"objective {res['objective']:.6g} ({'optimal' if res['optimal'] else res['status']}) in {res['solve_seconds']:.3f} s; chosen {', '.join(res['chosen'])}")
        print(f"wrote {out / 'sites.json'}")
        return 0
    from geo import printable, run, suggest_sites, write_sites

    config = _config(args)
    _check_mode(config, args.mode)
    result = run(config)
    if args.types:
        unknown = sorted(set(args.types) - set(result.venues["type"]))
        if unknown:
            raise DataError(f"--types: unknown venue type(s) {', '.join(map(repr, unknown))}; "
                            f"venue types of {config.name}: {', '.join(sorted(set(result.venues['type'])))}")
    minutes = args.minutes if args.minutes is not None else config.travel.threshold_minutes
    types = args.types or None
    if args.per_la:
        from geo import neutralise_frame, suggest_sites_per_la

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


def cmd_export(args) -> int:
    from geo import run
    from geo.export import Helper, Progress, export_pack, listed_hub_ids, steps

    config = _config(args)
    t0 = time.perf_counter()
    if config.export.basemap is not None:  # a bad basemap fails now, not after the build
        from geo.maps import Basemap

        Basemap.open(config.export.basemap, config.export.basemap_attribution)
    listed = listed_hub_ids(config)
    if args.hub and listed is not None and args.hub not in listed:
        raise DataError(f"unknown hub id {args.hub!r}; hubs of {config.name}: {', '.join(listed) or 'none'}")
    n_hubs = 1 if args.hub else len(listed or [])
    progress = Progress(1 + steps(n_hubs))
    with Helper() as helper:  # a second process: it gets ready while this one builds
        progress(f"build {config.name}")
        result = run(config)
        res = export_pack(result, args.out, hub=args.hub, k=args.k, dpi=args.dpi, generated=args.date,
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


def cmd_app(args) -> int:
    from geo.app.serve import serve

    return serve(args.config, port=args.port, address=args.address, warm=args.warm)
