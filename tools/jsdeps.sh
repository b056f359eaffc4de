#!/bin/sh
# JavaScript the tests need (called by `make jsdeps`, hence `make test`):
#   axe-core   the accessibility checker that tests/app/test_accessibility.py injects into the app's pages
# Installed with `npm ci` from tests/js/package-lock.json (pinned, integrity-checked) into tests/js/node_modules.
# Without node/npm it prints one message saying what to install and which tests will fail, and carries on.
set -u
here="$(cd "$(dirname "$0")/.." && pwd)"
js="$here/tests/js"
pinned="$(sed -n 's/.*"axe-core": "\([0-9.]*\)".*/\1/p' "$js/package.json")"
if [ -f "$js/node_modules/axe-core/axe.min.js" ] && \
   grep -q "\"version\": \"$pinned\"" "$js/node_modules/axe-core/package.json" 2>/dev/null; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "jsdeps: npm is missing (Debian/Ubuntu: sudo apt-get install nodejs npm); until then" \
    "tests/app/test_accessibility.py will fail." >&2
  exit 0
fi
(cd "$js" && npm ci --no-audit --no-fund --loglevel=error) || \
  echo "jsdeps: npm ci failed in tests/js; tests/app/test_accessibility.py will fail." >&2
exit 0
