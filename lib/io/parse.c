#include "io/parse.h"

#include "core/calendar.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int ieq(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

/* Longest number text accepted (documented in parse.h, crvm/io.h and
 * docs/data-format.md): it bounds the work of strtod and its copy. */
#define NUMBER_MAX CRVM__NUMBER_MAX_CHARS

static const double pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The common number, [+-]digits[.digits] with at least one digit, at most
 * 15 significant digits and at most 22 after the point, in one pass: the
 * value crvm__parse_double's fast path below gives (the same operations),
 * for text that passes all its checks. 0 for anything else. With at most 19
 * digits the integer m of all of them cannot overflow, and it has at most
 * 15 significant digits exactly when m < 10^15. */
static int plain_decimal(const char *s, size_t len, size_t body, double *out)
{
    uint64_t m = 0;
    size_t dot = len; /* none */
    for (size_t j = body; j < len; j++) {
        unsigned d = (unsigned)(unsigned char)s[j] - '0';
        if (d <= 9) {
            m = m * 10 + d;
        } else if (s[j] == '.' && dot == len) {
            dot = j;
        } else {
            return 0;
        }
    }
    size_t digits = len - body - (dot < len), frac = dot < len ? len - dot - 1 : 0;
    if (digits == 0 || digits > 19 || m >= 1000000000000000ULL || frac > 22)
        return 0;
    double v = (double)m;
    v = v / pow10[frac];
    *out = s[0] == '-' ? -v : v;
    return 1;
}

int crvm__parse_double(const char *s, size_t len, double *out, const char **reason)
{
    if (len == 0) {
        *reason = "empty number";
        return 0;
    }
    if (len > NUMBER_MAX) {
        *reason = "number text too long (more than 128 characters)";
        return 0;
    }
    size_t body = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    if (plain_decimal(s, len, body, out))
        return 1;
    size_t i = 0;
    if (ieq(s + body, len - body, "nan")) {
        *reason = "NaN is not a valid number";
        return 0;
    }
    if (ieq(s + body, len - body, "inf") || ieq(s + body, len - body, "infinity")) {
        *reason = "infinity is not a valid number";
        return 0;
    }
    if (s[0] == ' ' || s[len - 1] == ' ' || s[0] == '\t' || s[len - 1] == '\t') {
        *reason = "spaces around the number";
        return 0;
    }
    i = body;
    size_t mant = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
        mant++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            mant++;
        }
    }
    if (mant == 0) {
        *reason = "not a number";
        return 0;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t ed = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            ed++;
        }
        if (ed == 0) {
            *reason = "not a number (exponent without digits)";
            return 0;
        }
    }
    if (i != len) {
        *reason = "not a number";
        return 0;
    }
    /* Fast path (Clinger 1990): at most 15 significant digits and a decimal
     * exponent within 22 give an exactly representable mantissa and power
     * of ten, so one multiplication or division is correctly rounded. */
    {
        uint64_t m = 0;
        int digits = 0, frac = 0, seen_dot = 0, exp10 = 0, exp_sign = 1, ok = 1;
        size_t j = body;
        for (; j < len; j++) {
            char ch = s[j];
            if (ch >= '0' && ch <= '9') {
                if (digits > 0 || ch != '0')
                    digits++;
                m = m * 10 + (uint64_t)(ch - '0');
                frac += seen_dot;
            } else if (ch == '.') {
                seen_dot = 1;
            } else {
                break;
            }
        }
        if (j < len) { /* exponent: syntax already checked */
            j++;
            if (s[j] == '+' || s[j] == '-')
                exp_sign = s[j++] == '-' ? -1 : 1;
            for (; j < len; j++) {
                exp10 = exp10 * 10 + (s[j] - '0');
                if (exp10 > 1000) {
                    ok = 0;
                    break;
                }
            }
        }
        int e = exp_sign * exp10 - frac;
        if (ok && digits <= 15 && e >= -22 && e <= 22) {
            double v = (double)m;
            v = e >= 0 ? v * pow10[e] : v / pow10[-e];
            *out = s[0] == '-' ? -v : v;
            return 1;
        }
    }
    /* strtod honours the C locale's decimal point: convert '.' to it. */
    char tmp[NUMBER_MAX + 1];
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    const struct lconv *lc = localeconv();
    if (lc && lc->decimal_point && lc->decimal_point[0] != '.' && lc->decimal_point[0] != '\0' &&
        lc->decimal_point[1] == '\0') {
        char *p = memchr(tmp, '.', len);
        if (p)
            *p = lc->decimal_point[0];
    }
    errno = 0;
    char *end;
    double v = strtod(tmp, &end);
    if (errno == ERANGE && fabs(v) > 1.0) {
        *reason = "number too large for a double";
        return 0;
    }
    if (*end != '\0') {
        *reason = "not a number";
        return 0;
    }
    *out = v; /* underflow to 0 or a subnormal is accepted */
    return 1;
}

