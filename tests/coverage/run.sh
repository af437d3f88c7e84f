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
# - ca-worker and ca-auth started by cad as root are chrooted (an empty
#   directory, DATA/auth) where the build tree does not exist: their counters from
#   those runs are lost (gcov says "profiling: ... cannot open"). The suites also
#   start both by hand, unjailed, and those runs count.
set -u
[ $# -ge 1 ] || { echo "usage: $0 BUILD [pytest arguments...]" >&2; exit 2; }
build=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
make="make COVERAGE=1 BUILD=$build"

# configuration: the product's, with the filters logging (see above)
$make "$build/config.h" >/dev/null || exit 1
grep -q CONFIG_SECCOMP_LOG "$build/config.h" ||
    echo '#define CONFIG_SECCOMP_LOG 1 /* make coverage: gcov writes at exit */' \
        >> "$build/config.h"
$make -j2 all $build/tests/ledger_tamper $build/tests/ledger_fill >/dev/null || exit 1
# counters from earlier runs go: the figures are this run's
find "$build/obj" -name '*.gcda' -delete
setfacl -R -m o::rwX "$build/obj" && setfacl -R -d -m u::rwX,g::rwX,o::rwX "$build/obj" ||
    exit 1

unit_rc=0
$make -j2 check-unit > "$build/coverage-unit.log" 2>&1 || unit_rc=$?
integ_rc=0
[ $# -gt 0 ] || set -- tests/integration
CA_BUILD="$top/$build" /usr/bin/python3 -m pytest -q "$@" \
    > "$build/coverage-integration.log" 2>&1 || integ_rc=$?

gcovr -r "$top" -j 2 -f firmware/ -f platform/ -f hsm/ --exclude-unreachable-branches \
    --json-summary "$build/coverage.json" --json-summary-pretty "$build/obj" >/dev/null ||
    exit 1
echo "unit tests: $(tail -1 "$build/coverage-unit.log") (exit $unit_rc)"
echo "integration tests: $(tail -1 "$build/coverage-integration.log") (exit $integ_rc)"
grep -E '^FAILED' "$build/coverage-integration.log" | sed 's/^/  /'
/usr/bin/python3 tests/coverage/summary.py "$build/coverage.json" tests/coverage/floors
