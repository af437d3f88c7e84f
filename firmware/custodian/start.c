/* ca-custodian's command line and verbs (start.h): the options, the verbs that
 * end without serving and serve's start-up. Moved out of main.c so that every
 * refusal is reached in process; each keeps the message and the exit status
 * the program always had (a usage error 2, a failure 1, a refusal to start
 * EXIT_REFUSED), logged with log_failx instead of ending the process. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "firmware/custodian/admin.h"
#include "firmware/custodian/checkpoint.h"
#include "firmware/custodian/serve.h"
#include "firmware/custodian/start.h"
#include "firmware/ledger/anchor.h"
#include "platform/conf.h"
#include "platform/hex.h"
#include "platform/log.h"

int cust_usage(void)
{
	fprintf(stderr,
		"usage: ca-custodian serve --data DIR --fd N|--control-fd N [--ledger-fd N]\n"
		"                [--admin-fd N] [--operators-gid GID] [--threads N]\n"
		"                [--id-key-fd N] [PIN]\n"
		"       ca-custodian check --data DIR [PIN]\n"
		"       ca-custodian anchor --data DIR [--out FILE] [--reanchor SEQ,HEAD,CRL] [PIN]\n"
		"       ca-custodian ceremony root|subordinate --data DIR [--subject DN]\n"
		"                [--key rsa:2048|rsa:3072|rsa:4096|ec:p256|ec:p384] [--days N]\n"
		"                [--xchg-days N] [--out REQ] [--module SO] [--token LABEL]\n"
		"                [--softhsm-conf FILE] [--cdp URL] [--aia URL] [--ocsp URL] [PIN]\n"
		"       ca-custodian install-cert --data DIR --cert FILE [--chain FILE] [PIN]\n"
		"       ca-custodian token-init --module SO --label LABEL [--softhsm-conf FILE]\n"
		"                [--so-pin-fd N | --so-pin-file FILE] [PIN]\n"
		"PIN: --pin-fd N | --pin-file FILE (mode 0600); default: prompt on the terminal\n");
	return CUST_EXIT_USAGE;
}

int cust_parse_key(const char *s, struct hsm_keyspec *k)
{
	if (strcmp(s, "rsa:2048") == 0 || strcmp(s, "rsa:3072") == 0 ||
	    strcmp(s, "rsa:4096") == 0) {
		k->type = HSM_KEY_RSA;
		k->bits = (unsigned)atoi(s + 4);
		return 0;
	}
	if (strcmp(s, "ec:p256") == 0 || strcmp(s, "ec:p384") == 0) {
		k->type = HSM_KEY_EC;
		k->bits = (unsigned)atoi(s + 4);
		return 0;
	}
	return -1;
}

void cust_opts_defaults(struct cust_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->c.dir = CONFIG_DATA_DIR;
	o->c.module = CONFIG_HSM_MODULE_PATH;
	o->c.token = CONFIG_HSM_TOKEN_LABEL;
	o->c.subject = CONFIG_CA_SUBJECT;
#ifdef CONFIG_CA_KEY_EC
	o->c.key.type = HSM_KEY_EC;
	o->c.key.bits = CONFIG_CA_KEY_EC_BITS;
#else
	o->c.key.type = HSM_KEY_RSA;
	o->c.key.bits = CONFIG_CA_KEY_RSA_BITS;
#endif
	o->c.days = CONFIG_CA_VALIDITY_DAYS;
	o->c.xchg_days = CONFIG_CA_XCHG_VALIDITY_DAYS;
	o->c.cdp_url = CONFIG_CA_CDP_URL;
	o->c.aia_url = CONFIG_CA_AIA_URL;
	o->c.ocsp_url = CONFIG_CA_OCSP_URL;
	o->c.pin.fd = -1;
	o->so_pin.fd = -1;
	o->fd = -1;
	o->ledger_fd = -1;
	o->control_fd = -1;
	o->admin_fd = -1;
	o->id_key_fd = -1;
	o->threads = 32;
	o->operators_gid = -1;
}

/* A number from 1 to max (conf_parse_uint's rule), the message conf_arg_uint
 * always printed otherwise: 0 or -1. */
