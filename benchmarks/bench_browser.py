"""Benchmark: the app in a real browser (Playwright + Chromium), as council staff feel it.

Usage::

    python benchmarks/bench_browser.py                    # bi-borough, then Leicestershire; 3 repeats
    python benchmarks/bench_browser.py --runs 5 --cold-runs 2
    python benchmarks/bench_browser.py --only control      # only the control changes, bi-borough

Serves the app as ``make app`` does (``python -m geo app``, like ``tests/app/serve.py``) on 127.0.0.1
with the repository's ``config.toml`` (opens first) and ``configs/leicestershire.toml`` (both
fetched), and times:

- *cold first map*: a server that has just started listening, a new page, until the map's legend
  is drawn (once per server start, ``--cold-runs`` starts); *launch to listening*: from starting
  the launcher (which prepares the first page first) until it listens; and both again with
  ``--no-warm`` (listening at once, the first page computed when opened: ``streamlit run``'s cold start);
- *control change*: from the click on a new map layer (the list already open) until the redrawn
  map's legend is shown; also (own rows, same target) a *hub filter change* (from the click on a
  hub in "Hubs (catchments)") and a *venue count change* (k one step by keyboard);
- *tab switch*: a tab clicked, until its content is shown (Priority areas, Hubs, Wards, Map);
- *study-area switch*: from the click on Leicestershire until its map is drawn (the
  first switch after start, then the median of later ones, switching back untimed).

Medians over ``--runs`` repeats; targets (issue 16) printed beside the figures. Writes
``benchmarks/results/browser.json``. The machine's load is recorded (``os.getloadavg``): other
work on a 2-core machine slows every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import write_result  # noqa: E402

TARGETS = {"control_change_s": 0.7, "hub_filter_change_s": 0.7, "venue_count_change_s": 0.7, "tab_switch_s": 0.5, "study_area_switch_s": 1.5, "cold_first_map_s": 3.0}
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
MAP = "iframe[title='geo.app.folium_component.st_folium']"  # the map component (geo.app.folium_component.folium_map.name)
LAYER_LABELS = ["Need", "Review take-up", "Hub reach", "Travel time", "Priority"]
TAB_CONTENT = {"Priority areas": "Sortable.", "Hubs": "All hubs", "Wards": "Ward figures are recomputed", "Map": None}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(configs: list[Path], log: Path, *, warm: bool = True, launch_times: list | None = None) -> tuple[subprocess.Popen, str]:
    """The app as ``make app`` starts it (``python -m geo app``, ``--no-warm`` if not ``warm``) on a free port;
    returns the process and its URL once it listens, the seconds from launch to listening appended to ``launch_times``."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo", "app", "--config", *map(str, configs), "--port", str(port), "--address", "127.0.0.1",
         *([] if warm else ["--no-warm"])],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                if launch_times is not None:
                    launch_times.append(time.perf_counter() - t0)
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited: {log.read_text()}") from None
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the app did not listen in 300 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _mark_maps(page) -> None:
    """Mark every legend drawn so far: the next fresh legend is a redrawn map."""
    for i in range(page.locator(MAP).count()):
        with contextlib.suppress(Exception):  # a frame going away
            page.locator(MAP).nth(i).content_frame.locator(".hub-legend").evaluate_all(
                "els => els.forEach(e => e.setAttribute('data-bench-old', '1'))")


def wait_fresh_map(page, legend: str = "", timeout: float = 120) -> None:
    """Until a visible map iframe shows a legend not marked by :func:`_mark_maps` (containing ``legend``)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        frames = page.locator(MAP)
        for i in range(frames.count()):
            try:
                fresh = frames.nth(i).content_frame.locator(".hub-legend:not([data-bench-old])")
                if fresh.count() and fresh.first.is_visible() and legend in fresh.first.inner_text() and frames.nth(i).is_visible():
                    return
            except Exception:
                pass
        time.sleep(0.02)
    raise TimeoutError(f"no fresh map with legend {legend!r} after {timeout} s")


def wait_idle(page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    time.sleep(0.3)


def open_select(page, label: str, option: str):
    """Open the select box ``label`` and return its ``option``, ready to click (the change itself)."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).first
    box.scroll_into_view_if_needed()  # as a person scrolls to it first (a list opened while its sidebar scrolls closes)
    time.sleep(0.2)
    box.click()
    choice = page.get_by_role("option", name=option, exact=True)
    choice.wait_for()
    return choice


