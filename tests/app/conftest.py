"""The app's tests run without its background warm-up of other study areas (``geo.app.warm``), so a
test process exits as soon as its tests end; ``benchmarks/bench_browser.py`` measures it on."""

import os

os.environ.setdefault("FAMILYHUB_WARM", "0")
