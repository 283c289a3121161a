/**
 * @file crvm/rfm.h
 * @brief Per-customer RFM summaries (frequency, recency, age T, monetary
 *        value) built from a transaction log, with an optional
 *        calibration/holdout split: the input of the non-contractual models
 *        (BG/NBD, Pareto/NBD, Gamma-Gamma).
 *
 * A transaction log is three columns of equal length: the customer's index
 * (0 .. n_customers - 1; map arbitrary ids with crvm_rfm_index_customers()),
 * the time of the transaction as a double in the caller's unit (e.g. days
 * since 1970-01-01, fractions for the time of day), and optionally the amount.
 * Rows may come in any order.
 *
 * Definitions (those of lifetimes' summary_data_from_transaction_data and
 * calibration_and_holdout_data, so that numbers can be compared):
 *
 * - Time is cut into periods of width crvm_rfm_options::period starting at
 *   crvm_rfm_options::origin: the period of time t is
 *   floor((t - origin) / period). All transactions of a customer in one
 *   period count as one purchase whose amount is their sum. (With
 *   ::CRVM_RFM_CONTINUOUS, time is not cut: only transactions at exactly the
 *   same time are merged, and durations are exact differences of time.)
 * - A customer's first purchase is the first period in which they bought
 *   (within the calibration period, when there is one).
 * - frequency x: the number of purchases after the first (repeat purchases);
 *   with include_first, the number of purchases.
 * - recency t_x: last purchase period minus first purchase period; T: the
 *   period of the end (calibration_end, or else observation_end) minus the
 *   first purchase period. Both are counts of periods divided by unit/period,
 *   i.e. expressed in multiples of crvm_rfm_options::unit.
 * - monetary value: the mean amount of the repeat purchases (per-period sums,
 *   first purchase excluded), 0 when x = 0; with include_first, the mean over
 *   all purchases.
 * - Holdout (when calibration_end is set): transactions with
 *   calibration_end < t <= observation_end. frequency_holdout is the number
 *   of distinct holdout periods of the customer; monetary_value_holdout is
 *   the mean amount of the customer's individual holdout transactions (not of
 *   per-period sums: this is what lifetimes computes), 0 without any; the
 *   holdout duration is period(observation_end) - period(calibration_end) in
 *   units, reported in crvm_rfm_info::duration_holdout.
 * - The calibration period holds the transactions with t <= calibration_end
 *   (t <= observation_end without a split). A customer whose transactions all
 *   fall in the holdout has no calibration summary: their frequency, recency,
 *   T and monetary value are 0, and n_transactions (if requested) is 0, which
 *   is how a caller drops them as lifetimes does.
 * - Transactions after observation_end are an error by default; with
 *   ::CRVM_RFM_LATE_EXCLUDE they are left out and counted in
 *   crvm_rfm_info::n_excluded.
 *
 * Cost: O(n) time and O(n_customers) extra memory when each customer's
 * transactions appear in time order (any interleaving of customers, e.g. a
 * log sorted by time or by customer and time). Otherwise the periods are
 * additionally bucketed by customer and sorted: O(n log n) time and O(n)
 * extra memory.
 */
#ifndef CRVM_RFM_H
#define CRVM_RFM_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How transaction times are turned into purchase occasions. */
typedef enum crvm_rfm_time_mode {
    /** Cut time into periods of width crvm_rfm_options::period (lifetimes' freq). */
    CRVM_RFM_PERIODS = 0,
    /** Keep exact times; merge only transactions at the same instant. */
    CRVM_RFM_CONTINUOUS = 1
} crvm_rfm_time_mode;

/** What to do with transactions after the observation end. */
typedef enum crvm_rfm_late_policy {
    CRVM_RFM_LATE_ERROR = 0,  /**< fail with ::CRVM_EINVAL naming the first such row */
    CRVM_RFM_LATE_EXCLUDE = 1 /**< leave them out and count them in crvm_rfm_info::n_excluded */
} crvm_rfm_late_policy;

/** Settings of an RFM summary. Fields are only ever appended. */
typedef struct crvm_rfm_options {
    /** Width of a period in the caller's time unit, finite and > 0 (default 1:
     *  with times in days, one purchase per customer per day). */
    double period;
    /** A time at which a period starts (default 0). For calendar weeks
     *  Monday..Sunday with times in days since 1970-01-01 (a Thursday), use 4. */
    double origin;
    /** Unit of recency, T and the holdout duration in the caller's time unit,
     *  finite and > 0; 0 (the default) means one period. lifetimes'
     *  freq_multiplier m corresponds to unit = m * period. */
    double unit;
    /** Non-zero: observation_end below is the end of the observation period.
     *  Zero (default): the end is the latest transaction time. */
    int has_observation_end;
    /** End of observation, in the caller's time unit, inclusive. */
    double observation_end;
    /** Non-zero: split at calibration_end into calibration and holdout. */
    int has_calibration_end;
    /** End of the calibration period, inclusive; must be <= observation_end. */
    double calibration_end;
    /** Non-zero: frequency and monetary value include the first purchase
     *  (lifetimes' include_first_transaction). Default 0. */
    int include_first;
    /** Periods (default) or continuous time. */
    crvm_rfm_time_mode time_mode;
    /** Transactions after observation_end: error (default) or exclude. */
    crvm_rfm_late_policy late;
} crvm_rfm_options;

