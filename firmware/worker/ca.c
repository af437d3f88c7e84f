/* The worker's start-up on the custodian's channel: the CA certificate and its
 * chain (CUST_GET_CA), before the sandbox. In libworker rather than main.c so
 * that the unit tests can start a worker against a real custodian in process
 * (tests/unit/test_worker_calls.c); main.c turns the returns into its exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/custodian/msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/worker/worker.h"
#include "platform/errbuf.h"
#include "platform/log.h"

/* The CN of an RFC 4514 string ("CN=Issuing CA 1,O=Example"), unescaped. */
static void common_name(const char *dn, char *out, size_t outlen)
{
	const char *p = dn;
	size_t n = 0;

	out[0] = 0;
	while (*p != 0) {
		if (strncmp(p, "CN=", 3) == 0) {
			for (p += 3; *p != 0 && *p != ',' && n + 1 < outlen; p++) {
				if (*p == '\\' && p[1] != 0)
					p++;
				out[n++] = *p;
			}
			out[n] = 0;
			return;
		}
		while (*p != 0 && *p != ',') /* the next RDN */
			p += (*p == '\\' && p[1] != 0) ? 2 : 1;
		if (*p == ',')
			p++;
	}
}

/* w->ca_name from the CA certificate's subject. 0, or -1 with err. */
static int name_from_cert(struct worker *w, const uint8_t *der, size_t der_len, char *err,
			  size_t errlen)
{
	struct x509_cert_info ci;
	char why[256], dn[1024];

	if (x509_cert_decode(der, der_len, &ci, why, sizeof(why)) != 0)
		return err_set(err, errlen, "the CA certificate does not decode: %s", why);
	if (x509_name_format(ci.subject.data, ci.subject.len, dn, sizeof(dn)) != 0) {
		x509_cert_info_free(&ci);
		return err_set(err, errlen, "the CA certificate's subject cannot be formatted");
	}
	x509_cert_info_free(&ci);
	common_name(dn, w->ca_name, sizeof(w->ca_name));
	if (w->ca_name[0] == 0)
		return err_set(err, errlen, "the CA certificate's subject has no common name: '%s'",
			       dn);
	return 0;
}

/* w->chain: the chain file's certificates (the CA's, then its parents), or the
 * CA certificate alone when the chain is empty or does not decode. 0 or -1. */
static int chain_from_info(struct worker *w, const struct cust_ca_info *info, char *err,
			   size_t errlen)
{
	struct x509_buf *certs = NULL;
	size_t n = 0;

	if (info->chain_len > 0 &&
	    x509_pem_decode_all("CERTIFICATE", info->chain, info->chain_len, &certs, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (w->n_chain < WORKER_MAX_CHAIN)
				w->chain[w->n_chain++] = certs[i];
			else
				x509_buf_free(&certs[i]); /* beyond what an answer carries */
		}
		free(certs);
	}
	if (w->n_chain > 0)
		return 0;
	if ((w->chain[0].data = malloc(info->cert_len)) == NULL)
		return err_set(err, errlen, "out of memory");
	memcpy(w->chain[0].data, info->cert, info->cert_len);
	w->chain[0].len = info->cert_len;
	w->n_chain = 1;
	return 0;
}

int worker_load_ca(struct worker *w, char *err, size_t errlen)
{
	struct cust_ca_info info;
	struct ipc_wbuf req;
	struct ipc_msg m;
	char why[256];
	int rc;

	/* The channel's once-only start-up (the custodian admits nothing before it
	 * and no second one). */
	ipc_wbuf_init(&req);
	if (ipc_call(&w->custodian, CUST_GET_CA, &req, &m, why, sizeof(why)) != 0) {
		err_set(err, errlen, "custodian: %s", why);
		return WORKER_CA_GONE; /* a custodian that refused to start, say */
	}
	if (m.hdr.type != CUST_CA_INFO || cust_ca_info_decode(m.data, m.hdr.len, &info) != 0) {
		ipc_msg_free(&m);
		return err_set(err, errlen, "protocol violation: bad CA_INFO from the custodian");
	}
	rc = name_from_cert(w, info.cert, info.cert_len, err, errlen);
	if (rc == 0)
		rc = chain_from_info(w, &info, err, errlen);
	/* The interface flags are CA properties the custodian keeps (caadm setprop):
	 * the ones in force at this start. A change ends this worker. */
	w->enforce_encryption = (info.flags & CUST_IF_ENFORCE_ENCRYPTION) != 0;
	w->allow_anonymous = (info.flags & CUST_IF_ALLOW_ANONYMOUS) != 0;
	w->no_rpc = (info.flags & CUST_IF_NO_RPC) != 0;
	ipc_msg_free(&m);
	if (rc == 0)
		log_info("serving CA '%s' (chain of %zu); packet privacy %s, anonymous calls "
			 "%s, MS-ICPR %s", w->ca_name, w->n_chain,
			 w->enforce_encryption ? "required" : "NOT required",
			 w->allow_anonymous ? "ALLOWED" : "refused", w->no_rpc ? "OFF" : "on");
	return rc;
}

void worker_free_ca(struct worker *w)
{
	for (size_t i = 0; i < w->n_chain; i++)
		x509_buf_free(&w->chain[i]);
	w->n_chain = 0;
	w->ca_name[0] = 0;
}
