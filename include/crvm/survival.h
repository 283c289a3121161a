/**
 * @file crvm/survival.h
 * @brief Covariate survival: Kaplan–Meier curves, the log-rank test and Cox
 *        proportional hazards.
 *
 * These functions fit and predict on columns of numbers (durations, event
 * flags, covariates); they know nothing of customers or money.
 *
 * Common conventions:
 * - @c durations are finite and >= 0, in any time unit; results are in the
 *   same unit.
 * - @c events are 1 (the event, e.g. churn, was observed at that duration) or
 *   0 (right-censored: still alive when observation stopped).
 * - @c weights, where accepted, are optional (NULL with length 0), finite and
 *   >= 0, with a positive total; they act as frequency weights (counts).
 * - Every array is followed by its element count, checked against the others.
 *
 * References: Kaplan & Meier (1958) "Nonparametric estimation from incomplete
 * observations", JASA 53; Greenwood (1926); Kalbfleisch & Prentice (2002)
 * "The Statistical Analysis of Failure Time Data", 2nd ed. (log-log
 * intervals, log-rank, ties); Cox (1972) "Regression models and life-tables",
 * JRSS-B 34; Efron (1977) "The efficiency of Cox's likelihood function for
 * censored data", JASA 72; Breslow (1974); Lin & Wei (1989) "The robust
 * inference for the Cox proportional hazards model", JASA 84; Harrell, Califf,
 * Pryor, Lee & Rosati (1982) "Evaluating the yield of medical tests", JAMA 247.
 */
#ifndef CRVM_SURVIVAL_H
#define CRVM_SURVIVAL_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Kaplan–Meier                                                             */
/* ------------------------------------------------------------------------ */

/** A fitted Kaplan–Meier curve (opaque; owns its memory). */
typedef struct crvm_km crvm_km;

/** Settings for crvm_km_fit(). */
typedef struct crvm_km_options {
    /** Coverage of the pointwise confidence intervals, in (0, 1); default 0.95. */
    double confidence_level;
} crvm_km_options;

/** Default ::crvm_km_options. */
#define CRVM_KM_OPTIONS_INIT {0.95}

/** Set @p options to the defaults (same as ::CRVM_KM_OPTIONS_INIT). */
CRVM_API void crvm_km_options_init(crvm_km_options *options);

/**
 * Fit the Kaplan–Meier product-limit estimator S(t) = prod_{t_k <= t} (1 - d_k / n_k)
 * to right-censored durations, optionally weighted and left-truncated.
 *
 * The fitted table has one row per distinct duration (event or censoring time),
 * ascending. At row k: n_k = (weighted) number at risk = subjects with
 * entry < t_k <= duration (the counting-process convention, which is also the
 * one lifelines' estimate uses); d_k = (weighted) events at t_k; c_k =
 * (weighted) censorings at t_k.
 * The variance is Greenwood's, S^2 sum d/(n (n - d)); the confidence interval
 * is the log-log ("exponential Greenwood") one, which stays inside [0, 1].
 * Where S = 1 the interval is [1, 1]; where S = 0 it is [0, 0] and the
 * variance is 0. For curves by group, crvm_km_fit_groups() fits every group
 * from one sort. Time O(n) after one radix sort; memory O(n).
 *
 * @param durations, durations_len  n >= 1 durations, finite and >= 0.
 * @param events, events_len        n flags, 0 or 1.
 * @param weights, weights_len      NULL/0, or n weights (finite, >= 0, positive total).
 * @param entry, entry_len          NULL/0 (everyone at risk from time 0), or n
 *                                  entry times (left truncation) with entry <= duration,
 *                                  and entry < duration for an event.
 * @param options                   NULL for defaults.
 * @param[out] out                  the fitted curve; free with crvm_km_free().
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL, lengths disagree, bad values; the
 *         message names the row), ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_km_fit(const double *durations, size_t durations_len,
                                 const int32_t *events, size_t events_len,
                                 const double *weights, size_t weights_len,
                                 const double *entry, size_t entry_len,
                                 const crvm_km_options *options, crvm_km **out);

/** Free a curve from crvm_km_fit(); NULL is allowed. */
CRVM_API void crvm_km_free(crvm_km *km);

/** Number of rows of the fitted table (distinct durations); 0 for NULL. */
CRVM_API size_t crvm_km_size(const crvm_km *km);

