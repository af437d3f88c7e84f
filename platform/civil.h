/* The proleptic Gregorian calendar in UTC, by arithmetic: one calendar for every
 * date the CA parses or prints. Not timegm/gmtime_r: timegm quietly normalises
 * 30 February into March, and gmtime_r takes glibc's time zone lock on every call
 * (a CRL prints up to three dates per entry). */
#ifndef PLATFORM_CIVIL_H
#define PLATFORM_CIVIL_H

#include <stdint.h>

/* A broken-down UTC time with its fields as people write them (month 1..12). */
struct civil_time {
	int year;
	int month;
	int day;
	int hour;
	int min;
	int sec;
};

/* 1 for a leap year of the Gregorian calendar. */
int civil_leap(int year);
/* Days of month (1..12) in year; 0 for a month out of range. */
int civil_days_in_month(int year, int month);
/* 1 when every field is in range: month 1..12, the day within its month, hour
 * 0..23, min 0..59, sec 0..59 (no leap second: neither X.509 nor POSIX time
 * has one). Any year. */
int civil_valid(const struct civil_time *c);
/* Seconds since 1970-01-01T00:00:00Z of a valid time (civil_valid). */
int64_t civil_to_unix(const struct civil_time *c);
/* The time t seconds after (or before) 1970-01-01T00:00:00Z. Exact for every
 * year int can hold. */
void civil_from_unix(int64_t t, struct civil_time *c);

#endif
