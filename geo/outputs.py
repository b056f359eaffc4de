"""The build outputs: what ``python -m geo build`` writes from a :class:`geo.build.BuildResult`.

:func:`write` writes ``lsoa.csv``, ``wards.csv``, ``areas.gpkg`` (every layer),
``reconciliation.json`` (rows in, used and excluded by reason), ``model.json``
(:func:`model_summary`) and the monitoring tables; :func:`write_csv` is the CSV writer, byte
for byte what pandas writes.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from geo.build import BuildResult
from geo.safety import neutralise_frame

__all__ = ["write", "write_csv", "model_summary", "geopackage_writing"]

#: the time GDAL writes into a GeoPackage's ``gpkg_contents.last_change`` (it writes the clock's
#: otherwise, so two builds of the same inputs would give different files)
GPKG_TIMESTAMP = "2000-01-01T00:00:00Z"


@contextlib.contextmanager
def geopackage_writing():
    """GDAL set for writing GeoPackages that are the same bytes for the same data (restored after).

    The contents' timestamps are :data:`GPKG_TIMESTAMP` rather than the clock (``OGR_CURRENT_DATE``), and
    SQLite does not fsync after each transaction (the file's content is the same without it).
    """
    options = {"OGR_CURRENT_DATE": GPKG_TIMESTAMP, "OGR_SQLITE_SYNCHRONOUS": "OFF"}
    previous = {key: pyogrio.get_gdal_config_option(key) for key in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(previous)


def _format_floats(values: np.ndarray, float_format: str) -> np.ndarray:
    """``float_format % v`` for every value, ``""`` for NaN (what ``DataFrame.to_csv`` writes),
    formatting each distinct value once."""
    uniq, inverse = np.unique(values, return_inverse=True)
    text = np.array([float_format % v for v in uniq.tolist()], dtype=object)
    text[np.isnan(uniq)] = ""
    out = text[inverse.reshape(-1)]
    zero = values == 0  # np.unique merges 0.0 and -0.0, which format differently
    if zero.any():
        neg = np.signbit(values)
        out[zero & ~neg] = float_format % 0.0
        out[zero & neg] = float_format % -0.0
    return out


def _quote_pattern() -> re.Pattern:
    """Characters that make ``csv.QUOTE_MINIMAL`` (as pandas uses it, line terminator ``\\n``)
    quote a field; asked of the ``csv`` module itself, as it differs between Python versions."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["\r", "x"])
    return re.compile(r'[,"\n\r]' if buf.getvalue().startswith('"') else r'[,"\n]')


_NEEDS_QUOTES = _quote_pattern()


def _csv_texts(col: pd.Series, float_format: str) -> list[str] | None:
    """The CSV text of every value of ``col`` as ``DataFrame.to_csv`` writes it (``None``:
    a dtype this fast path does not handle)."""
    dtype = col.dtype
    if dtype == np.float64:
        return _format_floats(col.to_numpy(), float_format).tolist()
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return col.to_numpy().astype(str).tolist()
    if isinstance(dtype, pd.StringDtype) or dtype == object:  # noqa: E721 (a numpy dtype equals its type)
        missing = col.isna().to_numpy()
        values = col.to_numpy(dtype=object)
        if missing.any():
            values = values.copy()
            values[missing] = ""
        values = values.tolist()
        if dtype == object and not all(type(v) is str for v in values):  # noqa: E721 (as above)
            return None
        if _NEEDS_QUOTES.search("".join(values)):
            values = ['"' + v.replace('"', '""') + '"' if _NEEDS_QUOTES.search(v) else v for v in values]
        return values
    return None


def write_csv(df: pd.DataFrame, path: Path, float_format: str = "%.6g") -> None:
    """``df.to_csv(path, index=False, float_format=float_format)``, byte for byte, faster.

    pandas formats floats one value at a time through several Python calls and then passes
    every row through the ``csv`` module. Here each float64 column is formatted up front (each
    distinct value once), text fields are quoted as ``csv.QUOTE_MINIMAL`` does, and the rows are
    joined directly; frames with other dtypes go through pandas with the floats pre-formatted.
    """
    texts = [_csv_texts(col, float_format) for _, col in df.items()] if df.shape[1] > 1 else [None]
    if any(t is None for t in texts):
        out = df.copy(deep=False)
        for i, (_, col) in enumerate(df.items()):
            if col.dtype == np.float64:
                out.isetitem(i, _format_floats(col.to_numpy(), float_format))
        out.to_csv(path, index=False)
        return
    header = ['"' + h.replace('"', '""') + '"' if _NEEDS_QUOTES.search(h) else h for h in map(str, df.columns)]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(header) + "\n")
        if len(df):
            f.write("\n".join(map(",".join, zip(*texts))) + "\n")


