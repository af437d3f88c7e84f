/* The rules of the ledger and the indexes derived from its events.
 *
 * ledger_ix_check says whether an event may be appended given what the indexes
 * hold (request ids exist, serials are unique, revocations apply to issued
 * certificates, CRL numbers grow ...); ledger_ix_apply writes what it changes.
 * The same two functions run at append time against the stored indexes and in
 * verify against indexes rebuilt in memory, so a rebuild is exactly what appends
 * would have produced. */
#include "firmware/ledger/ledger_int.h"
#include "platform/errbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ledger_ix_names[IX_N] = {
	"requests", "certs", "serials", "requester", "pending", "revoked",
	"crls", "extensions", "archive", "props", "templates", "meta",
};

int ledger_ix_dups(enum ix i)
{
	return i == IX_REQUESTER || i == IX_EXTENSIONS;
}

void ledger_be32(uint32_t v, uint8_t out[4])
{
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(v >> (24 - 8 * i));
}

void ledger_be64(uint64_t v, uint8_t out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* ---- Berkeley DB helpers ---- */

int ledger_read_cursor(DB_ENV *env, DB *db, DB_TXN **txn, DBC **c)
{
	int rc;

	if ((rc = env->txn_begin(env, NULL, txn, DB_READ_COMMITTED)) != 0)
		return rc;
	if ((rc = db->cursor(db, *txn, c, DB_READ_COMMITTED)) != 0)
		(*txn)->abort(*txn);
	return rc;
}

int ledger_db_get(DB *db, DB_TXN *txn, const void *k, size_t klen, uint8_t **v, size_t *vlen)
{
	DBT key, val;
	int rc;

	memset(&key, 0, sizeof(key));
	memset(&val, 0, sizeof(val));
	key.data = (void *)k;
	key.size = (u_int32_t)klen;
	val.flags = DB_DBT_MALLOC;
	rc = db->get(db, txn, &key, &val, 0);
	if (rc == 0) {
		*v = val.data;
		*vlen = val.size;
	}
	return rc;
}

int ledger_db_put(DB *db, DB_TXN *txn, const void *k, size_t klen, const void *v, size_t vlen)
{
	DBT key, val;

	memset(&key, 0, sizeof(key));
	memset(&val, 0, sizeof(val));
	key.data = (void *)k;
	key.size = (u_int32_t)klen;
	val.data = (void *)v;
	val.size = (u_int32_t)vlen;
	return db->put(db, txn, &key, &val, 0);
}

int ledger_db_del(DB *db, DB_TXN *txn, const void *k, size_t klen)
{
	DBT key;

	memset(&key, 0, sizeof(key));
	key.data = (void *)k;
	key.size = (u_int32_t)klen;
	return db->del(db, txn, &key, 0);
}

/* ---- head ---- */

void ledger_head_encode(const struct ledger_headrec *h, struct ipc_wbuf *w)
{
	ipc_put_u64(w, h->seq);
	ipc_put_bytes(w, h->hash, LEDGER_HASH_LEN);
	ipc_put_u32(w, h->next_request_id);
	ipc_put_u64(w, h->last_crl);
}

int ledger_head_decode(const uint8_t *p, size_t len, struct ledger_headrec *h)
{
	struct ipc_rbuf r;
	const uint8_t *hash;
	size_t hl;

	ipc_rbuf_init_mem(&r, p, len);
	h->seq = ipc_get_u64(&r);
	ipc_get_bytes(&r, &hash, &hl, LEDGER_HASH_LEN);
	h->next_request_id = ipc_get_u32(&r);
	h->last_crl = ipc_get_u64(&r);
	if (ipc_rbuf_done(&r) != 0 || hl != LEDGER_HASH_LEN)
		return -1;
	memcpy(h->hash, hash, LEDGER_HASH_LEN);
	return 0;
}

int ledger_ix_put_head(struct ledger_ix *ix, DB_TXN *txn, const struct ledger_headrec *h,
		       int *db_rc)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	ledger_head_encode(h, &w);
	*db_rc = w.failed ? ENOMEM : ledger_db_put(ix->db[IX_META], txn, "head", 4, w.data, w.len);
	ipc_wbuf_free(&w);
	return *db_rc == 0 ? LEDGER_OK : LEDGER_EIO;
}

/* ---- reading rows ---- */

/* A refusal of a malformed row: the platform's formatter, the ledger's code. */
__attribute__((format(printf, 3, 4)))
static int einval(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, errlen, fmt, ap);
	va_end(ap);
	return LEDGER_EINVAL;
}

