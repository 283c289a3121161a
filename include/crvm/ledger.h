/**
 * @file crvm/ledger.h
 * @brief The customer ledger: customers, revenue events, support contacts,
 *        knowledge articles and knowledge uses, keyed by the caller's string
 *        ids, with per-customer and per-segment aggregates as of a date.
 *
 * Model (DESIGN.md section 2). A ::crvm_ledger owns five tables plus one link
 * table. Each entity id is a caller string, interned once in an
 * open-addressing hash table per id space (customers, segments, contacts,
 * articles); every row of a table has a dense index, in insertion order.
 *
 * Load order. A row may only reference ids already in the ledger, so load
 * customers, then articles, then contacts (and their attributes), then
 * revenue (an event may name the contact that sourced it), then
 * contact-article links and knowledge uses. Within a table rows may arrive in
 * any date order. A reference to an unknown id is reported
 * (::CRVM_ENOTFOUND), never created or dropped silently.
 *
 * Validation modes of every bulk append (`crvm_ledger_add_*s`):
 * - strict (`rejections == NULL`): the call is atomic. If any row is invalid
 *   the ledger is unchanged and the error message names the table, the row
 *   index within the call's arrays, the field and the reason, e.g.
 *   `"contacts[12].handle_minutes = -3: must be in [0, 1e6]"`.
 * - lenient (`rejections != NULL`): valid rows are appended, every invalid row
 *   is appended to @p rejections (table, row index within the call, field,
 *   status, reason) and the call returns ::CRVM_OK. Rows are judged in order,
 *   so with a duplicate id inside one call the first is kept and the later
 *   ones are rejected. A CSV loader maps row index -> file line itself.
 * In both modes an allocation failure returns ::CRVM_ENOMEM with the ledger
 * and the rejection list unchanged: nothing already accepted is lost.
 * Every input row is therefore either in the ledger or in a rejection list.
 *
 * Money. Amounts are given in currency units (double) and held as integer
 * minor units (cents, round half away from zero); every aggregate is an exact
 * sum of cents, so roll-ups reconcile exactly (segment = sum of customers,
 * total = sum of events) and each reported amount is the double nearest a
 * whole number of cents. That needs every sum to stay below 2^53 cents, so
 * the inputs that become money are bounded and a row beyond a bound is
 * rejected (::CRVM_EINVAL naming the field) rather than summed into a wrong
 * total: |amount| <= 9.0e13 currency units per event, and the sum of |amount|
 * over all revenue events of the ledger <= 2^53 cents (about 9.007e13
 * currency units); handle minutes of a contact, and authoring or monthly
 * maintenance hours of an article, in [0, 1e6]; a satisfaction score in
 * [-1e6, 1e6]. Costs computed from a cost model are checked the same way
 * (crvm/economics.h).
 *
 * Storage, bytes per row once loaded (columns grow by doubling, so up to 2x
 * more is allocated until crvm_ledger_shrink() or an exact
 * crvm_ledger_reserve(); a column being grown briefly needs its old and new
 * block):
 * - revenue event: 17 (customer u32, date i32, cents i64, stream u8);
 * - contact: 32 fixed (customer u32, opened i32, closed i32, handle minutes
 *   double, satisfaction double, channel/tier/escalated/outcome u8 each)
 *   plus its id: strlen(id) + 1 bytes of text, an 8-byte entry (text offset,
 *   hash) and 4-byte hash slots at a load factor between 1/4 and 1/2
 *   (8-16 bytes), e.g. 59 bytes for a 10-character id;
 * - customer: 12 fixed (segment u32, start i32, end i32) plus its id as for
 *   contacts; contact-article link: 8; knowledge use: 18 (article u32, date
 *   i32, contact u32, customer u32, kind u8, resolved u8); article: 20 fixed
 *   plus its id.
 * - contact attribute: 4 bytes per contact per attribute (a u32 value index,
 *   up to the highest contact given a value of it), plus each distinct value
 *   and name interned as ids are; revenue event sourced by a contact: 8 more
 *   (row u32, contact u32; unsourced events cost nothing). Inside a batch,
 *   and after a load, an attribute value given to a contact that existed when
 *   the batch or load began, and each new distinct value, also take 8 bytes
 *   of undo record until the next crvm_ledger_begin(), commit or rollback.
 * Measured (bench/bench_ledger.c, 10^6 customers, 12 revenue events, 4
 * contacts and 6 knowledge uses each, 10-character ids): 24.5 bytes per row
 * over all 24.6 million rows after crvm_ledger_shrink(), 30.3 before.
 * crvm_ledger_stats() reports the bytes actually held.
 *
 * Dates are ::crvm_date, whole days since 1970-01-01 in the proleptic
 * Gregorian calendar; years 1..9999 are accepted.
 *
 * As-of dates. The routines that work period by period up to an as_of date
 * (crvm_ledger_retention_data(), crvm_ledger_contact_panel_size(),
 * crvm_ledger_contact_panel()) refuse (::CRVM_EINVAL naming both dates) an
 * as_of more than 366 days after the last date in the ledger, the latest date
 * of any row with customer end dates and contact closed dates included: the
 * data say nothing of the customers beyond it, and the panel would grow with
 * every period up to as_of (at 9999-12-31, about 95,000 monthly rows per
 * customer). An empty ledger takes any valid date.
 *
 * Cost of each call (worst case; n rows in total over the tables, C
 * customers): appends O(rows given) amortised; the activity, economics and
 * covariate aggregates O(n + C) (one pass over each table);
 * crvm_ledger_transaction_summary() O(n log n) (a sort per customer);
 * crvm_ledger_retention_data() O(n + C); crvm_ledger_contact_panel() O(n + C
 * + panel rows), the rows at most C x (periods from the earliest start to the
 * last date + 366 days); crvm_ledger_stats_get() O(n).
 *
 * Thread safety: a ledger may be read from several threads at once (all
 * `const crvm_ledger *` calls); appends need exclusive access (see
 * docs/conventions.md, "Threads").
 */
#ifndef CRVM_LEDGER_H
#define CRVM_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ dates */

/** A calendar date: days since 1970-01-01 (proleptic Gregorian), may be negative. */
typedef int32_t crvm_date;

