/* Gauss hypergeometric function 2F1(a, b; c; z) for real parameters and z < 1.
 *
 * Method (see Pearson, Olver & Porter 2017, "Numerical methods for the
 * computation of the confluent and Gauss hypergeometric functions", sections
 * 4.2 and 4.6, and A&S 15.1.1, 15.3.4-5, 15.5.1):
 *
 *  - Special cases first: z = 0; a = c or b = c, where 2F1 = (1 - z)^-b or
 *    (1 - z)^-a.
 *  - z < 0: Pfaff transformation (A&S 15.3.4/15.3.5) to w = z / (z - 1) in
 *    (0, 1), choosing of the two forms the one whose series has no sign
 *    changes when possible. The distance 1 - w = 1 / (1 - z) is carried
 *    exactly, so z down to -1e300 is fine.
 *  - 0 < w <= 1/2: the Maclaurin series, summed with a running scale factor so
 *    that terms beyond the double range stay usable (the result is returned as
 *    log|F| and a sign).
 *  - 1/2 < w < 1: analytic continuation along the real axis by Taylor series
 *    of the solution of the hypergeometric differential equation
 *      z (1 - z) F'' + [c - (a + b + 1) z] F' - a b F = 0
 *    (Pearson et al. section 4.6). F and F' at w = 1/2 come from the series;
 *    each step re-expands at the current point z0 = 1 - u with the recurrence
 *      d_{n+2} = [(n + a)(n + b) d_n - (n + 1)((1 - 2 z0) n + c - (a + b + 1) z0) d_{n+1}]
 *                / (z0 (1 - z0) (n + 1)(n + 2))
 *    and steps by at most half the distance u to the singular point 1. This
 *    needs no special treatment when c - a - b is (near) an integer, where the
 *    1 - z connection formulas (A&S 15.3.6 and the limits 15.3.10-12) cancel
 *    catastrophically, and it is stable for large parameters, where those
 *    formulas cancel too (e.g. the Pareto/NBD 2F1(r+s+x, s+1; r+s+x+1; z) with
 *    r+s+x in the hundreds). Step lengths are also bounded by ~18/exponent
 *    times the distance to the singular points 0 and 1 for the solutions that
 *    decay along the path ((1 - z)^(c-a-b) with c - a - b > 0, z^(1-c)), whose
 *    Taylor terms alternate: their growth within a step stays below ~e^18.
 *    For z < -1 this route (Pfaff, then continuation in w towards 1) plays the
 *    part of the 1/z transformation, without its degenerate case a - b integer.
 *
 * Error control: every sum records sum|term| / |sum| (cancellation), and the
 * continuation estimates how much the starting values' relative error is
 * amplified (F not the dominant solution along the path, e.g. b tiny and
 * c - a - b < 0): in closed form when a, b, c > 0 (all Taylor coefficients
 * positive), otherwise from the product of the steps' 2 x 2 transition
 * matrices. CRVM_ECONVERGE is returned rather than a value whose estimated
 * relative error exceeds 1e-10, when a series does not terminate, and for
 * non-integer c < 0 (not needed by any model; error estimates unreliable). */
#include "math/special.h"

#include <float.h>
#include <math.h>

#include "core/error.h"

#define BIG 0x1p+800 /* rescale running sums above this */
#define MAX_TERMS 200000
#define MAX_STEPS 1000000
/* Total Taylor terms over a continuation (~0.1 s): beyond it, CRVM_ECONVERGE. */
#define MAX_WORK 30000000L
#define ERR_LIMIT 1e-10

/* A value v * exp(l). */
typedef struct scaled {
    double v, dv; /* function and derivative share the scale */
    double l;
    double err;   /* estimated relative rounding error of v so far */
    double err_d; /* the same for dv (series only) */
} scaled;

static int is_nonpos_int(double x)
{
    return x <= 0.0 && x == floor(x);
}