static int eio(int rc, int *db_rc, char *err, size_t errlen, const char *what)
{
	*db_rc = rc;
	snprintf(err, errlen, "ledger database: %s: %s", what, db_strerror(rc));
	return LEDGER_EIO;
}

/* LEDGER_OK with the row, LEDGER_ENOTFOUND, or LEDGER_EIO. */
static int get_request(struct ledger_ix *ix, DB_TXN *txn, uint32_t id,
		       struct ledger_request_row *row, int *db_rc, char *err, size_t errlen)
{
	uint8_t k[4], *v;
	size_t vl;
	int rc;

	ledger_be32(id, k);
	rc = ledger_db_get(ix->db[IX_REQUESTS], txn, k, 4, &v, &vl);
	if (rc == DB_NOTFOUND)
		return LEDGER_ENOTFOUND;
	if (rc != 0)
		return eio(rc, db_rc, err, errlen, "reading a request");
	rc = ledger_request_row_decode(v, vl, row);
	free(v);
	if (rc != 0) {
		*db_rc = 0;
		snprintf(err, errlen, "ledger database: request %u: stored row does not decode",
			 id);
		return LEDGER_EIO;
	}
	return LEDGER_OK;
}

static int put_request(struct ledger_ix *ix, DB_TXN *txn, const struct ledger_request_row *row,
		       int *db_rc, char *err, size_t errlen)
{
	struct ipc_wbuf w;
	uint8_t k[4];
	int rc;

	ledger_be32(row->request_id, k);
	ipc_wbuf_init(&w);
	ledger_request_row_encode(row, &w);
	rc = w.failed ? ENOMEM : ledger_db_put(ix->db[IX_REQUESTS], txn, k, 4, w.data, w.len);
	ipc_wbuf_free(&w);
	return rc == 0 ? LEDGER_OK : eio(rc, db_rc, err, errlen, "writing a request");
}

/* 1 if key is in index i, 0 if not, -1 on error. */
static int exists(struct ledger_ix *ix, enum ix i, DB_TXN *txn, const void *k, size_t kl,
		  int *db_rc)
{
	DBT key, val;
	int rc;

	memset(&key, 0, sizeof(key));
	memset(&val, 0, sizeof(val));
	key.data = (void *)k;
	key.size = (u_int32_t)kl;
	val.flags = DB_DBT_USERMEM | DB_DBT_PARTIAL; /* presence only */
	rc = ix->db[i]->get(ix->db[i], txn, &key, &val, 0);
	if (rc == 0)
		return 1;
	if (rc == DB_NOTFOUND)
		return 0;
	*db_rc = rc;
	return -1;
}

static int get_revoked(struct ledger_ix *ix, DB_TXN *txn, const struct ledger_bytes *serial,
		       struct ledger_revoked_row *row, int *db_rc)
{
	uint8_t *v;
	size_t vl;
	int rc = ledger_db_get(ix->db[IX_REVOKED], txn, serial->p, serial->len, &v, &vl);

	if (rc == DB_NOTFOUND)
		return LEDGER_ENOTFOUND;
	if (rc != 0) {
		*db_rc = rc;
		return LEDGER_EIO;
	}
	rc = ledger_revoked_row_decode(v, vl, row);
	free(v);
	return rc == 0 ? LEDGER_OK : LEDGER_EIO;
}

/* ---- the rules ---- */

static int terminal(uint32_t disposition)
{
	return disposition == DISP_ISSUED || disposition == DISP_REVOKED ||
	       disposition == DISP_DENIED || disposition == DISP_FAILED;
}

/* The request an event names, which must exist; LEDGER_EINVAL if it does not. */
static int need_request(struct ledger_ix *ix, DB_TXN *txn, uint32_t id,
			struct ledger_request_row *row, int *db_rc, char *err, size_t errlen)
{
	int rc = get_request(ix, txn, id, row, db_rc, err, errlen);

	if (rc == LEDGER_ENOTFOUND)
		return einval(err, errlen, "no request %u", id);
	return rc;
}