/** "No date": an open contact's closed date, an active customer's end date. */
#define CRVM_DATE_NONE INT32_MIN

/** Smallest valid date, 0001-01-01. */
#define CRVM_DATE_MIN (-719162)
/** Largest valid date, 9999-12-31. */
#define CRVM_DATE_MAX 2932896

/**
 * The date of year-month-day.
 * @param year 1..9999; @param month 1..12; @param day 1..days in that month.
 * @return ::CRVM_OK, or ::CRVM_EINVAL naming the bad field (e.g. 2023-02-29).
 */
CRVM_API crvm_status crvm_date_from_ymd(int year, int month, int day, crvm_date *out);

/**
 * Year, month (1..12) and day (1..31) of a date. Any output pointer may be NULL.
 * @return ::CRVM_OK, or ::CRVM_EINVAL if @p date is outside
 *         [::CRVM_DATE_MIN, ::CRVM_DATE_MAX] (including ::CRVM_DATE_NONE).
 */
CRVM_API crvm_status crvm_date_to_ymd(crvm_date date, int *year, int *month, int *day);

/**
 * Parse an ISO 8601 calendar date "YYYY-MM-DD" of exactly @p len bytes
 * (no terminator needed; surrounding spaces are not accepted).
 * @return ::CRVM_OK, or ::CRVM_EPARSE with a message quoting the text.
 */
CRVM_API crvm_status crvm_date_parse(const char *text, size_t len, crvm_date *out);

/**
 * Write @p date as "YYYY-MM-DD" plus NUL into @p buf (at least 11 bytes).
 * @return ::CRVM_OK, ::CRVM_EINVAL for an invalid date or a short buffer.
 */
CRVM_API crvm_status crvm_date_format(crvm_date date, char *buf, size_t buf_len);

/** Calendar periods for aggregates and retention data. */
typedef enum crvm_period {
    CRVM_PERIOD_MONTH = 0,   /**< calendar month */
    CRVM_PERIOD_QUARTER = 1, /**< three calendar months */
    CRVM_PERIOD_YEAR = 2     /**< twelve calendar months */
} crvm_period;

/**
 * @p date moved by @p n periods (n may be negative); the day of month is
 * clamped to the target month's length (Jan 31 + 1 month = Feb 28/29).
 * @return ::CRVM_OK, ::CRVM_EINVAL for a bad date/period or a result out of range.
 */
CRVM_API crvm_status crvm_date_add_periods(crvm_date date, crvm_period period, int n,
                                           crvm_date *out);

/**
 * Number of whole periods from @p from to @p to: the largest n >= 0 with
 * crvm_date_add_periods(from, period, n) <= to (0 if to < from).
 * @return ::CRVM_OK or ::CRVM_EINVAL.
 */
CRVM_API crvm_status crvm_date_whole_periods(crvm_date from, crvm_date to, crvm_period period,
                                             int *out);

/**
 * First day of the calendar period that contains @p date (1st of the month,
 * of the quarter Jan/Apr/Jul/Oct, of the year).
 * @return ::CRVM_OK or ::CRVM_EINVAL.
 */
CRVM_API crvm_status crvm_date_period_start(crvm_date date, crvm_period period, crvm_date *out);

/* ------------------------------------------------------------ enumerations */

/** Revenue streams. */
typedef enum crvm_stream {
    CRVM_STREAM_SUBSCRIPTION = 0, /**< recurring licence / subscription fees */
    CRVM_STREAM_MAINTENANCE = 1,  /**< maintenance fees */
    CRVM_STREAM_SUPPORT_PLAN = 2, /**< paid support plans */
    CRVM_STREAM_SERVICES = 3,     /**< professional services */
    CRVM_STREAM_EXPANSION = 4     /**< upsell / cross-sell / expansion */
} crvm_stream;
/** Number of ::crvm_stream values. */
#define CRVM_STREAM_COUNT 5

/** Support channels. */
typedef enum crvm_channel {
    CRVM_CHANNEL_PHONE = 0,  /**< voice */
    CRVM_CHANNEL_EMAIL = 1,  /**< e-mail */
    CRVM_CHANNEL_CHAT = 2,   /**< live chat / messaging with an agent */
    CRVM_CHANNEL_WEB = 3,    /**< web form / customer portal ticket */
    CRVM_CHANNEL_SOCIAL = 4  /**< social media */
} crvm_channel;
/** Number of ::crvm_channel values. */
#define CRVM_CHANNEL_COUNT 5

/** Support tiers are integers 1..CRVM_TIER_COUNT (1 = front line). */
#define CRVM_TIER_COUNT 3

/** Outcome of a support contact. */
typedef enum crvm_outcome {
    CRVM_OUTCOME_RESOLVED = 0,   /**< problem solved */
    CRVM_OUTCOME_WORKAROUND = 1, /**< a workaround was given */
    CRVM_OUTCOME_REFUSED = 2,    /**< "not supported": the request was refused */
    CRVM_OUTCOME_ABANDONED = 3   /**< the customer gave up / no resolution */
} crvm_outcome;
/** Number of ::crvm_outcome values. */
#define CRVM_OUTCOME_COUNT 4

/** Kind of knowledge use. */
typedef enum crvm_use_kind {
    CRVM_USE_ASSISTED = 0,    /**< an agent reused the article in a contact */
    CRVM_USE_SELF_SERVICE = 1 /**< a customer viewed it in self-service */
} crvm_use_kind;
/** Number of ::crvm_use_kind values. */
#define CRVM_USE_KIND_COUNT 2

/** Tables of a ledger (used in rejection reports). */
typedef enum crvm_table {
    CRVM_TABLE_CUSTOMERS = 0,
    CRVM_TABLE_REVENUE = 1,
    CRVM_TABLE_CONTACTS = 2,
    CRVM_TABLE_CONTACT_ARTICLES = 3,
    CRVM_TABLE_ARTICLES = 4,
    CRVM_TABLE_KNOWLEDGE_USES = 5,
    CRVM_TABLE_CONTACT_ATTRIBUTES = 7 /**< contact attribute values (7: 6 is ::CRVM_SEGMENTS) */
} crvm_table;
/** Number of the tables 0..5 with string ids or CSV files; contact attributes
 *  came later and are numbered 7, after ::CRVM_SEGMENTS. */
