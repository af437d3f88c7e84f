/* Raw PKCS#11 signing for the benchmarks; see bench_p11.h. */
#include "tests/bench/bench_p11.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/p11-kit.h>

#include "platform/log.h"
#include "platform/secret.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int hexval(char c)
{
	return c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0';
}

static int token_is(CK_FUNCTION_LIST *f, CK_SLOT_ID slot, const char *label)
{
	CK_TOKEN_INFO ti;
	char l[33];

	if (f->C_GetTokenInfo(slot, &ti) != CKR_OK)
		return 0;
	memcpy(l, ti.label, 32);
	l[32] = 0;
	for (int j = 31; j >= 0 && l[j] == ' '; j--)
		l[j] = 0;
	return strcmp(l, label) == 0;
}

void bench_p11_open(struct bench_p11 *p, const struct conf *conf, const char *pin_file,
		    unsigned nsessions)
{
	const char *hex = conf_get(conf, "sign_key_id");
	const char *label = conf_get(conf, "token");
	const char *module = conf_get(conf, "module");
	CK_SLOT_ID slots[32];
	CK_ULONG nslots = 32, found = 0, idlen = 0;
	CK_BYTE id[64];
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, id, 0}};
	CK_ATTRIBUTE kt = {CKA_KEY_TYPE, &p->key_type, sizeof(p->key_type)};
	struct secret pin;
	char err[256];
	CK_ULONG i;

	if (hex == NULL || label == NULL || module == NULL)
		fatalx("ca.conf names no module, token or sign_key_id");
	if (nsessions < 1 || nsessions > BENCH_P11_MAX_SESSIONS)
		fatalx("%u sessions: 1..%d", nsessions, BENCH_P11_MAX_SESSIONS);
	if (conf_get(conf, "softhsm2_conf"))
		setenv("SOFTHSM2_CONF", conf_get(conf, "softhsm2_conf"), 1);
	p->f = p11_kit_module_load(module, 0);
	if (p->f == NULL || p11_kit_module_initialize(p->f) != CKR_OK)
		fatalx("cannot load the module %s", module);
	if (p->f->C_GetSlotList(CK_TRUE, slots, &nslots) != CKR_OK)
		fatalx("C_GetSlotList");
	for (i = 0; i < nslots && !token_is(p->f, slots[i], label); i++)
		;
	if (i == nslots)
		fatalx("no token '%s'", label);
	p->slot = slots[i];
	for (i = 0; hex[2 * i] && hex[2 * i + 1] && i < sizeof(id); i++)
		id[i] = (CK_BYTE)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
	idlen = i;
	tmpl[1].ulValueLen = idlen;
	if (secret_read_file(pin_file, &pin, err, sizeof(err)) != 0)
		fatalx("%s", err);
	p->nsessions = nsessions;
	for (unsigned t = 0; t < nsessions; t++)
		if (p->f->C_OpenSession(p->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
					&p->sessions[t]) != CKR_OK)
			fatalx("C_OpenSession");
	if (p->f->C_Login(p->sessions[0], CKU_USER, pin.buf, pin.len) != CKR_OK)
		fatalx("C_Login");
	secret_wipe(&pin);
	if (p->f->C_FindObjectsInit(p->sessions[0], tmpl, 2) != CKR_OK ||
	    p->f->C_FindObjects(p->sessions[0], &p->key, 1, &found) != CKR_OK ||
	    p->f->C_FindObjectsFinal(p->sessions[0]) != CKR_OK || found != 1)
		fatalx("CA key not found");
	if (p->f->C_GetAttributeValue(p->sessions[0], p->key, &kt, 1) != CKR_OK)
		fatalx("C_GetAttributeValue");
}

struct raw_arg {
	struct bench_p11 *p;
	unsigned idx;
	double until;
	unsigned long count;
};

static void *raw_thread(void *arg)
{
	struct raw_arg *a = arg;
	struct bench_p11 *p = a->p;
	/* A SHA-256 DigestInfo (prefix + 32 bytes) for RSA; the bare digest for ECDSA. */
	static const CK_BYTE di[51] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
				       0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
				       0x20, 1, 2, 3};
	CK_MECHANISM mech = {p->key_type == CKK_RSA ? CKM_RSA_PKCS : CKM_ECDSA, NULL, 0};
	const CK_BYTE *data = p->key_type == CKK_RSA ? di : di + 19;
	CK_ULONG dlen = p->key_type == CKK_RSA ? 51 : 32;
	CK_BYTE sig[1024];

	while (bench_now() < a->until) {
		CK_ULONG slen = sizeof(sig);

		if (p->f->C_SignInit(p->sessions[a->idx], &mech, p->key) != CKR_OK ||
		    p->f->C_Sign(p->sessions[a->idx], (CK_BYTE *)data, dlen, sig, &slen) != CKR_OK)
			fatalx("raw C_Sign failed");
		a->count++;
	}
	return NULL;
}

double bench_p11_raw(struct bench_p11 *p, unsigned threads, double seconds)
{
	pthread_t tid[BENCH_P11_MAX_SESSIONS];
	struct raw_arg args[BENCH_P11_MAX_SESSIONS];
	double start = bench_now(), total = 0;

	if (threads < 1 || threads > p->nsessions)
		fatalx("%u raw signing threads for %u sessions", threads, p->nsessions);
	for (unsigned t = 0; t < threads; t++) {
		args[t] = (struct raw_arg){p, t, start + seconds, 0};
		if (pthread_create(&tid[t], NULL, raw_thread, &args[t]) != 0)
			fatalx("pthread_create");
	}
	for (unsigned t = 0; t < threads; t++) {
		pthread_join(tid[t], NULL);
		total += (double)args[t].count;
	}
	return total / (bench_now() - start);
}
