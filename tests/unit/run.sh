#!/bin/sh
# Runs every cmocka unit test binary given as arguments; fails if any fails.
# Prints a closing "N passed, N failed" line.
set -u
pass=0
fail=0
failed=""
for t in "$@"; do
    echo "== $t"
    if "$t"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        failed="$failed $t"
    fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "unit test programs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
