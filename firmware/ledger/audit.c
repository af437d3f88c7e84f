/* ca-ledger's commands' decisions (audit.h), out of main.c so that unit tests
 * reach them: main.c parses the command line and prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/ledger/audit.h"
#include "platform/hex.h"

int ledger_anchor_parse(const char *s, struct ledger_anchor *a)
{
	char head[2 * LEDGER_HASH_LEN + 1];
	unsigned long long seq, crl;
	long long t;
	size_t n;
	int used = 0;

	/* %n after the last field, then s[used]: nothing may follow the CRL number;
	 * %64[...] stops at 64 digits, and hex_decode wants exactly 32 octets. */
	if (sscanf(s, "%llu,%64[0-9a-fA-F],%lld,%llu%n", &seq, head, &t, &crl, &used) != 4 ||
	    s[used] != 0 || seq == 0 || hex_decode(head, a->head, LEDGER_HASH_LEN, &n) != 0 ||
	    n != LEDGER_HASH_LEN)
		return -1;
	a->seq = seq;
	a->time = t;
	a->crl_number = crl;
	return 0;
}

int ledger_anchor_check(struct ledger *l, const struct ledger_anchor *a, const char *source,
			char *msg, size_t msglen)
{
	uint8_t head[LEDGER_HASH_LEN], at[LEDGER_HASH_LEN];
	uint64_t seq;
	uint8_t *rec = NULL;
	size_t len;
	int have = 0;

	ledger_head(l, &seq, head);
	if (seq >= a->seq && ledger_get_record(l, a->seq, &rec, &len) == LEDGER_OK) {
		ledger_record_hash(rec, len, at);
		have = 1;
	}
	free(rec);
	return ledger_anchor_compare(a, source, seq, have ? at : NULL, msg, msglen);
}

int ledger_newest_checkpoint(struct ledger *l, uint64_t *seq, char *err, size_t errlen)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	uint8_t hash[LEDGER_HASH_LEN];
	uint64_t head;
	int rc = 0;

	*seq = 0;
	if (strbuf == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ledger_head(l, &head, hash);
	for (uint64_t s = head; s >= 1 && rc == 0 && *seq == 0; s--) {
		struct ledger_event ev;
		uint8_t *rec;
		size_t len;

		if (ledger_get_record(l, s, &rec, &len) != LEDGER_OK) {
			snprintf(err, errlen, "record %llu cannot be read", (unsigned long long)s);
			rc = -1;
			break;
		}
		if (ledger_record_decode(rec, len, &ev, strbuf, LEDGER_STRBUF, err, errlen) != 0)
			rc = -1;
		else if (ev.type == EV_CHECKPOINT)
			*seq = s;
		free(rec);
	}
	free(strbuf);
	return rc;
}

int ledger_check_unanchored(struct ledger *l, char *err, size_t errlen)
{
	uint64_t seq;

	if (ledger_newest_checkpoint(l, &seq, err, errlen) != 0)
		return -1;
	if (seq == 0)
		return 0;
	snprintf(err, errlen, "the HSM holds no valid ledger anchor but the ledger was anchored "
		 "(a checkpoint at seq %llu): the anchors were removed or damaged; if that is "
		 "known, `caadm checkpoint --reanchor`", (unsigned long long)seq);
	return -1;
}

int ledger_head_line(struct ledger *l, char *line, size_t len)
{
	uint8_t head[LEDGER_HASH_LEN];
	char hex[2 * LEDGER_HASH_LEN + 1];
	struct ledger_crl_row row;
	uint64_t seq, number = 0;
	int n, rc;

	ledger_head(l, &seq, head);
	rc = ledger_crl_latest(l, 0, &number, &row);
	if (rc == LEDGER_ENOTFOUND)
		number = 0;
	else if (rc != LEDGER_OK)
		return -1;
	hex_encode(head, LEDGER_HASH_LEN, hex);
	n = snprintf(line, len, "%llu,%s,%llu\n", (unsigned long long)seq, hex,
		     (unsigned long long)number);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int ledger_journal_first_admin(struct ledger *l, const char *name, char *err, size_t errlen)
{
	struct ledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_OPERATOR_ACTION;
	ev.actor_kind = ACTOR_OPERATOR;
	ev.actor = name;
	ev.u.op.action = "operator-init";
	ev.u.op.target = name;
	ev.u.op.allowed = 1;
	ev.u.op.detail = "the first administrator (role admin), made at the key ceremony";
	return ledger_append(l, &ev, NULL, err, errlen);
}

void ledger_show(struct ledger *l, FILE *out)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	char err[256], line[1024];
	uint64_t head;

	if (strbuf == NULL) {
		fprintf(out, "out of memory\n");
		return;
	}
	ledger_head(l, &head, NULL);
	for (uint64_t seq = 1; seq <= head; seq++) {
		struct ledger_event ev;
		uint8_t *rec;
		size_t len;

		if (ledger_get_record(l, seq, &rec, &len) != LEDGER_OK) {
			fprintf(out, "%llu (missing)\n", (unsigned long long)seq);
			continue;
		}
		if (ledger_record_decode(rec, len, &ev, strbuf, LEDGER_STRBUF, err,
					 sizeof(err)) != 0) {
			fprintf(out, "%llu (does not decode: %s)\n", (unsigned long long)seq, err);
		} else {
			ledger_event_line(&ev, line, sizeof(line));
			fprintf(out, "%s\n", line);
		}
		free(rec);
	}
	free(strbuf);
}
