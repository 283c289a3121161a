/**
 * @file crvm/spend.h
 * @brief Gamma-Gamma model of spend per transaction (Fader & Hardie 2013,
 *        "The Gamma-Gamma Model of Monetary Value", brucehardie.com note 025;
 *        also Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves
 *        for Customer Base Analysis", J. Marketing Research 42(4)).
 *
 * Each transaction amount z of a customer is Gamma(p, nu) (shape p, rate nu),
 * and nu varies across customers as Gamma(q, v) (shape q, rate v). A customer
 * with x transactions of mean amount zbar = monetary_value contributes
 *
 *   f(zbar | x) = Gamma(px + q) / (Gamma(px) Gamma(q))
 *                 * v^q zbar^(px - 1) x^(px) / (v + x zbar)^(px + q),
 *
 * and the expected spend per transaction given (x, zbar) is
 *
 *   E[M | x, zbar] = p (v + x zbar) / (p x + q - 1)
 *                  = (1 - w) p v / (q - 1) + w zbar,  w = p x / (p x + q - 1),
 *
 * a weighted mean of the population mean p v / (q - 1) and the customer's own
 * mean. The model assumes spend independent of the number of transactions.
 *
 * As in lifetimes, x is the frequency of repeat purchases and zbar the mean
 * amount of those repeat purchases (the first purchase excluded); see
 * crvm/rfm.h. Only customers with x >= 1 carry information about spend, so a
 * fit takes repeat customers only.
 */
#ifndef CRVM_SPEND_H
#define CRVM_SPEND_H

#include <stddef.h>

#include "crvm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Gamma-Gamma parameters; all three positive and finite. */
typedef struct crvm_gamma_gamma_params {
    double p; /**< shape of the amount of a transaction */
    double q; /**< shape of the customers' rate nu */
    double v; /**< rate (inverse scale) of the customers' nu, in money units */
} crvm_gamma_gamma_params;

/**
 * Log-density ln f(zbar | x) of each customer's mean spend (see the file
 * description), for customers with frequency[i] > 0 and monetary_value[i] > 0.
 * @param frequency      number of transactions x of each customer, finite and > 0
 * @param monetary_value mean spend zbar, finite and > 0; same length
 * @param out            receives @p out_len = @p frequency_len values
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL pointer, lengths differ, a value out of
 *         range: the message names the row); ::CRVM_EDOMAIN (parameters not
 *         positive and finite, or a row whose log-density is beyond the range
 *         of a double or whose terms cancel beyond 1e-6 absolute accuracy,
 *         relative for |ln f| > 1, at extreme parameters: the message names
 *         the row). On failure @p out is untouched.
 */
CRVM_API crvm_status crvm_gamma_gamma_log_likelihood(const crvm_gamma_gamma_params *params,
                                                     const double *frequency, size_t frequency_len,
                                                     const double *monetary_value,
                                                     size_t monetary_value_len,
                                                     double *out, size_t out_len);

/**
 * Expected spend per transaction E[M | x, zbar] = p (v + x zbar) / (p x + q - 1)
 * for each customer (lifetimes' conditional_expected_average_profit). For
 * x = 0 this is the population mean p v / (q - 1), whatever zbar.
 * @param frequency      repeat transactions x, finite and >= 0
 * @param monetary_value mean spend of those transactions, finite and >= 0
 * @param out            receives @p out_len = @p frequency_len values
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL pointer, lengths differ, a value
 *         negative or not finite: the message names the row);
 *         ::CRVM_EDOMAIN (parameters not positive and finite, or q <= 1, for
 *         which the mean spend is infinite, or a row whose expected spend is
 *         beyond the range of a double: the message names the row). On failure
 *         @p out is untouched.
 */
CRVM_API crvm_status crvm_gamma_gamma_expected_spend(const crvm_gamma_gamma_params *params,
                                                     const double *frequency, size_t frequency_len,
                                                     const double *monetary_value,
                                                     size_t monetary_value_len,
                                                     double *out, size_t out_len);

