/* Cox proportional hazards by Newton–Raphson on the partial likelihood.
 *
 * Cox (1972), JRSS-B 34:187-220. Ties: Breslow (1974), Biometrics 30:89-99,
 * and Efron (1977), JASA 72:557-565. For a block of d tied events at time t
 * with risk-set sums S_R = sum_R w e^eta, Z_R = sum_R w e^eta x,
 * A_R = sum_R w e^eta x x' and event-set sums S_D, Z_D, A_D, Efron's
 * approximation contributes, with wbar the mean weight of the d events and
 * S_l = S_R - (l/d) S_D (likewise Z_l, A_l), l = 0 .. d-1,
 *   loglik += sum_D w eta - wbar sum_l log S_l
 *   score  += sum_D w x   - wbar sum_l Z_l / S_l
 *   info   +=               wbar sum_l (A_l / S_l - Z_l Z_l' / S_l^2)
 * (Therneau & Grambsch 2000, "Modeling Survival Data", sec. 3.3, weighted
 * form); Breslow's is the same with every S_l = S_R. Risk-set sums are
 * accumulated in one pass over the rows sorted by (stratum, time descending),
 * so an iteration costs O(n p^2).
 *
 * Robust covariance: Lin & Wei (1989), JASA 84:1074-1078, sandwich
 * I^-1 (sum_i w_i^2 U_i U_i') I^-1 with the score residuals U_i (the Efron
 * form distributes each tied block over its d pseudo-events; Therneau &
 * Grambsch sec. 7.2). Baseline: Breslow's estimator,
 * dH0(t) = sum_D w / sum_R w e^eta. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/huge_pages.h"
#include "core/error.h"
#include "crvm/survival.h"
#include "math/linalg.h"
#include "math/vmath.h"
#include "survival/distrib.h"
#include "survival/internal.h"
#include "survival/cox_efron.h"
#include "survival/cox_fit.h"
#include "survival/cox_model.h"
#include "survival/cox_rows.h"

void crvm_cox_options_init(crvm_cox_options *options)
{
    if (options != NULL) {
        crvm_cox_options d = CRVM_COX_OPTIONS_INIT;
        *options = d;
    }
}

void crvm_cox_free(crvm_cox *cox)
{
    if (cox == NULL)
        return;
    crvm__free(cox->beta);
    crvm__free(cox->mean);
    crvm__free(cox->cov);
    crvm__free(cox->cov_robust);
    crvm__free(cox->strata);
    crvm__free(cox->base_start);
    crvm__free(cox->base_time);
    crvm__free(cox->base_cumhaz);
    crvm__free(cox->train.time);
    crvm__huge_free(cox->train.score);
    crvm__free(cox->train.events);
    crvm__free(cox->train.strata);
    crvm__free(cox->train.code);
    crvm__free(cox->train.code_time);
    crvm__free(cox->train.code_stratum);
    crvm__free(cox);
}

size_t crvm_cox_n_covariates(const crvm_cox *cox) { return cox ? cox->p : 0; }

/* ---- fitting workspace -------------------------------------------------- */

typedef struct fit_data {
    size_t n, p;
    crvm_ties ties;
    double penalizer;
    const double *z;       /* n*p standardised covariates, sorted order */
    const double *t;       /* n durations, sorted */
    const int32_t *e;      /* n events, sorted */
    const double *w;       /* n weights, sorted */
    const size_t *sbegin;  /* n_strata + 1 offsets of strata in sorted order */
    size_t n_strata;
    const double *t0;      /* NULL, or n interval start times (sorted order) */
    const size_t *t0_order;/* with t0: within each stratum's range, the rows by start ascending */
    double *eta;           /* n linear predictors (scratch) */
    double *risk;          /* n risk weights w e^(eta - shift) of the current beta (scratch) */
    /* scratch for sums */
    double *zr, *ar, *zd, *ad, *zl;
    crvm__cox_tied *tied;  /* non-NULL: rows in their own order, summed per time */
} fit_data;

/* Add (sign = 1) or remove (sign = -1) row i to the risk-set sums S_R, Z_R
 * and (if ar) A_R; returns its risk weight w e^(eta - shift) (fd->risk). */
static double risk_update(const fit_data *fd, size_t i, double sign, double *sr, double *zr,
                          double *ar)
{
    double r = fd->risk[i];
    *sr += sign * r;
    crvm__cox_add_weighted(fd->p, sign * r, fd->z + i * fd->p, zr, ar);
    return r;
}

/* Counting-process data: the scan runs down the stop times; rows whose start
 * is >= time (no longer at risk: at risk iff start < time <= stop) leave the
 * sums. *next indexes t0_order within the stratum (from its end). */
static void risk_remove_started(const fit_data *fd, size_t s0, size_t *next, double time,
                                double *sr, double *zr, double *ar)
{
    if (fd->t0 == NULL)
        return;
    while (*next > s0 && fd->t0[fd->t0_order[*next - 1]] >= time) {
        (*next)--;
        risk_update(fd, fd->t0_order[*next], -1.0, sr, zr, ar);
    }
}

/* fd->eta = Z beta; returns its maximum, the shift that keeps exp(eta - shift) <= 1. */
static double linear_predictor(fit_data *fd, const double *beta)
{
    const size_t n = fd->n, p = fd->p;
    double shift = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        const double *zi = fd->z + i * p;
        double s = 0.0;
        for (size_t j = 0; j < p; j++)
            s += zi[j] * beta[j];
        fd->eta[i] = s;
        if (s > shift)
            shift = s;
    }
    return shift;
}

/* fd->risk = w e^(eta - shift), the exponentials through the vector
 * function (math/vmath.h) */
static void risk_weights(fit_data *fd, double shift)
{
    const size_t n = fd->n;
    for (size_t i = 0; i < n; i++)
        fd->risk[i] = fd->eta[i] - shift;
    crvm__vexp(fd->risk, fd->risk, n);
    for (size_t i = 0; i < n; i++)
        fd->risk[i] *= fd->w[i];
}

/* The score and information terms of a block from its scalar sums c =
 * {c0, c1, q0, q1, q2} (crvm__cox_block_terms). */
static inline void block_update(const size_t p, int efron, double wbar, const double *c,
                                const double *zr, const double *ar, const double *zd,
                                const double *ad, double *zl, double *grad, double *info)
{
    const double c0 = c[0], c1 = c[1], q0 = c[2], q1 = c[3], q2 = c[4];
    if (grad)
        for (size_t a = 0; a < p; a++)
            grad[a] -= wbar * (zr[a] * c0 - (efron ? zd[a] * c1 : 0.0));
    if (info == NULL)
        return;
    if (!efron) {
        for (size_t a = 0; a < p; a++)
            zl[a] = zr[a] * c0; /* one term: zl = zr / sr */
        for (size_t a = 0; a < p; a++)
            for (size_t b = a; b < p; b++)
                info[a * p + b] += wbar * (ar[a * p + b] * c0 - zl[a] * zl[b]);
        return;
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = a; b < p; b++)
            info[a * p + b] += wbar * (ar[a * p + b] * c0 - ad[a * p + b] * c1 -
                                       (zr[a] * zr[b] * q0 - (zr[a] * zd[b] + zd[a] * zr[b]) * q1 +
                                        zd[a] * zd[b] * q2));
}

/* Efron's d terms l = 0 .. d-1 have the risk sums minus the fraction
 * f = l/d of the event sums, S_l = sr - f sd; the score and information are
 * linear in f over S_l and quadratic in f over S_l^2, so the d terms
 * collapse into five scalar sums and one O(p^2) update per tied block:
 *   sum zl      = zr c0 - zd c1,
 *   sum (A - f A_D)/S_l = ar c0 - ad c1,
 *   sum zl zl^T = zr zr^T q0 - (zr zd^T + zd zr^T) q1 + zd zd^T q2,
 * c_k = sum f^k / S_l, q_k = sum f^k / S_l^2, and sum log S_l = terms
 * log S_R + sum log(S_l / S_R): the sums over the ratios S_l / S_R in
 * [1/d, 1] are crvm__cox_efron_sums'. */
