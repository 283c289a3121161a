/**
 * @file crvm/transactions.h
 * @brief Repeat-business ("buy till you die") models for non-contractual
 *        settings, where a customer's departure is never observed:
 *        BG/NBD, MBG/NBD, Pareto/NBD (continuous time) and BG/BB (discrete
 *        transaction opportunities).
 *
 * References:
 * - BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy
 *   Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2).
 * - MBG/NBD: Batislam, Denizel & Filiztekin (2007), "Empirical validation and
 *   comparison of models for customer base analysis", IJRM 24(3).
 * - Pareto/NBD: Schmittlein, Morrison & Colombo (1987), Management Science
 *   33(1); Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model
 *   and Related Expressions"; Fader, Hardie & Lee (2005), "RFM and CLV:
 *   Using Iso-Value Curves for Customer Base Analysis", JMR 42(4) (DERT).
 * - BG/BB: Fader, Hardie & Shang (2010), "Customer-Base Analysis in a
 *   Discrete-Time Noncontractual Setting", Marketing Science 29(6).
 *
 * ## The customer summary columns
 *
 * Every function takes one row per customer (or per group of identical
 * customers, see weights) in three parallel columns, each a pointer followed
 * by its length:
 *
 * | column      | continuous-time models (BG/NBD, MBG/NBD, Pareto/NBD) | BG/BB (discrete opportunities) |
 * |-------------|------------------------------------------------------|--------------------------------|
 * | `frequency` | x: number of REPEAT transactions in (0, T] (the first purchase at time 0 is not counted); a non-negative integer | x: number of opportunities 1..n with a transaction; integer, 0 <= x <= n |
 * | `recency`   | t_x: time of the last repeat transaction, measured from the first purchase; 0 when x = 0; 0 < t_x <= T when x > 0 | t_x: the opportunity (1..n) of the last transaction; 0 when x = 0; x <= t_x <= n when x > 0 |
 * | `T`         | T: age, time from the first purchase to the end of the calibration period (> 0) | n: the number of transaction opportunities observed (a positive integer, at most ::CRVM_TXN_BGBB_MAX_OPPORTUNITIES) |
 * | `weights`   | optional (NULL, 0): how many customers share this row (>= 0; need not be integer) | same |
 *
 * Time is in whatever unit the caller uses (days, weeks); the scale
 * parameters (alpha, beta of Pareto/NBD) and every prediction horizon t are
 * in the same unit. Invalid rows (negative values, NaN or infinite values, a
 * non-integer count, x = 0 with t_x > 0, t_x > T, ...) make the call fail
 * with ::CRVM_EINVAL and a message naming the array and row, e.g.
 * "recency[17] = 40 exceeds T[17] = 39".
 */
#ifndef CRVM_TRANSACTIONS_H
#define CRVM_TRANSACTIONS_H

#include <stddef.h>

#include "crvm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Which repeat-business model. */
typedef enum crvm_txn_model {
    CRVM_TXN_BGNBD = 0,      /**< BG/NBD: params r, alpha, a, b */
    CRVM_TXN_MBGNBD = 1,     /**< MBG/NBD (dropout possible at time 0 too): params r, alpha, a, b */
    CRVM_TXN_PARETO_NBD = 2, /**< Pareto/NBD: params r, alpha, s, beta */
    CRVM_TXN_BGBB = 3        /**< BG/BB: params alpha, beta, gamma, delta */
} crvm_txn_model;

/** Number of ::crvm_txn_model values. */
#define CRVM_TXN_MODEL_COUNT 4

/** Most transaction opportunities n of a BG/BB row (and horizon t of
 *  crvm_txn_probability_of_n()): the BG/BB likelihood and P(X(n) = x) are
 *  sums of one term per opportunity with no closed form, so this bounds
 *  their cost per row (~2 ms). */
#define CRVM_TXN_BGBB_MAX_OPPORTUNITIES 100000

/** Number of parameters of every transaction model. */
#define CRVM_TXN_N_PARAMS 4

