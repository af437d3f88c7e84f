/* Events as one line of text for the audit views (ca-ledger show, caadm audit). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "firmware/ledger/event.h"
#include "platform/hex.h"

/* A refused request's record (FMT_DIGEST): the size sent and its SHA-256. */
/* s for one audit line: a control byte, DEL, '"' and '\\' as \\xHH (UTF-8 kept),
 * cut with "..." when it does not fit out. */
static void escape_text(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	for (; s != NULL && *s != 0; s++) {
		unsigned char c = (unsigned char)*s;
		int esc = c < 0x20 || c == 0x7f || c == '"' || c == '\\';

		if (o + (esc ? 4 : 1) + 4 > outlen) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (esc)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = 0;
}

static void digest_line(const struct ledger_event *ev, char *out, size_t outlen)
{
	const uint8_t *p = ev->u.request.raw.p;
	char hex[2 * LEDGER_HASH_LEN + 1];
	uint32_t size = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			(uint32_t)p[3] << 24;

	hex_encode(p + 4, LEDGER_HASH_LEN, hex);
	snprintf(out, outlen, " request=%u requester=%s refused bytes=%u sha256=%s",
		 ev->u.request.request_id, ev->u.request.requester, size, hex);
}

/* The optional tail (event.h, LEDGER_TAIL): how many events the record stands
 * for, since when, and (a refusal) from where. Nothing for a record without one. */
static void tail_line(uint32_t count, int64_t since, const char *peer, char *out, size_t outlen)
{
	char when[32];
	time_t t = (time_t)since;
	struct tm tm;
	size_t n = strlen(out);

	if (count == 0 || n >= outlen)
		return;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(out + n, outlen - n, "%s%s count=%u since=%s", peer != NULL ? " peer=" : "",
		 peer != NULL ? peer : "", count, when);
}

void ledger_event_line(const struct ledger_event *ev, char *out, size_t outlen)
{
	char when[32], serial[2 * LEDGER_SERIAL_MAX + 1];
	time_t t = (time_t)ev->time;
	struct tm tm;
	int n;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(out, outlen, "%llu %s %s %s", (unsigned long long)ev->seq, when,
		     ledger_type_name(ev->type), ev->actor);
	if (n < 0 || (size_t)n >= outlen)
		return;
	out += n;
	outlen -= (size_t)n;
	switch (ev->type) {
	case EV_REQUEST_RECEIVED:
		if (ev->u.request.format == FMT_DIGEST && ev->u.request.raw.len == LEDGER_DIGEST_LEN)
			digest_line(ev, out, outlen);
		else
			snprintf(out, outlen, " request=%u requester=%s bytes=%zu",
				 ev->u.request.request_id, ev->u.request.requester,
				 ev->u.request.raw.len);
		tail_line(ev->u.request.count, ev->u.request.since, ev->u.request.peer, out,
			  outlen);
		break;
	case EV_DISPOSITION:
		{
			char msg[3 * 256 + 1];

			/* The message says why (and, for a template's decision, which
			 * template at which version: issue 15); it may quote what a
			 * requester sent, so it is escaped. */
			escape_text(ev->u.disposition.message, msg, sizeof(msg));
			snprintf(out, outlen, " request=%u %s hresult=0x%08x message=\"%s\"",
				 ev->u.disposition.request_id,
				 ledger_disposition_name(ev->u.disposition.disposition),
				 ev->u.disposition.hresult, msg);
		}
		break;
	case EV_EXTENSION_SET:
		snprintf(out, outlen, " request=%u oid=%s flags=%u", ev->u.extension.request_id,
			 ev->u.extension.oid, ev->u.extension.flags);
		break;
	case EV_CERT_INTENT:
	case EV_CERT_ISSUED:
		{
			const struct ledger_bytes *b = ev->type == EV_CERT_INTENT
							       ? &ev->u.intent.serial
							       : &ev->u.issued.serial;

			hex_encode(b->p, b->len, serial);
		}
		snprintf(out, outlen, " request=%u serial=%s",
			 ev->type == EV_CERT_INTENT ? ev->u.intent.request_id
						    : ev->u.issued.request_id,
			 serial);
		break;
	case EV_CERT_REVOKED:
	case EV_CERT_UNREVOKED:
		hex_encode(ev->u.revocation.serial.p, ev->u.revocation.serial.len, serial);
		snprintf(out, outlen, " serial=%s reason=%u", serial, ev->u.revocation.reason);
		break;
	case EV_CRL_PUBLISHED:
		snprintf(out, outlen, " number=%llu%s", (unsigned long long)ev->u.crl.number,
			 ev->u.crl.is_delta ? " delta" : "");
		break;
	case EV_PROPERTY_CHANGED:
		snprintf(out, outlen, " name=%s", ev->u.property.name);
		break;
	case EV_REQUEST_LINK:
		hex_encode(ev->u.link.serial.p, ev->u.link.serial.len, serial);
		snprintf(out, outlen, " request=%u %s serial=%s account=\"%s\"",
			 ev->u.link.request_id, ledger_link_kind_name(ev->u.link.kind), serial,
			 ev->u.link.account);
		break;
	case EV_OPERATOR_ACTION:
		snprintf(out, outlen, " action=%s target=\"%s\" %s detail=\"%s\"", ev->u.op.action,
			 ev->u.op.target, ev->u.op.allowed ? "allowed" : "REFUSED", ev->u.op.detail);
		break;
	case EV_CHECKPOINT:
		{
			char head[2 * LEDGER_HASH_LEN + 1];

			hex_encode(ev->u.checkpoint.head, LEDGER_HASH_LEN, head);
			snprintf(out, outlen, " covers=%llu head=%s crl=%llu signed=%zu",
				 (unsigned long long)ev->u.checkpoint.seq, head,
				 (unsigned long long)ev->u.checkpoint.crl_number,
				 ev->u.checkpoint.signed_der.len);
		}
		break;
	case EV_TEMPLATE_CHANGED:
		/* The text itself is long (up to 32 KiB): its length here, the text in
		 * the record (and the console's template listing). */
		snprintf(out, outlen, " action=%s name=%s version=%u.%u text=%zu",
			 ledger_template_action_name(ev->u.tmpl.action), ev->u.tmpl.name,
			 ev->u.tmpl.major, ev->u.tmpl.minor, ev->u.tmpl.text.len);
		break;
	case EV_LOGON_REFUSED:
		snprintf(out, outlen, " action=%s peer=%s claimed=\"%s\" detail=\"%s\"",
			 ledger_logon_action_name(ev->u.logon.action), ev->u.logon.peer,
			 ev->u.logon.claimed, ev->u.logon.detail);
		tail_line(ev->u.logon.count, ev->u.logon.since, NULL, out, outlen);
		break;
	default:
		break;
	}
}
