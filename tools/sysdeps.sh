#!/bin/sh
# System packages the tests need that pip cannot provide (called by `make sysdeps`, hence `make test`):
#   chromium       the browser tests drive the app in headless Chromium (tests/app/test_app_browser.py)
#   poppler-utils  pdftotext/pdftoppm/pdfinfo read the exported PDF pack back (tests/export/test_export.py, tests/maps/test_basemap.py)
#   postgresql     the server tools/postgres.sh starts for the store's tests (tests/store: the PostgreSQL cases)
#   libpango-1.0-0, libpangoft2-1.0-0, fonts-dejavu-core
#                  WeasyPrint lays out the ILT pack's PDF with Pango, in DejaVu Sans (geo/export/document.py; every export)
# Installs the missing ones with apt-get when it can (as root, or through sudo without a password);
# otherwise prints one message saying what to install and which tests will fail, and carries on.
# `sh tools/sysdeps.sh runtime` (called by `make app`): only what the app itself needs (Pango and
# fonts for the ILT pack's PDF), not the test tools.
set -u
missing=""
tests=""
if [ "${1:-}" = runtime ]; then
  if ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || [ ! -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    missing="libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"
    tests="the app's ILT pack (PDF)"
  fi
else
chromium_bin="${CHROMIUM:-$(command -v chromium || true)}"
if [ -z "$chromium_bin" ] || [ ! -x "$chromium_bin" ]; then
  missing="chromium"
  tests="tests/app/test_app_browser.py"
fi
if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then
  missing="${missing:+$missing }poppler-utils"
  tests="${tests:+$tests, }tests/export/test_export.py, tests/maps/test_basemap.py"
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  missing="${missing:+$missing }postgresql"
  tests="${tests:+$tests, }tests/store (PostgreSQL cases)"
fi
if ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || [ ! -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  missing="${missing:+$missing }libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"
  tests="${tests:+$tests, }tests/export (the PDF pack)"
fi
fi
[ -z "$missing" ] && exit 0

as_root=""
if [ "$(id -u)" = 0 ]; then
  as_root="env"
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  as_root="sudo -n env"
fi
if [ -n "$as_root" ] && command -v apt-get >/dev/null 2>&1; then
  echo "sysdeps: installing $missing with apt-get" >&2
  # shellcheck disable=SC2086  # $as_root and $missing are word lists
  if $as_root apt-get update -qq && $as_root DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; then
    exit 0
  fi
  why="apt-get install failed"
elif command -v apt-get >/dev/null 2>&1; then
  why="installing needs root or passwordless sudo"
else
  why="no apt-get on this machine"
fi
echo "sysdeps: missing $missing ($why): install them (Debian/Ubuntu: sudo apt-get install $missing;" \
  "elsewhere your system's Chromium, poppler, PostgreSQL server, Pango and fonts); until then $tests will fail." >&2
exit 0