static int check_disposition(struct ledger_ix *ix, DB_TXN *txn, const struct ev_disposition *d,
			     int *db_rc, char *err, size_t errlen)
{
	struct ledger_request_row row;
	int rc = need_request(ix, txn, d->request_id, &row, db_rc, err, errlen);

	if (rc != LEDGER_OK)
		return rc;
	if (terminal(row.disposition))
		return einval(err, errlen, "request %u is already %s", d->request_id,
			      ledger_disposition_name(row.disposition));
	if (d->disposition == DISP_REVOKED)
		return einval(err, errlen, "request %u: revocation is a cert-revoked event",
			      d->request_id);
	if (d->disposition == DISP_ISSUED && row.serial_len == 0)
		return einval(err, errlen, "request %u: issued without a certificate",
			      d->request_id);
	if (d->disposition != DISP_ISSUED && row.serial_len != 0)
		return einval(err, errlen, "request %u has its certificate: it can only be "
			      "marked issued", d->request_id);
	return LEDGER_OK;
}

static int check_intent(struct ledger_ix *ix, DB_TXN *txn, const struct ev_intent *in,
			int *db_rc, char *err, size_t errlen)
{
	struct ledger_request_row row;
	int rc = need_request(ix, txn, in->request_id, &row, db_rc, err, errlen);

	if (rc != LEDGER_OK)
		return rc;
	if (terminal(row.disposition))
		return einval(err, errlen, "request %u is already %s", in->request_id,
			      ledger_disposition_name(row.disposition));
	if (row.serial_len != 0)
		return einval(err, errlen, "request %u already has its certificate",
			      in->request_id);
	rc = exists(ix, IX_SERIALS, txn, in->serial.p, in->serial.len, db_rc);
	if (rc < 0)
		return eio(*db_rc, db_rc, err, errlen, "reading serials");
	if (rc == 1)
		return einval(err, errlen, "serial already used: a serial is never reused");
	return LEDGER_OK;
}

static int check_issued(struct ledger_ix *ix, DB_TXN *txn, const struct ev_issued *is,
			int *db_rc, char *err, size_t errlen)
{
	struct ledger_request_row row;
	uint8_t *v;
	size_t vl;
	uint32_t owner;
	int rc = need_request(ix, txn, is->request_id, &row, db_rc, err, errlen);

	if (rc != LEDGER_OK)
		return rc;
	if (terminal(row.disposition) || row.serial_len != 0)
		return einval(err, errlen, "request %u already has its outcome", is->request_id);
	rc = ledger_db_get(ix->db[IX_SERIALS], txn, is->serial.p, is->serial.len, &v, &vl);
	if (rc == DB_NOTFOUND)
		return einval(err, errlen, "certificate for request %u without a recorded intent "
			      "(persist, then sign)", is->request_id);
	if (rc != 0)
		return eio(rc, db_rc, err, errlen, "reading serials");
	owner = vl == 4 ? (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3]
			: 0;
	free(v);
	if (owner != is->request_id)
		return einval(err, errlen, "serial was reserved for request %u, not %u", owner,
			      is->request_id);
	rc = exists(ix, IX_CERTS, txn, is->serial.p, is->serial.len, db_rc);
	if (rc < 0)
		return eio(*db_rc, db_rc, err, errlen, "reading certificates");
	if (rc == 1)
		return einval(err, errlen, "a certificate with this serial is already recorded");
	if (is->not_after <= is->not_before)
		return einval(err, errlen, "certificate validity ends before it starts");
	return LEDGER_OK;
}

static int check_revocation(struct ledger_ix *ix, DB_TXN *txn, uint32_t type,
			    const struct ev_revocation *rv, int *db_rc, char *err, size_t errlen)
{
	struct ledger_revoked_row old;
	int rc = exists(ix, IX_CERTS, txn, rv->serial.p, rv->serial.len, db_rc);

	if (rc < 0)
		return eio(*db_rc, db_rc, err, errlen, "reading certificates");
	if (rc == 0)
		return einval(err, errlen, "no certificate with this serial");
	rc = get_revoked(ix, txn, &rv->serial, &old, db_rc);
	if (rc == LEDGER_EIO)
		return eio(*db_rc, db_rc, err, errlen, "reading revocations");
	/* A released hold stays in the set (for delta CRLs' removeFromCRL) but is no
	 * longer revoked. */
	if (rc == LEDGER_OK && old.reason == LEDGER_REASON_RELEASED)
		rc = LEDGER_ENOTFOUND;
	if (type == EV_CERT_UNREVOKED) {
		if (rc == LEDGER_ENOTFOUND || old.reason != 6)
			return einval(err, errlen, "only a certificate on hold (certificateHold) "
				      "can be unrevoked");
		return LEDGER_OK;
	}
	if (rv->reason == LEDGER_REASON_RELEASED)
		return einval(err, errlen, "removeFromCRL is not a revocation reason");
	/* RFC 5280 5.3.1: a hold may become a final revocation; nothing else changes. */
	if (rc == LEDGER_OK && (old.reason != 6 || rv->reason == 6))
		return einval(err, errlen, "certificate already revoked (reason %u)", old.reason);
	return LEDGER_OK;
}

