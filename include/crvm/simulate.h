/**
 * @file crvm/simulate.h
 * @brief Deterministic simulator of a subscription business with support:
 *        crvm's built-in sample data and the known truth that tests recover.
 *
 * The generating model (every number below is a default of
 * ::crvm_sim_options and can be changed):
 *
 * - Customers: @c customers of them, segment drawn with probabilities
 *   SMB 0.60, mid-market 0.30, enterprise 0.10. Start dates are uniform over
 *   the first @c acquisition_months months of the window that begins on
 *   @c window_start (default 2022-01-01) and lasts @c months (default 36).
 *   The day of month of a start is uniform on 1..28, so monthly anniversaries
 *   always exist.
 * - Subscription and churn (shifted-beta-geometric, Fader & Hardie 2007):
 *   each customer has a churn probability theta ~ Beta(alpha, beta) of its
 *   segment (SMB 0.9, 5.0; mid-market 1.2, 12.0; enterprise 1.5, 30.0). The
 *   customer pays in month 0 (the start date) and at each monthly
 *   anniversary t = 1, 2, ... renews unless it churns, with probability
 *   min(1, theta * m_t). The multiplier m_t is the product, over the support
 *   contacts opened in the month before anniversary t, of the factor of their
 *   outcome: resolved 1.0, workaround 1.25, refused 3.0, abandoned 2.0 — the
 *   "outcome raises churn hazard" truth. With @c outcome_effects = 0 every
 *   m_t = 1 and lifetimes are exactly sBG: S(t) = B(alpha, beta + t) / B(alpha, beta).
 *   Observation ends at the end of the window (right censoring).
 * - Revenue: monthly subscription of a customer price (lognormal, median
 *   SMB 80, mid-market 900, enterprise 7000, log-sd 0.35); a support plan
 *   (stream support_plan, 15% of price) for 50% of mid-market and 90% of
 *   enterprise customers each month; maintenance (stream maintenance, 10%
 *   of 12 months' price) yearly for enterprise; onboarding services in
 *   month 0 (mid-market 2x price, enterprise 1x price, SMB none), further
 *   services with probability 0.02 per month (0.5x price); expansion with
 *   probability 0.01 per month, which also raises the price by 20%
 *   (the expansion event amount is the price increase times 12).
 * - Support contacts: Poisson per month alive with rate SMB 0.15,
 *   mid-market 0.40, enterprise 1.20. Channel phone 0.35, email 0.35,
 *   chat 0.25, web 0.05; tier 1 0.70, 2 0.25, 3 0.05; escalated with
 *   probability 0.10. Handle minutes lognormal with median phone 12,
 *   email 8, chat 15, web 6 (log-sd 0.6), doubled when escalated. Outcome
 *   resolved 0.75, workaround 0.12, refused 0.08, abandoned 0.05.
 *   Closed the same day (phone, chat) or after a geometric number of days
 *   (mean 1.5; email, web). Satisfaction (1-5) answered with probability 0.4;
 *   its mean is 4.40 for resolved, 3.51 workaround, 1.86 refused, 2.20 abandoned.
 * - Knowledge: max(20, customers / 50) articles created uniformly between
 *   12 months before the window and its end, authoring hours lognormal
 *   (median 2, log-sd 0.5), maintenance hours per month lognormal (median
 *   0.1, log-sd 0.5); popularity Zipf with exponent 1.1. A contact links
 *   articles (created no later than it was opened) with probability 0.40
 *   (one, or two with probability 0.25), each link also recorded as an
 *   assisted-reuse knowledge use on the opening date, resolved when the
 *   contact's outcome is resolved. Self-service views: Poisson 0.30 per
 *   customer-month alive, resolved with probability 0.60.
 *
 * The output is the same for the same options (including @c seed): each
 * customer draws from its own xoshiro256** stream derived from the seed and
 * its index, so the first customers also do not change when more are
 * simulated. The draws go through the C library's log, exp, cos and pow, so
 * a different math library may change the last digits of a draw and, rarely,
 * a discrete outcome.
 */
