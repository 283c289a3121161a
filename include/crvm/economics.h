/**
 * @file crvm/economics.h
 * @brief The cost model (activity-based costing) and the economics it gives a
 *        ledger: revenue, gross margin, cost to serve and contribution margin
 *        per customer and segment, and the value of each knowledge article.
 *
 * Costing of one support contact (all amounts in currency units):
 *
 *     labour     = handle_minutes / 60 * hourly_rate[tier - 1]
 *     channel    = channel_cost[channel]
 *     escalation = escalated ? escalation_cost : 0
 *     overhead   = overhead_per_contact + overhead_per_minute * handle_minutes
 *
 * each rounded to whole cents (half away from zero) per contact, so that every
 * roll-up is an exact sum of cents. The cost model's rates need only be
 * finite, so every costed amount and every sum is checked: a figure that
 * passes 2^53 cents (about 9.007e13 currency units), where sums of cents are
 * no longer exact, fails the call with ::CRVM_EDOMAIN naming the contact,
 * customer, segment or article and the column (the ledger bounds its own
 * inputs the same way, crvm/ledger.h "Money"). A self-service view attributed to a
 * customer costs self_service_cost. Cost to serve = the sum of the four
 * contact components plus self-service sessions; gross margin = sum over
 * streams of round(revenue of the stream * gross_margin_rate[stream]) per
 * customer; contribution margin = gross margin - cost to serve.
 *
 * Knowledge value of an article as of a date (DESIGN.md section 2):
 *
 *     labour saving     = sum over its assisted uses of
 *                         minutes_saved / 60 * hourly_rate[tier of the contact - 1]
 *     deflection saving = resolved self-service views * deflection_probability
 *                         * avoided_contact_cost
 *     cost              = (authoring_hours + maintenance_hours per month
 *                         * months since creation) * knowledge_hourly_rate
 *     value             = labour saving + deflection saving - cost
 *     ROI               = value / cost (0 when cost is 0)
 *     payback           = days from creation to the first use date on which the
 *                         cumulative saving reaches the cost accrued by then
 *
 * minutes_saved is estimated from the data unless set: contacts opened by the
 * date are matched exactly on channel x tier; in each cell with contacts both
 * with and without a linked article, the difference of mean handle minutes
 * (without - with) is taken; the estimate is the average of those differences
 * weighted by the number of linked contacts in each cell (the effect on the
 * treated). It may be negative: the data then say articles slow agents down.
 * avoided_contact_cost, unless set, is the mean costed contact (labour +
 * channel + escalation + overhead) over the contacts opened by the date.
 */
#ifndef CRVM_ECONOMICS_H
#define CRVM_ECONOMICS_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/common.h"
#include "crvm/ledger.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The cost model: a plain struct, every field settable. Start from
 * crvm_cost_model_init_defaults(); the defaults and their sources are listed
 * there and by crvm_cost_model_assumption(). Money in currency units (the
 * defaults are US dollars), rates per hour, probabilities in [0, 1].
 */
typedef struct crvm_cost_model {
    double hourly_rate[CRVM_TIER_COUNT];   /**< fully loaded agent cost per hour, tier 1..3 */
    double channel_cost[CRVM_CHANNEL_COUNT]; /**< fixed non-labour cost per contact, by channel */
    double escalation_cost;      /**< extra cost per escalated contact (hand-off) */
    double overhead_per_contact; /**< overhead allocated per contact */
    double overhead_per_minute;  /**< overhead allocated per handle minute */
    double self_service_cost;    /**< cost of one self-service session (view) */
    double gross_margin_rate[CRVM_STREAM_COUNT]; /**< gross margin as a share of revenue, by stream */
    double discount_rate;        /**< annual discount rate for present values */
    double deflection_probability; /**< P(a resolved self-service view avoided a contact) */
    double knowledge_hourly_rate;  /**< cost per hour of writing and maintaining articles */
    double minutes_saved;        /**< handle minutes saved per assisted reuse; NaN = estimate from the data */
    double avoided_contact_cost; /**< cost of a contact avoided by deflection; NaN = estimate from the data */
    double outreach_cost;        /**< cost of one proactive retention outreach (crvm/value.h) */
    double outreach_save_rate;   /**< P(an outreach keeps a customer who would have left), in [0, 1] */
} crvm_cost_model;