static int check_crl(struct ledger_ix *ix, DB_TXN *txn, const struct ledger_headrec *h,
		     const struct ev_crl *c, int *db_rc, char *err, size_t errlen)
{
	uint8_t k[8], *v;
	size_t vl;
	struct ledger_crl_row base;
	int rc;

	if (c->number <= h->last_crl)
		return einval(err, errlen, "CRL number %llu not above the last one (%llu)",
			      (unsigned long long)c->number, (unsigned long long)h->last_crl);
	if (c->next_update <= c->this_update)
		return einval(err, errlen, "CRL nextUpdate not after thisUpdate");
	if (!c->is_delta)
		return c->base_number == 0 ? LEDGER_OK
					   : einval(err, errlen, "a base CRL names no base");
	ledger_be64(c->base_number, k);
	rc = ledger_db_get(ix->db[IX_CRLS], txn, k, 8, &v, &vl);
	if (rc == DB_NOTFOUND)
		return einval(err, errlen, "delta CRL names no published base CRL");
	if (rc != 0)
		return eio(rc, db_rc, err, errlen, "reading CRLs");
	rc = ledger_crl_row_decode(v, vl, &base);
	free(v);
	if (rc != 0 || base.is_delta)
		return einval(err, errlen, "delta CRL's base is not a base CRL");
	return LEDGER_OK;
}

/* ---- templates ---- */

/* The key of a template's name: ASCII lower case, so that "WebServer" and
 * "webserver" are one template (AD compares template names so). */
static size_t template_key(const char *name, uint8_t k[LEDGER_TEMPLATE_NAME_MAX])
{
	size_t n = strnlen(name, LEDGER_TEMPLATE_NAME_MAX);

	for (size_t i = 0; i < n; i++)
		k[i] = (uint8_t)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	return n;
}

#define TEMPLATE_ROW_LEN 20 /* u64 seq | u32 action | u32 major | u32 minor, BE */

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The latest event of a name: LEDGER_OK with its action and version,
 * LEDGER_ENOTFOUND, or LEDGER_EIO. */
static int get_template(struct ledger_ix *ix, DB_TXN *txn, const uint8_t *k, size_t kl,
			uint32_t *action, uint32_t *major, uint32_t *minor, int *db_rc, char *err,
			size_t errlen)
{
	uint8_t *v;
	size_t vl;
	int rc = ledger_db_get(ix->db[IX_TEMPLATES], txn, k, kl, &v, &vl);

	if (rc == DB_NOTFOUND)
		return LEDGER_ENOTFOUND;
	if (rc != 0)
		return eio(rc, db_rc, err, errlen, "reading templates");
	if (vl != TEMPLATE_ROW_LEN) {
		free(v);
		*db_rc = 0;
		snprintf(err, errlen, "ledger database: a template's stored row does not decode");
		return LEDGER_EIO;
	}
	*action = be32_at(v + 8);
	*major = be32_at(v + 12);
	*minor = be32_at(v + 16);
	free(v);
	return LEDGER_OK;
}

/* How many names the index holds (at most LEDGER_TEMPLATES_MAX: the walk stops
 * there), or -1. */
static int count_templates(struct ledger_ix *ix, DB_TXN *txn, int *db_rc)
{
	DB *db = ix->db[IX_TEMPLATES];
	DBC *c;
	DBT k, v;
	uint8_t kbuf[LEDGER_TEMPLATE_NAME_MAX];
	int rc, n = 0;

	if ((rc = db->cursor(db, txn, &c, 0)) != 0) {
		*db_rc = rc;
		return -1;
	}
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = kbuf;
	k.ulen = sizeof(kbuf);
	k.flags = DB_DBT_USERMEM;
	v.flags = DB_DBT_USERMEM | DB_DBT_PARTIAL; /* presence only */
	while (n < LEDGER_TEMPLATES_MAX && (rc = c->get(c, &k, &v, DB_NEXT)) == 0)
		n++;
	c->close(c);
	if (n < LEDGER_TEMPLATES_MAX && rc != DB_NOTFOUND) {
		*db_rc = rc;
		return -1;
	}
	return n;
}