void crvm__cox_block_terms(size_t p, crvm_ties ties, double shift, size_t d, double wd,
                           double sr, const double *zr, const double *ar, double sd,
                           const double *zd, const double *ad, double *zl, double *ll,
                           double *grad, double *info)
{
    const int efron = ties == CRVM_TIES_EFRON && d > 1;
    const size_t terms = efron ? d : 1;
    const double wbar = efron ? wd / (double)d : wd;
    const double inv_sr = 1.0 / sr;
    double c0, c1 = 0.0, q0, q1 = 0.0, q2 = 0.0, logs = (double)terms * log(sr);
    if (!efron) { /* one term, S_0 = S_R */
        c0 = inv_sr;
        q0 = inv_sr * inv_sr;
    } else { /* S_l = S_R r_l */
        double e[5];
        logs += crvm__cox_efron_sums(d, sd / sr, e);
        c0 = inv_sr * e[0];
        c1 = inv_sr * e[1];
        q0 = inv_sr * inv_sr * e[2];
        q1 = inv_sr * inv_sr * e[3];
        q2 = inv_sr * inv_sr * e[4];
    }
    *ll -= wbar * (logs + (double)terms * shift);
    const double c[5] = {c0, c1, q0, q1, q2};
    switch (p) { /* a constant p unrolls the O(p^2) loops (distinct times: one block per event) */
#define CASE(P)                                                                                    \
    case P:                                                                                        \
        block_update(P, efron, wbar, c, zr, ar, zd, ad, zl, grad, info);                           \
        break;
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
    default:
        block_update(p, efron, wbar, c, zr, ar, zd, ad, zl, grad, info);
    }
}

/* Log partial likelihood (unpenalised), score and the upper triangle of the
 * information at beta from the rows in (stratum, time) order; inlined for
 * each small p (sorted_sums), whose loops the compiler then unrolls. */
static inline double sorted_sums_p(fit_data *fd, const double *beta, double *grad, double *info,
                                   const size_t p)
{
    const double shift = linear_predictor(fd, beta);
    risk_weights(fd, shift);
    if (grad)
        memset(grad, 0, p * sizeof *grad);
    if (info)
        memset(info, 0, p * p * sizeof *info);
    double ll = 0.0;
    double *zr = fd->zr, *ar = fd->ar, *zd = fd->zd, *ad = fd->ad, *zl = fd->zl;
    for (size_t s = 0; s < fd->n_strata; s++) {
        const size_t s0 = fd->sbegin[s], s1 = fd->sbegin[s + 1];
        double sr = 0.0;
        memset(zr, 0, p * sizeof *zr);
        if (info)
            memset(ar, 0, p * p * sizeof *ar);
        size_t next = s1;
        for (size_t end = s1; end > s0;) {
            size_t begin = end - 1;
            while (begin > s0 && fd->t[begin - 1] == fd->t[end - 1])
                begin--;
            double sd = 0.0, wd = 0.0;
            size_t d = 0;
            /* The event-set sums Z_D and A_D enter only Efron terms with
             * l > 0, i.e. blocks of two or more tied events. */
            int tied = 0;
            if (fd->ties == CRVM_TIES_EFRON) {
                size_t count = 0;
                for (size_t i = begin; i < end && count < 2; i++)
                    count += fd->e[i] != 0;
                tied = count > 1;
            }
            if (tied) {
                memset(zd, 0, p * sizeof *zd);
                if (info)
                    memset(ad, 0, p * p * sizeof *ad);
            }
            /* In a tied block the events go to the event-set sums only,
             * which join the risk-set sums after the block: one O(p^2)
             * update per row either way. */
            for (size_t i = begin; i < end; i++) {
                const double *zi = fd->z + i * p;
                double r = fd->risk[i];
                if (fd->e[i]) {
                    d++;
                    wd += fd->w[i];
                    sd += r;
                    ll += fd->w[i] * fd->eta[i];
                    if (grad)
                        for (size_t a = 0; a < p; a++)
                            grad[a] += fd->w[i] * zi[a];
                    if (tied) {
                        crvm__cox_add_weighted(p, r, zi, zd, info ? ad : NULL);
                        continue;
                    }
                }
                sr += r;
                crvm__cox_add_weighted(p, r, zi, zr, info ? ar : NULL);
            }
            if (tied) {
                sr += sd;
                for (size_t a = 0; a < p; a++) {
                    zr[a] += zd[a];
                    if (info)
                        for (size_t b = a; b < p; b++)
                            ar[a * p + b] += ad[a * p + b];
                }
            }
            risk_remove_started(fd, s0, &next, fd->t[begin], &sr, zr, info ? ar : NULL);
            if (d > 0 && wd > 0.0)
                crvm__cox_block_terms(p, fd->ties, shift, d, wd, sr, zr, ar, sd, zd, ad, zl, &ll,
                                      grad, info);
            end = begin;
        }
    }
    return ll;
}

static double sorted_sums(fit_data *fd, const double *beta, double *grad, double *info)
{
    switch (fd->p) {
#define CASE(P)                                                                                    \
    case P:                                                                                        \
        return sorted_sums_p(fd, beta, grad, info, P);
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
    default:
        return sorted_sums_p(fd, beta, grad, info, fd->p);
    }
}

/* Log partial likelihood (penalised), score and information at beta (on the
 * standardised scale). grad and info may be NULL. */
/* The per-time sums of the tied path stay within this many doubles (cache),
 * and each bucket holds this many rows on average at least: below that the
 * sort costs no more. */
#define TIED_SUMS_DOUBLES 32768
#define TIED_MIN_ROWS 8

static double evaluate(fit_data *fd, const double *beta, double *grad, double *info)
{
    const size_t p = fd->p;
    double ll = fd->tied ? crvm__cox_tied_evaluate(fd->tied, beta, grad, info)
                         : sorted_sums(fd, beta, grad, info);
    if (info)
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < a; b++)
                info[a * p + b] = info[b * p + a];
    if (fd->penalizer > 0.0) {
        for (size_t a = 0; a < p; a++) {
            ll -= 0.5 * fd->penalizer * beta[a] * beta[a];
            if (grad)
                grad[a] -= fd->penalizer * beta[a];
            if (info)
                info[a * p + a] += fd->penalizer;
        }
    }
    return ll;
}

/* First column of the symmetric positive semi-definite p*p matrix m that is
 * (numerically) a linear combination of the earlier ones: Cholesky of the
 * correlation-scaled matrix, where pivot j is 1 - R^2 of column j on the
 * columns before it. Returns p if every pivot exceeds tol. */
static size_t first_dependent_column(size_t p, const double *m, double tol, double *l)
{
    for (size_t j = 0; j < p; j++)
        if (!(m[j * p + j] > 0.0))
            return j;
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++)
            l[i * p + j] = m[i * p + j] / sqrt(m[i * p + i] * m[j * p + j]);
    for (size_t j = 0; j < p; j++) {
        double dj = l[j * p + j];
        for (size_t k = 0; k < j; k++)
            dj -= l[j * p + k] * l[j * p + k];
        if (!(dj > tol))
            return j;
        dj = sqrt(dj);
        l[j * p + j] = dj;
        for (size_t i = j + 1; i < p; i++) {
            double s = l[i * p + j];
            for (size_t k = 0; k < j; k++)
                s -= l[i * p + k] * l[j * p + k];
            l[i * p + j] = s / dj;
        }
    }
    return p;
}

