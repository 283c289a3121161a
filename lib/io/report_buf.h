/* Private: a growing text buffer for the report renderers, with the
 * escapes of each output format. */
#ifndef CRVM_IO_REPORT_BUF_H
#define CRVM_IO_REPORT_BUF_H

#include <stddef.h>

#include "core/error.h"

/* Appends never fail visibly: the first allocation failure sets failed and
 * later appends do nothing, so a renderer checks once at the end. */
typedef struct crvm__rbuf {
    char *data;
    size_t len, cap;
    int failed;
} crvm__rbuf;

void crvm__rbuf_printf(crvm__rbuf *b, const char *fmt, ...) CRVM__PRINTF(2, 3);
void crvm__rbuf_puts(crvm__rbuf *b, const char *s);
void crvm__rbuf_free(crvm__rbuf *b);

/* s as a JSON string, quotes included. */
void crvm__rbuf_json_string(crvm__rbuf *b, const char *s);
/* A JSON number with the given printf precision ("%.2f" for money), or null
 * when x is not finite (JSON has no NaN). */
void crvm__rbuf_json_number(crvm__rbuf *b, const char *fmt, double x);
/* s with &, <, >, " escaped for HTML text and attributes. */
void crvm__rbuf_html(crvm__rbuf *b, const char *s);
/* s as one CSV field (RFC 4180: quoted when it holds a comma, quote or line break). */
void crvm__rbuf_csv_field(crvm__rbuf *b, const char *s);
/* A CSV number (empty when x is not finite). */
void crvm__rbuf_csv_number(crvm__rbuf *b, const char *fmt, double x);

#endif