/* event.h's rules of a template's change: an addition of a name with no live
 * template (never one, or its latest removed; at most LEDGER_TEMPLATES_MAX
 * names ever), a change of a live one to a strictly greater (major, minor), a
 * removal of a live one at its latest version. */
static int check_template(struct ledger_ix *ix, DB_TXN *txn, const struct ev_template *t,
			  int *db_rc, char *err, size_t errlen)
{
	uint8_t k[LEDGER_TEMPLATE_NAME_MAX];
	size_t kl = template_key(t->name, k);
	uint32_t action = 0, major = 0, minor = 0;
	int rc = get_template(ix, txn, k, kl, &action, &major, &minor, db_rc, err, errlen);
	int live = rc == LEDGER_OK && action != LEDGER_TEMPLATE_REMOVED;

	if (rc == LEDGER_EIO)
		return rc;
	if (t->action == LEDGER_TEMPLATE_ADDED) {
		if (live)
			return einval(err, errlen, "template %s: a template of that name exists "
				      "(names ignore ASCII case)", t->name);
		if (rc == LEDGER_ENOTFOUND) {
			int n = count_templates(ix, txn, db_rc);

			if (n < 0)
				return eio(*db_rc, db_rc, err, errlen, "counting templates");
			if (n >= LEDGER_TEMPLATES_MAX)
				return einval(err, errlen, "template %s: the ledger holds %d template "
					      "names, its most", t->name, LEDGER_TEMPLATES_MAX);
		}
		return LEDGER_OK;
	}
	if (!live)
		return einval(err, errlen, "template %s: no such template", t->name);
	if (t->action == LEDGER_TEMPLATE_CHANGED &&
	    (t->major < major || (t->major == major && t->minor <= minor)))
		return einval(err, errlen, "template %s: version %u.%u is not above %u.%u",
			      t->name, t->major, t->minor, major, minor);
	if (t->action == LEDGER_TEMPLATE_REMOVED && (t->major != major || t->minor != minor))
		return einval(err, errlen, "template %s: a removal names version %u.%u, not "
			      "the latest %u.%u", t->name, t->major, t->minor, major, minor);
	return LEDGER_OK;
}

static int apply_template(struct ledger_ix *ix, DB_TXN *txn, const struct ledger_event *ev,
			  int *db_rc, char *err, size_t errlen)
{
	const struct ev_template *t = &ev->u.tmpl;
	uint8_t k[LEDGER_TEMPLATE_NAME_MAX], v[TEMPLATE_ROW_LEN];
	size_t kl = template_key(t->name, k);
	int rc;

	ledger_be64(ev->seq, v);
	ledger_be32(t->action, v + 8);
	ledger_be32(t->major, v + 12);
	ledger_be32(t->minor, v + 16);
	rc = ledger_db_put(ix->db[IX_TEMPLATES], txn, k, kl, v, sizeof(v));
	return rc == 0 ? LEDGER_OK : eio(rc, db_rc, err, errlen, "templates");
}

