"""``python -m geo app``: the app's first page prepared before the server listens, then served.

``streamlit run`` listens at once and computes the first page when the first browser asks for it
(10 s and more on a 2-core machine: imports, loading and joining the data, scoring, the disclosure
gate, the map). :func:`serve` computes that page first, in this process, by running
``streamlit_app.py`` once headlessly with Streamlit's :class:`~streamlit.testing.v1.AppTest`: the
script runs as ``__main__`` there as it does in the server, so the keys of its ``st.cache_data``
and ``st.cache_resource`` caches are the server's, and those caches are process-wide (a
``st.cache_data`` function keeps the in-memory storage it was first given, here by the test run's
stand-in runtime: the app persists no cache to disk, so that storage serves the server alike). Then it starts
Streamlit's own server (``streamlit.web.bootstrap.run``, what ``streamlit run`` does, with the same
flags and ``.streamlit/config.toml``), whose first session finds every step of its page in the caches.

Where a headless run differs from a server's, it is put right: the components the page declared
(the map's frontend) were registered with the test run's stand-in runtime, so they are registered
again with the server's before it listens (:func:`register_components`); and the background
warm-up of the other study areas (:mod:`geo.app.warm`), which the page starts after itself, is
waited for before the server listens: run beside the first browser session it would hold the
interpreter while the server sends that browser Streamlit's frontend (seconds on 2 cores).

A study area that cannot be loaded does not stop the server: the warm-up says how many problems
it met (not what they are: a problem can quote a cell of an extract) and the page shows them as
it does without the warm-up. Only what cannot be served stops it: a config that cannot be read or
a port that is taken (exit code 2, one line, as every command).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from geo.app.warm import WARM_THREAD
from geo.config import load_config
from geo.errors import DataError

__all__ = ["SCRIPT", "WARM_TIMEOUT", "Warmed", "check_port", "flag_options", "register_components", "serve",
           "warm_first_page"]

#: the page served (the repository's Streamlit script)
SCRIPT = Path(__file__).resolve().parents[2] / "streamlit_app.py"
#: seconds the first page may take headlessly before the warm-up gives up (the server still starts)
WARM_TIMEOUT = 900.0


@dataclass(frozen=True)
class Warmed:
    """What the headless first run of the page did.

    Attributes
    ----------
    seconds : float
        Wall-clock time of the run.
    others : float
        Seconds then spent on the other study areas (the background warm-up the page started, waited for).
    problems : int
        Error messages the page showed (a study area that could not be loaded shows one, then one per problem).
    failure : str or None
        Why the run did not finish (an exception's type), else ``None``.
    """

    seconds: float
    others: float = 0.0
    problems: int = 0
    failure: str | None = None

    def line(self, name: str) -> str:
        """The progress line printed for the study area ``name``.

        >>> Warmed(4.21).line("Bi-borough")
        'Preparing Bi-borough... ready in 4.2 s'
        >>> Warmed(1.0, problems=2).line("X")
        'Preparing X... the page shows 2 error message(s) (1.0 s)'
        """
        if self.failure:
            return f"Preparing {name}... not finished ({self.failure}, {self.seconds:.1f} s): the page computes it when opened"
        if self.problems:
            return f"Preparing {name}... the page shows {self.problems} error message(s) ({self.seconds:.1f} s)"
        others = f"; other study areas ready in {self.others:.1f} s" if self.others >= 0.05 else ""
        return f"Preparing {name}... ready in {self.seconds:.1f} s{others}"


def flag_options(*, port: int, address: str) -> dict[str, object]:
    """Streamlit's options as ``make app`` gave them to ``streamlit run`` (``--server.port`` ...).

    >>> flag_options(port=8600, address="127.0.0.1")["server_port"]
    8600
    """
    return {"server_port": port, "server_address": address, "server_headless": True,
            "browser_gatherUsageStats": False}


def check_port(address: str, port: int) -> None:
    """Raise :class:`~geo.errors.DataError` if ``address:port`` cannot be listened on (before a long warm-up)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((address, port))
    except OSError as err:
        raise DataError(f"--port {port}: cannot listen on {address}:{port} ({err.strerror or err}); "
                        "choose another port (make app PORT=...)") from None


def warm_first_page(script: Path, args: Sequence[str], *, timeout: float = WARM_TIMEOUT) -> Warmed:
    """Run the page once headlessly, as the server's first session will, filling the process's caches.

    Parameters
    ----------
    script : Path
        The Streamlit script.
    args : sequence of str
        The script's own arguments (``sys.argv[1:]`` as ``streamlit run script -- ARGS`` gives them).
    timeout : float
        Seconds allowed to the run.

    Returns
    -------
    Warmed
        Its time, the problems the page showed, or why it did not finish.
    """
    from streamlit.testing.v1 import AppTest

    sys.argv = [str(script), *args]  # as streamlit.web.bootstrap sets it for the server
    t0 = time.perf_counter()
    quiet = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    quiet.disabled = True  # AppTest sets up its session outside a script run (a harmless warning)
    try:
        test = AppTest.from_file(str(script), default_timeout=timeout)
    finally:
        quiet.disabled = False
    try:
        page = test.run()
    except Exception as err:  # a timeout, or the test harness itself: the server computes the page instead
        return Warmed(time.perf_counter() - t0, failure=type(err).__name__)
    seconds = time.perf_counter() - t0
    for thread in threading.enumerate():  # the other study areas (geo.app.warm), before the server listens
        if thread.name == WARM_THREAD:
            thread.join(timeout)
    others = time.perf_counter() - t0 - seconds
    if len(page.exception):
        return Warmed(seconds, others, failure="the page raised an error")
    return Warmed(seconds, others, problems=len(page.error))


def register_components(registry) -> int:
    """Register with ``registry`` every custom component declared by a module imported so far.

    A component registers itself when its module is imported during a script run; the warm-up
    imported them under a stand-in runtime, so the server's registry would not know them (and
    the map's frame would not load). Returns how many were registered.
    """
    from streamlit.components.v1.custom_component import CustomComponent

    found = {}
    for module in list(sys.modules.values()):
        for value in list(getattr(module, "__dict__", {}).values()):
            with contextlib.suppress(Exception):  # a lazy proxy may raise when asked its class
                if isinstance(value, CustomComponent):
                    found[value.name] = value
    registered = 0
    for component in found.values():
        with contextlib.suppress(Exception):  # one that could not be registered was not usable in a script run either
            registry.register_component(component)
            registered += 1
    return registered


def _run_streamlit(script: Path, args: list[str], flags: dict[str, object]) -> None:
    """``streamlit run script -- args`` with these flags, in this process (blocks until stopped)."""
    from streamlit.runtime import Runtime
    from streamlit.web import bootstrap
    from streamlit.web.server import Server

    class WarmedServer(Server):
        """Streamlit's server, with the components of the warmed page registered before it listens."""

        def __init__(self, *a, **kw) -> None:
            super().__init__(*a, **kw)
            register_components(Runtime.instance().component_registry)

    if getattr(bootstrap, "Server", None) is not Server:
        raise RuntimeError("streamlit.web.bootstrap no longer creates streamlit.web.server.Server: "
                           "update geo/app/serve.py for this Streamlit version")
    bootstrap.Server = WarmedServer
    try:
        bootstrap.run(str(script), False, args, flags)
    finally:
        bootstrap.Server = Server


def serve(configs: Sequence[str], *, port: int = 8501, address: str = "127.0.0.1", warm: bool = True,
          say: Callable[[str], object] | None = None) -> int:
    """Prepare the first page of the first study area, then serve the app until stopped.

    Parameters
    ----------
    configs : sequence of str
        Study-area config files; the first opens. Each must be readable
        (:class:`~geo.config.ConfigError` otherwise, before anything else).
    port, address : int, str
        Where the server listens.
    warm : bool
        Prepare the first page before listening (``--no-warm``: listen at once, as ``streamlit run``).
    say : callable, optional
        Where the progress lines go (default: standard output, flushed at once).

    Returns
    -------
    int
        0 once the server has stopped.
    """
    from streamlit import config as st_config
    from streamlit.web import bootstrap

    say = say or (lambda line: print(line, flush=True))
    paths = [str(Path(c).resolve()) for c in configs]
    names = [load_config(p).name for p in paths]  # a config that cannot be read stops here (exit code 2)
    check_port(address, port)
    flags = flag_options(port=port, address=address)
    args = ["--config", *paths]
    st_config._main_script_path = str(SCRIPT)  # as `streamlit run` does: .streamlit/config.toml, then the flags
    bootstrap.load_config_options(flag_options=flags)
    if warm:
        sys.path.insert(0, str(SCRIPT.parent))  # as the server's script runs see it
        say(warm_first_page(SCRIPT, args).line(names[0]))
    say("Starting the server (it prints the address to open; Ctrl+C stops it)")
    _run_streamlit(SCRIPT, args, flags)
    return 0
