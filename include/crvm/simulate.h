/**
 * @file crvm/simulate.h
 * @brief Deterministic simulator of a subscription business with support:
 *        crvm's built-in sample data and the known truth that tests recover.
 *
 * The generating model (every number below is a default of
 * ::crvm_sim_options and can be changed unless said to be fixed):
 *
 * - Customers: @c customers of them, segment drawn with probabilities
 *   SMB 0.60, mid-market 0.30, enterprise 0.10. Start dates are uniform over
 *   the first @c acquisition_months months (default 24) of the window that
 *   begins on @c window_start (default 2022-01-01) and lasts @c months
 *   (default 36).
 *   The day of month of a start is uniform on 1..28, so monthly anniversaries
 *   always exist. Month t of a customer (t = 0, 1, ...) is the days
 *   [start + t months, start + t + 1 months); its anniversary t + 1 ends it.
 * - Churn (the value model's retention model, crvm/retention_cov.h): each
 *   customer has theta ~ Beta(alpha_g, beta_g) of its segment g (SMB 0.9,
 *   5.0; mid-market 1.2, 12.0; enterprise 1.5, 30.0). It pays in month 0 and
 *   at each anniversary s = 1, 2, ... renews with probability
 *   (1 - theta)^(e_s), e_s = (s^c - (s-1)^c) exp(b'z_s) (@c c default 1),
 *   where z_s are the covariates of period s (month s - 1), exactly as the
 *   value layer defines them (crvm/value.h):
 *   contacts (contacts opened in the period), workaround, refused, abandoned
 *   (of which with that outcome), escalated (of which escalated), and
 *   silent_3_5, silent_6_plus: with silence the whole months
 *   (crvm_date_whole_periods()) from the customer's last touch before
 *   anniversary s (a contact it opened or a self-service view it made, on or
 *   before the day before the anniversary; its start date if none) to
 *   anniversary s, the indicators of 3..5 and of 6 or more. The true effects
 *   @c b (log hazard ratios) are contacts 0, workaround ln 1.25, refused ln 3,
 *   abandoned ln 2, escalated ln 1.2, silent_3_5 ln 1.3, silent_6_plus ln 1.8.
 *   With @c outcome_effects = 0 every effect is 0: the BdW, and with c = 1
 *   the sBG, S(t) = B(alpha, beta + t^c) / B(alpha, beta) (Fader & Hardie
 *   2007; Fader, Hardie, Liu, Davin & Steenburgh 2018). crvm_sim_truth_get()
 *   reports these parameters in the layout of crvm_retention_cov_new().
 *   @c churn = ::CRVM_SIM_CHURN_MULTIPLIER keeps the earlier form for
 *   robustness tests: churn with probability min(1, theta * m_s), m_s the
 *   product over the contacts of period s of @c outcome_factor of their
 *   outcome (resolved 1.0, workaround 1.25, refused 3.0, abandoned 2.0; 1
 *   with @c outcome_effects = 0). The end date of a churned customer is the
 *   anniversary it did not renew. Observation ends at the end of the window
 *   (right censoring).
 * - Revenue (fixed rules): monthly subscription of a customer price
 *   (lognormal, median @c price_median SMB 80, mid-market 900, enterprise
 *   7000, log-sd 0.35) on each anniversary paid; a support plan (stream
 *   support_plan, 15% of price) for 50% of mid-market and 90% of enterprise
 *   customers each month; maintenance (10% of 12 months' price) every 12
 *   months for enterprise; onboarding services in month 0 (mid-market 2x
 *   price, enterprise 1x price, SMB none), further services with probability
 *   0.02 per month (0.5x price); expansion with probability 0.01 per month
 *   (an event of 12 x the raise, the raise being 20% of the price, which
 *   raises the price from then on). All on the anniversary.
 * - Sourced revenue: a resolved contact closed before the end of its month
 *   sources, with probability @c source_probability (default 0.05), an
 *   expansion (as above; probability 1/2) or services event (0.5x price),
 *   dated on the contact's close, naming the contact (revenue.csv's
 *   source_contact).
 * - Support contacts: Poisson per month with rate @c contact_rate (SMB 0.15,
 *   mid-market 0.40, enterprise 1.20), opened on a uniform day of the month.
 *   Fixed: channel phone 0.35, email 0.35, chat 0.25, web 0.05; tier 1 0.70,
 *   2 0.25, 3 0.05; escalated with probability 0.10; handle minutes lognormal
 *   with median phone 12, email 8, chat 15, web 6 (log-sd 0.6), doubled when
 *   escalated. Attributes (contacts.csv columns agent, queue, product,
 *   reason): queue billing 0.20, technical 0.45, integrations 0.15, account
 *   0.20; agent uniform among the 10 agents of the queue (agent_01..10
 *   billing, 11..20 technical, 21..30 integrations, 31..40 account); product
 *   core 0.50, analytics 0.20, api 0.15, mobile 0.15 (independent); reason by
 *   queue: billing invoice 0.6 / refund 0.4, technical bug 0.5 / how_to 0.5,
 *   integrations feature_request 0.6 / bug 0.4, account access 0.5 /
 *   plan_change 0.5. Outcome: refused with probability
 *   @c queue_refusal[queue] (billing 0.04, technical 0.05, integrations 0.25,
 *   account 0.04) times the agent's factor 1 - s + 2 s k / 9 for the k-th
 *   agent (k = 0..9) of its queue (s = @c agent_spread, default 0.5: factors
 *   0.5..1.5, mean 1), else resolved, workaround, abandoned in the ratio
 *   0.75 : 0.12 : 0.05. So the refusals, and the value they cost, are
 *   concentrated in the integrations queue. Closed the same day (phone,
 *   chat) or after a geometric number of days (mean 1.5; email, web).
 *   Satisfaction (1-5) answered with probability 0.4; its mean is 4.40 for
 *   resolved, 3.51 workaround, 1.86 refused, 2.20 abandoned.
 * - Knowledge: max(20, customers / 50) articles created uniformly between
 *   12 months before the window and its end, authoring hours lognormal
 *   (median 2, log-sd 0.5), maintenance hours per month lognormal (median
 *   0.1, log-sd 0.5); popularity Zipf with exponent 1.1. A contact links
 *   articles (created no later than it was opened; 8 tries) with probability
 *   0.40 (one, or two with probability 0.25), each link also recorded as an
 *   assisted-reuse knowledge use on the opening date, resolved when the
 *   contact's outcome is resolved. A contact with a linked article takes
 *   @c article_saving (default 0.25) less handle time than it would have:
 *   the truth of crvm/economics.h's minutes_saved estimate is
 *   crvm_sim_truth.minutes_saved. Self-service views: Poisson
 *   @c self_service_rate (0.30) per customer-month, on a uniform day, of a
 *   Zipf-chosen article created by then (a view finding none is not
 *   recorded), resolved with probability 0.60.
 *
 * The output is the same for the same options (including @c seed): each
 * customer draws from its own xoshiro256** stream derived from the seed and
 * its index, so the first customers also do not change when more are
 * simulated. The draws go through the C library's log, exp, cos and pow, so
 * a different math library may change the last digits of a draw and, rarely,
 * a discrete outcome.
 *
 * The truth beyond the data: crvm_sim_truth_get() (parameters),
 * crvm_sim_customer_truth() (theta, lifetime), crvm_sim_customer_state()
 * (price and contract state at a date) and crvm_sim_continuation() (each
 * customer's future under the same process, by Monte Carlo).
 */
