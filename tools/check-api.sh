#!/usr/bin/env bash
# The API contract check: runs schemathesis against a live ledgerd (embedded broker, a few events
# ingested) with docs/openapi.yaml, once per role, and fails on any server error or any response the
# document does not describe. Needs a debug build (`swift build`) and kcat.
#   tools/check-api.sh            # ~100 generated requests per operation and role
#   EXAMPLES=500 tools/check-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${EXAMPLES:-100}
python3 -c "import schemathesis" 2>/dev/null || pip install --quiet --disable-pip-version-check 'schemathesis>=4.32,<5'

work=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
.build/debug/ledgerd --registry topics/registry/example-registry.json --data-dir "$work/data" --http 127.0.0.1:0 \
    --log-level warning >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 120); do grep -q '^http=' "$work/out" && break; sleep 0.5; done
http=$(sed -n 's/^http=//p' "$work/out")
bootstrap=$(sed -n 's/^bootstrap.servers=//p' "$work/out" | cut -d, -f1)
[ -n "$http" ] || { echo "ledgerd did not start:"; cat "$work/err"; exit 1; }

# Something to read: the signed example event (its subject is CI-KR-0000000000001) and garbage.
kcat -P -b "$bootstrap" -t consent-ledger.events.v1 -k CI-1 -H consent-ledger-key=mydata-op-1/2026 \
    -H consent-ledger-signature=8jz6SF2o9iAmkI7hIgUA7bBB5K320q7hnYn5E0p85giZPhZwEHq2wRqFy28lGdXEetJf6rXJK3G5FC7A8GyoDg== \
    topics/examples/valid/access-performed.json
echo garbage | kcat -P -b "$bootstrap" -t consent-ledger.events.v1 -k CI-1
regulator=$(.build/debug/ledgerctl token --data-dir "$work/data" --role regulator --subject contract-check)
for _ in $(seq 60); do
    curl -sf -H "Authorization: Bearer $regulator" "http://$http/v1/ledgers" | grep -q '"size" : [1-9]' && break
    sleep 0.5
done

status=0
for role in citizen:CI-KR-0000000000001 institution:mydata-op-1 regulator:contract-check; do
    token=$(.build/debug/ledgerctl token --data-dir "$work/data" --role "${role%%:*}" --subject "${role#*:}")
    echo "== as ${role%%:*}"
    st run docs/openapi.yaml --url "http://$http" --header "Authorization: Bearer $token" --max-examples "$examples" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection \
        --seed 1 --no-color --report-dir "$work/report" || status=1
done
exit $status
