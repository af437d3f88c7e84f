/* CA properties' wire forms (caprop.h): the table of what this CA answers,
 * GetCAPropertyInfo's CATRANSPROP blob, a typed value as octets, CAINFO, and
 * GetCACert's fchain. */
#include "firmware/icpr/caprop.h"

#include <stdlib.h>
#include <string.h>

#include "firmware/icpr/hresult.h"
#include "firmware/icpr/icpr.h"

#define STR CAPROP_TYPE_STRING
#define LNG CAPROP_TYPE_LONG
#define BIN CAPROP_TYPE_BINARY

/* Every property MS-WCCE 3.2.1.4.3.2 defines up to CR_PROP_SUBJECTTEMPLATE_OIDS
 * (45), as firmware/custodian/caprop.c knows them (CAPROP_ID_MAX): the custodian
 * decides which have a value (the others answer E_INVALIDARG or
 * CERTSRV_E_PROPERTY_EMPTY); here are the types the client's PropType must
 * match, and GetCAPropertyInfo lists them all, as Windows does. Not here
 * (E_INVALIDARG): the CRL partition properties (46..50), which Windows
 * Server 2022 added and this CA does not have. */
static const struct caprop_info table[] = {
	{ CR_PROP_FILEVERSION, STR, 0, CAPROP_WIRE_STRING, "CA File Version" },
	{ CR_PROP_PRODUCTVERSION, STR, 0, CAPROP_WIRE_STRING, "CA Product Version" },
	{ CR_PROP_EXITCOUNT, LNG, 0, CAPROP_WIRE_CAINFO, "Exit Count" },
	{ CR_PROP_EXITDESCRIPTION, STR, 1, CAPROP_WIRE_STRING, "Exit Description" },
	{ CR_PROP_POLICYDESCRIPTION, STR, 0, CAPROP_WIRE_STRING, "Policy Description" },
	{ CR_PROP_CANAME, STR, 0, CAPROP_WIRE_STRING, "Certification Authority Name" },
	{ CR_PROP_SANITIZEDCANAME, STR, 0, CAPROP_WIRE_STRING, "Sanitized CA Name" },
	{ CR_PROP_SHAREDFOLDER, STR, 0, CAPROP_WIRE_STRING, "Shared Folder Path" },
	{ CR_PROP_PARENTCA, STR, 0, CAPROP_WIRE_STRING, "Parent CA Name" },
	{ CR_PROP_CATYPE, LNG, 0, CAPROP_WIRE_CAINFO, "CA Type" },
	{ CR_PROP_CASIGCERTCOUNT, LNG, 0, CAPROP_WIRE_CAINFO, "CA Signature Certificate Count" },
	{ CR_PROP_CASIGCERT, BIN, 1, CAPROP_WIRE_BINARY, "CA Signature Certificate" },
	{ CR_PROP_CASIGCERTCHAIN, BIN, 1, CAPROP_WIRE_BINARY, "CA signing certificate Chain" },
	{ CR_PROP_CAXCHGCERTCOUNT, LNG, 0, CAPROP_WIRE_CAINFO, "CA Exchange Certificate Count" },
	{ CR_PROP_CAXCHGCERT, BIN, 1, CAPROP_WIRE_BINARY, "CA Exchange Certificate" },
	{ CR_PROP_CAXCHGCERTCHAIN, BIN, 1, CAPROP_WIRE_BINARY, "CA Exchange Certificate Chain" },
	{ CR_PROP_BASECRL, BIN, 1, CAPROP_WIRE_BINARY, "Base CRL" },
	{ CR_PROP_DELTACRL, BIN, 1, CAPROP_WIRE_BINARY, "Delta CRL" },
	{ CR_PROP_CACERTSTATE, LNG, 1, CAPROP_WIRE_STATES, "CA Signing Certificates State" },
	{ CR_PROP_CRLSTATE, LNG, 1, CAPROP_WIRE_STATES, "CA CRL State" },
	{ CR_PROP_CAPROPIDMAX, LNG, 0, CAPROP_WIRE_CAINFO, "Maximum Property ID" },
	{ CR_PROP_DNSNAME, STR, 0, CAPROP_WIRE_STRING, "CA Fully Qualified DNS" },
	{ CR_PROP_ROLESEPARATIONENABLED, LNG, 0, CAPROP_WIRE_CAINFO, "Role Separated Enabled" },
	{ CR_PROP_KRACERTUSEDCOUNT, LNG, 0, CAPROP_WIRE_CAINFO,
	  "Count Of Required KRAs For Archival" },
	{ CR_PROP_KRACERTCOUNT, LNG, 0, CAPROP_WIRE_CAINFO, "Count Of Registered KRAs" },
	{ CR_PROP_KRACERT, BIN, 1, CAPROP_WIRE_BINARY, "KRA Certificate" },
	{ CR_PROP_KRACERTSTATE, LNG, 1, CAPROP_WIRE_STATES, "KRA Certificates State" },
	{ CR_PROP_ADVANCEDSERVER, LNG, 0, CAPROP_WIRE_CAINFO, "Advanced Server" },
	{ CR_PROP_TEMPLATES, STR, 0, CAPROP_WIRE_STRING, "Configured Certificate Templates" },
	{ CR_PROP_BASECRLPUBLISHSTATUS, LNG, 1, CAPROP_WIRE_LONG, "Base CRL Publishing Status" },
	{ CR_PROP_DELTACRLPUBLISHSTATUS, LNG, 1, CAPROP_WIRE_LONG, "Delta CRL Publishing State" },
	{ CR_PROP_CASIGCERTCRLCHAIN, BIN, 1, CAPROP_WIRE_BINARY,
	  "CA Signing Certificate Chain and CRL" },
	{ CR_PROP_CAXCHGCERTCRLCHAIN, BIN, 1, CAPROP_WIRE_BINARY,
	  "CA Exchange Certificate Chain and CRL" },
	{ CR_PROP_CACERTSTATUSCODE, LNG, 1, CAPROP_WIRE_LONG, "CA Signing Certificate Status" },
	{ CR_PROP_CAFORWARDCROSSCERT, BIN, 1, CAPROP_WIRE_BINARY, "CA Forward Cross Certificate" },
	{ CR_PROP_CABACKWARDCROSSCERT, BIN, 1, CAPROP_WIRE_BINARY,
	  "CA Backward Cross Certificate" },
	{ CR_PROP_CAFORWARDCROSSCERTSTATE, LNG, 1, CAPROP_WIRE_STATES,
	  "CA Forward Cross Certificate State" },
	{ CR_PROP_CABACKWARDCROSSCERTSTATE, LNG, 1, CAPROP_WIRE_STATES,
	  "CA Backward Cross Certificate State" },
	{ CR_PROP_CACERTVERSION, LNG, 1, CAPROP_WIRE_LONG, "CA Signing Certificates Revisions" },
	{ CR_PROP_SANITIZEDCASHORTNAME, STR, 0, CAPROP_WIRE_STRING, "CA Sanitized Short Name" },
	{ CR_PROP_CERTCDPURLS, STR, 1, CAPROP_WIRE_STRING, "CRL Distribution Points" },
	{ CR_PROP_CERTAIAURLS, STR, 1, CAPROP_WIRE_STRING, "Authority Information Access" },
	{ CR_PROP_CERTAIAOCSPURLS, STR, 1, CAPROP_WIRE_STRING, "OCSP URLs" },
	{ CR_PROP_LOCALENAME, STR, 0, CAPROP_WIRE_STRING, "CA Locale Name" },
	{ CR_PROP_SUBJECTTEMPLATE_OIDS, STR, 0, CAPROP_WIRE_STRING, "Subject Template" },
};

