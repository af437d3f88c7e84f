/* NTLM message decoder (ntlm_msg.h). */
#include "firmware/rpc/ntlm_msg.h"

#include <string.h>

#include "firmware/rpc/ntlm_seal.h"
#include "firmware/rpc/rpc_int.h"

static const uint8_t SIGNATURE[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

/* An 8-octet field descriptor at off: u16 len, u16 maxlen, u32 offset. */
static int field(const uint8_t *p, size_t len, size_t off, int utf16, struct ntlm_field *f,
		 const char *name, char *err, size_t errlen)
{
	size_t flen = rpc_le16(p + off), foff = rpc_le32(p + off + 4);

	f->p = NULL;
	f->len = 0;
	if (flen == 0)
		return 0;
	if (foff > len || flen > len - foff)
		return err_set(err, errlen, "NTLM %s field (offset %zu, length %zu) outside the "
			       "%zu-octet message", name, foff, flen, len);
	if (utf16 && flen % 2 != 0)
		return err_set(err, errlen, "NTLM %s field has an odd length %zu in UTF-16", name,
			       flen);
	f->p = p + foff;
	f->len = flen;
	return 0;
}

static int negotiate(const uint8_t *p, size_t len, struct ntlm_msg *m, char *err, size_t errlen)
{
	if (len < 16)
		return err_set(err, errlen, "NTLM NEGOTIATE of %zu octets is truncated", len);
	m->flags = rpc_le32(p + 12);
	/* The OEM domain and workstation are optional (the fields may be absent
	 * altogether in old clients' 16-octet messages). */
	if (len < 32)
		return 0;
	if (field(p, len, 16, 0, &m->domain, "domain", err, errlen) != 0 ||
	    field(p, len, 24, 0, &m->workstation, "workstation", err, errlen) != 0)
		return -1;
	return 0;
}

static int challenge(const uint8_t *p, size_t len, struct ntlm_msg *m, char *err, size_t errlen)
{
	int u;

	if (len < 32)
		return err_set(err, errlen, "NTLM CHALLENGE of %zu octets is truncated", len);
	m->flags = rpc_le32(p + 20);
	u = (m->flags & NTLMSSP_NEGOTIATE_UNICODE) != 0;
	memcpy(m->challenge, p + 24, 8);
	if (field(p, len, 12, u, &m->target_name, "target name", err, errlen) != 0)
		return -1;
	if (len >= 48 && field(p, len, 40, 0, &m->target_info, "target info", err, errlen) != 0)
		return -1;
	return 0;
}

static int authenticate(const uint8_t *p, size_t len, struct ntlm_msg *m, char *err,
			size_t errlen)
{
	int u;

	if (len < 64)
		return err_set(err, errlen, "NTLM AUTHENTICATE of %zu octets is truncated", len);
	m->flags = rpc_le32(p + 60);
	u = (m->flags & NTLMSSP_NEGOTIATE_UNICODE) != 0;
	if (field(p, len, 12, 0, &m->lm_response, "LM response", err, errlen) != 0 ||
	    field(p, len, 20, 0, &m->nt_response, "NT response", err, errlen) != 0 ||
	    field(p, len, 28, u, &m->domain, "domain", err, errlen) != 0 ||
	    field(p, len, 36, u, &m->user, "user", err, errlen) != 0 ||
	    field(p, len, 44, u, &m->workstation, "workstation", err, errlen) != 0 ||
	    field(p, len, 52, 0, &m->session_key, "session key", err, errlen) != 0)
		return -1;
	if (m->session_key.len != 0 && m->session_key.len != 16)
		return err_set(err, errlen, "NTLM encrypted session key of %zu octets (16 or none)",
			       m->session_key.len);
	return 0;
}

int ntlm_msg_decode(const uint8_t *p, size_t len, struct ntlm_msg *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (len > NTLM_MSG_MAX)
		return err_set(err, errlen, "NTLM message of %zu octets (at most %d)", len,
			       NTLM_MSG_MAX);
	if (len < 12 || memcmp(p, SIGNATURE, sizeof(SIGNATURE)) != 0)
		return err_set(err, errlen, "not an NTLMSSP message");
	m->type = rpc_le32(p + 8);
	switch (m->type) {
	case NTLM_NEGOTIATE:
		return negotiate(p, len, m, err, errlen);
	case NTLM_CHALLENGE:
		return challenge(p, len, m, err, errlen);
	case NTLM_AUTHENTICATE:
		return authenticate(p, len, m, err, errlen);
	default:
		return err_set(err, errlen, "NTLM message type %u", m->type);
	}
}

void ntlm_field_text(const struct ntlm_msg *m, const struct ntlm_field *f, char *out,
		     size_t outlen)
{
	int u = (m->flags & NTLMSSP_NEGOTIATE_UNICODE) != 0 && m->type != NTLM_NEGOTIATE;
	size_t step = u ? 2 : 1, n = 0;

	if (outlen == 0)
		return;
	for (size_t i = 0; i + step <= f->len && n + 1 < outlen; i += step) {
		unsigned c = u ? rpc_le16(f->p + i) : f->p[i];

		out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[n] = 0;
}

int ntlm_av_find(const struct ntlm_field *list, uint16_t id, struct ntlm_field *value)
{
	size_t off = 0;

	while (list->len - off >= 4) {
		uint16_t aid = rpc_le16(list->p + off);
		size_t alen = rpc_le16(list->p + off + 2);

		if (aid == NTLM_AV_EOL)
			return 0;
		if (alen > list->len - off - 4)
			return -1;
		if (aid == id) {
			value->p = list->p + off + 4;
			value->len = alen;
			return 1;
		}
		off += 4 + alen;
	}
	return -1;
}
