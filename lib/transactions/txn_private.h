/* Private: shared pieces of the repeat-business models (lib/transactions). */
#ifndef CRVM_TRANSACTIONS_TXN_PRIVATE_H
#define CRVM_TRANSACTIONS_TXN_PRIVATE_H

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mix.h"
#include "crvm/transactions.h"
#include "math/optim.h"
#include "math/vmath.h"

/* One (possibly merged) customer summary row. */
typedef struct crvm__txn_row {
    double x;  /* frequency */
    double tx; /* recency */
    double T;  /* age (BG/BB: n opportunities) */
    double w;  /* weight */
} crvm__txn_row;

/* A hash of a summary row's (x, t_x, T) for the tables that find identical
 * rows (the fits' merge, the predictions' memo); -0 and +0 are the same. */
static inline uint64_t crvm__txn_row_hash(double x, double tx, double T)
{
    return crvm__mix64(crvm__double_key(x) * 0x9E3779B97F4A7C15ULL ^
                       crvm__double_key(tx) * 0xC2B2AE3D27D4EB4FULL ^
                       crvm__double_key(T) * 0x165667B19E3779F9ULL);
}

/* v is a whole number (NaN is not): a truncating conversion where one fits,
 * cheaper than floor() without SSE4.1; every double beyond 2^52 is whole */
static inline int crvm__txn_whole(double v)
{
    return fabs(v) < 0x1p52 ? (double)(long long)v == v : v == v;
}

/* One row of the continuous-time models' column check: 0 <= t_x <= T <=
 * DBL_MAX, x a whole number in [0, DBL_MAX], t_x = 0 where x = 0, as
 * comparisons that NaN fails (the per-row form of crvm__txn_columns_ok) */
static inline int crvm__txn_row_ok(double xi, double ti, double Ti)
{
    return (xi >= 0.0) & (xi <= DBL_MAX) & crvm__txn_whole(xi) & (ti >= 0.0) & (ti <= Ti) &
           (Ti <= DBL_MAX) & ((xi != 0.0) | (ti == 0.0));
}

/* The cheap pass of the continuous-time models' column check (columns_ok.c):
 * 1 when every row has 0 <= t_x <= T <= DBL_MAX, x a whole number in [0,
 * DBL_MAX] and t_x = 0 where x = 0 (comparisons that NaN fails); *T_lo and
 * *T_hi receive the least and the largest T (meaningful when it returns 1),
 * unless T_lo is NULL (then the pass skips them). */
int crvm__txn_columns_ok(const double *x, const double *tx, const double *T, size_t n,
                         double *T_lo, double *T_hi);
/* The least and the largest T alone (NaN ignored), four rows a step */
void crvm__txn_T_range(const double *T, size_t n, double *T_lo, double *T_hi);

/* Merge identical (x, t_x, T) rows, adding weights (w NULL: 1 each) and
 * dropping rows of weight 0 (merge.c). *out (n rows of storage, to free)
 * receives the *n_out distinct rows in order of first appearance,
 * *total_weight the sum of the weights. CRVM_OK or CRVM_ENOMEM. */
crvm_status crvm__txn_merge(const double *x, const double *tx, const double *T, const double *w,
                            size_t n, crvm__txn_row **out, size_t *n_out, double *total_weight);

/* BG/NBD, MBG/NBD and Pareto/NBD fitting data: merged rows grouped by x,
 * with the objective -LL/W + l2 sum (p_k scale_k)^2 over theta = log p and
 * its analytic gradient and Hessian (bgnbd_fit.c; Pareto/NBD's
 * log-likelihood in pareto_fit.c), for crvm__minimize_newton. */
typedef struct crvm__bg_data {
    size_t n, groups;
    double *xv, *gw;    /* per group: x and total weight */
    size_t *start;      /* per group: first row; start[groups] = n */
    double *tx, *T, *w; /* rows grouped by x */
    double W;           /* total weight */
    crvm_txn_model model;
    int modified, pareto; /* MBG/NBD; Pareto/NBD */
    double l2, scale[CRVM_TXN_N_PARAMS];
    struct crvm__pareto_tab *tab; /* Pareto/NBD: scratch of the objective */
} crvm__bg_data;
crvm_status crvm__bg_data_new(const crvm__txn_row *rows, size_t n, crvm_txn_model model,
                              double l2, const double *scale, crvm__bg_data **out);
