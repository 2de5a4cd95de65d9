#!/usr/bin/env bash
# The Debian packages the test suite needs; `make test` runs this before anything else.
# Installs what is missing when it may (root, or sudo without a password); otherwise prints the one
# `apt install` command to run and fails, so that no test starts without its tools.
set -euo pipefail

missing=()
need_command() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need_package() { dpkg -s "$1" >/dev/null 2>&1 || missing+=("$1"); }

need_command chromium chromium  # the browser tests (Playwright drives Debian's Chromium)
need_package fonts-dejavu-core
# WeasyPrint (road sheets, badges) draws text with Pango.
need_package libpango-1.0-0
need_package libpangoft2-1.0-0
# The ticket and badge tests read the QR codes back from the PDFs: Ghostscript rasterises, zbarimg decodes.
need_command gs ghostscript
need_command zbarimg zbar-tools
need_command redis-server redis-server  # the tests start their own Redis on a free port
case "${DATABASE_URL:-}" in
  postgres*) need_command psql postgresql-client ;;  # to create the database named in DATABASE_URL
esac

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "The tests need system packages that are missing. Install them, then run make test again:" >&2
  echo "  sudo apt install ${missing[*]}" >&2
  exit 1
fi

echo "== installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
