/* Queries of the prediction engine (the tables and the functions they hold:
 * cov_engine.c).
 *
 * A query (group, n, Lambda, e1) has theta ~ Beta(alpha, x), x = beta +
 * Lambda. Survival over H and churn next are closed form, R(x, F) =
 * B(alpha, x + F) / B(alpha, x) (math/pochhammer.h). The sums are written
 * with R1 = R(x, e1) and four integrals of tabulated fields,
 *     DERL        = G0 R1 - d J_C,        J_C = E[u^e1 C_{n+1}]
 *     DERL over H = W0 R1 - d J_W,        J_W = E[u^e1 CW_{n+1}]
 *     lifetime    = cap R1 - J_L,         J_L = E[u^e1 CL_{n+1}]
 *     at risk     = W0 (1 - R1) + d J_W + d^H J_A,  J_A = E[(1 - u^F_H) G_{n+H}]
 * (W0 = sum_{j<H} d^j), each J an expectation of a positive function that
 * is at most its constant times the closed form, so the subtractions lose
 * at most the digits of G0, W0 or cap (the value is at least R1).
 *
 * Quadrature: in t = ln kappa the posterior is
 *     p dt = exp((alpha - 1) ln theta + t - x kappa - ln B(alpha, x)) dt,
 * analytic in the strip |Im t| < pi/2, so the trapezoid rule on the tables'
 * uniform grid (step min(0.22, 0.5/sqrt(alpha))) converges exponentially. A
 * query sums the nodes outward from the posterior's mode, in chunks
 * (cov_nodes.c), until negligible; on the left it stops at a cut kappa_c
 * below which every factor of the integrand has a convergent Taylor series
 * in kappa, so that the sum over all the remaining nodes is a sum of
 * geometric series (cov_tail.c): the infinite left tail -- slow, about
 * theta^(alpha+1), for small alpha -- costs a few series products.
 * kappa_c = q / rho, with rho the growth rate of all the factors'
 * coefficients. A DERL-only query whose z = x + e1 is at most Q / kappa_L
 * (Q = 2), kappa_L its row's left cut, instead takes every node below
 * kappa_L from the row's left table, a series in z kappa_L (cov_left.c): its
 * walk then starts about at the mode. A full query likewise from its row's
 * full table when z = x + F is at most Q / kappa_F. For alpha >= 5 the weights are
 * normalised numerically (E[Q] = sum w Q / sum w: the rounding of ln
 * B(alpha, x), ~alpha ulps, then cancels).
 *
 * Error: every query also forms the alternating sum of its nodes (and
 * tail), i.e. the difference between the step-h and the step-2h sums; the
 * error falls like exp(-c/h), so the step-h error is about the square of
 * that difference relative to the integral. With the rounding of the
 * weights it must stay below 1e-10 of each value, else the query is refused
 * (CRVM_EDOMAIN): a doubtful value is never returned.
 *
 * Partials: d/d alpha and d/dx weight the same nodes with ln theta -
 * E[ln theta] and ln(1 - theta) - E[ln(1 - theta)]; d/dc and d/d ln E come
 * from the derivative fields; d/de1 from the weight ln u = -kappa. */
#include <float.h>
#include <math.h>

#include "core/error.h"
#include "math/pochhammer.h"
#include "retention/cov_query.h"

/* Relative accuracy promised for every value. */
#define ACCURACY 1e-10
#define CHUNK CRVM__CHUNK

/* Magnitudes of everything summed so far (all terms are >= 0): [0] of the
 * sums in w1 = w u^e1, [1] of those in w. */
static void totals_of(const crvm__rcov_qctx *qc, double tot[2])
{
    const crvm__rcov_sums *s = &qc->s;
    if (qc->derl_only) { /* only its own sums are set (crvm__rcov_sums_clear) */
        tot[0] = crvm__lanes_sum(s->v[CRVM__S_C]) + crvm__lanes_sum(s->v[CRVM__S_G1]) +
                 crvm__lanes_sum(s->p[CRVM__P_CK]);
        tot[1] = qc->gt->numeric
                     ? crvm__lanes_sum(s->v[CRVM__S_Z]) + crvm__lanes_sum(s->p[CRVM__P_ZK])
                     : 0;
        return;
    }
    tot[0] = tot[1] = 0;
    for (int i = 0; i < 3; i++)
        tot[0] += crvm__lanes_sum(s->v[CRVM__S_C + i]) + crvm__lanes_sum(s->v[CRVM__S_G1 + i]) +
                  crvm__lanes_sum(s->p[CRVM__P_CK + i]);
    tot[1] = crvm__lanes_sum(s->v[CRVM__S_B]) + crvm__lanes_sum(s->p[CRVM__P_BK]);
    if (qc->gt->numeric)
        tot[1] += crvm__lanes_sum(s->v[CRVM__S_Z]) + crvm__lanes_sum(s->p[CRVM__P_ZK]);
}