/* Score residuals U_i (standardised scale, sorted order) into u (n*p). */
static void score_residuals(fit_data *fd, const double *beta, double *u, double *blockbuf)
{
    const size_t p = fd->p;
    const double shift = linear_predictor(fd, beta);
    /* Pass 1 (descending time): store, for each row that ends a block, the
     * risk-set and event-set sums S_R, S_D, Z_R, Z_D of its block at the
     * block's first row (2p + 2 values per row of blockbuf). */
    const size_t stride = 2 * p + 2;
    double *zr = fd->zr, *zd = fd->zd;
    for (size_t s = 0; s < fd->n_strata; s++) {
        const size_t s0 = fd->sbegin[s], s1 = fd->sbegin[s + 1];
        double sr = 0.0;
        memset(zr, 0, p * sizeof *zr);
        for (size_t end = s1; end > s0;) {
            size_t begin = end - 1;
            while (begin > s0 && fd->t[begin - 1] == fd->t[end - 1])
                begin--;
            double sd = 0.0;
            memset(zd, 0, p * sizeof *zd);
            for (size_t i = begin; i < end; i++) {
                const double *zi = fd->z + i * p;
                double r = fd->w[i] * exp(fd->eta[i] - shift);
                sr += r;
                for (size_t a = 0; a < p; a++)
                    zr[a] += r * zi[a];
                if (fd->e[i]) {
                    sd += r;
                    for (size_t a = 0; a < p; a++)
                        zd[a] += r * zi[a];
                }
            }
            double *bb = blockbuf + begin * stride;
            bb[0] = sr;
            bb[1] = sd;
            memcpy(bb + 2, zr, p * sizeof *zr);
            memcpy(bb + 2 + p, zd, p * sizeof *zd);
            end = begin;
        }
    }
    /* Pass 2 (ascending time): cumulative compensator sums
     * cum_a = sum_k wbar_k sum_l 1/S_kl, cum_b = sum_k wbar_k sum_l xbar_kl / S_kl
     * over blocks up to the current one; each row's residual is
     * U_i = delta_i (x_i - mean_l xbar_l) - e^eta_i (x_i cum_a - cum_b)
     *       + [event in this block] e^eta_i sum_l (l/d) wbar (x_i - xbar_l) / S_l. */
    double *cum_b = fd->ar;          /* p (ar has p*p >= p) */
    double *adj_b = fd->ad;          /* p */
    double *mean_xbar = fd->zl;      /* p */
    double *xbar = fd->zd;           /* p, zd no longer needed */
    for (size_t s = 0; s < fd->n_strata; s++) {
        const size_t s0 = fd->sbegin[s], s1 = fd->sbegin[s + 1];
        double cum_a = 0.0;
        memset(cum_b, 0, p * sizeof *cum_b);
        for (size_t begin = s0; begin < s1;) {
            size_t end = begin + 1;
            while (end < s1 && fd->t[end] == fd->t[begin])
                end++;
            size_t d = 0;
            double wd = 0.0;
            for (size_t i = begin; i < end; i++)
                if (fd->e[i]) {
                    d++;
                    wd += fd->w[i];
                }
            double adj_a = 0.0;
            memset(adj_b, 0, p * sizeof *adj_b);
            memset(mean_xbar, 0, p * sizeof *mean_xbar);
            if (d > 0 && wd > 0.0) {
                const double *bb = blockbuf + begin * stride;
                const double sr = bb[0], sd = bb[1];
                const double *bzr = bb + 2, *bzd = bb + 2 + p;
                const int efron = fd->ties == CRVM_TIES_EFRON && d > 1;
                const size_t terms = efron ? d : 1;
                const double wbar = efron ? wd / (double)d : wd;
                for (size_t l = 0; l < terms; l++) {
                    double f = efron ? (double)l / (double)d : 0.0;
                    double sl = sr - f * sd;
                    cum_a += wbar / sl;
                    adj_a += f * wbar / sl;
                    for (size_t a = 0; a < p; a++) {
                        xbar[a] = (bzr[a] - f * bzd[a]) / sl;
                        cum_b[a] += wbar * xbar[a] / sl;
                        adj_b[a] += f * wbar * xbar[a] / sl;
                        mean_xbar[a] += xbar[a] / (double)terms;
                    }
                }
            }
            for (size_t i = begin; i < end; i++) {
                const double *zi = fd->z + i * p;
                double *ui = u + i * p;
                double r = exp(fd->eta[i] - shift);
                for (size_t a = 0; a < p; a++) {
                    double v = -r * (zi[a] * cum_a - cum_b[a]);
                    if (fd->e[i] && d > 0 && wd > 0.0)
                        v += zi[a] - mean_xbar[a] + r * (zi[a] * adj_a - adj_b[a]);
                    ui[a] = v;
                }
            }
            begin = end;
        }
    }
}

static int stratum_of(const int32_t *codes, size_t n, int32_t code, size_t *index)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (codes[mid] < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && codes[lo] == code) {
        *index = lo;
        return 1;
    }
    return 0;
}

/* The first value of x that is not finite, named; CRVM_OK if none. */
static crvm_status check_finite(const double *x, size_t x_len, size_t n_cols, const char *name)
{
    for (size_t i = 0; i < x_len; i++)
        if (!isfinite(x[i]))
            return crvm__fail(CRVM_EINVAL, "%s[row %zu, covariate %zu] = %g: must be finite", name,
                              i / n_cols, i % n_cols, x[i]);
    return CRVM_OK;
}

/* The shape of x (and, with finite, its values). */
static crvm_status check_matrix(const double *x, size_t x_len, size_t n_rows, size_t n_cols,
                                const char *name, int finite)
{
    if (x == NULL)
        return crvm__fail(CRVM_EINVAL, "%s must not be NULL", name);
    if (n_cols == 0)
        return crvm__fail(CRVM_EINVAL, "%s has no columns", name);
    if (n_rows != 0 && n_cols > ((size_t)-1) / n_rows)
        return crvm__fail(CRVM_EINVAL, "%s: n_rows * n_cols overflows", name);
    if (x_len != n_rows * n_cols)
        return crvm__fail(CRVM_EINVAL, "%s has %zu values, expected n_rows * n_cols = %zu * %zu",
                          name, x_len, n_rows, n_cols);
    return finite ? check_finite(x, x_len, n_cols, name) : CRVM_OK;
}

static void fill_report(crvm_fit_report *report, double ll, double n_events, const double *grad,
                        size_t p, int iterations, int converged)
{
    if (report == NULL)
        return;
    double gmax = 0.0;
    if (grad)
        for (size_t j = 0; j < p; j++)
            if (fabs(grad[j]) > gmax)
                gmax = fabs(grad[j]);
    report->log_likelihood = ll;
    report->aic = 2.0 * (double)p - 2.0 * ll;
    report->bic = (double)p * log(n_events > 1.0 ? n_events : 1.0) - 2.0 * ll;
    report->gradient_norm = gmax;
    report->n_observations = n_events;
    report->iterations = iterations;
    report->converged = converged;
    report->n_parameters = (int)p;
}

/* Interval starts in the sorted order of keys (*t0s) and, per stratum, the
 * sorted-order indices by start ascending (*order): the order in which the
 * descending scan over stop times removes rows from the risk set. Strata
 * come out in the same ascending order as in keys. */