int ledger_ix_check(struct ledger_ix *ix, DB_TXN *txn, const struct ledger_headrec *h,
		    const struct ledger_event *ev, int *db_rc, char *err, size_t errlen)
{
	struct ledger_request_row row;
	int rc;

	*db_rc = 0;
	if (ev->seq != h->seq + 1)
		return einval(err, errlen, "event seq %llu out of step (head %llu)",
			      (unsigned long long)ev->seq, (unsigned long long)h->seq);
	if ((ev->type == EV_GENESIS) != (h->seq == 0))
		return einval(err, errlen, h->seq == 0 ? "the first event must be the genesis"
						       : "there is only one genesis");
	switch (ev->type) {
	case EV_GENESIS:
	case EV_PROPERTY_CHANGED:
	case EV_OPERATOR_ACTION:
		return LEDGER_OK;
	case EV_CHECKPOINT:
		/* The CA's own, of a record already in the journal (verify.c checks
		 * that head is that record's hash). */
		if (ev->actor_kind != ACTOR_CA)
			return einval(err, errlen, "checkpoint: the actor must be the CA");
		if (ev->u.checkpoint.seq >= ev->seq)
			return einval(err, errlen, "checkpoint: seq %llu is not an earlier record",
				      (unsigned long long)ev->u.checkpoint.seq);
		return LEDGER_OK;
	case EV_LOGON_REFUSED:
		/* Never under a name: the claimed one is a claim (event.h). */
		if (ev->actor_kind != ACTOR_REQUESTER || strcmp(ev->actor, LOGON_ACTOR) != 0)
			return einval(err, errlen, "logon-refused: the actor must be requester "
				      "\"%s\"", LOGON_ACTOR);
		return LEDGER_OK;
	case EV_REQUEST_RECEIVED:
		if (ev->u.request.request_id != h->next_request_id || h->next_request_id == 0)
			return einval(err, errlen, "request ids are exhausted or out of step");
		return LEDGER_OK;
	case EV_DISPOSITION:
		return check_disposition(ix, txn, &ev->u.disposition, db_rc, err, errlen);
	case EV_EXTENSION_SET:
		rc = need_request(ix, txn, ev->u.extension.request_id, &row, db_rc, err, errlen);
		if (rc == LEDGER_OK && (row.disposition != DISP_PENDING || row.serial_len != 0))
			return einval(err, errlen, "request %u is not pending",
				      ev->u.extension.request_id);
		return rc;
	case EV_CERT_INTENT:
		return check_intent(ix, txn, &ev->u.intent, db_rc, err, errlen);
	case EV_CERT_ISSUED:
		return check_issued(ix, txn, &ev->u.issued, db_rc, err, errlen);
	case EV_CERT_REVOKED:
	case EV_CERT_UNREVOKED:
		return check_revocation(ix, txn, ev->type, &ev->u.revocation, db_rc, err, errlen);
	case EV_CRL_PUBLISHED:
		return check_crl(ix, txn, h, &ev->u.crl, db_rc, err, errlen);
	case EV_KEY_ARCHIVED:
		return need_request(ix, txn, ev->u.archive.request_id, &row, db_rc, err, errlen);
	case EV_REQUEST_LINK:
		/* The custodian's finding about a request it checked: the CA's alone,
		 * never a requester's claim about itself. */
		if (ev->actor_kind != ACTOR_CA)
			return einval(err, errlen, "request-link: the actor must be the CA");
		return need_request(ix, txn, ev->u.link.request_id, &row, db_rc, err, errlen);
	case EV_TEMPLATE_CHANGED:
		/* An operator's (the console's verbs) or the CA's (the defaults):
		 * never a requester's, whatever a custodian relays (ESC4). */
		if (ev->actor_kind == ACTOR_REQUESTER)
			return einval(err, errlen, "template %s: the actor must be an operator "
				      "or the CA", ev->u.tmpl.name);
		return check_template(ix, txn, &ev->u.tmpl, db_rc, err, errlen);
	default:
		return einval(err, errlen, "unknown event type %u", ev->type);
	}
}

/* ---- applying ---- */

static int put_seq(struct ledger_ix *ix, enum ix i, DB_TXN *txn, const void *k, size_t kl,
		   uint64_t seq, int *db_rc, char *err, size_t errlen)
{
	uint8_t v[8];
	int rc;

	ledger_be64(seq, v);
	rc = ledger_db_put(ix->db[i], txn, k, kl, v, 8);
	return rc == 0 ? LEDGER_OK : eio(rc, db_rc, err, errlen, ledger_ix_names[i]);
}

static int apply_request(struct ledger_ix *ix, DB_TXN *txn, const struct ledger_event *ev,
			 int *db_rc, char *err, size_t errlen)
{
	const struct ev_request *rq = &ev->u.request;
	struct ledger_request_row row;
	uint8_t k[4];
	int rc;

	memset(&row, 0, sizeof(row));
	row.request_id = rq->request_id;
	row.format = rq->format;
	row.submitted = ev->time;
	row.seq_received = row.seq_last = ev->seq;
	snprintf(row.requester, sizeof(row.requester), "%s", rq->requester);
	if ((rc = put_request(ix, txn, &row, db_rc, err, errlen)) != LEDGER_OK)
		return rc;
	ledger_be32(rq->request_id, k);
	rc = ledger_db_put(ix->db[IX_REQUESTER], txn, rq->requester, strlen(rq->requester), k, 4);
	return rc == 0 ? LEDGER_OK : eio(rc, db_rc, err, errlen, "requester index");
}