#define N_PROPS (sizeof table / sizeof table[0])
#define CATRANSPROP_LEN 12

size_t caprop_count(void)
{
	return N_PROPS;
}

const struct caprop_info *caprop_at(size_t i)
{
	return i < N_PROPS ? &table[i] : NULL;
}

const struct caprop_info *caprop_find(int32_t id)
{
	for (size_t i = 0; i < N_PROPS; i++)
		if (table[i].id == id)
			return &table[i];
	return NULL;
}

int32_t caprop_id_max(void)
{
	return table[N_PROPS - 1].id; /* the table is in id order (test_rpc_wcce checks) */
}

uint32_t caprop_check(int32_t id, int32_t index, int32_t type)
{
	const struct caprop_info *p = caprop_find(id);

	if (p == NULL || type != (int32_t)p->type || (!p->indexed && index != 0))
		return HR_E_INVALIDARG;
	return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int caprop_info_write(uint8_t *out, size_t outsz, size_t *outlen, int32_t *count)
{
	size_t off = N_PROPS * CATRANSPROP_LEN; /* the names follow the records */

	*outlen = 0;
	*count = 0;
	for (size_t i = 0; i < N_PROPS; i++) {
		const char *name = table[i].name;
		size_t n = strlen(name), need = (n + 1) * 2;
		uint8_t *rec = out + i * CATRANSPROP_LEN;

		/* The records come first: the first name starts at a multiple of 4
		 * already (12 octets each); each next one is rounded up to 4. */
		if (off + need > outsz || off + need < off)
			return ICPR_ETOOLONG;
		put_le32(rec, (uint32_t)table[i].id);
		rec[4] = table[i].type;
		rec[5] = 0; /* Reserved */
		rec[6] = table[i].indexed ? CAPROP_FLAG_INDEXED : 0;
		rec[7] = 0;
		put_le32(rec + 8, (uint32_t)off);
		for (size_t k = 0; k < n; k++) { /* ASCII: one unit each */
			out[off + 2 * k] = (uint8_t)name[k];
			out[off + 2 * k + 1] = 0;
		}
		out[off + 2 * n] = 0;
		out[off + 2 * n + 1] = 0;
		off += need;
		while (off % 4 != 0) {
			if (off >= outsz)
				return ICPR_ETOOLONG;
			out[off++] = 0;
		}
	}
	*outlen = off;
	*count = (int32_t)N_PROPS;
	return ICPR_OK;
}

int caprop_value_blob(uint32_t type, uint32_t long_value, const uint8_t *value, size_t len,
		      uint8_t *out, size_t outsz, size_t *outlen)
{
	*outlen = 0;
	if (len > 0 && value == NULL)
		return ICPR_EINVAL;
	switch (type) {
	case CAPROP_TYPE_LONG:
		if (outsz < 4)
			return ICPR_ETOOLONG;
		put_le32(out, long_value);
		*outlen = 4;
		return ICPR_OK;
	case CAPROP_TYPE_STRING: {
		/* The converter may have counted part of the text before it failed:
		 * a failure leaves nothing behind. */
		int rc = icpr_utf8_to_utf16(len > 0 ? (const char *)value : "", len, out, outsz,
					    outlen);

		if (rc != ICPR_OK)
			*outlen = 0;
		return rc;
	}
	case CAPROP_TYPE_BINARY:
		if (len > outsz)
			return ICPR_ETOOLONG;
		if (len > 0)
			memcpy(out, value, len);
		*outlen = len;
		return ICPR_OK;
	default:
		return ICPR_EINVAL;
	}
}

int caprop_states_blob(const uint32_t *states, size_t n, uint8_t *out, size_t outsz,
		       size_t *outlen)
{
	*outlen = 0;
	if (n > outsz)
		return ICPR_ETOOLONG;
	for (size_t i = 0; i < n; i++) {
		if (states[i] > 0xff)
			return ICPR_EINVAL;
		out[i] = (uint8_t)states[i];
	}
	*outlen = n;
	return ICPR_OK;
}

void caprop_cainfo_blob(const struct caprop_cainfo *ci, uint8_t out[CAPROP_CAINFO_LEN])
{
	put_le32(out, CAPROP_CAINFO_LEN); /* cbSize */
	put_le32(out + 4, (uint32_t)ci->ca_type);
	put_le32(out + 8, ci->sig_certs);
	put_le32(out + 12, ci->xchg_certs);
	put_le32(out + 16, ci->exit_count);
	put_le32(out + 20, (uint32_t)ci->propid_max);
	put_le32(out + 24, (uint32_t)ci->role_separation);
	put_le32(out + 28, ci->kra_used);
	put_le32(out + 32, ci->kra_count);
	put_le32(out + 36, ci->advanced_server);
}

/* The non-indexed fchain values: code -> property (MS-WCCE 3.2.1.4.2.2.1 to
 * .12). GETCERT_CASIGCERT and GETCERT_CURRENTCRL are "the number of rows in
 * the Signing_Cert table" as PropIndex: the newest certificate's. */
static const struct {
	uint32_t code;
	int32_t prop;
	uint32_t index;
	uint8_t wire;
} plain[] = {
	{ GETCERT_CASIGCERT, CR_PROP_CASIGCERT, CAPROP_INDEX_LATEST, CAPROP_WIRE_BINARY },
	{ GETCERT_CAXCHGCERT, CR_PROP_CAXCHGCERT, 0, CAPROP_WIRE_BINARY },
	{ GETCERT_CURRENTCRL, CR_PROP_BASECRL, CAPROP_INDEX_LATEST, CAPROP_WIRE_BINARY },
	{ GETCERT_FILEVERSION, CR_PROP_FILEVERSION, 0, CAPROP_WIRE_STRING },
	{ GETCERT_CAINFO, CR_PROP_CATYPE, 0, CAPROP_WIRE_CAINFO },
	{ GETCERT_CANAME, CR_PROP_CANAME, 0, CAPROP_WIRE_STRING },
	{ GETCERT_PARENTCONFIG, CR_PROP_PARENTCA, 0, CAPROP_WIRE_STRING },
	{ GETCERT_POLICYVERSION, CR_PROP_POLICYDESCRIPTION, 0, CAPROP_WIRE_STRING },
	{ GETCERT_PRODUCTVERSION, CR_PROP_PRODUCTVERSION, 0, CAPROP_WIRE_STRING },
	{ GETCERT_SANITIZEDCANAME, CR_PROP_SANITIZEDCANAME, 0, CAPROP_WIRE_STRING },
	{ GETCERT_SHAREDFOLDER, CR_PROP_SHAREDFOLDER, 0, CAPROP_WIRE_STRING },
	/* "An unsigned integer ... in little-endian format" (not CAINFO). */
	{ GETCERT_CATYPE, CR_PROP_CATYPE, 0, CAPROP_WIRE_LONG },
};

/* The indexed ones (.13 to .17): the high 16 bits. */
static const struct {
	uint32_t code;
	int32_t prop;
	uint8_t wire;
} by_index[] = {
	{ GETCERT_CRLBYINDEX, CR_PROP_BASECRL, CAPROP_WIRE_BINARY },
	{ GETCERT_CACERTBYINDEX, CR_PROP_CASIGCERT, CAPROP_WIRE_BINARY },
	{ GETCERT_EXITVERSIONBYINDEX, CR_PROP_EXITDESCRIPTION, CAPROP_WIRE_STRING },
	{ GETCERT_CRLSTATEBYINDEX, CR_PROP_CRLSTATE, CAPROP_WIRE_STATES },
	{ GETCERT_CACERTSTATEBYINDEX, CR_PROP_CACERTSTATE, CAPROP_WIRE_STATES },
};

/* The chain bits turn a certificate into its chain (PKCS#7), with CRLs. */
static int32_t chained(int32_t prop, uint32_t bits)
{
	int crls = (bits & GETCERT_CRLS) != 0;

	if (bits == 0)
		return prop;
	if ((bits & GETCERT_CHAIN) == 0)
		return 0; /* CRLs alone mean nothing */
	if (prop == CR_PROP_CASIGCERT)
		return crls ? CR_PROP_CASIGCERTCRLCHAIN : CR_PROP_CASIGCERTCHAIN;
	if (prop == CR_PROP_CAXCHGCERT)
		return crls ? CR_PROP_CAXCHGCERTCRLCHAIN : CR_PROP_CAXCHGCERTCHAIN;
	return 0;
}

uint32_t caprop_getcert_map(uint32_t fchain, struct caprop_getcert *m)
{
	/* No 4-character code has bit 31 or bit 23 set (ASCII letters): the
	 * chain bits never hide a code. */
	uint32_t bits = fchain & (GETCERT_CHAIN | GETCERT_CRLS);
	uint32_t code = fchain & ~bits;
	int32_t prop = 0;

	memset(m, 0, sizeof *m);
	for (size_t i = 0; i < sizeof plain / sizeof plain[0] && prop == 0; i++) {
		if (plain[i].code == code) {
			prop = plain[i].prop;
			m->index = plain[i].index;
			m->wire = plain[i].wire;
		}
	}
	for (size_t i = 0; i < sizeof by_index / sizeof by_index[0] && prop == 0; i++) {
		if (by_index[i].code == (code & GETCERT_BYINDEXMASK)) {
			prop = by_index[i].prop;
			m->index = code & ~GETCERT_BYINDEXMASK;
			m->wire = by_index[i].wire;
		}
	}
	if (prop != 0)
		prop = chained(prop, bits);
	if (prop == 0 || caprop_find(prop) == NULL) {
		memset(m, 0, sizeof *m);
		return HR_E_INVALIDARG;
	}
	m->prop_id = prop;
	return 0;
}