static crvm_status order_starts(size_t n, const crvm__surv_key *keys, const double *start,
                                int stratified, double **t0s, size_t **order)
{
    double *t0 = crvm__calloc(n, sizeof *t0);
    size_t *ord = crvm__calloc(n, sizeof *ord);
    int32_t *codes = stratified ? crvm__calloc(n, sizeof *codes) : NULL;
    crvm__surv_key *k2 = crvm__calloc(n, sizeof *k2);
    crvm_status st = CRVM_OK;
    if (t0 == NULL || ord == NULL || k2 == NULL || (stratified && codes == NULL))
        st = crvm__nomem("ordering the interval start times");
    if (st == CRVM_OK) {
        for (size_t i = 0; i < n; i++) {
            t0[i] = start[keys[i].row];
            if (codes)
                codes[i] = keys[i].stratum;
        }
        st = crvm__surv_sort(n, t0, codes, k2);
    }
    if (st == CRVM_OK)
        for (size_t i = 0; i < n; i++)
            ord[i] = k2[i].row;
    crvm__free(codes);
    crvm__free(k2);
    if (st != CRVM_OK) {
        crvm__free(t0);
        crvm__free(ord);
        return st;
    }
    *t0s = t0;
    *order = ord;
    return CRVM_OK;
}

/* Checks shared by both entry points that precede the fit proper. */
static crvm_status check_common(const double *x, size_t x_len, size_t n_rows, size_t n_cols,
                                const double *durations, size_t durations_len,
                                const char *durations_name, const int32_t *events,
                                size_t events_len, const double *weights, size_t weights_len)
{
    /* x's values are checked by the fit's first pass over it (cox_fit) */
    crvm_status st = check_matrix(x, x_len, n_rows, n_cols, "x", 0);
    if (st != CRVM_OK)
        return st;
    st = crvm__surv_check(durations, durations_len, events, events_len, weights, weights_len);
    if (st != CRVM_OK)
        return st;
    if (durations_len != n_rows)
        return crvm__fail(CRVM_EINVAL, "%s has %zu values, x %zu rows", durations_name,
                          durations_len, n_rows);
    return CRVM_OK;
}

/* Means (p) and the upper triangle of the centred cross products
 * sum (x - mean)(x - mean)' (p*p) of the n rows of x, and max_i |x_ij -
 * mean_j| (p), in one pass: the means as sums over n, the cross products
 * about the mean of the first rows, s, shifted to the mean. The shift costs
 * relative accuracy eps (mean - s)^2 / sd^2 in the cross products, so when
 * s is more than 100 standard deviations from the mean the cross products
 * are made again about the mean. With tied (rows without weights) the one
 * pass is crvm__cox_tied_moments, and the return value says whether its
 * per-time moments are kept (the first pass sufficed): then
 * crvm__cox_tied_seed. scratch: mom_size doubles (cox_fit). */
static int centred_moments(size_t n, size_t p, const double *x, double *scratch, double *mean,
                           double *cross, double *dev_max, crvm__cox_tied *tied)
{
    const size_t head = n < 64 ? n : 64;
    double *mom = scratch, *s = mom + crvm__cox_rows_stride(p), *lo = s + p, *hi = lo + p, *z = hi + p;
    for (size_t j = 0; j < p; j++) {
        s[j] = 0.0;
        for (size_t i = 0; i < head; i++)
            s[j] += x[i * p + j];
        s[j] /= (double)head;
    }
    int pass = 0;
    for (; pass < 2; pass++) {
        if (pass == 0 && tied)
            crvm__cox_tied_moments(tied, s, mom, mean, lo, hi);
        else
            crvm__cox_rows_moments(n, p, x, s, CRVM__COX_ROWS_FASTEST, mom, mean, lo, hi, z);
        int far = 0;
        for (size_t j = 0; j < p; j++)
            mean[j] /= (double)n;
        for (size_t a = 0; a < p; a++) {
            const double da = mean[a] - s[a];
            for (size_t b = a; b < p; b++)
                cross[a * p + b] = mom[crvm__cox_rows_at(p, a, b)] - (double)n * da * (mean[b] - s[b]);
            far |= da * da > 1e4 * cross[a * p + a] / (double)n;
        }
        if (!far)
            break;
        memcpy(s, mean, p * sizeof *s);
    }
    for (size_t j = 0; j < p; j++)
        dev_max[j] = hi[j] - mean[j] > mean[j] - lo[j] ? hi[j] - mean[j] : mean[j] - lo[j];
    return tied != NULL && pass == 0;
}

/* The fit behind crvm_cox_fit() (start == NULL: every row at risk from time
 * 0) and crvm_cox_fit_intervals() (rows at risk on (start, durations]). The
 * arrays other than start have been checked by check_common(). */
