"""``python -m geo app`` with its costly steps counted: ``python tests/app/counted_app.py COUNTS.json [geo app args]``.

The steps (:data:`STEPS`: loading and joining, scoring, the disclosure gate, the venue plans and
the map's component arguments) are wrapped in this process so that every call adds one to its
count in ``COUNTS.json`` (counts only, no data). A test reads the counts once the server listens
(what the warm-up computed) and again after a browser has opened the first page: unchanged counts
mean the server's first session computed nothing again.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
import threading
from pathlib import Path

#: (module, function) whose calls are counted, under the name "module.function"
STEPS = [("geo.build", "prepare"), ("geo.build", "analyse"), ("geo.app.gated", "export_tables"),
         ("geo.app.venues", "plan_venues"), ("geo.app.mapview", "component_args")]


def count_calls(counts_path: Path) -> dict[str, int]:
    """Wrap :data:`STEPS` so each call is counted in ``counts_path`` (written at every call)."""
    counts = {f"{m}.{f}": 0 for m, f in STEPS}
    lock = threading.Lock()
    counts_path.write_text(json.dumps(counts))
    for module_name, name in STEPS:
        module = importlib.import_module(module_name)
        original = getattr(module, name)

        @functools.wraps(original)
        def counted(*args, _original=original, _key=f"{module_name}.{name}", **kwargs):
            with lock:
                counts[_key] += 1
                counts_path.write_text(json.dumps(counts))
            return _original(*args, **kwargs)

        setattr(module, name, counted)
    return counts


if __name__ == "__main__":
    count_calls(Path(sys.argv[1]))
    from geo.cli import main

    sys.exit(main(["app", *sys.argv[2:]]))