static int arg_uint(const char *s, unsigned max, const char *what, unsigned *out)
{
	if (conf_parse_uint(s, max, out) != 0) {
		log_failx("%s must be a number from 1 to %u", what, max);
		return -1;
	}
	return 0;
}

static int arg_fd(const char *s, int *fd)
{
	unsigned v;

	if (arg_uint(s, 1u << 20, "a descriptor number", &v) != 0)
		return -1;
	*fd = (int)v;
	return 0;
}

/* One option's value into o: 0, -1 (its message logged) or 1 (not an option of
 * ours: the synopsis). */
static int set_opt(struct cust_opts *o, int ch, const char *arg)
{
	unsigned v;

	switch (ch) {
	case 'd': o->c.dir = arg; return 0;
	case 'm': o->c.module = arg; return 0;
	case 't': o->c.token = arg; return 0;
	case 'l': o->label = arg; return 0;
	case 'S': o->c.softhsm2_conf = arg; return 0;
	case 's': o->c.subject = arg; return 0;
	case 'k':
		if (cust_parse_key(arg, &o->c.key) == 0)
			return 0;
		log_failx("unsupported key '%s' (rsa:2048|rsa:3072|rsa:4096|ec:p256|ec:p384)",
			  arg);
		return -1;
	case 'D': return arg_uint(arg, 36500, "--days", &o->c.days);
	case 'X': return arg_uint(arg, 3650, "--xchg-days", &o->c.xchg_days);
	case 'o': o->c.req_out = arg; return 0;
	case 'C': o->c.cdp_url = arg; return 0;
	case 'A': o->c.aia_url = arg; return 0;
	case 'O': o->c.ocsp_url = arg; return 0;
	case 'p': return arg_fd(arg, &o->c.pin.fd);
	case 'P': o->c.pin.file = arg; return 0;
	case 'q': return arg_fd(arg, &o->so_pin.fd);
	case 'Q': o->so_pin.file = arg; return 0;
	case 'c': o->cert = arg; return 0;
	case 'h': o->chain = arg; return 0;
	case 'f': return arg_fd(arg, &o->fd);
	case 'T': return arg_uint(arg, 64, "--threads", &o->threads);
	case 'L': return arg_fd(arg, &o->ledger_fd);
	case 'K': return arg_fd(arg, &o->control_fd);
	case 'a': return arg_fd(arg, &o->admin_fd);
	/* The console's group (cad's operators_group): its members may connect. */
	case 'G':
		if (arg_uint(arg, 0x7fffffffu, "--operators-gid", &v) != 0)
			return -1;
		o->operators_gid = (long)v;
		return 0;
	case 'I': return arg_fd(arg, &o->id_key_fd);
	case 'R': o->reanchor = arg; return 0;
	default: return 1; /* getopt said why ('?') */
	}
}

int cust_opts_parse(int argc, char **argv, struct cust_opts *o)
{
	static const struct option lo[] = {
		{"data", 1, 0, 'd'}, {"module", 1, 0, 'm'}, {"token", 1, 0, 't'},
		{"label", 1, 0, 'l'}, {"softhsm-conf", 1, 0, 'S'}, {"subject", 1, 0, 's'},
		{"key", 1, 0, 'k'}, {"days", 1, 0, 'D'}, {"xchg-days", 1, 0, 'X'},
		{"out", 1, 0, 'o'}, {"cdp", 1, 0, 'C'}, {"aia", 1, 0, 'A'}, {"ocsp", 1, 0, 'O'},
		{"pin-fd", 1, 0, 'p'}, {"pin-file", 1, 0, 'P'}, {"so-pin-fd", 1, 0, 'q'},
		{"so-pin-file", 1, 0, 'Q'}, {"cert", 1, 0, 'c'}, {"chain", 1, 0, 'h'},
		{"fd", 1, 0, 'f'}, {"threads", 1, 0, 'T'}, {"ledger-fd", 1, 0, 'L'},
		{"control-fd", 1, 0, 'K'}, {"id-key-fd", 1, 0, 'I'},
		{"admin-fd", 1, 0, 'a'}, {"operators-gid", 1, 0, 'G'},
		{"reanchor", 1, 0, 'R'},
		{0, 0, 0, 0},
	};
	int ch, rc;

	/* GNU getopt: 0 starts a new scan (the first call's state, again). */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		rc = set_opt(o, ch, optarg);
		if (rc < 0)
			return CUST_EXIT_FAIL;
		if (rc > 0)
			return cust_usage();
	}
	if (optind != argc)
		return cust_usage();
	return 0;
}

