/* From what the ledger holds about a request (its MS-CSRA disposition and
 * status code) to what CertServerRequest answers: pdwDisposition and the
 * default pctbDispositionMessage text. The rule that matters (icpr-wire.md):
 * a new request only ever gets 3, 5 or an HRESULT in pdwDisposition. */
#include "firmware/icpr/icpr_int.h"

static int is_failure(uint32_t hr)
{
	return (hr & 0x80000000u) != 0;
}

uint32_t icpr_status_hresult(int status)
{
	switch (status) {
	case ICPR_OK:
		return HR_S_OK;
	case ICPR_EINVAL:
	case ICPR_ETOOLONG:
		return HR_E_INVALIDARG;
	case ICPR_ENOMEM:
		return HR_E_OUTOFMEMORY;
	case ICPR_EFORMAT:
		return HR_CRYPT_E_INVALID_MSG_TYPE;
	}
	return HR_E_UNEXPECTED;
}

uint32_t icpr_disposition(uint32_t ledger_disp, uint32_t hresult, enum icpr_call call)
{
	switch (ledger_disp) {
	case DISP_ISSUED:
		return ICPR_DISP_ISSUED;
	case DISP_PENDING:
		return ICPR_DISP_UNDER_SUBMISSION;
	case DISP_REVOKED:
		return ICPR_DISP_REVOKED;
	case DISP_FAILED:
		return is_failure(hresult) ? hresult : HR_E_FAIL;
	case DISP_DENIED:
		if (call == ICPR_CALL_RETRIEVE)
			return ICPR_DISP_DENIED;
		return is_failure(hresult) ? hresult : HR_CERTSRV_E_ADMIN_DENIED_REQUEST;
	}
	return HR_E_UNEXPECTED;
}

/* Failures caused by what the client sent, rather than by the CA. */
static int request_error(uint32_t hr)
{
	return hr == HR_E_INVALIDARG || hr == HR_NTE_BAD_SIGNATURE ||
	       hr == HR_CRYPT_E_INVALID_MSG_TYPE || hr == HR_ERROR_INVALID_DATA ||
	       hr == HR_CERTSRV_E_BAD_REQUESTSUBJECT;
}

const char *icpr_disposition_message(uint32_t ledger_disp, uint32_t hresult, const char *stored)
{
	if (stored != NULL && stored[0] != 0)
		return stored;
	switch (ledger_disp) {
	case DISP_ISSUED:
		return "Issued";
	case DISP_PENDING:
		return "Taken Under Submission";
	case DISP_DENIED:
		return "Denied by Policy Module";
	case DISP_REVOKED:
		return "Revoked";
	case DISP_FAILED:
		return request_error(hresult) ? "Error Parsing Request"
					      : "Error Constructing or Publishing Certificate";
	}
	return "Error";
}
