#!/usr/bin/env bash
# The whole story on the embedded broker, in about a minute: ledgerd starts, the registry authority publishes the
# institutions' registry into every partition (moving the ledgers to rules/v2), simulated banks, hospitals,
# telecoms and MyData operators publish signed consents and accesses (some of them violations), a citizen
# reads who accessed their data with a completeness proof, an independent witness replays the topic and cosigns
# the checkpoints, and a regulator verifies every ledger, through the API and from the files, under a policy
# that requires that witness.
# Everything lives in a temporary directory that is removed at the end (KEEP=1 keeps it).
#   tools/demo.sh                      # 10 s of traffic at 200 events/s
#   RATE=500 DURATION=30 tools/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${RATE:-200}
duration=${DURATION:-10}
ctl=.build/debug/ledgerctl

work=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; fi
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
json() { python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin), indent=2, ensure_ascii=False))'; }

step "1. Institutions get signing keys; the registry authority gets its own, the one key ledgerd trusts for rules/v2"
$ctl simulate --setup-only --out "$work/sim" --institutions 8
python3 - "$work/sim/registry.json" <<'PY'
import json, sys
for institution in json.load(open(sys.argv[1]))["institutions"]:
    print("   %-12s %s" % (institution["id"], ", ".join(institution["roles"])))
PY
authority=$($ctl keys generate --registry-authority --out "$work/authority" 2>/dev/null)
echo "   registry authority: $authority"

step "2. An independent witness gets its key; ledgerd starts on its embedded Kafka broker, keeping that witness's cosignatures"
witness_vkey=$($ctl keys generate --witness --name witness.demo --out "$work/witness" 2>/dev/null)
echo "   witness key: $witness_vkey"
printf 'witness %s\nquorum 1\n' "$witness_vkey" >"$work/witness/policy.txt"
.build/debug/ledgerd --registry-authority "$authority" --data-dir "$work/data" --http 127.0.0.1:0 --log-level warning \
    --witnesses "$work/witness/policy.txt" >"$work/ledgerd.out" 2>"$work/ledgerd.err" &
pid=$!
for _ in $(seq 120); do grep -q '^http=' "$work/ledgerd.out" && break; sleep 0.5; done
http=$(sed -n 's/^http=//p' "$work/ledgerd.out")
brokers=$(sed -n 's/^bootstrap.servers=//p' "$work/ledgerd.out")
ledger_key=$(sed -n 's/^ledger-key=//p' "$work/ledgerd.out")
subject_key=$(sed -n 's/^subject-key=//p' "$work/ledgerd.out")
[ -n "$http" ] || { echo "ledgerd did not start:"; cat "$work/ledgerd.err"; exit 1; }
echo "   Kafka at $brokers, API at http://$http, checkpoints signed by $ledger_key"
echo "   subject references by the VOPRF key $subject_key"

step "3. The registry authority publishes the registry into every partition: each ledger moves to rules/v2 and learns its institutions"
published=$($ctl registry publish --brokers "$brokers" --key "$work/authority/registry-authority.key" "$work/sim/registry.json" | tail -1)
echo "   $published"
registry_records=$(sed -n 's/^published \([0-9]*\) registry events into each of \([0-9]*\) partitions.*/\1 * \2/p' <<<"$published")
registry_records=$((registry_records))

step "4. $duration s of MyData traffic at $rate events/s, 5 % of the accesses deliberate violations"
summary=$($ctl simulate --brokers "$brokers" --out "$work/sim" --rate "$rate" --duration "$duration" --subjects 200)
echo "   $summary"
sent=$(sed -n 's/^sent \([0-9]*\):.*/\1/p' <<<"$summary")
for _ in $(seq 120); do
    curl -s "http://$http/metrics" | grep -q "^ledger_events_in_total $((sent + registry_records))\$" && break
    sleep 0.5
done
# Completeness is proven against signed checkpoints: wait until every ledger's latest one covers all its leaves.
regulator=$($ctl token --data-dir "$work/data" --role regulator --subject demo-regulator)
for _ in $(seq 60); do
    curl -s -H "Authorization: Bearer $regulator" "http://$http/v1/ledgers" | python3 -c '
import json, sys
ledgers = json.load(sys.stdin)
sys.exit(0 if ledgers and all(int(l.get("checkpoint", "\n-1").split("\n")[1]) == l["size"] for l in ledgers) else 1)' && break
    sleep 0.5
done
echo "   ledgerd's verdicts:"
curl -s "http://$http/metrics" | sed -n 's/^ledger_verdicts_total{outcome="\(.*\)"} \(.*\)/     \1: \2/p'

