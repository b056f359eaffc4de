"""The app's "New study area" panel: the same set-up as ``python -m geo init``, from the sidebar.

The user picks local authorities by name, names the study area, types the hubs and spokes as
``name, postcode`` lines or uploads a CSV, and presses Create: :func:`geo.setup.init_study_area`
writes the config and the hubs file and fetches the public data. The new config is then offered
(and chosen) in the study-area picker.

Where files go: configs into ``$FAMILYHUB_CONFIG_DIR`` (default the repository's ``configs/``),
fetched data and hubs into ``$FAMILYHUB_DATA_DIR`` (default the repository's ``data/``); the public
data is read from the current study area's mirror (else ``$MIRROR``, else ``../shared/data``).
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import pandas as pd

from geo.errors import DataError, ValidationError
from geo.safety import plain_markdown

__all__ = ["CREATED", "PENDING", "apply_pending", "created_configs", "new_study_area_panel", "study_area_folders"]

#: ``st.session_state`` keys: configs created in this session, and the one to choose on the next run.
CREATED, PENDING, MESSAGES = "created_configs", "pending_config", "setup_messages"
_DEFAULT_MODE = "default: walk for London boroughs, else drive"


def study_area_folders(repo: Path) -> tuple[Path, Path]:
    """Where the panel writes configs and data: ``(configs folder, data folder)``."""
    return (Path(os.environ.get("FAMILYHUB_CONFIG_DIR") or repo / "configs"),
            Path(os.environ.get("FAMILYHUB_DATA_DIR") or repo / "data"))


def mirror_for(config_path: str | None, repo: Path) -> Path | None:
    """The public data mirror: the current config's, else ``$MIRROR``, else ``../shared/data`` beside the repository."""
    from geo.config import load_config

    try:
        mirror = load_config(config_path).mirror if config_path else None
    except Exception:  # a broken config is reported by the app itself
        mirror = None
    for candidate in (mirror, os.environ.get("MIRROR"), repo.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "SOURCES.md").exists():
            return Path(candidate)
    return None


def apply_pending(st) -> None:
    """Choose the study area created on the previous run (before the picker is drawn)."""
    pending = st.session_state.pop(PENDING, None)
    if pending:
        st.session_state["config"] = pending


def created_configs(st) -> list[str]:
    """Configs created in this session (offered in the picker wherever they were written)."""
    return list(st.session_state.get(CREATED, []))


@functools.lru_cache(maxsize=4)
def _las(mirror: Path) -> pd.DataFrame:
    """The national list of LAs, read once per mirror (not on every rerun of the app)."""
    from geo.setup import local_authorities

    return local_authorities(mirror)


def new_study_area_panel(st, *, repo: Path, config_path: str | None) -> Path | None:
    """The "New study area" expander; returns the config written when Create succeeded."""
    mirror = mirror_for(config_path, repo)
    with st.expander("New study area", expanded=False):
        for kind, text in st.session_state.pop(MESSAGES, []):  # from the run that created a study area
            getattr(st, kind)(plain_markdown(text))
        if mirror is None:
            st.info("Setting up a study area needs the public data mirror (a folder laid out like shared/data): "
                    "set MIRROR or use `python -m geo init`.")
            return None
        las = _las(mirror)
        names = dict(zip(las["la_code"], las["la_name"]))
        codes = st.multiselect("Local authorities", list(las["la_code"]), format_func=lambda c: f"{names[c]} ({c})",
                               key="new_las", placeholder="Type a council's name")
        name = st.text_input("Study area name", key="new_name", placeholder="e.g. Rutland")
        lines = st.text_area("Hubs and spokes: one per line, name, postcode (add \", spoke\" for a spoke)",
                             key="new_hubs", placeholder="Oakham Family Hub, LE15 6HW\nRyhall Library, PE9 4HY, spoke")
        upload = st.file_uploader("Or a CSV of hubs (name, postcode, and optionally hub_id, site_type, parent_hub_id)",
                                  type=["csv"], key="new_hubs_file")
        mode = st.selectbox("Travel mode", [_DEFAULT_MODE, "walk", "bus", "drive"], key="new_mode")
        if not st.button("Create study area", key="new_create"):
            return None
        return _create(st, repo=repo, mirror=mirror, codes=codes, name=name, lines=lines, upload=upload,
                       mode=None if mode == _DEFAULT_MODE else mode)


def _create(st, *, repo: Path, mirror: Path, codes, name, lines, upload, mode) -> Path | None:
    """Run :func:`geo.setup.init_study_area`; every problem shown as plain text."""
    from geo.app.problems import problem_lines
    from geo.setup import init_study_area, parse_hub_lines, slug_for

    configs_dir, data_dir = study_area_folders(repo)
    out = configs_dir / f"{slug_for(name or '')}.toml"
    try:
        if not codes:
            raise DataError("choose at least one local authority")
        if not (name or "").strip():
            raise DataError("give the study area a name")
        hubs, source = _hubs(upload, parse_hub_lines((lines or "").splitlines()))
        with st.spinner("Locating the hubs and fetching the public data…"):
            res = init_study_area(codes, name, out, hubs=hubs, hubs_source=source, mode=mode, mirror=mirror,
                                  data_dir=data_dir, log=lambda *a: None)
    except (DataError, ValidationError, OSError) as err:
        for problem in problem_lines(err):
            st.error(plain_markdown(problem))
        return None
    n_hubs = 0 if res.hubs_table is None else len(res.hubs_table)
    st.session_state[MESSAGES] = [("success", f"Created {name.strip()} ({n_hubs} hub site(s)). No service extracts yet: "
                                              "load them with `python -m geo ingest`.")] + [("warning", w) for w in res.warnings]
    st.session_state[CREATED] = [*created_configs(st), str(res.config.resolve())]
    st.session_state[PENDING] = str(res.config.resolve())
    return res.config


def _hubs(upload, typed: pd.DataFrame) -> tuple[pd.DataFrame | None, str]:
    """The typed hub lines and the uploaded CSV (read from a temporary copy named as the upload; hubs are public sites)."""
    from geo.setup import read_hub_file

    if upload is None:
        return (typed if len(typed) else None), "hub lines"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        from_file = read_hub_file(path)
    if len(typed):
        return pd.concat([from_file, typed.assign(_row=typed["_row"] + len(from_file))], ignore_index=True), \
            f"{upload.name} and hub lines"
    return from_file, upload.name
