/**
 * @file crvm/retention.h
 * @brief Contractual retention models: shifted-beta-geometric (sBG) and
 *        beta-discrete-Weibull (BdW), fitted by maximum likelihood.
 *
 * For subscriptions renewed at discrete periods (months, years). Each customer
 * has a lifetime T in {1, 2, ...}: the number of periods paid for, ending with
 * the period at whose end the customer did not renew. The survival function
 * S(t) = P(T > t) is the probability of still being a customer after t
 * renewal decisions (S(0) = 1).
 *
 * - sBG (Fader & Hardie 2007, "How to Project Customer Retention", J.
 *   Interactive Marketing 21(1)): each customer churns at every renewal with a
 *   constant probability theta, and theta ~ Beta(alpha, beta) across customers:
 *   S(t) = B(alpha, beta + t) / B(alpha, beta).
 * - BdW (Fader, Hardie, Liu, Davin & Steenburgh 2018, "'How to Project
 *   Customer Retention' Revisited: The Role of Duration Dependence", J.
 *   Interactive Marketing 43): an individual survives t periods with
 *   probability (1 - theta)^(t^c), theta ~ Beta(alpha, beta):
 *   S(t) = B(alpha, beta + t^c) / B(alpha, beta). c < 1 means an individual's
 *   churn probability falls with tenure, c > 1 that it rises; c = 1 is the sBG.
 *
 * Data are cohort survivor counts (customers alive at period 0, 1, ..., n) or
 * per-customer records (periods observed, churned or still active). Several
 * cohorts fitted together share one set of parameters.
 *
 * Time arguments (t, renewals) are doubles holding whole numbers, so that
 * they can come straight from numeric arrays; a fractional value is refused.
 *
 * Bounds. Every prediction is checked against what it must be: S(t), r(t) and
 * P(T = t) in [0, 1]; DERL in [0, (1 + d) / d] (finite with d = 0 exactly when
 * alpha c > 1); E[T] >= 1 (finite exactly when alpha c > 1). A value outside
 * (NaN included), which only parameters far beyond any fit produce (e.g.
 * alpha = 1e300, c = 1e308), fails the call with ::CRVM_EDOMAIN naming the
 * row, the value and the parameters; @p out is then untouched.
 *
 * Cost per row (worst case, no allocation): S(t), r(t), P(T = t): a few
 * log-gamma evaluations. DERL: the sBG closed form (one 2F1, bounded by its
 * work limit of about 0.1 s, typically microseconds) while alpha + beta +
 * renewals <= 1e4 (or d = 0: exact); otherwise, and for the BdW, the series:
 * at most 1,000 direct terms plus a quadrature of at most about 17,000 nodes
 * (d > 0) or 65,000 (d = 0), each a few log-gamma evaluations: measured at
 * most 40 ms per row over parameters from 1e-300 to 1e308, typically 0.3 ms.
 * E[T] of the BdW: the same series once.
 * Calls with more than 256 rows compute each row twice (a first pass checks
 * every value, so that a failure leaves @p out untouched without allocating).
 */
#ifndef CRVM_RETENTION_H
#define CRVM_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Which retention model to fit. */
typedef enum crvm_retention_kind {
    CRVM_RETENTION_SBG = 0, /**< shifted-beta-geometric: parameters alpha, beta (c fixed at 1) */
    CRVM_RETENTION_BDW = 1  /**< beta-discrete-Weibull: parameters alpha, beta, c */
} crvm_retention_kind;

/**
 * Parameters of a retention model: theta ~ Beta(alpha, beta), and the
 * duration exponent c (1 for the sBG). All three must be positive and finite.
 */
typedef struct crvm_retention_params {
    double alpha; /**< Beta shape of the churn probability, > 0 */
    double beta;  /**< Beta shape of the retention probability, > 0 */
    double c;     /**< discrete-Weibull exponent, > 0; 1 for the sBG */
} crvm_retention_params;

/**
 * Survival S(t) = P(T > t) for each t[i] (a whole number >= 0):
 * out[i] = B(alpha, beta + t^c) / B(alpha, beta).
 * @param params model parameters (alpha, beta, c > 0, finite)
 * @param t      periods, whole numbers >= 0; @p t_len of them
 * @param out    receives @p out_len = @p t_len survival probabilities
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL pointer, lengths differ, t[i] negative,
 *         fractional or not finite); ::CRVM_EDOMAIN (parameters not positive
 *         and finite, or a value outside its bounds: see "Bounds" above). On
 *         failure @p out is left untouched.
 */
CRVM_API crvm_status crvm_retention_survival(const crvm_retention_params *params,
                                             const double *t, size_t t_len,
                                             double *out, size_t out_len);

/**
 * Retention rate r(t) = S(t) / S(t - 1) = P(T > t | T > t - 1): the share of
 * the customers alive after t - 1 renewals who renew once more, for t[i] a
 * whole number >= 1. For the sBG, r(t) = (beta + t - 1) / (alpha + beta + t - 1).
 * @return as crvm_retention_survival(), but t[i] must be >= 1.
 */
