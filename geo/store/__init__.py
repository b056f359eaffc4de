"""The store: every upload of a council's extracts, per period, with its provenance and history.

An embedded SQLite file needs no set-up (``<[store] dir>/<slug>.sqlite``, default ``data/store/``
beside the config); a council server uses PostgreSQL, named by ``[store] url`` or the
environment variable ``DATABASE_URL`` (which wins). Tables are made and migrated by Alembic
(:func:`migrate`) whenever the store is opened. Only validated **aggregate** rows are kept
(record-level extracts are aggregated in memory first); re-uploading a period replaces it in
one transaction and the replaced version stays retrievable (:meth:`Store.rows`).

- :func:`open_store`, :class:`Store` (``add``, ``history``, ``rows``, ``current``), :class:`Upload`
- :func:`validate_upload`, :func:`preview`, :func:`preview_lines`: the ingest's checks and preview
- :func:`extract_sources`: where the build reads each extract (the store, else the config's file)
"""

from __future__ import annotations

from geo._lazy import lazy_exports

#: public name -> the module that defines it (imported on first use: ``import geo.store`` loads no database driver)
_HOMES = {
    **dict.fromkeys(["ENV_URL", "KINDS", "Store", "Upload", "default_path", "describe", "migrate", "open_store", "store_url"], "db"),
    **dict.fromkeys(["preview", "preview_lines", "validate_upload", "who"], "ingest"),
    **dict.fromkeys(["extract_sources"], "sources"),
}

__all__ = sorted(_HOMES)

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
