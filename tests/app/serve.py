"""The app served for the browser tests as users start it: ``python -m geo app`` on 127.0.0.1.

The launcher prepares the first page before it listens (``--no-warm``: it listens at once), so a
test's first page is as quick as its later ones; the time moves to the server's start.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: the command users run (``make app``), without its arguments
LAUNCHER = (sys.executable, "-m", "geo", "app")


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_command(configs: Sequence[Path], port: int, *, warm: bool = True, launcher: Sequence[str] = LAUNCHER) -> list[str]:
    """``python -m geo app --config ... --port N --address 127.0.0.1 [--no-warm]``."""
    return [*launcher, "--config", *map(str, configs), "--port", str(port), "--address", "127.0.0.1",
            *([] if warm else ["--no-warm"])]


def wait_listening(proc: subprocess.Popen, url: str, log, *, timeout: float = 240) -> float:
    """Seconds until ``url``'s health endpoint answers ``ok``; fails the test if the server exits first."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return time.perf_counter() - t0
        except OSError:
            pass
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"the app exited with code {proc.returncode}: {log.read()}")
        time.sleep(0.2)
    pytest.fail(f"the app did not listen within {timeout:.0f} s")


def serve_app(tmp_path_factory, configs: list[Path], *, warm: bool = True, launcher: Sequence[str] = LAUNCHER,
              log_path: Path | None = None) -> Iterator[str]:
    """Serve the app with these study areas (the first opens); yield its URL; on exit stop it and
    fail if its log (``log_path``, default a temporary file) shows a traceback."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("FAMILYHUB_CONFIG", None)  # the study areas are the --config arguments
    log = open(log_path or tmp_path_factory.mktemp("log") / "app.log", "w+")  # noqa: SIM115 (open for the server's life)
    proc = subprocess.Popen(app_command(configs, port, warm=warm, launcher=launcher), cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_listening(proc, url, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.seek(0)
        text = log.read()
        log.close()
    assert "Traceback" not in text, text
