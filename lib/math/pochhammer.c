/* Log-Pochhammer symbols, digamma and trigamma differences, and the second
 * differences of ln Gamma and psi, without cancellation.
 *
 * Large arguments (z >= 12) use the asymptotic series of ln Gamma, psi and
 * psi' (Abramowitz & Stegun 6.1.41, 6.3.18, 6.4.12) with terms to z^-13,
 * whose truncation is below 3e-15 relative there, written so that only the
 * small corrections are differenced, e.g.
 *   ln Gamma(z + a) - ln Gamma(z) = (z - 1/2) ln(1 + a/z) + a ln(z + a) - a + s(z + a) - s(z).
 * Smaller arguments are first shifted by the recurrences Gamma(y + 1) =
 * y Gamma(y), psi(y + 1) = psi(y) + 1/y, accumulating the shift's terms as
 * products or sums of same-signed terms. */
#include "math/pochhammer.h"

#include <math.h>

#include "math/special.h"

#define ASYMPTOTIC_FROM 12.0

/* The series in r = 1/z (z >= 12), so that callers share the reciprocals.
 * The parts after the leading term are evaluated on their own (the "rest"
 * functions), and differences of the leading terms are formed from the
 * exact difference of the reciprocals: differences of nearby points must
 * not inherit the rounding of the leading term, larger by 1/r^2. ln Gamma(z)
 * - [(z - 1/2) ln z - z + ln sqrt(2 pi)] - 1/(12 z): */
static double stirling_rest_r(double r)
{
    double r2 = r * r;
    return -r * r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 -
                      r2 * (1.0 / 1188 - r2 * (691.0 / 360360)))));
}

/* What is left of the rests after their first two powers:
 * stirling_rest_r(r) + r^3/360 - r^5/1260 and psi_rest_r(r) + r^2/12 - r^4/120. */
static double stirling_rest3_r(double r)
{
    double r2 = r * r, r7 = r * r2 * r2 * r2;
    return -r7 * (1.0 / 1680 - r2 * (1.0 / 1188 - r2 * (691.0 / 360360)));
}

/* psi(z) - ln z + 1/(2 z): */
static double psi_rest_r(double r)
{
    double r2 = r * r;
    return -r2 * (1.0 / 12 - r2 * (1.0 / 120 - r2 * (1.0 / 252 - r2 * (1.0 / 240 -
                  r2 * (1.0 / 132 - r2 * (691.0 / 32760))))));
}

static double psi_rest3_r(double r)
{
    double r2 = r * r, r6 = r2 * r2 * r2;
    return -r6 * (1.0 / 252 - r2 * (1.0 / 240 - r2 * (1.0 / 132 - r2 * (691.0 / 32760))));
}

static double psi_tail_r(double r) { return -0.5 * r + psi_rest_r(r); }

/* tail(rb) - tail(ra) from the rests there (sb = rest(rb), sa = rest(ra))
 * and dr = rb - ra formed exactly by the caller (as -d rb ra for points d
 * apart). */
static double stirling_tail_diff(double sb, double sa, double dr)
{
    return dr / 12 + (sb - sa);
}

static double psi_tail_diff(double sb, double sa, double dr)
{
    return -0.5 * dr + (sb - sa);
}

/* psi'(z): */
static double trigamma_r(double r)
{
    double r2 = r * r;
    return r + 0.5 * r2 + r * r2 * (1.0 / 6 - r2 * (1.0 / 30 - r2 * (1.0 / 42 - r2 * (1.0 / 30 -
                         r2 * (5.0 / 66 - r2 * (691.0 / 2730))))));
}

_Static_assert((int)ASYMPTOTIC_FROM <= CRVM__CHURN_SHIFT_MAX, "a shift loop for y > 0 fits the base");

/* Shift count bringing y to >= ASYMPTOTIC_FROM. */
static int shift_of(double y)
{
    return y < ASYMPTOTIC_FROM ? (int)ceil(ASYMPTOTIC_FROM - y) : 0;
}

double crvm__log_pochhammer(double y, double x)
{
    crvm__poch_family f;
    if (x == 0)
        return 0.0;
    crvm__poch_family_at(y, x, 0, &f);
    return f.lp;
}

