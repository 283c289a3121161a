/* Month arithmetic on year-month-day triples (see calendar.h). */
#include "value/calendar.h"

#include "core/calendar.h"

crvm__ymd crvm__ymd_of(crvm_date date)
{
    crvm__ymd t;
    crvm__civil_from_days(date, &t.y, &t.m, &t.d);
    return t;
}

crvm_date crvm__date_of(crvm__ymd t) { return crvm__days_from_civil(t.y, t.m, t.d); }

crvm__ymd crvm__ymd_add_months(crvm__ymd t, long n)
{
    long total = (long)t.y * 12 + (t.m - 1) + n;
    crvm__ymd r;
    r.y = (int)(total / 12);
    r.m = (int)(total % 12) + 1;
    int dim = crvm__days_in_month(r.y, r.m);
    r.d = t.d > dim ? dim : t.d;
    return r;
}

int crvm__ymd_months_between(crvm__ymd a, crvm__ymd b)
{
    int n = (b.y - a.y) * 12 + (b.m - a.m);
    if (n < 0)
        return 0;
    /* a + n months falls in b's month, on day min(a.d, days of that month); if
     * that is after b, the answer is n - 1 (a + (n - 1) months is in an
     * earlier month, hence before b). */
    int dim = crvm__days_in_month(b.y, b.m);
    int anniversary = a.d > dim ? dim : a.d;
    if (b.d < anniversary)
        n--;
    return n < 0 ? 0 : n;
}

int crvm__ymd_le(crvm__ymd a, crvm__ymd b)
{
    if (a.y != b.y)
        return a.y < b.y;
    if (a.m != b.m)
        return a.m < b.m;
    return a.d <= b.d;
}

int64_t crvm__starts_before(crvm__ymd start, crvm_date s, crvm_date x, int k)
{
    return x > s ? crvm__ymd_months_between(start, crvm__ymd_of(x - 1)) / k + 1 : 0;
}