#define CRVM_TABLE_COUNT 6

/**
 * Lower-case name of an enumerated value: "subscription", "maintenance",
 * "support_plan", "services", "expansion"; "phone", "email", "chat", "web",
 * "social"; "resolved", "workaround", "refused", "abandoned"; "assisted",
 * "self_service"; "month", "quarter", "year"; "customers", "revenue",
 * "contacts", "contact_articles", "articles", "knowledge_uses",
 * "contact_attributes" (table 7).
 * Static storage; NULL for a value out of range.
 */
CRVM_API const char *crvm_stream_name(int stream);
/** @copydoc crvm_stream_name */
CRVM_API const char *crvm_channel_name(int channel);
/** @copydoc crvm_stream_name */
CRVM_API const char *crvm_outcome_name(int outcome);
/** @copydoc crvm_stream_name */
CRVM_API const char *crvm_use_kind_name(int kind);
/** @copydoc crvm_stream_name */
CRVM_API const char *crvm_period_name(int period);
/** @copydoc crvm_stream_name */
CRVM_API const char *crvm_table_name(int table);

/**
 * Value of a name as given by the `*_name` functions, ASCII case-insensitive,
 * of exactly @p len bytes. Aliases: "support plan"/"support-plan",
 * "portal" (= web), "self-service"/"self service"/"view" (= self_service),
 * "reuse" (= assisted).
 * @return ::CRVM_OK, or ::CRVM_EPARSE quoting the text.
 */
CRVM_API crvm_status crvm_stream_parse(const char *text, size_t len, int *out);
/** @copydoc crvm_stream_parse */
CRVM_API crvm_status crvm_channel_parse(const char *text, size_t len, int *out);
/** @copydoc crvm_stream_parse */
CRVM_API crvm_status crvm_outcome_parse(const char *text, size_t len, int *out);
/** @copydoc crvm_stream_parse */
CRVM_API crvm_status crvm_use_kind_parse(const char *text, size_t len, int *out);

/* -------------------------------------------------------------- rejections */

/** A list of rejected input rows, filled by lenient bulk appends. */
typedef struct crvm_rejections crvm_rejections;

/** One rejected row. The strings belong to the list (valid until it is cleared or freed). */
typedef struct crvm_rejection {
    crvm_table table;   /**< table the row was offered to */
    size_t row;         /**< index of the row within the arrays of that call */
    const char *field;  /**< offending field, e.g. "handle_minutes" (static storage) */
    crvm_status status; /**< ::CRVM_EINVAL (bad value, duplicate id) or ::CRVM_ENOTFOUND (unknown id) */
    const char *reason; /**< full message, e.g. "contacts[12].handle_minutes = -3: must be in [0, 1e6]" */
} crvm_rejection;

/** A new empty rejection list. @return ::CRVM_OK, ::CRVM_EINVAL (NULL out), ::CRVM_ENOMEM. */
CRVM_API crvm_status crvm_rejections_new(crvm_rejections **out);
/** Free a list (NULL is accepted). */
CRVM_API void crvm_rejections_free(crvm_rejections *rejections);
/** Number of rejected rows recorded so far (0 for NULL). */
CRVM_API size_t crvm_rejections_count(const crvm_rejections *rejections);
/**
 * Entry @p i (in the order the rows were rejected) copied into @p out.
 * @return ::CRVM_OK, ::CRVM_EINVAL for NULL arguments or @p i out of range.
 */
CRVM_API crvm_status crvm_rejections_get(const crvm_rejections *rejections, size_t i,
                                         crvm_rejection *out);
/** Forget every entry (keeps the list usable). */
CRVM_API void crvm_rejections_clear(crvm_rejections *rejections);

/* ----------------------------------------------------------------- ledger */

/** The ledger: an opaque handle owning all tables. */
typedef struct crvm_ledger crvm_ledger;

/** A new empty ledger. @return ::CRVM_OK, ::CRVM_EINVAL (NULL out), ::CRVM_ENOMEM. */
CRVM_API crvm_status crvm_ledger_new(crvm_ledger **out);

/** Free a ledger and everything it owns (NULL is accepted). */
CRVM_API void crvm_ledger_free(crvm_ledger *ledger);

/**
 * Reserve room so that the given numbers of further rows append without
 * reallocation (a hint; 0 leaves a table alone).
 * @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_ENOMEM (ledger unchanged).
 */
CRVM_API crvm_status crvm_ledger_reserve(crvm_ledger *ledger, size_t customers,
                                         size_t revenue_events, size_t contacts,
                                         size_t knowledge_uses);

/** Release spare capacity of every column. @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_ENOMEM (ledger unchanged). */
CRVM_API crvm_status crvm_ledger_shrink(crvm_ledger *ledger);

/**
 * Append customers (rows `0..ids_len-1`; every column has the same length).
 * @param ids        unique, non-empty customer ids.
 * @param segments   non-empty segment names (interned; segments get dense
 *                   indices in order of first appearance).
 * @param start      start dates (valid dates).
 * @param end        churn / end dates, ::CRVM_DATE_NONE for an active
 *                   customer, else >= start. May be NULL with @p end_len 0:
 *                   all active. A customer with end date e is a customer up
 *                   to the day before e, and "churned as of d" iff e <= d.
 * @param rejections NULL for strict (atomic) mode, else lenient mode.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL ledger, NULL column with nonzero
 *         length, lengths that differ, or in strict mode an invalid row);
 *         ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_ledger_add_customers(crvm_ledger *ledger,
                                               const char *const *ids, size_t ids_len,
                                               const char *const *segments, size_t segments_len,
                                               const crvm_date *start, size_t start_len,
                                               const crvm_date *end, size_t end_len,
                                               crvm_rejections *rejections);

/**
 * Append revenue events.
 * @param customer_ids ids of customers already in the ledger (else ::CRVM_ENOTFOUND).
 * @param dates        valid dates (any order).
 * @param amounts      amounts in currency units, |amount| <= 9.0e13; negative =
 *                     credit/refund. An event that would take the ledger's sum of
 *                     |amount| past 2^53 cents is rejected (see "Money").
 * @param streams      ::crvm_stream values.
 * @return as crvm_ledger_add_customers(); in strict mode an unknown customer
 *         gives ::CRVM_ENOTFOUND.
 */