double crvm__psi_difference(double y, double x)
{
    crvm__poch_family f;
    if (x == 0)
        return 0.0;
    crvm__poch_family_at(y, x, 0, &f);
    return f.dpsi;
}

void crvm__poch_family_at(double y, double a, int second, crvm__poch_family *out)
{
    int n = shift_of(y);
    double s_dpsi = 0, s_psia = 0, s_tri = 0, s_tria = 0, num = 1, den = 1;
    for (int k = 0; k < n; k++) {
        double yk = y + k, yak = yk + a, inv = 1 / yk, inva = 1 / yak;
        s_dpsi += a * inv * inva; /* 1/(y+k) - 1/(y+a+k) */
        s_psia += inva;
        if (second) {
            s_tri += inv * inv;
            s_tria += inva * inva;
        }
        num *= yak;
        den *= yk;
    }
    double z = y + n, za = z + a, r = 1 / z, ra = 1 / za;
    double la = log1p(a * r), lza = log(za), pa = psi_tail_r(ra), dr = -a * r * ra;
    double lp = (z - 0.5) * la + a * lza - a +
                stirling_tail_diff(stirling_rest_r(ra), stirling_rest_r(r), dr);
    out->lp = n ? lp - log(num / den) : lp;
    out->dpsi = la + psi_tail_diff(psi_rest_r(ra), psi_rest_r(r), dr) + s_dpsi;
    out->psi_a = lza + pa - s_psia;
    if (second) {
        double ta = trigamma_r(ra);
        out->tri_a = ta + s_tria;
        out->dtri = (ta - trigamma_r(r)) + (s_tria - s_tri);
    } else {
        out->tri_a = out->dtri = 0.0;
    }
}

/* A rest f at the four reciprocals (of z, z + a, z + F, z + a + F). */
static void rests_at(double (*f)(double), const double r[4], double v[4])
{
    for (int i = 0; i < 4; i++)
        v[i] = f(r[i]);
}

/* A rest at two of the reciprocals (a pair that vectorises). */
static inline void rests_at2(double (*f)(double), const double r[2], double v[2])
{
    for (int i = 0; i < 2; i++)
        v[i] = f(r[i]);
}

/* Second difference f(z + a + F) - f(z + F) - f(z + a) + f(z) of a small
 * correction (below 1e-4 for z >= 12, so its rounding stays far below the
 * leading terms), from its four values. */
static double second_difference(const double v[4])
{
    return (v[3] - v[2]) - (v[1] - v[0]);
}

/* 1/(y+a+F) - 1/(y+F) - 1/(y+a) + 1/y in closed form (>= 0). */
static double reciprocal_second_difference(double y, double a, double F)
{
    return a * F * (2 * y + a + F) / (y * (y + a) * (y + F) * (y + a + F));
}

/* Second differences of r^m (r = 1/z, at z, z + a, z + F, z + a + F) for
 * m = 2..mmax (mmax <= 5) into D[m], without cancellation, from the exact
 * first differences r1 - r0 = -a r0 r1 (B), r3 - r1 = -F r1 r3, r2 - r0 =
 * -F r0 r2 and the second one d2 = reciprocal_second_difference: with A =
 * r3 - r2 = B + d2,
 *     D2[r^m] = A S_m(r3, r2) - B S_m(r1, r0),  S_m(u, v) = sum_i u^i v^(m-1-i),
 *            = d2 S_m(r3, r2) + B (S_m(r3, r2) - S_m(r1, r0)),
 * and the last difference is sum_i [r3^i (r2^j - r0^j) + r0^j (r3^i - r1^i)]
 * (j = m - 1 - i), same-signed terms in r2 - r0 and r3 - r1. The powers and
 * partial sums are shared by every m (each D[m] is what a pass for m alone
 * would give, to the bit). */