static crvm_status cox_fit(const double *x, size_t n_rows, size_t n_cols, const double *start,
                           const double *durations, const int32_t *events, const double *weights,
                           const int32_t *strata, size_t strata_len,
                           const crvm_cox_options *options, crvm_cox **out,
                           crvm_fit_report *report)
{
    crvm_status st = CRVM_OK;
    if ((strata == NULL) != (strata_len == 0))
        return crvm__fail(CRVM_EINVAL, "strata must be NULL with length 0, or non-NULL");
    if (strata != NULL && strata_len != n_rows)
        return crvm__fail(CRVM_EINVAL, "strata has %zu values, x %zu rows", strata_len, n_rows);
    crvm_cox_options opt = CRVM_COX_OPTIONS_INIT;
    if (options != NULL)
        opt = *options;
    if (opt.ties != CRVM_TIES_EFRON && opt.ties != CRVM_TIES_BRESLOW)
        return crvm__fail(CRVM_EINVAL, "options.ties = %d: unknown", (int)opt.ties);
    if (opt.max_iterations < 1)
        return crvm__fail(CRVM_EINVAL, "options.max_iterations = %d: must be >= 1",
                          opt.max_iterations);
    if (!(opt.tolerance > 0.0) || !isfinite(opt.tolerance))
        return crvm__fail(CRVM_EINVAL, "options.tolerance = %g: must be > 0", opt.tolerance);
    if (!(opt.penalizer >= 0.0) || !isfinite(opt.penalizer))
        return crvm__fail(CRVM_EINVAL, "options.penalizer = %g: must be >= 0", opt.penalizer);
    if (!(opt.confidence_level > 0.0 && opt.confidence_level < 1.0))
        return crvm__fail(CRVM_EINVAL, "options.confidence_level = %g: must be in (0, 1)",
                          opt.confidence_level);
    if (start != NULL && opt.robust)
        return crvm__fail(CRVM_EINVAL,
                          "options.robust: robust standard errors for interval (counting-process) "
                          "data need clustering by subject, which crvm_cox_fit_intervals() does "
                          "not do; fit with options.robust = 0");
    const size_t n = n_rows, p = n_cols;
    if (n < 2)
        return crvm__fail(CRVM_EDOMAIN, "a Cox model needs at least 2 rows, got %zu", n);
    /* No branch on the event flag, which comes at random. */
    double n_events = 0.0, n_obs = 0.0;
    if (weights) {
        for (size_t i = 0; i < n; i++) {
            n_obs += weights[i];
            n_events += weights[i] * (double)(events[i] != 0);
        }
    } else {
        size_t count = 0;
        for (size_t i = 0; i < n; i++)
            count += events[i] != 0;
        n_obs = (double)n;
        n_events = (double)count;
    }
    if (!(n_events > 0.0))
        return crvm__fail(CRVM_EDOMAIN, "no events: the Cox partial likelihood is constant");

    /* Workspace. */
    crvm__surv_key *keys = NULL;
    double *z = NULL, *tw = NULL;
    int32_t *es = NULL;
    const size_t mom_size = crvm__cox_rows_stride(p) + 4 * p + 1; /* centred_moments */
    double *mat = crvm__calloc(9 * p * p + 12 * p + mom_size, sizeof *mat);
    crvm_cox *cox = crvm__calloc(1, sizeof *cox);
    size_t *sbegin = NULL;
    double *u = NULL, *blockbuf = NULL;
    double *t0s = NULL;      /* interval starts in sorted order */
    size_t *t0_order = NULL; /* rows by (stratum, start) */
    crvm__cox_tied *tied = NULL;
    if (mat == NULL || cox == NULL) {
        st = crvm__nomem("allocating the Cox workspace");
        goto fail;
    }
    atomic_init(&cox->concordance_state, CRVM__COX_C_PENDING);
    double *ts = NULL, *ws = NULL, *eta = NULL, *risk = NULL;
    double *info = mat, *cov = mat + p * p, *chol = mat + 2 * p * p, *scratch = mat + 3 * p * p;
    double *ar = mat + 4 * p * p, *ad = mat + 5 * p * p, *meat = mat + 6 * p * p,
           *rob = mat + 7 * p * p;
    double *vec = mat + 9 * p * p;
    double *mean = vec, *sdev = vec + p, *beta = vec + 2 * p, *grad = vec + 3 * p,
           *delta = vec + 4 * p, *prev = vec + 5 * p, *zr = vec + 6 * p, *zd = vec + 7 * p,
           *zl = vec + 8 * p, *tmp = vec + 9 * p, *inv_sd = vec + 10 * p;
    double *mom = vec + 12 * p; /* mom_size: scratch of centred_moments */

    /* Few distinct times: sums per time instead of a sort. Robust errors
     * and intervals need the rows in order. */
    if (start == NULL && !opt.robust) {
        size_t max_buckets = TIED_SUMS_DOUBLES / (2 * (1 + p + p * p));
        if (max_buckets > n / TIED_MIN_ROWS)
            max_buckets = n / TIED_MIN_ROWS;
        st = crvm__cox_tied_new(n, p, x, mean, inv_sd, durations, events, weights, strata,
                                opt.ties, max_buckets, &tied);
        if (st != CRVM_OK)
            goto fail;
    }
    /* Centre and scale: unweighted mean (as lifelines) and standard
     * deviation, from the centred cross products, which also show
     * collinearity among the covariates themselves. Without weights the
     * per-time sums of the first evaluation come from the same pass. */
    const int seeded =
        centred_moments(n, p, x, mom, mean, scratch, delta, weights == NULL ? tied : NULL);
    /* A value that is not finite makes the sums so: then find it. */
    {
        double probe = 0.0;
        for (size_t j = 0; j < p; j++)
            probe += mean[j] + scratch[j * p + j];
        if (!isfinite(probe) && (st = check_finite(x, n * p, p, "x")) != CRVM_OK)
            goto fail;
    }
    double *dev_max = delta; /* max_i |x_ij - mean_j|, until the Newton steps */
    for (size_t j = 0; j < p; j++) {
        sdev[j] = sqrt(scratch[j * p + j] / (double)(n - 1));
        if (!(sdev[j] > 1e-12 * (fabs(mean[j]) + 1e-300))) {
            st = crvm__fail(CRVM_EDOMAIN, "covariate %zu is constant (%g in every row)", j,
                            mean[j]);
            goto fail;
        }
        inv_sd[j] = 1.0 / sdev[j];
        dev_max[j] *= inv_sd[j]; /* now max_i |z_ij| */
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < a; b++)
            scratch[a * p + b] = scratch[b * p + a];
    {
        size_t dep = first_dependent_column(p, scratch, 1e-10, chol);
        if (dep < p) {
            st = crvm__fail(CRVM_EDOMAIN,
                            "covariate %zu is collinear with the covariates before it", dep);
            goto fail;
        }
    }
    if (tied) {
        crvm__cox_tied_set_zmax(tied, dev_max);
        if (seeded)
            crvm__cox_tied_seed(tied);
    }
    size_t n_strata = 0;
    if (tied) {
        n_strata = crvm__cox_tied_strata(tied, NULL);
        cox->strata = crvm__calloc(n_strata, sizeof *cox->strata);
        if (cox->strata != NULL)
            crvm__cox_tied_strata(tied, cox->strata);
    } else {
        keys = crvm__calloc(n, sizeof *keys);
        z = crvm__calloc(n * p, sizeof *z);
        tw = crvm__calloc(4 * n, sizeof *tw); /* t, w, eta, risk */
        es = crvm__calloc(n, sizeof *es);
        if (keys == NULL || z == NULL || tw == NULL || es == NULL) {
            st = crvm__nomem("allocating the Cox workspace");
            goto fail;
        }
        crvm__huge_prefer(z, n * p * sizeof *z);
        crvm__huge_prefer(tw, 4 * n * sizeof *tw);
        ts = tw, ws = tw + n, eta = tw + 2 * n, risk = tw + 3 * n;
        /* Sort once by (stratum, time). */
        st = crvm__surv_sort(n, durations, strata, keys);
        if (st != CRVM_OK)
            goto fail;
        for (size_t i = 0; i < n; i++)
            if (i == 0 || keys[i].stratum != keys[i - 1].stratum)
                n_strata++;
        cox->strata = crvm__calloc(n_strata, sizeof *cox->strata);
    }
    sbegin = crvm__calloc(n_strata + 1, sizeof *sbegin);
    cox->base_start = crvm__calloc(n_strata + 1, sizeof *cox->base_start);
    cox->beta = crvm__calloc(p, sizeof *cox->beta);
    cox->mean = crvm__calloc(p, sizeof *cox->mean);
    cox->cov = crvm__calloc(p * p, sizeof *cox->cov);
    if (sbegin == NULL || cox->strata == NULL || cox->base_start == NULL || cox->beta == NULL ||
        cox->mean == NULL || cox->cov == NULL) {
        st = crvm__nomem("allocating the Cox model");
        goto fail;
    }
    if (!tied) {
        size_t s = 0;
        for (size_t i = 0; i < n; i++)
            if (i == 0 || keys[i].stratum != keys[i - 1].stratum) {
                sbegin[s] = i;
                cox->strata[s] = keys[i].stratum;
                s++;
            }
        sbegin[n_strata] = n;
        for (size_t i = 0; i < n; i++) {
            size_t row = keys[i].row;
            ts[i] = durations[row];
            ws[i] = weights ? weights[row] : 1.0;
            es[i] = events[row];
            for (size_t j = 0; j < p; j++)
                z[i * p + j] = (x[row * p + j] - mean[j]) / sdev[j];
        }
    }
    if (start != NULL) {
        st = order_starts(n, keys, start, strata != NULL, &t0s, &t0_order);
        if (st != CRVM_OK)
            goto fail;
    }

    fit_data fd = {n, p, opt.ties, opt.penalizer, z, ts, es, ws, sbegin, n_strata, t0s, t0_order,
                   eta, risk, zr, ar, zd, ad, zl, tied};
    /* Newton–Raphson with step halving. */
    double ll = evaluate(&fd, beta, grad, info);
    const double ll_null = ll;
    int iterations = 0, converged = 0, plateau = 0;
    size_t bad_column = 0;
    while (iterations < opt.max_iterations) {
        memcpy(chol, info, p * p * sizeof *chol);
        if (crvm__cholesky(p, chol) != CRVM_OK) {
            size_t dep = first_dependent_column(p, info, 1e-12, scratch);
            if (dep >= p)
                dep = 0;
            fill_report(report, ll, n_events, grad, p, iterations, 0);
            st = crvm__fail(CRVM_EDOMAIN,
                            "information matrix is singular at covariate %zu (constant within "
                            "risk sets, or collinear with earlier covariates)",
                            dep);
            goto fail;
        }
        memcpy(delta, grad, p * sizeof *delta);
        crvm__cholesky_solve(p, chol, delta);
        double step = 0.0;
        for (size_t j = 0; j < p; j++)
            if (fabs(delta[j]) > step) {
                step = fabs(delta[j]);
                bad_column = j;
            }
        iterations++;
        memcpy(prev, beta, p * sizeof *prev);
        for (size_t j = 0; j < p; j++)
            beta[j] += delta[j];
        if (step <= opt.tolerance) {
            /* The final step is below tolerance: beta is accurate to O(step^2);
             * the information and LL at prev differ by O(step). */
            converged = 1;
            break;
        }
        /* Score and information at the trial point come with its LL (one
         * pass); they are only kept if the step is accepted. */
        double ll_new = evaluate(&fd, beta, grad, info);
        int halvings = 0;
        while (!(ll_new >= ll - 1e-12 * fabs(ll)) && halvings < 40) {
            for (size_t j = 0; j < p; j++)
                beta[j] = 0.5 * (beta[j] + prev[j]);
            ll_new = evaluate(&fd, beta, grad, info);
            halvings++;
        }
        if (!(ll_new >= ll - 1e-12 * fabs(ll))) {
            memcpy(beta, prev, p * sizeof *beta);
            fill_report(report, ll, n_events, NULL, p, iterations, 0);
            st = crvm__fail(CRVM_ECONVERGE,
                            "step halving failed to increase the log-likelihood (covariate %zu)",
                            bad_column);
            goto fail;
        }
        double gain = ll_new - ll;
        ll = ll_new;
        /* Separation (monotone likelihood): the log-likelihood plateaus while
         * a coefficient keeps moving by steps that do not shrink, so its
         * hazard ratio heads to 0 or infinity. Near an ordinary maximum
         * Newton's steps shrink quadratically once the gain is this small, so
         * three such iterations in a row do not happen there. */
        if (gain <= 1e-8 * (1.0 + fabs(ll)) && step > 1e-3)
            plateau++;
        else
            plateau = 0;
        for (size_t j = 0; j < p; j++)
            if (fabs(beta[j]) > 25.0) {
                plateau = 3;
                bad_column = j;
            }
        if (plateau >= 3) {
            fill_report(report, ll, n_events, grad, p, iterations, 0);
            st = crvm__fail(CRVM_ECONVERGE,
                            "coefficient of covariate %zu diverges while the log-likelihood "
                            "plateaus (perfect separation?)",
                            bad_column);
            goto fail;
        }
    }
    if (!converged) {
        fill_report(report, ll, n_events, grad, p, iterations, 0);
        st = crvm__fail(CRVM_ECONVERGE,
                        "no convergence in %d Newton-Raphson iterations (largest step on "
                        "covariate %zu)",
                        iterations, bad_column);
        goto fail;
    }
    /* Covariance (standardised scale) = inverse information. */
    st = crvm__spd_inverse(p, info, cov);
    if (st != CRVM_OK) {
        if (st == CRVM_EDOMAIN)
            st = crvm__fail(CRVM_EDOMAIN, "information matrix is singular at the estimate");
        fill_report(report, ll, n_events, grad, p, iterations, 0);
        goto fail;
    }
    double penalty = 0.0;
    for (size_t j = 0; j < p; j++)
        penalty += 0.5 * opt.penalizer * beta[j] * beta[j];
    /* On tied data the last step is small enough that the log-likelihood
     * and the risk sums at beta follow from the last evaluation
     * (crvm__cox_tied_step): no pass over the rows. */
    double ll_end = 0.0;
    if (!(tied && crvm__cox_tied_step(tied, delta, ll, grad, info, &ll_end)))
        ll_end = evaluate(&fd, beta, NULL, NULL);
    const double ll_unpen = ll_end + penalty;

    if (opt.robust) {
        u = crvm__calloc(n * p, sizeof *u);
        blockbuf = crvm__calloc(n * (2 * p + 2), sizeof *blockbuf);
        cox->cov_robust = crvm__calloc(p * p, sizeof *cox->cov_robust);
        if (u == NULL || blockbuf == NULL || cox->cov_robust == NULL) {
            st = crvm__nomem("computing robust standard errors");
            goto fail;
        }
        score_residuals(&fd, beta, u, blockbuf);
        memset(meat, 0, p * p * sizeof *meat);
        for (size_t i = 0; i < n; i++) {
            double w2 = ws[i] * ws[i];
            for (size_t a = 0; a < p; a++)
                for (size_t b = 0; b < p; b++)
                    meat[a * p + b] += w2 * u[i * p + a] * u[i * p + b];
        }
        /* rob = cov * meat * cov */
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < p; b++) {
                double s = 0.0;
                for (size_t k = 0; k < p; k++)
                    s += cov[a * p + k] * meat[k * p + b];
                scratch[a * p + b] = s;
            }
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < p; b++) {
                double s = 0.0;
                for (size_t k = 0; k < p; k++)
                    s += scratch[a * p + k] * cov[k * p + b];
                rob[a * p + b] = s;
            }
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < p; b++)
                cox->cov_robust[a * p + b] = 0.5 * (rob[a * p + b] + rob[b * p + a]) /
                                             (sdev[a] * sdev[b]);
        crvm__free(u);
        crvm__free(blockbuf);
        u = blockbuf = NULL;
    }

    /* Breslow baseline cumulative hazard per stratum, at beta (eta holds
     * z.beta from the last evaluate; centred x.beta_x equals z.beta). */
    if (tied) {
        size_t m = crvm__cox_tied_baseline(tied, NULL, NULL, NULL);
        cox->base_time = crvm__calloc(m ? m : 1, sizeof *cox->base_time);
        cox->base_cumhaz = crvm__calloc(m ? m : 1, sizeof *cox->base_cumhaz);
        if (cox->base_time == NULL || cox->base_cumhaz == NULL) {
            st = crvm__nomem("allocating the baseline hazard");
            goto fail;
        }
        crvm__cox_tied_baseline(tied, cox->base_start, cox->base_time, cox->base_cumhaz);
    } else {
        size_t n_event_times = 0;
        for (size_t s = 0; s < n_strata; s++) {
            for (size_t begin = sbegin[s]; begin < sbegin[s + 1];) {
                size_t end = begin + 1;
                while (end < sbegin[s + 1] && ts[end] == ts[begin])
                    end++;
                double wd = 0.0;
                for (size_t i = begin; i < end; i++)
                    if (es[i])
                        wd += ws[i];
                if (wd > 0.0)
                    n_event_times++;
                begin = end;
            }
        }
        cox->base_time = crvm__calloc(n_event_times ? n_event_times : 1, sizeof *cox->base_time);
        cox->base_cumhaz = crvm__calloc(n_event_times ? n_event_times : 1,
                                        sizeof *cox->base_cumhaz);
        if (cox->base_time == NULL || cox->base_cumhaz == NULL) {
            st = crvm__nomem("allocating the baseline hazard");
            goto fail;
        }
        size_t pos = 0;
        risk_weights(&fd, 0.0); /* w e^eta, unshifted */
        for (size_t s = 0; s < n_strata; s++) {
            cox->base_start[s] = pos;
            /* Descending pass for risk sums, writing increments backwards. */
            size_t count = 0;
            for (size_t begin = sbegin[s]; begin < sbegin[s + 1];) {
                size_t end = begin + 1;
                double wd = es[begin] ? ws[begin] : 0.0;
                while (end < sbegin[s + 1] && ts[end] == ts[begin]) {
                    if (es[end])
                        wd += ws[end];
                    end++;
                }
                if (wd > 0.0)
                    count++;
                begin = end;
            }
            size_t k = pos + count, next = sbegin[s + 1];
            double sr = 0.0;
            for (size_t end = sbegin[s + 1]; end > sbegin[s];) {
                size_t begin = end - 1;
                while (begin > sbegin[s] && ts[begin - 1] == ts[end - 1])
                    begin--;
                double wd = 0.0;
                for (size_t i = begin; i < end; i++) {
                    sr += fd.risk[i];
                    if (es[i])
                        wd += ws[i];
                }
                risk_remove_started(&fd, sbegin[s], &next, ts[begin], &sr, zr, NULL);
                if (wd > 0.0) {
                    k--;
                    cox->base_time[k] = ts[begin];
                    cox->base_cumhaz[k] = wd / sr;
                }
                end = begin;
            }
            for (size_t i = pos + 1; i < pos + count; i++)
                cox->base_cumhaz[i] += cox->base_cumhaz[i - 1];
            pos += count;
        }
        cox->base_start[n_strata] = pos;
    }

    /* What the concordance of -eta with the durations needs, for its
     * computation on first request (cox_concordance.c). */
    {
        crvm__cox_train *tr = &cox->train;
        tr->n = n;
        tr->sorted = tied == NULL;
        if (tied) {
            st = crvm__cox_tied_take_train(tied, beta, &tr->score, &tr->code,
                                           &tr->code_time, &tr->code_stratum);
            if (st != CRVM_OK)
                goto fail;
            tr->several_strata = n_strata > 1;
        } else {
            const int by_stratum = n_strata > 1;
            tr->time = crvm__malloc(n * sizeof *tr->time);
            tr->score = crvm__huge_alloc(n * sizeof *tr->score);
            tr->events = es;
            es = NULL; /* now the model's */
            tr->strata = by_stratum ? crvm__malloc(n * sizeof *tr->strata) : NULL;
            if (tr->time == NULL || tr->score == NULL || (by_stratum && tr->strata == NULL)) {
                st = crvm__nomem("keeping the data of the concordance index");
                goto fail;
            }
            for (size_t i = 0; i < n; i++) {
                tr->time[i] = ts[i];
                tr->score[i] = -eta[i];
            }
            if (by_stratum)
                for (size_t i = 0; i < n; i++)
                    tr->strata[i] = keys[i].stratum;
        }
    }

    /* Publish on the scale of x. */
    cox->p = p;
    cox->robust = opt.robust != 0;
    cox->ties = opt.ties;
    cox->z_crit = crvm__norm_ppf(0.5 + 0.5 * opt.confidence_level);
    cox->n_strata = n_strata;
    for (size_t a = 0; a < p; a++) {
        cox->beta[a] = beta[a] / sdev[a];
        cox->mean[a] = mean[a];
        for (size_t b = 0; b < p; b++)
            cox->cov[a * p + b] = cov[a * p + b] / (sdev[a] * sdev[b]);
        tmp[a] = grad[a] / sdev[a];
    }
    cox->stats.log_likelihood = ll_unpen;
    cox->stats.log_likelihood_null = ll_null;
    cox->stats.lr_statistic = 2.0 * (ll_unpen - ll_null);
    if (cox->stats.lr_statistic < 0.0)
        cox->stats.lr_statistic = 0.0;
    cox->stats.lr_dof = (int)p;
    cox->stats.lr_p_value = crvm_chisq_sf(cox->stats.lr_statistic, (double)p);
    cox->stats.concordance = NAN; /* on request */
    cox->stats.n_events = n_events;
    cox->stats.n_observations = n_obs;
    cox->stats.iterations = iterations;
    cox->stats.n_strata = (int)n_strata;
    fill_report(report, ll_unpen, n_events, tmp, p, iterations, 1);

    *out = cox;
    cox = NULL;
    st = CRVM_OK;

