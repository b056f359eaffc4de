"""The command line's contract (issue 14): arguments bounded by the parser, special or unwritable
output folders refused, exit 2 with one line per problem (never a traceback), exit 1 with one
line for an unexpected error (the traceback only with ``--debug`` or ``FAMILYHUB_DEBUG=1``).

Each case of the issue is run both through :func:`geo.cli.main` and as a real process
(``python -m geo …``).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from geo import cli
from geo.cli import main
from tests.conftest import REPO, write_study_config

CONFIG = REPO / "config.toml"

#: (arguments, words the one-line message must contain): the issue's cases and their neighbours
BAD_ARGUMENTS = [
    (["sites", "--k", "-3"], "--k: must be a whole number from 1 to 100, got '-3'"),
    (["sites", "--k", "0"], "--k: must be a whole number from 1 to 100"),
    (["sites", "--k", "2.5"], "--k: must be a whole number"),
    (["sites", "--k", "101"], "--k: must be a whole number from 1 to 100"),
    (["export", "--dpi", "0"], "--dpi: must be a whole number from 30 to 1200, got '0'"),
    (["export", "--dpi", "5000"], "--dpi: must be a whole number from 30 to 1200"),
    (["export", "--k", "0"], "--k: must be a whole number from 1 to 20"),
    (["sites", "--minutes", "0"], "--minutes: must be a number from 1 to 240, got '0'"),
    (["sites", "--minutes", "-5"], "--minutes: must be a number from 1 to 240, got '-5'"),
    (["sites", "--minutes", "nan"], "--minutes: must be a number from 1 to 240"),
    (["sites", "--minutes", "241"], "--minutes: must be a number from 1 to 240"),
    (["sites", "--time-limit", "-1"], "--time-limit: must be a number from 1 to 86400"),
    (["export", "--date", "5/1/2026"], "--date: must be a date YYYY-MM-DD, got '5/1/2026'"),
    (["sites", "--out", "/proc/self"], "'/proc/self' is under /proc, a system folder"),
    (["build", "--out", "/sys/kernel"], "is under /sys, a system folder"),
    (["export", "--out", "/dev/null"], "is under /dev, a system folder"),
    (["sites", "--out", ""], "--out: must be a folder path"),
    (["build", "--period", " "], "--period: must be a period such as 2025-Q4"),
    (["fetch", "--mirror", "/no/such/folder"], "--mirror: '/no/such/folder' is not an existing folder"),
]


def _check_one_line(err: str, words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert words in lines[0] and "Traceback" not in err


@pytest.mark.parametrize(("args", "words"), BAD_ARGUMENTS, ids=[" ".join(a) for a, _ in BAD_ARGUMENTS])
def test_bad_argument_exits_2_with_one_line(args, words, tmp_path, capsys):
    out = tmp_path / "out"
    argv = [*args, "--config", str(CONFIG)]
    if "--out" not in args and args[0] != "fetch":
        argv += ["--out", str(out)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    _check_one_line(captured.err, words)
    assert captured.out == "" and not out.exists()


#: the issue's cases (and a malformed date), through a real process
ISSUE_CASES = [case for case in BAD_ARGUMENTS if case[0] in (
    ["sites", "--k", "-3"], ["export", "--dpi", "0"], ["sites", "--out", "/proc/self"], ["sites", "--minutes", "0"],
    ["sites", "--minutes", "-5"], ["export", "--date", "5/1/2026"])]


@pytest.mark.parametrize(("args", "words"), ISSUE_CASES, ids=[" ".join(a) for a, _ in ISSUE_CASES])
def test_bad_argument_in_a_real_process(args, words):
    proc = subprocess.run([sys.executable, "-m", "geo", *args, "--config", str(CONFIG)], check=False, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    _check_one_line(proc.stderr, words)


def test_output_folder_that_is_a_file_or_below_a_file(tmp_path, capsys):
    a_file = tmp_path / "report.txt"
    a_file.write_text("keep me")
    assert main(["build", "--config", str(CONFIG), "--out", str(a_file)]) == 2
    _check_one_line(capsys.readouterr().err, "exists and is not a folder")
    assert main(["build", "--config", str(CONFIG), "--out", str(a_file / "sub" / "dir")]) == 2
    _check_one_line(capsys.readouterr().err, "is not a folder")
    assert a_file.read_text() == "keep me"
    # a symbolic link into /proc is refused as well (links are followed)
    link = tmp_path / "link"
    link.symlink_to("/proc/self")
    assert main(["sites", "--config", str(CONFIG), "--out", str(link)]) == 2
    _check_one_line(capsys.readouterr().err, "a system folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_read_only_parent_is_refused(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert main(["build", "--config", str(CONFIG), "--out", str(locked / "out")]) == 2
        _check_one_line(capsys.readouterr().err, "is not writable")
    finally:
        locked.chmod(0o700)


def test_good_arguments_parse_to_their_values(tmp_path):
    args = cli.parser().parse_args(["sites", "--k", "100", "--minutes", "240", "--time-limit", "1", "--out", str(tmp_path / "new" / "dir")])
    assert (args.k, args.minutes, args.time_limit, args.out) == (100, 240.0, 1.0, tmp_path / "new" / "dir")
    args = cli.parser().parse_args(["export", "--dpi", "1200", "--k", "20", "--date", "2026-01-05", "--period", "2025-Q3"])
    assert (args.dpi, args.k, str(args.date), args.period) == (1200, 20, "2026-01-05", "2025-Q3")
    assert cli.parser().parse_args(["sites", "--minutes", "1"]).minutes == 1.0


def test_help_exits_0(capsys):
    assert main(["sites", "--help"]) == 0
    assert "1-240" in capsys.readouterr().out


def test_unknown_travel_mode_exits_2_before_building(tmp_path, capsys):
    assert main(["sites", "--config", str(CONFIG), "--mode", "teleport", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    _check_one_line(err, "--mode 'teleport' is not a travel mode")
    assert "walk" in err and not (tmp_path / "o").exists()


def test_unexpected_error_exits_1_with_one_line_and_debug_shows_the_traceback(tmp_path, capsys, monkeypatch):
    import geo.build

    def broken(config):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(geo.build, "run", broken)
    argv = ["build", "--config", str(CONFIG), "--out", str(tmp_path / "o")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    _check_one_line(err, "unexpected ZeroDivisionError: division by zero")
    assert "--debug" in err and "FAMILYHUB_DEBUG=1" in err
    with pytest.raises(ZeroDivisionError):
        main([*argv, "--debug"])
    monkeypatch.setenv("FAMILYHUB_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(argv)


def test_unexpected_error_in_a_real_process(tmp_path):
    """``python -m geo`` with a fault injected into the build: exit 1 and one line; the traceback
    only with ``FAMILYHUB_DEBUG=1``."""
    code = ("import runpy, sys, geo.build\n"
            "geo.build.run = lambda config: 1 / 0\n"
            f"sys.argv = ['geo', 'build', '--config', {str(CONFIG)!r}, '--out', {str(tmp_path / 'o')!r}]\n"
            "runpy.run_module('geo', run_name='__main__')\n")
    env = {k: v for k, v in os.environ.items() if k != "FAMILYHUB_DEBUG"}
    proc = subprocess.run([sys.executable, "-c", code], check=False, cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 1
    _check_one_line(proc.stderr, "unexpected ZeroDivisionError: division by zero")
    proc = subprocess.run([sys.executable, "-c", code], check=False, cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**env, "FAMILYHUB_DEBUG": "1"})
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "ZeroDivisionError" in proc.stderr


def test_unwritable_output_is_exit_2_with_the_file_named(tmp_path, capsys, monkeypatch):
    """An OSError while writing (disk full, permissions) is one line naming the file, exit 2."""
    import geo.build
    import geo.outputs

    target = tmp_path / "o" / "lsoa.csv"
    monkeypatch.setattr(geo.build, "run", lambda config: object())
    monkeypatch.setattr(geo.outputs, "write", lambda result, out: (_ for _ in ()).throw(OSError(28, "No space left on device", str(target))))
    assert main(["build", "--config", str(CONFIG), "--out", str(tmp_path / "o")]) == 2
    _check_one_line(capsys.readouterr().err, f"{target}: No space left on device")


def test_period_reaches_the_build_and_an_unknown_period_is_exit_2(biborough_config, tmp_path, capsys):
    cfg = write_study_config(tmp_path / "config.toml", CONFIG, biborough_config)
    assert main(["build", "--config", str(cfg), "--out", str(tmp_path / "q3"), "--period", "2025-Q3"]) == 0
    assert "periods used: 2024-Q4 to 2025-Q3 pooled" in capsys.readouterr().out  # the four quarters to 2025-Q3
    assert main(["build", "--config", str(cfg), "--out", str(tmp_path / "q9"), "--period", "2025-Q9"]) == 2
    err = capsys.readouterr().err
    assert "2025-Q9" in err and "Traceback" not in err
    assert not (tmp_path / "q9" / "lsoa.csv").exists()


def test_unknown_venue_type_exits_2(biborough_config, tmp_path, capsys):
    cfg = write_study_config(tmp_path / "config.toml", CONFIG, biborough_config)
    assert main(["sites", "--config", str(cfg), "--types", "library", "spaceport", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    _check_one_line(err, "unknown venue type(s) 'spaceport'")
    assert "library" in err and not (tmp_path / "o").exists()


def test_readme_documents_the_contract_and_the_ranges():
    readme = " ".join((REPO / "README.md").read_text().split())
    assert "| 2 | bad input" in readme and "| 1 | an unexpected error" in readme and "FAMILYHUB_DEBUG=1" in readme
    for flag, (lo, hi) in {"sites --k": cli.SITES_K, "export --k": cli.EXPORT_K, "sites --minutes": cli.MINUTES,
                           "export --dpi": cli.DPI, "sites --time-limit": cli.TIME_LIMIT}.items():
        assert f"`{flag}` |" in readme and f"{lo:g}-{hi:g}" in readme, flag