static void d2_powers(const double r[4], double a, double F, double d2, int mmax, double D[6])
{
    double B = -a * r[0] * r[1], f31 = -F * r[1] * r[3], f20 = -F * r[0] * r[2];
    double p0[5], p3[5], p2[5], s20[6], s31[6]; /* s20[j] = S_j(r2, r0), s31[i] = S_i(r3, r1) */
    p0[0] = p3[0] = p2[0] = 1;
    s20[0] = s31[0] = 0;
    for (int i = 1; i < mmax; i++) {
        p0[i] = p0[i - 1] * r[0];
        p3[i] = p3[i - 1] * r[3];
        p2[i] = p2[i - 1] * r[2];
    }
    for (int j = 1; j <= mmax; j++) {
        s20[j] = s20[j - 1] * r[2] + p0[j - 1];  /* S_j(r2, r0) = r2 S_{j-1} + r0^(j-1) */
        s31[j] = s31[j - 1] * r[1] + p3[j - 1];  /* S_j(r3, r1) = r1 S_{j-1} + r3^(j-1) */
    }
    for (int m = 2; m <= mmax; m++) {
        double s32 = 0, diff = 0;
        for (int i = 0; i < m; i++)
            s32 += p3[i] * p2[m - 1 - i];
        for (int i = 0; i < m; i++) {
            int j = m - 1 - i;
            diff += p3[i] * f20 * s20[j] + p0[j] * f31 * s31[i];
        }
        D[m] = d2 * s32 + B * diff;
    }
}

/* Where a F is small against z^2 (a F r0^2 < 1e-4) the rests' second
 * differences are tiny against the rests themselves, whose rounding would
 * then dominate: their first two powers are differenced exactly, from D =
 * d2_powers(). Otherwise the four values are differenced as they are (their
 * rounding then stays below 1e-16 of the result) and D is not used. */
static int rests_need_powers(const double r[4], double a, double F)
{
    return !(a * F * r[0] * r[0] >= 1e-4);
}

/* Second difference of a rest whose first two powers are -r^m / c_m and
 * r^(m+2) / c_m2, the others rest3: from its values v at the four
 * reciprocals, or (D not NULL) from D (v then unused). */
static double rest_d2(const double r[4], const double v[4], const double D[6], int m, double c_m,
                      double c_m2, double (*rest3)(double))
{
    if (!D)
        return second_difference(v);
    double v3[4];
    rests_at(rest3, r, v3);
    return -D[m] / c_m + D[m + 2] / c_m2 + second_difference(v3);
}

static double stirling_rest_d2(const double r[4], const double v[4], const double D[6])
{
    return rest_d2(r, v, D, 3, 360, 1260, stirling_rest3_r);
}

static double psi_rest_d2(const double r[4], const double v[4], const double D[6])
{
    return rest_d2(r, v, D, 2, 12, 120, psi_rest3_r);
}

/* The same for a caller that has neither the values nor D: of the psi
 * rest (psi) or the Stirling one. */
static double lone_rest_d2(const double r[4], double a, double F, double d2, int psi)
{
    double D[6], v[4];
    if (rests_need_powers(r, a, F)) {
        d2_powers(r, a, F, d2, psi ? 4 : 5, D);
        return psi ? psi_rest_d2(r, NULL, D) : stirling_rest_d2(r, NULL, D);
    }
    rests_at(psi ? psi_rest_r : stirling_rest_r, r, v);
    return psi ? psi_rest_d2(r, v, NULL) : stirling_rest_d2(r, v, NULL);
}

/* Reciprocals of z, z + a, z + F, z + a + F. */
static void reciprocals(double z, double a, double F, double r[4])
{
    r[0] = 1 / z;
    r[1] = 1 / (z + a);
    r[2] = 1 / (z + F);
    r[3] = 1 / (z + a + F);
}

double crvm__log_beta_ratio(double a, double x, double F)
{
    if (F == 0)
        return 0.0;
    if (isinf(F))
        return -INFINITY;
    /* The shift: the second difference of ln(y) is ln(1 - e_k) with
     * e_k = aF/((y+a)(y+F)); the product of the factors 1 - e_k is kept both
     * as it is (accurate when small) and as its distance from 1, q (accurate
     * when near 1). */
    int n = shift_of(x);
    double prod = 1, q = 0;
    for (int k = 0; k < n; k++) {
        double y = x + k, ya = y + a, yf = y + F;
        double e = a / ya * (F / yf);
        prod *= (y / ya) * ((ya + F) / yf);
        q -= e * (1 + q);
    }
    double shift = n == 0 ? 0.0 : prod < 0.5 ? log(prod) : log1p(q);
    double z = x + n;
    /* With g(y) = (y - 1/2) ln y - y, the second difference of g is
     * (z - 1/2) ln(1 - aF/((z+a)(z+F))) + a ln(1 + F/(z+a)) + F ln(1 + a/(z+F)). */
    double r[4];
    reciprocals(z, a, F, r);
    double g2 = (z - 0.5) * log1p(-a * F * r[1] * r[2]) + a * log1p(F * r[1]) +
                F * log1p(a * r[2]);
    double d2 = reciprocal_second_difference(z, a, F);
    double s2 = d2 / 12 + lone_rest_d2(r, a, F, d2, 0);
    return shift - (g2 + s2);
}

