/* Private: e^x, and e^x with e^x - 1, by a 64-entry table and a short
 * polynomial, branch-free, so that a loop over an array of arguments
 * compiles to straight-line (vectorisable) code. It replaced a degree-13
 * Taylor polynomial on |r| <= ln(2)/2 (no table): the table costs two
 * loads, the polynomial's chain of dependent operations is less than
 * half as long, and the engine's node chunks spend ~15% fewer
 * instructions on their exponentials.
 *
 * x = (64 n + j) ln(2)/64 + r with k = 64 n + j = round(64 x / ln 2),
 * j in -32..31 and |r| <= ln(2)/128 + 1e-13 (64 x / ln 2 is rounded
 * before k is): ln(2)/64 is split in two parts, the first with 18 trailing
 * zero bits, so that its product with k (|k| < 2^17 here) and the
 * subtraction from x are exact, and r is off only by the second part's
 * product and representation, below 1e-23. Then, T_j = 2^(j/64) and its
 * complement T_j - 1 from the tables (the doubles nearest their exact
 * values) and p = e^r - 1 by its Taylor polynomial,
 *     e^x = 2^n T_j + 2^n T_j p,
 *     e^x - 1 = 2^n ((T_j - 1) + T_j p) + (2^n - 1).
 * Truncation: to r^5 for e^x alone (the rest below 3.6e-17 absolute, on a
 * result in [0.70, 1.42]); to r^6 for the pair (the rest below 5.2e-18 of
 * |p|, so that e^x - 1 keeps its relative accuracy where it equals p).
 * e^x - 1 does not cancel: for n = 0 the table's complement and T_j p
 * have opposite signs only across half a cell (|result| >= |T_j - 1| / 2
 * for j != 0) and for n != 0, |x| > 0.34 and |e^x - 1| > 0.28.
 *
 * Accuracy, in ulps of the exact value: e^x within 1.53 -- the table's
 * rounding (2^-53 relative: up to 1 ulp of a result just below a power of
 * two), the final rounding (1/2) and the polynomial's (r^6/6! and the
 * roundings of p, of T_j p: under 0.03); e^x - 1 within 2.1. Measured
 * against expl / expm1l over a grid of 2e7 points of [-708, 709] (and the
 * same scaled by 1e-3), both sides of every cell's edges and tiny
 * arguments: e^x 1.48 (the pair's e^x 1.25), e^x - 1 2.02; the degree-13
 * form it replaced: 0.97 and 1.94. tests/unit/test_math.c asserts the
 * bounds on a smaller sweep of the same kinds. */
#ifndef CRVM_MATH_EXP_TABLE_H
#define CRVM_MATH_EXP_TABLE_H

#include <stdint.h>
#include <string.h>

/* 2^(j/64) and 2^(j/64) - 1 at index j + 32, j = -32..31 (exp_table.c). */
extern const double crvm__exp_tab_2j[64];
extern const double crvm__exp_tab_2j_m1[64];

/* Splits x (within [-708, 709]) into the table's index j + 32 (*idx), the
 * bits of 2^n already shifted into a double's exponent field (*nbits, to be
 * added to a table entry's bits), and r (returned). Unsigned arithmetic
 * only (wrapping), which SSE2 has for two lanes at a time. */
static inline double crvm__exp_tab_reduce(double x, uint64_t *idx, uint64_t *nbits)
{
    /* Adding 1.5 * 2^52 rounds 64 x / ln 2 to an integer k held in the low
     * bits; u = k + 32 then has j + 32 in its low six bits and 64 n above. */
    const double shifter = 0x1.8p52;
    double t = x * 0x1.71547652b82fep+6 + shifter;
    double k = t - shifter;
    double r = (x - k * 0x1.62e42fefc0000p-7) - k * -0x1.c610ca86c3899p-43;
    uint64_t bits;
    memcpy(&bits, &t, sizeof bits);
    uint64_t u = bits - 0x4338000000000000ULL + 32u;
    *idx = u & 63u;
    *nbits = (u - *idx) << 46;
    return r;
}

/* e^x for -708 <= x <= 709 (no check: the caller bounds x; with no
 * conditional a loop over it vectorises). */
static inline double crvm__exp_tab_fast(double x)
{
    uint64_t idx, nbits;
    double r = crvm__exp_tab_reduce(x, &idx, &nbits);
    double p = 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = r + (r * r) * p;
    uint64_t tb;
    double st;
    memcpy(&tb, &crvm__exp_tab_2j[idx], sizeof tb);
    tb += nbits;
    memcpy(&st, &tb, sizeof st);
    return st + st * p;
}

/* e^x (*ex) and e^x - 1 (*em1) for -708 <= x <= 709 (no check). */
static inline void crvm__exp_tab_pair_fast(double x, double *ex, double *em1)
{
    uint64_t idx, nbits;
    double r = crvm__exp_tab_reduce(x, &idx, &nbits);
    double p = 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = r + (r * r) * p;
    double tj = crvm__exp_tab_2j[idx], st, s;
    uint64_t tb, sb = nbits + 0x3ff0000000000000ULL;
    memcpy(&tb, &tj, sizeof tb);
    tb += nbits;
    memcpy(&st, &tb, sizeof st);
    memcpy(&s, &sb, sizeof s);
    *ex = st + st * p;
    *em1 = s * (crvm__exp_tab_2j_m1[idx] + tj * p) + (s - 1.0);
}

/* e^x for any x: 0 below -708, e^709's value above 709. */
static inline double crvm__exp_tab(double x)
{
    double xc = x < -708.0 ? -708.0 : x;
    xc = xc > 709.0 ? 709.0 : xc;
    double e = crvm__exp_tab_fast(xc);
    return x < -708.0 ? 0.0 : e;
}

/* The pair for any x: below -708 e^x is 0 and e^x - 1 is -1, above 709
 * both are those at 709. */
static inline void crvm__exp_tab_pair(double x, double *ex, double *em1)
{
    double xc = x < -708.0 ? -708.0 : x;
    xc = xc > 709.0 ? 709.0 : xc;
    crvm__exp_tab_pair_fast(xc, ex, em1);
    *ex = x < -708.0 ? 0.0 : *ex;
    *em1 = x < -708.0 ? -1.0 : *em1;
}

#endif