#ifndef CRVM_SIMULATE_H
#define CRVM_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Number of customer segments the simulator generates. */
#define CRVM_SIM_SEGMENTS 3

/** Settings of the simulator; see the file comment for the model. */
typedef struct crvm_sim_options {
    size_t customers;          /**< number of customers (>= 1) */
    uint64_t seed;             /**< random seed */
    int32_t window_start;      /**< first day of the window, days since 1970-01-01 */
    int months;                /**< window length in months (1..600) */
    int acquisition_months;    /**< starts uniform over this many first months (1..months) */
    int outcome_effects;       /**< 1: contact outcomes raise churn; 0: pure sBG */
    double segment_share[CRVM_SIM_SEGMENTS];  /**< SMB, mid-market, enterprise (sum 1) */
    double alpha[CRVM_SIM_SEGMENTS];          /**< sBG alpha per segment (> 0) */
    double beta[CRVM_SIM_SEGMENTS];           /**< sBG beta per segment (> 0) */
    double price_median[CRVM_SIM_SEGMENTS];   /**< monthly price median per segment (> 0) */
    double contact_rate[CRVM_SIM_SEGMENTS];   /**< contacts per month alive (>= 0) */
    double outcome_factor[4];  /**< churn multiplier: resolved, workaround, refused, abandoned (> 0) */
    double self_service_rate;  /**< self-service views per customer-month alive (>= 0) */
} crvm_sim_options;

/** Defaults: 1000 customers, seed 1, window 2022-01-01 + 36 months. */
#define CRVM_SIM_OPTIONS_INIT                                                                   \
    {1000, 1, 18993, 36, 24, 1, {0.60, 0.30, 0.10}, {0.9, 1.2, 1.5}, {5.0, 12.0, 30.0},        \
     {80.0, 900.0, 7000.0}, {0.15, 0.40, 1.20}, {1.0, 1.25, 3.0, 2.0}, 0.30}

/** Fill @p options with the defaults of ::CRVM_SIM_OPTIONS_INIT. */
CRVM_API void crvm_sim_options_init(crvm_sim_options *options);

/** A simulated data set held in memory. */
typedef struct crvm_sim_data crvm_sim_data;

/**
 * Run the simulator and keep the result in memory (24 bytes per revenue
 * event or knowledge use, 48 per contact, 32 per customer, with up to 2x
 * spare capacity from doubling growth; use crvm_simulate_csv() from
 * crvm/io.h to stream large sizes to files instead).
 * @param options NULL for the defaults.
 * @param out     receives a new data set; free with crvm_sim_data_free().
 * @return ::CRVM_OK, ::CRVM_EINVAL (an option out of range, named in the
 *         message), ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_simulate(const crvm_sim_options *options, crvm_sim_data **out);

/** Free a data set (NULL is accepted). */
CRVM_API void crvm_sim_data_free(crvm_sim_data *data);

/** Row counts and totals of a simulated data set (what its CSV files hold). */
typedef struct crvm_sim_summary {
    size_t customers;          /**< rows of customers.csv */
    size_t revenue_events;     /**< rows of revenue.csv */
    size_t contacts;           /**< rows of contacts.csv */
    size_t articles;           /**< rows of articles.csv */
    size_t knowledge_uses;     /**< rows of knowledge_uses.csv */
    size_t contact_article_links; /**< article ids listed in contacts.csv */
    double revenue_total;      /**< sum of revenue amounts (as written, cents) */
    double handle_minutes_total; /**< sum of handle minutes (as written, 0.1 min) */
    size_t churned;            /**< customers that churned within the window */
    size_t outcome_count[4];   /**< contacts by outcome: resolved, workaround, refused, abandoned */
} crvm_sim_summary;

/** Counts and totals of @p data. @return ::CRVM_OK or ::CRVM_EINVAL (NULL). */
CRVM_API crvm_status crvm_sim_data_summary(const crvm_sim_data *data, crvm_sim_summary *out);