CRVM_API crvm_status crvm_ledger_add_revenue(crvm_ledger *ledger,
                                             const char *const *customer_ids, size_t customer_ids_len,
                                             const crvm_date *dates, size_t dates_len,
                                             const double *amounts, size_t amounts_len,
                                             const int32_t *streams, size_t streams_len,
                                             crvm_rejections *rejections);

/**
 * Append support contacts.
 * @param ids            unique, non-empty contact ids.
 * @param customer_ids   known customers.
 * @param opened         valid dates; a contact counts in a window by its opened date.
 * @param closed         ::CRVM_DATE_NONE (still open) or a date >= opened.
 * @param channels       ::crvm_channel values.
 * @param handle_minutes agent handle time in minutes, in [0, 1e6] (see "Money").
 * @param tiers          1..::CRVM_TIER_COUNT (highest tier that worked it).
 * @param escalated      0 or 1.
 * @param outcomes       ::crvm_outcome values.
 * @param satisfaction   optional score on the caller's scale (e.g. 1..5);
 *                       NaN = not rated; else in [-1e6, 1e6]. The column may be NULL
 *                       with length 0 (none rated).
 * @return as crvm_ledger_add_revenue().
 */
CRVM_API crvm_status crvm_ledger_add_contacts(crvm_ledger *ledger,
                                              const char *const *ids, size_t ids_len,
                                              const char *const *customer_ids, size_t customer_ids_len,
                                              const crvm_date *opened, size_t opened_len,
                                              const crvm_date *closed, size_t closed_len,
                                              const int32_t *channels, size_t channels_len,
                                              const double *handle_minutes, size_t handle_minutes_len,
                                              const int32_t *tiers, size_t tiers_len,
                                              const int32_t *escalated, size_t escalated_len,
                                              const int32_t *outcomes, size_t outcomes_len,
                                              const double *satisfaction, size_t satisfaction_len,
                                              crvm_rejections *rejections);

/**
 * Append knowledge articles (load before contacts that link to them).
 * @param ids                 unique, non-empty article ids.
 * @param created             valid dates.
 * @param authoring_hours     hours spent writing, in [0, 1e6].
 * @param maintenance_hours   upkeep hours per calendar month from creation, in [0, 1e6].
 * @return as crvm_ledger_add_customers().
 */
CRVM_API crvm_status crvm_ledger_add_articles(crvm_ledger *ledger,
                                              const char *const *ids, size_t ids_len,
                                              const crvm_date *created, size_t created_len,
                                              const double *authoring_hours, size_t authoring_hours_len,
                                              const double *maintenance_hours, size_t maintenance_hours_len,
                                              crvm_rejections *rejections);

/**
 * Link contacts to the knowledge articles used in them (one row per pair).
 * Both ids must be known. A contact with at least one link is "assisted by
 * an article" in the handle-time comparison of crvm/economics.h.
 * @return as crvm_ledger_add_revenue().
 */
CRVM_API crvm_status crvm_ledger_add_contact_articles(crvm_ledger *ledger,
                                                      const char *const *contact_ids, size_t contact_ids_len,
                                                      const char *const *article_ids, size_t article_ids_len,
                                                      crvm_rejections *rejections);

/**
 * Append knowledge uses.
 * @param article_ids  known articles.
 * @param dates        valid dates, not before the article's creation date.
 * @param kinds        ::crvm_use_kind values.
 * @param resolved     0 or 1: the use solved the problem (for a self-service
 *                     view: the customer did not need to open a contact).
 * @param contact_ids  NULL or "" for none, else a known contact; required for
 *                     an assisted use. The column may be NULL with length 0.
 * @param customer_ids NULL or "" for none (an anonymous view), else a known
 *                     customer; if both are given the contact must belong to
 *                     that customer. With only a contact, the contact's
 *                     customer is used. The column may be NULL with length 0.
 * @return as crvm_ledger_add_revenue().
 */
CRVM_API crvm_status crvm_ledger_add_knowledge_uses(crvm_ledger *ledger,
                                                    const char *const *article_ids, size_t article_ids_len,
                                                    const crvm_date *dates, size_t dates_len,
                                                    const int32_t *kinds, size_t kinds_len,
                                                    const int32_t *resolved, size_t resolved_len,
                                                    const char *const *contact_ids, size_t contact_ids_len,
                                                    const char *const *customer_ids, size_t customer_ids_len,
                                                    crvm_rejections *rejections);

/** Single-row strict append: crvm_ledger_add_customers() with one row. */
CRVM_API crvm_status crvm_ledger_add_customer(crvm_ledger *ledger, const char *id,
                                              const char *segment, crvm_date start,
                                              crvm_date end);
/** Single-row strict append: crvm_ledger_add_revenue() with one row. */
CRVM_API crvm_status crvm_ledger_add_revenue_event(crvm_ledger *ledger, const char *customer_id,
                                                   crvm_date date, double amount,
                                                   crvm_stream stream);
/** Single-row strict append: crvm_ledger_add_contacts() with one row (NaN satisfaction = none). */
CRVM_API crvm_status crvm_ledger_add_contact(crvm_ledger *ledger, const char *id,
                                             const char *customer_id, crvm_date opened,
                                             crvm_date closed, crvm_channel channel,
                                             double handle_minutes, int tier, int escalated,
                                             crvm_outcome outcome, double satisfaction);
/** Single-row strict append: crvm_ledger_add_articles() with one row. */
CRVM_API crvm_status crvm_ledger_add_article(crvm_ledger *ledger, const char *id,
                                             crvm_date created, double authoring_hours,
                                             double maintenance_hours);
/** Single-row strict append: crvm_ledger_add_contact_articles() with one row. */
CRVM_API crvm_status crvm_ledger_add_contact_article(crvm_ledger *ledger, const char *contact_id,
                                                    const char *article_id);
/** Single-row strict append: crvm_ledger_add_knowledge_uses() with one row (NULL ids allowed). */
CRVM_API crvm_status crvm_ledger_add_knowledge_use(crvm_ledger *ledger, const char *article_id,
                                                   crvm_date date, crvm_use_kind kind,
                                                   int resolved, const char *contact_id,
                                                   const char *customer_id);