/* The rest decays at least geometrically from the last two nodes on: stop
 * once it is below 1e-16 of the total, for both kinds of sums. A kind with
 * nothing summed yet (its terms underflow) is negligible once the walk is
 * beyond its mode (past[j]). */
static int negligible(const double m[2], const double prev[2], const double total[2],
                      const int past[2])
{
    for (int j = 0; j < 2; j++) {
        if (m[j] == 0 && total[j] == 0 && past[j])
            continue;
        double ratio = m[j] / prev[j];
        if (!(total[j] > 0 && m[j] <= 1e-14 * total[j] && ratio < 0.95 &&
              m[j] * ratio / (1 - ratio) <= 1e-16 * total[j]))
            return 0;
    }
    return 1;
}

/* v within [lo, hi], hi where v is NaN: fmax(lo, fmin(hi, v)) without
 * their calls. */
static inline double clamp(double v, double lo, double hi)
{
    return !(v <= hi) ? hi : v < lo ? lo : v;
}

/* The posterior's mode in t: phi(t) = (alpha - 1) ln theta + t - x kappa is
 * concave; for small kappa it sits at kappa = alpha / (x + (alpha - 1)/2),
 * otherwise a few safeguarded Newton steps. Only where the walk starts
 * depends on it. */
static double posterior_peak(double a, double x, double t_lo, double t_hi)
{
    double den = x + 0.5 * (a - 1), t = log(a / (den > 0.5 * x ? den : x));
    if (t > -3)
        for (int it = 0; it < 8; it++) {
            if (!(t >= t_lo))
                t = t_lo;
            if (!(t <= t_hi))
                t = t_hi;
            double k = exp(t), em1 = expm1(k);
            double r = k / em1; /* kappa / (e^kappa - 1) */
            double d1 = (a - 1) * r + 1 - x * k;
            double d2 = (a - 1) * (r - r * r * (em1 + 1)) - x * k;
            if (!(d2 < 0))
                break;
            double step = -d1 / d2;
            t += clamp(step, -2.0, 2.0);
            if (fabs(step) < 1e-3)
                break;
        }
    return clamp(t, t_lo, t_hi);
}

/* Walks the nodes out from the mode, in chunks starting at even nodes; the
 * left walk ends at the cut kc (the tail then added in closed form) or
 * where the nodes are negligible. CRVM_EDOMAIN when the posterior runs off
 * the tables. */