/* Maclaurin series at 0 <= |z| <= 1/2 (any sign of z for the terminating
 * case): F and z F' = sum k t_k. Returns 0, or -1 if it did not converge. */
static int series(double a, double b, double c, double z, scaled *out)
{
    double t = 1.0, s = 1.0, ds = 0.0, abs_sum = 1.0, abs_dsum = 0.0, l = 0.0;
    for (long k = 0;; k++) {
        if (k >= MAX_TERMS)
            return -1;
        double kk = (double)k;
        t *= (a + kk) * (b + kk) / ((c + kk) * (kk + 1.0)) * z;
        s += t;
        ds += (kk + 1.0) * t;
        abs_sum += fabs(t);
        abs_dsum += fabs(t) * (kk + 1.0);
        if (t == 0.0)
            break; /* terminating series */
        if (fabs(s) > BIG || fabs(t) > BIG || fabs(ds) > BIG) {
            s /= BIG;
            t /= BIG;
            ds /= BIG;
            abs_sum /= BIG;
            abs_dsum /= BIG;
            l += log(BIG);
        }
        /* Tail bound: once k + 1 exceeds -a, -b, -c, the factors (a+j)/(c+j)
         * and (b+j)/(j+1) are monotone in j and tend to 1, so every later
         * term ratio is at most R = |z| max(1, (a+k+1)/(c+k+1)) max(1, (b+k+1)/(k+2)),
         * and the tail is at most |t| R / (1 - R). */
        double k1 = kk + 1.0;
        if (k1 > -a && k1 > -b && k1 > -c) {
            double r = fabs(z) * fmax(1.0, (a + k1) / (c + k1)) * fmax(1.0, (b + k1) / (k1 + 1.0));
            if (r < 0.9 && fabs(t) * (kk + 2.0) * r / (1.0 - r) <= 1e-17 * fabs(s))
                break;
        }
        if (!isfinite(s))
            return -1;
    }
    out->v = s;
    out->dv = ds; /* z F'(z), scaled */
    out->l = l;
    /* Rounding in the sums, cancellation included (~ eps sum|t| / |sum|). */
    out->err = 4.0 * DBL_EPSILON * abs_sum / fabs(s);
    out->err_d = ds == 0.0 ? 0.0 : 4.0 * DBL_EPSILON * abs_dsum / fabs(ds);
    return 0;
}

/* One Taylor step from z0 = 1 - u by h (towards 1) for the solution with
 * F(z0) = f0 and u F'(z0) = g0. Returns F(z0 + h) and u' F'(z0 + h), where
 * u' = u - h, as (*fs, *gs) * exp(*l), and in *abs_sum the sum of the terms'
 * moduli on the same scale. 0, or -1 on failure. */
static int taylor_step(double a, double b, double c, double u, double h, double f0, double g0,
                       double *fs, double *gs, double *l_out, double *abs_sum, long *work)
{
    double z0 = 1.0 - u;
    double p0 = z0 * u;
    double p1 = 1.0 - 2.0 * z0;
    double q0 = c - (a + b + 1.0) * z0;
    double e0 = f0, e1 = g0 / u * h;
    double s = e0 + e1, ds = e1, as = fabs(e0) + fabs(e1);
    double l = 0.0;
    double h2 = h * h;
    for (long n = 0;; n++) {
        if (n >= MAX_TERMS || ++*work > MAX_WORK)
            return -1;
        double nn = (double)n;
        double e2 = ((nn + a) * (nn + b) * h2 * e0 - (nn + 1.0) * (p1 * nn + q0) * h * e1) /
                    (p0 * (nn + 1.0) * (nn + 2.0));
        s += e2;
        ds += (nn + 2.0) * e2;
        as += fabs(e2) * (nn + 3.0);
        e0 = e1;
        e1 = e2;
        if (fabs(s) > BIG || fabs(ds) > BIG || fabs(e0) > BIG || fabs(e1) > BIG || as > BIG) {
            s /= BIG;
            ds /= BIG;
            e0 /= BIG;
            e1 /= BIG;
            as /= BIG;
            l += log(BIG);
        }
        if (!isfinite(s) || !isfinite(ds) || !isfinite(as))
            return -1;
        if (e0 == 0.0 && e1 == 0.0)
            break;
        if (nn > 8.0 && (fabs(e0) + fabs(e1)) * (nn + 3.0) <= 1e-17 * (fabs(s) + fabs(ds)))
            break;
    }
    *fs = s;
    *gs = ds / h * (u - h);
    *l_out = l;
    *abs_sum = as;
    return 0;
}

