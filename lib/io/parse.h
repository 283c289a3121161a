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

#include "core/calendar.h" /* crvm__parse_date, crvm__format_date */

/* Decimal number: [+-] digits [. digits] [(e|E) [+-] digits], at least one
 * digit in the mantissa, at most CRVM__NUMBER_MAX_CHARS characters. Rejects
 * empty text, NaN, infinities, hexadecimal, spaces, longer text and
 * magnitudes that overflow a double. Decimal point is '.' regardless of the
 * C locale. */
#define CRVM__NUMBER_MAX_CHARS 128
int crvm__parse_double(const char *s, size_t len, double *out, const char **reason);
/* Dates as crvm__parse_date reads them, the serial day of each month's 1st
 * and its length kept for the months met before (64 of them, direct-mapped):
 * a valid date of such a month costs its digits and one addition, since the
 * serial day of the d-th is that of the 1st plus d - 1. Anything else,
 * errors included, is crvm__parse_date's. Zero-initialise. */
typedef struct crvm__date_memo {
    int32_t key[64];   /* 12 * year + month, 0 = empty */
    int32_t first[64]; /* serial day of the month's 1st */
    int days[64];      /* days in the month */
} crvm__date_memo;
int crvm__parse_date_memo(crvm__date_memo *memo, const char *s, size_t len, int32_t *out,
                          const char **reason);
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
