"""Family Hub outreach targeting for English councils.

The data flow, one module per step::

    config → fetch → load → extracts (validate) → join → models (score)
           → travel/catchments → siting → app / export

See ``python -m geo --help``.
"""