double crvm__psi_second_difference(double x, double a, double F)
{
    if (F == 0 || a == 0)
        return 0.0;
    int n = shift_of(x);
    double shift = 0;
    for (int k = 0; k < n; k++)
        shift += reciprocal_second_difference(x + k, a, F);
    double z = x + n, r[4];
    reciprocals(z, a, F, r);
    double d2 = reciprocal_second_difference(z, a, F);
    return log1p(-a * F * r[1] * r[2]) - 0.5 * d2 + lone_rest_d2(r, a, F, d2, 1) - shift;
}

/* The family's second differences (log_ratio, dpsi_a, psi2) at the four
 * points z, z + a, z + e, z + a + e (reciprocals r, rests st and ps), from
 * the shift loop's n steps (prod, q, s_dpa, s_psi2): shared by the
 * likelihood's one-loop form and the queries' two stages, so that both give
 * the same bits. */
static inline void second_differences(const double r[4], const double st[4], const double ps[4],
                                      double a, double e, double z, double l_ae, double l_e1,
                                      double l_a2, int n, double prod, double q, double s_dpa,
                                      double s_psi2, crvm__churn_family *out)
{
    double d31 = -e * r[1] * r[3];
    double recip2 = a * e * (2 * z + a + e) * r[0] * r[1] * r[2] * r[3], D[6];
    const int powers = rests_need_powers(r, a, e);
    if (powers)
        d2_powers(r, a, e, recip2, 5, D);
    double g2 = (z - 0.5) * l_ae + a * l_e1 + e * l_a2;
    double s2 = recip2 / 12 + stirling_rest_d2(r, st, powers ? D : NULL);
    double shift = n == 0 ? 0.0 : prod < 0.5 ? log(prod) : log1p(q);
    out->log_ratio = shift - (g2 + s2);
    out->dpsi_a = l_e1 + psi_tail_diff(ps[3], ps[1], d31) + s_dpa;
    out->psi2 = l_ae - 0.5 * recip2 + psi_rest_d2(r, ps, powers ? D : NULL) - s_psi2;
}

/* The churn family for the likelihood (crvm__churn_family_at): one shift
 * loop over the four points, its four reciprocals and rests side by side
 * (they vectorise: the two-stage form below, which the engine's queries
 * take, costs this one ~5% more instructions). The same terms in the same
 * order as the two stages, so the same bits. */
