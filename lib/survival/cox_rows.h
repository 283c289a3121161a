/* Private: the rows' share of one evaluation of the Cox partial likelihood
 * summed per distinct (stratum, time) bucket (cox_tied.c), the O(n p^2)
 * work of a fit on tied data.
 *
 * Each bucket holds the augmented matrix M = sum r z~ z~' of its rows, with
 * z~ = (z, 1) the standardised covariates and a 1, r = w e^(eta - shift):
 * M's last diagonal entry is S = sum r, its last column Z = sum r z, the
 * rest A = sum r z z'. M's upper triangle is kept in vectors of 4: row a
 * (a = 0 .. p) from vector a / 4 on, its entry b >= a at
 * crvm__cox_rows_at(p, a, b) (the lanes before a within that vector
 * scratch), crvm__cox_rows_stride(p) doubles per bucket: 48 for p = 7, six
 * cache lines, against 64 for whole rows of qp = crvm__cox_rows_width(p). */
#ifndef CRVM_SURVIVAL_COX_ROWS_H
#define CRVM_SURVIVAL_COX_ROWS_H

#include <stddef.h>
#include <stdint.h>

typedef struct crvm__cox_rows {
    size_t n, p, m;       /* rows, covariates, buckets */
    const double *x;      /* n*p covariates, row-major, as given */
    const double *mean;   /* p: z = (x - mean) inv_sd */
    const double *inv_sd; /* p */
    const double *w;      /* n weights, or NULL (all 1) */
    const uint16_t *code; /* n: bucket of each row (< m) in the low 15 bits,
                             its event flag in the top bit */
    const unsigned char *b_tied; /* m: the bucket's events go to its event sums */
    double *z_scratch;    /* p + 1 values (used for p > 8) */
} crvm__cox_rows;

/* Which code adds the rows: the fastest this processor runs (an AVX2 and
 * FMA kernel on x86-64 processors that have them and p <= 15), or the
 * scalar reference, which the other must agree with to rounding. */
typedef enum { CRVM__COX_ROWS_FASTEST, CRVM__COX_ROWS_SCALAR } crvm__cox_rows_kernel;

/* Doubles of z~: p + 1 rounded up to 4. */
size_t crvm__cox_rows_width(size_t p);

/* Where row a of M starts: rows a' < a take qp - 4 (a' / 4) doubles each. */
static inline size_t crvm__cox_rows_row(size_t p, size_t a)
{
    const size_t g = (p + 4) / 4, q = a / 4, r = a % 4;
    return 4 * (a * g - 2 * q * (q > 0 ? q - 1 : 0) - r * q);
}

/* Entry b >= a of M. */
static inline size_t crvm__cox_rows_at(size_t p, size_t a, size_t b)
{
    return crvm__cox_rows_row(p, a) + b - a / 4 * 4;
}

/* Doubles of one M. */
static inline size_t crvm__cox_rows_stride(size_t p)
{
    return crvm__cox_rows_row(p, p + 1);
}

/* One pass over the rows at beta (standardised scale, p values): eta = z
 * beta of each row into eta (n values); each row's r = w e^(eta - shift)
 * into its bucket's matrix at sums + b stride, or, for an event of a
 * bucket with b_tied, at sums + (m + b) stride; with full = 0 only S is
 * added (M's other entries untouched). sums (2 m stride) are added to, not
 * zeroed. Also *ll += sum over events of w eta and, when grad is not NULL,
 * grad += sum over events of w z. Returns the largest eta. O(n p^2)
 * (full) or O(n p). */
double crvm__cox_rows_add(const crvm__cox_rows *rows, crvm__cox_rows_kernel kernel,
                          const double *beta, double shift, int full, double *eta, double *sums,
                          double *ll, double *grad);

/* eta = z beta of every row (n values) at beta (p values), as
 * crvm__cox_rows_add makes them, without the sums. O(n p). */
void crvm__cox_rows_eta(const crvm__cox_rows *rows, crvm__cox_rows_kernel kernel,
                        const double *beta, double *eta);

/* The covariates' moments about the point s (p values) in one pass over
 * the n*p row-major x: into mat (crvm__cox_rows_stride(p) doubles,
 * overwritten) the matrix sum x~ x~' with x~ = (x - s, 1) in M's layout
 * (n, the sums of x - s and their cross products), into sum, lo and hi
 * each column's sum (added in row order), smallest and largest value; z:
 * p + 1 scratch values. O(n p^2). */
void crvm__cox_rows_moments(size_t n, size_t p, const double *x, const double *s,
                            crvm__cox_rows_kernel kernel, double *mat, double *sum, double *lo,
                            double *hi, double *z);

/* The moments of the rows about s (p values) per bucket, for a fit's first
 * evaluation, at beta = 0 without weights (every r = 1), made in the pass
 * that finds the covariates' moments: into sums (2 m stride, added to)
 * each row's x~ x~', x~ = (x - s, 1), placed as crvm__cox_rows_add places
 * r z~ z~'; into events (p + 1, overwritten) the sum of x~ over the events;
 * into sum, lo and hi (overwritten) as crvm__cox_rows_moments. mean,
 * inv_sd and w are not read; z_scratch is. O(n p^2). */
void crvm__cox_rows_bucket_moments(const crvm__cox_rows *rows, crvm__cox_rows_kernel kernel,
                                   const double *s, double *sums, double *events, double *sum,
                                   double *lo, double *hi);

#endif