static crvm_status walk(crvm__rcov_qctx *qc, const crvm__rcov_query *q, long kc)
{
    const crvm__rcov_gtab *gt = qc->gt;
    long K = (long)gt->K;
    double t_hi = gt->t_lo + (double)(K - 1) * gt->h;
    /* A DERL-only query sums nothing in the weight itself unless numeric. */
    const int w_sums = !qc->derl_only || gt->numeric;
    /* Modes of the two kinds of sums: the posterior at x + e1 (for w u^e1)
     * and at x; the walk starts at the latter, or at the former when it
     * sums nothing else. */
    double shifted = posterior_peak(gt->alpha, qc->x + qc->e1, gt->t_lo, t_hi);
    double peak = w_sums ? posterior_peak(gt->alpha, qc->x, gt->t_lo, t_hi) : shifted;
    double mode[2] = {shifted, peak};
    /* The nearest nodes: mode >= t_lo, so the conversion truncates a
     * positive number (floor() without its call). */
    long kmode[2];
    for (int j = 0; j < 2; j++)
        kmode[j] = (long)((mode[j] - gt->t_lo) / gt->h + 0.5);
    /* A left table's sums come first, so that the right walk's totals
     * include them (the nodes below its cut are most of some integrals). */
    if (qc->left)
        crvm__rcov_add_left(qc, kc);
    long lo = kc >= 0 ? kc + 1 : 0;
    long start = (long)((peak - gt->t_lo) / gt->h + 0.5);
    start = start < lo ? lo : start > K - 1 ? K - 1 : start;
    long split = start - (start & 1); /* chunks start at even nodes */
    /* A DERL-only query's left walk nearly always runs down to the cut:
     * start the right walk up to a chunk to the right of the mode so that
     * the left chunks end at the cut instead of mostly past it. */
    if (kc >= 0 && qc->derl_only && !gt->numeric) {
        long lo_even = lo - (lo & 1);
        long aligned = lo_even + CHUNK * ((split - lo_even + CHUNK - 1) / CHUNK);
        if (aligned <= K - 1)
            split = aligned;
    }
    long first_right = split > lo ? split : lo;
    double mag[2][CHUNK], edge[2] = {0, 0}, prev[2], low[2] = {0, 0}, tot[2], m[2], nb[2];
    int edge_hit = 0, left_open = 1;
    /* Right: nodes from split (or lo) until negligible. */
    prev[0] = prev[1] = INFINITY;
    for (long k0 = split;; k0 += CHUNK) {
        crvm__rcov_add_chunk(qc, k0, first_right, K - 1, mag);
        long last = k0 + CHUNK - 1 <= K - 1 ? CHUNK - 1 : K - 1 - k0;
        for (int j = 0; j < 2; j++) {
            if (k0 == split)
                low[j] = mag[j][first_right - split];
            m[j] = mag[j][last];
            /* The node before the last: in this chunk, or (a chunk cut to
             * one node by the table's end) the previous chunk's last. */
            nb[j] = last > 0 && last > first_right - k0 ? mag[j][last - 1] : prev[j];
            prev[j] = m[j];
        }
        totals_of(qc, tot);
        int past[2] = {k0 + last > kmode[0], k0 + last > kmode[1] || !w_sums};
        if (negligible(m, nb, tot, past))
            break;
        if (k0 + CHUNK - 1 >= K - 1) {
            edge_hit = 1;
            edge[0] = m[0];
            edge[1] = m[1];
            break;
        }
    }
    /* Left: nodes split - 1 down to lo, unless negligible before. */
    prev[0] = prev[1] = INFINITY;
    for (long k0 = split - CHUNK; k0 + CHUNK - 1 >= lo; k0 -= CHUNK) {
        crvm__rcov_add_chunk(qc, k0, lo, split - 1, mag);
        long first = k0 >= lo ? 0 : lo - k0;
        for (int j = 0; j < 2; j++) {
            m[j] = mag[j][first];
            nb[j] = first < CHUNK - 1 ? mag[j][first + 1] : prev[j];
            prev[j] = low[j] = m[j];
        }
        totals_of(qc, tot);
        int past[2] = {k0 + first < kmode[0], k0 + first < kmode[1] || !w_sums};
        if (negligible(m, nb, tot, past)) {
            left_open = 0;
            break;
        }
    }
    if (left_open && !qc->left) { /* (a left table's sums are in already) */
        if (kc >= 0)
            crvm__rcov_add_tail(qc, kc);
        else {
            edge_hit = 1;
            edge[0] = fmax(edge[0], low[0]);
            edge[1] = fmax(edge[1], low[1]);
        }
    }
    totals_of(qc, tot);
    if ((edge_hit && !(edge[0] <= 1e-16 * tot[0] && edge[1] <= 1e-16 * tot[1])) ||
        !(tot[0] + tot[1] > 0))
        return crvm__fail(CRVM_EDOMAIN, "retention prediction: a subject of group %d after n = %d "
                          "renewals (Lambda = %g): the posterior lies outside the tabulated range "
                          "of theta (x = beta + Lambda = %g)", q->group, q->n, q->lambda, qc->x);
    return CRVM_OK;
}

/* How the sums become expectations: E[f] = scale sum w f, with E[ln theta]
 * and E[ln u] for the partials, and the relative rounding of the weights. */
typedef struct norm {
    double scale, h, eln_t, eln_u, rel_w, z, z_alt;
    int numeric;
} norm;

/* An expectation J with its partials in alpha, x (the kappa-weighted sum
 * also gives d/de1 = -E[kappa f]) and its estimated error. */
typedef struct integral {
    double v, d_alpha, d_x, d_e1, err;
} integral;