def write(result: BuildResult, out_dir: Path) -> dict[str, Path]:
    """Write the build outputs into ``out_dir``.

    Returns
    -------
    dict
        Output name -> path: ``lsoa``, ``wards``, ``areas``, ``reconciliation``, ``model``
        (``model.json``: weights, the expected-rate models' cross-validated fit, and the
        ±20% weight sensitivity of the LSOA ranking), ``trends``, ``changes`` and, with an
        ``outreach_sessions`` extract, ``impact`` (see :mod:`geo.monitoring`), and with a group
        column in the extracts ``equity`` (``equity.csv``, see :mod:`geo.equity`).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "lsoa": out_dir / "lsoa.csv",
        "wards": out_dir / "wards.csv",
        "areas": out_dir / "areas.gpkg",
        "reconciliation": out_dir / "reconciliation.json",
        "model": out_dir / "model.json",
        "trends": out_dir / "trends.csv",
        "changes": out_dir / "changes.csv",
    }
    # names are data: text cells that a spreadsheet would read as formulas get a leading '
    write_csv(neutralise_frame(result.lsoa.drop(columns="geometry")), paths["lsoa"])
    write_csv(neutralise_frame(result.wards.drop(columns="geometry")), paths["wards"])
    paths["areas"].unlink(missing_ok=True)
    layers = [("lsoa", result.lsoa), ("wards", result.wards), ("hubs", result.hubs), ("venues", result.venues),
              ("catchments", result.catchments()), ("gaps", result.gaps())]
    first = True
    with geopackage_writing():
        for layer, gdf in layers:
            if gdf is None or (layer in ("catchments", "gaps") and not len(gdf)):
                continue
            # Arrow hands whole columns to GDAL (same layer schema and values, about twice as fast)
            pyogrio.write_dataframe(gdf, paths["areas"], layer=layer, driver="GPKG", append=not first, use_arrow=True)
            first = False
    paths["reconciliation"].write_text(json.dumps(result.reconciliation(), indent=2, default=str))
    paths["model"].write_text(json.dumps(model_summary(result), indent=2, default=float))
    paths.update(_write_monitoring(result, out_dir, paths))
    if result.inputs.groups:  # extracts with a group column (ethnic_group ...): see geo.equity
        from geo.equity import equity_table

        paths["equity"] = out_dir / "equity.csv"
        write_csv(neutralise_frame(equity_table(result)), paths["equity"])
    return paths


def _write_monitoring(result: BuildResult, out_dir: Path, paths: dict) -> dict[str, Path]:
    """``trends.csv``, ``changes.csv`` and (with outreach sessions) ``impact.csv``: see :mod:`geo.monitoring`."""
    from geo.monitoring.changes import change_table
    from geo.monitoring.trends import trend_table

    trends = trend_table(result)
    # names are data here too (area and hub names): formula-like text cells get a leading '
    write_csv(neutralise_frame(trends), paths["trends"])
    write_csv(neutralise_frame(change_table(result, trends)), paths["changes"])
    out = {}
    if result.inputs.sessions is not None:
        from geo.monitoring.impact import impact_table

        out["impact"] = out_dir / "impact.csv"
        write_csv(neutralise_frame(impact_table(result, trends)), out["impact"])
    return out


def model_summary(result: BuildResult) -> dict:
    """What the model did, for ``model.json``: weights, expected-rate fits, sensitivity.

    ``expected`` holds the fit report of the expected review take-up and expected reach
    models for LSOAs and wards (coefficients, in-sample deviance D², and spatially grouped
    5-fold cross-validated D² with its spread over 10 seeds); ``smoothing`` the fitted
    beta prior (mean, size) of review take-up and hub reach for LSOAs and wards;
    ``rank_uncertainty`` the stability of the LSOA and ward rankings under sampling noise
    (posterior draws: Spearman with the reported ranks, top-N overlap); ``sensitivity`` one
    row per weight moved down and up by 20%, with the Spearman correlation of the new LSOA
    priority ranks with the baseline and the overlap of the top 20.
    """
    from models.explain import sensitivity

    def fit(report: dict) -> dict:
        return {k: v for k, v in report.items() if k not in ("wards", "reach", "smoothing", "rank_stability")}

    lsoa, wards = result.model_report, result.model_report.get("wards", {})
    sens = sensitivity(result.lsoa.drop(columns="geometry"), result.config.weights, delta=0.2, top=20)
    w = result.config.weights
    return {
        "study_area": result.config.name,
        "weights": {"need": dict(w.need), "engagement": dict(w.engagement),
                    "high_need_percentile": w.high_need_percentile, "low_engagement_percentile": w.low_engagement_percentile,
                    "top_n": w.top_n, "rank_draws": w.rank_draws},
        "priority": "need_score x clip(engagement_shortfall, 0, 1); shortfall = 1 - smoothed rate / study-area rate, weighted",
        "expected": {
            "lsoa": {"review": fit(lsoa), "reach": fit(lsoa.get("reach", {}))},
            "ward": {"review": fit(wards), "reach": fit(wards.get("reach", {}))},
        },
        "smoothing": {
            "method": "empirical Bayes, beta-binomial; prior (mean, size) by maximum likelihood",
            "lsoa": lsoa.get("smoothing", {}), "ward": wards.get("smoothing", {}),
        },
        "rank_uncertainty": {"lsoa": lsoa.get("rank_stability", {}), "ward": wards.get("rank_stability", {})},
        "sensitivity": {
            "delta": 0.2, "top": 20,
            "min_spearman": float(sens["spearman"].min()), "min_top_overlap": int(sens["top_overlap"].min()),
            "rows": sens.to_dict("records"),
        },
    }
