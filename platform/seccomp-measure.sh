#!/bin/sh
# Measures what each sandboxed daemon calls once its seccomp filter is loaded:
#
#   platform/seccomp-measure.sh BUILD_DIR [pytest arguments...]
#
# BUILD_DIR is a build made with CONFIG_SECCOMP_LOG (filters log instead of
# killing), e.g.:
#   mkdir -p build/measure
#   (cat build/config.h; echo '#define CONFIG_SECCOMP_LOG 1') > build/measure/config.h
#   make BUILD=build/measure -j2 all build/measure/tests/ledger_tamper \
#        build/measure/tests/ledger_fill
# The integration suites named (default: test_icpr.py test_admin.py
# test_crl_scale.py and test_ledger_*.py) run against a copy of BUILD_DIR/bin in
# which cad, ca-custodian and ca-ledger are wrapped in `strace -f`; then
# seccomp-measure.py counts, per program, the calls made after the program's own
# seccomp(SECCOMP_SET_MODE_FILTER). Tests that signal or count the daemons' pids
# fail under the wrappers (they see strace): only the counts matter here.
# Prints the report; the traces stay in the printed directory.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [pytest arguments...]" >&2; exit 2; }
build=$(cd "$1" && pwd)
shift
top=$(cd "$(dirname "$0")/.." && pwd)
grep -q 'CONFIG_SECCOMP_LOG' "$build/config.h" ||
    echo "warning: $build is not a CONFIG_SECCOMP_LOG build: a missing call kills" >&2
work=$(mktemp -d /tmp/seccomp-measure.XXXXXX)
mkdir -p "$work/bin" "$work/trace"
ln -s "$build/tests" "$work/tests"
for b in "$build"/bin/*; do ln -s "$b" "$work/bin/"; done
for b in cad ca-custodian ca-ledger; do
    rm "$work/bin/$b"
    # strace in the background so that TERM/INT reach the program, not strace
    cat > "$work/bin/$b" <<WRAP
#!/bin/sh
strace -f -qq -o "$work/trace/$b.\$\$.txt" "$build/bin/$b" "\$@" &
sp=\$!
fwd() { for p in \$(pgrep -P \$sp); do kill -\$1 \$p; done; }
trap 'fwd TERM' TERM
trap 'fwd INT' INT
while :; do wait \$sp; rc=\$?; kill -0 \$sp 2>/dev/null || exit \$rc; done
WRAP
    chmod +x "$work/bin/$b"
done
[ $# -gt 0 ] || set -- test_icpr.py test_admin.py test_crl_scale.py test_ledger_basic.py \
    test_ledger_disk_full.py test_ledger_tamper.py
cd "$top/tests/integration"
CA_BUILD=$work /usr/bin/python3 -m pytest -q "$@" || true
/usr/bin/python3 "$top/platform/seccomp-measure.py" "$work/trace/*.txt"
echo "traces: $work/trace"
