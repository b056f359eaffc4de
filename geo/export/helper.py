"""A spawned helper process for the export: work that can run beside the main process.

Examples
--------
>>> with Helper() as helper:                                  # doctest: +SKIP
...     job = helper.submit(sum, [1, 2, 3])
...     job.result()
6
"""

from __future__ import annotations

import importlib
import multiprocessing
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

__all__ = ["Helper", "PACK_JOB_MODULES"]

#: where the pack's helper jobs live (the PNG hub maps, the PDF): imported while the helper waits
PACK_JOB_MODULES = ("geo.maps.printmap", "geo.export.document", "weasyprint")


def _warm_up(modules: Sequence[str]) -> bool:
    """Import what the helper's jobs need (runs in the helper while the main process works)."""
    for name in modules:
        importlib.import_module(name)
    return True


class _main_not_reimported:
    """Start helper processes without re-running the caller's ``__main__`` script in them.

    A spawned process normally imports the parent's main script first (so a script without an
    ``if __name__ == "__main__":`` guard would run again there). The helper's jobs live in
    :mod:`geo`, so the main module is hidden from :mod:`multiprocessing` while it starts one.
    """

    def __enter__(self):
        self.main = sys.modules.get("__main__")
        self.saved = {k: self.main.__dict__[k] for k in ("__file__", "__spec__") if k in getattr(self.main, "__dict__", {})}
        for k in self.saved:
            if k == "__spec__":
                self.main.__spec__ = None
            else:
                del self.main.__dict__[k]

    def __exit__(self, *exc):
        self.main.__dict__.update(self.saved)


class _Done:
    """A finished future (the helper's jobs run inline when no helper process is available)."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value

    def done(self) -> bool:
        return True


class Helper:
    """One spawned helper process for export work that can run beside the main process.

    The PNG maps are drawn there, then the PDF laid out and written, while the main process
    writes the tables' files and the web map. The helper needs a few seconds to start (imports), so it gets the jobs
    that are submitted early and wanted late. Spawned, not forked: the helper shares no solver threads or state with its parent.
    A job that cannot run in the helper (no process could be started, or it died) runs inline.

    Parameters
    ----------
    enabled : bool
        Start a process (False: every job runs inline).
    preload : sequence of str
        Modules the helper imports as soon as it starts (default: those of the pack's jobs).

    Examples
    --------
    >>> with Helper() as helper:                       # doctest: +SKIP
    ...     export_pack(result, "out/pack", helper=helper)
    """

    def __init__(self, enabled: bool = True, *, preload: Sequence[str] = PACK_JOB_MODULES):
        self.pool: ProcessPoolExecutor | None = None
        if enabled and multiprocessing.parent_process() is None:
            try:
                self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
                with _main_not_reimported():  # the process starts here, on the first job
                    self.pool.submit(_warm_up, tuple(preload))
            except (OSError, RuntimeError, ValueError):
                self.pool = None

    def submit(self, fn, *args, **kwargs):
        """Run ``fn(*args, **kwargs)`` in the helper; returns an object with ``result()`` and ``done()``."""
        if self.pool is not None:
            try:
                return _Retry(self.pool.submit(fn, *args, **kwargs), fn, args, kwargs)
            except (BrokenProcessPool, RuntimeError):
                self.pool = None
        return _Done(fn(*args, **kwargs))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Retry:
    """A helper job's future that runs the job inline if the helper process broke."""

    def __init__(self, future: Future, fn, args, kwargs):
        self.future, self.fn, self.args, self.kwargs = future, fn, args, kwargs

    def result(self):
        try:
            return self.future.result()
        except BrokenProcessPool:
            return self.fn(*self.args, **self.kwargs)

    def done(self) -> bool:
        """Whether the job has finished (or failed): then the helper is free for another."""
        return self.future.done()
