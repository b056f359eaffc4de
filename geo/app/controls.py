"""Keys of the sidebar controls whose options depend on the study area.

Streamlit identifies a keyed widget by its key alone, and the browser keeps a widget's last
value under that identity. A control keyed ``"las"`` in every study area therefore sends the
bi-borough's local authorities back after a switch to Leicestershire, which are not among the
new options (issue 16: ``TypeError: bad argument type for built-in operation``). Keyed per study
area, each study area's controls are other widgets: they start from that study area's defaults,
and the old ones are forgotten (Streamlit drops the state of widgets a run does not draw).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["STUDY_AREA_CONTROLS", "control_key", "study_area_id"]

#: controls whose options or defaults come from the study area (weights are ``need_<name>`` / ``eng_<name>``)
STUDY_AREA_CONTROLS = ("las", "hubs", "period", "mode", "minutes", "types", "force_in", "force_out", "need_", "eng_",
                       "group")


def study_area_id(config_path: str | Path) -> str:
    """A short, stable id of a study area's config file (its resolved path).

    >>> study_area_id("/srv/familyhub/config.toml") == study_area_id("/srv/familyhub/./config.toml")
    True
    >>> len(study_area_id("config.toml"))
    10
    """
    return hashlib.sha256(str(Path(config_path).resolve()).encode()).hexdigest()[:10]


def control_key(config_path: str | Path, name: str) -> str:
    """The widget key of control ``name`` (``"las"``, ``"need_idaci"``, ...) in the study area of ``config_path``.

    >>> control_key("/srv/a.toml", "las") != control_key("/srv/b.toml", "las")
    True
    >>> control_key("/srv/a.toml", "las").split("@")[0]
    'las'
    """
    if not name.startswith(STUDY_AREA_CONTROLS):
        raise ValueError(f"{name!r} is not a study-area control: {STUDY_AREA_CONTROLS}")
    return f"{name}@{study_area_id(config_path)}"
