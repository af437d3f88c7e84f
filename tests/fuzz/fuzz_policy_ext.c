/* libFuzzer target: a request's certificate-template extensions as the
 * custodian reads them (firmware/policy/build.c): byte 0's low bit picks the
 * reader, policy_read_template_ext_v2 (1.3.6.1.4.1.311.21.7: OID and versions)
 * or policy_read_template_ext_v1 (1.3.6.1.4.1.311.20.2: a BMPString name); the
 * rest is the extension's value as a requester wrote it.
 *
 * Invariants that abort (libFuzzer then reports a crash), besides ASan/UBSan:
 *  - a refusal has a message and leaves the request as it was;
 *  - v2: what is read is a valid dotted OID within the template bound; written
 *    again by policy_template_ext_der it is the input's bytes exactly when the
 *    minor version was there (DER has one encoding), and it reads back to the
 *    same values either way;
 *  - v1: the name is 1..TEMPLATE_NAME_MAX bytes of well-formed UTF-8;
 *  - policy_decide on what was read (the default templates, a user account)
 *    answers with an outcome, and its HRESULT is 0 exactly when it did not
 *    refuse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/policy/policy.h"
#include "firmware/x509/x509.h"
#include "platform/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_v2(const uint8_t *v, size_t len, const struct policy_request *r)
{
	struct template t;
	struct policy_request back;
	uint8_t *der = NULL;
	size_t dlen = 0;
	char err[256];

	if (memchr(r->ext_oid, 0, sizeof(r->ext_oid)) == NULL || !x509_oid_valid(r->ext_oid) ||
	    (!r->ext_has_minor && r->ext_minor != 0))
		abort();
	memset(&t, 0, sizeof(t));
	memcpy(t.oid, r->ext_oid, sizeof(t.oid));
	t.major_version = r->ext_major;
	t.minor_version = r->ext_minor;
	if (policy_template_ext_der(&t, &der, &dlen, err, sizeof(err)) != 0)
		abort();
	if (r->ext_has_minor && (dlen != len || memcmp(der, v, len) != 0))
		abort();
	memset(&back, 0, sizeof(back));
	if (policy_read_template_ext_v2(der, dlen, &back, err, sizeof(err)) != 0 ||
	    strcmp(back.ext_oid, r->ext_oid) != 0 || back.ext_major != r->ext_major ||
	    back.ext_minor != r->ext_minor || !back.ext_has_minor)
		abort();
	free(der);
}

static void check_decide(struct policy_request *r)
{
	static const struct policy_settings st = { POLICY_NO_TEMPLATE_REFUSE, "" };
	struct policy_account a;
	struct policy_decision d;
	const struct template *set;
	size_t n;
	uint32_t hr;

	memset(&a, 0, sizeof(a));
	strcpy(a.name, "CORP\\alice");
	strcpy(a.upn, "alice@corp.example");
	strcpy(a.email, "alice@corp.example");
	r->key_type = POLICY_KEY_RSA;
	r->key_bits = 2048;
	set = template_defaults(&n);
	hr = policy_decide(set, n, &st, &a, r, &d);
	if (hr != d.hresult || (hr == 0) != (d.outcome != POLICY_REFUSE) ||
	    memchr(d.message, 0, sizeof(d.message)) == NULL || d.message[0] == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_request r, sentinel;
	char err[256];
	int v1, rc;

	if (size < 1)
		return 0;
	v1 = data[0] & 1;
	memset(&r, 0x5a, sizeof(r));
	sentinel = r;
	err[0] = 0;
	rc = v1 ? policy_read_template_ext_v1(data + 1, size - 1, &r, err, sizeof(err))
		: policy_read_template_ext_v2(data + 1, size - 1, &r, err, sizeof(err));
	if (rc != 0) {
		if (err[0] == 0 || memcmp(&r, &sentinel, sizeof(r)) != 0)
			abort();
		return 0;
	}
	if (v1) {
		size_t n = strnlen(r.ext_name, sizeof(r.ext_name));

		if (r.has_ext_v1 != 1 || n == 0 || n > TEMPLATE_NAME_MAX ||
		    utf8_count((const uint8_t *)r.ext_name, n) < 0)
			abort();
	} else {
		if (r.has_ext_v2 != 1)
			abort();
		check_v2(data + 1, size - 1, &r);
	}
	/* the rest of the request as a custodian would fill it */
	memset(r.attr_template, 0, sizeof(r.attr_template));
	if (v1) {
		r.has_ext_v2 = 0;
		memset(r.ext_oid, 0, sizeof(r.ext_oid));
	} else {
		r.has_ext_v1 = 0;
		memset(r.ext_name, 0, sizeof(r.ext_name));
	}
	r.has_subject = 1;
	r.has_san = 0;
	check_decide(&r);
	return 0;
}