/** Default RFM options, for static initialisation. */
#define CRVM_RFM_OPTIONS_INIT \
    {1.0, 0.0, 0.0, 0, 0.0, 0, 0.0, 0, CRVM_RFM_PERIODS, CRVM_RFM_LATE_ERROR}

/** Set @p options to the defaults (::CRVM_RFM_OPTIONS_INIT); NULL is ignored. */
CRVM_API void crvm_rfm_options_init(crvm_rfm_options *options);

/**
 * Caller-owned output columns, one element per customer. Every column may be
 * NULL (not computed); every non-NULL column has @c length elements, which
 * is the number of customers.
 */
typedef struct crvm_rfm_columns {
    size_t length;                  /**< number of customers n_customers */
    double *frequency;              /**< repeat purchases x (calibration period) */
    double *recency;                /**< t_x, in units */
    double *T;                      /**< age at the end of calibration/observation, in units */
    double *monetary_value;         /**< mean repeat-purchase amount; needs amounts */
    double *frequency_holdout;      /**< distinct holdout periods; needs calibration_end */
    double *monetary_value_holdout; /**< mean holdout transaction amount; needs both */
    int64_t *n_transactions;        /**< calibration transactions (rows), 0 if none */
} crvm_rfm_columns;

/** Counts and settings reported by crvm_rfm_summary(). */
typedef struct crvm_rfm_info {
    size_t n_calibration;       /**< transactions in the calibration period */
    size_t n_holdout;           /**< transactions in the holdout period */
    size_t n_excluded;          /**< transactions after observation_end, left out */
    size_t n_customers_present; /**< customers with at least one calibration transaction */
    double observation_end;     /**< observation end used (given, or the latest time) */
    double duration_holdout;    /**< holdout length in units; 0 without calibration_end */
    int sorted;                 /**< 1 if no customer's transactions were out of time order */
} crvm_rfm_info;

/**
 * Summarise a transaction log per customer (see the file description for
 * the definitions).
 *
 * @param customer  customer index of each transaction, in [0, out->length)
 * @param time      time of each transaction, finite; @p time_len = @p customer_len
 * @param amount    amount of each transaction, finite and >= 0; may be NULL
 *                  (length 0) unless a monetary column is requested
 * @param options   NULL for the defaults
 * @param out       columns to fill (written only on success)
 * @param info      optional (may be NULL): counts, end used, holdout duration
 * @return ::CRVM_OK;
 *         ::CRVM_EINVAL: a NULL pointer, lengths that differ, a customer index
 *         out of range, a non-finite time, a negative or non-finite amount (the
 *         message names the row), a bad option, calibration_end after
 *         observation_end, a monetary column without amounts, a holdout column
 *         without calibration_end, or a transaction after observation_end
 *         under ::CRVM_RFM_LATE_ERROR (the message names the first and gives the count);
 *         ::CRVM_ENOMEM. On failure nothing is written.
 */
CRVM_API crvm_status crvm_rfm_summary(const int64_t *customer, size_t customer_len,
                                      const double *time, size_t time_len,
                                      const double *amount, size_t amount_len,
                                      const crvm_rfm_options *options,
                                      const crvm_rfm_columns *out, crvm_rfm_info *info);

/**
 * crvm_rfm_summary() with each output column passed as its own array and
 * length instead of a ::crvm_rfm_columns struct (the form that language
 * bindings wrap directly).
 *
 * @p frequency_len is the number of customers n_customers and @p frequency
 * receives the repeat purchases (it may be NULL only when @p frequency_len
 * is 0). Every other column is either not computed (length 0; the pointer is
 * then ignored) or has exactly @p frequency_len elements. The other
 * parameters are those of crvm_rfm_summary().
 *
 * @return as crvm_rfm_summary(), plus ::CRVM_EINVAL when a column's length is
 *         neither 0 nor @p frequency_len (the message names the column).
 *         On failure nothing is written.
 */
CRVM_API crvm_status crvm_rfm_summary_arrays(const int64_t *customer, size_t customer_len,
                                             const double *time, size_t time_len,
                                             const double *amount, size_t amount_len,
                                             const crvm_rfm_options *options,
                                             double *frequency, size_t frequency_len,
                                             double *recency, size_t recency_len,
                                             double *T, size_t T_len,
                                             double *monetary_value, size_t monetary_value_len,
                                             double *frequency_holdout,
                                             size_t frequency_holdout_len,
                                             double *monetary_value_holdout,
                                             size_t monetary_value_holdout_len,
                                             int64_t *n_transactions, size_t n_transactions_len,
                                             crvm_rfm_info *info);

/**
 * Map arbitrary int64 customer ids to dense indices 0 .. k-1, numbered in
 * order of first appearance (expected O(n) time, O(k) extra memory).
 *
 * @param id         @p id_len customer ids
 * @param index      receives the index of each row; @p index_len = @p id_len
 * @param unique_ids receives the k distinct ids in index order; its length
 *                   @p unique_ids_len must be at least k (@p id_len always suffices)
 * @param n_unique   receives k
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL pointer, lengths differ,
 *         @p unique_ids_len too small: nothing written); ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_rfm_index_customers(const int64_t *id, size_t id_len,
                                              int64_t *index, size_t index_len,
                                              int64_t *unique_ids, size_t unique_ids_len,
                                              size_t *n_unique);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_RFM_H */