/* Pareto/NBD log-likelihood of the data at natural p, with the gradient
 * g[4] and Hessian h[16] when g is not NULL; NaN where not finite. */
double crvm__pareto_fit_loglik(const crvm__bg_data *d, const double *p, double *g, double *h);
void crvm__bg_data_free(crvm__bg_data *d);
double crvm__bg_objective(const double *theta, double *grad, double *hess, void *ctx);
/* Unpenalised log-likelihood at p (on the stored times), from objective
 * (crvm__bg_objective's value at log p) unless that is NaN. */
double crvm__bg_loglik(const crvm__bg_data *d, const double *p, double objective);
/* Move theta (log-parameters) to the optimum of a strided subsample when
 * the data are large (see bgnbd_fit.c); theta unchanged otherwise or when
 * the subsample has no optimum. CRVM_OK or CRVM_ENOMEM. */
crvm_status crvm__bg_warm_start(const crvm__bg_data *d, double *theta,
                                const crvm__optim_options *options);

/* Per-row log-likelihood at natural parameters p[4]; when grad is not NULL
 * also d ll / d p_k (natural scale). Returns NaN when it cannot be
 * evaluated (it never should for valid rows and positive parameters). */
double crvm__bgnbd_ll(const double *p, const crvm__txn_row *row, double *grad);
double crvm__mbgnbd_ll(const double *p, const crvm__txn_row *row, double *grad);
double crvm__pareto_ll(const double *p, const crvm__txn_row *row, double *grad);
double crvm__bgbb_ll(const double *p, const crvm__txn_row *row, double *grad);

/* log(b + x + shift) (shift -1 for the BG/NBD, 0 for the MBG/NBD), also
 * where b + x overflows (x near DBL_MAX): D of P(alive) (bgnbd.c) */
static inline double crvm__bgnbd_log_bx(double b, double x, double shift)
{
    double bb = b + x + shift;
    return isfinite(bb) ? log(bb) : log(x) + log1p((b + shift) / x);
}

/* count doubles, not initialised, for one prediction call (scratch.c):
 * the array a _new prediction returns, and the temporaries of the others;
 * released by crvm_txn_values_free. A large one is 2 MB-aligned and, on
 * Linux, advised to use transparent huge pages while it lives: a fresh
 * array's 4 KB pages fault in at about 2.3 us each on a virtual machine
 * (0.45 ms for 10^5 rows), a 2 MB page in 0.1-0.2 ms. NULL when out of
 * memory. */
double *crvm__txn_values_new(size_t count);
/* The same for an array that the call writes whole (a _new prediction's
 * result): below the huge-page size its pages are faulted in by one system
 * call (MADV_POPULATE_WRITE, Linux 5.14 on; a hint, ignored elsewhere)
 * rather than one fault per 4 KB page as the writes reach them: a fresh
 * 80 KB array (10^4 rows, after malloc_trim) 40 -> 33 us here. */
double *crvm__txn_output_new(size_t count);

/* Predictions for one customer; each returns NaN on an internal failure
 * (the caller turns that into an error, never a published NaN). */
double crvm__bgnbd_p_alive(const double *p, const crvm__txn_row *row, int modified);
/* P(alive) of BG/NBD (modified = 0) or MBG/NBD (1) for n validated rows
 * straight into out: the values of crvm__bgnbd_p_alive (the scalar
 * reference) to within the vector functions' few ulp (math/vmath.h), with
 * the per-row constant log(a / (b + x - 1)) hoisted out of the loop for
 * x < 64 and the rows in blocks through vector log1p and exp.
 * Returns 1, or 0 (out untouched) when r is so large (> ~1e292) that r + x
 * could overflow; then the caller uses the row-by-row path. */
int crvm__bgnbd_p_alive_rows(const double *p, const double *x, const double *tx, const double *T,
                             size_t n, int modified, double *out);
/* The same, one block of at most CRVM__VBLOCK rows at a time (for kernels
 * that fuse P(alive) with more work on the block): _init returns 0 where
 * crvm__bgnbd_p_alive_rows would; the context caches the per-x constants
 * across blocks (c0[h] for whole x = h < 64, NaN until filled; bit h
 * of seen is set when it is filled: after a block, seen holds every such x
 * of its rows that P(alive) computed, i.e. all of them but the BG/NBD rows
 * with x = 0). */
