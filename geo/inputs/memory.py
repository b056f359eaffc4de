"""An uploaded file held in memory, read by the same validators as a file on disk.

:class:`MemoryFile` is a :class:`~pathlib.Path` (its name is what messages show) whose
:meth:`~MemoryFile.read_bytes` returns the bytes given: uploads from the app and the rows
the store holds are validated without ever being written to a temporary file.

Examples
--------
>>> f = MemoryFile("review_takeup.csv", b"area_code,period,eligible,completed\\n")
>>> f.name, f.suffix, f.is_file(), len(f.read_bytes())
('review_takeup.csv', '.csv', True, 36)
"""

from __future__ import annotations

import hashlib
from pathlib import PosixPath

__all__ = ["MemoryFile"]


class MemoryFile(PosixPath):
    """A named file whose content is ``data`` (bytes in memory, never written to disk).

    Parameters
    ----------
    name : str
        The name shown in messages (e.g. the uploaded file's name, or ``store:review_takeup``).
    data : bytes
        The file's content (CSV UTF-8 or XLSX, told apart by the name's suffix).
    """

    def __new__(cls, name: str, data: bytes = b""):
        self = super().__new__(cls, name)
        self._data = bytes(data)
        return self

    def __init__(self, name: str, data: bytes = b"") -> None:  # PurePath takes no init arguments
        pass

    def is_file(self) -> bool:
        return hasattr(self, "_data")

    def exists(self) -> bool:
        return self.is_file()

    def read_bytes(self) -> bytes:
        return self._data

    def read_text(self, encoding: str | None = None, errors: str | None = None) -> str:
        return self._data.decode(encoding or "utf-8", errors or "strict")

    @property
    def sha256(self) -> str:
        """The content's SHA-256 (hex)."""
        return hashlib.sha256(self._data).hexdigest()