static inline void churn_family(double y1, double a, double e, int second,
                                crvm__churn_family *out)
{
    /* One shift loop for the four points y, y + a, y + e, y + a + e. */
    int n = shift_of(y1);
    double s_dpsi1 = 0, s_psia1 = 0, s_tri1 = 0, s_tria1 = 0, num = 1, den = 1;
    double s_dpsi2 = 0, s_psia2 = 0, s_tri2 = 0, s_tria2 = 0;
    double prod = 1, q = 0, s_psi2 = 0, s_dpa = 0;
    for (int k = 0; k < n; k++) {
        double y = y1 + k, ya = y + a, ye = y + e, yae = ya + e;
        double i0 = 1 / y, ia = 1 / ya, ie = 1 / ye, iae = 1 / yae;
        s_dpsi1 += a * i0 * ia;
        s_psia1 += ia;
        s_dpsi2 += a * ie * iae;
        s_psia2 += iae;
        if (second) {
            s_tri1 += i0 * i0;
            s_tria1 += ia * ia;
            s_tri2 += ie * ie;
            s_tria2 += iae * iae;
        }
        num *= ya;
        den *= y;
        double ae = a * e * ia * ie;
        prod *= (y * ia) * (yae * ie);
        q -= ae * (1 + q);
        s_psi2 += ae * (2 * y + a + e) * i0 * iae;
        s_dpa += e * ia * iae;
    }
    double z = y1 + n, r[4];
    reciprocals(z, a, e, r); /* z, z + a, z + e, z + a + e */
    double l_a1 = log1p(a * r[0]), l_za1 = log(z + a), l_a2 = log1p(a * r[2]);
    double l_e1 = log1p(e * r[1]), l_ae = log1p(-a * e * r[1] * r[2]);
    /* The rests at the four points, each evaluated once for every
     * difference that uses it. */
    double st[4], ps[4];
    rests_at(stirling_rest_r, r, st);
    rests_at(psi_rest_r, r, ps);
    double d10 = -a * r[0] * r[1], d32 = -a * r[2] * r[3];
    double lp = (z - 0.5) * l_a1 + a * l_za1 - a + stirling_tail_diff(st[1], st[0], d10);
    out->at1.lp = n ? lp - log(num / den) : lp;
    out->at1.dpsi = l_a1 + psi_tail_diff(ps[1], ps[0], d10) + s_dpsi1;
    out->at1.psi_a = l_za1 + (-0.5 * r[1] + ps[1]) - s_psia1;
    out->at2.lp = 0.0;
    out->at2.dpsi = l_a2 + psi_tail_diff(ps[3], ps[2], d32) + s_dpsi2;
    out->at2.psi_a = log(z + a + e) + (-0.5 * r[3] + ps[3]) - s_psia2;
    if (second) {
        double t0 = trigamma_r(r[0]), t1 = trigamma_r(r[1]), t2 = trigamma_r(r[2]),
               t3 = trigamma_r(r[3]);
        out->at1.tri_a = t1 + s_tria1;
        out->at1.dtri = (t1 - t0) + (s_tria1 - s_tri1);
        out->at2.tri_a = t3 + s_tria2;
        out->at2.dtri = (t3 - t2) + (s_tria2 - s_tri2);
    } else {
        out->at1.tri_a = out->at1.dtri = out->at2.tri_a = out->at2.dtri = 0.0;
    }
    second_differences(r, st, ps, a, e, z, l_ae, l_e1, l_a2, n, prod, q, s_dpa, s_psi2, out);
}

/* The churn family for the engine's queries in two stages, from the sums of
 * a shift loop over the four points y, y + a, y + e, y + a + e (k < n, y =
 * y1 + k): the family at y1 (base_tail, with what the second stage reuses)
 * and the rest, which needs e (rest_tail). Without the trigamma terms and
 * at2.psi_a (0), which no query uses. */
typedef struct base_sums {
    double s_dpsi1, s_psia1, num, den; /* at y and y + a */
} base_sums;

typedef struct rest_sums {
    double s_dpsi2, prod, q, s_psi2, s_dpa; /* at y + e and y + a + e, second differences */
} rest_sums;

/* The loop's terms at y and y + a (i0 = 1/y, ia = 1/(y + a)). */
static inline void base_terms(base_sums *u, double y, double ya, double i0, double ia, double a)
{
    u->s_dpsi1 += a * i0 * ia;
    u->s_psia1 += ia;
    u->num *= ya;
    u->den *= y;
}

/* And at y + e and y + a + e (ie = 1/(y + e), iae = 1/(y + a + e)). */
static inline void rest_terms(rest_sums *v, double y, double yae, double i0, double ia, double ie,
                              double iae, double a, double e)
{
    v->s_dpsi2 += a * ie * iae;
    double ae = a * e * ia * ie;
    v->prod *= (y * ia) * (yae * ie);
    v->q -= ae * (1 + v->q);
    v->s_psi2 += ae * (2 * y + a + e) * i0 * iae;
    v->s_dpa += e * ia * iae;
}

/* The family at y1 (b->at1) and the reciprocals and rests the rest reuses,
 * after the loop's n steps. */
