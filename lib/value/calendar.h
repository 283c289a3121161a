/* Private: month arithmetic on year-month-day triples for the value layer,
 * which counts the periods of ~10^7 customer-periods and touches: one civil
 * conversion per date instead of the several of crvm__whole_months. Results
 * equal crvm__whole_months / crvm__add_months (ledger/date.c) exactly. */
#ifndef CRVM_VALUE_CALENDAR_H
#define CRVM_VALUE_CALENDAR_H

#include <stdint.h>

#include "core/calendar.h"
#include "crvm/ledger.h"

typedef struct crvm__ymd {
    int y, m, d;
} crvm__ymd;

/* Inline, with the month arithmetic below: the panel and the contact walks
 * call them per customer-period and per touch. */
static inline crvm__ymd crvm__ymd_of(crvm_date date)
{
    crvm__ymd t;
    crvm__civil_from_days(date, &t.y, &t.m, &t.d);
    return t;
}

crvm_date crvm__date_of(crvm__ymd t);
/* t + n months, the day clamped to the target month's length (no range check). */
static inline crvm__ymd crvm__ymd_add_months(crvm__ymd t, long n)
{
    long total = (long)t.y * 12 + (t.m - 1) + n;
    crvm__ymd r;
    r.y = (int)(total / 12);
    r.m = (int)(total % 12) + 1;
    /* Every month has 28 days: the month's length matters only beyond. */
    if (t.d <= 28) {
        r.d = t.d;
        return r;
    }
    int dim = crvm__days_in_month(r.y, r.m);
    r.d = t.d > dim ? dim : t.d;
    return r;
}

/* Whole months from a to b: the largest n >= 0 with a + n months <= b (0 if b < a). */
static inline int crvm__ymd_months_between(crvm__ymd a, crvm__ymd b)
{
    int n = (b.y - a.y) * 12 + (b.m - a.m);
    if (n < 0)
        return 0;
    /* a + n months falls in b's month, on day min(a.d, days of that month); if
     * that is after b, the answer is n - 1 (a + (n - 1) months is in an
     * earlier month, hence before b). */
    int anniversary = a.d;
    if (a.d > 28) {
        int dim = crvm__days_in_month(b.y, b.m);
        anniversary = a.d > dim ? dim : a.d;
    }
    if (b.d < anniversary)
        n--;
    return n < 0 ? 0 : n;
}

/* The y-m-d of every day of a span of at most CRVM__YMD_DAYS_MAX days, so
 * that the panel's per-touch conversions are a load instead of a civil
 * conversion; a day outside the span is converted. */
#define CRVM__YMD_DAYS_MAX 65536
typedef struct crvm__ymd_days {
    crvm_date first;
    uint32_t len;
    crvm__ymd *at;
} crvm__ymd_days;

/* The span [first, last], cut to its last CRVM__YMD_DAYS_MAX days (empty if
 * last < first). Time and memory O(days), 12 bytes a day. CRVM_OK or
 * CRVM_ENOMEM. */
crvm_status crvm__ymd_days_new(crvm_date first, crvm_date last, crvm__ymd_days *out);
void crvm__ymd_days_free(crvm__ymd_days *t);

/* crvm__ymd_of(d), from the table when d is in its span. */
static inline crvm__ymd crvm__ymd_day(const crvm__ymd_days *t, crvm_date d)
{
    uint32_t off = (uint32_t)((int64_t)d - t->first);
    return off < t->len ? t->at[off] : crvm__ymd_of(d);
}

/* Whole periods of k > 0 months in m >= 0 months. The periods the options
 * allow (1, 3 or 12 months) divide by a constant (a multiplication), not by
 * a variable: per customer-period and per touch, a division by k was the
 * panel's costliest instruction. Written so that the compiler keeps the
 * constant cases: with a signed m / k as the default it folds them back
 * into the division (m / 3 is m / k when k is 3; likewise k == 1 inside the
 * switch); on m, k >= 0 the unsigned quotients are the same. */
static inline int crvm__whole_periods(int m, int k)
{
    if (k == 1)
        return m;
    const unsigned u = (unsigned)m;
    switch (k) {
    case 3:
        return (int)(u / 3u);
    case 12:
        return (int)(u / 12u);
    default:
        return (int)(u / (unsigned)k);
    }
}

/* 1 if a is on or before b. */
int crvm__ymd_le(crvm__ymd a, crvm__ymd b);
/* Number of the period starts start + j * k months (j >= 0) that fall before
 * the date x, for a start date s whose y-m-d is `start`. */
int64_t crvm__starts_before(crvm__ymd start, crvm_date s, crvm_date x, int k);
/* The same with the y-m-d of x - 1 given (used only when x > s). */
static inline int64_t crvm__starts_before_ymd(crvm__ymd start, crvm_date s, crvm_date x, crvm__ymd x_1,
                                              int k)
{
    return x > s ? crvm__whole_periods(crvm__ymd_months_between(start, x_1), k) + 1 : 0;
}

#endif
