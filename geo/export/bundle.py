"""The ILT pack as one download: :func:`geo.export.pack.export_pack` into a temporary folder, zipped.

The app offers the pack this way (the command line writes the folder itself:
``python -m geo export``). The zip is deterministic: the same folder gives the same bytes
(entries sorted by path, fixed timestamps and permissions), and the pack itself is deterministic
for the same inputs and generation date.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
from pathlib import Path

from geo.safety import safe_slug

__all__ = ["zip_folder", "read_member", "pack_zip", "pack_file_name"]

#: the earliest time a zip entry can carry (MS-DOS dates start in 1980)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def zip_folder(folder: str | Path, *, date_time: tuple[int, int, int, int, int, int] = ZIP_EPOCH) -> bytes:
    """Zip every file under ``folder`` into bytes, the same bytes for the same files.

    Entries are the files' paths relative to ``folder`` (with ``/``), sorted; each gets the
    timestamp ``date_time`` and permissions ``rw-r--r--``, and is deflated at level 6. Empty
    folders are not stored.

    Parameters
    ----------
    folder : str or Path
    date_time : tuple of int
        ``(year, month, day, hour, minute, second)`` stamped on every entry (1980 or later).

    Returns
    -------
    bytes

    Raises
    ------
    NotADirectoryError
        If ``folder`` is not a folder.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "b.txt").write_text("b")
    ...     (Path(d) / "maps").mkdir()
    ...     _ = (Path(d) / "maps" / "a.png").write_bytes(b"a")
    ...     data = zip_folder(d)
    ...     same = zip_folder(d) == data
    >>> zipfile.ZipFile(io.BytesIO(data)).namelist(), same
    (['b.txt', 'maps/a.png'], True)
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"not a folder: {folder}")
    files = sorted((p.relative_to(folder).as_posix(), p) for p in folder.rglob("*") if p.is_file())
    for name, path in files:  # entries stay relative and inside the folder (no link to elsewhere)
        if path.is_symlink() or name.startswith("/") or ".." in name.split("/"):
            raise ValueError(f"refusing to zip {name!r}: a link or a name outside {folder}")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, path in files:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            info.create_system = 3  # Unix, whatever system writes the zip
            zf.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return out.getvalue()


def read_member(data: bytes, name: str) -> bytes:
    """One file of a zip held in memory (e.g. ``pack.pdf`` of a pack).

    Examples
    --------
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as zf:
    ...     zf.writestr("pack.pdf", b"%PDF")
    >>> read_member(buf.getvalue(), "pack.pdf")
    b'%PDF'
    """
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)


def pack_zip(result, *, hub: str | None = None, k: int = 5, dpi: int = 300, generated: dt.date | None = None) -> bytes:
    """Write the ILT pack of a build into a temporary folder and return it zipped.

    Everything runs in this process (no helper process), so it is safe inside a web server.
    Entries: ``pack.pdf``, ``pack.json``, ``map.html``, ``tables.xlsx``, ``tables/*.csv``,
    ``maps/<hub>.png`` and ``visits/<hub>.csv`` (safe file names, see :mod:`geo.export.pack`).

    Parameters
    ----------
    result : geo.build.BuildResult
    hub : str, optional
        Only this hub's pages, map and visit list.
    k : int
        Suggested venues per hub.
    dpi : int
        Resolution of the hub maps.
    generated : date, optional
        Date printed on the pack (default: ``SOURCE_DATE_EPOCH`` or today); it also stamps
        the zip entries.

    Returns
    -------
    bytes
        The zip (deterministic for the same inputs and date).

    Raises
    ------
    geo.errors.DataError
        Unknown hub, or no hubs file.

    Examples
    --------
    >>> data = pack_zip(result, hub="WCC-QPK", generated=dt.date(2026, 1, 5))   # doctest: +SKIP
    >>> sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())[:3]              # doctest: +SKIP
    ['map.html', 'maps/WCC-QPK.png', 'pack.json']
    """
    from geo.export.pack import export_pack, generation_date

    generated = generation_date(generated)
    with tempfile.TemporaryDirectory(prefix="ilt_pack_") as d:
        export_pack(result, d, hub=hub, k=k, dpi=dpi, generated=generated, progress=False, parallel=False)
        return zip_folder(d, date_time=(generated.year, generated.month, generated.day, 0, 0, 0))


def pack_file_name(slug: str, hub: str | None, generated: dt.date, suffix: str = "zip") -> str:
    """A file name for a pack: ``ilt_pack_<study area>[_<hub>]_<date>.<suffix>`` (safe characters only).

    Examples
    --------
    >>> pack_file_name("biborough", "WCC-QPK", dt.date(2026, 1, 5))
    'ilt_pack_biborough_WCC-QPK_2026-01-05.zip'
    >>> pack_file_name("bi borough", None, dt.date(2026, 1, 5), "pdf")
    'ilt_pack_bi_borough_2026-01-05.pdf'
    >>> pack_file_name("biborough", "../../evil", dt.date(2026, 1, 5))
    'ilt_pack_biborough_evil_0fbfd372_2026-01-05.zip'
    """
    parts = ["ilt_pack", slug] + ([safe_slug(hub)] if hub else []) + [generated.isoformat()]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(parts)) + f".{suffix}"