int cust_key_report(const char *what, const char *label, const struct hsm_key_attrs *a)
{
	printf("  %s key '%s': %ssensitive, %salways sensitive, %sextractable, "
	       "%snever extractable, private value %sreadable; usage:%s%s%s%s\n",
	       what, label, a->sensitive ? "" : "NOT ", a->always_sensitive ? "" : "NOT ",
	       a->extractable ? "" : "not ", a->never_extractable ? "" : "NOT ",
	       a->private_value_readable ? "" : "not ", a->sign ? " sign" : "",
	       a->decrypt ? " decrypt" : "", a->unwrap ? " unwrap" : "",
	       a->derive ? " derive" : "");
	if (!a->sensitive || !a->always_sensitive || a->extractable || !a->never_extractable ||
	    a->private_value_readable) {
		log_warnx("the token does not protect the %s key", what);
		return -1;
	}
	return 0;
}

/* The key's attributes read back from the token itself, then reported. */
static int report_key(struct ca *ca, const char *what, const struct hsm_key *k)
{
	struct hsm_key_attrs a;
	struct hsm_err herr;

	if (hsm_key_attrs(ca->hsm, k, &a, &herr) != HSM_OK) {
		log_warnx("cannot read the %s key's attributes: %s", what, herr.msg);
		return -1;
	}
	return cust_key_report(what, k->label, &a);
}