fail: /* also the success path, with cox = NULL and u, blockbuf already freed */
    crvm__free(keys);
    if (z != NULL)
        crvm__huge_withdraw(z, n * p * sizeof *z);
    if (tw != NULL)
        crvm__huge_withdraw(tw, 4 * n * sizeof *tw);
    crvm__free(z);
    crvm__free(tw);
    crvm__free(es);
    crvm__free(mat);
    crvm__free(sbegin);
    crvm__free(u);
    crvm__free(blockbuf);
    crvm__free(t0s);
    crvm__free(t0_order);
    crvm__cox_tied_free(tied);
    crvm_cox_free(cox);
    return st;
}

crvm_status crvm_cox_fit(const double *x, size_t x_len, size_t n_rows, size_t n_cols,
                         const double *durations, size_t durations_len,
                         const int32_t *events, size_t events_len,
                         const double *weights, size_t weights_len,
                         const int32_t *strata, size_t strata_len,
                         const crvm_cox_options *options, crvm_cox **out,
                         crvm_fit_report *report)
{
    if (out == NULL)
        return crvm__fail(CRVM_EINVAL, "out must not be NULL");
    crvm_status st = check_common(x, x_len, n_rows, n_cols, durations, durations_len, "durations",
                                  events, events_len, weights, weights_len);
    if (st != CRVM_OK)
        return st;
    return cox_fit(x, n_rows, n_cols, NULL, durations, events, weights, strata, strata_len,
                   options, out, report);
}

