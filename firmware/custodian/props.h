/* The CA's properties (MS-CSRA GetCAProperty/SetCAProperty, certutil -getreg/-setreg
 * in spirit): CDP/AIA pointers, CRL period and overlap, publication paths, and the
 * standalone policy's settings. An administrator's setprop is an
 * EV_PROPERTY_CHANGED event in the ledger; the journal's latest value of each
 * wins. ca.conf's value of a property the journal has never held is imported
 * once at start (journaled as set by "ca.conf"); a later hand edit of that key
 * is not used (logged, and journaled by props_conf_audit). Thread-safe; readers
 * take snapshots.
 *
 *   CDPURL, AIAURL, OCSPURL   URIs written into issued certificates ("" none):
 *                             http://, https://, ldap://, ldaps:// or file://
 *   DeltaCRLURL               freshestCRL pointer in base CRLs ("" none)
 *   CRLPeriod, CRLOverlap,    durations: N followed by s, m, h or d ("7d", "12h");
 *   CRLDeltaPeriod            CRLPeriod at least 60s, CRLOverlap shorter than
 *                             CRLPeriod, CRLDeltaPeriod 0 (no delta published
 *                             automatically) or at least 60s
 *   CRLPublishBase,           file names under DATA/crl/ where CRLs are written
 *   CRLPublishDelta           (no '/' and no leading '.')
 *   policy, validity_days,    the policy's settings, named as their ca.conf keys
 *   csr_extensions,           (submit.c's table, submit.h): SAN and EKU in
 *   icpr_enforce_encryption,  csr_extensions only with policy = pend
 *   icpr_allow_anonymous,
 *   icpr_no_rpc
 * Read-only, answered by the admin service: CACert, CAChain, BaseCRL, DeltaCRL. */
#ifndef CUSTODIAN_PROPS_H
#define CUSTODIAN_PROPS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/custodian/ca.h"
#include "firmware/custodian/derive.h"
#include "firmware/custodian/issue.h"
#include "firmware/custodian/record.h"

#define PROPS_DIR "crl"
#define PROPS_VALUE_MAX 512
#define PROPS_MIN_PERIOD 60 /* seconds: CRLPeriod, and CRLDeltaPeriod unless 0 */
/* The property that keeps ca.conf as the custodian last read it: "sha256=HEX"
 * then its "key = value" lines (props_conf_audit). Not settable. */
#define PROPS_CONF_NAME "ca.conf"

struct crl_settings {
	char delta_url[512], idp_url[512];
	int64_t period, overlap, delta_period; /* seconds */
	char base_file[128], delta_file[128];
};

struct props {
	pthread_mutex_t mu;
	struct ca_urls urls;
	struct crl_settings crl;
	struct policy policy;
};

/* The defaults, ca.conf's values (each checked: a bad one is refused, named by
 * its ca.conf key), then with rec the journal's latest for each name; a
 * property the journal lacks and ca.conf sets is journaled from ca.conf. The
 * rules across properties are checked last. 0 or -1 with err. */
int props_load(struct props *p, const struct ca *ca, struct record *rec, char *err,
	       size_t errlen);
/* Compares ca.conf's SHA-256 with the one the journal last recorded and, when they
 * differ (or none is recorded), journals the new one; a difference is logged and
 * journaled as the CA's operator action "ca.conf-changed" with the old and new
 * hashes and the keys added, removed and changed. *changed (may be NULL) tells
 * whether it differed. 0 or -1 with err. */
int props_conf_audit(const struct ca *ca, struct record *rec, int *changed, char *err,
		     size_t errlen);
/* 1 when name is a settable property. */
int props_known(const char *name);
/* Checks and applies value to name, with the rules across properties (the caller
 * records the event first). 0 or -1 with err (p unchanged). */
int props_set(struct props *p, const char *name, const char *value, char *err, size_t errlen);
/* props_set's checks alone: 0 or -1 with err; p unchanged either way. */
int props_try(struct props *p, const char *name, const char *value, char *err, size_t errlen);
/* The current value of a settable property as text. 0 or -1 (unknown name). */
int props_get(struct props *p, const char *name, char *out, size_t outlen);
void props_urls(struct props *p, struct ca_urls *out);
void props_crl(struct props *p, struct crl_settings *out);
void props_policy(struct props *p, struct policy *out);
/* Logs the policy in force, with a warning for each interface flag that opens
 * the CA (at start and after a change). */
void props_log_policy(struct props *p);

#endif
