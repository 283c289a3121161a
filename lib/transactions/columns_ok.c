/* The cheap pass of the continuous-time models' column check (txn.c's
 * check_columns): every row accepted or not, without branches or messages,
 * four rows per step, AVX2 where the processor has it. The check is a
 * quarter to a third of a P(alive) call, and the pass is bound by its
 * comparisons, not by reading the columns (1.8 ns a row at 10^5 rows, in
 * cache, and at 10^6, out of it), so the wider vectors pay. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "transactions/txn_private.h"

#if defined(__GNUC__) || defined(__clang__)
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));
typedef double v2d __attribute__((vector_size(16)));
typedef long long v2l __attribute__((vector_size(16)));

/* Rows [0, n - n % W) of W lanes (vector types VD, VL). For 0 <= v < 2^52,
 * (v + 2^52) - 2^52 rounds v to a whole number, so it equals v exactly when
 * v is whole; every double from 2^52 on is whole. The minimum and maximum
 * of T by masks: no NaN reaches them when the rows pass. One body for both
 * widths: four lanes in SSE2 registers lowered by GCC run eight times
 * slower than two. */
#define ROWS_LOOP(VD, VL, W)                                                                       \
    do {                                                                                           \
        VD zero, top, big, vlo, vhi;                                                               \
        VL acc;                                                                                    \
        for (int k = 0; k < (W); k++) {                                                            \
            zero[k] = 0.0;                                                                         \
            top[k] = DBL_MAX;                                                                      \
            big[k] = 0x1p52;                                                                       \
            vlo[k] = INFINITY;                                                                     \
            vhi[k] = -INFINITY;                                                                    \
            acc[k] = -1;                                                                           \
        }                                                                                          \
        for (size_t i = 0; i + (W) <= n; i += (W)) {                                               \
            VD xi, ti, Ti;                                                                         \
            memcpy(&xi, x + i, sizeof xi);                                                         \
            memcpy(&ti, tx + i, sizeof ti);                                                        \
            memcpy(&Ti, T + i, sizeof Ti);                                                         \
            acc &= (xi >= zero) & (xi <= top) & (((xi + big) - big == xi) | (xi >= big)) &         \
                   (ti >= zero) & (ti <= Ti) & (Ti <= top) & ((xi != zero) | (ti == zero));        \
            if (want) {                                                                            \
                VL below = Ti < vlo, above = Ti > vhi;                                             \
                vlo = (VD)(((VL)Ti & below) | ((VL)vlo & ~below));                                 \
                vhi = (VD)(((VL)Ti & above) | ((VL)vhi & ~above));                                 \
            }                                                                                      \
        }                                                                                          \
        int ok = 1;                                                                                \
        for (int k = 0; k < (W); k++) {                                                            \
            *lo = vlo[k] < *lo ? vlo[k] : *lo;                                                     \
            *hi = vhi[k] > *hi ? vhi[k] : *hi;                                                     \
            ok &= acc[k] != 0;                                                                     \
        }                                                                                          \
        return ok;                                                                                 \
    } while (0)

#if defined(__x86_64__)
__attribute__((target("avx2"))) static int rows_avx2(const double *x, const double *tx,
                                                     const double *T, size_t n, int want,
                                                     double *lo, double *hi)
{
    ROWS_LOOP(v4d, v4l, 4);
}
#endif

static int rows_sse2(const double *x, const double *tx, const double *T, size_t n, int want,
                     double *lo, double *hi)
{
    ROWS_LOOP(v2d, v2l, 2);
}

/* the rows the vector loop took: n rounded down to its width */
static size_t leading_rows(const double *x, const double *tx, const double *T, size_t n, int *ok,
                           int want, double *lo, double *hi)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) {
        *ok = rows_avx2(x, tx, T, n, want, lo, hi);
        return n - n % 4;
    }
#endif
    *ok = rows_sse2(x, tx, T, n, want, lo, hi);
    return n - n % 2;
}
#else
static size_t leading_rows(const double *x, const double *tx, const double *T, size_t n, int *ok,
                           int want, double *lo, double *hi)
{
    (void)x, (void)tx, (void)T, (void)n, (void)want, (void)lo, (void)hi;
    *ok = 1;
    return 0;
}
#endif

#if defined(__GNUC__) || defined(__clang__)
/* The least and largest T alone, W lanes by masks as in ROWS_LOOP (NaN is
 * never picked) */
#define RANGE_LOOP(VD, VL, W)                                                                      \
    do {                                                                                           \
        VD vlo, vhi;                                                                               \
        for (int k = 0; k < (W); k++) {                                                            \
            vlo[k] = INFINITY;                                                                     \
            vhi[k] = -INFINITY;                                                                    \
        }                                                                                          \
        size_t i = 0;                                                                              \
        for (; i + (W) <= n; i += (W)) {                                                           \
            VD Ti;                                                                                 \
            memcpy(&Ti, T + i, sizeof Ti);                                                         \
            VL below = Ti < vlo, above = Ti > vhi;                                                 \
            vlo = (VD)(((VL)Ti & below) | ((VL)vlo & ~below));                                     \
            vhi = (VD)(((VL)Ti & above) | ((VL)vhi & ~above));                                     \
        }                                                                                          \
        for (int k = 0; k < (W); k++) {                                                            \
            *lo = vlo[k] < *lo ? vlo[k] : *lo;                                                     \
            *hi = vhi[k] > *hi ? vhi[k] : *hi;                                                     \
        }                                                                                          \
        return i;                                                                                  \
    } while (0)

#if defined(__x86_64__)
__attribute__((target("avx2"))) static size_t range_avx2(const double *T, size_t n, double *lo,
                                                         double *hi)
{
    RANGE_LOOP(v4d, v4l, 4);
}
#endif

static size_t range_sse2(const double *T, size_t n, double *lo, double *hi)
{
    RANGE_LOOP(v2d, v2l, 2);
}

static size_t leading_range(const double *T, size_t n, double *lo, double *hi)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2"))
        return range_avx2(T, n, lo, hi);
#endif
    return range_sse2(T, n, lo, hi);
}
#else
static size_t leading_range(const double *T, size_t n, double *lo, double *hi)
{
    (void)T, (void)n, (void)lo, (void)hi;
    return 0;
}
#endif

void crvm__txn_T_range(const double *T, size_t n, double *T_lo, double *T_hi)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = leading_range(T, n, &lo, &hi); i < n; i++) {
        lo = T[i] < lo ? T[i] : lo;
        hi = T[i] > hi ? T[i] : hi;
    }
    *T_lo = lo;
    *T_hi = hi;
}

int crvm__txn_columns_ok(const double *x, const double *tx, const double *T, size_t n,
                         double *T_lo, double *T_hi)
{
    double lo = INFINITY, hi = -INFINITY;
    int ok, want = T_lo != NULL;
    for (size_t i = leading_rows(x, tx, T, n, &ok, want, &lo, &hi); i < n; i++) {
        ok &= crvm__txn_row_ok(x[i], tx[i], T[i]);
        lo = T[i] < lo ? T[i] : lo;
        hi = T[i] > hi ? T[i] : hi;
    }
    if (want) {
        *T_lo = lo;
        *T_hi = hi;
    }
    return ok;
}