/** Columns of the fitted Kaplan–Meier table, for crvm_km_column(). */
typedef enum crvm_km_column_id {
    CRVM_KM_TIME = 0,     /**< distinct durations, ascending */
    CRVM_KM_SURVIVAL = 1, /**< S(t) just after t (right-continuous) */
    CRVM_KM_VARIANCE = 2, /**< Greenwood variance of S(t) */
    CRVM_KM_CI_LOWER = 3, /**< lower log-log confidence limit */
    CRVM_KM_CI_UPPER = 4, /**< upper log-log confidence limit */
    CRVM_KM_AT_RISK = 5,  /**< (weighted) number at risk at t */
    CRVM_KM_EVENTS = 6,   /**< (weighted) events at t */
    CRVM_KM_CENSORED = 7  /**< (weighted) censorings at t */
} crvm_km_column_id;

/**
 * Copy one column of the fitted table into @p out, which must hold exactly
 * crvm_km_size() values.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL, unknown column, wrong length).
 */
CRVM_API crvm_status crvm_km_column(const crvm_km *km, crvm_km_column_id column,
                                    double *out, size_t out_len);

/**
 * Survival S(t) at arbitrary times (step function, right-continuous; 1 before
 * the first event). Times must not be NaN; any order.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL, NaN time, out_len != t_len).
 */
CRVM_API crvm_status crvm_km_survival_at(const crvm_km *km, const double *t, size_t t_len,
                                         double *out, size_t out_len);

/**
 * The q-quantile of the survival-time distribution: the smallest tabulated
 * time at which S(t) <= 1 - q (so q = 0.5 gives the median survival time, as
 * in lifelines). +INFINITY if the curve never falls that low.
 * @param q  in (0, 1).
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL, q outside (0, 1)).
 */
CRVM_API crvm_status crvm_km_quantile(const crvm_km *km, double q, double *quantile);

/* ------------------------------------------------------------------------ */
/* Kaplan–Meier by group                                                    */
/* ------------------------------------------------------------------------ */

/** Kaplan–Meier curves of k groups from one fit (opaque; owns its memory and
 *  the curves it lends through crvm_km_groups_curve()). */
typedef struct crvm_km_groups crvm_km_groups;

/**
 * Fit one Kaplan–Meier curve per group. The curve of group g is the one
 * crvm_km_fit() gives for the rows with groups[i] == g alone (same table,
 * same variance and intervals, same options), so its median and other
 * quantiles, survival at any time and every column are read from it with the
 * crvm_km_* accessors. All groups share one radix sort by (group, duration)
 * (and one of the entry times when given); the tables are then built in one
 * linear pass. Time O(n), memory O(n) for n rows.
 *
 * @param durations, events, weights, entry  as crvm_km_fit(): n durations and
 *                                  event flags, NULL/0 or n weights, NULL/0
 *                                  or n entry times.
 * @param groups, groups_len        n group codes in 0 .. k-1, every code in
 *                                  that range used by at least one row (so
 *                                  k <= n); k = 1 is allowed.
 * @param options                   NULL for defaults; the same for every group.
 * @param[out] out                  the fitted curves (written only on ::CRVM_OK);
 *                                  free with crvm_km_groups_free().
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, lengths disagree, a bad value as in
 *         crvm_km_fit(), a code < 0 or >= n, or a code below the largest one
 *         that no row uses; the message names the row or the group);
 *         ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_km_fit_groups(const double *durations, size_t durations_len,
                                        const int32_t *events, size_t events_len,
                                        const double *weights, size_t weights_len,
                                        const double *entry, size_t entry_len,
                                        const int32_t *groups, size_t groups_len,
                                        const crvm_km_options *options, crvm_km_groups **out);

/** Free the curves from crvm_km_fit_groups() (every curve it lent becomes
 *  invalid); NULL is allowed. */
CRVM_API void crvm_km_groups_free(crvm_km_groups *groups);

/** Number of groups k (the largest code + 1); 0 for NULL. */
CRVM_API size_t crvm_km_groups_count(const crvm_km_groups *groups);

/**
 * Lend the curve of one group: a read-only ::crvm_km for crvm_km_size(),
 * crvm_km_column(), crvm_km_survival_at() and crvm_km_quantile(), owned by
 * @p groups and valid until crvm_km_groups_free(). Do not pass it to
 * crvm_km_free(). The group's (weighted) size is the sum of its
 * ::CRVM_KM_EVENTS and ::CRVM_KM_CENSORED columns.
 * @param group  a code in 0 .. crvm_km_groups_count() - 1.
 * @param[out] curve  the borrowed curve (written only on ::CRVM_OK).
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL, group out of range).
 */
