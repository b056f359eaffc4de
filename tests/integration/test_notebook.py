"""``notebooks/risk_model.ipynb`` is executed by the test suite, so it cannot rot (issue 3, item 8).

It runs in a fresh ``python3`` kernel (this interpreter: jupyter_client starts a kernelspec's
``python`` as ``sys.executable``) with the notebook folder as working directory, on the public
data fetched from the mirror into a temporary folder: the notebook reads the study-area config
named by ``RISK_MODEL_CONFIG``, here a copy of ``config.toml`` pointing at that folder, so the
test works from a clean clone where ``data/boundaries`` is empty.
"""

from __future__ import annotations

import json
import time

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO, write_study_config

NOTEBOOK = REPO / "notebooks" / "risk_model.ipynb"


def test_notebook_is_stored_clean():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code), "store the notebook without outputs"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for topic in ("Wilson", "empirical-Bayes", "Funnel plot", "Priority map", "Expected versus observed", "Sensitivity", "SYNTHETIC"):
        assert topic in text, topic


@pytest.fixture(scope="module")
def executed(biborough_config, tmp_path_factory):
    cfg = write_study_config(tmp_path_factory.mktemp("nb") / "config.toml", REPO / "config.toml", biborough_config)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    mp = pytest.MonkeyPatch()
    mp.setenv("RISK_MODEL_CONFIG", str(cfg))
    try:
        client = NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}})
        t0 = time.perf_counter()
        client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
        seconds = time.perf_counter() - t0
    finally:
        mp.undo()
    return nb, seconds


def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_notebook_runs_on_the_demo_data(executed):
    nb, seconds = executed
    assert seconds < 60, f"the notebook took {seconds:.1f} s"
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if o.output_type in ("display_data", "execute_result") and "image/png" in o.get("data", {})]
    assert len(figures) >= 8, f"{len(figures)} figures"
    tables = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(tables) >= 8


def test_notebook_reaches_the_documented_results(executed):
    nb, _ = executed
    text = "".join(o.get("text", "") for o in _outputs(nb) if o.output_type == "stream")
    line = next(ln for ln in text.splitlines() if ln.startswith("SUMMARY "))
    summary = json.loads(line.removeprefix("SUMMARY "))
    assert summary["study_area"] == "biborough"
    assert summary["lsoas"] == 224 and summary["wards"] == 36
    assert summary["planted"] == 20 and summary["planted_in_top20"] >= 16
    assert 0.9 < summary["min_spearman"] <= 1 and 0 <= summary["min_top20_overlap"] <= 20
    small, large = summary["eb_weight_small_vs_large"]
    assert small < large  # small areas shrink more
    assert "81/263: 0.2553 to 0.3662" in text  # the Wilson interval's published example
