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
 * never from argv or the environment. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "firmware/custodian/admin.h"
#include "firmware/custodian/ceremony.h"
#include "firmware/custodian/checkpoint.h"
#include "firmware/ledger/anchor.h"
#include "firmware/custodian/serve.h"
#include "firmware/identity/idtoken.h"
#include "platform/conf.h"
#include "platform/hex.h"
#include "platform/log.h"

struct opts {
	struct ceremony_opts c;
	const char *cert, *chain, *label;
	const char *reanchor; /* anchor --reanchor SEQ,HEAD,CRL */
	struct pin_source so_pin;
	int fd, ledger_fd, control_fd, admin_fd, id_key_fd;
	unsigned threads;
};

static void usage(void)
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
	exit(2);
}

static int parse_key(const char *s, struct hsm_keyspec *k)
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

static void defaults(struct opts *o)
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
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"data", 1, 0, 'd'}, {"module", 1, 0, 'm'}, {"token", 1, 0, 't'},
		{"label", 1, 0, 'l'}, {"softhsm-conf", 1, 0, 'S'}, {"subject", 1, 0, 's'},
		{"key", 1, 0, 'k'}, {"days", 1, 0, 'D'}, {"xchg-days", 1, 0, 'X'},
		{"out", 1, 0, 'o'}, {"cdp", 1, 0, 'C'}, {"aia", 1, 0, 'A'}, {"ocsp", 1, 0, 'O'},
		{"pin-fd", 1, 0, 'p'}, {"pin-file", 1, 0, 'P'}, {"so-pin-fd", 1, 0, 'q'},
		{"so-pin-file", 1, 0, 'Q'}, {"cert", 1, 0, 'c'}, {"chain", 1, 0, 'h'},
		{"fd", 1, 0, 'f'}, {"threads", 1, 0, 'T'}, {"ledger-fd", 1, 0, 'L'}, {"control-fd", 1, 0, 'K'},
		{"id-key-fd", 1, 0, 'I'},
		{"admin-fd", 1, 0, 'a'}, {"operators-gid", 1, 0, 'G'},
		{"reanchor", 1, 0, 'R'},
		{0, 0, 0, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': o->c.dir = optarg; break;
		case 'm': o->c.module = optarg; break;
		case 't': o->c.token = optarg; break;
		case 'l': o->label = optarg; break;
		case 'S': o->c.softhsm2_conf = optarg; break;
		case 's': o->c.subject = optarg; break;
		case 'k':
			if (parse_key(optarg, &o->c.key) != 0)
				fatalx("unsupported key '%s' (rsa:2048|rsa:3072|rsa:4096|ec:p256|"
				       "ec:p384)", optarg);
			break;
		case 'D': o->c.days = conf_arg_uint(optarg, 36500, "--days"); break;
		case 'X': o->c.xchg_days = conf_arg_uint(optarg, 3650, "--xchg-days"); break;
		case 'o': o->c.req_out = optarg; break;
		case 'C': o->c.cdp_url = optarg; break;
		case 'A': o->c.aia_url = optarg; break;
		case 'O': o->c.ocsp_url = optarg; break;
		case 'p': o->c.pin.fd = conf_arg_fd(optarg); break;
		case 'P': o->c.pin.file = optarg; break;
		case 'q': o->so_pin.fd = conf_arg_fd(optarg); break;
		case 'Q': o->so_pin.file = optarg; break;
		case 'c': o->cert = optarg; break;
		case 'h': o->chain = optarg; break;
		case 'f': o->fd = conf_arg_fd(optarg); break;
		case 'T': o->threads = conf_arg_uint(optarg, 64, "--threads"); break;
		case 'L': o->ledger_fd = conf_arg_fd(optarg); break;
		case 'K': o->control_fd = conf_arg_fd(optarg); break;
		case 'a': o->admin_fd = conf_arg_fd(optarg); break;
		/* The console's group (cad's operators_group): its members may connect. */
		case 'G': admin_allow_group((gid_t)conf_arg_uint(optarg, 0x7fffffffu,
								   "--operators-gid")); break;
		case 'I': o->id_key_fd = conf_arg_fd(optarg); break;
		case 'R': o->reanchor = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
}

/* One line on how the token protects a CA key, read back from the token itself. */
static int report_key(struct ca *ca, const char *what, const struct hsm_key *k)
{
	struct hsm_key_attrs a;
	struct hsm_err herr;

	if (hsm_key_attrs(ca->hsm, k, &a, &herr) != HSM_OK) {
		log_warnx("cannot read the %s key's attributes: %s", what, herr.msg);
		return -1;
	}
	printf("  %s key '%s': %ssensitive, %salways sensitive, %sextractable, "
	       "%snever extractable, private value %sreadable; usage:%s%s%s%s\n",
	       what, k->label, a.sensitive ? "" : "NOT ", a.always_sensitive ? "" : "NOT ",
	       a.extractable ? "" : "not ", a.never_extractable ? "" : "NOT ",
	       a.private_value_readable ? "" : "not ", a.sign ? " sign" : "",
	       a.decrypt ? " decrypt" : "", a.unwrap ? " unwrap" : "", a.derive ? " derive" : "");
	if (!a.sensitive || !a.always_sensitive || a.extractable || !a.never_extractable ||
	    a.private_value_readable) {
		log_warnx("the token does not protect the %s key", what);
		return -1;
	}
	return 0;
}

