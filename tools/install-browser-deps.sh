#!/usr/bin/env bash
# Installs what the browser test needs, only if something is missing: Debian's Chromium and its driver, a Korean font
# (the page is Korean first, and a screenshot without one shows boxes), and Python's selenium.
set -euo pipefail

if ! python3 -c "import selenium" 2>/dev/null; then
    echo "installing Python packages: selenium" >&2
    python3 -m pip install --quiet selenium
fi

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
fc-list 2>/dev/null | grep -qi nanum || missing+=(fonts-nanum)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing system packages: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
