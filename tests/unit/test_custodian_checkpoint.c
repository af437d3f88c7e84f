/* The custodian's checkpoints and the ledger's anchor (firmware/custodian/
 * checkpoint.c), in one process (support/core_harness.c: a real SoftHSM token,
 * the ceremony's CA, a real ledger): a CRL is followed by a checkpoint, signed
 * with the CA key and journaled, which lands in anchor A then B in turn; a
 * custodian started on a ledger older than the anchor is refused with the
 * message naming what is missing; an anchor that does not verify is not
 * believed (and blocks nothing); a bad schedule in ca.conf is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/custodian/admin.h"
#include "firmware/custodian/checkpoint.h"
#include "firmware/custodian/serve.h"
#include "firmware/ledger/event.h"
#include "hsm/internal.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/softhsm_token.h"
#include "tests/unit/support/stderr_capture.h"
#include "tests/unit/support/x509_oracle.h"

static struct core_ca ca_template;
static struct core core;

/* test_hsm_away's token directory while moved aside ("" otherwise): put back by
 * the teardown when the test failed before it did. */
static char token_dir[PATH_MAX], token_away[PATH_MAX];

static int teardown(void **state)
{
	(void)state;
	log_end(); /* a failed test's capture, if any */
	if (token_away[0] != 0 && rename(token_away, token_dir) != 0)
		return -1;
	token_away[0] = 0;
	core_stop(&core);
	return 0;
}

/* The DER in the token's object label, verified with the CA key; 0 or -1. */
static int anchor_of(const char *label, struct x509_checkpoint *cp)
{
	struct hsm_err herr;
	uint8_t *v = NULL;
	size_t len = 0;
	char err[256];
	int rc;

	if (hsm_data_read(core.ca.hsm, label, &v, &len, &herr) != HSM_OK)
		return -1;
	rc = x509_checkpoint_verify(v, len, core.ca.spki.data, core.ca.spki.len, cp, err,
				    sizeof err);
	free(v);
	return rc;
}

static void publish_crl(void)
{
	char msg[512];

	assert_int_equal(crl_publish(core_admin(&core), ACTOR_CA, "CA", 0, msg, sizeof msg), 0);
}

/* The journal's last event: a checkpoint of the one before it, as signed. The
 * checkpoint names the ledger's own seq; head counts without the start-up's
 * events (core_ledger_relative converts). */
