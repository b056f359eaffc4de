"""Warm the app's caches for the study areas not shown, in a background thread.

After the first page is drawn the app loads, scores and gates the other study areas it offers,
so a study-area switch finds them ready (Leicestershire's disclosure gate alone takes 20-60 s on a
2-core machine). The thread is not a daemon: at exit it is asked to stop and finishes the study
area it is on (a daemon thread killed inside a native solver aborts the interpreter).
``FAMILYHUB_WARM=0`` turns the warm-up off (the test suite does, so test processes exit at once).

Examples
--------
>>> done = []
>>> start_warm(["a", "b"], done.append, enabled=True).join()
>>> done
['a', 'b']
>>> start_warm(["a"], done.append, enabled=False) is None
True
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable

__all__ = ["WARM_ENV", "WARM_THREAD", "start_warm", "warm_enabled"]

#: the environment variable that turns the warm-up off (``0``, ``false`` or ``no``)
WARM_ENV = "FAMILYHUB_WARM"
#: the name of the warm-up thread (``python -m geo app`` waits for it before it listens)
WARM_THREAD = "warm-study-areas"

_STOP = threading.Event()


def warm_enabled() -> bool:
    """Whether the warm-up runs: unless ``FAMILYHUB_WARM`` is ``0``, ``false`` or ``no``."""
    return os.environ.get(WARM_ENV, "1").strip().lower() not in ("0", "false", "no")


def _stop_at_exit() -> None:
    _STOP.set()


with contextlib.suppress(AttributeError):  # called before the interpreter waits for non-daemon threads
    threading._register_atexit(_stop_at_exit)  # noqa: SLF001 (CPython >= 3.9; the public atexit runs too late)


def start_warm(paths: Iterable[str], warm_one: Callable[[str], object], *, enabled: bool | None = None) -> threading.Thread | None:
    """Call ``warm_one(path)`` for each study area in a background thread; ``None`` if the warm-up is off.

    A study area that fails is skipped (it is reported when the user chooses it).
    """
    if not (warm_enabled() if enabled is None else enabled):
        return None
    paths = list(paths)

    def work() -> None:
        for path in paths:
            if _STOP.is_set():
                return
            with contextlib.suppress(Exception):
                warm_one(path)

    thread = threading.Thread(target=work, name=WARM_THREAD, daemon=False)
    thread.start()
    return thread