/**
 * Append revenue events of which some were sourced by a support contact (an
 * upsell or services sale made during the contact): crvm_ledger_add_revenue()
 * with one more column. Load the contacts first.
 * @param source_contact_ids per event: NULL or "" for none, else a known
 *        contact (::CRVM_ENOTFOUND) of the same customer, opened on or
 *        before the event's date (else ::CRVM_EINVAL; field
 *        "source_contact"). The column may be NULL with length 0 (no event
 *        sourced: exactly crvm_ledger_add_revenue()).
 * crvm_ledger_revenue_events() reads the sources back. Cost: one id lookup
 * per sourced row on top of crvm_ledger_add_revenue().
 * @return as crvm_ledger_add_revenue().
 */
CRVM_API crvm_status crvm_ledger_add_sourced_revenue(crvm_ledger *ledger,
                                                     const char *const *customer_ids, size_t customer_ids_len,
                                                     const crvm_date *dates, size_t dates_len,
                                                     const double *amounts, size_t amounts_len,
                                                     const int32_t *streams, size_t streams_len,
                                                     const char *const *source_contact_ids,
                                                     size_t source_contact_ids_len,
                                                     crvm_rejections *rejections);

/** Single-row strict append: crvm_ledger_add_sourced_revenue() with one row
 *  (@p source_contact_id NULL or "" = none). */
CRVM_API crvm_status crvm_ledger_add_sourced_revenue_event(crvm_ledger *ledger,
                                                           const char *customer_id, crvm_date date,
                                                           double amount, crvm_stream stream,
                                                           const char *source_contact_id);

/* ------------------------------------------------------ contact attributes */

/**
 * Append values of one string attribute of contacts (agent, queue, product,
 * reason: any name, any number of attributes): row i gives contact
 * @p contact_ids[i] the value @p values[i] of attribute @p name.
 *
 * Names and values are interned: attribute a has index a in order of first
 * appearance, and its distinct values dense indices 0, 1, ... in order of
 * first appearance (crvm_ledger_attribute_value()). The attribute is created
 * by the first successful call that names it, also one with no rows (so a
 * CSV column of empty fields still declares it). A contact has at most one
 * value per attribute: a row for a contact that already has a value of this
 * attribute, from an earlier call or an earlier row of this call, is
 * rejected (field "contact_id"), even with the same value. Attribute values
 * take part in batches (crvm_ledger_begin()): a rollback removes the values
 * given, the distinct values and attributes first seen, since the batch
 * began. Rejections carry the table ::CRVM_TABLE_CONTACT_ATTRIBUTES, e.g.
 * `"contact_attributes[3].contact_id \"T9\": unknown contact"`.
 *
 * @param name        attribute name: non-empty, case-sensitive, and not one of
 *                    the contact columns of contacts.csv (contact_id,
 *                    customer_id, opened, closed, channel, handle_minutes,
 *                    tier, escalated, outcome, satisfaction, articles,
 *                    compared ignoring ASCII case), which would make a
 *                    grouping by name ambiguous.
 * @param contact_ids known contacts (unknown: ::CRVM_ENOTFOUND; empty: ::CRVM_EINVAL).
 * @param values      non-empty values (field "value"). To leave a contact
 *                    without a value, leave out its row.
 * @param rejections  NULL for strict (atomic) mode, else lenient mode (see
 *                    the file comment).
 * Cost: two hash lookups per row (contact, value); temporary memory for the
 * distinct new values of the call only.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL ledger or name, a bad name, a NULL
 *         column with nonzero length, lengths that differ, or in strict mode
 *         an invalid row); ::CRVM_ENOTFOUND (strict mode: an unknown
 *         contact); ::CRVM_ENOMEM (ledger and rejections unchanged).
 */
CRVM_API crvm_status crvm_ledger_add_contact_attributes(crvm_ledger *ledger, const char *name,
                                                        const char *const *contact_ids,
                                                        size_t contact_ids_len,
                                                        const char *const *values, size_t values_len,
                                                        crvm_rejections *rejections);

/** Single-row strict append: crvm_ledger_add_contact_attributes() with one row. */
CRVM_API crvm_status crvm_ledger_add_contact_attribute(crvm_ledger *ledger, const char *name,
                                                       const char *contact_id, const char *value);

/* ---------------------------------------------------------------- batches */

/**
 * Begin an all-or-nothing batch of appends. Until crvm_ledger_commit() or
 * crvm_ledger_rollback(), everything appended to the ledger (bulk or
 * single-row appends in either mode, and the loads of crvm/io.h) can be
 * undone as one: load several tables from your own source and, if a later
 * one fails, roll back to the ledger as it was. Rows appended in a batch are
 * visible to every call at once (there is no isolation). One batch at a time
 * per ledger; a strict append or load that fails inside a batch undoes only
 * itself and leaves the batch open. Needs exclusive access, like appends.
 * Allocates nothing.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL ledger), ::CRVM_ESTATE (a batch is
 *         already open).
 */
CRVM_API crvm_status crvm_ledger_begin(crvm_ledger *ledger);

/**
 * End the open batch, keeping what it appended.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL ledger), ::CRVM_ESTATE (no batch open).
 */
CRVM_API crvm_status crvm_ledger_commit(crvm_ledger *ledger);

/**
 * End the open batch, removing everything appended since crvm_ledger_begin():
 * the rows of every table, the customer, contact and article ids and the
 * segments first seen in the batch (lookups of them fail again and they can
 * be added again, with the same indices), and the batch's share of the
 * revenue total. Memory is kept for reuse (crvm_ledger_shrink() releases
 * spare column capacity). Rejection lists given to lenient appends belong to
 * the caller and are left as they are.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL ledger), ::CRVM_ESTATE (no batch open).
 */
CRVM_API crvm_status crvm_ledger_rollback(crvm_ledger *ledger);

/* ------------------------------------------------------------- inspection */

