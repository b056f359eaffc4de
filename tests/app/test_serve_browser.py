"""``python -m geo app`` end to end: the first page is prepared before the server listens, and the
first browser to open it gets it from the caches (nothing computed again), the map included.

The launcher runs as ``tests/app/counted_app.py``, which counts the costly steps in the server's
process (counts only); a study area that cannot be loaded does not stop the server.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from tests.app.serve import serve_app
from tests.app.test_app import write_app_config
from tests.app.test_app_browser import _map_frame, browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

COUNTED = Path(__file__).resolve().parent / "counted_app.py"


@pytest.fixture(scope="module")
def counted_server(tmp_path_factory, biborough_config):
    folder = tmp_path_factory.mktemp("counted")
    counts, log = folder / "counts.json", folder / "app.log"
    config = write_app_config(folder, biborough_config)
    for url in serve_app(tmp_path_factory, [config], launcher=(sys.executable, str(COUNTED), str(counts)), log_path=log):
        yield url, counts, log


def _idle(page) -> None:
    """Until the script run the page asked for has finished (Streamlit's status widget gone)."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    time.sleep(0.5)


def test_the_first_page_is_served_from_the_warm_up(counted_server, browser):  # noqa: F811
    url, counts, log = counted_server
    warmed = json.loads(counts.read_text())
    assert all(n >= 1 for n in warmed.values()), warmed  # the warm-up computed every step before listening
    text = log.read_text()
    assert "Preparing Westminster with Kensington and Chelsea (bi-borough)... ready in " in text, text
    assert text.index("ready in") < text.index(f"URL: {url}"), text  # prepared, then listening
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    frame = _map_frame(page, "Priority", timeout=60)  # the map's frame loads: its component is registered
    assert frame.locator(".hub-marker.hub").count() == 5
    _idle(page)
    assert page.get_by_text("Family Hub outreach · Westminster with Kensington and Chelsea").first.is_visible()
    assert json.loads(counts.read_text()) == warmed  # the first session computed nothing again
    assert not errors, errors
    page.close()


@pytest.fixture(scope="module")
def broken_server(tmp_path_factory, biborough_config):
    folder = tmp_path_factory.mktemp("broken")
    hubs = folder / "hubs.csv"
    hubs.write_text("hub_id,nom\nH1,Somewhere\n")  # no name, no postcode or coordinates
    log = folder / "app.log"
    for url in serve_app(tmp_path_factory, [write_app_config(folder, biborough_config, hubs=hubs)], log_path=log):
        yield url, log


def test_a_study_area_that_cannot_be_loaded_does_not_stop_the_server(broken_server, browser):  # noqa: F811
    url, log = broken_server
    assert "the page shows" in log.read_text() and "error message(s)" in log.read_text()
    assert "Somewhere" not in log.read_text()  # counted, not quoted: a problem can quote an extract's cell
    page = browser.new_page()
    page.goto(url)
    page.get_by_text("The study area could not be loaded").first.wait_for(timeout=60_000)
    page.close()