CRVM_API crvm_status crvm_km_groups_curve(const crvm_km_groups *groups, int32_t group,
                                          const crvm_km **curve);

/* ------------------------------------------------------------------------ */
/* Log-rank test                                                            */
/* ------------------------------------------------------------------------ */

/** Result of crvm_logrank(). */
typedef struct crvm_logrank_result {
    double statistic; /**< chi-square statistic (O - E)' V^- (O - E) */
    double p_value;   /**< upper tail of chi-square with @c dof degrees of freedom */
    int dof;          /**< degrees of freedom: informative groups - 1 */
    int n_groups;     /**< number of groups present in the data */
} crvm_logrank_result;

/**
 * Log-rank (Mantel–Haenszel) test that two or more groups share one survival
 * curve. At each distinct event time the observed events of each group are
 * compared with those expected under a common hazard, with the
 * hypergeometric variance; the statistic uses the first k - 1 groups
 * (Kalbfleisch & Prentice 2002, sec. 7.3). A group with no one at risk at any
 * event time carries no information and is left out (dof drops by one).
 *
 * @param groups, groups_len  n group codes in 0 .. k-1, each < n (k >= 2 distinct
 *                            codes present). Time O(n + T k^2) for T event times.
 * @param weights             NULL/0 or n frequency weights.
 * @return ::CRVM_OK, ::CRVM_EINVAL (bad input, fewer than 2 groups),
 *         ::CRVM_EDOMAIN (no events, or fewer than two groups carry
 *         information), ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_logrank(const double *durations, size_t durations_len,
                                  const int32_t *events, size_t events_len,
                                  const int32_t *groups, size_t groups_len,
                                  const double *weights, size_t weights_len,
                                  crvm_logrank_result *out);

/** Upper tail P(X > x) of the chi-square distribution with @p dof > 0 degrees
 *  of freedom (regularized upper incomplete gamma Q(dof/2, x/2)); 1 for x <= 0,
 *  NaN for dof <= 0 or NaN arguments. */
CRVM_API double crvm_chisq_sf(double x, double dof);

/* ------------------------------------------------------------------------ */
/* Cox proportional hazards                                                 */
/* ------------------------------------------------------------------------ */

/** A fitted Cox proportional hazards model (opaque; owns its memory). */
typedef struct crvm_cox crvm_cox;

/** How tied event times enter the partial likelihood. */
typedef enum crvm_ties {
    CRVM_TIES_EFRON = 0,  /**< Efron (1977) approximation (the default, as lifelines and R) */
    CRVM_TIES_BRESLOW = 1 /**< Breslow (1974) approximation */
} crvm_ties;

/** Settings for crvm_cox_fit(). */
typedef struct crvm_cox_options {
    crvm_ties ties;          /**< default ::CRVM_TIES_EFRON */
    int robust;              /**< 1: also compute the Lin–Wei robust sandwich covariance and report it; default 0 */
    int max_iterations;      /**< Newton–Raphson iterations, default 50 */
    double tolerance;        /**< converged when the Newton decrement and the relative LL change fall below this; default 1e-9 */
    double penalizer;        /**< L2 penalty 0.5 * penalizer * ||beta_std||^2 on the coefficients of the standardised
                                  covariates (x - xbar) / sd (as lifelines' penalizer with l1_ratio 0); default 0 */
    double confidence_level; /**< coverage of coefficient intervals, default 0.95 */
} crvm_cox_options;

/** Default ::crvm_cox_options. */
#define CRVM_COX_OPTIONS_INIT {CRVM_TIES_EFRON, 0, 50, 1e-9, 0.0, 0.95}

/** Set @p options to the defaults (same as ::CRVM_COX_OPTIONS_INIT). */
CRVM_API void crvm_cox_options_init(crvm_cox_options *options);