/** Sizes of a ledger and the memory it holds. */
typedef struct crvm_ledger_stats {
    size_t customers;       /**< customer rows */
    size_t segments;        /**< distinct segments */
    size_t revenue_events;  /**< revenue rows */
    size_t contacts;        /**< contact rows */
    size_t contact_articles;/**< contact-article link rows */
    size_t articles;        /**< article rows */
    size_t knowledge_uses;  /**< knowledge-use rows */
    size_t bytes_used;      /**< bytes of live rows (columns, id strings, hash tables,
                                 contact attributes and revenue sources) */
    size_t bytes_allocated; /**< bytes allocated including spare capacity */
    int64_t revenue_cents;  /**< sum of every revenue amount, in cents (exact) */
    double handle_minutes;  /**< sum of every contact's handle minutes */
    crvm_date first_date;   /**< earliest date of any row, ::CRVM_DATE_NONE if empty */
    crvm_date last_date;    /**< latest date of any row, ::CRVM_DATE_NONE if empty */
} crvm_ledger_stats;

/** Fill @p out. @return ::CRVM_OK or ::CRVM_EINVAL (NULL argument). */
CRVM_API crvm_status crvm_ledger_stats_get(const crvm_ledger *ledger, crvm_ledger_stats *out);

/**
 * Id of row @p index of a table with string ids (customers, contacts,
 * articles) or of segment @p index (pass ::CRVM_TABLE_COUNT as table for
 * segments). The pointer stays valid until the ledger is next modified or freed.
 * @return NULL if the index or table is out of range.
 */
CRVM_API const char *crvm_ledger_id(const crvm_ledger *ledger, int table, size_t index);

/** Pass as the table argument of crvm_ledger_id() / crvm_ledger_find() for segments. */
#define CRVM_SEGMENTS CRVM_TABLE_COUNT

/**
 * Dense index of @p id in a table with string ids (customers, contacts,
 * articles or ::CRVM_SEGMENTS).
 * @return ::CRVM_OK, ::CRVM_ENOTFOUND, ::CRVM_EINVAL.
 */
CRVM_API crvm_status crvm_ledger_find(const crvm_ledger *ledger, int table, const char *id,
                                      size_t *index);

/**
 * Customer columns copied out, each of length crvm_ledger_stats.customers
 * (any output may be NULL with length 0): segment index, start, end
 * (::CRVM_DATE_NONE if active).
 * @return ::CRVM_OK, ::CRVM_EINVAL (length mismatch).
 */
CRVM_API crvm_status crvm_ledger_customers(const crvm_ledger *ledger,
                                           int32_t *segment, size_t segment_len,
                                           crvm_date *start, size_t start_len,
                                           crvm_date *end, size_t end_len);

/**
 * Contact columns copied out, in contact index order, each of length
 * crvm_ledger_stats.contacts (any output may be NULL with length 0):
 * customer index, opened, closed (::CRVM_DATE_NONE if open), ::crvm_channel,
 * handle minutes, tier (1..3), escalated (0/1), ::crvm_outcome, satisfaction
 * (NaN if not rated). Time O(contacts) per column.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL ledger, a NULL output with nonzero
 *         length, a length that is not the contact count; outputs untouched).
 */
CRVM_API crvm_status crvm_ledger_contacts(const crvm_ledger *ledger,
                                          int32_t *customer, size_t customer_len,
                                          crvm_date *opened, size_t opened_len,
                                          crvm_date *closed, size_t closed_len,
                                          int32_t *channel, size_t channel_len,
                                          double *handle_minutes, size_t handle_minutes_len,
                                          int32_t *tier, size_t tier_len,
                                          int32_t *escalated, size_t escalated_len,
                                          int32_t *outcome, size_t outcome_len,
                                          double *satisfaction, size_t satisfaction_len);

/**
 * Revenue columns copied out, in the order the events were appended, each of
 * length crvm_ledger_stats.revenue_events (any output may be NULL with
 * length 0): customer index, date, amount in currency units (the double
 * nearest its whole cents), ::crvm_stream, and the index of the contact that
 * sourced the event (crvm_ledger_add_sourced_revenue()), -1 for none.
 * Time O(events) per column.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL ledger, a NULL output with nonzero
 *         length, a length that is not the event count; outputs untouched).
 */
CRVM_API crvm_status crvm_ledger_revenue_events(const crvm_ledger *ledger,
                                                int32_t *customer, size_t customer_len,
                                                crvm_date *date, size_t date_len,
                                                double *amount, size_t amount_len,
                                                int32_t *stream, size_t stream_len,
                                                int32_t *source_contact, size_t source_contact_len);

/** Number of contact attributes (crvm_ledger_add_contact_attributes()); 0 for NULL. */
CRVM_API size_t crvm_ledger_attribute_count(const crvm_ledger *ledger);

/**
 * Name of attribute @p attribute (0..count-1). The pointer stays valid until
 * the ledger is next modified or freed.
 * @return NULL if @p ledger is NULL or @p attribute out of range.
 */
CRVM_API const char *crvm_ledger_attribute_name(const crvm_ledger *ledger, size_t attribute);

/**
 * Index of the attribute named exactly @p name (case-sensitive).
 * @return ::CRVM_OK, ::CRVM_ENOTFOUND (no such attribute), ::CRVM_EINVAL (NULL argument).
 */
CRVM_API crvm_status crvm_ledger_find_attribute(const crvm_ledger *ledger, const char *name,
                                                size_t *attribute);

/** Number of distinct values of attribute @p attribute; 0 if out of range or @p ledger is NULL. */
CRVM_API size_t crvm_ledger_attribute_value_count(const crvm_ledger *ledger, size_t attribute);

/**
 * Text of value @p value (0..value count-1) of attribute @p attribute. The
 * pointer stays valid until the ledger is next modified or freed.
 * @return NULL if an index is out of range or @p ledger is NULL.
 */
CRVM_API const char *crvm_ledger_attribute_value(const crvm_ledger *ledger, size_t attribute,
                                                 size_t value);

/**
 * Index of the value with text @p text of attribute @p attribute.
 * @return ::CRVM_OK, ::CRVM_ENOTFOUND (no contact has that value),
 *         ::CRVM_EINVAL (NULL argument, @p attribute out of range).
 */
CRVM_API crvm_status crvm_ledger_find_attribute_value(const crvm_ledger *ledger, size_t attribute,
                                                      const char *text, size_t *value);