#ifndef CRVM_SIMULATE_H
#define CRVM_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/common.h"
#include "crvm/economics.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Number of customer segments the simulator generates. */
#define CRVM_SIM_SEGMENTS 3

/** Covariates of the churn model, in the order of crvm_sim_options.b: contacts,
 *  workaround, refused, abandoned, escalated, silent_3_5, silent_6_plus. */
#define CRVM_SIM_COVARIATES 7
/** Support queues of the simulated contacts: billing, technical, integrations, account. */
#define CRVM_SIM_QUEUES 4
/** Agents of the simulated contacts, 10 per queue. */
#define CRVM_SIM_AGENTS 40

/** How churn is generated. */
typedef enum crvm_sim_churn {
    CRVM_SIM_CHURN_HAZARD = 0,    /**< (1 - theta)^(e_s): the value model's retention model (default) */
    CRVM_SIM_CHURN_MULTIPLIER = 1 /**< min(1, theta * m_s): the earlier form, for robustness tests */
} crvm_sim_churn;

/** Settings of the simulator; see the file comment for the model. Fields are only ever appended. */
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
    crvm_sim_churn churn;      /**< churn form (default ::CRVM_SIM_CHURN_HAZARD) */
    double c;                  /**< BdW shape c of e_s, in (0, 10] (default 1: the sBG) */
    double b[CRVM_SIM_COVARIATES]; /**< log hazard ratio of each covariate, |b| <= 20 */
    double queue_refusal[CRVM_SIM_QUEUES]; /**< P(refused) in each queue for an agent of average
                                                propensity; x (1 + agent_spread) must be <= 1 */
    double agent_spread;       /**< agents' refusal factors span 1 -/+ this, in [0, 1) */
    double article_saving;     /**< share of handle time saved by a linked article, in [0, 1) */
    double source_probability; /**< P(a resolved contact closed within its month sources revenue), [0, 1] */
} crvm_sim_options;

