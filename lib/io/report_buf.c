#include "io/report_buf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

static int reserve(crvm__rbuf *b, size_t more)
{
    if (b->failed)
        return 0;
    if (b->len + more + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = crvm__realloc_array(b->data, cap, 1);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void crvm__rbuf_printf(crvm__rbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    if ((size_t)n < sizeof small) {
        memcpy(b->data + b->len, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void crvm__rbuf_puts(crvm__rbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n + 1);
    b->len += n;
}

void crvm__rbuf_free(crvm__rbuf *b)
{
    crvm__free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void crvm__rbuf_json_string(crvm__rbuf *b, const char *s)
{
    crvm__rbuf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            crvm__rbuf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            crvm__rbuf_printf(b, "\\u%04x", *p);
        else
            crvm__rbuf_printf(b, "%c", *p);
    }
    crvm__rbuf_puts(b, "\"");
}

void crvm__rbuf_json_number(crvm__rbuf *b, const char *fmt, double x)
{
    if (!isfinite(x)) {
        crvm__rbuf_puts(b, "null");
        return;
    }
    /* -0 reads as a sign in a report; JSON would accept it, people would not. */
    crvm__rbuf_printf(b, fmt, x == 0 ? 0.0 : x);
}

void crvm__rbuf_html(crvm__rbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': crvm__rbuf_puts(b, "&amp;"); break;
        case '<': crvm__rbuf_puts(b, "&lt;"); break;
        case '>': crvm__rbuf_puts(b, "&gt;"); break;
        case '"': crvm__rbuf_puts(b, "&quot;"); break;
        default: crvm__rbuf_printf(b, "%c", *s);
        }
    }
}

void crvm__rbuf_csv_field(crvm__rbuf *b, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        crvm__rbuf_puts(b, s);
        return;
    }
    crvm__rbuf_puts(b, "\"");
    for (; *s; s++)
        crvm__rbuf_puts(b, *s == '"' ? "\"\"" : (char[2]){*s, '\0'});
    crvm__rbuf_puts(b, "\"");
}

void crvm__rbuf_csv_number(crvm__rbuf *b, const char *fmt, double x)
{
    if (isfinite(x))
        crvm__rbuf_printf(b, fmt, x == 0 ? 0.0 : x);
}
