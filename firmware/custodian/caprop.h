/* CUST_CAPROP (proto.h): the CA's properties as ICertRequestD2::GetCAProperty
 * answers them (MS-WCCE 3.2.1.4.3.2), from the custodian's own state only: the
 * CA certificate and chain file, the exchange certificate (xchg.crt, read at
 * start-up), the CRLs the ledger holds (respond.c's reader), the template store,
 * the properties' URLs and ca.conf. The ids and types are firmware/icpr/caprop.h's;
 * the worker checks the client's PropType and writes the wire form. */
#ifndef CUSTODIAN_CAPROP_H
#define CUSTODIAN_CAPROP_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/custodian/submit.h"
#include "firmware/x509/x509.h"
#include "platform/service.h"

/* The highest property id answered (CR_PROP_CAPROPIDMAX's value). */
#define CAPROP_ID_MAX 45

/* What the custodian serves beside submit_ctx: the exchange certificate (DER;
 * len 0 when the CA has none), read at start-up (serve.c). */
struct caprop_src {
	struct submit_ctx *c;
	struct x509_buf xchg;
};

/* A property's value: type CAPROP_TYPE_LONG (long_value), _BINARY (value, DER)
 * or _STRING (value, UTF-8 without NUL); indexed_count as CUST_CAPROP_IS says. */
struct caprop_value {
	uint32_t type;
	uint32_t long_value;
	struct x509_buf value; /* malloc()ed; caprop_value_free */
	uint32_t indexed_count;
};
void caprop_value_free(struct caprop_value *v);

/* The value of property id at index (ignored for a property that is not
 * indexed). 0 with *v, or an HRESULT with msg: E_INVALIDARG (id unknown, index
 * out of range), CERTSRV_E_PROPERTY_EMPTY (no value now), CUST_HR_TOO_LARGE (a
 * value beyond CUST_CAPROP_VALUE_MAX), E_UNEXPECTED (the ledger could not be
 * read, a value could not be built), E_OUTOFMEMORY. */
uint32_t caprop_get(const struct caprop_src *src, uint32_t id, uint32_t index,
		    struct caprop_value *v, char *msg, size_t msglen);

/* MS-WCCE 3.1.1.4.1.1: name (n code points) sanitized: every UTF-16 unit below
 * 0x20, above 0x7e or one of !"#%&'()*+,/:;<=>?[\]^`{|} is written "!xxxx"
 * (four lower-case hex digits). caprop_sanitize: the whole name
 * (SANITIZEDCANAME); caprop_sanitize_short: cut to 51 characters (an escape the
 * cut would split removed whole), then "-" and the five-digit hash of what was
 * cut (3.1.1.4.1.1.1) when the sanitized name is 52 characters or more
 * (SANITIZEDCASHORTNAME). NUL-terminated ASCII into out: 0, or -1 when outlen
 * is too small. */
int caprop_sanitize(const uint32_t *name, size_t n, char *out, size_t outlen);
int caprop_sanitize_short(const uint32_t *name, size_t n, char *out, size_t outlen);

/* CUST_CAPROP: who checked as for CUST_RESPONSE (requester_of, then the
 * interface flags: anonymous only when they allow it), then caprop_get. */
void handle_caprop(struct service *s, const struct caprop_src *src, const struct ipc_msg *m);

#endif
