"""Family Hub outreach targeting for English councils.

The tree follows the pipeline::

    config ─► sources ─► inputs ─► join ─► build (score: models) ─► catchments ─► sites ─► maps / export / app
    geo.config geo.sources geo.inputs geo.join geo.build        geo.catchments geo.sites geo.maps geo.export geo.app

This package is the public face: the names below are what the command line
(``python -m geo --help``) and ``streamlit_app.py`` use. Each is imported from its home module
on first use, so ``import geo`` is cheap and sets nothing up (no matplotlib backend, no heavy
import).

Examples
--------
>>> import geo
>>> geo.load_config.__module__
'geo.config'
>>> sorted(set(geo.__all__) - set(dir(geo)))
[]
"""

from __future__ import annotations

from geo._lazy import lazy_exports

#: public name -> the module that defines it
_HOMES = {
    **dict.fromkeys(["Config", "ConfigError", "ModelWeights", "load_config"], "config"),
    **dict.fromkeys(["DataError", "DownloadError", "InputProblem", "ValidationError"], "errors"),
    **dict.fromkeys(["fetch", "public_paths"], "sources"),
    **dict.fromkeys(["BuildResult", "Prepared", "analyse", "prepare", "run"], "build"),
    **dict.fromkeys(["write"], "outputs"),
    **dict.fromkeys(["SiteSuggestion", "suggest_sites", "suggest_sites_per_hub", "suggest_sites_per_la",
                     "write_sites"], "sites"),
    **dict.fromkeys(["export_pack", "pack_zip"], "export"),
    **dict.fromkeys(["write_demo"], "demo"),
    **dict.fromkeys(["write_record_demo"], "demo_records"),
    **dict.fromkeys(["init_command", "init_study_area"], "setup"),
    **dict.fromkeys(["neutralise_frame", "plain_markdown", "printable", "safe_slug"], "safety"),
}

__all__ = sorted(_HOMES)

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