/**
 * Fill @p model with the documented defaults (see crvm_cost_model_assumption()).
 * Does nothing if @p model is NULL.
 */
CRVM_API void crvm_cost_model_init_defaults(crvm_cost_model *model);

/**
 * Check a cost model: every rate and cost finite and >= 0 (minutes_saved may
 * be any finite value or NaN; avoided_contact_cost NaN or >= 0), margin rates
 * in [-1, 1], probabilities (deflection_probability, outreach_save_rate) in
 * [0, 1], discount_rate in [0, 1).
 * @return ::CRVM_OK, or ::CRVM_EINVAL naming the field.
 */
CRVM_API crvm_status crvm_cost_model_validate(const crvm_cost_model *model);

/** One assumption of a cost model, for display. Strings are static. */
typedef struct crvm_assumption {
    const char *name;   /**< field, e.g. "hourly_rate[tier1]" */
    double value;       /**< its value in @p model (NaN for "estimate from the data") */
    const char *unit;   /**< e.g. "USD per hour" */
    const char *source; /**< where the default comes from, and what it assumes */
} crvm_assumption;

/** Number of assumptions listed by crvm_cost_model_assumption(). */
CRVM_API size_t crvm_cost_model_assumption_count(void);

/**
 * Assumption @p i (0 .. count - 1) of @p model: its name, current value, unit
 * and the source of the default.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL or @p i out of range).
 */
CRVM_API crvm_status crvm_cost_model_assumption(const crvm_cost_model *model, size_t i,
                                                crvm_assumption *out);

/**
 * Set the assumption called @p name (as listed by crvm_cost_model_assumption(),
 * e.g. "hourly_rate[tier2]", "channel_cost[chat]", "gross_margin_rate[services]",
 * "minutes_saved", "outreach_cost") to @p value, which must lie in that assumption's domain
 * as crvm_cost_model_validate() states it (NaN only for minutes_saved and
 * avoided_contact_cost, where it means "estimate from the data"; infinity
 * never). On failure the model is unchanged.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL argument, or a value outside the
 *         assumption's domain: the message names it), ::CRVM_ENOTFOUND (no such name).
 */
CRVM_API crvm_status crvm_cost_model_set(crvm_cost_model *model, const char *name, double value);

/** Columns of the economics matrices; money in currency units (whole cents). */
typedef enum crvm_econ_column {
    CRVM_ECON_REVENUE_SUBSCRIPTION = 0, /**< revenue by stream (5 columns, ::crvm_stream order) */
    CRVM_ECON_REVENUE = 5,              /**< total revenue */
    CRVM_ECON_GROSS_MARGIN = 6,         /**< sum over streams of revenue x margin rate */
    CRVM_ECON_CONTACTS = 7,             /**< contacts opened in the window */
    CRVM_ECON_HANDLE_MINUTES = 8,       /**< their handle minutes */
    CRVM_ECON_LABOUR_COST = 9,          /**< minutes x hourly rate of the tier */
    CRVM_ECON_CHANNEL_COST = 10,        /**< fixed cost per contact by channel */
    CRVM_ECON_ESCALATION_COST = 11,     /**< escalation cost */
    CRVM_ECON_OVERHEAD_COST = 12,       /**< overhead per contact and per minute */
    CRVM_ECON_SELF_SERVICE_SESSIONS = 13, /**< self-service views attributed to the customer */
    CRVM_ECON_SELF_SERVICE_COST = 14,   /**< sessions x self_service_cost */
    CRVM_ECON_COST_TO_SERVE = 15,       /**< columns 9..12 + 14 */
    CRVM_ECON_CONTRIBUTION = 16,        /**< gross margin - cost to serve */
    CRVM_ECON_COST_PER_CONTACT = 17     /**< (columns 9..12) / contacts, 0 without contacts (not additive) */
} crvm_econ_column;
/** Number of economics columns. */
#define CRVM_ECON_COLUMNS 18

