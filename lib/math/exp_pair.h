/* Private: e^x and e^x - 1 together, branch-free, so that a loop over an
 * array of arguments compiles to straight-line (vectorisable) code.
 *
 * x = n ln 2 + r with n = round(x / ln 2) and |r| <= ln(2)/2, ln 2 split in
 * two parts so that r is exact; p = e^r - 1 by its Taylor polynomial to r^13
 * (the first term left out, r^14/14!, is below 5e-18 of |p| there); then
 *     e^x = 2^n + 2^n p,   e^x - 1 = 2^n p + (2^n - 1),
 * the second without cancellation: for n = 0 it is p itself, for n != 0 the
 * two terms do not cancel (|e^x - 1| > 0.29). Both are within a few ulps.
 * Without the range checks (the _fast forms) a loop over an array of
 * arguments has no conditional, which lets the compiler vectorise it. */
#ifndef CRVM_MATH_EXP_PAIR_H
#define CRVM_MATH_EXP_PAIR_H

#include <stdint.h>
#include <string.h>

/* e^r - 1 for |r| <= ln(2)/2: Taylor to r^13, Horner. */
static inline double crvm__expm1_reduced(double r)
{
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    return r + (r * r) * p;
}

/* Splits x (already clamped) into 2^n (returned through *scale) and r. */
static inline double crvm__exp_reduce(double x, double *scale)
{
    /* Adding 1.5 * 2^52 rounds x / ln 2 to an integer held in the low bits. */
    const double shifter = 0x1.8p52;
    double t = x * 0x1.71547652b82fep0 + shifter;
    double n = t - shifter;
    double r = (x - n * 0x1.62e42fefa3800p-1) - n * 0x1.ef35793c7673p-45;
    uint64_t bits, sbits;
    memcpy(&bits, &t, sizeof bits);
    const uint64_t shifter_bits = 0x4338000000000000ULL;
    sbits = (bits - shifter_bits + 1023u) << 52;
    memcpy(scale, &sbits, sizeof *scale);
    return r;
}

/* e^x for -708 <= x <= 709 (no check: the caller bounds x; with no
 * conditional a loop over it vectorises). */
static inline double crvm__exp_fast(double x)
{
    double s, r = crvm__exp_reduce(x, &s);
    double p = crvm__expm1_reduced(r);
    return s + s * p;
}

/* e^x (*ex) and e^x - 1 (*em1) for -708 <= x <= 709 (no check). */
static inline void crvm__exp_pair_fast(double x, double *ex, double *em1)
{
    double s, r = crvm__exp_reduce(x, &s);
    double p = crvm__expm1_reduced(r);
    *ex = s + s * p;
    *em1 = s * p + (s - 1.0);
}

/* The same for any x: below -708 e^x is 0 and e^x - 1 is -1, above 709
 * both are e^709. */
static inline void crvm__exp_pair(double x, double *ex, double *em1)
{
    double xc = x < -708.0 ? -708.0 : x;
    xc = xc > 709.0 ? 709.0 : xc;
    crvm__exp_pair_fast(xc, ex, em1);
    *ex = x < -708.0 ? 0.0 : *ex;
    *em1 = x < -708.0 ? -1.0 : *em1;
}

#endif