static int apply_disposition(struct ledger_ix *ix, DB_TXN *txn, const struct ledger_event *ev,
			     int *db_rc, char *err, size_t errlen)
{
	const struct ev_disposition *d = &ev->u.disposition;
	struct ledger_request_row row;
	uint8_t k[4];
	int rc;

	if ((rc = get_request(ix, txn, d->request_id, &row, db_rc, err, errlen)) != LEDGER_OK)
		return rc == LEDGER_ENOTFOUND ? LEDGER_EIO : rc;
	row.disposition = d->disposition;
	row.hresult = d->hresult;
	row.seq_last = ev->seq;
	snprintf(row.message, sizeof(row.message), "%s", d->message);
	if (terminal(d->disposition))
		row.resolved = ev->time;
	if ((rc = put_request(ix, txn, &row, db_rc, err, errlen)) != LEDGER_OK)
		return rc;
	ledger_be32(d->request_id, k);
	if (d->disposition == DISP_PENDING)
		rc = ledger_db_put(ix->db[IX_PENDING], txn, k, 4, "", 0);
	else
		rc = ledger_db_del(ix->db[IX_PENDING], txn, k, 4);
	return rc == 0 || rc == DB_NOTFOUND ? LEDGER_OK
					    : eio(rc, db_rc, err, errlen, "pending set");
}

/* The request row's seq_last moves with every event about the request. */
static int touch_request(struct ledger_ix *ix, DB_TXN *txn, uint32_t id, uint64_t seq,
			 int *db_rc, char *err, size_t errlen)
{
	struct ledger_request_row row;
	int rc = get_request(ix, txn, id, &row, db_rc, err, errlen);

	if (rc != LEDGER_OK)
		return rc == LEDGER_ENOTFOUND ? LEDGER_EIO : rc;
	row.seq_last = seq;
	return put_request(ix, txn, &row, db_rc, err, errlen);
}

static int apply_intent(struct ledger_ix *ix, DB_TXN *txn, const struct ledger_event *ev,
			int *db_rc, char *err, size_t errlen)
{
	const struct ev_intent *in = &ev->u.intent;
	uint8_t v[4];
	int rc;

	ledger_be32(in->request_id, v);
	rc = ledger_db_put(ix->db[IX_SERIALS], txn, in->serial.p, in->serial.len, v, 4);
	if (rc != 0)
		return eio(rc, db_rc, err, errlen, "serials");
	return touch_request(ix, txn, in->request_id, ev->seq, db_rc, err, errlen);
}

static int apply_issued(struct ledger_ix *ix, DB_TXN *txn, const struct ledger_event *ev,
			int *db_rc, char *err, size_t errlen)
{
	const struct ev_issued *is = &ev->u.issued;
	struct ledger_cert_row c = {.request_id = is->request_id, .seq_issued = ev->seq};
	struct ledger_request_row row;
	struct ipc_wbuf w;
	int rc;

	ipc_wbuf_init(&w);
	ledger_cert_row_encode(&c, &w);
	rc = w.failed ? ENOMEM
		      : ledger_db_put(ix->db[IX_CERTS], txn, is->serial.p, is->serial.len, w.data,
				      w.len);
	ipc_wbuf_free(&w);
	if (rc != 0)
		return eio(rc, db_rc, err, errlen, "certificates");
	if ((rc = get_request(ix, txn, is->request_id, &row, db_rc, err, errlen)) != LEDGER_OK)
		return rc == LEDGER_ENOTFOUND ? LEDGER_EIO : rc;
	memcpy(row.serial, is->serial.p, is->serial.len);
	row.serial_len = is->serial.len;
	row.not_before = is->not_before;
	row.not_after = is->not_after;
	row.seq_cert = row.seq_last = ev->seq;
	return put_request(ix, txn, &row, db_rc, err, errlen);
}