/* Continue F from z = 1 - u0 to z = 1 - u1 (u1 < u0). The state is
 * v = (F, u F') * exp(f->l). Besides v, the product P of the steps' 2 x 2
 * transition matrices is carried: (|P00 F0| + |P01 u0 F0'|) / |F_end| says
 * how much relative perturbations of the starting values are amplified, which
 * happens when F is not the dominant solution of the differential equation
 * along the path (then the estimate makes the caller return CRVM_ECONVERGE). */
static int continue_to(double a, double b, double c, double u0, double u1, scaled *f)
{
    /* With a, b, c > 0 every Taylor coefficient of F at any point of [0, 1)
     * is positive (F^(n) is a series of positive terms): each step then sums
     * positive terms, and the conditioning has a closed-form estimate. */
    int positive = a > 0.0 && b > 0.0 && c > 0.0;
    /* Step bounds: a solution decaying like (1 - z)^(c-a-b) (c - a - b > 0) or
     * z^(1-c) has Taylor terms of alternating sign and modulus growing like
     * (1 + h/distance)^exponent; keep that below ~e^18 (rounding in the terms
     * then stays below ~1e-8 of the decayed contribution, itself O(eps)). */
    double e_exp1 = 18.0 / (1.0 + fmax(c - a - b, 0.0));
    double e_exp0 = 18.0 / (1.0 + fabs(c - 1.0));
    double u = u0;
    double v0 = f->v, v1 = f->dv; /* (F, u F') */
    double lv = f->l;
    double p[4] = {1.0, 0.0, 0.0, 1.0};
    double lp = 0.0;
    double s0 = v0, s1 = v1, ls0 = lv; /* starting state */
    double local = 0.0;
    long steps = 0, work = 0;
    while (u > u1) {
        if (++steps > MAX_STEPS)
            return -1;
        double z0 = 1.0 - u;
        double h = 0.5 * u;
        h = fmin(h, e_exp1 * u);
        h = fmin(h, e_exp0 * z0);
        double un = u - h;
        if (un < u1)
            un = u1;
        h = u - un; /* exact: un >= u / 2 */
        /* The step itself, on the actual solution. */
        double fs, gs, ls, as;
        if (taylor_step(a, b, c, u, h, v0, v1, &fs, &gs, &ls, &as, &work) != 0 || fs == 0.0)
            return -1;
        double nnorm = fabs(fs);
        local += 4.0 * DBL_EPSILON * as / nnorm;
        if (!positive) {
            /* Columns of the transition matrix, images of (1, 0) and (0, 1),
             * only to estimate the conditioning (they may lose digits to
             * cancellation; a rough P is enough for that). */
            double m[4], la, lb, asa, asb;
            if (taylor_step(a, b, c, u, h, 1.0, 0.0, &m[0], &m[2], &la, &asa, &work) != 0 ||
                taylor_step(a, b, c, u, h, 0.0, 1.0, &m[1], &m[3], &lb, &asb, &work) != 0)
                return -1;
            double lm = fmax(la, lb);
            double sa = exp(la - lm), sb = exp(lb - lm);
            m[0] *= sa;
            m[2] *= sa;
            m[1] *= sb;
            m[3] *= sb;
            double q[4] = {m[0] * p[0] + m[1] * p[2], m[0] * p[1] + m[1] * p[3],
                           m[2] * p[0] + m[3] * p[2], m[2] * p[1] + m[3] * p[3]};
            double qn = fmax(fmax(fabs(q[0]), fabs(q[1])), fmax(fabs(q[2]), fabs(q[3])));
            if (!(qn > 0.0) || !isfinite(qn))
                return -1;
            for (int i = 0; i < 4; i++)
                p[i] = q[i] / qn;
            lp += lm + log(qn);
        }
        v0 = fs / nnorm;
        v1 = gs / nnorm;
        lv += ls + log(nnorm);
        u = un;
    }
    if (v0 == 0.0)
        return -1;
    double lf_end = lv + log(fabs(v0));
    if (positive) {
        /* A relative error e in the starting values excites the solution
         * (1 - z)^(c-a-b), which grows by (u1/u0)^(c-a-b) when c - a - b < 0
         * (else the regular one, bounded by F), against F growing from F0.
         * The logarithmic case c = a + b adds a factor log(u0/u1). */
        double lgrow = (c - a - b < 0.0) ? (c - a - b) * log(u1 / u0) : 0.0;
        double lcond = fmax(0.0, lgrow + ls0 + log(fabs(s0)) - lf_end);
        f->err = exp(fmin(lcond, 700.0)) * (1.0 + log(u0 / u1)) *
                     (fmax(f->err, f->err_d) + DBL_EPSILON) +
                 local;
    } else {
        /* Sensitivity of the final F to componentwise relative perturbations of
         * the starting (F, u F'): first row of P against the starting state. */
        double sens = fabs(p[0]) * fabs(s0) * (f->err + DBL_EPSILON) +
                      fabs(p[1]) * fabs(s1) * (f->err_d + DBL_EPSILON);
        f->err = exp(fmin(lp + ls0 + log(sens) - lf_end, 700.0)) + local;
    }
    /* Return F on the common scale. */
    f->v = v0;
    f->dv = v1;
    f->l = lv;
    return 0;
}

