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
import math
import os
import sys
from pathlib import Path

from geo import ConfigError, DataError, ValidationError
from geo import cli_commands as commands  # what each command does

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
    sp = add("fetch", "get the public data for the study area", commands.cmd_fetch)
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
    sp.set_defaults(func=commands.cmd_init)
    sp = add("demo", "write the SYNTHETIC demo extracts (seeded)", commands.cmd_demo)
    sp.add_argument("--out", type=output_dir, help="folder for the demo extracts (default: the config's extract folder)")
    sp.add_argument("--record-level", action="store_true",
                    help="write SYNTHETIC record-level files (one row per child / attendance) made from the demo extracts, "
                    "in records/ beside them")
    sp = add("build", "validate extracts, join, score and write lsoa.csv, wards.csv, areas.gpkg", commands.cmd_build, period=True)
    out(sp, "out")
    sp = add("sites", "suggest outreach venues (maximal covering, exact MILP)", commands.cmd_sites, period=True)
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
             commands.cmd_export, period=True)
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
    sp.set_defaults(func=commands.cmd_app)
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
