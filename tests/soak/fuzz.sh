#!/bin/sh
# The fuzz campaign of `make soak` (tests/soak/README.md): every libFuzzer target
# for FUZZ_TIME seconds (default 600: 10 CPU-minutes each, one process at a time)
# over its corpus, then the new inputs that add coverage are merged into the
# corpus in the tree (libFuzzer's -merge=1), so the next run and every
# `make fuzz-smoke` start from where this one got. Prints one line per target:
# runs, new units, corpus size before -> after. Exit 1 if a target crashed,
# leaked, timed out or ran out of memory (the reproducer is kept).
#
#     tests/soak/fuzz.sh FUZZ_BIN_DIR TARGET...
set -u
bin=$1
shift
time=${FUZZ_TIME:-600}
rss=${FUZZ_RSS_MB:-1024}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/fuzz/soak
fail=""
for t in "$@"; do
    corpus=$top/tests/fuzz/corpus/$t
    work=$out/work/$t
    art=$out/artifacts/$t
    rm -rf "$work"
    mkdir -p "$work" "$art" "$corpus"
    before=$(ls "$corpus" | wc -l)
    if "$bin/$t" -max_total_time="$time" -rss_limit_mb="$rss" -timeout=20 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$art/" "$work" "$corpus" >"$out/$t.log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
        new=$(sed -n 's/^stat::new_units_added: *//p' "$out/$t.log")
        "$bin/$t" -merge=1 -rss_limit_mb="$rss" -timeout=20 -max_len=8192 \
            -artifact_prefix="$art/" "$corpus" "$work" \
            >"$out/$t.merge.log" 2>&1 || { echo "   $t: merge failed (see $out/$t.merge.log)"; fail="$fail $t"; }
        if grep -q "deadly signal\|ERROR: " "$out/$t.merge.log"; then
            echo "   $t: an input crashed while merging (see $out/$t.merge.log)"
            fail="$fail $t"
        fi
        printf '%-24s %s s, %s runs, %s new units, corpus %s -> %s\n' "$t" "$time" "$runs" \
            "$new" "$before" "$(ls "$corpus" | wc -l)"
    else
        printf '%-24s FAILED: see %s, reproducer in %s\n' "$t" "$out/$t.log" "$art"
        fail="$fail $t"
    fi
done
if [ -n "$fail" ]; then
    echo "fuzz soak: failed:$fail"
    exit 1
fi
echo "fuzz soak: $# targets ran clean for $time s each"
