/**
 * @file crvm/clv.h
 * @brief Customer lifetime value of non-contractual customers: a transaction
 *        model (crvm/transactions.h) for how many purchases to expect, a spend
 *        model (crvm/spend.h) for how much each is worth, discounted monthly.
 *
 * The definition is lifetimes' GammaGammaFitter.customer_lifetime_value, so
 * that numbers can be compared: with k time units per month, d the monthly
 * discount rate and E[X(T, T + t) | x, t_x, T] the model's conditional
 * expected purchases in the next t time units,
 *
 *   CLV = margin * S * sum_{i=1..H} (E[X(T, T + i k)] - E[X(T, T + (i-1) k)]) / (1 + d)^i
 *
 * where S is the expected spend per transaction (Gamma-Gamma E[M | x, zbar],
 * or any value the caller supplies) and H the horizon in months. Each month's
 * expected purchases are discounted at the end of that month.
 */
#ifndef CRVM_CLV_H
#define CRVM_CLV_H

#include <stddef.h>

#include "crvm/common.h"
#include "crvm/spend.h"
#include "crvm/transactions.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest CLV horizon accepted, in months (a century): the work and the
 *  buffers grow with the horizon (one expectation per customer and month). */
#define CRVM_CLV_MAX_HORIZON_MONTHS 1200

/** Settings of a CLV computation. Fields are only ever appended. */
typedef struct crvm_clv_options {
    /** Horizon H in months, 0 <= H <= ::CRVM_CLV_MAX_HORIZON_MONTHS (default 12). */
    int horizon_months;
    /** Discount rate d per month, finite and > -1 (default 0.01). */
    double discount_rate;
    /** Time units k per month, finite and > 0 (default 30: times in days).
     *  lifetimes uses 30 for days, 4.345 for weeks, 1 for months and 720 for
     *  hours. For BG/BB (time in opportunities) i k must be whole numbers. */
    double units_per_month;
    /** Margin applied to spend, finite (default 1: revenue). */
    double margin;
} crvm_clv_options;

/** Default CLV options, for static initialisation. */
#define CRVM_CLV_OPTIONS_INIT {12, 0.01, 30.0, 1.0}

/** Set @p options to the defaults (::CRVM_CLV_OPTIONS_INIT); NULL is ignored. */
CRVM_API void crvm_clv_options_init(crvm_clv_options *options);

/**
 * CLV of each customer with spend from a Gamma-Gamma model:
 * S = E[M | x = frequency, zbar = monetary_value] (crvm_gamma_gamma_expected_spend()).
 * @param transactions parameters of the transaction model
 * @param spend        Gamma-Gamma parameters (q > 1)
 * @param frequency, recency, T  the customers' summary (crvm/transactions.h)
 * @param monetary_value  mean spend of the repeat purchases, >= 0
 * @param options      NULL for the defaults
 * @param out          receives @p out_len = @p frequency_len values
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL pointer, lengths differ, bad option,
 *         a bad row: the message names it); ::CRVM_EDOMAIN (parameters, q <= 1);
 *         ::CRVM_ENOMEM. On failure @p out is untouched.
 */
CRVM_API crvm_status crvm_clv(const crvm_txn_params *transactions,
                              const crvm_gamma_gamma_params *spend,
                              const double *frequency, size_t frequency_len,
                              const double *recency, size_t recency_len,
                              const double *T, size_t T_len,
                              const double *monetary_value, size_t monetary_value_len,
                              const crvm_clv_options *options,
                              double *out, size_t out_len);

/**
 * CLV of each customer with a spend per transaction given by the caller
 * (any spend model, or a flat value per customer).
 * @param spend_per_transaction S for each customer, finite
 * @return as crvm_clv().
 */
CRVM_API crvm_status crvm_clv_with_spend(const crvm_txn_params *transactions,
                                         const double *frequency, size_t frequency_len,
                                         const double *recency, size_t recency_len,
                                         const double *T, size_t T_len,
                                         const double *spend_per_transaction,
                                         size_t spend_per_transaction_len,
                                         const crvm_clv_options *options,
                                         double *out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_CLV_H */