static int apply_revocation(struct ledger_ix *ix, DB_TXN *txn, const struct ledger_event *ev,
			    int *db_rc, char *err, size_t errlen)
{
	const struct ev_revocation *rv = &ev->u.revocation;
	struct ledger_revoked_row r = {rv->reason, rv->revoked_at, rv->invalidity, ev->seq};
	struct ledger_cert_row c;
	struct ledger_request_row row;
	struct ipc_wbuf w;
	uint8_t *v;
	size_t vl;
	int rc;

	/* An unrevoked hold is kept as released, with the time it was released: the
	 * next delta CRL lists it with removeFromCRL. */
	if (ev->type == EV_CERT_UNREVOKED) {
		r.reason = LEDGER_REASON_RELEASED;
		r.revoked_at = ev->time;
		r.invalidity = 0;
	}
	ipc_wbuf_init(&w);
	ledger_revoked_row_encode(&r, &w);
	rc = w.failed ? ENOMEM
		      : ledger_db_put(ix->db[IX_REVOKED], txn, rv->serial.p, rv->serial.len,
				      w.data, w.len);
	ipc_wbuf_free(&w);
	if (rc != 0)
		return eio(rc, db_rc, err, errlen, "revoked set");
	rc = ledger_db_get(ix->db[IX_CERTS], txn, rv->serial.p, rv->serial.len, &v, &vl);
	if (rc != 0)
		return eio(rc, db_rc, err, errlen, "certificates");
	rc = ledger_cert_row_decode(v, vl, &c);
	free(v);
	if (rc != 0)
		return eio(EINVAL, db_rc, err, errlen, "certificate row");
	if ((rc = get_request(ix, txn, c.request_id, &row, db_rc, err, errlen)) != LEDGER_OK)
		return rc == LEDGER_ENOTFOUND ? LEDGER_EIO : rc;
	row.revoked = ev->type == EV_CERT_REVOKED;
	row.revoked_reason = row.revoked ? rv->reason : 0;
	row.revoked_at = row.revoked ? rv->revoked_at : 0;
	row.disposition = row.revoked ? DISP_REVOKED : DISP_ISSUED;
	row.seq_last = ev->seq;
	return put_request(ix, txn, &row, db_rc, err, errlen);
}

static int apply_crl(struct ledger_ix *ix, DB_TXN *txn, struct ledger_headrec *h,
		     const struct ledger_event *ev, int *db_rc, char *err, size_t errlen)
{
	const struct ev_crl *c = &ev->u.crl;
	struct ledger_crl_row r = {c->is_delta, c->base_number, c->this_update, c->next_update,
				   ev->seq};
	struct ipc_wbuf w;
	uint8_t k[8];
	int rc;

	ledger_be64(c->number, k);
	ipc_wbuf_init(&w);
	ledger_crl_row_encode(&r, &w);
	rc = w.failed ? ENOMEM : ledger_db_put(ix->db[IX_CRLS], txn, k, 8, w.data, w.len);
	ipc_wbuf_free(&w);
	if (rc != 0)
		return eio(rc, db_rc, err, errlen, "CRLs");
	h->last_crl = c->number;
	return LEDGER_OK;
}

int ledger_ix_apply(struct ledger_ix *ix, DB_TXN *txn, struct ledger_headrec *h,
		    const struct ledger_event *ev, int *db_rc, char *err, size_t errlen)
{
	uint8_t k[4];
	int rc;

	*db_rc = 0;
	switch (ev->type) {
	case EV_REQUEST_RECEIVED:
		rc = apply_request(ix, txn, ev, db_rc, err, errlen);
		h->next_request_id++; /* wraps to 0 after 0xffffffff: check refuses then */
		return rc;
	case EV_DISPOSITION:
		return apply_disposition(ix, txn, ev, db_rc, err, errlen);
	case EV_EXTENSION_SET:
		ledger_be32(ev->u.extension.request_id, k);
		rc = put_seq(ix, IX_EXTENSIONS, txn, k, 4, ev->seq, db_rc, err, errlen);
		return rc != LEDGER_OK ? rc
				       : touch_request(ix, txn, ev->u.extension.request_id, ev->seq,
						       db_rc, err, errlen);
	case EV_CERT_INTENT:
		return apply_intent(ix, txn, ev, db_rc, err, errlen);
	case EV_CERT_ISSUED:
		return apply_issued(ix, txn, ev, db_rc, err, errlen);
	case EV_CERT_REVOKED:
	case EV_CERT_UNREVOKED:
		return apply_revocation(ix, txn, ev, db_rc, err, errlen);
	case EV_CRL_PUBLISHED:
		return apply_crl(ix, txn, h, ev, db_rc, err, errlen);
	case EV_KEY_ARCHIVED:
		ledger_be32(ev->u.archive.request_id, k);
		return put_seq(ix, IX_ARCHIVE, txn, k, 4, ev->seq, db_rc, err, errlen);
	case EV_PROPERTY_CHANGED:
		return put_seq(ix, IX_PROPS, txn, ev->u.property.name,
			       strlen(ev->u.property.name), ev->seq, db_rc, err, errlen);
	case EV_TEMPLATE_CHANGED:
		return apply_template(ix, txn, ev, db_rc, err, errlen);
	default: /* genesis, operator actions: the journal alone */
		return LEDGER_OK;
	}
}