/**
 * Parameters of a transaction model, all strictly positive and finite.
 * The meaning of p[] depends on the model (names as in the papers):
 *
 * | model               | p[0]  | p[1]  | p[2]  | p[3]  |
 * |---------------------|-------|-------|-------|-------|
 * | BG/NBD, MBG/NBD     | r     | alpha | a     | b     |
 * | Pareto/NBD          | r     | alpha | s     | beta  |
 * | BG/BB               | alpha | beta  | gamma | delta |
 *
 * BG/NBD, MBG/NBD: transaction rate lambda ~ Gamma(shape r, rate alpha);
 * dropout probability after each transaction p ~ Beta(a, b).
 * Pareto/NBD: lambda ~ Gamma(r, alpha); dropout rate mu ~ Gamma(s, beta).
 * BG/BB: transaction probability per opportunity ~ Beta(alpha, beta);
 * dropout probability per opportunity ~ Beta(gamma, delta).
 * crvm_txn_param_name() gives the names. Build one with crvm_txn_params_make().
 */
typedef struct crvm_txn_params {
    crvm_txn_model model; /**< which model the values belong to */
    double p[CRVM_TXN_N_PARAMS]; /**< the four parameters, see the table above */
} crvm_txn_params;

/**
 * Parameters from four values in the order of the table of ::crvm_txn_params.
 * Does not validate; every prediction call does.
 */
CRVM_API crvm_txn_params crvm_txn_params_make(crvm_txn_model model, double p0, double p1,
                                              double p2, double p3);

/**
 * Name of parameter @p index (0..3) of @p model, e.g. "alpha"; static
 * storage. NULL for an unknown model or index.
 */
CRVM_API const char *crvm_txn_param_name(crvm_txn_model model, int index);

/** Short name of the model ("BG/NBD", "MBG/NBD", "Pareto/NBD", "BG/BB"); NULL if unknown. */
CRVM_API const char *crvm_txn_model_name(crvm_txn_model model);

/**
 * Check that parameters are usable: a known model and four finite values
 * > 0. @return ::CRVM_OK or ::CRVM_EINVAL / ::CRVM_EDOMAIN naming the parameter.
 */
CRVM_API crvm_status crvm_txn_params_check(const crvm_txn_params *params);

/**
 * Check customer summary columns (see the file comment) for @p model without
 * fitting: equal lengths, finite non-negative values, integer counts,
 * x = 0 => t_x = 0, t_x <= T, and for BG/BB x <= t_x <= n with integer
 * t_x and n <= ::CRVM_TXN_BGBB_MAX_OPPORTUNITIES. @p weights may be NULL with @p weights_len 0.
 * @return ::CRVM_OK, or ::CRVM_EINVAL naming the first bad array and row.
 */
CRVM_API crvm_status crvm_txn_check_data(crvm_txn_model model,
                                         const double *frequency, size_t frequency_len,
                                         const double *recency, size_t recency_len,
                                         const double *T, size_t T_len,
                                         const double *weights, size_t weights_len);

/* ------------------------------------------------------------------------ */
/* Fitting                                                                   */
/* ------------------------------------------------------------------------ */

/** Options of crvm_txn_fit_new(). Fields are only ever appended. */
typedef struct crvm_txn_options {
    /** Iteration limit of the quasi-Newton optimiser (default 1000). */
    int max_iterations;
    /** Convergence when the max-norm of the gradient of the average negative
     *  log-likelihood (per unit weight) with respect to the log-parameters
     *  is below tolerance * max(1, objective) (default 1e-8). */
    double tolerance;
    /** L2 penalty lambda >= 0 (default 0, plain maximum likelihood). The
     *  minimised objective is -LL / W + lambda * sum_k p_k^2, where W is the
     *  total weight and p_k are the parameters on their natural scale (the
     *  same convention as lifetimes' penalizer_coef). Standard errors are
     *  from the Hessian of the penalised objective. */
    double l2_penalty;
    /** Non-zero to start from @ref start instead of the default start. */
    int use_start;
    /** Starting parameters (> 0) in the order of ::crvm_txn_params when
     *  @ref use_start is set. Default start: BG/NBD and MBG/NBD r = 1,
     *  alpha = sum(w T) / max(sum(w x), 1e-3 sum(w)) (so that r / alpha
     *  matches the mean repeat rate), a = 1, b = 1; Pareto/NBD r = 1, alpha as
     *  for BG/NBD, s = 1, beta = mean T; BG/BB all four = 1. */
    double start[CRVM_TXN_N_PARAMS];
} crvm_txn_options;