CRVM_API crvm_status crvm_retention_rate(const crvm_retention_params *params,
                                         const double *t, size_t t_len,
                                         double *out, size_t out_len);

/**
 * Probability of churning in period t, P(T = t) = S(t - 1) - S(t), for t[i] a
 * whole number >= 1 (unconditional: the share of a new cohort lost at the
 * t-th renewal decision). Computed without cancellation.
 * @return as crvm_retention_survival(), but t[i] must be >= 1.
 */
CRVM_API crvm_status crvm_retention_churn_probability(const crvm_retention_params *params,
                                                      const double *t, size_t t_len,
                                                      double *out, size_t out_len);

/**
 * Expected lifetime E[T] = sum over t >= 0 of S(t), in periods, of a newly
 * acquired customer. It is finite only when alpha * c > 1 (for the sBG,
 * E[T] = (alpha + beta - 1) / (alpha - 1)); otherwise *out receives +infinity
 * (a valid answer, not an error: the heavy tail of loyal customers makes the
 * mean diverge). Never NaN.
 * @param lifetime receives E[T]
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL pointer); ::CRVM_EDOMAIN (parameters,
 *         or a value outside its bounds).
 */
CRVM_API crvm_status crvm_retention_expected_lifetime(const crvm_retention_params *params,
                                                      double *lifetime);

/**
 * Discounted expected residual lifetime (Fader & Hardie 2010, "Customer-Base
 * Valuation in a Contractual Setting: The Perils of Ignoring Heterogeneity",
 * Marketing Science 29(1)) of a customer who has made n - 1 = renewals[i]
 * renewals so far, evaluated just before the next renewal decision:
 *
 *     DERL(d | n - 1 renewals) = sum over t >= n of S(t) / S(n - 1) (1 + d)^-(t - n)
 *
 * i.e. the expected discounted number of further renewals (the next one
 * undiscounted). Multiply by the margin per period to value the customer.
 * For the sBG this is the closed form
 * B(alpha, beta + n) / B(alpha, beta + n - 1) * 2F1(1, beta + n; alpha + beta + n; 1 / (1 + d))
 * (used while alpha + beta + n <= 1e4); for the BdW, and beyond that, the
 * series is summed, with an Euler-Maclaurin tail, to about 1e-10 relative
 * accuracy, in the offset t - n so that any renewal count a double holds
 * works (for n -> infinity DERL tends to (1 + d) / d). With d = 0 the value
 * is +infinity unless alpha * c > 1 (for the sBG then exactly
 * (beta + n - 1) / (alpha - 1)).
 * @param discount_rate d >= 0 per period (e.g. 0.1 for 10 %)
 * @param renewals      renewals made so far, whole numbers >= 0
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL pointer, lengths differ, d negative or
 *         not finite, renewals[i] negative or fractional); ::CRVM_EDOMAIN
 *         (parameters, or a value outside [0, (1 + d) / d]). On failure @p out
 *         is left untouched.
 */
CRVM_API crvm_status crvm_retention_derl(const crvm_retention_params *params, double discount_rate,
                                         const double *renewals, size_t renewals_len,
                                         double *out, size_t out_len);

/** Settings of a retention fit. Fields are only ever appended. */
typedef struct crvm_retention_options {
    int max_iterations; /**< optimiser iteration limit, >= 1 (default 500) */
    double tolerance;   /**< gradient tolerance of the optimiser, > 0 (default 1e-8) */
    double alpha0;      /**< starting value of alpha; 0 chooses one from the data */
    double beta0;       /**< starting value of beta; 0 chooses one from the data */
    double c0;          /**< starting value of c (BdW only); 0 starts from the fitted sBG */
} crvm_retention_options;

/** Default retention options, for static initialisation. */
#define CRVM_RETENTION_OPTIONS_INIT {500, 1e-8, 0.0, 0.0, 0.0}

/** Set @p options to the defaults (::CRVM_RETENTION_OPTIONS_INIT); NULL is ignored. */
CRVM_API void crvm_retention_options_init(crvm_retention_options *options);

/** A fitted retention model: parameters, their covariance and the fit report. Opaque. */
typedef struct crvm_retention_fit crvm_retention_fit;