typedef struct crvm__p_alive_ctx {
    double r, alpha, b, la, shift;
    int modified;
    double c0[64];
    uint64_t seen;
} crvm__p_alive_ctx;
int crvm__bgnbd_p_alive_init(crvm__p_alive_ctx *ctx, const double *p, int modified);
void crvm__bgnbd_p_alive_block(crvm__p_alive_ctx *ctx, const double *x, const double *tx,
                               const double *T, size_t len, double *out);
/* The same in the baseline build (SSE2 on x86-64): the bits that the
 * AVX2 build equals */
void crvm__bgnbd_p_alive_block_base(crvm__p_alive_ctx *ctx, const double *x, const double *tx,
                                    const double *T, size_t len, double *out);
/* The block of unchecked rows: 1 when every row passes crvm__txn_row_ok,
 * out then holding their P(alive) (the bits of crvm__bgnbd_p_alive_block);
 * else 0, out holding nothing of use and the context unchanged. The AVX2
 * build checks the rows in the loop that packs them; _base checks first.
 * stream = 1 promises CRVM__ALIVE_AHEAD more rows of each column after the
 * block, which the AVX2 build prefetches as it goes. */
#define CRVM__ALIVE_AHEAD 512
int crvm__bgnbd_p_alive_block_checked(crvm__p_alive_ctx *ctx, const double *x, const double *tx,
                                      const double *T, size_t len, double *out, int stream);
int crvm__bgnbd_p_alive_block_checked_base(crvm__p_alive_ctx *ctx, const double *x,
                                           const double *tx, const double *T, size_t len,
                                           double *out);
double crvm__bgnbd_expected_conditional(const double *p, double t, const crvm__txn_row *row,
                                        int modified);
/* G = E[Y(t) | x, t_x, T] / P(alive) of BG/NBD (modified = 0) or MBG/NBD
 * (1) for validated rows (it depends on x and T only): the 2F1 closed form,
 * its series evaluated from per-x coefficient tables (bgnbd_cond.c). Every
 * value is checked against bounds of the exact value; a row that the
 * closed form cannot certify gets NaN, and the caller evaluates it through
 * the death-rate rule (crvm__bgnbd_rule_rows). The context holds one
 * call's tables: _init takes the horizon t and the least and largest T of
 * the rows (the tables are built for that range) and pool, scratch of
 * crvm__bgnbd_cond_pool_len() doubles (the tables are packed at its start,
 * so only the part they use is touched). */
#define CRVM__COND_SERIES_X 64
typedef struct crvm__cond_table {
    int n;        /* number of terms; 0: not built, -1: unusable */
    double k, mean; /* r + x and E[nu'] of the row's bounds */
    double *c;    /* coefficients, in the pool */
} crvm__cond_table;
/* The rows of one block that the alternating series did not serve but the
 * Maclaurin table does: their 2F1 sums and shapes, packed so that the log,
 * log1p and expm1 of the form go through the vector functions. */
typedef struct crvm__cond_zrows {
    size_t m, idx[CRVM__VBLOCK];
    double F[CRVM__VBLOCK], c[CRVM__VBLOCK], k[CRVM__VBLOCK], C[CRVM__VBLOCK];
} crvm__cond_zrows;
/* The short alternating tables (at most CRVM__COND_SHIFTED_TERMS
 * coefficients about c0) with their k = r + x and E[nu'] copied into rows
 * of CRVM__COND_FAST_ROW doubles (layout: bgnbd_cond_fast.c), one per x
 * below CRVM__COND_SERIES_X and the last for every other x; every entry of
 * a row whose x has no short table is NaN, so that the branch-free kernel
 * reads a row at a fixed stride and a NaN fails its bounds. A row is
 * filled when the first row of its x reaches the general block (all NaN
 * until then). */