/** Default options (see the field comments). */
#define CRVM_TXN_OPTIONS_INIT {1000, 1e-8, 0.0, 0, {1.0, 1.0, 1.0, 1.0}}

/** Set @p options to ::CRVM_TXN_OPTIONS_INIT. */
CRVM_API void crvm_txn_options_init(crvm_txn_options *options);

/** A fitted transaction model (opaque): parameters, covariance, report. */
typedef struct crvm_txn_fit crvm_txn_fit;

/**
 * Fit @p model by maximum likelihood (optimised over the log-parameters with
 * analytic gradients). Identical rows are merged, their weights added, before
 * fitting (unless a sample of the rows shows almost no duplicates), so the
 * cost grows with the number of distinct (x, t_x, T) rows. BG/NBD,
 * MBG/NBD and Pareto/NBD: damped Newton steps with the analytic Hessian,
 * from the optimum of a strided subsample when there are more than 80000
 * distinct rows (about 4 passes over the rows at 10^6), until the gradient
 * test passes (one more step when max|gradient| is still above 1e-11),
 * and standard errors from the exact Hessian (Pareto/NBD rows whose series
 * converges too slowly: central differences of the quadrature's gradient);
 * BG/BB quasi-Newton (BFGS) and a Hessian by central differences of the
 * gradient.
 * Internally time is rescaled so that the weighted mean age is 1, which
 * makes the fit independent of the time unit. If a parameter runs beyond
 * 1e-8 or 1e8 on that scale the likelihood has no maximum at finite values
 * (typically: the data show no heterogeneity) and the fit reports
 * ::CRVM_ECONVERGE with a message naming the parameter.
 *
 * @param weights  NULL (with @p weights_len 0) for one customer per row, or
 *                 the number of customers sharing each row.
 * @param options  NULL for defaults.
 * @param out      receives a new handle, to be released with
 *                 crvm_txn_fit_free(). It is also set (with a report whose
 *                 @c converged is 0) when the status is ::CRVM_ECONVERGE, so
 *                 that the caller can inspect the last iterate.
 * @return ::CRVM_OK; ::CRVM_EINVAL for bad columns or options;
 *         ::CRVM_EDOMAIN if the total weight is 0 or the likelihood is not
 *         finite at the start; ::CRVM_ECONVERGE (handle still returned);
 *         ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_txn_fit_new(crvm_txn_model model,
                                      const double *frequency, size_t frequency_len,
                                      const double *recency, size_t recency_len,
                                      const double *T, size_t T_len,
                                      const double *weights, size_t weights_len,
                                      const crvm_txn_options *options,
                                      crvm_txn_fit **out);

/** Release a fit; NULL is allowed. */
CRVM_API void crvm_txn_fit_free(crvm_txn_fit *fit);

/** Fitted parameters. @return ::CRVM_OK or ::CRVM_EINVAL (NULL argument). */
CRVM_API crvm_status crvm_txn_fit_params(const crvm_txn_fit *fit, crvm_txn_params *out);

/**
 * Covariance matrix of the parameters on their natural scale (row-major
 * 4 x 4, order of ::crvm_txn_params), from the inverse Hessian of the
 * negative log-likelihood mapped back with the delta method.
 * @p out_len must be 16. @return ::CRVM_OK; ::CRVM_EINVAL; ::CRVM_EDOMAIN if
 * the Hessian was not positive definite, or the fit ran to the edge of the
 * parameter space (the likelihood has no maximum there; entries would be
 * meaningless).
 */
CRVM_API crvm_status crvm_txn_fit_covariance(const crvm_txn_fit *fit, double *out, size_t out_len);

/**
 * Standard errors of the four parameters (natural scale), @p out_len 4.
 * @return as crvm_txn_fit_covariance().
 */
CRVM_API crvm_status crvm_txn_fit_standard_errors(const crvm_txn_fit *fit, double *out,
                                                  size_t out_len);

/**
 * Convergence report (log-likelihood, AIC, BIC, iterations, converged) copied
 * into @p out. @return ::CRVM_OK, or ::CRVM_EINVAL (NULL argument).
 */
CRVM_API crvm_status crvm_txn_fit_report(const crvm_txn_fit *fit, crvm_fit_report *out);

