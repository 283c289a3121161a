/* Private: money held as whole cents. Every sum of cents the library forms
 * stays below 2^53 in magnitude, so it is exact in the doubles that the
 * aggregates are returned in and no int64 accumulation can overflow
 * (crvm/ledger.h, "Money"). */
#ifndef CRVM_CORE_MONEY_H
#define CRVM_CORE_MONEY_H

#include <math.h>
#include <stdint.h>

/* 2^53: the bound on the magnitude of any sum of cents. */
#define CRVM__MAX_CENTS 9007199254740992.0

/* Whether a number of cents is within the exact range. */
static inline int crvm__cents_ok(double cents) { return fabs(cents) < CRVM__MAX_CENTS; }

/* Whole cents of an amount in currency units (half away from zero) into *out;
 * 0 (and *out untouched) if beyond 2^53 cents or not finite. */
static inline int crvm__to_cents(double amount, int64_t *out)
{
    double c = amount * 100.0;
    if (!crvm__cents_ok(c))
        return 0;
    *out = llround(c);
    return 1;
}

#endif