step "5. A citizen asks who accessed their data, and checks the answer is complete"
citizen=CI-KR-0000000000001
token=$($ctl token --data-dir "$work/data" --role citizen --subject "$citizen")
echo "   The API's raw answer (GET /v1/me/accesses), first entry:"
curl -s -H "Authorization: Bearer $token" "http://$http/v1/me/accesses?limit=1" | json | sed 's/^/   /'
echo "   The same history through \`ledgerctl history\`, every proof checked under the ledger key, about the citizen's own"
echo "   subject key, obtained by the blinded protocol (POST /v1/subject-key) under the key the ledger's signed statement gives:"
$ctl history --url "http://$http" --token "$token" --ledger-key "$ledger_key" --subject "$citizen" | sed 's/^/   /' | tail -8

step "6. The witness replays the topic, checks every leaf against it (each citizen's key by the blinded protocol), and cosigns"
$ctl witness --brokers "$brokers" --url "http://$http" --key "$work/witness/witness.demo.witness.key" --ledger-key "$ledger_key" \
    --subject-key "$subject_key" \
    --registry-authority "$authority" --token "$regulator" --once --log-level error | sed 's/^/   /'
echo "   The citizen checks again under a trust policy that names the witness and the subject key (ledgerctl history --policy):"
printf 'witness %s\nquorum 1\nsubject-key %s\n' "$witness_vkey" "$subject_key" >"$work/witness/citizen.policy"
# As for the regulator below: ledgerd keeps the cosignatures it reads from the checkpoints topic, in a moment.
witnessed=false
for _ in $(seq 1 30); do
    if history=$($ctl history --url "http://$http" --token "$token" --ledger-key "$ledger_key" \
        --subject "$citizen" --policy "$work/witness/citizen.policy" --save "$work/history-bundle.json" 2>&1); then
        witnessed=true
        break
    fi
    sleep 0.5
done
echo "$history" | grep -v "^saved: " | tail -1 | sed 's/^/   /'
$witnessed || { echo "the citizen's history did not verify under the witness policy" >&2; exit 1; }
echo "   It kept the whole proven history as one bundle ($(wc -c <"$work/history-bundle.json") bytes, GET /v1/me/bundle); anyone checks it"
echo "   offline, with the ledger key and the policy alone (ledgerctl check-bundle):"
$ctl check-bundle "$work/history-bundle.json" --ledger-key "$ledger_key" --policy "$work/witness/citizen.policy" | tail -1 |
    sed 's/^/   /'
python3 - "$work/history-bundle.json" "$work/tampered-bundle.json" <<'PY'
import sys
bundle = bytearray(open(sys.argv[1], "rb").read())
at = bundle.index(b'"leaf":"') + 20  # a byte of the first entry's leaf
bundle[at] = ord("A") if bundle[at] != ord("A") else ord("B")
open(sys.argv[2], "wb").write(bundle)
PY
echo "   The same bundle with one byte of a leaf changed:"
if $ctl check-bundle "$work/tampered-bundle.json" --ledger-key "$ledger_key" --policy "$work/witness/citizen.policy" \
    >/dev/null 2>"$work/tampered.err"; then
    echo "a tampered bundle verified" >&2
    exit 1
fi
sed 's/^/   /' "$work/tampered.err"

step "7. A regulator verifies every ledger: chains, trees, signed and witnessed checkpoints, subject maps, every verdict"
echo "   Online, as the running ledgerd serves them (ledgerctl verify --url):"
# ledgerd keeps the cosignatures it reads from the checkpoints topic beside its ledgers: give it a moment.
verified=false
for _ in $(seq 1 30); do
    if online=$($ctl verify --url "http://$http" --token "$regulator" --ledger-key "$ledger_key" \
        --registry-authority "$authority" --policy "$work/witness/policy.txt" 2>/dev/null); then
        verified=true
        break
    fi
    sleep 0.5
done
echo "$online" | tail -1 | sed 's/^/   /'
$verified
echo "   Offline, from the files (ledgerctl verify --data-dir):"
$ctl verify --data-dir "$work/data" --ledger-key "$ledger_key" --registry-authority "$authority" --policy "$work/witness/policy.txt" 2>/dev/null |
    sed 's/^/   /'

step "Where to look next"
cat <<TEXT
   docs/api.md          the citizen, institution and regulator API (try it against \`make run\`)
   docs/institutions.md keys, the registry, \`ledgerctl publish\`, receipts
   docs/regulators.md   what \`ledgerctl verify\` and \`ledgerctl witness\` check, and what each rules out
   docs/ledger-format.md to write your own verifier
TEXT
