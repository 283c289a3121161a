/* As-of dates validated against the data (crvm/ledger.h, "As-of dates"):
 * the per-period routines do work that grows with the periods from each
 * customer's start to as_of, so an as_of far beyond the data (9999-12-31)
 * would make it unbounded, and would claim customers active through years
 * nobody observed. */
#include "core/calendar.h"
#include "core/error.h"
#include "ledger/ledger_internal.h"

crvm_date crvm__ledger_last_date(const crvm_ledger *l)
{
    crvm_date d = l->summary.last;
    crvm__latest_note(&d, l->summary.last_end);
    crvm__latest_note(&d, l->summary.last_closed);
    return d;
}

crvm_status crvm__ledger_check_as_of(const crvm_ledger *l, const char *fn, crvm_date as_of)
{
    if (!crvm__date_valid(as_of))
        return crvm__fail(CRVM_EINVAL, "%s: as_of = %ld: not a valid date", fn, (long)as_of);
    crvm_date last = crvm__ledger_last_date(l);
    if (last == CRVM_DATE_NONE || as_of - last <= CRVM__AS_OF_GRACE_DAYS)
        return CRVM_OK;
    char a[11], b[11];
    crvm__format_date(as_of, a);
    crvm__format_date(last, b);
    return crvm__fail(CRVM_EINVAL,
                      "%s: as_of = %s is more than %d days after the last date in the ledger "
                      "(%s): the data say nothing of the customers then, and the work would grow "
                      "with every period up to as_of",
                      fn, a, CRVM__AS_OF_GRACE_DAYS, b);
}
