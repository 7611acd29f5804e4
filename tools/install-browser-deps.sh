#!/usr/bin/env bash
# Installs what the browser test needs, only if something is missing: Debian's Chromium and its driver, a Korean font
# (the page is Korean first, and a screenshot without one shows boxes), and Python's selenium and cryptography.
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"

# cryptography: the test cosigns a bundle as a witness of its own, written from docs/ledger-format.md alone.
if ! python3 -c "import selenium, cryptography" 2>/dev/null; then
    echo "installing Python packages: selenium cryptography" >&2
    python3 -m pip install --quiet selenium cryptography
fi

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
fc-list 2>/dev/null | grep -i nanum >/dev/null || missing+=(fonts-nanum)  # no -q: it would end fc-list early, and pipefail fail it
[ ${#missing[@]} -eq 0 ] && exit 0

apt_install "${missing[@]}"