/** Defaults: 1000 customers, seed 1, window 2022-01-01 + 36 months; b = (0, ln 1.25,
 *  ln 3, ln 2, ln 1.2, ln 1.3, ln 1.8). */
#define CRVM_SIM_OPTIONS_INIT                                                                   \
    {1000, 1, 18993, 36, 24, 1, {0.60, 0.30, 0.10}, {0.9, 1.2, 1.5}, {5.0, 12.0, 30.0},        \
     {80.0, 900.0, 7000.0}, {0.15, 0.40, 1.20}, {1.0, 1.25, 3.0, 2.0}, 0.30,                    \
     CRVM_SIM_CHURN_HAZARD, 1.0,                                                                 \
     {0.0, 0.22314355131420976, 1.0986122886681098, 0.69314718055994529, 0.18232155679395462,   \
      0.26236426446749106, 0.58778666490211901},                                                \
     {0.04, 0.05, 0.25, 0.04}, 0.5, 0.25, 0.05}

/** Fill @p options with the defaults of ::CRVM_SIM_OPTIONS_INIT. */
CRVM_API void crvm_sim_options_init(crvm_sim_options *options);

/** Name of churn covariate @p j ("contacts", "workaround", "refused", "abandoned",
 *  "escalated", "silent_3_5", "silent_6_plus"); static storage, NULL if out of range. */
CRVM_API const char *crvm_sim_covariate_name(int j);

/** Number of parameters of the churn truth: 2 per segment, c, and the covariates. */
#define CRVM_SIM_PARAMS (2 * CRVM_SIM_SEGMENTS + 1 + CRVM_SIM_COVARIATES)

/** The generating truth that does not depend on the draws (crvm_sim_truth_get()). */
typedef struct crvm_sim_truth {
    /** alpha_0, beta_0, alpha_1, beta_1, alpha_2, beta_2, c, b_0..b_6: the layout of
     *  crvm_retention_cov_new() with the segments as groups (0 SMB, 1 mid-market,
     *  2 enterprise) and the covariates of crvm_sim_covariate_name(); b is 0 with
     *  outcome_effects = 0. With ::CRVM_SIM_CHURN_MULTIPLIER churn is not of this form:
     *  c and b are NaN. */
    double params[CRVM_SIM_PARAMS];
    /** What crvm/economics.h's minutes_saved estimate converges to: the expected
     *  difference of mean handle minutes between contacts without and with a linked
     *  article in a channel x tier cell, weighted by linked contacts per cell:
     *  article_saving x sum over channels of P(channel) x E[minutes | channel], with
     *  E[minutes | channel] = median x exp(0.6^2 / 2) x 1.1 (escalation). */
    double minutes_saved;
    /** P(refused) of a contact handled by agent a (agent_01 is a = 0; queue a / 10). */
    double agent_refusal[CRVM_SIM_AGENTS];
    /** Expected share of contacts refused: sum over queues of P(queue) x queue_refusal. */
    double refusal_share;
} crvm_sim_truth;

/**
 * The generating truth of a set of options (closed forms of the options).
 * @param options NULL for the defaults.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL @p out, an option out of range).
 */
CRVM_API crvm_status crvm_sim_truth_get(const crvm_sim_options *options, crvm_sim_truth *out);

/** A simulated data set held in memory. */
typedef struct crvm_sim_data crvm_sim_data;

/**
 * Run the simulator and keep the result in memory (32 bytes per revenue
 * event or customer, 24 per knowledge use or article plus 8 per article,
 * 56 per contact, with up to 2x spare capacity from doubling growth; use
 * crvm_simulate_csv() from crvm/io.h to stream large sizes to files
 * instead). The data set keeps its options: crvm_sim_customer_state() and
 * crvm_sim_continuation() generate customers again from them.
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

/* ------------------------------------------- attributes and sources */