crvm_status crvm_cox_fit_intervals(const double *x, size_t x_len, size_t n_rows, size_t n_cols,
                                   const double *start, size_t start_len,
                                   const double *stop, size_t stop_len,
                                   const int32_t *events, size_t events_len,
                                   const double *weights, size_t weights_len,
                                   const int32_t *strata, size_t strata_len,
                                   const crvm_cox_options *options, crvm_cox **out,
                                   crvm_fit_report *report)
{
    if (out == NULL)
        return crvm__fail(CRVM_EINVAL, "out must not be NULL");
    if (start == NULL || stop == NULL)
        return crvm__fail(CRVM_EINVAL, "start and stop must not be NULL");
    for (size_t i = 0; i < stop_len; i++) /* named here, not as "durations" */
        if (!isfinite(stop[i]) || stop[i] < 0.0)
            return crvm__fail(CRVM_EINVAL, "stop[%zu] = %g: must be finite and >= 0", i, stop[i]);
    crvm_status st = check_common(x, x_len, n_rows, n_cols, stop, stop_len, "stop", events,
                                  events_len, weights, weights_len);
    if (st != CRVM_OK)
        return st;
    if (start_len != n_rows)
        return crvm__fail(CRVM_EINVAL, "start has %zu values, x %zu rows", start_len, n_rows);
    for (size_t i = 0; i < n_rows; i++) {
        if (!isfinite(start[i]) || start[i] < 0.0)
            return crvm__fail(CRVM_EINVAL, "start[%zu] = %g: must be finite and >= 0", i,
                              start[i]);
        if (!(start[i] < stop[i]))
            return crvm__fail(CRVM_EINVAL,
                              "row %zu: start = %g >= stop = %g: an interval must have start < stop",
                              i, start[i], stop[i]);
    }
    return cox_fit(x, n_rows, n_cols, start, stop, events, weights, strata, strata_len, options,
                   out, report);
}

/* ---- accessors ---------------------------------------------------------- */

crvm_status crvm_cox_statistic(const crvm_cox *cox, crvm_cox_stat stat, double *out,
                               size_t out_len)
{
    if (cox == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "cox and out must not be NULL");
    if ((int)stat < 0 || (int)stat > (int)CRVM_COX_MEAN)
        return crvm__fail(CRVM_EINVAL, "unknown Cox statistic %d", (int)stat);
    const size_t p = cox->p;
    if (out_len != p)
        return crvm__fail(CRVM_EINVAL, "out has %zu values, the model %zu covariates", out_len, p);
    if (stat == CRVM_COX_SE_ROBUST && !cox->robust)
        return crvm__fail(CRVM_ESTATE, "robust standard errors were not computed (fit with options.robust = 1)");
    for (size_t j = 0; j < p; j++) {
        double b = cox->beta[j];
        double se_model = sqrt(cox->cov[j * p + j]);
        double se_rob = cox->robust ? sqrt(cox->cov_robust[j * p + j]) : se_model;
        double se = cox->robust ? se_rob : se_model;
        double v = 0.0;
        switch (stat) {
        case CRVM_COX_COEF: v = b; break;
        case CRVM_COX_SE: v = se; break;
        case CRVM_COX_SE_MODEL: v = se_model; break;
        case CRVM_COX_SE_ROBUST: v = se_rob; break;
        case CRVM_COX_Z: v = b / se; break;
        case CRVM_COX_P_VALUE: v = 2.0 * crvm__norm_sf(fabs(b / se)); break;
        case CRVM_COX_CI_LOWER: v = b - cox->z_crit * se; break;
        case CRVM_COX_CI_UPPER: v = b + cox->z_crit * se; break;
        case CRVM_COX_HAZARD_RATIO: v = exp(b); break;
        case CRVM_COX_MEAN: v = cox->mean[j]; break;
        }
        out[j] = v;
    }
    return CRVM_OK;
}