/**
 * The generating truth of each customer, in customer order (the order of
 * customers.csv). Each array may be NULL (with length 0) when not wanted;
 * otherwise its length must equal the number of customers.
 * @param segment   0 SMB, 1 mid-market, 2 enterprise
 * @param theta     the customer's baseline monthly churn probability
 * @param lifetime  months paid within the window (>= 1)
 * @param churned   1 if the customer churned inside the window, 0 if censored
 * @return ::CRVM_OK or ::CRVM_EINVAL (a length that does not match).
 */
CRVM_API crvm_status crvm_sim_customer_truth(const crvm_sim_data *data, int32_t *segment,
                                             size_t segment_len, double *theta, size_t theta_len,
                                             int32_t *lifetime, size_t lifetime_len, int32_t *churned,
                                             size_t churned_len);

/*
 * The tables of a data set, copied column by column into caller arrays: the
 * rows of the CSV files (crvm_sim_write_csv() in crvm/io.h), in the same
 * order, with ids given as row indices and categories as codes. Numbers are
 * the values the files hold, read back: the double nearest the written
 * decimal (amounts to the cent, handle minutes to 0.1, hours to 0.01).
 *
 * Each array is followed by its length; any array may be NULL with length 0
 * when not wanted, otherwise its length must equal the row count of the
 * table (crvm_sim_data_summary(): customers, revenue_events, contacts,
 * contact_article_links, articles, knowledge_uses). Each call returns
 * ::CRVM_OK, or ::CRVM_EINVAL (NULL data, a NULL array with a nonzero
 * length, or a length that does not match, named in the message) with the
 * arrays untouched. None allocates.
 */

/**
 * Customers (row i is customer index i, id crvm_sim_data_ids() entry i).
 * @param segment 0 SMB, 1 mid-market, 2 enterprise
 * @param start   start date, days since 1970-01-01
 * @param end     churn date, or INT32_MIN for a customer still active at
 *                the end of the window (an empty end_date)
 * @return ::CRVM_OK, or ::CRVM_EINVAL (NULL data, a NULL array with a nonzero
 *         length, a length that does not match); the arrays untouched on failure.
 */
CRVM_API crvm_status crvm_sim_data_customers(const crvm_sim_data *data, int32_t *segment,
                                             size_t segment_len, int32_t *start, size_t start_len,
                                             int32_t *end, size_t end_len);

/**
 * Revenue events.
 * @param customer customer row index
 * @param date     days since 1970-01-01
 * @param amount   currency units (a whole number of cents)
 * @param stream   crvm_stream code of crvm/ledger.h: 0 subscription,
 *                 1 maintenance, 2 support plan, 3 services, 4 expansion
 * @return ::CRVM_OK, or ::CRVM_EINVAL (NULL data, a NULL array with a nonzero
 *         length, a length that does not match); the arrays untouched on failure.
 */
CRVM_API crvm_status crvm_sim_data_revenue(const crvm_sim_data *data, int32_t *customer,
                                           size_t customer_len, int32_t *date, size_t date_len,
                                           double *amount, size_t amount_len, int32_t *stream,
                                           size_t stream_len);

/**
 * Support contacts (row k is contact index k).
 * @param customer       customer row index
 * @param opened, closed days since 1970-01-01 (every simulated contact is closed)
 * @param channel        crvm_channel code: 0 phone, 1 email, 2 chat, 3 web
 * @param handle_minutes minutes, to 0.1
 * @param tier           1..3
 * @param escalated      0 or 1
 * @param outcome        crvm_outcome code: 0 resolved, 1 workaround, 2 refused, 3 abandoned
 * @param satisfaction   1..5, NaN when not answered
 * @return ::CRVM_OK, or ::CRVM_EINVAL (NULL data, a NULL array with a nonzero
 *         length, a length that does not match); the arrays untouched on failure.
 */