/* 2F1(a, b; c; w) for 0 <= w < 1 given also u = 1 - w (exact). */
static crvm_status positive_arg(double a, double b, double c, double w, double u, double *log_abs,
                                int *sign, double *err)
{
    scaled f;
    if (w <= 0.5) {
        if (series(a, b, c, w, &f) != 0)
            return crvm__fail(CRVM_ECONVERGE,
                              "hyp2f1(%g, %g; %g; %g): power series did not converge", a, b, c, w);
    } else {
        if (series(a, b, c, 0.5, &f) != 0)
            return crvm__fail(CRVM_ECONVERGE,
                              "hyp2f1(%g, %g; %g; %g): power series did not converge", a, b, c, w);
        /* The series gave z F'(z) = u F'(z) at z = u = 1/2: the state (F, u F'). */
        if (continue_to(a, b, c, 0.5, u, &f) != 0)
            return crvm__fail(CRVM_ECONVERGE,
                              "hyp2f1(%g, %g; %g; %g): analytic continuation did not converge", a,
                              b, c, w);
    }
    if (f.v == 0.0) {
        *log_abs = -INFINITY;
        *sign = 1;
    } else {
        *log_abs = log(fabs(f.v)) + f.l;
        *sign = f.v > 0.0 ? 1 : -1;
    }
    *err = f.err;
    return CRVM_OK;
}

/* Does the series of 2F1(a, b; c; w > 0) have terms of one sign? */
static int same_sign_terms(double a, double b, double c)
{
    return (a > 0.0 || is_nonpos_int(a)) && (b > 0.0 || is_nonpos_int(b)) && c > 0.0;
}