#define CRVM__COND_SHIFTED_TERMS 12
#define CRVM__COND_CSERIES_MAX 0.5 /* the alternating series' largest c */
#define CRVM__COND_FAST_ROW 16
typedef struct crvm__cond_ctx {
    double r, alpha, a, b, extra, t;
    double c0, hmax, ccap, zcap;
    int use_fast;          /* some row can have c <= the alternating series' limit */
    unsigned long long fast_built; /* bit h: fast[h] filled */
    int fast_long;                 /* some filled row has more than 9 terms */
    double fast[CRVM__COND_SERIES_X + 1][CRVM__COND_FAST_ROW];
    crvm__cond_table alt[CRVM__COND_SERIES_X], mac[CRVM__COND_SERIES_X];
    double *pool;
    size_t used, pool_len;
    double *spill;  /* the pool taken once a small one is full (or NULL) */
    int spill_failed; /* its allocation failed: some tables were not built */
    crvm__cond_zrows zr;
} crvm__cond_ctx;
size_t crvm__bgnbd_cond_pool_len(void);
void crvm__bgnbd_cond_init(crvm__cond_ctx *ctx, const double *p, double t, int modified,
                           double T_min, double T_max, double *pool);
/* A small pool for the context after _init, in place of the one given
 * there (which may then be NULL): on the caller's stack, already resident,
 * so that a call whose tables fit touches no fresh page for them. len is at
 * least CRVM__COND_SMALL_POOL doubles. Once it is full, the tables go to a
 * pool of crvm__bgnbd_cond_pool_len() doubles allocated then (the spill);
 * crvm__bgnbd_cond_end frees it and returns 0 where its allocation failed
 * (those tables were not built and their rows took the general route: the
 * values are still right, but the call must report CRVM_ENOMEM). */
#define CRVM__COND_SMALL_POOL 1024
void crvm__bgnbd_cond_small_pool(crvm__cond_ctx *ctx, double *pool, size_t len);
int crvm__bgnbd_cond_end(crvm__cond_ctx *ctx);
/* Fill ctx->fast[h] from the n <= CRVM__COND_SHIFTED_TERMS coefficients
 * f of x = h's short table and its k and E[nu'] */
void crvm__bgnbd_cond_fast_row(crvm__cond_ctx *ctx, int h, const double *f, int n, double k,
                               double mean);
/* The fast path for len rows (at most CRVM__VBLOCK): out[i] = G (times
 * pa[i] where pa is not NULL) from the short alternating table of x where
 * it applies and its value lies within the bounds of the exact value,
 * else NaN; returns the number of NaN rows (bgnbd_cond_fast.c). */
size_t crvm__bgnbd_cond_fast(const crvm__cond_ctx *ctx, const double *x, const double *T,
                             const double *pa, size_t len, double *out);
/* The same, one row at a time in scalar code: the reference that the
 * vector build of crvm__bgnbd_cond_fast equals bit for bit */
size_t crvm__bgnbd_cond_fast_scalar(const crvm__cond_ctx *ctx, const double *x, const double *T,
                                    const double *pa, size_t len, double *out);
/* G of len rows (at most CRVM__VBLOCK) into out, NaN where uncertified */
void crvm__bgnbd_cond_block(crvm__cond_ctx *ctx, const double *x, const double *T, size_t len,
                            double *out);
/* G of n rows into out, block by block */
void crvm__bgnbd_expected_rows(crvm__cond_ctx *ctx, const double *x, const double *T, size_t n,
                               double *out);
/* One pass: out[i] = P(alive) G of each row where G is certified; for the
 * other rows out[i] = P(alive) and i is appended to rows (n entries of
 * storage), for the caller to multiply by the rule's G. Returns the number
 * of rows appended. */
size_t crvm__bgnbd_conditional_rows(crvm__cond_ctx *ctx, int modified, const double *x,
                                    const double *tx, const double *T, size_t n, double *out,
                                    size_t *rows);
/* The same pass one block at a time (rows i0 .. i0 + len of the columns;
 * out and the appended row numbers are of the whole columns), for a caller
 * that checks each block of rows just before: _begin prepares P(alive) for
 * the context's parameters, _block returns the number of rows it appended
 * at rows[0..]. */