/**
 * Per-row log-likelihood at @p params (unweighted), into @p out
 * (@p out_len = number of rows). Useful for model comparison.
 * @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_EDOMAIN.
 */
CRVM_API crvm_status crvm_txn_log_likelihood(const crvm_txn_params *params,
                                             const double *frequency, size_t frequency_len,
                                             const double *recency, size_t recency_len,
                                             const double *T, size_t T_len,
                                             double *out, size_t out_len);

/* ------------------------------------------------------------------------ */
/* Predictions (vectorised over customers; out_len must equal the rows)      */
/* ------------------------------------------------------------------------ */

/**
 * Probability that each customer is still alive:
 * BG/NBD, MBG/NBD, Pareto/NBD: alive at the end of the calibration period T;
 * BG/BB: alive at opportunity n + 1 (FHS 2010 eq. 11; lifetimes'
 * conditional_probability_alive with m_periods_in_future = 1).
 * @return ::CRVM_OK, ::CRVM_EINVAL (bad columns, lengths), ::CRVM_EDOMAIN (bad params).
 */
CRVM_API crvm_status crvm_txn_p_alive(const crvm_txn_params *params,
                                      const double *frequency, size_t frequency_len,
                                      const double *recency, size_t recency_len,
                                      const double *T, size_t T_len,
                                      double *out, size_t out_len);

/**
 * Conditional expected number of transactions of each customer in the next
 * @p t time units, (T, T + t], given their history (FHL 2005 eq. 10 for
 * BG/NBD; Batislam et al. 2007 for MBG/NBD; the Pareto/NBD conditional
 * expectation of Schmittlein et al. 1987). For BG/BB, @p t is the number of
 * future opportunities n* (a non-negative integer) and the result is
 * E[X(n, n + n*)] (FHS 2010 eq. 13). @p t >= 0.
 * BG/NBD and MBG/NBD: every value is checked against bounds of the exact
 * value, k c / (1 + E[nu] c) <= E[Y(t)] / P(alive) <= k c (k = r + x,
 * c = t / (alpha + T), nu the posterior death rate p lambda (alpha + T));
 * a row the closed form cannot certify is evaluated with the rule described
 * at crvm_txn_dert(). Cost per row: a tabulated polynomial (x < 64 and
 * t <= alpha + T), the general 2F1 (up to ~0.2 ms) or the rule.
 * @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_EDOMAIN (bad params, or a row
 *         that cannot be evaluated to full accuracy, named in the message).
 */
CRVM_API crvm_status crvm_txn_expected_conditional(const crvm_txn_params *params, double t,
                                                   const double *frequency, size_t frequency_len,
                                                   const double *recency, size_t recency_len,
                                                   const double *T, size_t T_len,
                                                   double *out, size_t out_len);

/**
 * P(alive) as crvm_txn_p_alive(), into an array that the library allocates:
 * on success @p *out receives @p frequency_len values, to be released with
 * crvm_txn_values_free() (NULL when there are no rows); on failure @p *out
 * is left unchanged and nothing stays allocated. Because no memory of the
 * caller's is written, the rows of BG/NBD and MBG/NBD are checked block by
 * block as they are computed (one pass over the columns instead of two;
 * the error still names the first bad row), and a large array is 2 MB
 * aligned and asks Linux for transparent huge pages (its first writes
 * then fault once per 2 MB instead of once per 4 KB). Same values, bit for
 * bit, as crvm_txn_p_alive().
 * @return ::CRVM_OK, ::CRVM_EINVAL (bad columns, lengths, @p out NULL),
 *         ::CRVM_EDOMAIN (bad params), ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_txn_p_alive_new(const crvm_txn_params *params,
                                          const double *frequency, size_t frequency_len,
                                          const double *recency, size_t recency_len,
                                          const double *T, size_t T_len, double **out);

/**
 * The conditional expectation of crvm_txn_expected_conditional(), into an
 * array that the library allocates, with the contract of
 * crvm_txn_p_alive_new(): BG/NBD and MBG/NBD check the rows block by block
 * and write the values straight into the new array (no temporary, no
 * copy). Same values, bit for bit, as crvm_txn_expected_conditional().
 * @return ::CRVM_OK, ::CRVM_EINVAL (bad columns, lengths, @p t, @p out
 *         NULL), ::CRVM_EDOMAIN (bad params, or a row that cannot be
 *         evaluated to full accuracy, named in the message), ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_txn_expected_conditional_new(const crvm_txn_params *params, double t,
                                                       const double *frequency,
                                                       size_t frequency_len,
                                                       const double *recency, size_t recency_len,
                                                       const double *T, size_t T_len,
                                                       double **out);

/** Release an array of crvm_txn_p_alive_new() or
 *  crvm_txn_expected_conditional_new(); NULL is allowed. */
