/* Private: differences of log-gamma, digamma and trigamma at nearby points,
 * accurate when the points are large (no cancellation of two large values),
 * and cheap: one shift loop and one asymptotic series per point. */
#ifndef CRVM_MATH_POCHHAMMER_H
#define CRVM_MATH_POCHHAMMER_H

/* ln Gamma(y + x) - ln Gamma(y) for y > 0, x >= 0. */
double crvm__log_pochhammer(double y, double x);

/* psi(y + x) - psi(y) for y > 0, x >= 0. */
double crvm__psi_difference(double y, double x);

/* Everything the likelihood needs of y at once (one shift loop): */
typedef struct crvm__poch_family {
    double lp;    /* ln Gamma(y + a) - ln Gamma(y) */
    double dpsi;  /* psi(y + a) - psi(y) */
    double psi_a; /* psi(y + a) */
    double dtri;  /* psi'(y + a) - psi'(y)   (0 unless asked for) */
    double tri_a; /* psi'(y + a)             (0 unless asked for) */
} crvm__poch_family;
void crvm__poch_family_at(double y, double a, int second, crvm__poch_family *out);

/* A subject churned between y1 and y1 + e: the families at y1 (with lp) and
 * at y2 = y1 + e (lp not computed: 0), ln[B(a, y2) / B(a, y1)], psi(y2 + a) -
 * psi(y1 + a) and the second difference of psi (as crvm__log_beta_ratio(),
 * crvm__psi_difference() and crvm__psi_second_difference()), from one shift
 * loop and shared logarithms. */
typedef struct crvm__churn_family {
    crvm__poch_family at1, at2;
    double log_ratio, dpsi_a, psi2;
} crvm__churn_family;
void crvm__churn_family_at(double y1, double a, double e, int second, crvm__churn_family *out);

/* crvm__churn_family_at(y1, a, e, 0, out) for the prediction engine's
 * queries, which do not use at2.psi_a = psi(y2 + a): left 0, with its
 * logarithm and shift sum (one logarithm of five, or seven where y1 < 12,
 * fewer). Every other field is the same bits as crvm__churn_family_at's. */
void crvm__churn_family_query(double y1, double a, double e, crvm__churn_family *out);

/* crvm__churn_family_query() in two steps, so that queries with the same y1
 * and a share the first: crvm__churn_base_at() (the family at y1, at1, and
 * what the rest reuses) then crvm__churn_family_from() for an e. The same
 * bits as crvm__churn_family_query(y1, a, e). */
#define CRVM__CHURN_SHIFT_MAX 12 /* the shift loop's longest for y1 > 0 (12 - y1 steps) */
typedef struct crvm__churn_base {
    double y1, a;                       /* the arguments */
    int n;                              /* shift count */
    double z, r0, r1, st0, st1, ps0, ps1; /* z = y1 + n, 1/z, 1/(z + a), their series rests */
    double inv[CRVM__CHURN_SHIFT_MAX], inv_a[CRVM__CHURN_SHIFT_MAX]; /* 1/(y1 + k), 1/(y1 + a + k) */
    crvm__poch_family at1;              /* tri_a, dtri 0 */
} crvm__churn_base;
void crvm__churn_base_at(double y1, double a, crvm__churn_base *b);
void crvm__churn_family_from(const crvm__churn_base *b, double e, crvm__churn_family *out);

/* ln[B(a, x + F) / B(a, x)] = ln Gamma(x + F) - ln Gamma(x) - ln Gamma(x + a + F)
 * + ln Gamma(x + a) for a, x > 0, F >= 0, with relative accuracy also when
 * x is large against a and F (the value is then about -a F / x): the
 * second difference of the Stirling series written with log1p, after
 * shifting x to >= 12. */
double crvm__log_beta_ratio(double a, double x, double F);

/* The second difference psi(x + a + F) - psi(x + F) - psi(x + a) + psi(x),
 * accurate in the same way. */
double crvm__psi_second_difference(double x, double a, double F);

#endif