static integral integral_of(const norm *nm, const double v[2], const double *t,
                            const double *k)
{
    integral r;
    double sv = crvm__lanes_sum(v), sa = crvm__lanes_alt(v);
    double st = t ? crvm__lanes_sum(t) : 0.0, sk = k ? crvm__lanes_sum(k) : 0.0;
    r.v = nm->scale * sv;
    /* The step-2h sum: 2h times the even nodes, (sum + alternating) h. */
    double coarse = nm->numeric ? (sv + sa) / (nm->z + nm->z_alt) : nm->h * (sv + sa);
    double est = fabs(r.v - coarse);
    /* Exponential convergence: the error at h is about est^2 / J. */
    r.err = (r.v > 0 ? est * est / r.v : est) + (nm->rel_w + 8 * DBL_EPSILON) * r.v;
    r.d_alpha = nm->scale * st - nm->eln_t * r.v;
    r.d_x = -nm->scale * sk - nm->eln_u * r.v;
    r.d_e1 = -nm->scale * sk;
    return r;
}

/* What the closed forms need of x and alpha alone: the churn family's first
 * stage and ln(alpha / x), kept per thread for its next query. The walks
 * ask a subject's actual period and its counterfactuals one after another,
 * the same x with another e1 (half of bench_value's DERL queries at 10^5);
 * a function of x and alpha alone, so reusing it changes no bit. */
typedef struct x_part {
    crvm__churn_base base; /* base.y1 = x, base.a = alpha (0, 0 before the first) */
    double log_ax;         /* ln(alpha / x) */
} x_part;

static _Thread_local x_part last_x;

static const x_part *x_part_of(double x, double a)
{
    x_part *p = &last_x;
    if (!(p->base.y1 == x && p->base.a == a)) {
        crvm__churn_base_at(x, a, &p->base);
        p->log_ax = log(a / x);
    }
    return p;
}

static const char *const quantity_names[4] = {"DERL", "DERL over the horizon", "lifetime",
                                              "value at risk"};

static crvm_status refuse(const crvm__rcov_query *q, int which, double err, double value)
{
    return crvm__fail(CRVM_EDOMAIN, "retention prediction: %s of a subject of group %d after "
                      "n = %d renewals (Lambda = %g): its accuracy cannot be guaranteed "
                      "(estimated error %.3g of %.6g)", quantity_names[which], q->group, q->n,
                      q->lambda, err, value);
}

/* The answer, or with derl_only its DERL alone (the other quantities are
 * left unset): the sums and closed forms only they need are skipped. */