/**
 * Fit a Cox proportional hazards model h(t | x) = h0_s(t) exp(beta' (x - xbar))
 * by Newton–Raphson on the (weighted, stratified) partial likelihood, with
 * step halving whenever the log-likelihood would decrease.
 *
 * Covariates are centred internally at their unweighted means xbar (and
 * scaled by their standard deviations while iterating); the baseline hazard
 * h0_s therefore refers to a subject with covariates xbar in stratum s, and
 * crvm_cox_predict_partial_hazard() returns exp(beta'(x - xbar)) (both as
 * lifelines does). The coefficients do not depend on the centring.
 *
 * Failures are explicit, never silent infinities:
 * - a covariate that is constant (within the data used) or a linear combination
 *   of earlier ones: ::CRVM_EDOMAIN, the message names the column index;
 * - a coefficient that diverges while the log-likelihood plateaus (perfect or
 *   quasi-perfect separation) or no convergence within max_iterations:
 *   ::CRVM_ECONVERGE naming the column;
 * - no events at all, or fewer than 2 rows: ::CRVM_EDOMAIN.
 *
 * @param x, x_len, n_rows, n_cols  covariates, row-major, x_len = n_rows * n_cols,
 *                                  n_cols >= 1, all finite.
 * @param durations, events         n_rows values each (see file conventions).
 * @param weights                   NULL/0, or n_rows frequency weights.
 * @param strata, strata_len        NULL/0, or n_rows stratum codes (any int32
 *                                  values); each stratum has its own baseline.
 * @param options                   NULL for defaults.
 * @param[out] out                  the fitted model (written only on ::CRVM_OK);
 *                                  free with crvm_cox_free().
 * @param[out] report               optional (may be NULL): log partial likelihood,
 *                                  iterations, convergence, filled on success and
 *                                  on ::CRVM_ECONVERGE / ::CRVM_EDOMAIN found while iterating.
 * @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_EDOMAIN, ::CRVM_ECONVERGE, ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_cox_fit(const double *x, size_t x_len, size_t n_rows, size_t n_cols,
                                  const double *durations, size_t durations_len,
                                  const int32_t *events, size_t events_len,
                                  const double *weights, size_t weights_len,
                                  const int32_t *strata, size_t strata_len,
                                  const crvm_cox_options *options, crvm_cox **out,
                                  crvm_fit_report *report);

/**
 * Fit a Cox proportional hazards model to counting-process ("start, stop")
 * data: time-varying covariates, left truncation (delayed entry) and
 * recurrent at-risk episodes. Each row is an interval of one subject during
 * which its covariates are constant; the row is at risk at an event time t
 * iff start < t <= stop, and events[i] = 1 means the event happened at
 * stop[i]. A subject's successive intervals are separate rows (subject ids
 * are not needed: the partial likelihood only uses risk sets).
 *
 * Everything else is as crvm_cox_fit(), which it shares its estimator with
 * (the same sorted descending scan over stop times, with rows leaving the
 * risk-set sums once the scan passes their start): Efron or Breslow ties,
 * frequency weights, strata, centring at the unweighted row means, the
 * penalizer, the failure statuses, and the same ::crvm_cox handle and
 * accessors afterwards. In particular, splitting every row of a
 * crvm_cox_fit() data set into consecutive intervals with the same
 * covariates gives the same coefficients, standard errors and log partial
 * likelihood, and a row with start = 0 everywhere is crvm_cox_fit().
 * This is the model of lifelines' CoxTimeVaryingFitter (which uses Efron ties).
 * Baseline and predictions: crvm_cox_baseline() is the Breslow estimator
 * over these risk sets; crvm_cox_predict_survival() treats covariates as
 * fixed over time. Summary: n_observations counts (weighted) rows, not
 * subjects; the concordance is Harrell's C over rows with stop as the
 * duration (lifelines' CoxTimeVaryingFitter reports none).
 *
 * Robust (sandwich) standard errors for interval data need the score
 * residuals summed by subject (clustering), which this function does not do:
 * options.robust = 1 returns ::CRVM_EINVAL.
 *
 * Time O(n log n) to sort plus O(n p^2) per Newton iteration; memory O(n p).
 *
 * @param x, x_len, n_rows, n_cols  covariates of each interval, row-major,
 *                                  x_len = n_rows * n_cols, all finite.
 * @param start, start_len          n_rows interval starts, finite and >= 0
 *                                  (the subject entered the risk set just after start).
 * @param stop, stop_len            n_rows interval ends, finite, > start (the
 *                                  "durations" of the file conventions).
 * @param events, events_len        n_rows flags: 1 if the event occurred at stop.
 * @param weights, weights_len      NULL/0, or n_rows frequency weights.
 * @param strata, strata_len        NULL/0, or n_rows stratum codes.
 * @param options                   NULL for defaults; robust must be 0.
 * @param[out] out                  the fitted model (written only on ::CRVM_OK);
 *                                  free with crvm_cox_free().
 * @param[out] report               optional, as in crvm_cox_fit().
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, lengths disagree, start < 0,
 *         start >= stop, bad events/weights/options, options.robust; the
 *         message names the row); ::CRVM_EDOMAIN (fewer than 2 rows, no
 *         events, constant or collinear covariate); ::CRVM_ECONVERGE;
 *         ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_cox_fit_intervals(const double *x, size_t x_len, size_t n_rows,
                                            size_t n_cols,
                                            const double *start, size_t start_len,
                                            const double *stop, size_t stop_len,
                                            const int32_t *events, size_t events_len,
                                            const double *weights, size_t weights_len,
                                            const int32_t *strata, size_t strata_len,
                                            const crvm_cox_options *options, crvm_cox **out,
                                            crvm_fit_report *report);

/** Free a model from crvm_cox_fit() or crvm_cox_fit_intervals(); NULL is allowed. */
CRVM_API void crvm_cox_free(crvm_cox *cox);

