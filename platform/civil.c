/* The proleptic Gregorian calendar; see civil.h. The day counts are H. Hinnant's
 * days_from_civil and civil_from_days ("chrono-Compatible Low-Level Date
 * Algorithms"): eras of 400 years that start on 1 March, so that the leap day
 * is the last day of its year and needs no special case. */
#include "platform/civil.h"

#define SECS_PER_DAY 86400

int civil_leap(int year)
{
	return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int civil_days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month < 1 || month > 12)
		return 0;
	return month == 2 && civil_leap(year) ? 29 : days[month - 1];
}

int civil_valid(const struct civil_time *c)
{
	return c->month >= 1 && c->month <= 12 && c->day >= 1 &&
	       c->day <= civil_days_in_month(c->year, c->month) && c->hour >= 0 && c->hour <= 23 &&
	       c->min >= 0 && c->min <= 59 && c->sec >= 0 && c->sec <= 59;
}

/* Days from 1970-01-01 to y-m-d. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t civil_to_unix(const struct civil_time *c)
{
	return days_from_civil(c->year, c->month, c->day) * SECS_PER_DAY +
	       (int64_t)c->hour * 3600 + c->min * 60 + c->sec;
}

void civil_from_unix(int64_t t, struct civil_time *c)
{
	/* Floor division: the second before 1970 is 1969-12-31T23:59:59. */
	int64_t days = t >= 0 ? t / SECS_PER_DAY : -((-(t + 1)) / SECS_PER_DAY) - 1;
	int64_t secs = t - days * SECS_PER_DAY;
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->year = (int)(yoe + era * 400 + (c->month <= 2));
	c->hour = (int)(secs / 3600);
	c->min = (int)(secs / 60 % 60);
	c->sec = (int)(secs % 60);
}
