#!/usr/bin/env bash
# Runs every fuzz target (Sources/FuzzTargets) under libFuzzer for FUZZ_SECONDS each (default 60), two at a time,
# from its committed corpus (Fuzz/corpus/<target>) and the repository's own files of its kind, then prints each
# target's executions and coverage. An input that crashes a target is kept in .build-fuzz/crashes/<target>/ and
# the run fails: make it a regression test by copying it to Fuzz/corpus/<target>/regression-<what-it-was>.
#   FUZZ_SECONDS=20 tools/fuzz.sh            every target, 20 s each
#   tools/fuzz.sh event leaf                 only these
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
work=.build-fuzz
rm -rf "$work/corpus" "$work/logs"
mkdir -p "$work/corpus" "$work/logs" "$work/crashes"

echo "building the fuzz targets (release, libFuzzer instrumentation; a first build takes ~4 min)" >&2
# The fuzzer's instrumentation goes to every module of Fuzz/'s build, which is why it is a package of its own;
# lld links it (gold fails on this build's debug information). It is asked for by compiler flags rather than
# --sanitize=fuzzer, which would also build the OpenAPI generator (a build tool LedgerClient's sources come from)
# with libFuzzer's own main, and fail to link it; -X flags reach only the modules of the fuzzer itself.
swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer -Xcc -fsanitize=fuzzer-no-link -Xswiftc -use-ld=lld \
    --product ledger-fuzz 2>&1 | grep -v "Cannot export local symbol" >&2
fuzzer=Fuzz/.build/release/ledger-fuzz

if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(ls Fuzz/corpus); fi
for target in "${targets[@]}"; do
    [ -d "Fuzz/corpus/$target" ] || { echo "no such target: $target (targets: $(ls Fuzz/corpus | tr '\n' ' '))" >&2; exit 2; }
    mkdir -p "$work/corpus/$target" "$work/crashes/$target"
    cp Fuzz/corpus/"$target"/* "$work/corpus/$target/"
    case "$target" in
        event) cp topics/examples/valid/* topics/examples/invalid/* "$work/corpus/$target/" ;;
        registry) cp topics/registry/*.json "$work/corpus/$target/" ;;
        topic-definition) cp topics/*.json "$work/corpus/$target/" ;;
    esac
done

run() {
    local target=$1
    # Swift's own crash backtracer would catch the trap first, and libFuzzer would never save the input.
    if SWIFT_BACKTRACE=enable=no LEDGER_FUZZ_TARGET="$target" "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -max_len=70000 \
        -artifact_prefix="$work/crashes/$target/" "$work/corpus/$target" >"$work/logs/$target.log" 2>&1; then
        echo "$target ok"
    else
        echo "$target CRASHED"
    fi
}
export -f run
export fuzzer work seconds
echo "fuzzing ${#targets[@]} targets for ${seconds} s each, two at a time" >&2
printf '%s\n' "${targets[@]}" | xargs -P 2 -I{} bash -c 'run {}' >"$work/outcomes"

failed=0
printf '%-20s %12s %10s %8s %s\n' target executions "exec/s" coverage outcome
for target in "${targets[@]}"; do
    log="$work/logs/$target.log"
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    if grep -q "^$target ok$" "$work/outcomes"; then
        outcome=ok
    else
        outcome="CRASHED: $(ls "$work/crashes/$target" | head -1) (see $log)"
        failed=1
    fi
    printf '%-20s %12s %10s %8s %s\n' "$target" "${executions:--}" "${rate:--}" "${coverage:--}" "$outcome"
done
# What the fuzzer found for the decoder, against the schemas: everything it accepted must be schema-valid.
if [ -d "$work/corpus/event" ] && [ "$failed" -eq 0 ]; then
    swift build --product ledgerctl 2>&1 | tail -1 >&2
    python3 tools/check-decoder-against-schemas.py "$work/corpus/event" || failed=1
fi
if [ "$failed" -ne 0 ]; then
    echo "fuzzing found a problem (above): the inputs are in $work/crashes/ and $work/corpus/; copy each to Fuzz/corpus/<target>/regression-<what-it-was> and fix it" >&2
    exit 1
fi