typedef struct crvm__cond_pass {
    crvm__cond_ctx *ctx;
    crvm__p_alive_ctx pc;
    int vector, modified;
    double p[4];
} crvm__cond_pass;
void crvm__bgnbd_conditional_begin(crvm__cond_pass *cp, crvm__cond_ctx *ctx, int modified);
size_t crvm__bgnbd_conditional_block(crvm__cond_pass *cp, const double *x, const double *tx,
                                     const double *T, size_t i0, size_t len, double *out,
                                     size_t *rows);
double crvm__bgnbd_probability_of_n(const double *p, double t, double n, int modified);

double crvm__pareto_p_alive(const double *p, const crvm__txn_row *row);
double crvm__pareto_expected_conditional(const double *p, double t, const crvm__txn_row *row);
double crvm__pareto_expected_unconditional(const double *p, double t);
double crvm__pareto_probability_of_n(const double *p, double t, double n);
double crvm__pareto_dert(const double *p, double delta, const crvm__txn_row *row);

double crvm__bgbb_p_alive(const double *p, const crvm__txn_row *row);
double crvm__bgbb_expected_conditional(const double *p, double nstar, const crvm__txn_row *row);
double crvm__bgbb_expected_unconditional(const double *p, double n);
double crvm__bgbb_probability_of_n(const double *p, double n, double x);
double crvm__bgbb_dert(const double *p, double d, const crvm__txn_row *row);

/* E[(1 - (1 + p c)^-k) / p] for p ~ Beta(a, B), the core of the BG/NBD and
 * MBG/NBD conditional expectations. method 0: the 2F1 closed form where it
 * is accurate, else quadrature; 1: closed form only (NaN where inaccurate);
 * 2: quadrature only. */
double crvm__beta_expect_g(double a, double B, double k, double c, int method);

/* BG/NBD and MBG/NBD: a quadrature rule (nodes nu, weights w summing to 1)
 * for the law of nu' = p mu', p ~ Beta(a, B), mu' ~ Gamma(k + 1, 1): the
 * posterior death rate of a customer alive at T, in units of 1/(alpha + T)
 * (see death_rule.c). Large (a few hundred KiB): allocate it. */
#define CRVM__DEATH_RULE_NODES 16384
#define CRVM__DEATH_RULE_TAU 32768
typedef struct crvm__death_rule {
    double k;    /* r + x */
    double mean; /* E[nu'] */
    size_t n;    /* nodes in use */
    double nu[CRVM__DEATH_RULE_NODES], w[CRVM__DEATH_RULE_NODES];
    double scratch[3 * CRVM__DEATH_RULE_TAU];
} crvm__death_rule;
/* Build the rule for shapes k = r + x, a, B = b + x (+1 for MBG/NBD). amp
 * >= 1 bounds how much the caller's function can weight the small-nu tail
 * against nu near its mean: 1 + E[nu'] / s_min for DERT, 1 + E[nu'] c_max
 * for expectations. CRVM_OK, or CRVM_EDOMAIN (message set) when the rule
 * cannot be built to full accuracy within its bounded work. */
crvm_status crvm__death_rule_build(double k, double a, double B, double amp,
                                   crvm__death_rule *rule);
/* k E[1 / (s + nu')] (DERT / P(alive), s = delta (alpha + T)) and
 * k c E[phi(nu' c)] (E[Y(t)] / P(alive), c = t / (alpha + T)); NaN when the
 * sum falls outside the bounds the exact value must satisfy. */
double crvm__death_rule_dert(const crvm__death_rule *rule, double s);
double crvm__death_rule_expected(const crvm__death_rule *rule, double c);

/* Rows evaluated through death-rate rules (bgnbd_rows.c): on entry out[i]
 * holds P(alive) of row i, on success it is multiplied by k E[1/(s + nu')]
 * (dert) or k c E[phi(nu' c)] (expectation) for each i in rows[0..m).
 * x, T: the columns (NULL: all 0, the unconditional case); rate: delta
 * (dert) or the horizon t, unless t_each gives a horizon per row. */
typedef struct crvm__rule_job {
    const double *p;
    int modified; /* MBG/NBD */
    int dert;     /* 1: DERT, 0: conditional expectation */
    double rate;
    const double *t_each;
    const double *x, *T;
} crvm__rule_job;
/* CRVM_OK, CRVM_ENOMEM, or CRVM_EDOMAIN naming the row and the cause. */
crvm_status crvm__bgnbd_rule_rows(const crvm__rule_job *job, const size_t *rows, size_t m,
                                  double *out);

