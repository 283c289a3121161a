/* Adaptive Gauss-Kronrod quadrature (7-point Gauss, 15-point Kronrod) for the
 * smooth one-dimensional integrals of the transaction models: the Pareto/NBD
 * likelihood and its gradient, P(X(t) = n) and DERT. The nodes and weights
 * are the standard Kronrod extension of the 7-point Gauss-Legendre rule
 * (Kronrod 1965; Piessens et al. 1983, QUADPACK); the unit test checks that
 * they integrate polynomials of degree <= 22 exactly. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "transactions/txn_private.h"

static const double xgk[8] = {
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.0};
static const double wgk[8] = {
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
/* Gauss weights for xgk[1], xgk[3], xgk[5], xgk[7]. */
static const double wg[4] = {
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

/* The intervals live in a workspace of QUAD_WORK doubles on the stack
 * (16 KB), each taking 2 + 3 dim of them: its ends and, per component, its
 * integral, error estimate and integral of |f| (SEG_* below). That holds
 * the 400 intervals of a scalar integrand and 89 of a seven-component one
 * (the Pareto/NBD likelihood's, which needs under 10 in the tests); an
 * array of 400 intervals of the widest vector took 83 KB of the caller's
 * stack, more than a small thread stack has. */
#define QUAD_WORK 2048
#define SEG_LEN(dim) (2 + 3 * (dim))
#define SEG_VAL(seg) ((seg) + 2)
#define SEG_ERR(seg, dim) ((seg) + 2 + (dim))
#define SEG_ABS(seg, dim) ((seg) + 2 + 2 * (dim))

static void gk15(crvm__quad_fn fn, void *ctx, int dim, double a, double b, double *seg)
{
    double c = 0.5 * (a + b), h = 0.5 * (b - a);
    double k[CRVM__QUAD_MAX_DIM], gs[CRVM__QUAD_MAX_DIM], ab[CRVM__QUAD_MAX_DIM];
    double fv[15][CRVM__QUAD_MAX_DIM]; /* values at the 15 nodes, for resasc */
    fn(c, fv[14], ctx);
    for (int d = 0; d < dim; d++) {
        k[d] = wgk[7] * fv[14][d];
        gs[d] = wg[3] * fv[14][d];
        ab[d] = wgk[7] * fabs(fv[14][d]);
    }
    for (int i = 0; i < 7; i++) {
        double dx = h * xgk[i];
        fn(c - dx, fv[2 * i], ctx);
        fn(c + dx, fv[2 * i + 1], ctx);
        for (int d = 0; d < dim; d++) {
            double f = fv[2 * i][d], g = fv[2 * i + 1][d];
            k[d] += wgk[i] * (f + g);
            ab[d] += wgk[i] * (fabs(f) + fabs(g));
            if (i % 2 == 1)
                gs[d] += wg[i / 2] * (f + g);
        }
    }
    seg[0] = a;
    seg[1] = b;
    for (int d = 0; d < dim; d++) {
        /* QUADPACK's error estimate (qk15): the Kronrod-Gauss difference
         * scaled by resasc, the integral of |f - mean f|; |K - G| itself
         * is the error of the 7-point rule and grossly overstates that of
         * the 15-point result. */
        double mean = 0.5 * k[d];
        double asc = wgk[7] * fabs(fv[14][d] - mean);
        for (int i = 0; i < 7; i++)
            asc += wgk[i] * (fabs(fv[2 * i][d] - mean) + fabs(fv[2 * i + 1][d] - mean));
        double hh = fabs(h);
        double err = fabs((k[d] - gs[d]) * h);
        double resasc = asc * hh, resabs = ab[d] * hh;
        if (resasc != 0.0 && err != 0.0) {
            double ratio = 200.0 * err / resasc;
            err = resasc * (ratio < 1.0 ? pow(ratio, 1.5) : 1.0);
        }
        if (resabs > DBL_MIN / (50.0 * DBL_EPSILON) && err < 50.0 * DBL_EPSILON * resabs)
            err = 50.0 * DBL_EPSILON * resabs;
        SEG_VAL(seg)[d] = k[d] * h;
        SEG_ERR(seg, dim)[d] = err;
        SEG_ABS(seg, dim)[d] = resabs;
    }
}

int crvm__quad_gk(crvm__quad_fn fn, void *ctx, int dim, double a, double b, double rel_tol,
                  int max_intervals, double *result)
{
    double work[QUAD_WORK];
    const int len = SEG_LEN(dim), room = QUAD_WORK / len;
    if (max_intervals > CRVM__QUAD_MAX_INTERVALS)
        max_intervals = CRVM__QUAD_MAX_INTERVALS;
    if (max_intervals > room)
        max_intervals = room;
    if (max_intervals < 1)
        max_intervals = 1;
    int n = 1;
    gk15(fn, ctx, dim, a, b, work);
    for (;;) {
        double tot[CRVM__QUAD_MAX_DIM], err[CRVM__QUAD_MAX_DIM], abs_[CRVM__QUAD_MAX_DIM];
        memset(tot, 0, sizeof tot);
        memset(err, 0, sizeof err);
        memset(abs_, 0, sizeof abs_);
        for (int i = 0; i < n; i++) {
            const double *seg = work + i * len;
            for (int d = 0; d < dim; d++) {
                tot[d] += SEG_VAL(seg)[d];
                err[d] += SEG_ERR(seg, dim)[d];
                abs_[d] += SEG_ABS(seg, dim)[d];
            }
        }
        int ok = 1;
        for (int d = 0; d < dim; d++)
            if (!(err[d] <= rel_tol * abs_[d] || err[d] <= 1e-300))
                ok = 0;
        if (ok || n >= max_intervals) {
            for (int d = 0; d < dim; d++)
                result[d] = tot[d];
            return ok;
        }
        /* bisect the segment with the largest scaled error */
        int worst = 0;
        double wv = -1.0;
        for (int i = 0; i < n; i++) {
            double v = 0.0;
            for (int d = 0; d < dim; d++) {
                double s = abs_[d] > 0 ? SEG_ERR(work + i * len, dim)[d] / abs_[d] : 0.0;
                if (s > v)
                    v = s;
            }
            if (v > wv) {
                wv = v;
                worst = i;
            }
        }
        double lo = work[worst * len], hi = work[worst * len + 1], mid = 0.5 * (lo + hi);
        if (!(mid > lo && mid < hi)) { /* interval cannot be split further */
            for (int d = 0; d < dim; d++)
                result[d] = tot[d];
            return 0;
        }
        gk15(fn, ctx, dim, lo, mid, work + worst * len);
        gk15(fn, ctx, dim, mid, hi, work + n * len);
        n++;
    }
}