int cust_check(const struct cust_opts *o)
{
	struct ca ca;
	char err[512], subj[512];

	if (ca_load(&ca, o->c.dir, &o->c.pin, 1, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return CUST_EXIT_FAIL;
	}
	x509_name_format(ca.cert.subject.data, ca.cert.subject.len, subj, sizeof(subj));
	printf("CA '%s': the certificate carries the HSM signing key '%s'.\n", subj,
	       ca.sign_key.label);
	if (report_key(&ca, "signing", &ca.sign_key) != 0 ||
	    (ca.have_xchg && report_key(&ca, "exchange", &ca.xchg_key) != 0)) {
		ca_close(&ca);
		return CUST_EXIT_FAIL;
	}
	printf("ready.\n");
	ca_close(&ca);
	return 0;
}

/* --reanchor SEQ,HEAD,CRL (what `ca-ledger verify --head-fd` wrote for caadm):
 * the ledger's head as an operator accepts it, signed now and written to both
 * anchor slots. */
int cust_reanchor(const struct cust_opts *o)
{
	char hex[2 * X509_CHECKPOINT_HASH_LEN + 1], err[512];
	struct x509_checkpoint c;
	struct x509_buf der = {0};
	unsigned long long seq, crl;
	struct ca ca;
	size_t n;
	int used = 0, rc;

	memset(&c, 0, sizeof(c));
	if (sscanf(o->reanchor, "%llu,%64[0-9a-f],%llu%n", &seq, hex, &crl, &used) != 3 ||
	    o->reanchor[used] != 0 || seq == 0 ||
	    hex_decode(hex, c.head, sizeof(c.head), &n) != 0 || n != sizeof(c.head)) {
		log_warnx("--reanchor: want SEQ,HEAD(64 hex digits),CRL");
		return CUST_EXIT_USAGE;
	}
	c.seq = seq;
	c.crl_number = crl;
	c.time = (int64_t)time(NULL);
	if (ca_load(&ca, o->c.dir, &o->c.pin, 1, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return CUST_EXIT_FAIL;
	}
	rc = anchor_reset(&ca, &c, &der, err, sizeof(err));
	ca_close(&ca);
	if (rc != 0) {
		log_warnx("%s", err);
		return CUST_EXIT_FAIL;
	}
	printf("the ledger is anchored as it stands: seq %llu, CRL number %llu (%s and %s)\n",
	       seq, crl, CHECKPOINT_LABEL_A, CHECKPOINT_LABEL_B);
	rc = o->c.req_out != NULL &&
	     write_pem(o->c.req_out, "LEDGER CHECKPOINT", &der, err, sizeof(err)) != 0;
	if (rc)
		log_warnx("%s", err);
	x509_buf_free(&der);
	return rc ? CUST_EXIT_FAIL : 0;
}

/* What each anchor slot holds, on stderr. */
static void anchor_list(const struct anchor_slot slots[2], int best)
{
	char when[32];

	for (int i = 0; i < 2; i++) {
		if (slots[i].valid) {
			ledger_time_text(slots[i].cp.time, when, sizeof(when));
			fprintf(stderr, "%s: checkpoint of %s, seq %llu, CRL number %llu%s\n",
				slots[i].label, when, (unsigned long long)slots[i].cp.seq,
				(unsigned long long)slots[i].cp.crl_number,
				i == best ? " (the anchor)" : "");
		} else {
			fprintf(stderr, "%s: %s\n", slots[i].label, slots[i].why);
		}
	}
}

/* The newest valid anchor on the token, as PEM, to --out or stdout; what each
 * slot holds on stderr. */
int cust_anchor(const struct cust_opts *o)
{
	struct anchor_slot slots[2];
	struct x509_buf pem = {0};
	struct ca ca;
	char err[512];
	int best, rc;

	if (ca_load(&ca, o->c.dir, &o->c.pin, 1, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return CUST_EXIT_FAIL;
	}
	rc = anchor_read(&ca, slots, &best, err, sizeof(err));
	ca_close(&ca);
	if (rc < 0) {
		log_warnx("%s", err);
		return CUST_EXIT_FAIL;
	}
	anchor_list(slots, best);
	if (rc == 1) {
		log_warnx("no valid ledger anchor on the token");
		anchor_slots_free(slots);
		return CUST_EXIT_NO_ANCHOR;
	}
	if (o->c.req_out != NULL)
		rc = write_pem(o->c.req_out, "LEDGER CHECKPOINT", &slots[best].der, err, sizeof(err));
	else if ((rc = x509_pem_encode("LEDGER CHECKPOINT", slots[best].der.data,
				       slots[best].der.len, &pem)) == 0) {
		fwrite(pem.data, 1, pem.len, stdout);
		x509_buf_free(&pem);
	} else {
		snprintf(err, sizeof(err), "cannot PEM-encode the checkpoint");
	}
	anchor_slots_free(slots);
	if (rc != 0) {
		log_warnx("%s", err);
		return CUST_EXIT_FAIL;
	}
	return 0;
}

/* --id-key-fd: exactly IDTOKEN_KEY_LEN bytes, then the descriptor closed. 0, or
 * CUST_EXIT_FAIL with what was read wiped. */
static int read_id_key(int fd, uint8_t id_key[IDTOKEN_KEY_LEN])
{
	for (size_t got = 0; got < IDTOKEN_KEY_LEN;) {
		ssize_t n = read(fd, id_key + got, IDTOKEN_KEY_LEN - got);

		if (n <= 0 && !(n < 0 && errno == EINTR)) {
			log_failx("--id-key-fd: %zu of %zu bytes", got, (size_t)IDTOKEN_KEY_LEN);
			explicit_bzero(id_key, IDTOKEN_KEY_LEN);
			close(fd);
			return CUST_EXIT_FAIL;
		}
		got += n > 0 ? (size_t)n : 0;
	}
	close(fd);
	return 0;
}

int cust_serve_start(const struct cust_opts *o, struct ca *ca,
		     uint8_t id_key[IDTOKEN_KEY_LEN], int *have_id_key)
{
	char err[512];

	*have_id_key = 0;
	if (o->fd < 0 && o->control_fd < 0) {
		log_failx("serve needs --fd N (the worker's channel) or --control-fd N (cad's)");
		return CUST_EXIT_FAIL;
	}
	/* --fd with --id-key-fd: the identity-token key of that one channel (a
	 * test's or a bench's worker; under cad each channel brings its own). */
	if (o->id_key_fd >= 0) {
		if (read_id_key(o->id_key_fd, id_key) != 0)
			return CUST_EXIT_FAIL;
		*have_id_key = 1;
	}
	if (ca_load(ca, o->c.dir, &o->c.pin, 1, err, sizeof(err)) != 0) {
		log_failx("refusing to start: %s", err);
		explicit_bzero(id_key, IDTOKEN_KEY_LEN);
		*have_id_key = 0;
		return EXIT_REFUSED;
	}
	return 0;
}

static int cmd_serve(const struct cust_opts *o)
{
	uint8_t id_key[IDTOKEN_KEY_LEN];
	struct ca ca;
	int have_id_key, rc;

	rc = cust_serve_start(o, &ca, id_key, &have_id_key);
	if (rc != 0)
		return rc;
	if (o->operators_gid >= 0)
		admin_allow_group((gid_t)o->operators_gid);
	rc = serve(&ca, o->fd, "worker", o->threads, o->ledger_fd, o->control_fd, o->admin_fd,
		   have_id_key ? id_key : NULL);
	explicit_bzero(id_key, sizeof(id_key));
	ca_close(&ca);
	return rc == 0 ? 0 : CUST_EXIT_FAIL;
}

/* ceremony root|subordinate [options]. */
static int cmd_ceremony(int argc, char **argv, struct cust_opts *o)
{
	int rc;

	if (argc < 3)
		return cust_usage();
	if ((rc = cust_opts_parse(argc - 2, argv + 2, o)) != 0)
		return rc;
	if (strcmp(argv[2], "root") == 0)
		return ceremony_root(&o->c) == 0 ? 0 : CUST_EXIT_FAIL;
	if (strcmp(argv[2], "subordinate") == 0)
		return ceremony_subordinate(&o->c) == 0 ? 0 : CUST_EXIT_FAIL;
	return cust_usage();
}

/* The verbs other than ceremony, their options parsed. */
static int run_verb(const char *verb, struct cust_opts *o)
{
	if (strcmp(verb, "serve") == 0)
		return cmd_serve(o);
	if (strcmp(verb, "check") == 0)
		return cust_check(o);
	if (strcmp(verb, "anchor") == 0)
		return o->reanchor != NULL ? cust_reanchor(o) : cust_anchor(o);
	if (strcmp(verb, "install-cert") == 0) {
		if (o->cert == NULL)
			return cust_usage();
		return ceremony_install_cert(o->c.dir, o->cert, o->chain, o->c.xchg_days,
					     &o->c.pin) == 0 ? 0 : CUST_EXIT_FAIL;
	}
	if (strcmp(verb, "token-init") == 0) {
		if (o->label == NULL)
			return cust_usage();
		return ceremony_token_init(o->c.module, o->label, o->c.softhsm2_conf, &o->so_pin,
					   &o->c.pin) == 0 ? 0 : CUST_EXIT_FAIL;
	}
	return cust_usage();
}

int custodian_main(int argc, char **argv)
{
	struct cust_opts o;
	int rc;

	if (argc < 2)
		return cust_usage();
	cust_opts_defaults(&o);
	if (strcmp(argv[1], "ceremony") == 0)
		return cmd_ceremony(argc, argv, &o);
	/* The options are read before the verb is known, as they always were: a
	 * bad option is reported before an unknown verb. */
	if ((rc = cust_opts_parse(argc - 1, argv + 1, &o)) != 0)
		return rc;
	return run_verb(argv[1], &o);
}
