"""Reading and validating the council's files and the fetched public data.

- :mod:`geo.inputs.read`: strict CSV/XLSX reading (header row, sheets, escaped values in messages)
- :mod:`geo.inputs.counts`: whole-number counts, caps and the row accounting (:class:`FileReport`)
- :mod:`geo.inputs.periods`: the one period model (:class:`Period`, :func:`parse_period`)
- :mod:`geo.inputs.codes`: area codes and apportionment onto LSOA 2021
- :mod:`geo.inputs.extracts`: review take-up, hub attendance, under-5s, hub areas; the analysis period
- :mod:`geo.inputs.venues`: hubs, spokes and candidate venues
- :mod:`geo.inputs.records`: record-level extracts (one row per child) aggregated in memory
  (dates: :mod:`geo.inputs.record_dates`; postcodes -> LSOA: :mod:`geo.inputs.record_places`)
- :mod:`geo.inputs.public`: the public data ``fetch`` wrote
"""

from geo.inputs.codes import CodeRegister, apportion
from geo.inputs.counts import FileReport, parse_count
from geo.inputs.periods import Period, parse_period
from geo.inputs.read import file_rows, read_table

__all__ = ["CodeRegister", "FileReport", "Period", "apportion", "file_rows", "parse_count", "parse_period", "read_table"]
