/* Month arithmetic on year-month-day triples (see calendar.h). */
#include "value/calendar.h"

#include "core/alloc.h"
#include "core/error.h"

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
    return x > s ? crvm__starts_before_ymd(start, s, x, crvm__ymd_of(x - 1), k) : 0;
}

crvm_status crvm__ymd_days_new(crvm_date first, crvm_date last, crvm__ymd_days *out)
{
    int64_t span = (int64_t)last - first + 1;
    if (span < 0)
        span = 0;
    if (span > CRVM__YMD_DAYS_MAX)
        span = CRVM__YMD_DAYS_MAX;
    crvm__ymd_days t = {(crvm_date)((int64_t)last - span + 1), (uint32_t)span, NULL};
    t.at = crvm__malloc((size_t)span * sizeof *t.at + 1);
    if (!t.at)
        return crvm__nomem("calendar table");
    /* One conversion, then day by day. */
    crvm__ymd x = crvm__ymd_of(t.first);
    for (uint32_t j = 0; j < t.len; j++) {
        t.at[j] = x;
        if (++x.d > crvm__days_in_month(x.y, x.m)) {
            x.d = 1;
            if (++x.m > 12) {
                x.m = 1;
                x.y++;
            }
        }
    }
    *out = t;
    return CRVM_OK;
}

void crvm__ymd_days_free(crvm__ymd_days *t) { crvm__free(t->at); }
