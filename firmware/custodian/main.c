/* ca-custodian: the key custodian. The only program that loads the PKCS#11
 * module and logs in to the token. Verbs:
 *
 *   serve        answer a peer over an inherited IPC descriptor (the daemon)
 *   check        the start-up check alone: the CA certificate carries the HSM key
 *   ceremony     root | subordinate (run by `caadm init`)
 *   install-cert a subordinate CA's certificate (run by `caadm install-cert`)
 *   token-init   initialise a token (run by hsm/provision-softhsm.sh)
 *   anchor       the ledger's anchor: the newest valid checkpoint on the token,
 *                as PEM "LEDGER CHECKPOINT" (run by `caadm checkpoint`, `caadm
 *                verify` with a PIN)
 *
 * PINs come from --pin-fd N, --pin-file FILE (root-only) or the terminal;
 * never from argv or the environment. This file is the process's wiring alone:
 * the command line and the verbs are start.c's (libcustodian, unit-tested). */
#include <signal.h>
#include <sys/prctl.h>

#include "firmware/custodian/start.h"
#include "platform/log.h"

int main(int argc, char **argv)
{
	log_init("ca-custodian");
	/* No core dumps, no ptrace by other users: this process holds a PIN. */
	prctl(PR_SET_DUMPABLE, 0);
	/* A module that reaches its HSM over a socket (p11-kit-client.so) writes
	 * to it without MSG_NOSIGNAL: when the HSM goes away, the write must fail
	 * with EPIPE (and the layer reconnect), not kill the custodian. */
	signal(SIGPIPE, SIG_IGN);
	return custodian_main(argc, argv);
}
