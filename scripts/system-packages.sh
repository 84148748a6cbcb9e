#!/usr/bin/env bash
# Installs the Debian packages mild-desk needs for a purpose, where apt-get can (root, Debian).
# Usage: scripts/system-packages.sh app|test   — prints what it installs; never fails the caller
# when it cannot install (the tests that need a missing tool say so and skip).
set -uo pipefail
purpose=${1:-test}
# Qt's offscreen and xcb platform plugins (PySide6 wheels bring Qt, not these system libraries).
qt=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3)
xcb=(libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
     libxcb-render-util0 libxcb-image0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1)
case "$purpose" in
  app) wanted=("${qt[@]}" "${xcb[@]}" python3-venv) ;;
  # PostgreSQL: the test run starts a private server (scripts/pg.sh) for the database tests.
  # CUPS with the cups-pdf queue: the printing tests print to a real printer; poppler-utils
  # (pdftoppm) and qpdf check and render the PDFs.
  test) wanted=("${qt[@]}" python3-venv postgresql cups printer-driver-cups-pdf poppler-utils
                qpdf) ;;
  *) echo "usage: $0 app|test" >&2; exit 2 ;;
esac
command -v dpkg-query >/dev/null 2>&1 || exit 0
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: missing Debian packages (install them as root): ${missing[*]}" >&2
  exit 0
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || echo "note: could not install ${missing[*]}" >&2
exit 0