/** Contact attributes of the simulator, the extra columns of its contacts.csv. */
typedef enum crvm_sim_attribute {
    CRVM_SIM_AGENT = 0,   /**< agent_01 .. agent_40 */
    CRVM_SIM_QUEUE = 1,   /**< billing, technical, integrations, account */
    CRVM_SIM_PRODUCT = 2, /**< core, analytics, api, mobile */
    CRVM_SIM_REASON = 3   /**< invoice, refund, bug, how_to, feature_request, access, plan_change */
} crvm_sim_attribute;
/** Number of ::crvm_sim_attribute values. */
#define CRVM_SIM_ATTRIBUTES 4

/** Column name of an attribute ("agent", "queue", "product", "reason"); NULL if out of range. */
CRVM_API const char *crvm_sim_attribute_name(int attribute);

/** Text of value @p code of an attribute (the codes of crvm_sim_data_contact_attributes()),
 *  e.g. "agent_07", "integrations"; static storage, NULL if out of range. */
CRVM_API const char *crvm_sim_attribute_value(int attribute, int code);

/**
 * The attribute codes of every contact (row k is contact index k), each
 * array NULL with length 0 or of the contact count (crvm_sim_attribute_value()
 * names the codes).
 * @return ::CRVM_OK, or ::CRVM_EINVAL (NULL data, a NULL array with a nonzero
 *         length, a length that does not match); the arrays untouched on failure.
 */
CRVM_API crvm_status crvm_sim_data_contact_attributes(const crvm_sim_data *data, int32_t *agent,
                                                      size_t agent_len, int32_t *queue,
                                                      size_t queue_len, int32_t *product,
                                                      size_t product_len, int32_t *reason,
                                                      size_t reason_len);

/**
 * The contact that sourced each revenue event (revenue.csv's source_contact):
 * its contact row index, or -1, for every revenue event.
 * @return ::CRVM_OK, or ::CRVM_EINVAL (NULL data, a NULL array with a nonzero
 *         length, a length that does not match); the array untouched on failure.
 */
CRVM_API crvm_status crvm_sim_data_revenue_sources(const crvm_sim_data *data,
                                                   int64_t *source_contact,
                                                   size_t source_contact_len);

/* ------------------------------------------------- the truth at a date */

/**
 * Each customer's state on day @p date (days since 1970-01-01, inside the
 * window), as the generator had it once every event dated on or before
 * @p date had happened. Every array may be NULL with length 0, otherwise
 * its length is the number of customers.
 * @param active      1 if a customer on @p date (start <= date, not churned by it), else 0
 * @param renewals    renewals made by @p date: for a customer, the whole months from its start
 *                    to @p date; for a churned one, those it made before leaving (-1 if not started)
 * @param price       monthly subscription price in effect (after every raise dated by @p date)
 * @param support_plan 1 if it has a support plan
 * @param last_touch  its last touch (contact opened or self-service view recorded) on or before
 *                    @p date, its start if none (INT32_MIN if not started)
 * Cost: each customer's history is generated again up to @p date
 * (O(months x events per month) per customer); no memory is allocated.
 * @return ::CRVM_OK, or ::CRVM_EINVAL (NULL data, @p date outside the window,
 *         a NULL array with a nonzero length, a length that does not match).
 */
CRVM_API crvm_status crvm_sim_customer_state(const crvm_sim_data *data, int32_t date,
                                             int32_t *active, size_t active_len,
                                             int32_t *renewals, size_t renewals_len,
                                             double *price, size_t price_len,
                                             int32_t *support_plan, size_t support_plan_len,
                                             int32_t *last_touch, size_t last_touch_len);

/** Settings of crvm_sim_continuation(). Fields are only ever appended. */
typedef struct crvm_sim_continuation_options {
    int replications;     /**< independent futures per customer, 1..1000000 (default 100) */
    int horizon;          /**< H months for the retention column, 1..cap (default 12) */
    double discount_rate; /**< monthly discount rate d, in [0, 1) (default 0) */
    int cap;              /**< renewals counted, 1..12000 (default 1200) */
    uint64_t seed;        /**< seed of the futures' streams (default 1) */
    int threads;          /**< worker threads, 0..64; 0 or 1 = the calling thread (default 0).
                               The result is bit-identical for any value. */
} crvm_sim_continuation_options;