/**
 * The value index of attribute @p attribute of every contact (contact index
 * order), -1 for a contact without a value, copied into @p value of length
 * crvm_ledger_stats.contacts. Time O(contacts).
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL ledger, @p attribute out of range,
 *         NULL @p value with nonzero length, a length that is not the contact
 *         count; @p value untouched).
 */
CRVM_API crvm_status crvm_ledger_contact_attribute(const crvm_ledger *ledger, size_t attribute,
                                                   int32_t *value, size_t value_len);

/* ------------------------------------------------------------- aggregates */

/**
 * Columns of the activity matrices: additive totals per customer (or
 * segment) over a date window. Money in currency units (exact cents).
 */
typedef enum crvm_activity_column {
    CRVM_ACT_REVENUE_SUBSCRIPTION = 0, /**< revenue by stream (5 columns, ::crvm_stream order) */
    CRVM_ACT_REVENUE = 5,              /**< total revenue */
    CRVM_ACT_CONTACTS = 6,             /**< contacts opened in the window */
    CRVM_ACT_CONTACTS_PHONE = 7,       /**< contacts by channel (5 columns, ::crvm_channel order) */
    CRVM_ACT_CONTACTS_RESOLVED = 12,   /**< contacts by outcome (4 columns, ::crvm_outcome order) */
    CRVM_ACT_CONTACTS_TIER1 = 16,      /**< contacts by tier (3 columns, tier 1..3) */
    CRVM_ACT_ESCALATED = 19,           /**< escalated contacts */
    CRVM_ACT_HANDLE_MINUTES = 20,      /**< total handle minutes */
    CRVM_ACT_HANDLE_MINUTES_TIER1 = 21,/**< handle minutes by tier (3 columns) */
    CRVM_ACT_CLOSED = 24,              /**< contacts with a closed date */
    CRVM_ACT_RESOLUTION_DAYS = 25,     /**< sum of (closed - opened) over closed contacts */
    CRVM_ACT_RATED = 26,               /**< contacts with a satisfaction score */
    CRVM_ACT_SATISFACTION = 27,        /**< sum of satisfaction scores */
    CRVM_ACT_ASSISTED_USES = 28,       /**< assisted knowledge uses */
    CRVM_ACT_SELF_SERVICE_VIEWS = 29,  /**< self-service views (attributed to a customer) */
    CRVM_ACT_SELF_SERVICE_RESOLVED = 30/**< resolved self-service views */
} crvm_activity_column;
/** Number of activity columns. */
#define CRVM_ACTIVITY_COLUMNS 31

/** Snake-case name of an activity column ("revenue_subscription", ...), NULL if out of range. */
CRVM_API const char *crvm_activity_column_name(int column);

/**
 * Activity of every customer over the window [@p from, @p until) (dates of
 * revenue events, opened dates of contacts, dates of uses), as a row-major
 * matrix of crvm_ledger_stats.customers rows x ::CRVM_ACTIVITY_COLUMNS.
 * Use ::CRVM_DATE_MIN / as_of + 1 for "everything as of a date".
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL ledger/out, wrong @p out_len, from > until).
 */
CRVM_API crvm_status crvm_ledger_customer_activity(const crvm_ledger *ledger, crvm_date from,
                                                   crvm_date until, double *out, size_t out_len);

/**
 * The same totals by segment (crvm_ledger_stats.segments rows): each row is
 * exactly the sum of its customers' rows.
 * @return as crvm_ledger_customer_activity().
 */
CRVM_API crvm_status crvm_ledger_segment_activity(const crvm_ledger *ledger, crvm_date from,
                                                  crvm_date until, double *out, size_t out_len);

/**
 * Inputs of the contractual retention models, per customer, as of @p as_of.
 * - churned[i] = 1 iff the customer's end date e satisfies e <= as_of.
 * - periods[i]: for a churned customer the number of periods begun before e,
 *   ceil of the elapsed periods from start to e, at least 1 (its lifetime T,
 *   P(T = t) in the sBG); for an active customer the number of whole periods
 *   completed by as_of, crvm_date_whole_periods(start, as_of) (it is known
 *   that T > periods); -1 for a customer whose start is after @p as_of (not
 *   yet a customer: exclude it).
 * @return ::CRVM_OK, ::CRVM_EINVAL (lengths != customers, bad period, an
 *         as_of that is not a valid date or lies more than 366 days after the
 *         ledger's last date: see "As-of dates" above).
 */
CRVM_API crvm_status crvm_ledger_retention_data(const crvm_ledger *ledger, crvm_date as_of,
                                                crvm_period period,
                                                int32_t *periods, size_t periods_len,
                                                int32_t *churned, size_t churned_len);

/** Columns of crvm_ledger_transaction_summary(). */
typedef enum crvm_rfm_column {
    CRVM_RFM_FREQUENCY = 0, /**< repeat transactions: distinct transaction days - 1 */
    CRVM_RFM_RECENCY = 1,   /**< days from first to last transaction day */
    CRVM_RFM_T = 2,         /**< days from first transaction day to as_of */
    CRVM_RFM_MONETARY = 3,  /**< mean amount of the repeat transaction days (0 if frequency is 0) */
    CRVM_RFM_OBSERVED = 4   /**< 1 if the customer has a transaction on or before as_of, else 0 (other columns 0) */
} crvm_rfm_column;
/** Number of transaction-summary columns. */
#define CRVM_RFM_COLUMNS 5

/**
 * Frequency / recency / age summary of each customer's revenue events on or
 * before @p as_of, as in Fader, Hardie & Lee (2005) and lifetimes'
 * summary_data_from_transaction_data with freq "D": the events of one day
 * form one transaction (amounts summed); time in days.
 * @param stream_mask bit (1 << stream) selects the streams counted; 0 = all.
 * @param out row-major, customers x ::CRVM_RFM_COLUMNS.
 * Temporary memory: 16 bytes per selected event and 8 per customer.
 * @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_ledger_transaction_summary(const crvm_ledger *ledger, crvm_date as_of,
                                                     unsigned stream_mask,
                                                     double *out, size_t out_len);

/** Columns of crvm_ledger_contact_covariates() (Cox model covariates). */
typedef enum crvm_covariate_column {
    CRVM_COV_CONTACTS = 0,          /**< contacts opened on or before as_of */
    CRVM_COV_TENURE_MONTHS = 1,     /**< (min(end, as_of) - start) / 30.436875 days; 0 if not started */
    CRVM_COV_CONTACTS_PER_MONTH = 2,/**< contacts / max(tenure months, 1) */
    CRVM_COV_REFUSAL_SHARE = 3,     /**< refused / contacts (0 without contacts) */
    CRVM_COV_ESCALATION_SHARE = 4,  /**< escalated / contacts (0 without contacts) */
    CRVM_COV_MEAN_RESOLUTION_DAYS = 5, /**< mean closed - opened of contacts closed by as_of (0 if none) */
    CRVM_COV_MEAN_SATISFACTION = 6, /**< mean score of the customer's rated contacts; if none, the
                                         mean over all rated contacts as of as_of (0 if no contact is rated) */
    CRVM_COV_RATED = 7              /**< number of rated contacts (0 marks an imputed mean satisfaction) */
} crvm_covariate_column;
/** Number of covariate columns. */
#define CRVM_COVARIATE_COLUMNS 8

