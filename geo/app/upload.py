"""The app's "Load data" panel: upload an extract, see its problems or what it would change, confirm.

The same checks as ``python -m geo ingest`` (:func:`geo.store.validate_upload`): every problem
is listed (file, row, column); a valid file shows the preview (periods added or replaced, rows
in / used / excluded by reason) and an explicit **Confirm** button writes it to the store in one
transaction. The uploaded bytes stay in memory (:class:`~geo.inputs.memory.MemoryFile`): no
temporary file. Who uploads is the name the council's sign-in proxy passes in the header named
by ``[store] user_header`` (default ``X-Forwarded-User``), else a name typed in.
"""

from __future__ import annotations

import pandas as pd

from geo.errors import DataError, ValidationError
from geo.inputs.read import escape
from geo.safety import neutralise_frame, plain_markdown

__all__ = ["KIND_LABELS", "signed_in_user", "upload_history", "upload_panel"]

#: The kinds of extract offered, as the panel names them.
KIND_LABELS = {"review_takeup": "2-2½ year review take-up", "hub_attendance": "Family Hub attendance",
               "outreach_sessions": "Outreach sessions"}


def signed_in_user(headers, header: str) -> str | None:
    """The user name the sign-in proxy passes in ``header`` (any letter case), or ``None``.

    Examples
    --------
    >>> signed_in_user({"x-forwarded-user": " ann.smith "}, "X-Forwarded-User"), signed_in_user({}, "X-Forwarded-User")
    ('ann.smith', None)
    """
    if not headers:
        return None
    wanted = header.lower()
    for name, value in dict(headers).items():
        if str(name).lower() == wanted and value and str(value).strip():
            return escape(str(value).strip())[:200]
    return None


def _headers(st):
    try:
        return st.context.headers
    except Exception:  # no browser session (AppTest, bare mode): no sign-in proxy either
        return {}


def _who(st, config) -> str | None:
    user = signed_in_user(_headers(st), config.store.user_header)
    if user:
        st.caption(plain_markdown(f"Signed in as {user} (from the {config.store.user_header} header)."))
        return user
    typed = st.text_input("Your name (recorded with the upload)", key="upload_by", max_chars=200)
    return typed.strip() or None


def upload_history(config):
    """The store's uploads for the panel (newest first; ``None`` when there is no store yet)."""
    from geo.store import open_store

    store = open_store(config, create=False)
    if store is None:
        return None
    h = store.history()
    if h.empty:
        return None
    table = pd.DataFrame({"upload": h["id"], "extract": h["kind"].map(KIND_LABELS).fillna(h["kind"]),
                          "periods": h["periods"].map(", ".join), "file": h["file_name"], "by": h["uploaded_by"],
                          "when (UTC)": h["uploaded_utc"].dt.strftime("%Y-%m-%d %H:%M"), "rows in": h["rows_in"],
                          "rows used": h["rows_used"], "status": h["status"], "replaced": h["replaced"]})
    return table.iloc[::-1].reset_index(drop=True)


def _history(st, config) -> None:
    try:
        table = upload_history(config)
    except DataError as err:
        st.error(plain_markdown(str(err)))
        return
    if table is not None:
        st.markdown("**Uploads so far** (a replaced period stays retrievable: `python -m geo store show`)")
        st.dataframe(neutralise_frame(table), hide_index=True, width="stretch")


def upload_panel(st, config, *, public=None, on_stored=None) -> int | None:
    """Draw the panel; return the new upload's id once confirmed and written (else ``None``).

    Parameters
    ----------
    st : module
        ``streamlit`` (or a stand-in with the same calls).
    config : geo.config.Config
    public : geo.inputs.public.PublicData, optional
        The study area's public data (read again if not given).
    on_stored : callable, optional
        Called with the new upload id after the write (the app clears its caches and reruns).
    """
    from geo.inputs.memory import MemoryFile
    from geo.store import open_store, preview, preview_lines, validate_upload

    st.subheader("Load data")
    done = st.session_state.pop("upload_done", None)
    if done:
        st.success(plain_markdown(done))
    kind = st.selectbox("Kind of extract", list(KIND_LABELS), format_func=KIND_LABELS.get, key="upload_kind")
    round_ = st.session_state.setdefault("upload_round", 0)
    file = st.file_uploader("Extract (CSV UTF-8 or XLSX)", type=["csv", "xlsx"], key=f"upload_file_{round_}")
    record_level = st.checkbox("Record-level: one row per child (aggregated in memory; no child's row is kept)",
                               key="upload_record_level", disabled=kind == "outreach_sessions")
    user = _who(st, config)
    if file is None:
        st.caption("Choose a file to check it. Nothing is written until you confirm.")
        _history(st, config)
        return None
    if not user:
        st.warning("Type your name: it is recorded with the upload.")
        return None
    try:
        up = validate_upload(config, kind, MemoryFile(file.name, file.getvalue()), record_level=record_level and
                             kind != "outreach_sessions", uploaded_by=user, public=public)
        store = open_store(config, create=False)  # a preview creates no store
    except ValidationError as err:
        st.error(f"{len(err.problems)} problem(s) in the file: nothing was written.")
        st.markdown("\n".join(f"- {plain_markdown(str(p))}" for p in err.problems))
        return None
    except DataError as err:
        st.error(plain_markdown(str(err)))
        return None
    st.markdown("\n".join(f"- {plain_markdown(line.strip())}" for line in preview_lines(preview(store, up))))
    if not st.button("Confirm: write to the store", key="upload_confirm", type="primary"):
        return None
    uid = (store if store is not None else open_store(config)).add(up)
    done = f"Stored as upload {uid} ({up.kind}, periods {', '.join(up.periods)}) by {user}; the app is rebuilt from the store."
    st.session_state["upload_round"] = round_ + 1  # a fresh uploader: the same file is not offered twice
    if on_stored is None:
        st.success(plain_markdown(done))
        return uid
    st.session_state["upload_done"] = done  # shown after the rerun
    on_stored(uid)
    return uid
