/* Private: month arithmetic on year-month-day triples for the value layer,
 * which counts the periods of ~10^7 customer-periods and touches: one civil
 * conversion per date instead of the several of crvm__whole_months. Results
 * equal crvm__whole_months / crvm__add_months (ledger/date.c) exactly. */
#ifndef CRVM_VALUE_CALENDAR_H
#define CRVM_VALUE_CALENDAR_H

#include <stdint.h>

#include "crvm/ledger.h"

typedef struct crvm__ymd {
    int y, m, d;
} crvm__ymd;

crvm__ymd crvm__ymd_of(crvm_date date);
crvm_date crvm__date_of(crvm__ymd t);
/* t + n months, the day clamped to the target month's length (no range check). */
crvm__ymd crvm__ymd_add_months(crvm__ymd t, long n);
/* Whole months from a to b: the largest n >= 0 with a + n months <= b (0 if b < a). */
int crvm__ymd_months_between(crvm__ymd a, crvm__ymd b);
/* 1 if a is on or before b. */
int crvm__ymd_le(crvm__ymd a, crvm__ymd b);
/* Number of the period starts start + j * k months (j >= 0) that fall before
 * the date x, for a start date s whose y-m-d is `start`. */
int64_t crvm__starts_before(crvm__ymd start, crvm_date s, crvm_date x, int k);

#endif