crvm_status crvm__hyp2f1_log(double a, double b, double c, double z, double *log_abs, int *sign)
{
    if (isnan(a) || isnan(b) || isnan(c) || isnan(z))
        return crvm__fail(CRVM_EDOMAIN, "hyp2f1: NaN argument");
    if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(z))
        return crvm__fail(CRVM_EDOMAIN, "hyp2f1(%g, %g; %g; %g): infinite argument", a, b, c, z);
    if (!(z < 1.0))
        return crvm__fail(CRVM_EDOMAIN, "hyp2f1(%g, %g; %g; %g): z must be < 1", a, b, c, z);
    if (is_nonpos_int(c))
        return crvm__fail(CRVM_EDOMAIN,
                          "hyp2f1(%g, %g; %g; %g): c must not be a non-positive integer", a, b, c,
                          z);

    double la;
    int sg = 1;
    double err = 0.0;
    crvm_status st = CRVM_OK;
    if (z == 0.0 || a == 0.0 || b == 0.0) {
        la = 0.0;
    } else if (a == c || b == c) {
        /* (1 - z)^-b or (1 - z)^-a; (1 - z)^p > 0. */
        la = -(a == c ? b : a) * log1p(-z);
    } else if (c < 0.0) {
        /* Negative non-integer c: the terms (c)_k change sign and nearly
         * vanish around k = -c; the rounding estimates used below are not
         * reliable there, and no model needs it. */
        return crvm__fail(CRVM_ECONVERGE,
                          "hyp2f1(%g, %g; %g; %g): c < 0 is not supported (accuracy not assured)",
                          a, b, c, z);
    } else if ((is_nonpos_int(a) && a > -1000.0) || (is_nonpos_int(b) && b > -1000.0)) {
        /* Polynomial: sum it directly for any z < 1. */
        scaled f;
        if (series(a, b, c, z, &f) != 0)
            return crvm__fail(CRVM_ECONVERGE, "hyp2f1(%g, %g; %g; %g): polynomial sum failed", a,
                              b, c, z);
        if (f.v == 0.0) {
            la = -INFINITY;
        } else {
            la = log(fabs(f.v)) + f.l;
            sg = f.v > 0.0 ? 1 : -1;
        }
        err = f.err;
    } else if (z > 0.0) {
        st = positive_arg(a, b, c, z, 1.0 - z, &la, &sg, &err);
    } else {
        /* Pfaff: 2F1(a,b;c;z) = (1-z)^-a 2F1(a, c-b; c; w)
         *                     = (1-z)^-b 2F1(c-a, b; c; w),  w = z/(z-1). */
        double u = 1.0 / (1.0 - z); /* 1 - w */
        double w = -z * u;          /* z/(z-1) = -z/(1-z) */
        if (w >= 1.0)
            w = nextafter(1.0, 0.0);
        int first_ok = same_sign_terms(a, c - b, c) || is_nonpos_int(c - b);
        int second_ok = same_sign_terms(c - a, b, c) || is_nonpos_int(c - a);
        double g_la;
        /* Both usable: take the one with the cheaper series (smaller |a' b'|). */
        if (first_ok && second_ok)
            first_ok = fabs(a * (c - b)) <= fabs((c - a) * b);
        if (first_ok || !second_ok) {
            st = positive_arg(a, c - b, c, w, u, &g_la, &sg, &err);
            la = g_la - a * log1p(-z);
        } else {
            st = positive_arg(c - a, b, c, w, u, &g_la, &sg, &err);
            la = g_la - b * log1p(-z);
        }
    }
    if (st != CRVM_OK)
        return st;
    if (!(err <= ERR_LIMIT) || isnan(la))
        return crvm__fail(CRVM_ECONVERGE,
                          "hyp2f1(%g, %g; %g; %g): cancellation leaves relative error ~%.1e", a, b,
                          c, z, err);
    *log_abs = la;
    *sign = sg;
    return CRVM_OK;
}

crvm_status crvm__hyp2f1(double a, double b, double c, double z, double *value)
{
    double la;
    int sg;
    crvm_status st = crvm__hyp2f1_log(a, b, c, z, &la, &sg);
    if (st != CRVM_OK)
        return st;
    *value = sg * exp(la);
    return CRVM_OK;
}