static inline void base_tail(double y1, double a, int n, const base_sums *u, crvm__churn_base *b)
{
    double z = y1 + n, r[2] = {1 / z, 1 / (z + a)}, st[2], ps[2];
    double l_a1 = log1p(a * r[0]), l_za1 = log(z + a);
    rests_at2(stirling_rest_r, r, st);
    rests_at2(psi_rest_r, r, ps);
    double d10 = -a * r[0] * r[1];
    double lp = (z - 0.5) * l_a1 + a * l_za1 - a + stirling_tail_diff(st[1], st[0], d10);
    b->y1 = y1;
    b->a = a;
    b->n = n;
    b->z = z;
    b->r0 = r[0];
    b->r1 = r[1];
    b->st0 = st[0];
    b->st1 = st[1];
    b->ps0 = ps[0];
    b->ps1 = ps[1];
    b->at1.lp = n ? lp - log(u->num / u->den) : lp;
    b->at1.dpsi = l_a1 + psi_tail_diff(ps[1], ps[0], d10) + u->s_dpsi1;
    b->at1.psi_a = l_za1 + (-0.5 * r[1] + ps[1]) - u->s_psia1;
    b->at1.tri_a = b->at1.dtri = 0.0;
}

/* The rest of the family for e, from the base and the loop's sums at y + e
 * and y + a + e. */
static inline void rest_tail(const crvm__churn_base *b, double e, const rest_sums *v,
                             crvm__churn_family *out)
{
    const double a = b->a, z = b->z;
    double r[4] = {b->r0, b->r1, 1 / (z + e), 1 / (z + a + e)};
    double l_a2 = log1p(a * r[2]);
    double l_e1 = log1p(e * r[1]), l_ae = log1p(-a * e * r[1] * r[2]);
    /* The rests at the four points, each evaluated once for every
     * difference that uses it. */
    double st[4] = {b->st0, b->st1}, ps[4] = {b->ps0, b->ps1};
    rests_at2(stirling_rest_r, r + 2, st + 2);
    rests_at2(psi_rest_r, r + 2, ps + 2);
    double d32 = -a * r[2] * r[3];
    out->at1 = b->at1;
    out->at2.lp = 0.0;
    out->at2.dpsi = l_a2 + psi_tail_diff(ps[3], ps[2], d32) + v->s_dpsi2;
    out->at2.psi_a = out->at2.tri_a = out->at2.dtri = 0.0;
    second_differences(r, st, ps, a, e, z, l_ae, l_e1, l_a2, b->n, v->prod, v->q, v->s_dpa,
                       v->s_psi2, out);
}

void crvm__churn_family_at(double y1, double a, double e, int second, crvm__churn_family *out)
{
    churn_family(y1, a, e, second, out);
}

void crvm__churn_base_at(double y1, double a, crvm__churn_base *b)
{
    int n = shift_of(y1);
    base_sums u = {0, 0, 1, 1};
    for (int k = 0; k < n; k++) {
        double y = y1 + k, ya = y + a, i0 = 1 / y, ia = 1 / ya;
        if (k < CRVM__CHURN_SHIFT_MAX) { /* (always, for y1 > 0) */
            b->inv[k] = i0;
            b->inv_a[k] = ia;
        }
        base_terms(&u, y, ya, i0, ia, a);
    }
    base_tail(y1, a, n, &u, b);
}

void crvm__churn_family_from(const crvm__churn_base *b, double e, crvm__churn_family *out)
{
    const double y1 = b->y1, a = b->a;
    rest_sums v = {0, 1, 0, 0, 0};
    for (int k = 0; k < b->n; k++) {
        double y = y1 + k, ya = y + a, ye = y + e, yae = ya + e;
        double i0 = k < CRVM__CHURN_SHIFT_MAX ? b->inv[k] : 1 / y;
        double ia = k < CRVM__CHURN_SHIFT_MAX ? b->inv_a[k] : 1 / ya;
        rest_terms(&v, y, yae, i0, ia, 1 / ye, 1 / yae, a, e);
    }
    rest_tail(b, e, &v, out);
}

void crvm__churn_family_query(double y1, double a, double e, crvm__churn_family *out)
{
    crvm__churn_base b;
    crvm__churn_base_at(y1, a, &b);
    crvm__churn_family_from(&b, e, out);
}
