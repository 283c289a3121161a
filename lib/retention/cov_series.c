/* The Taylor series in kappa = -ln(1 - theta) of the engine's fields, which
 * let a query sum the far left tail of its quadrature in closed form
 * (cov_query.c), and their growth rates, which say how far left that is
 * exact.
 *
 * A complement C_m(kappa) = sum_j f^j (1 - e^(-kappa A_j)) with exposures
 * A_j = E (P(m+1+j) - P(m)), P(t) = t^c, has the coefficients
 *     [kappa^r] C = (-1)^(r+1) M_r / r!,  M_r = sum_j f^j A_j^r,
 * its derivative in ln E = kappa dC/dkappa has r times those, and its
 * derivative in c (with Pc(t) = t^c ln t, B_j = E (Pc(m+1+j) - Pc(m)))
 *     [kappa^r] dC/dc = (-1)^(r-1) MC_(r-1) / (r-1)!,  MC_s = sum_j f^j B_j A_j^s.
 * The moments scale as E^r, so they are computed once without E. For the
 * discounted sum of every row they follow from the row above by the
 * binomial theorem (A_{m,j} = a_m + A_{m+1,j-1}): sums of positive terms,
 *     M_r(m) = a^r + d sum_s C(r,s) a^(r-s) M_s(m+1),
 *     MC_s(m) = b a^s + d sum_t C(s,t) a^(s-t) (b M_t(m+1) + MC_t(m+1)),
 * with a = w_(m+1), b = dw_(m+1)/dc; the windows (H - 1 and cap - 1 terms)
 * are summed directly. Every term of 1 - e^(-z) and z e^(-z) (z >= 0) has a
 * Taylor remainder below its next term, so the remainder of a field after
 * kappa^ORDER is at most its next coefficient's size, which the growth rate
 * rho (|f_i| kappa^i <= |f_1| kappa (rho kappa)^(i-1), i <= ORDER + 1)
 * includes. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "retention/cov_engine.h"

#define ORDER CRVM__TAIL_ORDER
#define MOM (ORDER + 2) /* moments of orders 0 .. ORDER + 1 */
/* Direct window sums are skipped (no tail series: queries sum every node)
 * beyond this many terms over all rows. */
#define WINDOW_TERM_BUDGET 20000000.0

/* The unscaled moments of one function at one row. */
typedef struct fam {
    double m[MOM], mc[MOM];
} fam;

enum { FAM_C1, FAM_W1, FAM_L1, FAM_CH, FAMS }; /* C_{n+1}, CW_{n+1}, CL_{n+1}, C_{n+H} */

struct crvm__rcov_moments {
    int ok;    /* 0: no series (a window too long to sum, or a moment overflowed) */
    fam *row;  /* [(max_n + 1) x FAMS] */
};

void crvm__rcov_moments_free(crvm__rcov_moments *mo)
{
    if (mo) {
        crvm__free(mo->row);
        crvm__free(mo);
    }
}

static double binom(int n, int k)
{
    double b = 1;
    for (int i = 1; i <= k; i++)
        b = b * (n - k + i) / i;
    return b;
}

/* One row up the discounted recurrence: out = the moments at m from next at m + 1. */
static void step_up(double a, double b, double d, const fam *next, fam *out)
{
    double ap[MOM];
    ap[0] = 1;
    for (int r = 1; r < MOM; r++)
        ap[r] = ap[r - 1] * a;
    for (int r = 0; r < MOM; r++) {
        double s = 0, sc = 0;
        for (int t = 0; t <= r; t++) {
            double k = binom(r, t) * ap[r - t];
            s += k * next->m[t];
            sc += k * (b * next->m[t] + next->mc[t]);
        }
        out->m[r] = ap[r] + d * s;
        out->mc[r] = b * ap[r] + d * sc;
    }
}

/* A window of `terms` terms with factor f, at row m, summed directly. */
static void window_sum(const crvm__rcov_engine *e, size_t m, long terms, double f, fam *out)
{
    memset(out, 0, sizeof *out);
    double fj = 1;
    for (long j = 0; j < terms; j++) {
        double A = e->P[m + 1 + (size_t)j] - e->P[m], B = e->Pc[m + 1 + (size_t)j] - e->Pc[m];
        double p = fj;
        for (int r = 0; r < MOM; r++) {
            out->m[r] += p;
            out->mc[r] += p * B;
            p *= A;
        }
        fj *= f;
    }
}

static int fam_finite(const fam *f)
{
    for (int r = 0; r < MOM; r++)
        if (!isfinite(f->m[r]) || !isfinite(f->mc[r]))
            return 0;
    return 1;
}