static crvm_status evaluate(const crvm__rcov_engine *e, const crvm__rcov_query *q, int derl_only,
                            crvm__rcov_answer *answer)
{
    if (e == NULL || q == NULL || answer == NULL)
        return crvm__fail(CRVM_EINVAL, "retention prediction: engine, query or answer is NULL");
    if (q->group < 0 || (size_t)q->group >= e->groups || q->n < 0 || q->n > e->max_n ||
        !(q->lambda >= 0 && isfinite(q->lambda)) || !(isnan(q->e1) || (q->e1 >= 0 &&
        isfinite(q->e1))))
        return crvm__fail(CRVM_EINVAL, "retention prediction: query (group %d, n %d, Lambda %g, "
                          "e1 %g) out of range: group < %zu, 0 <= n <= %d, Lambda >= 0 and "
                          "finite, e1 NaN or >= 0 and finite", q->group, q->n, q->lambda, q->e1,
                          e->groups, e->max_n);
    const crvm__rcov_gtab *gt = &e->tab[q->group];
    double a = gt->alpha, x = gt->beta + q->lambda, E = gt->E;
    size_t n = (size_t)q->n, H = (size_t)e->H;
    int future = isnan(q->e1);
    double e1 = future ? E * e->w[n + 1] : q->e1;
    double e1_c = future ? E * e->w_c[n + 1] : 0.0, e1_e = future ? e1 : 0.0;
    double span = e->P[n + H] - e->P[n + 1], span_c = e->Pc[n + H] - e->Pc[n + 1];
    double F = e1 + E * span, F_c = E * span_c, F_e = E * span;
    crvm__rcov_answer ans;

    /* Closed forms: R1 = R(x, e1) (churn next, and the factor of the sums)
     * and R(x, F) (survival); from the same shift loop, ln B(alpha, x),
     * E[ln(1 - theta)] and E[ln theta]. F_c and F_e hold e1 fixed; its own
     * dependence is added through d_e1 below. */
    const x_part *xp = x_part_of(x, a);
    crvm__churn_family c1, cF;
    crvm__churn_family_from(&xp->base, e1, &c1);
    double R1 = exp(c1.log_ratio);
    double R1a = -R1 * c1.dpsi_a, R1x = -R1 * c1.psi2, R1e = -R1 * c1.at2.dpsi;
    if (!derl_only) {
        if (F == e1)
            cF = c1;
        else
            crvm__churn_family_from(&xp->base, F, &cF);
        double RF = exp(cF.log_ratio), RFe = -RF * cF.at2.dpsi;
        ans.survival = (crvm__rcov_partials){RF, -RF * cF.dpsi_a, -RF * cF.psi2, RFe * F_c,
                                             RFe * F_e, RFe};
        ans.churn_next = (crvm__rcov_partials){-expm1(c1.log_ratio), -R1a, -R1x, 0.0, 0.0, -R1e};
    }

    /* The integrals: the nodes and the left tail. */
    crvm__rcov_qctx qc;
    crvm__rcov_sums_clear(&qc.s, derl_only);
    qc.gt = gt;
    qc.fld = crvm__rcov_fields(gt, q->n);
    qc.ser = crvm__rcov_series(gt, q->n);
    qc.x = x;
    qc.e1 = e1;
    qc.F = F;
    qc.derl_only = derl_only;
    qc.lnB = gt->lga - c1.at1.lp;
    /* A query whose z allows it takes the nodes below its row's left cut
     * from a left table (cov_left.c): a DERL-only query (z = x + e1) ~4
     * chunks fewer, a full one (z = x + F) its row's full table: ~4.7
     * chunks fewer and no tail series. */
    if (derl_only)
        qc.left = gt->left ? crvm__rcov_left(gt, q->n, x + e1) : NULL;
    else
        qc.left = gt->left_full ? crvm__rcov_left_full(gt, q->n, x + F) : NULL;
    long kc = -1;
    if (qc.left)
        kc = (long)(derl_only ? gt->left_k[n] : gt->full_k[n]);
    else {
        /* The growth rate of every factor the tail multiplies: for a
         * DERL-only query the weight's, ln theta's and its own fields' alone
         * (the lifetime's undiscounted window may grow much faster: 3x at
         * 10^5 in bench_value, whose DERL walks then need a fifth fewer left
         * nodes). */
        double rho = derl_only ? fmax(gt->rho_derl[n], x + e1 + gt->rho_theta)
                               : fmax(gt->rho[n], fmax(x + e1 + gt->rho_theta, F));
        if (isfinite(rho)) {
            double cut = floor((log(CRVM__TAIL_Q / rho) - gt->t_lo) / gt->h);
            kc = cut > (double)gt->K - 2 ? (long)gt->K - 2 : cut < -1 ? -1 : (long)cut;
        }
    }
    crvm_status st = walk(&qc, q, kc);
    if (st != CRVM_OK)
        return st;
    const crvm__rcov_sums *s = &qc.s;
    norm nm;
    nm.numeric = gt->numeric;
    nm.h = gt->h;
    if (gt->numeric) {
        nm.z = crvm__lanes_sum(s->v[CRVM__S_Z]);
        nm.z_alt = crvm__lanes_alt(s->v[CRVM__S_Z]);
        nm.scale = 1.0 / nm.z;
        nm.eln_t = crvm__lanes_sum(s->p[CRVM__P_ZT]) / nm.z;
        nm.eln_u = -crvm__lanes_sum(s->p[CRVM__P_ZK]) / nm.z;
        nm.rel_w = 0.0;
    } else {
        nm.z = nm.z_alt = 0.0;
        nm.scale = gt->h;
        nm.eln_t = gt->psi_alpha - c1.at1.psi_a;
        nm.eln_u = -c1.at1.dpsi;
        /* The relative rounding of the analytically normalised weights
         * (their exponent is a sum of terms of size |ln B| + alpha |t|). */
        nm.rel_w = 16 * DBL_EPSILON * (1 + fabs(qc.lnB) + a * (1 + fabs(xp->log_ax)));
        if (qc.left)
            nm.rel_w += CRVM__LEFT_ROUNDING;
    }
    const int sums = derl_only ? 1 : 3;
    integral J[3];
    for (int v = 0; v < sums; v++)
        J[v] = integral_of(&nm, s->v[CRVM__S_C + v], s->p[CRVM__P_CT + v], s->p[CRVM__P_CK + v]);
    double d = e->d, dH = e->d_h, G0 = e->G0, W0 = e->W0h, cap = (double)e->cap;
    /* value = k0 R1 - k1 J: DERL (G0, d), DERL over H (W0, d), lifetime (cap,
     * 1); or, where that subtraction would lose more than a bit, R1 + k1 J'
     * with J' the integral of the function itself. The partials come from
     * the first form (they lose at most the digits of k0). */
    const double k0[3] = {G0, W0, cap}, k1[3] = {d, d, 1.0};
    crvm__rcov_partials *outs[3] = {&ans.derl, &ans.derl_horizon, &ans.lifetime};
    for (int v = 0; v < sums; v++) {
        double value = k0[v] * R1 - k1[v] * J[v].v;
        double err = k1[v] * J[v].err + 4 * DBL_EPSILON * k0[v] * R1;
        if (k1[v] * J[v].v > 0.5 * k0[v] * R1) {
            integral Jd = integral_of(&nm, s->v[CRVM__S_G1 + v], NULL, NULL);
            value = R1 + k1[v] * Jd.v;
            err = k1[v] * Jd.err + 4 * DBL_EPSILON * value;
        }
        if (!(err <= ACCURACY * fabs(value)))
            return refuse(q, v, err, value);
        *outs[v] = (crvm__rcov_partials){value, k0[v] * R1a - k1[v] * J[v].d_alpha,
                                         k0[v] * R1x - k1[v] * J[v].d_x,
                                         -k1[v] * nm.scale * crvm__lanes_sum(s->p[CRVM__P_CC + 2 * v]),
                                         -k1[v] * nm.scale * crvm__lanes_sum(s->p[CRVM__P_CE + 2 * v]),
                                         k0[v] * R1e - k1[v] * J[v].d_e1};
    }
    if (derl_only) {
        if (future) {
            ans.derl.d_c += ans.derl.d_e1 * e1_c;
            ans.derl.d_log_e += ans.derl.d_e1 * e1_e;
        }
        answer->derl = ans.derl;
        return CRVM_OK;
    }
    integral JA = integral_of(&nm, s->v[CRVM__S_B], s->p[CRVM__P_BT], s->p[CRVM__P_BK]);
    /* At risk: W0 (1 - R1) + d J_W + d^H J_A, positive terms. */
    double risk = W0 * -expm1(c1.log_ratio) + d * J[1].v + dH * JA.v;
    double risk_err = d * J[1].err + dH * JA.err + 4 * DBL_EPSILON * risk;
    if (!(risk_err <= ACCURACY * risk) && !(risk == 0 && risk_err == 0))
        return refuse(q, 3, risk_err, risk);
    double P = nm.scale * crvm__lanes_sum(s->p[CRVM__P_BP]);
    double sc = nm.scale, WC = sc * crvm__lanes_sum(s->p[CRVM__P_WC]);
    double WE = sc * crvm__lanes_sum(s->p[CRVM__P_WE]), BC = sc * crvm__lanes_sum(s->p[CRVM__P_BC]);
    double BE = sc * crvm__lanes_sum(s->p[CRVM__P_BE]);
    ans.at_risk = (crvm__rcov_partials){risk, -W0 * R1a + d * J[1].d_alpha + dH * JA.d_alpha,
                                        -W0 * R1x + d * J[1].d_x + dH * JA.d_x,
                                        d * WC + dH * (F_c * P - BC), d * WE + dH * (F_e * P - BE),
                                        -W0 * R1e + d * J[1].d_e1 + dH * P};
    /* With e1 from the future assumption, e1 moves with c and ln E. */
    if (future) {
        crvm__rcov_partials *all[6] = {&ans.survival, &ans.churn_next, &ans.derl,
                                       &ans.derl_horizon, &ans.lifetime, &ans.at_risk};
        for (int i = 0; i < 6; i++) {
            all[i]->d_c += all[i]->d_e1 * e1_c;
            all[i]->d_log_e += all[i]->d_e1 * e1_e;
        }
    }
    *answer = ans;
    return CRVM_OK;
}

crvm_status crvm__rcov_engine_eval(const crvm__rcov_engine *e, const crvm__rcov_query *q,
                                   crvm__rcov_answer *answer)
{
    return evaluate(e, q, 0, answer);
}

crvm_status crvm__rcov_engine_derl(const crvm__rcov_engine *e, const crvm__rcov_query *q,
                                   crvm__rcov_partials *derl)
{
    if (derl == NULL)
        return crvm__fail(CRVM_EINVAL, "retention prediction: engine, query or answer is NULL");
    crvm__rcov_answer ans;
    crvm_status st = evaluate(e, q, 1, &ans);
    if (st == CRVM_OK)
        *derl = ans.derl;
    return st;
}
