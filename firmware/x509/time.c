/* Validity times (RFC 5280 4.1.2.5): UTCTime for dates through 2049,
 * GeneralizedTime from 2050, always Zulu with seconds. All conversions are in
 * UTC (timegm/gmtime_r): the appliance's local time zone never matters. */
#include "firmware/x509/x509_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* n decimal digits at s. */
static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "YYMMDDHHMMSSZ" (13) or "YYYYMMDDHHMMSSZ" (15); nothing else is DER. */
static int parse_time(const char *s, int generalized, time_t *out)
{
	size_t ylen = generalized ? 4 : 2;
	struct tm tm, back;
	int y, mo, d, h, mi, sec;
	time_t t;

	if (strlen(s) != ylen + 11 || s[ylen + 10] != 'Z')
		return -1;
	if (digits(s, (int)ylen, &y) || digits(s + ylen, 2, &mo) || digits(s + ylen + 2, 2, &d) ||
	    digits(s + ylen + 4, 2, &h) || digits(s + ylen + 6, 2, &mi) ||
	    digits(s + ylen + 8, 2, &sec))
		return -1;
	if (!generalized)
		y += y < 50 ? 2000 : 1900;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	/* timegm normalises 31 February into March: refuse what moved. */
	if (gmtime_r(&t, &back) == NULL || back.tm_mday != d || back.tm_mon != mo - 1 ||
	    back.tm_year != y - 1900)
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