crvm_status crvm_cox_covariance(const crvm_cox *cox, int robust, double *out, size_t out_len)
{
    if (cox == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "cox and out must not be NULL");
    if (out_len != cox->p * cox->p)
        return crvm__fail(CRVM_EINVAL, "out has %zu values, expected p*p = %zu", out_len,
                          cox->p * cox->p);
    if (robust && !cox->robust)
        return crvm__fail(CRVM_ESTATE, "robust covariance was not computed (fit with options.robust = 1)");
    memcpy(out, robust ? cox->cov_robust : cox->cov, out_len * sizeof *out);
    return CRVM_OK;
}

crvm_status crvm_cox_summary(const crvm_cox *cox, crvm_cox_summary_stats *out)
{
    if (cox == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "cox and out must not be NULL");
    crvm_cox_summary_stats stats = cox->stats;
    crvm_status st = crvm__cox_concordance_of(cox, &stats.concordance);
    if (st == CRVM_OK)
        *out = stats;
    return st;
}

crvm_status crvm_cox_strata(const crvm_cox *cox, int32_t *out, size_t out_len)
{
    if (cox == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "cox and out must not be NULL");
    if (out_len != cox->n_strata)
        return crvm__fail(CRVM_EINVAL, "out has %zu values, the model %zu strata", out_len,
                          cox->n_strata);
    memcpy(out, cox->strata, out_len * sizeof *out);
    return CRVM_OK;
}

crvm_status crvm_cox_baseline_size(const crvm_cox *cox, int32_t stratum, size_t *size)
{
    if (cox == NULL || size == NULL)
        return crvm__fail(CRVM_EINVAL, "cox and size must not be NULL");
    size_t s;
    if (!stratum_of(cox->strata, cox->n_strata, stratum, &s))
        return crvm__fail(CRVM_ENOTFOUND, "stratum %d is not in the fitted model", (int)stratum);
    *size = cox->base_start[s + 1] - cox->base_start[s];
    return CRVM_OK;
}

crvm_status crvm_cox_baseline(const crvm_cox *cox, int32_t stratum, double *times,
                              size_t times_len, double *cumulative_hazard,
                              size_t cumulative_hazard_len)
{
    if (cox == NULL || times == NULL || cumulative_hazard == NULL)
        return crvm__fail(CRVM_EINVAL, "cox, times and cumulative_hazard must not be NULL");
    size_t s;
    if (!stratum_of(cox->strata, cox->n_strata, stratum, &s))
        return crvm__fail(CRVM_ENOTFOUND, "stratum %d is not in the fitted model", (int)stratum);
    size_t m = cox->base_start[s + 1] - cox->base_start[s];
    if (times_len != m || cumulative_hazard_len != m)
        return crvm__fail(CRVM_EINVAL, "times and cumulative_hazard must hold %zu values", m);
    memcpy(times, cox->base_time + cox->base_start[s], m * sizeof *times);
    memcpy(cumulative_hazard, cox->base_cumhaz + cox->base_start[s], m * sizeof *times);
    return CRVM_OK;
}

static crvm_status check_new_x(const crvm_cox *cox, const double *x, size_t x_len, size_t n_rows,
                               size_t n_cols)
{
    if (cox == NULL)
        return crvm__fail(CRVM_EINVAL, "cox must not be NULL");
    if (n_cols != cox->p)
        return crvm__fail(CRVM_EINVAL, "x has %zu columns, the model %zu covariates", n_cols,
                          cox->p);
    if (n_rows == 0 && x_len == 0)
        return CRVM_OK;
    return check_matrix(x, x_len, n_rows, n_cols, "x", 1);
}

static double partial_hazard(const crvm_cox *cox, const double *xi)
{
    double s = 0.0;
    for (size_t j = 0; j < cox->p; j++)
        s += (xi[j] - cox->mean[j]) * cox->beta[j];
    return exp(s);
}

crvm_status crvm_cox_predict_partial_hazard(const crvm_cox *cox, const double *x, size_t x_len,
                                            size_t n_rows, size_t n_cols, double *out,
                                            size_t out_len)
{
    crvm_status st = check_new_x(cox, x, x_len, n_rows, n_cols);
    if (st != CRVM_OK)
        return st;
    if ((out == NULL && out_len > 0) || out_len != n_rows)
        return crvm__fail(CRVM_EINVAL, "out must hold n_rows = %zu values", n_rows);
    for (size_t i = 0; i < n_rows; i++)
        out[i] = partial_hazard(cox, x + i * n_cols);
    return CRVM_OK;
}

crvm_status crvm_cox_predict_survival(const crvm_cox *cox, const double *x, size_t x_len,
                                      size_t n_rows, size_t n_cols,
                                      const int32_t *strata, size_t strata_len,
                                      const double *times, size_t times_len,
                                      double *out, size_t out_len)
{
    crvm_status st = check_new_x(cox, x, x_len, n_rows, n_cols);
    if (st != CRVM_OK)
        return st;
    if ((times == NULL && times_len > 0))
        return crvm__fail(CRVM_EINVAL, "times must not be NULL");
    if (n_rows != 0 && times_len > ((size_t)-1) / n_rows)
        return crvm__fail(CRVM_EINVAL, "n_rows * times_len overflows");
    if ((out == NULL && out_len > 0) || out_len != n_rows * times_len)
        return crvm__fail(CRVM_EINVAL, "out must hold n_rows * times_len = %zu values",
                          n_rows * times_len);
    if ((strata == NULL) != (strata_len == 0))
        return crvm__fail(CRVM_EINVAL, "strata must be NULL with length 0, or non-NULL");
    if (strata == NULL && cox->n_strata > 1)
        return crvm__fail(CRVM_EINVAL, "the model is stratified: give a stratum for each row");
    if (strata != NULL && strata_len != n_rows)
        return crvm__fail(CRVM_EINVAL, "strata has %zu values, x %zu rows", strata_len, n_rows);
    for (size_t j = 0; j < times_len; j++)
        if (isnan(times[j]))
            return crvm__fail(CRVM_EINVAL, "times[%zu] is NaN", j);
    for (size_t i = 0; i < n_rows; i++) {
        size_t s = 0;
        if (strata != NULL && !stratum_of(cox->strata, cox->n_strata, strata[i], &s))
            return crvm__fail(CRVM_ENOTFOUND, "strata[%zu] = %d is not a fitted stratum", i,
                              (int)strata[i]);
    }
    for (size_t i = 0; i < n_rows; i++) {
        size_t s = 0;
        if (strata != NULL)
            stratum_of(cox->strata, cox->n_strata, strata[i], &s);
        const double *bt = cox->base_time + cox->base_start[s];
        const double *bh = cox->base_cumhaz + cox->base_start[s];
        size_t m = cox->base_start[s + 1] - cox->base_start[s];
        double ph = partial_hazard(cox, x + i * n_cols);
        for (size_t j = 0; j < times_len; j++) {
            size_t lo = 0, hi = m; /* first baseline time > t */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (bt[mid] <= times[j])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            double h = lo == 0 ? 0.0 : bh[lo - 1];
            out[i * times_len + j] = exp(-h * ph);
        }
    }
    return CRVM_OK;
}