/** Number of covariates (columns of x); 0 for NULL. */
CRVM_API size_t crvm_cox_n_covariates(const crvm_cox *cox);

/** Per-covariate statistics, for crvm_cox_statistic(). */
typedef enum crvm_cox_stat {
    CRVM_COX_COEF = 0,         /**< coefficient beta (log hazard ratio per unit of x) */
    CRVM_COX_SE = 1,           /**< standard error used for inference: robust if requested, else model-based */
    CRVM_COX_SE_MODEL = 2,     /**< model-based SE, sqrt(diag(I^-1)) */
    CRVM_COX_SE_ROBUST = 3,    /**< Lin–Wei robust SE (::CRVM_ESTATE unless options.robust) */
    CRVM_COX_Z = 4,            /**< beta / SE */
    CRVM_COX_P_VALUE = 5,      /**< two-sided normal p-value of z */
    CRVM_COX_CI_LOWER = 6,     /**< lower confidence limit of beta */
    CRVM_COX_CI_UPPER = 7,     /**< upper confidence limit of beta */
    CRVM_COX_HAZARD_RATIO = 8, /**< exp(beta) */
    CRVM_COX_MEAN = 9          /**< the centring mean xbar of each covariate */
} crvm_cox_stat;

/**
 * Copy one per-covariate statistic into @p out (exactly crvm_cox_n_covariates() values).
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL, unknown statistic, wrong length),
 *         ::CRVM_ESTATE (robust SE of a model fitted without options.robust).
 */
CRVM_API crvm_status crvm_cox_statistic(const crvm_cox *cox, crvm_cox_stat stat,
                                        double *out, size_t out_len);

/**
 * Copy the covariance matrix of the coefficients (p*p, row-major): the
 * model-based inverse information (@p robust = 0) or the robust sandwich
 * (@p robust = 1).
 * @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_ESTATE (robust not computed).
 */
CRVM_API crvm_status crvm_cox_covariance(const crvm_cox *cox, int robust, double *out,
                                         size_t out_len);

/** Model-level results of a Cox fit, from crvm_cox_summary(). */
typedef struct crvm_cox_summary_stats {
    double log_likelihood;      /**< log partial likelihood at the estimate (unpenalised) */
    double log_likelihood_null; /**< log partial likelihood at beta = 0 */
    double lr_statistic;        /**< likelihood-ratio statistic 2 (LL - LL_null) */
    double lr_p_value;          /**< chi-square upper tail with lr_dof degrees of freedom */
    double concordance;         /**< Harrell's C of -partial hazard vs durations (see crvm_concordance_index()),
                                     over pairs within the same stratum, unweighted (as lifelines) */
    double n_events;            /**< (weighted) number of events */
    double n_observations;      /**< (weighted) number of rows */
    int lr_dof;                 /**< number of covariates */
    int iterations;             /**< Newton–Raphson iterations */
    int n_strata;               /**< number of distinct strata (1 if unstratified) */
} crvm_cox_summary_stats;