CRVM_API crvm_status crvm_sim_data_contacts(const crvm_sim_data *data, int32_t *customer,
                                            size_t customer_len, int32_t *opened, size_t opened_len,
                                            int32_t *closed, size_t closed_len, int32_t *channel,
                                            size_t channel_len, double *handle_minutes,
                                            size_t handle_minutes_len, int32_t *tier,
                                            size_t tier_len, int32_t *escalated,
                                            size_t escalated_len, int32_t *outcome,
                                            size_t outcome_len, double *satisfaction,
                                            size_t satisfaction_len);

/**
 * Contact-article links (the articles column of contacts.csv, one row per
 * listed article, in contact order and then in the order listed).
 * @param contact contact row index
 * @param article article row index
 * @return ::CRVM_OK, or ::CRVM_EINVAL (NULL data, a NULL array with a nonzero
 *         length, a length that does not match); the arrays untouched on failure.
 */
CRVM_API crvm_status crvm_sim_data_contact_articles(const crvm_sim_data *data, int64_t *contact,
                                                    size_t contact_len, int32_t *article,
                                                    size_t article_len);

/**
 * Knowledge articles (row a is article index a).
 * @param created           days since 1970-01-01
 * @param authoring_hours   hours, to 0.01
 * @param maintenance_hours hours per month, to 0.01
 * @return ::CRVM_OK, or ::CRVM_EINVAL (NULL data, a NULL array with a nonzero
 *         length, a length that does not match); the arrays untouched on failure.
 */
CRVM_API crvm_status crvm_sim_data_articles(const crvm_sim_data *data, int32_t *created,
                                            size_t created_len, double *authoring_hours,
                                            size_t authoring_hours_len, double *maintenance_hours,
                                            size_t maintenance_hours_len);

/**
 * Knowledge uses.
 * @param article  article row index
 * @param date     days since 1970-01-01
 * @param kind     crvm_use_kind code: 0 assisted reuse, 1 self-service view
 * @param resolved 0 or 1
 * @param contact  contact row index of an assisted use, -1 for a view
 * @param customer customer row index
 * @return ::CRVM_OK, or ::CRVM_EINVAL (NULL data, a NULL array with a nonzero
 *         length, a length that does not match); the arrays untouched on failure.
 */
CRVM_API crvm_status crvm_sim_data_knowledge_uses(const crvm_sim_data *data, int32_t *article,
                                                  size_t article_len, int32_t *date,
                                                  size_t date_len, int32_t *kind, size_t kind_len,
                                                  int32_t *resolved, size_t resolved_len,
                                                  int64_t *contact, size_t contact_len,
                                                  int32_t *customer, size_t customer_len);

/** The id spaces of a simulated data set, for crvm_sim_data_ids(). */
typedef enum crvm_sim_id_space {
    CRVM_SIM_CUSTOMER_IDS = 0, /**< "C" and the row index + 1 in 7 digits: C0000001, ... */
    CRVM_SIM_CONTACT_IDS = 1,  /**< "T" and 9 digits: T000000001, ... */
    CRVM_SIM_ARTICLE_IDS = 2   /**< "A" and 6 digits: A000001, ... */
} crvm_sim_id_space;

/**
 * Bytes crvm_sim_data_ids() writes for an id space: the length of every id
 * plus one terminator each.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL argument, @p space out of range).
 */
CRVM_API crvm_status crvm_sim_data_ids_size(const crvm_sim_data *data, crvm_sim_id_space space,
                                            size_t *size);

/**
 * The ids of every row of an id space, as written in the CSV files, back to
 * back in row order, each followed by a NUL byte.
 * @param text     receives exactly crvm_sim_data_ids_size() bytes
 * @param text_len must equal crvm_sim_data_ids_size()
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL argument, @p space out of range,
 *         @p text_len different from the size; @p text untouched).
 */
CRVM_API crvm_status crvm_sim_data_ids(const crvm_sim_data *data, crvm_sim_id_space space,
                                       char *text, size_t text_len);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_SIMULATE_H */
