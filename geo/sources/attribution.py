"""Licence and attribution wording of the public data: one home for every module that cites it."""

from __future__ import annotations

__all__ = ["OGL", "ONS_ATTRIBUTION", "MHCLG_ATTRIBUTION", "ONS_BOUNDARY_ATTRIBUTION", "MAP_ATTRIBUTION"]

#: The licence of every public dataset used here (its own title).
OGL = "Open Government Licence v3.0"
#: ONS's required wording (``shared/data/SOURCES.md``, which writes the licence "v.3.0"; the
#: maps, packs and manifests use the licence's own title); ``{year}`` is the OS copyright year.
ONS_ATTRIBUTION = (
    f"Source: Office for National Statistics licensed under the {OGL}. "
    "Contains OS data © Crown copyright and database right {year}."
)
MHCLG_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(Ministry of Housing, Communities and Local Government)."
)
#: The attribution of the 2025 boundaries (written into ``fetch``'s manifest).
ONS_BOUNDARY_ATTRIBUTION = ONS_ATTRIBUTION.format(year=2025)
#: The short credit line of the web and print maps.
MAP_ATTRIBUTION = f"{ONS_BOUNDARY_ATTRIBUTION} IoD2025: MHCLG, OGL v3.0."