static void last_is_checkpoint(uint64_t crl_number, struct x509_checkpoint *signed_cp)
{
	static char strbuf[LEDGER_STRBUF];
	struct ledger_event ev, prev;
	uint64_t head = core_ledger_head(&core);
	uint8_t *rec = NULL, *prec = NULL;
	char err[256];

	assert_int_equal(core_ledger_event(&core, head - 1, &prev, strbuf, &prec), 0);
	assert_int_equal(prev.type, EV_CRL_PUBLISHED);
	assert_int_equal(core_ledger_event(&core, head, &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_CHECKPOINT);
	assert_int_equal(ev.actor_kind, ACTOR_CA);
	assert_true(core_ledger_relative(&core, ev.u.checkpoint.seq) == head - 1);
	assert_true(ev.u.checkpoint.crl_number == crl_number);
	/* head is the hash of the record it covers: the next one's prev */
	assert_memory_equal(ev.u.checkpoint.head, ev.prev, LEDGER_HASH_LEN);
	assert_int_equal(x509_checkpoint_verify(ev.u.checkpoint.signed_der.p,
						ev.u.checkpoint.signed_der.len, core.ca.spki.data,
						core.ca.spki.len, signed_cp, err, sizeof err), 0);
	assert_true(signed_cp->seq == ev.u.checkpoint.seq && signed_cp->crl_number == crl_number);
	assert_memory_equal(signed_cp->head, ev.prev, LEDGER_HASH_LEN);
	free(rec);
	free(prec);
}

/* DATA/crl/ca.crl.checkpoint: the PEM checkpoint published with the CRL. */
static void sidecar_is(const struct x509_checkpoint *want)
{
	char path[PATH_MAX + 32], err[256];
	struct x509_buf *blocks = NULL;
	struct x509_checkpoint got;
	unsigned char *text = NULL;
	size_t len = 0, n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/crl/ca.crl.checkpoint", core.dir);
	assert_non_null(f = fopen(path, "r"));
	text = malloc(8192);
	len = fread(text, 1, 8192, f);
	fclose(f);
	assert_int_equal(x509_pem_decode_all("LEDGER CHECKPOINT", text, len, &blocks, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(x509_checkpoint_verify(blocks[0].data, blocks[0].len, core.ca.spki.data,
						core.ca.spki.len, &got, err, sizeof err), 0);
	assert_true(got.seq == want->seq && got.crl_number == want->crl_number);
	assert_memory_equal(got.head, want->head, sizeof got.head);
	x509_buf_free(&blocks[0]);
	free(blocks);
	free(text);
}

static void test_crls_checkpoint_alternately(void **state)
{
	struct x509_checkpoint j1, j2, j3, a, b;

	(void)state;
	assert_int_equal(core_start(&core, &ca_template, &(struct core_opts){.console = 1}), 0);
	assert_int_equal(anchor_of(CHECKPOINT_LABEL_A, &a), -1); /* none yet */
	publish_crl();
	last_is_checkpoint(1, &j1);
	sidecar_is(&j1);
	assert_int_equal(anchor_of(CHECKPOINT_LABEL_A, &a), 0);
	assert_true(a.seq == j1.seq);
	assert_int_equal(anchor_of(CHECKPOINT_LABEL_B, &b), -1);
	publish_crl();
	last_is_checkpoint(2, &j2);
	sidecar_is(&j2);
	assert_int_equal(anchor_of(CHECKPOINT_LABEL_B, &b), 0);
	assert_true(b.seq == j2.seq && b.crl_number == 2);
	assert_int_equal(anchor_of(CHECKPOINT_LABEL_A, &a), 0);
	assert_true(a.seq == j1.seq); /* untouched */
	publish_crl();
	last_is_checkpoint(3, &j3);
	assert_int_equal(anchor_of(CHECKPOINT_LABEL_A, &a), 0);
	assert_true(a.seq == j3.seq && a.crl_number == 3); /* the older one replaced */
	assert_int_equal(anchor_of(CHECKPOINT_LABEL_B, &b), 0);
	assert_true(b.seq == j2.seq);
}

/* A fresh ledger (1 event) against the anchors left by a CA that journaled
 * more: what a ledger restored from an early copy looks like. */
static void test_older_ledger_refused(void **state)
{
	uint64_t covered, start_events;
	char want[160];

	(void)state;
	assert_int_equal(core_start(&core, &ca_template, &(struct core_opts){.console = 1}), 0);
	/* genesis, the start-up's events, CRL 1 (the checkpoint covers it), the
	 * checkpoint */
	start_events = core.start_events;
	covered = 1 + start_events + 1;
	publish_crl();
	core_stop(&core);
	assert_int_equal(core_start(&core, &ca_template,
				    &(struct core_opts){.console = 1, .keep_anchors = 1}), -1);
	assert_int_equal(core.open_rc, CUSTODIAN_EREFUSED);
	assert_non_null(strstr(core.err, "the ledger ends at seq 1 but the HSM's checkpoint of "));
	snprintf(want, sizeof want,
		 "covers seq %llu (CRL number 1): %llu record%s missing; the ledger was restored "
		 "from an older copy",
		 (unsigned long long)covered, (unsigned long long)(covered - 1),
		 covered - 1 == 1 ? " is" : "s are");
	assert_non_null(strstr(core.err, want));
}

/* A ledger as long as the anchor says, but with another history: rewritten. */
static void test_rewritten_ledger_refused(void **state)
{
	uint64_t covered;
	char want[160];

	(void)state;
	assert_int_equal(core_start(&core, &ca_template, &(struct core_opts){.console = 1}), 0);
	/* genesis, the start-up's events, CRL 1, its checkpoint: the anchor covers
	 * the CRL's seq */
	covered = 1 + core.start_events + 1;
	publish_crl();
	core_stop(&core);
	/* a ledger longer than the seq the anchor covers (genesis + pad_events) */
	assert_int_equal(core_start(&core, &ca_template,
				    &(struct core_opts){.keep_anchors = 1,
							.pad_events = (unsigned)covered + 3}),
			 -1);
	assert_int_equal(core.open_rc, CUSTODIAN_EREFUSED);
	snprintf(want, sizeof want, "the ledger's record %llu is not the one the HSM's "
		 "checkpoint of ", (unsigned long long)covered);
	assert_non_null(strstr(core.err, want));
	snprintf(want, sizeof want, "the ledger up to seq %llu was rewritten or restored from "
		 "another copy", (unsigned long long)covered);
	assert_non_null(strstr(core.err, want));
}

/* A forged anchor (another key), a torn one, duplicates: none is believed, and
 * none keeps the CA from starting; the next checkpoint writes a valid one. */
static void test_forged_anchor_not_believed(void **state)
{
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	struct x509_checkpoint fake, a;
	struct x509_buf spki = {0}, tbs = {0}, sig = {0}, der = {0};
	struct hsm_err herr;
	char err[256];

	(void)state;
	/* a checkpoint claiming seq 1000000, signed by a key of the intruder's */
	memset(&fake, 0, sizeof fake);
	fake.seq = 1000000;
	fake.time = 1796000000;
	assert_int_equal(oracle_genkey("p256", "intruder", &spki), 0);
	assert_int_equal(x509_checkpoint_tbs_encode(&fake, &tbs, err, sizeof err), 0);
	assert_int_equal(oracle_sign("intruder", X509_SIG_ECDSA_SHA256, tbs.data, tbs.len, &sig), 0);
	assert_int_equal(x509_checkpoint_assemble(&tbs, X509_SIG_ECDSA_SHA256, sig.data, sig.len,
						  &der), 0);
	assert_int_equal(core_start(&core, &ca_template, &(struct core_opts){.console = 1}), 0);
	assert_int_equal(hsm_data_write(core.ca.hsm, CHECKPOINT_LABEL_A, der.data, der.len, &herr),
			 HSM_OK);
	assert_int_equal(hsm_data_write(core.ca.hsm, CHECKPOINT_LABEL_B, junk, sizeof junk, &herr),
			 HSM_OK);
	core_stop(&core);
	assert_int_equal(core_start(&core, &ca_template,
				    &(struct core_opts){.console = 1, .keep_anchors = 1}), 0);
	/* the first checkpoint goes to A (no valid anchor) and is the anchor */
	publish_crl();
	assert_int_equal(anchor_of(CHECKPOINT_LABEL_A, &a), 0);
	assert_true(core_ledger_relative(&core, a.seq) == core_ledger_head(&core) - 1);
	assert_int_equal(anchor_of(CHECKPOINT_LABEL_B, &a), -1);
	x509_buf_free(&spki);
	x509_buf_free(&tbs);
	x509_buf_free(&sig);
	x509_buf_free(&der);
}

static void test_bad_schedule_refused(void **state)
{
	static const char *const bad_events[] = {"checkpoint_events=0", NULL};
	static const char *const bad_interval[] = {"checkpoint_interval=1x", NULL};

	(void)state;
	assert_int_equal(core_start(&core, &ca_template, &(struct core_opts){.conf = bad_events}),
			 -1);
	assert_int_equal(core.open_rc, CUSTODIAN_EREFUSED);
	assert_non_null(strstr(core.err, "checkpoint_events must be 1..100000000"));
	core_stop(&core);
	assert_int_equal(core_start(&core, &ca_template,
				    &(struct core_opts){.conf = bad_interval}), -1);
	assert_int_equal(core.open_rc, CUSTODIAN_EREFUSED);
}

/* The CRL's sidecar cannot be written (a directory holds its name): the CRL is
 * published, the checkpoint journaled and anchored, the failure logged. */
static void test_sidecar_not_written(void **state)
{
	char path[PATH_MAX + 32], want[PATH_MAX + 128];
	struct x509_checkpoint j, a;

	(void)state;
	assert_int_equal(core_start(&core, &ca_template, &(struct core_opts){.console = 1}), 0);
	snprintf(path, sizeof path, "%s/crl", core.dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/crl/ca.crl.checkpoint", core.dir);
	assert_int_equal(mkdir(path, 0755), 0);
	log_begin();
	publish_crl();
	log_end_quiet();
	snprintf(want, sizeof want, "warning: checkpoint after CRL 1 not published: cannot write "
		 "%s: Is a directory\n", path);
	assert_logged(want);
	last_is_checkpoint(1, &j);
	assert_int_equal(anchor_of(CHECKPOINT_LABEL_A, &a), 0);
	assert_true(a.seq == j.seq);
}

/* checkpoint_take on schedule (force 0) with nothing journaled since the last
 * checkpoint takes none; forced (a CRL's), it covers the checkpoint itself. */
static void test_nothing_new_no_checkpoint(void **state)
{
	struct checkpointer *cp;
	struct x509_checkpoint j, b;
	struct x509_buf der = {0};
	uint64_t head;
	char err[512];

	(void)state;
	assert_int_equal(core_start(&core, &ca_template, &(struct core_opts){.console = 1}), 0);
	cp = core_admin(&core)->sub->checkpoints;
	assert_non_null(cp);
	publish_crl();
	head = core_ledger_head(&core);
	assert_int_equal(checkpoint_take(cp, 0, NULL, err, sizeof err), 1);
	assert_int_equal(core_ledger_head(&core), head);
	assert_int_equal(checkpoint_take(cp, 1, &der, err, sizeof err), 0);
	assert_int_equal(core_ledger_head(&core), head + 1);
	assert_non_null(der.data);
	assert_int_equal(x509_checkpoint_verify(der.data, der.len, core.ca.spki.data,
						core.ca.spki.len, &j, err, sizeof err), 0);
	assert_true(core_ledger_relative(&core, j.seq) == head);
	assert_true(j.crl_number == 1);
	x509_buf_free(&der);
	/* the second went to B */
	assert_int_equal(anchor_of(CHECKPOINT_LABEL_B, &b), 0);
	assert_true(b.seq == j.seq);
	assert_int_equal(checkpoint_take(cp, 0, NULL, err, sizeof err), 1);
}

/* checkpoint_interval = 1: an event journaled after the start is covered by a
 * checkpoint within a few seconds, without a CRL, by the schedule's thread. */
static void test_interval_schedule(void **state)
{
	static const char *const conf[] = {"checkpoint_interval=1", NULL};
	static char strbuf[LEDGER_STRBUF];
	struct ledger_event ev;
	struct x509_checkpoint a;
	uint64_t head, op_seq;
	uint8_t *rec = NULL;
	char err[256];
	int refused = 0;

	(void)state;
	assert_int_equal(core_start(&core, &ca_template,
				    &(struct core_opts){.console = 1, .conf = conf}), 0);
	record_event_init(&ev, EV_OPERATOR_ACTION, ACTOR_OPERATOR, "admin");
	ev.u.op.action = "test-action";
	ev.u.op.target = "test";
	ev.u.op.allowed = 1;
	ev.u.op.detail = "";
	if (record_append(core_admin(&core)->sub->rec, &ev, &refused, err, sizeof err) != 0)
		fail_msg("record_append: %s", err);
	op_seq = core_ledger_head(&core);
	for (int i = 0; i < 80 && core_ledger_head(&core) == op_seq; i++)
		usleep(100 * 1000);
	head = core_ledger_head(&core);
	assert_int_equal(head, op_seq + 1);
	assert_int_equal(core_ledger_event(&core, head, &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_CHECKPOINT);
	assert_true(core_ledger_relative(&core, ev.u.checkpoint.seq) == op_seq);
	assert_true(ev.u.checkpoint.crl_number == 0); /* no CRL yet */
	free(rec);
	/* journaled first, then written to the token: the anchor follows */
	for (int i = 0; i < 50 && anchor_of(CHECKPOINT_LABEL_A, &a) != 0; i++)
		usleep(100 * 1000);
	assert_int_equal(anchor_of(CHECKPOINT_LABEL_A, &a), 0);
	assert_true(core_ledger_relative(&core, a.seq) == op_seq);
	/* nothing new since: the schedule takes no other */
	usleep(2500 * 1000);
	assert_int_equal(core_ledger_head(&core), head);
}

/* CRLDeltaPeriod 0 (ca.conf's crl_delta_period): a delta CRL published by hand
 * says its next update from CRLPeriod, and is followed by its checkpoint like a
 * base CRL. */
static void test_delta_without_delta_period(void **state)
{
	static const char *const conf[] = {"crl_delta_period=0", NULL};
	static char strbuf[LEDGER_STRBUF];
	struct crl_settings set;
	struct ledger_event ev;
	struct x509_checkpoint j;
	uint8_t *rec = NULL;
	char msg[512];

	(void)state;
	assert_int_equal(core_start(&core, &ca_template,
				    &(struct core_opts){.console = 1, .conf = conf}), 0);
	props_crl(core_admin(&core)->props, &set);
	assert_int_equal(set.delta_period, 0);
	publish_crl();
	assert_int_equal(crl_publish(core_admin(&core), ACTOR_CA, "CA", 1, msg, sizeof msg), 0);
	last_is_checkpoint(2, &j);
	assert_int_equal(core_ledger_event(&core, core_ledger_head(&core) - 1, &ev, strbuf, &rec),
			 0);
	assert_int_equal(ev.type, EV_CRL_PUBLISHED);
	assert_int_equal(ev.u.crl.is_delta, 1);
	assert_true(ev.u.crl.base_number == 1);
	assert_true(ev.u.crl.next_update - ev.u.crl.this_update == set.period + set.overlap);
	free(rec);
}

/* The HSM away (the token's files moved aside and the layer told of a device
 * error, as test_custodian_core does): reading the anchor, a checkpoint and a
 * re-anchoring each fail with "HSM unavailable" and nothing is journaled;
 * once the token is back, the next checkpoint is taken. */
static void test_hsm_away(void **state)
{
	char err[512];
	struct anchor_slot slots[2];
	struct x509_checkpoint c;
	struct x509_buf der = {0};
	struct checkpointer *cp;
	struct hsm_err herr;
	uint64_t head;
	int best = 7;

	(void)state;
	assert_int_equal(core_start(&core, &ca_template, &(struct core_opts){.console = 1}), 0);
	cp = core_admin(&core)->sub->checkpoints;
	publish_crl();
	head = core_ledger_head(&core);
	softhsm_token_path(&ca_template.token, "tokens", token_dir, sizeof token_dir);
	softhsm_token_path(&ca_template.token, "tokens.away", token_away, sizeof token_away);
	assert_int_equal(rename(token_dir, token_away), 0);
	log_begin();
	assert_int_equal(hsm_pool_recover(core.ca.hsm, core.ca.hsm->generation, CKR_DEVICE_ERROR,
					  &herr), HSM_EUNAVAIL);
	assert_int_equal(anchor_read(&core.ca, slots, &best, err, sizeof err), -1);
	assert_memory_equal(err, "HSM unavailable: ", 17);
	assert_null(slots[0].der.data);
	assert_null(slots[1].der.data);
	assert_int_equal(checkpoint_take(cp, 1, &der, err, sizeof err), -1);
	assert_memory_equal(err, "HSM unavailable: ", 17);
	assert_null(der.data);
	memset(&c, 0, sizeof c);
	c.seq = 1;
	c.time = 1796000000;
	assert_int_equal(anchor_reset(&core.ca, &c, &der, err, sizeof err), -1);
	assert_memory_equal(err, "HSM unavailable: ", 17);
	assert_null(der.data);
	assert_int_equal(rename(token_away, token_dir), 0);
	token_away[0] = 0;
	log_end_quiet();
	assert_int_equal(core_ledger_head(&core), head); /* nothing journaled */
	/* back: the next call past the back-off reconnects */
	usleep(300 * 1000);
	assert_int_equal(checkpoint_take(cp, 1, &der, err, sizeof err), 0);
	x509_buf_free(&der);
	assert_int_equal(core_ledger_head(&core), head + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_crls_checkpoint_alternately, teardown),
		cmocka_unit_test_teardown(test_older_ledger_refused, teardown),
		cmocka_unit_test_teardown(test_rewritten_ledger_refused, teardown),
		cmocka_unit_test_teardown(test_forged_anchor_not_believed, teardown),
		cmocka_unit_test_teardown(test_bad_schedule_refused, teardown),
		cmocka_unit_test_teardown(test_sidecar_not_written, teardown),
		cmocka_unit_test_teardown(test_nothing_new_no_checkpoint, teardown),
		cmocka_unit_test_teardown(test_interval_schedule, teardown),
		cmocka_unit_test_teardown(test_delta_without_delta_period, teardown),
		cmocka_unit_test_teardown(test_hsm_away, teardown),
	};
	int rc;

	if (core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	return rc;
}
