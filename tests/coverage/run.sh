#!/bin/sh
# make coverage: builds with gcov counters under BUILD (make COVERAGE=1), runs the
# unit tests and the integration tests against that build, and prints line and
# branch coverage per folder (gcovr over every .gcda, summary.py), then checks the
# floors in tests/coverage/floors.
#
#   tests/coverage/run.sh build/cov [pytest arguments...]
#
# (pytest arguments: default tests/integration, all of it.)
#
# How the counters of daemons that run as other users reach the build tree:
# - gcov writes each object's counters at exit into BUILD/obj/.../x.gcda, by
#   absolute path. The daemons run as ca-ledger, ca-custodian, ... and share
#   objects (platform/ is in all of them), so BUILD/obj gets a default ACL that
#   lets every user read and write what any of them creates (umask does not apply
#   under a default ACL). Only this tree is opened up; the product build has none.
# - The sandboxed daemons would be killed by their seccomp filters for the
#   openat/fcntl/write gcov makes at exit, so BUILD's config.h adds
#   CONFIG_SECCOMP_LOG (the filters log instead of killing, as for
#   platform/seccomp-measure.sh). Tests that expect a forbidden call to kill
#   fail in this build; they are listed in the report, and the figures stand.
# - gcov dumps from an exit handler: gcov_flush.c, linked into every program of
#   this build, dumps on _exit() and on SIGTERM/SIGINT/SIGHUP's default action too.
# - ca-worker started by cad as root is chrooted to /var/empty: the suite runs in a
#   mount namespace of its own where the object tree is visible there too (below).
# - ca-auth is chrooted to each test's DATA/auth, where the build tree does not
#   exist: there gcov_flush.c writes its counters under the jail's /gcov (the
#   tree's path below it). The suite's temporary directories are kept in one
#   place (pytest --basetemp) and each jail's counters are merged into the tree
#   (gcov-tool, GCC's) before gcovr reads it. The product's jail is not changed.
set -u
[ $# -ge 1 ] || { echo "usage: $0 BUILD [pytest arguments...]" >&2; exit 2; }
build=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
make="make COVERAGE=1 BUILD=$build"

# configuration: the product's, with the filters logging (see above)
$make "$build/config.h" >/dev/null || { echo "coverage: cannot configure $build" >&2; exit 1; }
grep -q CONFIG_SECCOMP_LOG "$build/config.h" ||
    echo '#define CONFIG_SECCOMP_LOG 1 /* make coverage: gcov writes at exit */' \
        >> "$build/config.h"
$make -j2 all $build/tests/ledger_tamper $build/tests/ledger_fill >/dev/null ||
    { echo "coverage: the build under $build failed" >&2; exit 1; }
# counters from earlier runs go: the figures are this run's
find "$build/obj" -name '*.gcda' -delete
setfacl -R -m o::rwX "$build/obj" && setfacl -R -d -m u::rwX,g::rwX,o::rwX "$build/obj" ||
    { echo "coverage: cannot open $build/obj to the daemons' users (setfacl)" >&2; exit 1; }

unit_rc=0
$make -j2 check-unit > "$build/coverage-unit.log" 2>&1 || unit_rc=$?
integ_rc=0
[ $# -gt 0 ] || set -- tests/integration
# The suite's temporary directories (each test's DATA, ca-auth's jail within),
# under /tmp (conftest lets the service users through up to /tmp), kept until
# ca-auth's counters are gathered from them.
jails=$(mktemp -d /tmp/ca-coverage.XXXXXX) || { echo "coverage: mktemp failed" >&2; exit 1; }
set -- --basetemp "$jails/t" "$@"
# The chrooted worker's counters: in a mount namespace of the suite's own,
# /var/empty (its chroot) is a fresh root-owned tmpfs that holds the object tree at
# its own path (a bind mount), so gcov's absolute paths resolve from inside the
# chroot too. Nothing outside the suite's processes sees it.
unshare --mount --propagation private sh -c '
    obj=$1 top=$2 build=$3; shift 3
    mount -t tmpfs -o mode=0555 tmpfs /var/empty && mkdir -p "/var/empty$obj" &&
        mount --bind "$obj" "/var/empty$obj" || exit 1
    cd "$top" && CA_BUILD="$build" exec /usr/bin/python3 -m pytest -q "$@"' \
    sh "$top/$build/obj" "$top" "$top/$build" "$@" \
    > "$build/coverage-integration.log" 2>&1 || integ_rc=$?

# ca-auth's counters from its jails: DATA/auth/gcov/<the tree's path>, merged
# first among themselves, then with the tree's counterparts of the same files.
# A file without gcov's magic (a ca-auth killed while it wrote) is dropped first:
# gcov-tool would only complain of it.
bad=0
for f in $(find "$jails/t" -path "*/auth/gcov/*" -name '*.gcda' 2>/dev/null); do
    [ "$(head -c 4 "$f")" = adcg ] || { rm -f "$f"; bad=$((bad + 1)); }
done
# A jail whose counters gcov-tool cannot merge (a file cut short past its magic
# by a ca-auth killed while it wrote, which happens under load) is left out and
# counted, with gcov-tool's words: the figures lose one test's ca-auth, the run
# does not fail for it. gcov-tool reports on stdout, so its output is kept.
acc=
n=0
dropped=0
for g in $(find "$jails/t" -type d -path "*/auth/gcov$top/$build/obj" -prune 2>/dev/null); do
    n=$((n + 1))
    # A jail is read first on its own (merged with itself: gcov-tool has no
    # check verb), so that a bad one is never the accumulator the others fail on.
    if ! gcov-tool merge -o "$jails/check$n" "$g" "$g" > "$jails/merge.log" 2>&1 || {
        [ -n "$acc" ] && ! gcov-tool merge -o "$jails/acc$n" "$g" "$acc" > "$jails/merge.log" 2>&1; }; then
        dropped=$((dropped + 1))
        echo "coverage: ca-auth's counters in $g left out: $(head -c 300 "$jails/merge.log")"
        continue
    fi
    rm -rf "$jails/check$n"
    [ -n "$acc" ] || cp -r "$g" "$jails/acc$n" || { echo "coverage: cannot copy $g" >&2; exit 1; }
    acc=$jails/acc$n
done
if [ -n "$acc" ]; then
    (cd "$acc" && find . -name '*.gcda') | while read -r f; do
        [ -f "$build/obj/$f" ] && mkdir -p "$jails/tree/$(dirname "$f")" &&
            cp "$build/obj/$f" "$jails/tree/$f"
    done
    mkdir -p "$jails/tree"
    # Failing here leaves the tree as the suites wrote it (ca-auth's jailed
    # runs missing from the figures, which the floors then judge), with why.
    if ! gcov-tool merge -o "$jails/merged" "$acc" "$jails/tree" > "$jails/merge.log" 2>&1; then
        echo "coverage: ca-auth's jailed counters not merged into the tree:" \
            "$(head -c 300 "$jails/merge.log")"
    else
        cp -r "$jails/merged/." "$build/obj/" ||
            { echo "coverage: cannot copy the merged counters into $build/obj" >&2; exit 1; }
    fi
fi
echo "ca-auth's jails gathered: $n ($bad unreadable counter files dropped, $dropped jails left out)"
rm -rf "$jails"

# A negative branch or call count: gcov derives the counts of arcs it does not
# count from those it does, and a process whose counters were dumped while
# another of its threads ran (ca-worker and ca-auth dump from a thread on
# SIGTERM, gcov_flush.c) or stood inside a function leaves a flow that does not
# add up, which gcov prints as "branch 1 taken -2" (CI failed on one in
# platform/ipc.c, once in 28 runs). gcovr 5.2 stops at such a line unless told
# to skip it; it is skipped, counted and named here, and any other line gcovr
# cannot read, or more than a handful of negative ones (not a race then), still
# fails the run.
gcovr_log=$build/gcovr.log
gcovr -r "$top" -f firmware/ -f platform/ -f hsm/ --exclude-unreachable-branches \
    --gcov-ignore-parse-errors \
    --json-summary "$build/coverage.json" --json-summary-pretty "$build/obj" \
    >/dev/null 2>"$gcovr_log" ||
    { echo "coverage: gcovr failed:" >&2; tail -20 "$gcovr_log" >&2; exit 1; }
unread=$(grep -c 'Exception during parsing' "$gcovr_log")
negative=$(grep -c -E '^[[:space:]]*UnknownLineType: (branch|call) +[0-9]+ (taken|returned) -[0-9]+' "$gcovr_log")
if [ "$unread" -ne "$negative" ] || [ "$negative" -gt 10 ]; then
    echo "coverage: gcovr could not read $unread lines of gcov's output," \
        "$negative of them negative counts (at most 10 are skipped):" >&2
    grep -A1 -E 'Unrecognized GCOV output|Exception during parsing' "$gcovr_log" | head -40 >&2
    exit 1
fi
[ "$negative" -eq 0 ] ||
    echo "coverage: $negative negative gcov counts skipped (a dump while a thread ran), in:" \
        $(sed -n 's/.*Unrecognized GCOV output for //p' "$gcovr_log" | sed "s|^$top/||" | sort -u)
echo "unit tests: $(grep "unit test programs" "$build/coverage-unit.log") (exit $unit_rc)"
echo "integration tests: $(tail -1 "$build/coverage-integration.log") (exit $integ_rc)"
grep -E '^FAILED' "$build/coverage-integration.log" | sed 's/^/  /'
/usr/bin/python3 tests/coverage/summary.py "$build/coverage.json" tests/coverage/floors
