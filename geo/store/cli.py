"""The store's commands: ``python -m geo ingest`` and ``python -m geo store history|show``.

``ingest`` validates a file with the build's validators, prints what it would change and
writes it only when confirmed (``--yes``, or ``y`` typed at the prompt); without a terminal
and without ``--yes`` nothing is written and the exit code is 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["add_commands"]


def _cmd_ingest(args) -> int:
    from geo import load_config
    from geo.store import open_store, preview, preview_lines, store_url, validate_upload
    from geo.store.db import describe

    config = load_config(args.config)
    up = validate_upload(config, args.kind, Path(args.file), record_level=args.record_level, uploaded_by=args.by)
    store = open_store(config, create=False)  # a preview creates no store
    for line in preview_lines(preview(store, up)):
        print(line)
    where = store.description if store is not None else describe(store_url(config))
    if not args.yes:
        if not sys.stdin.isatty():
            print(f"not written: confirm with --yes (there is no terminal to ask on); the store is {where}", file=sys.stderr)
            return 1
        if input(f"Write this to the store ({where})? [y/N] ").strip().lower() not in ("y", "yes"):
            print("not written", file=sys.stderr)
            return 1
    store = store if store is not None else open_store(config)
    uid = store.add(up)
    print(f"stored as upload {uid} in {store.description}")
    return 0


def _cmd_history(args) -> int:
    from geo import load_config
    from geo.store import open_store, store_url
    from geo.store.db import describe

    config = load_config(args.config)
    store = open_store(config, create=False)
    if store is None:
        print(f"no uploads yet: there is no store at {describe(store_url(config))}")
        return 0
    h = store.history(args.kind)
    print(f"{len(h)} upload(s) in {store.description}")
    for r in h.itertuples():
        excluded = ", ".join(f"{n} {why}" for why, n in r.excluded.items()) or "none"
        print(f"{r.id:>4}  {r.kind:<17} {r.status:<17} {r.uploaded_utc:%Y-%m-%d %H:%M} UTC  by {r.uploaded_by}  "
              f"{r.file_name} (sha256 {r.sha256[:12]}…){'  record-level' if r.record_level else ''}")
        print(f"      periods {', '.join(r.periods)}; rows in {r.rows_in}, used {r.rows_used}, excluded {excluded}"
              + (f"; replaced: {r.replaced}" if r.replaced else ""))
    return 0


def _cmd_show(args) -> int:
    from geo import load_config
    from geo.safety import neutralise_frame
    from geo.store import open_store, store_url
    from geo.store.db import describe

    config = load_config(args.config)
    period = args.period
    if period is not None:
        from geo.inputs.periods import parse_period

        try:
            period = parse_period(period, quarters=config.extracts.quarters).label
        except ValueError as err:
            from geo import ConfigError

            raise ConfigError(f"--period: {err}") from None
    store = open_store(config, create=False)
    if store is None:
        from geo import DataError

        raise DataError(f"there is no store at {describe(store_url(config))}: nothing has been uploaded")
    rows = store.rows(args.upload, period=period)
    if args.out is None:
        rows.to_csv(sys.stdout, index=False)
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    neutralise_frame(rows).to_csv(args.out, index=False)
    print(f"wrote {len(rows)} row(s) of upload {args.upload} to {args.out}")
    return 0


def add_commands(sub, add, *, debug_help: str, upload_id, period) -> None:
    """Add ``ingest`` and ``store`` to the subparsers ``sub`` of :func:`geo.cli.parser`.

    ``add`` makes a command with ``--config`` and ``--debug``; ``upload_id`` and ``period`` are the
    argparse types of ``--upload`` and ``--period`` (from :mod:`geo.cli`, which imports this module).
    """
    from geo.store.db import KINDS

    sp = add("ingest", "validate an extract and load it into the store (preview, then confirm)", _cmd_ingest)
    sp.add_argument("--kind", required=True, choices=KINDS, help="which extract the file is")
    sp.add_argument("file", help="the extract (CSV UTF-8 or XLSX)")
    sp.add_argument("--record-level", action="store_true", help="one row per child: aggregated in memory to LSOA x quarter")
    sp.add_argument("--yes", action="store_true", help="confirm without asking")
    sp.add_argument("--by", help="who is uploading (default: $GEO_USER, else the user name)")
    store = sub.add_parser("store", help="the store's uploads: history, and any upload's rows")
    cmds = store.add_subparsers(dest="store_command", required=True)
    for name, help_, fn in (("history", "every upload: when, by whom, periods, rows, what replaced what", _cmd_history),
                            ("show", "the rows of one upload (current or replaced) as CSV", _cmd_show)):
        sp = cmds.add_parser(name, help=help_)
        sp.add_argument("--config", default="config.toml", help="study-area TOML file (default: config.toml)")
        sp.add_argument("--debug", action="store_true", help=debug_help)
        sp.set_defaults(func=fn)
        if name == "history":
            sp.add_argument("--kind", choices=KINDS, help="only this kind")
        else:
            sp.add_argument("--upload", required=True, type=upload_id, help="the upload id (see history)")
            sp.add_argument("--period", type=period, help="only this period (canonical label, e.g. 2025-Q4)")
            sp.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")
