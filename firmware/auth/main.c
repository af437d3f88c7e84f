/* ca-auth: the credential process. It holds the enrollee account database
 * (DATA/auth/accounts, NT hashes) and checks NTLM logons for the worker with
 * gss-ntlmssp; the worker, which reads the network, never sees a credential, and
 * the custodian, which holds the HSM session, never sees an NTLM token.
 *
 *   ca-auth --fd N --data DIR [--user NAME] [--selftest-open PATH]
 *
 * cad starts it with one end of a socketpair whose other end is the worker's
 * (a fresh pair with each worker); it serves that channel (serve.c) until the
 * worker goes away, then exits. Settings from DIR/ca.conf: netbios_computer_name
 * (default: the host name, uppercased, cut to 15), netbios_domain_name (default
 * WORKGROUP): the names the CHALLENGE announces; auth_throttle_account,
 * auth_throttle_address, auth_throttle_delay, auth_throttle_max_delay: how
 * failed logons are throttled (throttle.h, README).
 *
 * --user (cad gives it when it runs as root): after start-up ca-auth chroots to
 * DIR/auth, where only the account file is, and becomes that user (who owns
 * DIR/auth) with no capability; then it loads its seccomp filter. Without it
 * (cad run by an ordinary user) it keeps its user and sees what that user sees.
 *
 * --selftest-open (tests): once sandboxed, open PATH read-only, which must fail,
 * then for writing, which the filter must punish with SIGSYS.
 *
 * Every decision is the library's (start.c: the command line, the settings,
 * the jail, the filter); this file only turns a refusal into the exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/auth/auth.h"
#include "firmware/auth/start.h"
#include "platform/log.h"

int main(int argc, char **argv)
{
	static struct auth_tokens tk;
	struct auth_opts o;
	char err[512];
	int rc;

	log_init("ca-auth");
	if ((rc = auth_opts_parse(argc, argv, geteuid(), &o, err, sizeof(err))) == AUTH_START_USAGE) {
		fputs(auth_usage, stderr);
		exit(2);
	} else if (rc != 0) {
		fatalx("%s", err);
	}
	/* A setting the operator must change stops cad (refuse_to_start) rather
	 * than having it restart ca-auth in a loop. */
	if ((rc = auth_start(&o, &tk, err, sizeof(err))) == AUTH_SET_REFUSE)
		refuse_to_start("%s", err);
	else if (rc != 0)
		fatalx("%s", err);
	if (o.selftest_open != NULL) {
		(void)auth_selftest_open(o.selftest_open, err, sizeof(err));
		fatalx("%s", err);
	}
	rc = auth_serve(o.fd, &tk);
	explicit_bzero(tk.key, sizeof(tk.key));
	log_info("the worker's channel %s: exiting", rc != 0 ? "was ended" : "closed");
	/* _exit: nothing is left to flush, and the sandbox forbids what exit-time
	 * hooks may do (LeakSanitizer's check under ASan uses ptrace). */
	_exit(rc != 0 ? 1 : 0);
}
