"""Everything that leaves the tool, under disclosure control: the ILT pack and its files.

Modules: :mod:`~geo.export.pack` (:func:`export_pack`, the orchestrator), :mod:`~geo.export.plan`
(hubs, pages, contents, progress), :mod:`~geo.export.tables` (the suppressed LSOA, ward and hub
tables), :mod:`~geo.export.pack_pages` and :mod:`~geo.export.pack_content` (what the pages say),
:mod:`~geo.export.document` (the tagged PDF from HTML, WeasyPrint), :mod:`~geo.export.providers` (sections
from other features),
:mod:`~geo.export.web` (``map.html``), :mod:`~geo.export.visits` (visit lists),
:mod:`~geo.export.helper` (the helper process) and :mod:`~geo.export.bundle` (the pack as one zip).

The names below are imported from their module on first use, so ``import geo.export`` stays
cheap.

Examples
--------
>>> import geo.export
>>> geo.export.export_pack.__module__
'geo.export.pack'
"""

from __future__ import annotations

from geo._lazy import lazy_exports

#: public name -> the module that defines it
_HOMES = {
    **dict.fromkeys(["export_pack", "ExportResult"], "pack"),
    **dict.fromkeys(["Progress", "generation_date", "pack_hub_ids", "listed_hub_ids", "page_plan", "steps"], "plan"),
    **dict.fromkeys(["Helper"], "helper"),
    **dict.fromkeys(["export_tables", "ExportTables"], "tables"),
    **dict.fromkeys(["map_html"], "web"),
    **dict.fromkeys(["visit_list"], "visits"),
    **dict.fromkeys(["pack_zip", "pack_file_name", "read_member", "zip_folder"], "bundle"),
}

__all__ = sorted(_HOMES)

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