/** Default continuation options. */
#define CRVM_SIM_CONTINUATION_OPTIONS_INIT {100, 12, 0.0, 1200, 1, 0}

/** Fill @p options with ::CRVM_SIM_CONTINUATION_OPTIONS_INIT; NULL is ignored. */
CRVM_API void crvm_sim_continuation_options_init(crvm_sim_continuation_options *options);

/**
 * Columns of crvm_sim_continuation(), per customer; renewal k is the k-th
 * anniversary after the as-of date, and a sum over k discounts renewal k and
 * the cash of the month it opens by (1 + d)^-(k-1) (the next renewal
 * undiscounted), counting k = 1..cap.
 */
typedef enum crvm_sim_future_column {
    CRVM_SIM_FUT_ACTIVE = 0,           /**< 1 if a customer on the as-of date (else every column 0) */
    CRVM_SIM_FUT_RETAINED = 1,         /**< P(makes renewals 1..H) */
    CRVM_SIM_FUT_MONTHS = 2,           /**< expected renewals made */
    CRVM_SIM_FUT_DISCOUNTED_MONTHS = 3, /**< expected discounted renewals made (the DERL) */
    CRVM_SIM_FUT_DISCOUNTED_MONTHS_HELD = 4, /**< the same if renewals 1..H were certain */
    CRVM_SIM_FUT_REVENUE = 5,          /**< expected discounted revenue of the months paid */
    CRVM_SIM_FUT_GROSS_MARGIN = 6,     /**< the same as gross margin (the cost model's rates) */
    CRVM_SIM_FUT_SUPPORT_COST = 7,     /**< expected discounted cost of their contacts and
                                            self-service views (costed as crvm/economics.h) */
    CRVM_SIM_FUT_CONTRIBUTION_HELD = 8 /**< gross margin - support cost if renewals 1..H were
                                            certain (minus margin - cost: the value at risk) */
} crvm_sim_future_column;
/** Number of continuation columns. */
#define CRVM_SIM_FUT_COLUMNS 9

/** Snake-case name of a continuation column ("active", "retained", ...), NULL if out of range. */
CRVM_API const char *crvm_sim_future_column_name(int column);

/**
 * The known future of every customer active on @p as_of: @p replications
 * independent futures of each, simulated from its state on @p as_of (its
 * theta, price, plan, last touch, and the contacts of the current month so
 * far, which count for its next renewal) under the same process as the data
 * set, past the end of the window, and their Monte Carlo means. Everything
 * about a contact opened on or before @p as_of is history (its outcome, a
 * revenue event it sourced, a price raise); the rest of the current month and
 * the months after are drawn anew. The cash of the current month is not
 * counted (it was paid at its anniversary).
 *
 * Churn is Rao-Blackwellised: each future is a path of contacts, views and
 * revenue drawn as if the customer stayed (the path does not depend on theta),
 * and the columns weight month k of it by the probability of having made
 * renewals 1..k given the path, exp(sum of e_s ln(1 - theta)) (or the product
 * of 1 - min(1, theta m_s)): an unbiased estimate with less variance than a
 * drawn churn. A path stops at the cap or once that probability is below
 * 1e-16 (the rest adds less than 1e-16 per month to every column).
 *
 * Deterministic: future r of customer i draws from its own stream of
 * (data seed, @c seed, i, r), so the result is identical for any @c threads.
 * Cost per active customer: its history up to @p as_of, then at most
 * replications x cap months of O(1 + contacts + views) each; no memory is
 * allocated.
 *
 * @param as_of   a day inside the window
 * @param options NULL for the defaults
 * @param costs   NULL for crvm_cost_model_init_defaults(); checked as
 *                crvm_cost_model_validate() (the estimated fields are not used)
 * @param mean    customers x ::CRVM_SIM_FUT_COLUMNS row-major (customer order)
 * @param se      NULL with length 0, or the same shape: the Monte Carlo standard error
 *                of each mean (0 for ::CRVM_SIM_FUT_ACTIVE and with one replication)
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL data or mean, @p as_of outside the
 *         window, an option out of range, an invalid cost model, a length that
 *         does not match; outputs untouched).
 */
CRVM_API crvm_status crvm_sim_continuation(const crvm_sim_data *data, int32_t as_of,
                                           const crvm_sim_continuation_options *options,
                                           const crvm_cost_model *costs, double *mean,
                                           size_t mean_len, double *se, size_t se_len);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_SIMULATE_H */
