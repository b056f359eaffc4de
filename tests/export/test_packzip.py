"""The ILT pack as one zip (what the app's "Prepare ILT pack" button offers): :mod:`geo.export.bundle`."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
import zipfile

import pytest

from geo.errors import DataError
from geo.export.bundle import pack_file_name, pack_zip, read_member, zip_folder


def _folder(root):
    (root / "maps").mkdir(parents=True)
    (root / "visits").mkdir()
    (root / "empty").mkdir()
    (root / "pack.pdf").write_bytes(b"%PDF-1.4 pages")
    (root / "maps" / "B.png").write_bytes(b"\x89PNG b")
    (root / "maps" / "A.png").write_bytes(b"\x89PNG a")
    (root / "visits" / "A.csv").write_text("postcode\nW9 1AA\n")
    return root


def test_zip_folder_is_deterministic(tmp_path):
    one = _folder(tmp_path / "one")
    first = zip_folder(one)
    # new modification times and another folder with the same files: the same bytes
    time.sleep(1.1)
    for p in one.rglob("*"):
        os.utime(p)
    assert zip_folder(one) == first
    two = _folder(tmp_path / "two")
    assert zip_folder(two) == first
    z = zipfile.ZipFile(io.BytesIO(first))
    assert z.namelist() == ["maps/A.png", "maps/B.png", "pack.pdf", "visits/A.csv"]     # sorted, files only
    assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in z.infolist()} == {0o100644}
    assert z.testzip() is None
    assert read_member(first, "maps/B.png") == b"\x89PNG b"
    stamped = zip_folder(one, date_time=(2026, 1, 5, 0, 0, 0))
    assert {i.date_time for i in zipfile.ZipFile(io.BytesIO(stamped)).infolist()} == {(2026, 1, 5, 0, 0, 0)}
    # a changed file changes the zip
    (one / "pack.pdf").write_bytes(b"%PDF-1.4 other pages")
    assert zip_folder(one) != first


def test_zip_folder_needs_a_folder(tmp_path):
    with pytest.raises(NotADirectoryError):
        zip_folder(tmp_path / "missing")


def test_pack_file_name():
    assert pack_file_name("biborough", None, dt.date(2026, 11, 23)) == "ilt_pack_biborough_2026-11-23.zip"
    assert pack_file_name("biborough", "WCC-QPK", dt.date(2026, 11, 23), "pdf") == "ilt_pack_biborough_WCC-QPK_2026-11-23.pdf"
    # no path separators, no dot runs: the hub id as its safe slug (geo.safety.safe_slug, issue 13)
    assert pack_file_name("x", "../../etc", dt.date(2026, 1, 1)) == "ilt_pack_x_etc_74ccf3c5_2026-01-01.zip"
    assert len(pack_file_name("x", "é" * 300, dt.date(2026, 1, 1))) < 100


@pytest.mark.slow
def test_pack_zip_of_one_hub_is_the_pack_and_deterministic(biborough_build):
    data = pack_zip(biborough_build, hub="WCC-QPK", k=3, dpi=100, generated=dt.date(2026, 1, 5))
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert {"pack.pdf", "pack.json", "map.html", "tables.xlsx", "maps/WCC-QPK.png", "visits/WCC-QPK.csv", "tables/lsoas.csv"} <= set(names)
    assert not [n for n in names if n.startswith("maps/") and n != "maps/WCC-QPK.png"]
    assert read_member(data, "pack.pdf").startswith(b"%PDF")
    assert pack_zip(biborough_build, hub="WCC-QPK", k=3, dpi=100, generated=dt.date(2026, 1, 5)) == data
    with pytest.raises(DataError):
        pack_zip(biborough_build, hub="NOT-A-HUB", generated=dt.date(2026, 1, 5))