/** Snake-case name of a covariate / RFM column, NULL if out of range. */
CRVM_API const char *crvm_covariate_column_name(int column);
/** @copydoc crvm_covariate_column_name */
CRVM_API const char *crvm_rfm_column_name(int column);

/**
 * Support-experience covariates of every customer from contacts opened on or
 * before @p as_of (a contact closed after as_of counts as not closed).
 * @param out row-major, customers x ::CRVM_COVARIATE_COLUMNS. No NaN.
 * @return ::CRVM_OK, ::CRVM_EINVAL.
 */
CRVM_API crvm_status crvm_ledger_contact_covariates(const crvm_ledger *ledger, crvm_date as_of,
                                                    double *out, size_t out_len);

/* ---------------------------------------------------------- contact panel */

/**
 * Columns of crvm_ledger_contact_panel(): one row per customer and period at
 * risk, the counting-process layout of crvm_cox_fit_intervals().
 */
typedef enum crvm_panel_column {
    CRVM_PANEL_START = 0,      /**< start of the interval, in periods since the customer's start (k - 1) */
    CRVM_PANEL_STOP = 1,       /**< end of the interval, in periods (k): the k-th renewal */
    CRVM_PANEL_EVENT = 2,      /**< 1 iff the customer churned at this renewal (its last row, churned as of as_of) */
    CRVM_PANEL_CONTACTS = 3,   /**< contacts opened in the interval */
    CRVM_PANEL_RESOLVED = 4,   /**< of which resolved (4 columns, ::crvm_outcome order) */
    CRVM_PANEL_WORKAROUND = 5, /**< of which given a workaround */
    CRVM_PANEL_REFUSED = 6,    /**< of which refused */
    CRVM_PANEL_ABANDONED = 7,  /**< of which abandoned */
    CRVM_PANEL_ESCALATED = 8,  /**< of which escalated */
    CRVM_PANEL_CLOSED = 9,     /**< of which closed on or before as_of */
    CRVM_PANEL_MEAN_RESOLUTION_DAYS = 10, /**< mean closed - opened (days) of the closed ones; 0 if none */
    CRVM_PANEL_RATED = 11,     /**< of which rated (a satisfaction score was given) */
    CRVM_PANEL_MEAN_SATISFACTION = 12 /**< mean score of the rated ones; 0 if none (see ::CRVM_PANEL_RATED) */
} crvm_panel_column;
/** Number of contact-panel columns. */
#define CRVM_PANEL_COLUMNS 13

/** Snake-case name of a contact-panel column ("start", "stop", "event", "contacts",
 *  "resolved", ...), NULL if out of range. */
CRVM_API const char *crvm_panel_column_name(int column);

/**
 * Number of rows of crvm_ledger_contact_panel() for the same arguments: the
 * sum over customers of the periods of crvm_ledger_retention_data() (customers
 * not yet started as of @p as_of, and active ones with no completed period,
 * contribute none).
 * @param[out] rows  the row count.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL argument, bad date or period, an as_of
 *         beyond the data: see "As-of dates" above), ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_ledger_contact_panel_size(const crvm_ledger *ledger, crvm_date as_of,
                                                    crvm_period period, size_t *rows);

/**
 * A per-period panel of support contacts for a Cox model with time-varying
 * covariates (crvm_cox_fit_intervals()), which measures how the contacts of
 * a period move the churn hazard at the next renewal without the
 * immortal-time bias of lifetime summaries.
 *
 * Periods are counted from each customer's start date exactly as in
 * crvm_ledger_retention_data(): renewal k falls on start + k periods
 * (crvm_date_add_periods()), and a customer with P = periods[i] > 0 gets P
 * rows, k = 1..P, the interval (k - 1, k] of row k covering the days
 * [start + (k-1) periods, start + k periods). event is 1 on row P of a customer
 * churned as of @p as_of (the renewal it did not make; a churn on any day of
 * that period counts) and 0 elsewhere; an active customer's rows are the
 * renewals it has made by @p as_of. So the events sum to the churned customers
 * and each customer's last stop is its periods.
 *
 * The contact columns describe the contacts opened in a row's days and on or
 * before @p as_of (a contact closed after as_of counts as not closed); those
 * of the simulator (crvm/simulate.h) in the month before renewal t are the
 * ones that change its churn probability at t, i.e. the row with stop t.
 * Contacts opened before the customer's start, or in a period after its
 * last row, are in no row.
 *
 * Rows are ordered by customer index, then period. Time O(customers +
 * contacts + rows); temporary memory 16 bytes per customer.
 *
 * @param customer, customer_len  receives the customer index (crvm_ledger_id()
 *                                of ::CRVM_TABLE_CUSTOMERS) of each row; length
 *                                crvm_ledger_contact_panel_size() rows.
 * @param out, out_len            row-major rows x ::CRVM_PANEL_COLUMNS. No NaN.
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL ledger or outputs, a length that
 *         does not match the panel size, bad date or period, an as_of beyond
 *         the data: see "As-of dates" above), ::CRVM_ENOMEM (outputs untouched).
 */
CRVM_API crvm_status crvm_ledger_contact_panel(const crvm_ledger *ledger, crvm_date as_of,
                                               crvm_period period,
                                               int32_t *customer, size_t customer_len,
                                               double *out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_LEDGER_H */
