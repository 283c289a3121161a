/* Private: strict parsing of the scalar values found in crvm's CSV files.
 *
 * Each parser takes a field (pointer + length, need not be NUL-terminated),
 * returns 1 on success with the value in *out, or 0 with *reason set to a
 * constant description of the problem (never NULL). Nothing is trimmed:
 * leading or trailing spaces are an error, so that a value is read exactly
 * as written or not at all.
 */
#ifndef CRVM_IO_PARSE_H
#define CRVM_IO_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Calendar range accepted for dates (inclusive years), as crvm/ledger.h. */
#define CRVM__DATE_MIN_YEAR 1
#define CRVM__DATE_MAX_YEAR 9999

/* ISO 8601 calendar date "YYYY-MM-DD" exactly (10 bytes), month 01-12, day
 * valid for the month (29 February only in leap years), year within
 * [CRVM__DATE_MIN_YEAR, CRVM__DATE_MAX_YEAR]. *out = days since 1970-01-01. */
int crvm__parse_date(const char *s, size_t len, int32_t *out, const char **reason);
/* Writes "YYYY-MM-DD" and a NUL into buf (11 bytes); years outside 0..9999
 * are clamped to that range only in the text. */
void crvm__format_date(int32_t days, char buf[11]);

/* Decimal number: [+-] digits [. digits] [(e|E) [+-] digits], at least one
 * digit in the mantissa. Rejects empty text, NaN, infinities, hexadecimal,
 * spaces, and magnitudes that overflow a double. Decimal point is '.'
 * regardless of the C locale. */
int crvm__parse_double(const char *s, size_t len, double *out, const char **reason);
/* Decimal integer [+-]digits within [min, max]. */
int crvm__parse_long(const char *s, size_t len, long min, long max, long *out, const char **reason);
/* Boolean: 1/0, true/false, yes/no (ASCII case-insensitive). */
int crvm__parse_bool(const char *s, size_t len, int *out, const char **reason);

/* Header names: 1 if the field a (alen bytes) equals the NUL-terminated b,
 * ASCII case-insensitively. */
int crvm__io_name_eq(const char *a, size_t alen, const char *b);
/* A value quoted for a message: at most 40 bytes of s, line breaks shown as
 * spaces, "..." appended when cut; out is NUL-terminated. */
void crvm__io_clip(const char *s, size_t len, char out[64]);

#endif