crvm_status crvm__rcov_moments_new(const crvm__rcov_engine *e, const double *top_m,
                                   const double *top_mc, crvm__rcov_moments **out)
{
    size_t rows = (size_t)e->max_n + 1, H = (size_t)e->H, top = (size_t)e->max_n + H;
    crvm__rcov_moments *mo = crvm__calloc(1, sizeof *mo);
    fam *chain = crvm__calloc(top + 1, sizeof *chain);
    if (mo)
        mo->row = crvm__calloc(rows * FAMS, sizeof *mo->row);
    if (!mo || !chain || !mo->row) {
        crvm__free(chain);
        crvm__rcov_moments_free(mo);
        return crvm__nomem("the prediction engine's series");
    }
    double window_terms = (double)rows * (double)(e->H + e->cap);
    mo->ok = window_terms <= WINDOW_TERM_BUDGET;
    memcpy(chain[top].m, top_m, sizeof chain[top].m);
    memcpy(chain[top].mc, top_mc, sizeof chain[top].mc);
    for (size_t m = top - 1; m >= 1; m--)
        step_up(e->w[m + 1], e->w_c[m + 1], e->d, &chain[m + 1], &chain[m]);
    for (size_t n = 0; n < rows && mo->ok; n++) {
        fam *f = mo->row + n * FAMS;
        f[FAM_C1] = chain[n + 1];
        f[FAM_CH] = chain[n + H];
        window_sum(e, n + 1, e->H - 1, e->d, &f[FAM_W1]);
        window_sum(e, n + 1, e->cap - 1, 1.0, &f[FAM_L1]);
        for (int k = 0; k < FAMS; k++)
            mo->ok &= fam_finite(&f[k]);
    }
    crvm__free(chain);
    *out = mo;
    return CRVM_OK;
}

/* ---- per group ------------------------------------------------------------------------ */

/* max over i in [from, ORDER + 1] of (coef_i / ref)^(1 / (i - from + 1)), coef_i >= 0. */
static double growth(const double *coef, double ref, int from)
{
    if (ref <= 0)
        return 0.0;
    double rho = 0;
    for (int i = from; i <= ORDER + 1; i++)
        rho = fmax(rho, pow(coef[i] / ref, 1.0 / (i - from + 1)));
    return rho;
}

/* The series of one family (value, c and ln E fields; or G and the
 * derivative fields of C) scaled by E, with the growth rate of each; and,
 * if direct is not NULL, the series of the function itself, M_0 - C. */
static double family_series(const fam *f, double E, int as_g, double *val, double *dc, double *de,
                            double *direct)
{
    double av[ORDER + 2], ac[ORDER + 2], ae[ORDER + 2]; /* |coefficients| up to ORDER + 1 */
    double Er = 1, fact = 1;                            /* E^r, r! */
    av[0] = ac[0] = ae[0] = 0;
    for (int r = 1; r <= ORDER + 1; r++) {
        Er *= E;
        double fact_prev = fact;
        fact *= r;
        av[r] = Er * f->m[r] / fact;
        ae[r] = r * av[r];
        ac[r] = Er * f->mc[r - 1] / fact_prev;
    }
    for (int r = 0; r <= ORDER; r++) {
        double sign = (r % 2 == 1) ? 1.0 : -1.0; /* (-1)^(r+1) */
        val[r] = sign * av[r];
        de[r] = sign * ae[r];
        dc[r] = sign * ac[r];
    }
    double rho = fmax(growth(ac, ac[1], 2), growth(ae, ae[1], 2));
    if (direct) {
        for (int r = 0; r <= ORDER; r++)
            direct[r] = -val[r];
        direct[0] = f->m[0];
        rho = fmax(rho, growth(av, f->m[0], 1));
    }
    if (as_g) {
        /* G = M_0 - C: relative to its value at kappa = 0. */
        for (int r = 0; r <= ORDER; r++)
            val[r] = -val[r];
        val[0] = f->m[0];
        rho = fmax(rho, growth(av, f->m[0], 1));
    } else {
        rho = fmax(rho, growth(av, av[1], 2));
    }
    return rho;
}

/* Bernoulli numbers B_0 .. B_12 (B_1 = -1/2). */
static const double bernoulli[13] = {1.0, -0.5, 1.0 / 6, 0, -1.0 / 30, 0, 1.0 / 42, 0,
                                     -1.0 / 30, 0, 5.0 / 66, 0, -691.0 / 2730};
#define TN CRVM__TAIL_N
#define TL CRVM__TAIL_LOW
_Static_assert(TN + 1 <= 12, "the series of ln((1 - e^-k)/k) needs more Bernoulli numbers");

/* l(k) = ln((1 - e^-k)/k) = sum_n B_n k^n / (n n!) (from k/(e^k - 1) = sum B_n
 * k^n / n!), th(k) = e^((alpha - 1) l(k)): th_n = ((alpha - 1)/n) sum_i i l_i
 * th_(n-i), and their product th l. */
