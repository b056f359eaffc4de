"""Command line: ``python -m geo <command> [--config PATH] …``.

Exit codes (the contract, also in the README):

- **0**: success.
- **2**: bad input: a command-line argument out of range or malformed, an output folder that
  cannot be written (``/proc``, ``/sys``, ``/dev``, an existing file, a read-only parent), a bad
  config, bad extracts or missing public data. One line per problem on stderr, naming the
  argument or the file, row(s) and column; never a traceback.
- **1**: anything unexpected (a bug): one line on stderr; the traceback only with ``--debug``
  or the environment variable ``FAMILYHUB_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import time
from pathlib import Path

from geo import ConfigError, DataError, ValidationError, load_config

__all__ = [
    "DEBUG_ENV",
    "DPI",
    "EXPORT_K",
    "MINUTES",
    "SITES_K",
    "TIME_LIMIT",
    "extract_period",
    "input_dir",
    "iso_date",
    "main",
    "number",
    "output_dir",
    "parser",
    "whole_number",
]

#: ranges of the numeric arguments (inclusive)
SITES_K = (1, 100)
EXPORT_K = (1, 20)
MINUTES = (1.0, 240.0)   # the same range as the config's [travel] threshold_minutes
DPI = (30, 1200)
TIME_LIMIT = (1.0, 86400.0)
#: folders no command writes into (they are not ordinary files)
SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))
DEBUG_ENV = "FAMILYHUB_DEBUG"


def whole_number(lo: int, hi: int):
    """An argparse ``type`` accepting whole numbers from ``lo`` to ``hi``.

    >>> whole_number(1, 100)("7")
    7
    >>> whole_number(1, 100)("-3")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be a whole number from 1 to 100, got '-3'
    """
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be a whole number from {lo} to {hi}, got {text!r}")
        return value

    parse.__name__ = "whole number"
    return parse


def number(lo: float, hi: float):
    """An argparse ``type`` accepting finite numbers from ``lo`` to ``hi``.

    >>> number(1, 240)("7.5")
    7.5
    >>> number(1, 240)("nan")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be a number from 1 to 240, got 'nan'
    """
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and lo <= value <= hi):
            raise argparse.ArgumentTypeError(f"must be a number from {lo:g} to {hi:g}, got {text!r}")
        return value

    parse.__name__ = "number"
    return parse


def iso_date(text: str) -> dt.date:
    """An argparse ``type`` for ``YYYY-MM-DD``.

    >>> iso_date("2026-01-05")
    datetime.date(2026, 1, 5)
    """
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date YYYY-MM-DD, got {text!r}") from None


def extract_period(text: str) -> str:
    """An argparse ``type`` for an extract period such as ``2025-Q4`` (checked against the extracts later)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must be a period such as 2025-Q4, got an empty string")
    return text.strip()


def output_dir(text: str) -> Path:
    """An argparse ``type`` for an output folder that can be created and written.

    Refused: an empty path, anything under ``/proc``, ``/sys`` or ``/dev`` (after following
    symbolic links), an existing file that is not a folder, and a folder whose nearest existing
    parent is not a writable folder.

    >>> output_dir("/proc/self")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: '/proc/self' is under /proc, a system folder: choose an ordinary folder
    """
    if not text.strip():
        raise argparse.ArgumentTypeError("must be a folder path, got an empty string")
    path = Path(text).expanduser()
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError) as err:
        raise argparse.ArgumentTypeError(f"{text!r} cannot be resolved ({err})") from None
    for system in SYSTEM_FOLDERS:
        if resolved == system or system in resolved.parents:
            raise argparse.ArgumentTypeError(f"{text!r} is under {system}, a system folder: choose an ordinary folder")
    if resolved.exists() and not resolved.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} exists and is not a folder")
    parent = next(p for p in (resolved, *resolved.parents) if p.exists())
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} cannot be created: {str(parent)!r} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text!r} cannot be written: {str(parent)!r} is not writable")
    return path


def input_dir(text: str) -> Path:
    """An argparse ``type`` for an existing folder to read from."""
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not an existing folder")
    return path


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (exit code 2), not the usage text."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


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


