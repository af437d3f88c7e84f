#!/bin/sh
# `make run`: boots the appliance image in QEMU with this terminal as its console.
#
#   image/run.sh BUILD_DIR IMAGE_DIR RUN_DIR
#   RUN_EPM_PORT (default 13135)  host port of the endpoint mapper (guest: 135)
#   RUN_ICPR_PORT (default 5022)  MS-ICPR, the same port on host and guest
#
# RUN_DIR keeps the data disk (data.img: ledger, SoftHSM token, CRLs) from run to
# run; `make distclean` removes it. The first boot formats it, provisions the token
# and runs the root ceremony (DEMO: see image/demo.conf). The CA certificate comes
# out through a small export disk and is copied to RUN_DIR/ca.crt.
set -eu
build=$(cd "${1:?usage: run.sh BUILD IMAGE_DIR RUN_DIR}" && pwd)
img=$(cd "${2:?usage: run.sh BUILD IMAGE_DIR RUN_DIR}" && pwd)
run=${3:?usage: run.sh BUILD IMAGE_DIR RUN_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$run"
run=$(cd "$run" && pwd)
epm=${RUN_EPM_PORT:-13135}
icpr=${RUN_ICPR_PORT:-5022}
[ -e "$run/data.img" ] || truncate -s 256M "$run/data.img"
rm -f "$run/export.img" "$run/ca.crt"
truncate -s 1M "$run/export.img"
name="Appliance Root CA"
config="127.0.0.1:$epm\\$name"
# The demo enrollee (DEMO ONLY: its password is published in image/demo.conf):
# enrollment needs NTLM at packet privacy, as on a real appliance.
user=$(sed -n "s/^DEMO_ENROLLEE='\(.*\)'$/\1/p" "$top/image/demo.conf")
(umask 077 && sed -n 's/^DEMO_ENROLLEE_PASSWORD=//p' "$top/image/demo.conf" > "$run/enrollee.password")

# In the background: wait for the CA certificate on the export disk and for a real
# MS-ICPR answer (user-mode networking accepts connections before the guest
# listens), then say how to enroll. The console is in raw mode: \r\n.
(
    start=$(date +%s%N)
    deadline=$(($(date +%s) + 600))
    while [ "$(date +%s)" -lt $deadline ]; do
        if [ ! -s "$run/ca.crt" ]; then
            tar -xOf "$run/export.img" ca.crt > "$run/ca.crt.tmp" 2>/dev/null &&
                [ -s "$run/ca.crt.tmp" ] && mv "$run/ca.crt.tmp" "$run/ca.crt"
        fi
        # A retrieval of a request that does not exist: the CA answers (exit 2),
        # nothing is recorded.
        if [ -s "$run/ca.crt" ]; then
            rc=0
            "$build/bin/careq" retrieve -config "$config" -user "$user" \
                -password-file "$run/enrollee.password" 4294967295 /dev/null \
                >/dev/null 2>&1 || rc=$?
            if [ $rc = 2 ]; then
                ms=$((($(date +%s%N) - start) / 1000000))
                printf '\r\n== ready: MS-ICPR answered %d.%03d s after QEMU started\r\n' \
                    $((ms / 1000)) $((ms % 1000))
                printf '   CA certificate: %s\r\n' "$run/ca.crt"
                printf '   enroll from the host:\r\n'
                printf '     %s/careq new -subject "CN=host1.example" host1.key host1.req\r\n' "$build/bin"
                printf "     %s/careq submit -config '%s' -user '%s' %s\r\n" "$build/bin" "$config" "$user" '\'
                printf '         -password-file %s host1.req host1.crt\r\n' "$run/enrollee.password"
                printf '     openssl verify -CAfile %s host1.crt\r\n' "$run/ca.crt"
                printf '   a Kerberos realm instead of the demo account: README.md,\r\n'
                printf '     "Attaching the appliance to a Kerberos realm" (caadm kerberos keytab add)\r\n'
                printf '   console: this terminal (press Enter): caadm status, caadm verify,\r\n'
                printf '     ca-ledger show; "poweroff" stops the appliance, Ctrl-A X kills QEMU\r\n'
                exit 0
            fi
        fi
        sleep 0.2
    done
) &
probe=$!
trap 'kill $probe 2>/dev/null || true' EXIT INT TERM
cat <<MSG
== Booting the appliance image ($img) under QEMU (TCG)
   data disk $run/data.img; endpoint mapper 127.0.0.1:$epm -> guest :135,
   MS-ICPR 127.0.0.1:$icpr -> guest :$icpr. Ctrl-A X quits QEMU at once.
MSG
EPM_HOST_PORT=$epm ICPR_PORT=$icpr CONSOLE=mon:stdio "$top/image/qemu.sh" "$img" \
    "$run/data.img" "$run/export.img" || true