/* Pareto/NBD series coefficients that depend on the shapes e and m alone
 * ((e+n)/(n+1), 1/(m+n), 1/(e+n) for the scalar loop, pareto_series.c;
 * (e)_n/n!, 1/(m+n), psi(e+n) - psi(e) and its square less
 * psi'(e) - psi'(e+n), (e+n)/(n+1) for the block kernel, pareto_block.c), filled on
 * demand and shared by the rows of one x. Start from CRVM__PARETO_TAB_INIT;
 * the series resets the tables when e or m changes. */
#define CRVM__PARETO_TAB_CAP 1024
#define CRVM__PARETO_BLOCK_CAP 512
/* What the Pareto/NBD row functions need of the parameters p alone:
 * log alpha, log beta, log s, 1 / alpha, 1 / beta (pareto_private.h) */
typedef struct crvm__pareto_pc {
    double p[4];
    double lalpha, lbeta, ls, ialpha, ibeta;
} crvm__pareto_pc;
typedef struct crvm__pareto_tab {
    double e, m;
    int len;
    double ratio[CRVM__PARETO_TAB_CAP], im[CRVM__PARETO_TAB_CAP], ie[CRVM__PARETO_TAB_CAP];
    int blen, bcap; /* block entries filled; usable (below 1e250) */
    double bP2;     /* psi'(e) - psi'(e + blen) */
    double bA[CRVM__PARETO_BLOCK_CAP], bim[CRVM__PARETO_BLOCK_CAP], bP1[CRVM__PARETO_BLOCK_CAP],
        bPq[CRVM__PARETO_BLOCK_CAP], bratio[CRVM__PARETO_BLOCK_CAP];
    crvm__pareto_pc pc; /* of the last parameters seen */
} crvm__pareto_tab;
#define CRVM__PARETO_TAB_INIT(t)                                                                   \
    ((t)->e = NAN, (t)->m = NAN, (t)->len = 0, (t)->blen = 0, (t)->pc.p[0] = NAN)
/* A row's logarithms and q_0 where the caller has computed them for a
 * block of rows through the vector functions (math/vmath.h); where it has
 * not (NULL), the row functions compute them: with c = max(alpha, beta),
 * la = log1p(T / alpha), lb = log1p(T / beta), lL = log1p((T - t_x) / (c +
 * t_x)), l1 = log1p(t_x / c), q0 = exp(-(r + s + x) lL), each argument
 * formed as the row functions form it (T * (1 / alpha), (T - t_x) * (1 / (c
 * + t_x)), t_x * (1 / c)). */
typedef struct crvm__pareto_logs {
    double la, lb, lL, l1, q0;
} crvm__pareto_logs;
/* J by the series for one row (x, t_x, T), NaN where the series converges
 * too slowly (quadrature then); dJ[4] and hJ[16] (row-major), each may be
 * NULL, receive the gradient and the Hessian in (r, alpha, s, beta); lg:
 * the row's logarithms or NULL. */
double crvm__pareto_J_series(const double *p, double x, double tx, double T,
                             crvm__pareto_tab *tab, const crvm__pareto_logs *lg, double *dJ,
                             double *hJ);
/* Rows with t_x = 0 (every x = 0 row) share the series' head, its sum at
 * T = infinity (CRVM__PARETO_ACC sums: the value, up to order 1 or 2 its
 * derivatives), so that each needs only the tail, whose terms fall faster
 * (ratio (alpha - beta) / (c + T) instead of / c). The head: 1, or 0 when
 * the series does not apply. J of a row with t_x = 0 from the head: NaN
 * where the series does not apply or head + tail would cancel (then the
 * whole series). */
#define CRVM__PARETO_ACC 15
int crvm__pareto_series_head(const double *p, double x, crvm__pareto_tab *tab, int order,
                             double *head);
double crvm__pareto_J_series_split(const double *p, double x, double T, crvm__pareto_tab *tab,
                                   const double *head, const crvm__pareto_logs *lg, double *dJ,
                                   double *hJ);
