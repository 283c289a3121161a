/* Private: proleptic Gregorian calendar arithmetic on days since 1970-01-01,
 * shared by the ledger (dates), io (parsing and writing dates) and the
 * simulator. Closed forms of H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms" (days_from_civil / civil_from_days). No range checks: callers
 * validate years and days. */
#ifndef CRVM_CORE_CALENDAR_H
#define CRVM_CORE_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

/* 1 if year is a Gregorian leap year. */
int crvm__is_leap_year(int year);
/* Days in month m (1..12) of year y. */
int crvm__days_in_month(int year, int month);
/* Days since 1970-01-01 of (year, month, day). */
int32_t crvm__days_from_civil(int year, int month, int day);
/* Inverse of crvm__days_from_civil. */
void crvm__civil_from_days(int32_t days, int *year, int *month, int *day);

/* ISO 8601 calendar date "YYYY-MM-DD" exactly (10 bytes), month 01-12, day
 * valid for the month (29 February only in leap years), year 0001-9999.
 * Returns 1 with *out = days since 1970-01-01, or 0 with *reason set to a
 * constant description of the problem. */
int crvm__parse_date(const char *s, size_t len, int32_t *out, const char **reason);
/* Writes "YYYY-MM-DD" and a NUL into buf (11 bytes); years outside 0..9999
 * are clamped to that range only in the text. */
void crvm__format_date(int32_t days, char buf[11]);

#endif