/**
 * Fit a model to cohort survivor counts by maximum likelihood; the cohorts
 * share one set of parameters.
 *
 * @p counts holds the cohorts one after the other: cohort j contributes
 * cohort_lengths[j] values, the number of its customers alive at periods
 * 0, 1, ..., cohort_lengths[j] - 1 (period 0 is acquisition). Counts may be
 * fractional (e.g. percentages) but must be finite, >= 0, non-increasing
 * within a cohort, and positive at period 0. @p cohort_lengths may be NULL
 * with length 0: then all of @p counts is one cohort.
 *
 * The log-likelihood (Fader & Hardie 2007, appendix B) of a cohort with
 * counts n_0 ... n_L is sum over t = 1..L of (n_{t-1} - n_t) ln P(T = t)
 * plus n_L ln S(L).
 *
 * @param kind     ::CRVM_RETENTION_SBG or ::CRVM_RETENTION_BDW
 * @param options  NULL for the defaults
 * @param out      receives the fitted model on ::CRVM_OK only; free it with
 *                 crvm_retention_fit_free()
 * @param report   optional (may be NULL): filled whenever the optimiser ran,
 *                 i.e. on ::CRVM_OK and also on ::CRVM_ECONVERGE (then with
 *                 converged = 0 and the log-likelihood of the last point)
 * @return ::CRVM_OK;
 *         ::CRVM_EINVAL (NULL pointer, bad kind or option, cohort lengths < 1
 *         or not summing to @p counts_len, a count negative, not finite, zero
 *         at period 0, or larger than the count before it: the message names
 *         the cohort and period);
 *         ::CRVM_EDOMAIN (degenerate data without a finite maximum-likelihood
 *         estimate: nobody churned, everybody churned in period 1, or too few
 *         periods observed, fewer than 2 for the sBG or 3 for the BdW);
 *         ::CRVM_ECONVERGE (the optimiser stopped without converging, a
 *         parameter ran off to 0 or infinity, or the information matrix is
 *         singular; the message says which);
 *         ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_retention_fit_cohorts(crvm_retention_kind kind,
                                                const double *counts, size_t counts_len,
                                                const int32_t *cohort_lengths,
                                                size_t cohort_lengths_len,
                                                const crvm_retention_options *options,
                                                crvm_retention_fit **out,
                                                crvm_fit_report *report);

/**
 * Fit a model to per-customer records by maximum likelihood.
 *
 * Record i describes one customer (or weights[i] identical customers):
 * - churned[i] = 1: the customer paid for periods[i] >= 1 periods and did not
 *   renew at the end of the last one (T = periods[i]); contributes ln P(T = periods[i]);
 * - churned[i] = 0: the customer renewed at the end of each of periods[i] >= 0
 *   periods and is still active (T > periods[i]); contributes ln S(periods[i]).
 *
 * @param periods  @p periods_len values
 * @param churned  0 or 1 for each record; @p churned_len = @p periods_len
 * @param weights  optional non-negative finite weights (NULL with length 0 for all 1)
 * @return as crvm_retention_fit_cohorts(); ::CRVM_EINVAL names the record
 *         (periods negative, churned not 0 or 1, churned with 0 periods, bad
 *         weight, no records or all weights 0).
 */
CRVM_API crvm_status crvm_retention_fit_records(crvm_retention_kind kind,
                                                const int32_t *periods, size_t periods_len,
                                                const int32_t *churned, size_t churned_len,
                                                const double *weights, size_t weights_len,
                                                const crvm_retention_options *options,
                                                crvm_retention_fit **out,
                                                crvm_fit_report *report);

/** Free a fitted model; NULL is ignored. */
CRVM_API void crvm_retention_fit_free(crvm_retention_fit *fit);

/**
 * Which model was fitted.
 * @return ::CRVM_OK; ::CRVM_EINVAL if an argument is NULL.
 */
CRVM_API crvm_status crvm_retention_fit_kind(const crvm_retention_fit *fit,
                                             crvm_retention_kind *kind);

/**
 * Maximum-likelihood estimates (c = 1 for the sBG).
 * @return ::CRVM_OK; ::CRVM_EINVAL if an argument is NULL.
 */
CRVM_API crvm_status crvm_retention_fit_params(const crvm_retention_fit *fit,
                                               crvm_retention_params *out);

/**
 * Asymptotic standard errors of alpha, beta and c (0 for the sBG's fixed c):
 * from the inverse Hessian of the negative log-likelihood in log-parameters,
 * mapped to the natural scale by the delta method.
 * @return ::CRVM_OK; ::CRVM_EINVAL if an argument is NULL.
 */
CRVM_API crvm_status crvm_retention_fit_standard_errors(const crvm_retention_fit *fit,
                                                        crvm_retention_params *out);

/**
 * Covariance matrix of the estimates on the natural scale, row-major k*k with
 * k = report.n_parameters (2 for the sBG: alpha, beta; 3 for the BdW: alpha,
 * beta, c).
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, or @p out_len is not k*k).
 */
CRVM_API crvm_status crvm_retention_fit_covariance(const crvm_retention_fit *fit,
                                                   double *out, size_t out_len);

/**
 * The fit report: log-likelihood, AIC, BIC (n = total number or weight of
 * customers), iterations, gradient norm, convergence flag.
 * @return ::CRVM_OK; ::CRVM_EINVAL if an argument is NULL.
 */
CRVM_API crvm_status crvm_retention_fit_report(const crvm_retention_fit *fit,
                                               crvm_fit_report *out);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_RETENTION_H */