def select(page, label: str, option: str) -> None:
    open_select(page, label, option).click()


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def cold_first_map(browser, configs: list[Path], log: Path, *, warm: bool = True, launch_times: list | None = None) -> float:
    """A page opened on a server that has just started listening, until the map's legend shows."""
    proc, url = start_server(configs, log, warm=warm, launch_times=launch_times)
    try:
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        t = _timed(lambda: (page.goto(url), wait_fresh_map(page)))
        page.close()
        return t
    finally:
        stop_server(proc)


def layer_changes(page, runs: int) -> list[float]:
    """A new map layer each time, from the click on it until the redrawn map's legend shows."""
    times = []
    for i in range(runs):
        label = LAYER_LABELS[i % len(LAYER_LABELS)]
        _mark_maps(page)
        choice = open_select(page, "Map layer", label)  # timed from the click on the new layer
        times.append(_timed(lambda label=label, choice=choice: (choice.click(), wait_fresh_map(page, label.split()[0]))))
        wait_idle(page)
    return times


def hub_filter_changes(page, runs: int) -> tuple[list[float], list[float]]:
    """One hub chosen in "Hubs (catchments)" (two hubs in turn), from the click on it until the map is redrawn;
    the filter is cleared again untimed. Returns the times of a hub chosen before (the app's caches hold its
    view and venues) and of each hub's first choice (the server computes them: not only the map's redraw)."""
    again, first, seen = [], [], set()
    box = page.get_by_test_id("stMultiSelect").filter(has_text="Hubs (catchments)").first
    for i in range(runs + 2):
        box.click()
        options = page.get_by_role("option").filter(has_not_text="Select all")  # one hub, not every hub
        options.first.wait_for()
        choice = options.nth(i % min(2, options.count()))
        name = choice.inner_text()
        _mark_maps(page)
        (again if name in seen else first).append(_timed(lambda choice=choice: (choice.click(), wait_fresh_map(page))))
        seen.add(name)
        page.keyboard.press("Escape")
        page.mouse.click(1400, 40)  # the list closed (a click beside it), so "Clear all" clears
        wait_idle(page)
        _mark_maps(page)
        box.get_by_role("button", name="Clear all").click()
        wait_fresh_map(page)
        wait_idle(page)
    return again, first


def venue_count_changes(page, runs: int) -> list[float]:
    """The number of venues (k) one step up or down by keyboard, from the key press until the map is redrawn
    (Streamlit commits a slider's value about 0.2 s after the last key press: part of what a user waits)."""
    times = []
    thumb = page.get_by_test_id("stSlider").filter(has_text="Number of venues").get_by_role("slider")
    for i in range(runs):
        thumb.focus()
        _mark_maps(page)
        key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
        times.append(_timed(lambda key=key: (page.keyboard.press(key), wait_fresh_map(page))))
        wait_idle(page)
    return times


def control_changes(page, runs: int) -> dict:
    """The map layer, the hub filter and the number of venues changed, each ``runs`` times (:func:`layer_changes`...)."""
    hub_again, hub_first = hub_filter_changes(page, runs)
    return {"control_change": layer_changes(page, runs), "hub_filter_change": hub_again,
            "hub_filter_change_first_time": hub_first, "venue_count_change": venue_count_changes(page, runs)}


def cold_starts(browser, configs: list[Path], folder: Path, runs: int) -> dict[str, list[float]]:
    """``runs`` cold starts with the launcher's warm-up (launch to listening, then the first map) and without."""
    launch, launch_no_warm = [], []
    cold = [cold_first_map(browser, configs, folder / f"cold{i}.log", launch_times=launch) for i in range(runs)]
    cold_no_warm = [cold_first_map(browser, configs, folder / f"cold-no-warm{i}.log", warm=False, launch_times=launch_no_warm)
                    for i in range(runs)]
    return {"cold_first_map": cold, "launch_to_listening": launch, "cold_first_map_no_warm": cold_no_warm,
            "launch_to_listening_no_warm": launch_no_warm}