/** Snake-case name of an economics column, NULL if out of range. */
CRVM_API const char *crvm_econ_column_name(int column);

/**
 * Economics of every customer over [@p from, @p until) (revenue by event
 * date, contacts by opened date, self-service views by date): a row-major
 * matrix of customers x ::CRVM_ECON_COLUMNS. @p model NULL means defaults.
 * For "as of a date" use from = ::CRVM_DATE_MIN, until = as_of + 1.
 * Works in one pass over each table with a temporary 40 bytes per customer
 * and 144 per output row; @p out is written only on success.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL ledger/out, wrong @p out_len,
 *         from > until, invalid model); ::CRVM_EDOMAIN (a cost or sum beyond
 *         2^53 cents, see above); ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_customer_economics(const crvm_ledger *ledger,
                                             const crvm_cost_model *model, crvm_date from,
                                             crvm_date until, double *out, size_t out_len);

/**
 * The same by segment (segments x ::CRVM_ECON_COLUMNS): every additive column
 * is exactly the sum of the segment's customers' rows (in cents).
 * @return as crvm_customer_economics().
 */
CRVM_API crvm_status crvm_segment_economics(const crvm_ledger *ledger,
                                            const crvm_cost_model *model, crvm_date from,
                                            crvm_date until, double *out, size_t out_len);

/** Columns of the knowledge-value matrix. */
typedef enum crvm_kv_column {
    CRVM_KV_ASSISTED_USES = 0,   /**< assisted reuses on or before as_of */
    CRVM_KV_MINUTES_SAVED = 1,   /**< assisted uses x minutes saved per reuse */
    CRVM_KV_LABOUR_SAVING = 2,   /**< minutes saved costed at the contact's tier rate */
    CRVM_KV_VIEWS = 3,           /**< self-service views */
    CRVM_KV_RESOLVED_VIEWS = 4,  /**< resolved self-service views */
    CRVM_KV_DEFLECTED = 5,       /**< resolved views x deflection probability (expected contacts avoided) */
    CRVM_KV_DEFLECTION_SAVING = 6, /**< deflected x avoided contact cost */
    CRVM_KV_SAVING = 7,          /**< labour + deflection saving */
    CRVM_KV_AUTHORING_COST = 8,  /**< authoring hours x knowledge rate */
    CRVM_KV_UPKEEP_COST = 9,     /**< maintenance hours per month x months since creation x rate */
    CRVM_KV_COST = 10,           /**< authoring + upkeep */
    CRVM_KV_VALUE = 11,          /**< saving - cost: value to date */
    CRVM_KV_ROI = 12,            /**< value / cost (0 when cost is 0) */
    CRVM_KV_PAYBACK_DAYS = 13,   /**< days from creation to payback; -1 if not (yet) paid back */
    CRVM_KV_AGE_DAYS = 14,       /**< as_of - created; -1 and all else 0 if created after as_of */
    CRVM_KV_LINKED_CONTACTS = 15 /**< contact-article links to the article with contacts opened by as_of */
} crvm_kv_column;
/** Number of knowledge-value columns. */
#define CRVM_KV_COLUMNS 16

/** Snake-case name of a knowledge-value column, NULL if out of range. */
CRVM_API const char *crvm_kv_column_name(int column);

/** The inputs the knowledge valuation estimated or took from the model. */
typedef struct crvm_knowledge_estimate {
    double minutes_saved;        /**< minutes saved per assisted reuse used */
    double avoided_contact_cost; /**< cost of an avoided contact used */
    int minutes_saved_estimated; /**< 1 if estimated from the data, 0 if set in the model */
    int avoided_cost_estimated;  /**< 1 if estimated from the data, 0 if set in the model */
    size_t cells_used;           /**< channel x tier cells with contacts with and without articles */
    size_t linked_contacts;      /**< contacts with an article in those cells */
    size_t unlinked_contacts;    /**< contacts without an article in those cells */
} crvm_knowledge_estimate;

