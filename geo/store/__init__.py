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

from geo.store.db import ENV_URL, KINDS, Store, Upload, default_path, migrate, open_store, store_url
from geo.store.ingest import preview, preview_lines, validate_upload, who
from geo.store.sources import extract_sources

__all__ = ["ENV_URL", "KINDS", "Store", "Upload", "default_path", "extract_sources", "migrate", "open_store", "preview",
           "preview_lines", "store_url", "validate_upload", "who"]