/**
 * Fill @p out with the model-level results. The concordance is computed on
 * the first call of this function or crvm_cox_concordance() on a fitted
 * model (O(n log n) in the training rows, which the model keeps for it:
 * 20-24 bytes per row until crvm_cox_free()) and cached; concurrent calls
 * on one model are safe.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL), ::CRVM_ENOMEM (computing the
 *         concordance; @p out is not written).
 */
CRVM_API crvm_status crvm_cox_summary(const crvm_cox *cox, crvm_cox_summary_stats *out);

/**
 * Harrell's C of the model's risk score -partial hazard against the training
 * durations (crvm_cox_summary_stats::concordance): computed on first request
 * (this function or crvm_cox_summary()), O(n log n), then cached; safe to
 * call from several threads on one model. A restored model returns the
 * saved value.
 * @param[out] concordance  the index in [0, 1]; 0.5 if no pair is comparable.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL), ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_cox_concordance(const crvm_cox *cox, double *concordance);

/**
 * Stratum codes of the fitted model, ascending (crvm_cox_summary().n_strata
 * values; a single 0 when the model is unstratified).
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL, wrong length).
 */
CRVM_API crvm_status crvm_cox_strata(const crvm_cox *cox, int32_t *out, size_t out_len);

/**
 * Number of points of the Breslow baseline cumulative hazard of a stratum
 * (its distinct event times).
 * @param stratum  a code from crvm_cox_strata() (0 when unstratified).
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL), ::CRVM_ENOTFOUND (unknown stratum).
 */
CRVM_API crvm_status crvm_cox_baseline_size(const crvm_cox *cox, int32_t stratum, size_t *size);

/**
 * Breslow baseline cumulative hazard H0_s(t) = sum_{t_k <= t} d_k / sum_{risk set} w exp(beta'(x - xbar))
 * at the distinct event times of a stratum, for a subject at the centring
 * means xbar. Arrays must hold exactly crvm_cox_baseline_size() values.
 * @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_ENOTFOUND.
 */
CRVM_API crvm_status crvm_cox_baseline(const crvm_cox *cox, int32_t stratum,
                                       double *times, size_t times_len,
                                       double *cumulative_hazard, size_t cumulative_hazard_len);

/**
 * Partial hazard exp(beta'(x - xbar)) of new covariate rows (row-major,
 * n_cols = crvm_cox_n_covariates()).
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL, wrong shape or length, non-finite x).
 */
CRVM_API crvm_status crvm_cox_predict_partial_hazard(const crvm_cox *cox, const double *x,
                                                     size_t x_len, size_t n_rows, size_t n_cols,
                                                     double *out, size_t out_len);

/**
 * Survival curves of new covariate rows: out[i * times_len + j] =
 * exp(-H0_s(t_j) exp(beta'(x_i - xbar))), with the baseline H0_s a step
 * function of time. One time gives the probability of surviving to that
 * horizon.
 * @param strata, strata_len  NULL/0 for an unstratified model; otherwise n_rows
 *                            codes, each one of the fitted strata.
 * @param times, times_len    times >= 0, any order, not NaN.
 * @param out, out_len        n_rows * times_len values.
 * @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_ENOTFOUND (unknown stratum).
 */
CRVM_API crvm_status crvm_cox_predict_survival(const crvm_cox *cox, const double *x, size_t x_len,
                                               size_t n_rows, size_t n_cols,
                                               const int32_t *strata, size_t strata_len,
                                               const double *times, size_t times_len,
                                               double *out, size_t out_len);

/**
 * Harrell's concordance index between observed durations and predicted
 * scores, where a higher score predicts a longer survival (pass minus the
 * risk for a hazard-like score). A pair is comparable when the shorter
 * duration is an event, or both durations are equal and only one is an event
 * (the censored one is taken to have outlived the other); pairs of events at
 * the same time are not comparable. Concordant pairs count 1, tied scores
 * 1/2 (the conventions of lifelines' concordance_index). O(n log n).
 * @param[out] concordance  the index in [0, 1]; 0.5 if no pair is comparable.
 * @return ::CRVM_OK, ::CRVM_EINVAL (bad input), ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_concordance_index(const double *durations, size_t durations_len,
                                            const double *scores, size_t scores_len,
                                            const int32_t *events, size_t events_len,
                                            double *concordance);


/* ------------------------------------------------------------------------ */
/* Cox diagnostics: Schoenfeld residuals and the proportional-hazards test  */
/* ------------------------------------------------------------------------ */