int crvm__parse_date_memo(crvm__date_memo *memo, const char *s, size_t len, int32_t *out,
                          const char **reason)
{
    if (len == 10 && s[4] == '-' && s[7] == '-') {
        const unsigned char *u = (const unsigned char *)s;
        /* a byte below '0' wraps to a large value: "> 9" catches it too */
        unsigned y0 = u[0] - '0', y1 = u[1] - '0', y2 = u[2] - '0', y3 = u[3] - '0';
        unsigned m0 = u[5] - '0', m1 = u[6] - '0', d0 = u[8] - '0', d1 = u[9] - '0';
        unsigned bad = (y0 > 9) | (y1 > 9) | (y2 > 9) | (y3 > 9) | (m0 > 9) | (m1 > 9) | (d0 > 9) |
                       (d1 > 9);
        int y = (int)(y0 * 1000 + y1 * 100 + y2 * 10 + y3);
        int m = (int)(m0 * 10 + m1), d = (int)(d0 * 10 + d1);
        if (!bad && y >= 1 && m >= 1 && m <= 12 && d >= 1) {
            int32_t key = 12 * y + m;
            size_t k = (size_t)key & 63;
            if (memo->key[k] != key) {
                memo->key[k] = key;
                memo->first[k] = crvm__days_from_civil(y, m, 1);
                memo->days[k] = crvm__days_in_month(y, m);
            }
            if (d <= memo->days[k]) {
                *out = memo->first[k] + d - 1;
                return 1;
            }
        }
    }
    return crvm__parse_date(s, len, out, reason);
}

int crvm__parse_long(const char *s, size_t len, long min, long max, long *out, const char **reason)
{
    if (len == 0) {
        *reason = "empty integer";
        return 0;
    }
    size_t i = 0;
    int neg = 0;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len) {
        *reason = "not an integer";
        return 0;
    }
    unsigned long long v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            *reason = "not an integer";
            return 0;
        }
        v = v * 10 + (unsigned)(s[i] - '0');
        if (v > (unsigned long long)LONG_MAX + 1) {
            *reason = "integer out of range";
            return 0;
        }
    }
    if (!neg && v > (unsigned long long)LONG_MAX) {
        *reason = "integer out of range";
        return 0;
    }
    long value = neg ? (v == (unsigned long long)LONG_MAX + 1 ? LONG_MIN : -(long)v) : (long)v;
    if (value < min || value > max) {
        *reason = "integer out of range";
        return 0;
    }
    *out = value;
    return 1;
}

int crvm__parse_bool(const char *s, size_t len, int *out, const char **reason)
{
    if (ieq(s, len, "1") || ieq(s, len, "true") || ieq(s, len, "yes")) {
        *out = 1;
        return 1;
    }
    if (ieq(s, len, "0") || ieq(s, len, "false") || ieq(s, len, "no")) {
        *out = 0;
        return 1;
    }
    *reason = len == 0 ? "empty boolean" : "not a boolean (expected 1/0, true/false, yes/no)";
    return 0;
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int crvm__io_name_eq(const char *a, size_t alen, const char *b)
{
    size_t n = strlen(b);
    if (alen != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return 0;
    return 1;
}

void crvm__io_clip(const char *s, size_t len, char out[64])
{
    size_t n = len > 40 ? 40 : len;
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        out[j++] = (s[i] == '\n' || s[i] == '\r') ? ' ' : s[i];
    if (len > 40) {
        memcpy(out + j, "...", 3);
        j += 3;
    }
    out[j] = '\0';
}