/** Settings of a Gamma-Gamma fit. Fields are only ever appended. */
typedef struct crvm_gamma_gamma_options {
    int max_iterations; /**< optimiser iteration limit, >= 1 (default 500) */
    double tolerance;   /**< gradient tolerance of the optimiser, > 0 (default 1e-8) */
    /**
     * L2 penalty lambda >= 0 (default 0): the fit minimises
     * -(1/W) sum_i w_i ln f_i + lambda (p^2 + q^2 + v^2), W = sum of the
     * weights: lifetimes' penaliser_coef, so that penalised fits compare.
     * (The penalty on v depends on the money unit.) Standard errors then
     * come from the Hessian of W times this penalised objective.
     */
    double penalty;
    /**
     * Starting values; a field <= 0 is chosen from the data (default: all 0).
     * The data-driven start matches the method-of-moments relations of the
     * model: with m and c2 the weighted mean and squared coefficient of
     * variation of zbar and h the weighted mean of 1/x,
     * E[zbar] = p v / (q - 1) and c2 = (h (q - 1) / p + 1) / (q - 2).
     * It takes q0 = max(4, 2 + 2 / c2), then p0 = h (q0 - 1) / (c2 (q0 - 2) - 1)
     * and v0 = m (q0 - 1) / p0 (given starting values of p or q are used in
     * these formulas instead).
     */
    crvm_gamma_gamma_params initial;
} crvm_gamma_gamma_options;

/** Default Gamma-Gamma options, for static initialisation. */
#define CRVM_GAMMA_GAMMA_OPTIONS_INIT {500, 1e-8, 0.0, {0.0, 0.0, 0.0}}

/** Set @p options to the defaults (::CRVM_GAMMA_GAMMA_OPTIONS_INIT); NULL is ignored. */
CRVM_API void crvm_gamma_gamma_options_init(crvm_gamma_gamma_options *options);

/** A fitted Gamma-Gamma model: parameters, covariance and fit report. Opaque. */
typedef struct crvm_gamma_gamma_fit crvm_gamma_gamma_fit;

/**
 * Fit the Gamma-Gamma model by maximum likelihood (BFGS on the
 * log-parameters with the analytic gradient).
 *
 * @param frequency      repeat transactions x of each customer, finite and
 *                       > 0: repeat customers only (drop x = 0 first)
 * @param monetary_value their mean spend zbar, finite and > 0; same length
 * @param weights        optional finite weights >= 0, the number of customers
 *                       with each pattern (NULL with length 0 for all 1)
 * @param options        NULL for the defaults
 * @param out            receives the fitted model on ::CRVM_OK only; free it
 *                       with crvm_gamma_gamma_fit_free()
 * @param report         optional (may be NULL): filled whenever the optimiser
 *                       ran, on ::CRVM_OK and on ::CRVM_ECONVERGE
 * @return ::CRVM_OK;
 *         ::CRVM_EINVAL (NULL pointer, lengths differ, bad option, no
 *         customers or all weights 0, a frequency of 0 — a customer without
 *         repeat purchases —, negative or not finite, a monetary value <= 0 or
 *         not finite, a bad weight: the message names the row);
 *         ::CRVM_ECONVERGE (the optimiser did not converge, a parameter ran
 *         off to 0 or infinity, or the information matrix is singular; the
 *         message says which);
 *         ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_gamma_gamma_fit_columns(const double *frequency, size_t frequency_len,
                                                  const double *monetary_value,
                                                  size_t monetary_value_len,
                                                  const double *weights, size_t weights_len,
                                                  const crvm_gamma_gamma_options *options,
                                                  crvm_gamma_gamma_fit **out,
                                                  crvm_fit_report *report);

/** Free a fitted model; NULL is ignored. */
CRVM_API void crvm_gamma_gamma_fit_free(crvm_gamma_gamma_fit *fit);

/**
 * Maximum-likelihood estimates.
 * @return ::CRVM_OK; ::CRVM_EINVAL if an argument is NULL.
 */
CRVM_API crvm_status crvm_gamma_gamma_fit_params(const crvm_gamma_gamma_fit *fit,
                                                 crvm_gamma_gamma_params *out);

/**
 * Asymptotic standard errors of p, q and v: from the inverse Hessian of the
 * (weighted, penalised) negative log-likelihood in log-parameters, mapped to
 * the natural scale by the delta method.
 * @return ::CRVM_OK; ::CRVM_EINVAL if an argument is NULL.
 */
CRVM_API crvm_status crvm_gamma_gamma_fit_standard_errors(const crvm_gamma_gamma_fit *fit,
                                                          crvm_gamma_gamma_params *out);

/**
 * Covariance matrix of (p, q, v) on the natural scale, row-major 3*3.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, or @p out_len is not 9).
 */
CRVM_API crvm_status crvm_gamma_gamma_fit_covariance(const crvm_gamma_gamma_fit *fit,
                                                     double *out, size_t out_len);

/**
 * The fit report: log-likelihood (weighted, without the penalty), AIC, BIC
 * (n = total weight), iterations, gradient norm, convergence flag.
 * @return ::CRVM_OK; ::CRVM_EINVAL if an argument is NULL.
 */
CRVM_API crvm_status crvm_gamma_gamma_fit_report(const crvm_gamma_gamma_fit *fit,
                                                 crvm_fit_report *out);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_SPEND_H */