/* Per-row Pareto/NBD log-likelihood with gradient and Hessian (natural
 * scale; grad and hess may be NULL), the series coefficients from tab and
 * lgamma/digamma/trigamma shifts of r by x from the caller (shift[3]);
 * head (may be NULL): the series head of this x (of the order needed) for
 * a row with t_x = 0; lg: the row's logarithms or NULL. Where the series
 * does not apply, the Hessian of J is central differences of the
 * quadrature's analytic gradient (~1e-8 relative). NaN on failure. */
double crvm__pareto_ll_hess(const double *p, const crvm__txn_row *row, crvm__pareto_tab *tab,
                            const double *shift, const double *head,
                            const crvm__pareto_logs *lg, double *grad, double *hess);

/* The two terms of a row's Pareto/NBD likelihood before their log-sum-exp
 * (pareto.c): E0 = log[alpha^r beta^s (alpha+T)^-(r+x) (beta+T)^-s] and J
 * (below), with (to the order asked) their gradients and Hessians in
 * (r, alpha, s, beta): E0's as its four distinct non-zero entries (r,
 * alpha), (alpha, alpha), (s, beta), (beta, beta); gJ zero when J = -inf. */
typedef struct crvm__pareto_terms {
    double E0, J, g0[4], h0[4], gJ[4], hJ[16];
} crvm__pareto_terms;
/* crvm__pareto_ll_hess in two halves, so that a caller can take the
 * exponential and log1p between them for a block of rows: the terms (order
 * 0, 1 or 2; 0 where they cannot be evaluated), then the row's
 * log-likelihood and (grad, hess may be NULL) its derivatives from them,
 * given ex = exp(-|E0 - J|) (0 when J = -inf) and l1p = log1p(ex). */
int crvm__pareto_ll_terms(const double *p, const crvm__txn_row *row, crvm__pareto_tab *tab,
                          const double *head, const crvm__pareto_logs *lg, int order,
                          crvm__pareto_terms *t);
double crvm__pareto_ll_combine(const crvm__pareto_terms *t, double ex, double l1p,
                               const double *shift, double *grad, double *hess);

/* Pareto/NBD: J = log[alpha^r beta^s s I] (see pareto.c), -inf when
 * t_x = T, with dJ/d(r, alpha, s, beta) in dJ (may be NULL). method 0: the
 * hypergeometric series where it converges fast, else quadrature; 1: series
 * only (NaN where not applicable); 2: quadrature only. */
double crvm__pareto_J(const double *p, const crvm__txn_row *row, double *dJ, int method);

/* DERT as delta int_0^inf e^(-delta t) E[Y(t) | row] dt by nested adaptive
 * quadrature, for any model: the scalar reference that the tests compare
 * the BG/NBD and MBG/NBD death-rate rule with (no bound on its cost). */
double crvm__dert_by_integration(const crvm_txn_params *prm, double delta,
                                 const crvm__txn_row *row);

/* psi(z + k) - psi(z) for integer k >= 0 (exact sum for small k). */
double crvm__digamma_shift(double z, double k);
/* psi'(z + k) - psi'(z) for integer k >= 0 (exact sum for small k). */
double crvm__trigamma_shift(double z, double k);
/* lgamma(z + k) - lgamma(z). */
double crvm__lgamma_shift(double z, double k);

/* Adaptive Gauss-Kronrod (7/15) quadrature of a vector integrand of
 * dimension dim (<= CRVM__QUAD_MAX_DIM) over [a, b] (finite). Bisects the
 * interval with the largest error until, for every component k, the
 * estimated error is below rel_tol times the integral of |f_k|, or
 * max_intervals is reached. result[k] receives the integrals. Returns 1 when
 * the tolerance was met, 0 otherwise (result still the best estimate, which
 * the callers do not use: a value that cannot be guaranteed is NaN and
 * becomes the caller's error). No allocation; 16 KB of stack, which bounds
 * max_intervals too: 2048 / (2 + 3 dim) intervals, 409 for dim 1, 89 for
 * dim 7. */
#define CRVM__QUAD_MAX_DIM 8
#define CRVM__QUAD_MAX_INTERVALS 400
typedef void (*crvm__quad_fn)(double x, double *f, void *ctx);
int crvm__quad_gk(crvm__quad_fn fn, void *ctx, int dim, double a, double b, double rel_tol,
                  int max_intervals, double *result);

#endif
