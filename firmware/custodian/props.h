/* The CA's properties (MS-CSRA GetCAProperty/SetCAProperty, certutil -getreg/-setreg
 * in spirit): CDP/AIA pointers, CRL period and overlap, publication paths. Their
 * first values come from ca.conf; an administrator's setprop is an
 * EV_PROPERTY_CHANGED event in the ledger, and the latest event wins (read back
 * at start). Thread-safe; readers take snapshots.
 *
 *   CDPURL, AIAURL, OCSPURL   URIs written into issued certificates ("" none)
 *   DeltaCRLURL               freshestCRL pointer in base CRLs ("" none)
 *   CRLPeriod, CRLOverlap,    durations: N followed by s, m, h or d ("7d", "12h");
 *   CRLDeltaPeriod            CRLDeltaPeriod 0 publishes no delta automatically
 *   CRLPublishBase,           file names under DATA/crl/ where CRLs are written
 *   CRLPublishDelta           (no '/' and no leading '.')
 * Read-only, answered by the admin service: CACert, CAChain, BaseCRL, DeltaCRL. */
#ifndef CUSTODIAN_PROPS_H
#define CUSTODIAN_PROPS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/custodian/ca.h"
#include "firmware/custodian/issue.h"
#include "firmware/custodian/record.h"

#define PROPS_DIR "crl"
#define PROPS_VALUE_MAX 512

struct crl_settings {
	char delta_url[512], idp_url[512];
	int64_t period, overlap, delta_period; /* seconds */
	char base_file[128], delta_file[128];
};

struct props {
	pthread_mutex_t mu;
	struct ca_urls urls;
	struct crl_settings crl;
};

/* ca.conf's values, then the ledger's latest for each name. 0 or -1 with err. */
int props_load(struct props *p, const struct ca *ca, struct record *rec, char *err,
	       size_t errlen);
/* 1 when name is a settable property. */
int props_known(const char *name);
/* Checks and applies value to name (the caller records the event first). 0 or -1
 * with err. */
int props_set(struct props *p, const char *name, const char *value, char *err, size_t errlen);
/* The current value of a settable property as text. 0 or -1 (unknown name). */
int props_get(struct props *p, const char *name, char *out, size_t outlen);
void props_urls(struct props *p, struct ca_urls *out);
void props_crl(struct props *p, struct crl_settings *out);

#endif
