/* libFuzzer target: the custodian's derivation of a request from the raw bytes a
 * worker forwards (firmware/custodian/derive.c: limits, format detection and
 * normalisation, key rule, signature, subject, requested extensions), with a
 * policy that allows two extensions so that the filter runs too. Invariants: a
 * refusal is a failure HRESULT with a message and leaves nothing allocated; an
 * accepted request is a PKCS#10 (bare, or carried by a CMS or CMC envelope, which
 * is then decoded with the PKCS#10's Microsoft attributes) with a subject and key
 * within the channel's limits and at most X509_MAX_EXTRA_EXT allowed extensions,
 * each of an allowed OID and only once. Seeds: PKCS#10s and the CMS/CMC requests
 * of fuzz_x509_cms's corpus. */
#include <stdint.h>
#include <string.h>

#include "firmware/custodian/derive.h"
#include "firmware/custodian/proto.h"
#include "firmware/ledger/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct policy p = {
		.allow = {"2.5.29.17", "1.2.3.4"},
		.n_allow = 2,
	};
	struct derived d;
	char msg[CUST_MESSAGE_MAX + 1];
	uint32_t hr = derive_request(&p, data, size, &d, msg, sizeof msg);

	if (hr != 0) {
		check((hr & 0x80000000u) != 0 && msg[0] != 0);
		check(d.rq.der.data == NULL && d.subject.data == NULL && d.spki.data == NULL &&
		      d.n_asked == 0 && d.cms == NULL && d.ms == NULL);
		return 0;
	}
	check(d.format == FMT_PKCS10 ? d.cms == NULL && d.ms == NULL
				     : (d.format == FMT_CMS || d.format == FMT_CMC) && d.cms != NULL &&
					       d.ms != NULL && d.cms->csr.len > 0);
	check(d.rq.format == ICPR_FMT_PKCS10 && d.subject.len > 0 && d.subject.len <= CUST_SUBJECT_MAX &&
	      d.spki.len > 0 && d.spki.len <= CUST_SPKI_MAX && d.n_asked <= X509_MAX_EXTRA_EXT);
	for (size_t i = 0; i < d.n_asked; i++) {
		check(strcmp(d.asked[i].oid, p.allow[0]) == 0 || strcmp(d.asked[i].oid, p.allow[1]) == 0);
		for (size_t k = 0; k < i; k++)
			check(strcmp(d.asked[i].oid, d.asked[k].oid) != 0);
	}
	derived_free(&d);
	return 0;
}