def warm_figures(browser, url: str, runs: int, leicestershire: str, biborough: str, *, only: str = "all") -> dict:
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(url)
    wait_fresh_map(page)
    wait_idle(page)
    figures = control_changes(page, runs)
    if only == "control":
        page.close()
        return figures
    tabs, switch_first, switch = [], None, []
    for _ in range(runs):
        for tab, text in TAB_CONTENT.items():
            _mark_maps(page)
            tab_el = page.get_by_role("tab", name=tab, exact=True)
            if text is None:
                tabs.append(_timed(lambda tab_el=tab_el: (tab_el.click(), wait_fresh_map(page))))
            else:
                tabs.append(_timed(lambda tab_el=tab_el, text=text: (
                    tab_el.click(), page.get_by_text(text).first.wait_for(state="visible", timeout=120_000))))
            wait_idle(page)
    for i in range(runs + 1):
        _mark_maps(page)
        choice = open_select(page, "Study area", leicestershire)  # timed from the click on the study area
        t = _timed(lambda choice=choice: (choice.click(), wait_fresh_map(page)))
        if i == 0:
            switch_first = t
        else:
            switch.append(t)
        wait_idle(page)
        _mark_maps(page)
        select(page, "Study area", biborough)
        wait_fresh_map(page)
        wait_idle(page)
    page.close()
    return {**figures, "tab_switch": tabs, "study_area_switch_first": switch_first, "study_area_switch": switch}


def main(argv: list[str] | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    from geo.app.views import available_configs

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--cold-runs", type=int, default=1)
    p.add_argument("--only", choices=["all", "control"], default="all",
                   help="control: only the control changes (layer, hub filter, venues) on the bi-borough")
    args = p.parse_args(argv)
    configs = [ROOT / "config.toml", ROOT / "configs" / "leicestershire.toml"]
    if args.only == "control":
        configs = configs[:1]
    labels = available_configs(ROOT, list(map(str, configs)))
    biborough = labels[str(configs[0].resolve())]
    leicestershire = labels[str(configs[1].resolve())] if len(configs) > 1 else None
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        starts = {} if args.only == "control" else cold_starts(browser, configs, Path(tmp), args.cold_runs)
        cold = starts.get("cold_first_map", [])
        proc, url = start_server(configs, Path(tmp) / "warm.log")
        try:
            page = browser.new_page()
            t0 = time.perf_counter()
            page.goto(url)
            wait_fresh_map(page)
            warm_first = time.perf_counter() - t0  # the caches' first fill, not timed below
            page.close()
            figures = warm_figures(browser, url, args.runs, leicestershire, biborough, only=args.only)
        finally:
            stop_server(proc)
        browser.close()
    med = {f"{name}_s": statistics.median(figures[name]) for name in ("control_change", "hub_filter_change", "venue_count_change")}
    if args.only == "all":
        med.update({
            "cold_first_map_s": statistics.median(cold),
            "tab_switch_s": statistics.median(figures["tab_switch"]),
            "study_area_switch_s": statistics.median(figures["study_area_switch"]) if figures["study_area_switch"] else None,
        })
        med |= {f"{key}_s": statistics.median(starts[key]) for key in ("launch_to_listening", "cold_first_map_no_warm",
                                                                        "launch_to_listening_no_warm")}
    result = {"medians": med, "times": figures, "cold_times": cold, "cold_starts": starts, "first_page_after_start_s": warm_first,
              "study_area_switch_first_s": figures.get("study_area_switch_first"), "runs": args.runs, "only": args.only,
              "load_average_before": load_before, "load_average_after": os.getloadavg(), "targets": TARGETS}
    path = write_result("browser" if args.only == "all" else f"browser_{args.only}", result)
    print(f"# App in Chromium (load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}; 2-core machine)")
    print("| measure | median | target |")
    print("|---|---|---|")
    for key, target in TARGETS.items():
        if med.get(key) is not None:
            print(f"| {key.removesuffix('_s').replace('_', ' ')} | {med[key]:.2f} s | <= {target} s |")
    print(f"| hub filter change, first choice of that hub | {statistics.median(figures['hub_filter_change_first_time']):.2f} s | - |")
    if figures.get("study_area_switch_first") is not None:
        print(f"| study-area switch, first after start | {figures['study_area_switch_first']:.2f} s | - |")
    if args.only == "all":
        print(f"| launch to listening (`python -m geo app`, first page prepared) | {med['launch_to_listening_s']:.2f} s | - |")
        print(f"| cold first map with `--no-warm` (listening at {med['launch_to_listening_no_warm_s']:.2f} s) "
              f"| {med['cold_first_map_no_warm_s']:.2f} s | - |")
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main()
