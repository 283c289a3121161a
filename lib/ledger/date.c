/* Calendar dates: days since 1970-01-01, proleptic Gregorian.
 * Conversions use the closed forms of H. Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms" (days_from_civil / civil_from_days). */
#include "crvm/ledger.h"

#include "core/calendar.h"
#include "core/error.h"
#include "ledger/ledger_internal.h"

int crvm__date_valid(crvm_date d) { return d >= CRVM_DATE_MIN && d <= CRVM_DATE_MAX; }

crvm_status crvm_date_from_ymd(int year, int month, int day, crvm_date *out)
{
    if (!out)
        return crvm__fail(CRVM_EINVAL, "crvm_date_from_ymd: out is NULL");
    if (year < 1 || year > 9999)
        return crvm__fail(CRVM_EINVAL, "date year = %d: must be in 1..9999", year);
    if (month < 1 || month > 12)
        return crvm__fail(CRVM_EINVAL, "date month = %d: must be in 1..12", month);
    if (day < 1 || day > crvm__days_in_month(year, month))
        return crvm__fail(CRVM_EINVAL, "date day = %d: %04d-%02d has %d days", day, year, month,
                          crvm__days_in_month(year, month));
    *out = crvm__days_from_civil(year, month, day);
    return CRVM_OK;
}

crvm_status crvm_date_to_ymd(crvm_date date, int *year, int *month, int *day)
{
    if (!crvm__date_valid(date))
        return crvm__fail(CRVM_EINVAL, "date = %ld: outside 0001-01-01..9999-12-31", (long)date);
    int y, m, d;
    crvm__civil_from_days(date, &y, &m, &d);
    if (year)
        *year = y;
    if (month)
        *month = m;
    if (day)
        *day = d;
    return CRVM_OK;
}

crvm_status crvm_date_parse(const char *text, size_t len, crvm_date *out)
{
    if (!text || !out)
        return crvm__fail(CRVM_EINVAL, "crvm_date_parse: text and out are required");
    const char *reason = NULL;
    int32_t v;
    if (!crvm__parse_date(text, len, &v, &reason))
        return crvm__fail(CRVM_EPARSE, "date \"%.*s\": %s", (int)(len > 40 ? 40 : len), text, reason);
    *out = v;
    return CRVM_OK;
}

crvm_status crvm_date_format(crvm_date date, char *buf, size_t buf_len)
{
    if (!buf || buf_len < 11)
        return crvm__fail(CRVM_EINVAL, "crvm_date_format: buffer needs 11 bytes");
    int y, m, d;
    crvm_status st = crvm_date_to_ymd(date, &y, &m, &d); /* validates the range */
    if (st)
        return st;
    crvm__format_date(date, buf);
    return CRVM_OK;
}

static int months_of(crvm_period p)
{
    switch (p) {
    case CRVM_PERIOD_MONTH: return 1;
    case CRVM_PERIOD_QUARTER: return 3;
    case CRVM_PERIOD_YEAR: return 12;
    }
    return 0;
}

/* date + n months with day clamping; returns 0 when out of range. */
int crvm__add_months(crvm_date date, long n, crvm_date *out)
{
    int y, m, d;
    crvm__civil_from_days(date, &y, &m, &d);
    long total = (long)y * 12 + (m - 1) + n;
    if (total < 12 || total > 9999L * 12 + 11)
        return 0;
    int ny = (int)(total / 12), nm = (int)(total % 12) + 1;
    int dim = crvm__days_in_month(ny, nm);
    *out = crvm__days_from_civil(ny, nm, d > dim ? dim : d);
    return 1;
}

crvm_status crvm_date_add_periods(crvm_date date, crvm_period period, int n, crvm_date *out)
{
    if (!out)
        return crvm__fail(CRVM_EINVAL, "crvm_date_add_periods: out is NULL");
    if (!crvm__date_valid(date))
        return crvm__fail(CRVM_EINVAL, "date = %ld: outside 0001-01-01..9999-12-31", (long)date);
    int k = months_of(period);
    if (!k)
        return crvm__fail(CRVM_EINVAL, "period = %d: not a crvm_period", (int)period);
    crvm_date r;
    if (!crvm__add_months(date, (long)n * k, &r))
        return crvm__fail(CRVM_EINVAL, "date + %d periods: outside 0001-01-01..9999-12-31", n);
    *out = r;
    return CRVM_OK;
}

int crvm__whole_months(crvm_date from, crvm_date to)
{
    if (to < from)
        return 0;
    int y0, m0, d0, y1, m1, d1;
    crvm__civil_from_days(from, &y0, &m0, &d0);
    crvm__civil_from_days(to, &y1, &m1, &d1);
    int n = (y1 - y0) * 12 + (m1 - m0);
    crvm_date probe;
    /* n is the answer or one more than it (when the clamped anniversary is after to). */
    while (n > 0 && (!crvm__add_months(from, n, &probe) || probe > to))
        n--;
    return n;
}

crvm_status crvm_date_whole_periods(crvm_date from, crvm_date to, crvm_period period, int *out)
{
    if (!out)
        return crvm__fail(CRVM_EINVAL, "crvm_date_whole_periods: out is NULL");
    if (!crvm__date_valid(from) || !crvm__date_valid(to))
        return crvm__fail(CRVM_EINVAL, "crvm_date_whole_periods: date outside 0001-01-01..9999-12-31");
    int k = months_of(period);
    if (!k)
        return crvm__fail(CRVM_EINVAL, "period = %d: not a crvm_period", (int)period);
    *out = crvm__whole_months(from, to) / k;
    return CRVM_OK;
}

crvm_status crvm_date_period_start(crvm_date date, crvm_period period, crvm_date *out)
{
    if (!out)
        return crvm__fail(CRVM_EINVAL, "crvm_date_period_start: out is NULL");
    if (!crvm__date_valid(date))
        return crvm__fail(CRVM_EINVAL, "date = %ld: outside 0001-01-01..9999-12-31", (long)date);
    int k = months_of(period);
    if (!k)
        return crvm__fail(CRVM_EINVAL, "period = %d: not a crvm_period", (int)period);
    int y, m, d;
    crvm__civil_from_days(date, &y, &m, &d);
    m = ((m - 1) / k) * k + 1;
    *out = crvm__days_from_civil(y, m, 1);
    return CRVM_OK;
}
