/* Month arithmetic on year-month-day triples (see calendar.h). */
#include "value/calendar.h"

crvm_date crvm__date_of(crvm__ymd t) { return crvm__days_from_civil(t.y, t.m, t.d); }

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