CRVM_API void crvm_txn_values_free(double *values);

/**
 * Unconditional expected number of repeat transactions E[X(t)] of a new
 * customer in (0, t], for each horizon t[i] >= 0 (BG/BB: t[i] opportunities,
 * integers). @p out_len must equal @p t_len. BG/NBD and MBG/NBD: the rule
 * of crvm_txn_dert() for x = 0 at T = 0, built once per call.
 * @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_EDOMAIN.
 */
CRVM_API crvm_status crvm_txn_expected_unconditional(const crvm_txn_params *params,
                                                     const double *t, size_t t_len,
                                                     double *out, size_t out_len);

/**
 * P(X(t) = n): probability that a new customer makes exactly n repeat
 * transactions in (0, t] (FHL 2005 eq. 8 for BG/NBD and its MBG/NBD
 * analogue; for Pareto/NBD the model integrated over the death time, by
 * quadrature; FHS 2010 eq. 8 for BG/BB). @p t and @p n are broadcast: equal
 * lengths, or either of length 1; @p out_len must be the longer length. n
 * must be a non-negative integer (BG/BB: t an integer too, at most
 * ::CRVM_TXN_BGBB_MAX_OPPORTUNITIES; n > t gives 0). BG/NBD and MBG/NBD:
 * each value is accurate to 1e-9 relative or refused; cost per value at most
 * 10^6 terms of the NBD tail.
 * @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_EDOMAIN (bad params; BG/NBD and
 *         MBG/NBD, a value at extreme parameters whose rounding bound passes
 *         1e-9 or whose tail needs more terms; the message names t and n).
 */
CRVM_API crvm_status crvm_txn_probability_of_n(const crvm_txn_params *params,
                                               const double *t, size_t t_len,
                                               const double *n, size_t n_len,
                                               double *out, size_t out_len);

/**
 * Discounted expected residual transactions (DERT) of each customer: the
 * expected number of future transactions after T, each discounted by
 * exp(-delta * (time after T)) with continuous rate @p discount_rate = delta
 * > 0 per time unit for the continuous-time models, or by
 * (1 + d)^-(opportunities after n) with @p discount_rate = d > 0 per
 * opportunity for BG/BB.
 * Pareto/NBD: closed form of Fader, Hardie & Lee (2005, "RFM and CLV",
 * eq. 2); BG/BB: FHS 2010 eq. 14, at most 10^7 terms (d below ~4e-6 is refused with ::CRVM_EDOMAIN). BG/NBD and MBG/NBD have no closed form:
 * with transaction rate lambda and dropout probability p fixed, DERT =
 * lambda / (delta + p lambda); its expectation over the posterior of
 * (lambda, p) is a sum over a quadrature rule for the posterior death rate,
 * built once per distinct x and checked against two exact moments
 * (relative accuracy ~1e-13). Cost, BG/NBD and MBG/NBD: one rule per
 * distinct x and discount band (typically 0.1-4 ms, at most ~50 ms) and at
 * most 16384 divisions per row (typically ~500: about 1 us per row on
 * 10^6 rows); the other models a bounded closed form per row.
 * Multiply by the expected margin per transaction for the residual value.
 * @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_EDOMAIN (bad params; or, BG/NBD
 *         and MBG/NBD, a row whose posterior is too wide for the bounded
 *         rule, e.g. a ~1e-6, or whose sum breaks the bounds of the exact
 *         value; the message names the row and the cause).
 */
CRVM_API crvm_status crvm_txn_dert(const crvm_txn_params *params, double discount_rate,
                                   const double *frequency, size_t frequency_len,
                                   const double *recency, size_t recency_len,
                                   const double *T, size_t T_len,
                                   double *out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_TRANSACTIONS_H */