def _cmd_fetch(args) -> int:
    from geo import fetch

    config = load_config(args.config)
    fetch(config, args.mirror)
    return 0


def _cmd_demo(args) -> int:
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


def _cmd_init(args) -> int:
    from geo import init_command

    return init_command(args)


def _cmd_build(args) -> int:
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


def _cmd_sites(args) -> int:
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


def _cmd_export(args) -> int:
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


def _cmd_app(args) -> int:
    from geo.app.serve import serve

    return serve(args.config, port=args.port, address=args.address, warm=args.warm)


def parser() -> argparse.ArgumentParser:
    """The argument parser: every numeric argument bounded, every output folder checked."""
    p = _Parser(prog="python -m geo", description="Family Hub outreach targeting: data, scores, catchments, venues.",
                epilog="Exit codes: 0 success, 2 bad input (one line per problem), 1 unexpected error "
                       f"(traceback with --debug or {DEBUG_ENV}=1).")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name, help_, fn, *, period=False):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--config", default="config.toml", help="study-area TOML file (default: config.toml)")
        sp.add_argument("--debug", action="store_true", help=f"show the traceback of an unexpected error (or set {DEBUG_ENV}=1)")
        if period:
            sp.add_argument("--period", type=extract_period, help="extract period to analyse, e.g. 2025-Q4 (default: the config's, else the latest)")
        sp.set_defaults(func=fn)
        return sp

    def out(sp, default):
        sp.add_argument("--out", type=output_dir, default=default, help=f"output folder (default: {default})")

    k_sites, k_export = whole_number(*SITES_K), whole_number(*EXPORT_K)
    sp = add("fetch", "get the public data for the study area", _cmd_fetch)
    sp.add_argument("--mirror", type=input_dir, help="read from a local folder laid out like shared/data instead of downloading")
    sp = sub.add_parser("init", help="set up a study area for any English council: config, hubs by postcode, public data")
    sp.add_argument("--la", action="append", help="ONS code of a local authority (repeat for several), e.g. E06000017")
    sp.add_argument("--name", help="the study area's name, e.g. \"Rutland\"")
    sp.add_argument("--out", type=Path, help="the config file to write, e.g. configs/rutland.toml")
    sp.add_argument("--hubs", type=Path, help="CSV of hubs and spokes: name, postcode [, hub_id, site_type, parent_hub_id]")
    sp.add_argument("--hub", action="append", help='a hub as "Name=POSTCODE" (repeat; "Name=POSTCODE" lines of a spoke: use --hubs)')
    sp.add_argument("--mode", choices=["walk", "bus", "drive"], help="travel mode (default: walk for London boroughs, else drive)")
    sp.add_argument("--mirror", type=input_dir, help="a local folder laid out like shared/data (default: download)")
    sp.add_argument("--data", type=output_dir, help="folder for the fetched data and the hubs file (default: the repository's data/)")
    sp.add_argument("--force", action="store_true", help="replace an existing config file")
    sp.add_argument("--list-las", action="store_true", help="list the English LA codes and names (needs --mirror)")
    sp.add_argument("--debug", action="store_true", help=f"show the traceback of an unexpected error (or set {DEBUG_ENV}=1)")
    sp.set_defaults(func=_cmd_init)
    sp = add("demo", "write the SYNTHETIC demo extracts (seeded)", _cmd_demo)
    sp.add_argument("--out", type=output_dir, help="folder for the demo extracts (default: the config's extract folder)")
    sp.add_argument("--record-level", action="store_true",
                    help="write SYNTHETIC record-level files (one row per child / attendance) made from the demo extracts, "
                    "in records/ beside them")
    sp = add("build", "validate extracts, join, score and write lsoa.csv, wards.csv, areas.gpkg", _cmd_build, period=True)
    out(sp, "out")
    sp = add("sites", "suggest outreach venues (maximal covering, exact MILP)", _cmd_sites, period=True)
    sp.add_argument("--k", type=k_sites, default=5, help=f"number of venues to choose, {SITES_K[0]}-{SITES_K[1]} (default 5)")
    sp.add_argument("--minutes", type=number(*MINUTES), help=f"travel threshold in minutes, {MINUTES[0]:g}-{MINUTES[1]:g} (default: the config's)")
    sp.add_argument("--mode", help="travel mode (default: the config's)")
    sp.add_argument("--types", nargs="*", help="venue types to consider (default: all)")
    sp.add_argument("--force-in", nargs="*", default=[], help="venue ids that must be chosen")
    sp.add_argument("--force-out", nargs="*", default=[], help="venue ids that must not be chosen")
    sp.add_argument("--per-la", action="store_true", help="solve separately for each local authority")
    sp.add_argument("--instance", help="solve a JSON instance file directly (see README)")
    sp.add_argument("--time-limit", type=number(*TIME_LIMIT), default=60.0,
                    help=f"seconds allowed to the MILP, {TIME_LIMIT[0]:g}-{TIME_LIMIT[1]:g} (default 60)")
    out(sp, "out/sites")
    sp = add("export", "write the ILT pack (PDF), maps, map.html, tables and visit lists, all under disclosure control",
             _cmd_export, period=True)
    out(sp, "out/pack")
    sp.add_argument("--hub", help="only this hub's pages, map and visit list (a hub id; the tables cover the study area)")
    sp.add_argument("--k", type=k_export, default=5, help=f"suggested venues per hub, {EXPORT_K[0]}-{EXPORT_K[1]} (default 5)")
    sp.add_argument("--dpi", type=whole_number(*DPI), default=300, help=f"resolution of maps/<hub_id>.png, {DPI[0]}-{DPI[1]} (default 300)")
    sp.add_argument("--date", type=iso_date, help="generation date printed on the pack, YYYY-MM-DD (default: SOURCE_DATE_EPOCH or today)")
    sp = sub.add_parser("app", help="serve the app: its first page prepared before the server listens")
    sp.add_argument("--config", nargs="+", default=os.environ.get("FAMILYHUB_CONFIG", "config.toml").split(os.pathsep), help="study-area TOML files, the first opens (default: $FAMILYHUB_CONFIG, else config.toml)")
    sp.add_argument("--port", type=whole_number(1, 65535), default=8501, help="port to listen on (default 8501)")
    sp.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    sp.add_argument("--no-warm", dest="warm", action="store_false", help="listen at once; the first page is computed when opened")
    sp.add_argument("--debug", action="store_true", help=f"show the traceback of an unexpected error (or set {DEBUG_ENV}=1)")
    sp.set_defaults(func=_cmd_app)
    from geo.store import cli as store_cli  # ingest, store history|show

    store_cli.add_commands(sub, add, debug_help=f"show the traceback of an unexpected error (or set {DEBUG_ENV}=1)",
                 upload_id=whole_number(1, 2**31 - 1), period=extract_period)
    return p