static int cmd_check(struct opts *o)
{
	struct ca ca;
	char err[512], subj[512];

	if (ca_load(&ca, o->c.dir, &o->c.pin, 1, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return 1;
	}
	x509_name_format(ca.cert.subject.data, ca.cert.subject.len, subj, sizeof(subj));
	printf("CA '%s': the certificate carries the HSM signing key '%s'.\n", subj,
	       ca.sign_key.label);
	if (report_key(&ca, "signing", &ca.sign_key) != 0 ||
	    (ca.have_xchg && report_key(&ca, "exchange", &ca.xchg_key) != 0)) {
		ca_close(&ca);
		return 1;
	}
	printf("ready.\n");
	ca_close(&ca);
	return 0;
}

/* --reanchor SEQ,HEAD,CRL (what `ca-ledger verify --head-fd` wrote for caadm):
 * the ledger's head as an operator accepts it, signed now and written to both
 * anchor slots. */
static int reanchor(struct opts *o)
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
		return 2;
	}
	c.seq = seq;
	c.crl_number = crl;
	c.time = (int64_t)time(NULL);
	if (ca_load(&ca, o->c.dir, &o->c.pin, 1, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return 1;
	}
	rc = anchor_reset(&ca, &c, &der, err, sizeof(err));
	ca_close(&ca);
	if (rc != 0) {
		log_warnx("%s", err);
		return 1;
	}
	printf("the ledger is anchored as it stands: seq %llu, CRL number %llu (%s and %s)\n",
	       seq, crl, CHECKPOINT_LABEL_A, CHECKPOINT_LABEL_B);
	rc = o->c.req_out != NULL &&
	     write_pem(o->c.req_out, "LEDGER CHECKPOINT", &der, err, sizeof(err)) != 0;
	if (rc)
		log_warnx("%s", err);
	x509_buf_free(&der);
	return rc;
}

/* The newest valid anchor on the token, as PEM, to --out or stdout; what each
 * slot holds on stderr. */
static int cmd_anchor(struct opts *o)
{
	struct anchor_slot slots[2];
	struct x509_buf pem = {0};
	struct ca ca;
	char err[512], when[32];
	int best, rc;

	if (ca_load(&ca, o->c.dir, &o->c.pin, 1, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		return 1;
	}
	rc = anchor_read(&ca, slots, &best, err, sizeof(err));
	ca_close(&ca);
	if (rc < 0) {
		log_warnx("%s", err);
		return 1;
	}
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
	if (rc == 1) {
		log_warnx("no valid ledger anchor on the token");
		anchor_slots_free(slots);
		return 3; /* caadm verify tells this apart from a failure */
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
		return 1;
	}
	return 0;
}

static int cmd_serve(struct opts *o)
{
	uint8_t id_key[IDTOKEN_KEY_LEN];
	struct ca ca;
	char err[512];
	int rc;

	if (o->fd < 0 && o->control_fd < 0)
		fatalx("serve needs --fd N (the worker's channel) or --control-fd N (cad's)");
	/* --fd with --id-key-fd: the identity-token key of that one channel (a
	 * test's or a bench's worker; under cad each channel brings its own). */
	if (o->id_key_fd >= 0) {
		for (size_t got = 0; got < sizeof(id_key);) {
			ssize_t n = read(o->id_key_fd, id_key + got, sizeof(id_key) - got);
			if (n <= 0 && !(n < 0 && errno == EINTR))
				fatalx("--id-key-fd: %zu of %zu bytes", got, sizeof(id_key));
			got += n > 0 ? (size_t)n : 0;
		}
		close(o->id_key_fd);
	}
	if (ca_load(&ca, o->c.dir, &o->c.pin, 1, err, sizeof(err)) != 0)
		refuse_to_start("%s", err);
	rc = serve(&ca, o->fd, "worker", o->threads, o->ledger_fd, o->control_fd, o->admin_fd,
		   o->id_key_fd >= 0 ? id_key : NULL);
	explicit_bzero(id_key, sizeof(id_key));
	ca_close(&ca);
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct opts o;
	const char *verb;

	log_init("ca-custodian");
	/* No core dumps, no ptrace by other users: this process holds a PIN. */
	prctl(PR_SET_DUMPABLE, 0);
	/* A module that reaches its HSM over a socket (p11-kit-client.so) writes
	 * to it without MSG_NOSIGNAL: when the HSM goes away, the write must fail
	 * with EPIPE (and the layer reconnect), not kill the custodian. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		usage();
	verb = argv[1];
	defaults(&o);
	if (strcmp(verb, "ceremony") == 0) {
		if (argc < 3)
			usage();
		parse(argc - 2, argv + 2, &o);
		if (strcmp(argv[2], "root") == 0)
			return ceremony_root(&o.c) == 0 ? 0 : 1;
		if (strcmp(argv[2], "subordinate") == 0)
			return ceremony_subordinate(&o.c) == 0 ? 0 : 1;
		usage();
	}
	parse(argc - 1, argv + 1, &o);
	if (strcmp(verb, "serve") == 0)
		return cmd_serve(&o);
	if (strcmp(verb, "check") == 0)
		return cmd_check(&o);
	if (strcmp(verb, "anchor") == 0)
		return o.reanchor != NULL ? reanchor(&o) : cmd_anchor(&o);
	if (strcmp(verb, "install-cert") == 0) {
		if (o.cert == NULL)
			usage();
		return ceremony_install_cert(o.c.dir, o.cert, o.chain, o.c.xchg_days, &o.c.pin) == 0
			       ? 0 : 1;
	}
	if (strcmp(verb, "token-init") == 0) {
		if (o.label == NULL)
			usage();
		return ceremony_token_init(o.c.module, o.label, o.c.softhsm2_conf, &o.so_pin,
					   &o.c.pin) == 0 ? 0 : 1;
	}
	usage();
}
