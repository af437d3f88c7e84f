/* Validity times (RFC 5280 4.1.2.5): UTCTime for dates through 2049,
 * GeneralizedTime from 2050, always Zulu with seconds. All conversions are in
 * UTC, by the platform's calendar (platform/civil.h): the appliance's local time
 * zone never matters, and 31 February is an error rather than 3 March. */
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

int x509i_time_check(const uint8_t *s, size_t len, int generalized, struct civil_time *out)
{
	size_t ylen = generalized ? 4 : 2;
	struct civil_time c;

	if (len != ylen + 11 || s[ylen + 10] != 'Z')
		return -1;
	if (digits(s, (int)ylen, &c.year) || digits(s + ylen, 2, &c.month) ||
	    digits(s + ylen + 2, 2, &c.day) || digits(s + ylen + 4, 2, &c.hour) ||
	    digits(s + ylen + 6, 2, &c.min) || digits(s + ylen + 8, 2, &c.sec))
		return -1;
	if (!generalized)
		c.year += c.year < 50 ? 2000 : 1900;
	if (!civil_valid(&c))
		return -1;
	if (out != NULL)
		*out = c;
	return 0;
}

/* A Time's text as a time_t; "YYMMDDHHMMSSZ" (13) or "YYYYMMDDHHMMSSZ" (15),
 * nothing else is DER. */
static int parse_time(const char *s, int generalized, time_t *out)
{
	struct civil_time c;

	if (x509i_time_check((const uint8_t *)s, strlen(s), generalized, &c) != 0)
		return -1;
	*out = (time_t)civil_to_unix(&c);
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
