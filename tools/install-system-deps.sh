#!/usr/bin/env bash
# Installs the Debian and Python packages the build and tests need, only if something is missing.
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"

# Python's jsonschema checks topics/examples against topics/schemas independently of the Swift decoder.
if ! python3 -c "import jsonschema, rfc3339_validator" 2>/dev/null; then
    echo "installing Python packages: jsonschema rfc3339-validator" >&2
    python3 -m pip install --quiet jsonschema rfc3339-validator
fi

missing=()
pkg-config --exists rdkafka 2>/dev/null || missing+=(librdkafka-dev pkg-config)
pkg-config --exists sqlite3 2>/dev/null || missing+=(libsqlite3-dev)
command -v kcat >/dev/null || missing+=(kcat)
command -v curl >/dev/null || missing+=(curl)
# wrk is the load generator of the API benchmark (make bench).
command -v wrk >/dev/null || missing+=(wrk)
[ ${#missing[@]} -eq 0 ] && exit 0

apt_install "${missing[@]}"