/**
 * Value of every knowledge article as of @p as_of (uses on or before it):
 * articles x ::CRVM_KV_COLUMNS, row-major. @p estimate (may be NULL) receives
 * the minutes saved and avoided contact cost that were used. Temporary
 * memory: 1 byte per contact, 16 bytes per knowledge use and about 150
 * bytes per article.
 * @return ::CRVM_OK; ::CRVM_EINVAL; ::CRVM_EDOMAIN (an amount beyond 2^53
 *         cents, naming the article and column); ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_knowledge_value(const crvm_ledger *ledger, const crvm_cost_model *model,
                                          crvm_date as_of, double *out, size_t out_len,
                                          crvm_knowledge_estimate *estimate);

/**
 * Value of the whole knowledge base as of @p as_of: one row of
 * ::CRVM_KV_COLUMNS. Additive columns are exactly the sums over articles (in
 * cents); ROI is recomputed from the totals; payback is counted from the
 * first article's creation with every article's costs accruing from its own
 * creation; age is that of the oldest article.
 * @return as crvm_knowledge_value().
 */
CRVM_API crvm_status crvm_knowledge_base_value(const crvm_ledger *ledger,
                                               const crvm_cost_model *model, crvm_date as_of,
                                               double *out, size_t out_len);

/* ------------------------------------------- the estimate from parts */

/** Channel x tier cells of the knowledge estimate (cell = channel x
 *  ::CRVM_TIER_COUNT + tier - 1). */
#define CRVM_KE_CELLS (CRVM_CHANNEL_COUNT * CRVM_TIER_COUNT)
/** Sufficient statistics of the knowledge estimate, in this order: per cell
 *  the count and the sum of handle minutes of contacts with a linked article
 *  (2 x ::CRVM_KE_CELLS: counts, then sums), the same for contacts without one
 *  (2 x ::CRVM_KE_CELLS), the summed cost of the contacts in whole cents (0
 *  when the model sets the avoided contact cost) and the count of contacts.
 *  Every entry is a sum over contacts, so the statistics of a ledger split by
 *  customer into parts are the sums of the parts' statistics. */
#define CRVM_KE_STATS (4 * CRVM_KE_CELLS + 2)

/**
 * The sufficient statistics (::CRVM_KE_STATS, layout above) of the knowledge
 * estimate of crvm_knowledge_value() as of @p as_of: the contacts opened on or
 * before it. Sum them over the parts of a base and pass the sum to
 * crvm_knowledge_estimate_from_stats() for the whole base's estimate. Time
 * O(contacts + links); temporary memory 1 byte per contact.
 * @param model the cost model (NULL: defaults)
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL ledger, @p out_len not
 *         ::CRVM_KE_STATS, an invalid model); ::CRVM_EDOMAIN (a contact's cost
 *         beyond 2^53 cents, naming it); ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_knowledge_estimate_stats(const crvm_ledger *ledger,
                                                   const crvm_cost_model *model, crvm_date as_of,
                                                   double *out, size_t out_len);

/**
 * The knowledge estimate from (summed) sufficient statistics of
 * crvm_knowledge_estimate_stats(): minutes saved is the mean over the cells
 * holding contacts with and without an article of (mean minutes without -
 * mean minutes with), weighted by the contacts with one; the avoided contact
 * cost is the mean cost of a contact. An input the model sets is taken from
 * it. The formula crvm_knowledge_value() uses.
 * @param model the cost model (NULL: defaults)
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, @p stats_len not ::CRVM_KE_STATS,
 *         an invalid model, a statistic negative or not finite, naming its
 *         index).
 */
CRVM_API crvm_status crvm_knowledge_estimate_from_stats(const crvm_cost_model *model,
                                                        const double *stats, size_t stats_len,
                                                        crvm_knowledge_estimate *estimate);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_ECONOMICS_H */