def _one_line(err: BaseException) -> str:
    """An error's message on one line (multi-line messages joined with ``; ``)."""
    text = "; ".join(line.strip() for line in str(err).splitlines() if line.strip())
    return text or type(err).__name__


def _os_error(err: OSError) -> str:
    where = " -> ".join(str(f) for f in (err.filename, err.filename2) if f is not None)
    return f"{where}: {err.strerror}" if where and err.strerror else _one_line(err)


def main(argv: list[str] | None = None) -> int:
    """Run a command; returns the exit code (0 success, 2 bad input, 1 unexpected error)."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as done:  # --help (0) or a bad argument (2, one line already printed)
        return done.code if isinstance(done.code, int) else 2
    debug = args.debug or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    try:
        return args.func(args)
    except ValidationError as err:
        print(f"error: {len(err.problems)} problem(s) in the input:", file=sys.stderr)
        for problem in err.problems:
            print(f"  {_one_line(problem)}", file=sys.stderr)
        return 2
    except (ConfigError, DataError) as err:
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return 2
    except OSError as err:  # a file that cannot be read or written (permissions, disk full, …)
        if debug:
            raise
        print(f"error: {_os_error(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if debug:
            raise
        print(f"error: unexpected {type(err).__name__}: {_one_line(err)} (this is a bug: please report it; "
              f"rerun with --debug or {DEBUG_ENV}=1 for the traceback)", file=sys.stderr)
        return 1
