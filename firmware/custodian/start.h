/* ca-custodian's command line and verbs (start.c): what main.c ran before it
 * was wiring alone. The options and their refusals, the verbs that end without
 * serving (check, anchor), the start-up of `serve` up to the service. Nothing
 * here exits: each refusal is logged with the message the program always
 * printed and returned as the exit status main() gives, so that the unit tests
 * (tests/unit/test_custodian_start.c) drive every one in process. */
#ifndef CUSTODIAN_START_H
#define CUSTODIAN_START_H

#include <stdint.h>

#include "firmware/custodian/ca.h"
#include "firmware/custodian/ceremony.h"
#include "firmware/identity/idtoken.h"
#include "hsm/hsm.h"

/* Exit statuses: a usage error (the synopsis printed), a failure (its message
 * logged); a refusal to start is EXIT_REFUSED (platform/log.h). */
#define CUST_EXIT_USAGE 2
#define CUST_EXIT_FAIL 1
/* `anchor` found no valid anchor on the token (caadm verify tells this apart
 * from a failure). */
#define CUST_EXIT_NO_ANCHOR 3

struct cust_opts {
	struct ceremony_opts c;
	const char *cert, *chain, *label;
	const char *reanchor; /* anchor --reanchor SEQ,HEAD,CRL */
	struct pin_source so_pin;
	int fd, ledger_fd, control_fd, admin_fd, id_key_fd;
	unsigned threads;
	long operators_gid; /* --operators-gid (cad's operators_group), or -1 */
};

/* The synopsis on stderr; returns CUST_EXIT_USAGE. */
int cust_usage(void);
/* Kconfig's defaults, no descriptors, 32 service threads. */
void cust_opts_defaults(struct cust_opts *o);
/* "rsa:2048|rsa:3072|rsa:4096|ec:p256|ec:p384" into *k: 0, or -1. */
int cust_parse_key(const char *s, struct hsm_keyspec *k);
/* The options of one verb: argv[0] is the verb's name (getopt's own messages
 * name it), no operands. 0, or the exit status after the message (the first
 * mistake's: CUST_EXIT_FAIL for a bad value, the synopsis otherwise). getopt's
 * state is reset first, so it may be called again in one process. */
int cust_opts_parse(int argc, char **argv, struct cust_opts *o);

/* One line on stdout on how the token protects a CA key (what: "signing",
 * "exchange"), from its attributes as the token reports them: 0 when it is
 * sensitive and never extractable, else -1 with a warning. */
int cust_key_report(const char *what, const char *label, const struct hsm_key_attrs *a);

/* The verbs that end without serving; each returns its exit status. */
int cust_check(const struct cust_opts *o);
int cust_anchor(const struct cust_opts *o);
int cust_reanchor(const struct cust_opts *o);

/* serve's start-up: the channels named, the identity-token key of --id-key-fd
 * read (into id_key, *have_id_key set; the descriptor closed) and the CA loaded
 * with its start-up check. 0 with *ca open, or the exit status after the
 * message (nothing held: the key wiped, the CA closed). */
int cust_serve_start(const struct cust_opts *o, struct ca *ca,
		     uint8_t id_key[IDTOKEN_KEY_LEN], int *have_id_key);

/* The whole program after log_init: the verb, its options, its work. Returns
 * main()'s exit status. */
int custodian_main(int argc, char **argv);

#endif
