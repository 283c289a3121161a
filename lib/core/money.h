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

/* llround(x) for every double: half away from zero, in line. Below 2^52 in
 * magnitude the truncation (int64_t)x is exact and so is the fraction
 * x - (double)x_truncated (both have x's sign and the fraction needs no more
 * bits than x), so one comparison of the fraction with 1/2 rounds exactly.
 * From 2^52 on every double is whole, and there, as for NaN and the
 * infinities (for which the test below is false), llround itself answers,
 * so its result for a value beyond int64 is kept too. The library call was
 * ~30 M instructions of the value fit at 10^5 customers. */
static inline long long crvm__llround(double x)
{
    if (!(fabs(x) < 4503599627370496.0)) /* 2^52 */
        return llround(x);
    const long long t = (long long)x;
    const double f = x - (double)t;
    return t + (f >= 0.5) - (f <= -0.5);
}

/* Whether a number of cents is within the exact range. */
static inline int crvm__cents_ok(double cents) { return fabs(cents) < CRVM__MAX_CENTS; }

/* Whole cents of an amount in currency units (half away from zero) into *out;
 * 0 (and *out untouched) if beyond 2^53 cents or not finite. */
static inline int crvm__to_cents(double amount, int64_t *out)
{
    double c = amount * 100.0;
    if (!crvm__cents_ok(c))
        return 0;
    *out = crvm__llround(c);
    return 1;
}

/* 2^53 as an int64, for sums accumulated in whole cents. */
#define CRVM__MAX_CENTS_I64 9007199254740992LL

/* Whole cents of an amount in currency units (half away from zero),
 * saturated: an amount beyond 2^53 cents, or not finite, gives +-(2^53 + 1)
 * (+ for NaN), which every checked sum below refuses. For code that adds
 * many costed figures and checks once, through crvm__cents_add. */
static inline int64_t crvm__cents_of(double amount)
{
    double c = amount * 100.0;
    if (crvm__cents_ok(c))
        return crvm__llround(c);
    return c < 0 ? -(CRVM__MAX_CENTS_I64 + 1) : CRVM__MAX_CENTS_I64 + 1;
}

/* *acc += v; 0 (*acc unchanged) if v or the sum leaves (-2^53, 2^53). Both
 * operands are checked first, so the test itself cannot overflow. */
static inline int crvm__cents_add(int64_t *acc, int64_t v)
{
    if (v >= CRVM__MAX_CENTS_I64 || v <= -CRVM__MAX_CENTS_I64 ||
        (v > 0 && *acc >= CRVM__MAX_CENTS_I64 - v) || (v < 0 && *acc <= -CRVM__MAX_CENTS_I64 - v))
        return 0;
    *acc += v;
    return 1;
}

/* Whole cents of x cents (half away from zero) into *out; 0 if not finite or
 * beyond 2^53. */
static inline int crvm__cents_round(double x, int64_t *out)
{
    if (!crvm__cents_ok(x))
        return 0;
    *out = crvm__llround(x);
    return 1;
}

#endif