/**
 * Schoenfeld residuals of a Cox model on its training data: for each event
 * row i at time t in stratum s, x_i - xbar(t), where xbar(t) is the mean of
 * the covariates over the risk set at t weighted by w exp(beta'x) (with
 * Efron ties, the average over the d tied events of the means over the risk
 * set with l/d of the tied events removed, l = 0 .. d-1; with Breslow ties
 * the plain risk-set mean; the ties the model was fitted with). Scaled
 * (Grambsch & Therneau 1994, "Proportional hazards tests and diagnostics
 * based on weighted residuals", Biometrika 81): n_events * r_i V, with V the
 * covariance of the coefficients (robust when the model has it) and
 * n_events the number of event rows, as lifelines' compute_residuals(...,
 * "scaled_schoenfeld") (which, like this, does not add beta).
 *
 * The data must be those of crvm_cox_fit() (not crvm_cox_fit_intervals()).
 * Time O(n log n) to sort plus O(n p^2); memory O(n).
 *
 * @param x, x_len, n_rows, n_cols  covariates, n_cols = crvm_cox_n_covariates().
 * @param durations, events, weights, strata  as given to crvm_cox_fit()
 *                                  (strata required iff the model is stratified,
 *                                  every code one of its strata).
 * @param scaled                    0: raw residuals; 1: scaled.
 * @param out, out_len              n_rows * n_cols values, row-major in the
 *                                  rows of x; censored rows get 0 (residuals
 *                                  exist only at events).
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, lengths or shape, bad values,
 *         strata given to an unstratified model or missing for a stratified
 *         one; the message names the row); ::CRVM_ENOTFOUND (a stratum code
 *         the model was not fitted with); ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_cox_schoenfeld_residuals(const crvm_cox *cox, const double *x,
                                                   size_t x_len, size_t n_rows, size_t n_cols,
                                                   const double *durations, size_t durations_len,
                                                   const int32_t *events, size_t events_len,
                                                   const double *weights, size_t weights_len,
                                                   const int32_t *strata, size_t strata_len,
                                                   int scaled, double *out, size_t out_len);

/** Time scales of the proportional-hazards test, for crvm_cox_ph_test(). */
typedef enum crvm_ph_time {
    CRVM_PH_TIME_RANK = 0,     /**< rank of each event among the events in (stratum, time, row)
                                    order: 1, 2, ... (lifelines' default) */
    CRVM_PH_TIME_KM = 1,       /**< 1 - S(t), the Kaplan–Meier estimate of all the (weighted)
                                    data at the event's time (R's former default) */
    CRVM_PH_TIME_IDENTITY = 2, /**< the event time t */
    CRVM_PH_TIME_LOG = 3       /**< log t (every event time > 0) */
} crvm_ph_time;

/**
 * Test of the proportional-hazards assumption for each covariate
 * (Grambsch & Therneau 1994; the one-degree-of-freedom approximation of
 * lifelines' proportional_hazard_test): with g the transformed event times,
 * centred at their mean, and s*_kj the scaled Schoenfeld residuals,
 *     T_j = (sum_k g_k s*_kj)^2 / (d V_jj sum_k g_k^2),
 * chi-square with 1 degree of freedom under proportional hazards (a small
 * p-value says covariate j's effect changes with time). d: event rows.
 * Same data and cost as crvm_cox_schoenfeld_residuals().
 * @param time                     the time scale g (::crvm_ph_time).
 * @param statistic, statistic_len crvm_cox_n_covariates() values T_j.
 * @param p_value, p_value_len     their p-values.
 * @return as crvm_cox_schoenfeld_residuals(); ::CRVM_EINVAL also for an unknown
 *         time scale; ::CRVM_EDOMAIN (fewer than 2 events, every event at one
 *         time, or an event at t = 0 on the log scale).
 */
CRVM_API crvm_status crvm_cox_ph_test(const crvm_cox *cox, const double *x, size_t x_len,
                                      size_t n_rows, size_t n_cols,
                                      const double *durations, size_t durations_len,
                                      const int32_t *events, size_t events_len,
                                      const double *weights, size_t weights_len,
                                      const int32_t *strata, size_t strata_len,
                                      crvm_ph_time time, double *statistic, size_t statistic_len,
                                      double *p_value, size_t p_value_len);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_SURVIVAL_H */
