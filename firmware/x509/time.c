/* Validity times (RFC 5280 4.1.2.5): UTCTime for dates through 2049,
 * GeneralizedTime from 2050, always Zulu with seconds. All conversions are in
 * UTC (timegm/gmtime_r): the appliance's local time zone never matters. */
#include "firmware/x509/x509_int.h"

#include <stdio.h>
#include <string.h>

/* n decimal digits at s. */
static int digits(const uint8_t *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		unsigned d = (unsigned)s[i] - '0';
		if (d > 9)
			return -1;
		v = v * 10 + (int)d;
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int mo)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

	return mo == 2 && leap ? 29 : days[mo - 1];
}

int x509i_time_check(const uint8_t *s, size_t len, int generalized, struct tm *out)
{
	size_t ylen = generalized ? 4 : 2;
	int y, mo, d, h, mi, sec;

	if (len != ylen + 11 || s[ylen + 10] != 'Z')
		return -1;
	if (digits(s, (int)ylen, &y) || digits(s + ylen, 2, &mo) || digits(s + ylen + 2, 2, &d) ||
	    digits(s + ylen + 4, 2, &h) || digits(s + ylen + 6, 2, &mi) ||
	    digits(s + ylen + 8, 2, &sec))
		return -1;
	if (!generalized)
		y += y < 50 ? 2000 : 1900;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 59)
		return -1;
	if (out != NULL) {
		memset(out, 0, sizeof *out);
		out->tm_year = y - 1900;
		out->tm_mon = mo - 1;
		out->tm_mday = d;
		out->tm_hour = h;
		out->tm_min = mi;
		out->tm_sec = sec;
	}
	return 0;
}

/* A Time's text as a time_t; "YYMMDDHHMMSSZ" (13) or "YYYYMMDDHHMMSSZ" (15),
 * nothing else is DER. */
static int parse_time(const char *s, int generalized, time_t *out)
{
	struct tm tm, back;
	time_t t;

	if (x509i_time_check((const uint8_t *)s, strlen(s), generalized, &tm) != 0)
		return -1;
	t = timegm(&tm);
	/* x509i_time_check refuses 31 February; timegm would have normalised it
	 * into March: refuse anything that moved all the same. */
	if (gmtime_r(&t, &back) == NULL || back.tm_mday != tm.tm_mday ||
	    back.tm_mon != tm.tm_mon || back.tm_year != tm.tm_year)
		return -1;
	*out = t;
	return 0;
}

int x509i_time_read(asn1_node node, const char *field, time_t *out)
{
	char choice[32], name[96], val[32];
	int generalized;

	if (x509i_read_str(node, field, choice, sizeof choice) != 0)
		return -1;
	if (strcmp(choice, "utcTime") == 0)
		generalized = 0;
	else if (strcmp(choice, "generalTime") == 0)
		generalized = 1;
	else
		return -1;
	snprintf(name, sizeof name, "%s.%s", field, choice);
	if (x509i_read_str(node, name, val, sizeof val) != 0)
		return -1;
	return parse_time(val, generalized, out);
}