void crvm__rcov_theta_series(double alpha, double ls[TN + 2], double ts[TN + 2],
                             double tl[TN + 1])
{
    double fact = 1, a = alpha - 1;
    ls[0] = 0;
    ts[0] = 1;
    for (int n = 1; n <= TN + 1; n++) {
        fact *= n;
        ls[n] = bernoulli[n] / (n * fact);
        double s = 0;
        for (int i = 1; i <= n; i++)
            s += i * ls[i] * ts[n - i];
        ts[n] = a * s / n;
    }
    for (int i = 0; i <= TN; i++) {
        double s = 0;
        for (int l = 1; l <= i; l++)
            s += ls[l] * ts[i - l];
        tl[i] = s;
    }
}

/* The query-independent part of the tail's sums at every node as the cut
 * (cov_engine.h). With the series of l(k) and th(k) above, and
 * per power m (lambda = alpha + m, q = e^(-lambda h)) g1 = 1/(1 - q), gt =
 * h q / (1 - q)^2, ga = 1/(1 + q):
 *     U[p]  = sum_{l <= N - p} th_l kappa_k^(l+p) g1[l+p],
 *     Ut[p] = sum_{l < LOW - p} (th_l (t_k g1 - gt) + (th * l)_l g1)[l+p] kappa_k^(l+p),
 *     Ua[p] = (-1)^k sum_{l < LOW - p} th_l ga[l+p] kappa_k^(l+p)
 * (the factor e^(alpha t_k) is left to the query, which combines it with
 * 1/B(alpha, x) in one exponential: apart, either may overflow). */
static void tail_tables(crvm__rcov_gtab *gt)
{
    double ls[TN + 2], ts[TN + 2], tl[TN + 1];
    double g1[TN + 1], gtt[TN + 1], ga[TN + 1];
    crvm__rcov_theta_series(gt->alpha, ls, ts, tl);
    gt->rho_theta = 0;
    for (int n = 1; n <= TN + 1; n++)
        gt->rho_theta = fmax(gt->rho_theta, fmax(pow(fabs(ls[n]), 1.0 / n),
                                                 pow(fabs(ts[n]), 1.0 / n)));
    for (int m = 0; m <= TN; m++) {
        double lambda = gt->alpha + m, q = exp(-lambda * gt->h), omq = -expm1(-lambda * gt->h);
        g1[m] = 1 / omq;
        gtt[m] = gt->h * q / (omq * omq);
        ga[m] = 1 / (1 + q);
    }
    for (size_t k = 0; k < gt->K; k++) {
        double t = gt->t_lo + (double)k * gt->h, kap = gt->kappa[k];
        double pw[TN + 1], sgn = (k & 1) ? -1.0 : 1.0;
        pw[0] = 1;
        for (int m = 1; m <= TN; m++)
            pw[m] = pw[m - 1] * kap;
        double *U = gt->tail + k * CRVM__TAIL_STRIDE, *Ut = U + CRVM__TAIL_U, *Ua = Ut + CRVM__TAIL_UL;
        for (int p = 0; p <= TN; p++) {
            double s = 0;
            for (int l = 0; l + p <= TN; l++)
                s += ts[l] * pw[l + p] * g1[l + p];
            U[p] = s;
        }
        for (int p = 0; p < TL; p++) {
            double st = 0, sa = 0;
            for (int l = 0; l + p < TL; l++) {
                int m = l + p;
                st += (ts[l] * (t * g1[m] - gtt[m]) + tl[l] * g1[m]) * pw[m];
                sa += ts[l] * ga[m] * pw[m];
            }
            Ut[p] = st;
            Ua[p] = sgn * sa;
        }
    }
}

void crvm__rcov_group_series(const crvm__rcov_engine *e, const crvm__rcov_moments *mo,
                             crvm__rcov_gtab *gt)
{
    size_t rows = (size_t)e->max_n + 1;
    tail_tables(gt);
    for (size_t n = 0; n < rows; n++) {
        double *s = gt->series + n * CRVM__FIELDS * CRVM__SERIES_LEN;
        memset(s, 0, CRVM__FIELDS * CRVM__SERIES_LEN * sizeof *s);
        if (!mo->ok) {
            gt->rho[n] = gt->rho_derl[n] = INFINITY;
            continue;
        }
        const fam *f = mo->row + n * FAMS;
        double rho = 0;
        static const int first[FAMS] = {CRVM__F_C, CRVM__F_W, CRVM__F_L, CRVM__F_G};
        static const int direct[FAMS] = {CRVM__F_G1, CRVM__F_W1, CRVM__F_L1, -1};
        for (int k = 0; k < FAMS; k++) {
            double *v = s + first[k] * CRVM__SERIES_LEN;
            double *dir = direct[k] >= 0 ? s + direct[k] * CRVM__SERIES_LEN : NULL;
            rho = fmax(rho, family_series(&f[k], gt->E, k == FAM_CH, v, v + CRVM__SERIES_LEN,
                                          v + 2 * CRVM__SERIES_LEN, dir));
            if (k == FAM_C1) /* the DERL's own fields, C_{n+1} and G_{n+1} */
                gt->rho_derl[n] = isfinite(rho) ? rho : INFINITY;
        }
        gt->rho[n] = isfinite(rho) ? rho : INFINITY;
    }
}
