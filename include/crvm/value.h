/**
 * @file crvm/value.h
 * @brief The relationship value model: what each customer is worth, what
 *        support adds to or takes from it, and the support P&L.
 *
 * The value layer joins a ledger (crvm/ledger.h), a cost model
 * (crvm/economics.h) and a fitted retention model into money, as of a date.
 * Every figure of `crvm report` and of Python's `crvm.ValueModel` is computed
 * here. Definitions, with their assumptions, are in docs/value.md; in short
 * (periods are the renewal period of the options, months by default; d is the
 * discount rate per period, from the cost model's annual rate):
 *
 * - contribution per period m_i: the customer's gross margin minus its cost
 *   to serve over the trailing window (default 12 months) ending on the as-of
 *   date (for a churned customer, on its end date), divided by the periods of
 *   the window it was a customer; optionally shrunk toward its segment's mean
 *   by @c shrinkage pseudo-periods.
 * - retention: a retention model fitted to the ledger's panel of periods
 *   (crvm/retention_cov.h: the sBG or BdW with support covariates by default;
 *   rows as crvm_ledger_contact_panel(), crvm_value_panel() gives them).
 *   Covariates z_s of period s, the period ending at renewal s: contacts
 *   opened in it, of which workaround, refused, abandoned, escalated; and
 *   silence, the whole periods from the customer's last touch (a contact
 *   opened, or a self-service view it made) before renewal s (its start if
 *   none) to renewal s, as two indicators: 3 to 5 periods, 6 or more. A
 *   covariate that takes one value in every row (no escalation recorded,
 *   say) carries no information and is left out of the model;
 *   crvm_value_covariate_name() lists those used.
 * - for an active customer with n renewals made: retention probability over H
 *   (P(makes the next H renewals)), expected residual lifetime (capped),
 *   discounted expected residual lifetime DERL (the next renewal undiscounted),
 *   residual value m_i * DERL, and value at risk over H: the residual value
 *   if churn within the next H renewals were ruled out, minus the residual value.
 * - the period in progress (ending at renewal n + 1) counts with what is known
 *   of it on as_of: its contacts so far, and the silence the customer will
 *   have at renewal n + 1 if it makes no further touch.
 * - future covariates (periods not yet begun): none (baseline), or each
 *   segment's average exposure multiplier exp(b'z) over the periods of its
 *   customers whose renewal falls in the trailing window.
 * - contact impact: for a contact opened in period s of its customer, the
 *   change in the customer's value at renewal s (ex ante: conditional on the
 *   history up to period s - 1, before the outcome of renewal s is known) when
 *   the contact is as it happened rather than with the reference outcome:
 *   m_i [DERL_s(z_s) - DERL_s(z_s with the contact's outcome replaced)].
 *   Negative means value lost. The reference may also be "no contact" (the
 *   contact removed from z_s, and its silence as it would then be). The
 *   money is that of renewal s, not discounted to as_of; contacts of churned
 *   customers count too (their m_i is that of their last trailing window).
 * - every model-derived figure carries an interval (the options' confidence,
 *   95% by default) by the delta method from the fitted parameters'
 *   covariance; sums (segments, totals, groups of contacts) use the gradient
 *   of the sum, not a sum of intervals. A customer's retention probability
 *   takes its interval on the logit scale (so it stays in (0, 1)); money is
 *   symmetric on its own scale. Intervals reflect parameter uncertainty only,
 *   not that of the contribution estimate nor of the future covariates.
 *
 * Money is in currency units; per-customer money figures are rounded to
 * whole cents and every roll-up (customers -> segments -> total, contact
 * impacts -> groups, P&L lines) is an exact sum of those cents.
 *
 * Lifetime of a ::crvm_value: it reads the ledger it was fitted on and keeps a
 * pointer to it; the ledger must outlive it. A call on a value whose ledger
 * has been modified since the fit returns ::CRVM_ESTATE.
 *
 * Thread safety: a ::crvm_value is immutable after crvm_value_fit(); every
 * `const crvm_value *` call may run concurrently (the ledger is only read).
 */
#ifndef CRVM_VALUE_H
#define CRVM_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/common.h"
#include "crvm/economics.h"
#include "crvm/ledger.h"
#include "crvm/retention_cov.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The retention model behind the values. */
typedef enum crvm_value_model {
    CRVM_VALUE_SBG = 0,    /**< shifted-beta-geometric with covariates (crvm/retention_cov.h) */
    CRVM_VALUE_BDW = 1,    /**< beta-discrete-Weibull with covariates (the default) */
    CRVM_VALUE_COX = 2,    /**< Cox model on the same panel, stratified by segment, Breslow
                                ties; the baseline hazard beyond the last observed period is its
                                mean over the last 12 observed periods; intervals from the
                                coefficients' covariance only (docs/value.md) */
    CRVM_VALUE_BGNBD = 3,  /**< non-contractual: BG/NBD on purchase days with Gamma-Gamma margin
                                per transaction (see "Non-contractual models" below) */
    CRVM_VALUE_PARETO = 4  /**< non-contractual: Pareto/NBD on purchase days with Gamma-Gamma
                                margin per transaction */
} crvm_value_model;

/** How future periods' covariates are assumed. */
typedef enum crvm_value_future {
    CRVM_FUTURE_BASELINE = 0,        /**< no contacts and no silence: exposure multiplier 1 */
    CRVM_FUTURE_SEGMENT_AVERAGE = 1  /**< the segment's mean exp(b'z) over the trailing window (default) */
} crvm_value_future;

/** Pass as a reference outcome: compare with the contact not having happened. */
#define CRVM_VALUE_NO_CONTACT (-1)

/** Settings of crvm_value_fit(). Fields are only ever appended. */
typedef struct crvm_value_options {
    crvm_value_model model;     /**< default ::CRVM_VALUE_BDW */
    int covariates;             /**< 1: support covariates in the retention model (default); 0: none */
    crvm_period period;         /**< renewal period (default ::CRVM_PERIOD_MONTH) */
    int horizon;                /**< H in months, a whole number of periods >= 1 (default 12) */
    int trailing_months;        /**< contribution window in months, >= 1 (default 12) */
    double shrinkage;           /**< pseudo-periods of the segment mean added to each customer's
                                     window, >= 0 (default 0: none) */
    crvm_value_future future;   /**< default ::CRVM_FUTURE_SEGMENT_AVERAGE */
    int lifetime_cap;           /**< periods counted in the expected residual lifetime (default 1200) */
    double confidence;          /**< level of every interval, in (0, 1) (default 0.95) */
    int reference_outcome;      /**< contact impact reference: a ::crvm_outcome or
                                     ::CRVM_VALUE_NO_CONTACT (default ::CRVM_OUTCOME_RESOLVED) */
    double discount_rate;       /**< annual rate in (0, 1); negative: the cost model's, which must
                                     then be positive (default -1) */
    int threads;                /**< worker threads of the fit and of every later call on the
                                     value; 0 or 1 = the calling thread only (default 0);
                                     results are bit-identical for any value */
    int per_segment;            /**< non-contractual models: 1 = fit the transaction and spend
                                     models per segment, 0 = one pooled fit (default); 0 or 1 */
} crvm_value_options;

/** Default value options, for static initialisation. */
#define CRVM_VALUE_OPTIONS_INIT                                                                     \
    {CRVM_VALUE_BDW, 1, CRVM_PERIOD_MONTH, 12, 12, 0.0, CRVM_FUTURE_SEGMENT_AVERAGE, 1200, 0.95,  \
     CRVM_OUTCOME_RESOLVED, -1.0, 0, 0}

/** Set @p options to the defaults (::CRVM_VALUE_OPTIONS_INIT); NULL is ignored. */
CRVM_API void crvm_value_options_init(crvm_value_options *options);

/** The value of a customer base as of a date. Opaque, immutable after the fit. */
typedef struct crvm_value crvm_value;

/**
 * Fit the retention model to the ledger's data up to @p as_of and value every
 * customer. Uses only rows dated on or before @p as_of.
 * @param costs   NULL for the defaults (crvm_cost_model_init_defaults())
 * @param options NULL for the defaults
 * @param out     receives the value on ::CRVM_OK only; free with crvm_value_free()
 * @return ::CRVM_OK;
 *         ::CRVM_EINVAL (NULL ledger or out, a bad option or cost model, named;
 *         @p as_of before the ledger's first date or more than one period after
 *         its last date, customers' end dates included; a discount rate of 0);
 *         ::CRVM_EDOMAIN (no customer active on @p as_of; the retention data
 *         are degenerate, as for the retention fits; a figure whose accuracy
 *         cannot be guaranteed, naming the customer);
 *         ::CRVM_ECONVERGE (the retention fit did not converge);
 *         ::CRVM_EDOMAIN or ::CRVM_EINVAL from the money checks (a sum that
 *         would overflow);
 *         ::CRVM_ENOMEM.
 *         Non-contractual models (::CRVM_VALUE_BGNBD, ::CRVM_VALUE_PARETO) also:
 *         ::CRVM_EINVAL (a customer with an end date on or before @p as_of, named:
 *         those models assume departures are never observed; options.per_segment
 *         not 0 or 1); ::CRVM_EDOMAIN (a negative revenue event, named with its
 *         customer and date; no customer with a purchase; no repeat customer with a
 *         positive mean margin for the spend model, naming the segment when
 *         per_segment; a fit whose covariance is not available; a figure whose
 *         accuracy cannot be guaranteed, naming the customer); ::CRVM_ECONVERGE
 *         (the transaction or spend fit did not converge, naming which).
 */
CRVM_API crvm_status crvm_value_fit(const crvm_ledger *ledger, const crvm_cost_model *costs,
                                    crvm_date as_of, const crvm_value_options *options,
                                    crvm_value **out);

/** Free a value (NULL is accepted). It does not free the ledger. */
CRVM_API void crvm_value_free(crvm_value *value);

/** Facts about a value. */
typedef struct crvm_value_info {
    crvm_date as_of;          /**< the as-of date */
    crvm_value_model model;   /**< the retention model */
    size_t customers;         /**< rows of crvm_value_customers() (all ledger customers) */
    size_t active;            /**< customers active on as_of */
    size_t segments;          /**< segments (crvm_value_segments() has one more row: the total) */
    size_t contacts;          /**< rows of the per-contact calls (all ledger contacts) */
    size_t covariates;        /**< covariates of the retention model */
    double discount_rate;     /**< per period, as used */
    crvm_fit_report report;   /**< the retention fit's report */
    int horizon;              /**< H in months, as the options gave it */
    double confidence;        /**< level of every interval, as the options gave it */
} crvm_value_info;

/** Fill @p out. @return ::CRVM_OK; ::CRVM_EINVAL (NULL); ::CRVM_ESTATE (ledger modified). */
CRVM_API crvm_status crvm_value_get_info(const crvm_value *value, crvm_value_info *out);

/**
 * The fitted covariate retention model (::CRVM_VALUE_SBG and ::CRVM_VALUE_BDW),
 * borrowed: valid while @p value lives. Its group g is segment g of the ledger.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL); ::CRVM_ESTATE (ledger modified, or another
 *         model kind: the Cox option's effects are in crvm_value_covariate_effects()).
 */
CRVM_API crvm_status crvm_value_retention_model(const crvm_value *value,
                                                const crvm_retention_cov **out);

/**
 * Name of covariate @p j of the retention model ("contacts", "workaround",
 * "refused", "abandoned", "escalated", "silent_3_5", "silent_6_plus").
 * Static storage; NULL if out of range or the value has no covariates.
 */
CRVM_API const char *crvm_value_covariate_name(const crvm_value *value, size_t j);

/** Columns of crvm_value_covariate_effects(). */
typedef enum crvm_effect_column {
    CRVM_EFFECT_COEFFICIENT = 0,    /**< b_j: log hazard ratio per unit of the covariate */
    CRVM_EFFECT_STANDARD_ERROR = 1, /**< its standard error */
    CRVM_EFFECT_HAZARD_RATIO = 2,   /**< exp(b_j): how many times one unit multiplies the churn hazard */
    CRVM_EFFECT_LOWER = 3,          /**< exp(b_j - z se), z of the options' confidence */
    CRVM_EFFECT_UPPER = 4,          /**< exp(b_j + z se) */
    CRVM_EFFECT_P_VALUE = 5         /**< two-sided Wald test of b_j = 0 */
} crvm_effect_column;
/** Number of covariate-effect columns. */
#define CRVM_EFFECT_COLUMNS 6

/**
 * The retention model's covariate effects, one row per covariate
 * (crvm_value_covariate_name() order) x ::CRVM_EFFECT_COLUMNS, row-major.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, @p out_len not covariates x columns);
 *         ::CRVM_ESTATE (ledger modified).
 */
CRVM_API crvm_status crvm_value_covariate_effects(const crvm_value *value, double *out,
                                                  size_t out_len);

/**
 * Size of the retention panel the value's model was fitted to, in the layout
 * of crvm/retention_cov.h: one subject per ledger customer (ledger order; a
 * customer not yet started on as_of, or without a completed period, has no
 * rows), one row per customer and period at risk, and the model's covariates
 * (crvm_value_covariate_name()). Any output may be NULL.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL value); ::CRVM_ESTATE (ledger modified).
 */
CRVM_API crvm_status crvm_value_panel_size(const crvm_value *value, size_t *subjects,
                                           size_t *rows, size_t *covariates);

/**
 * The panel itself, for crvm_retention_cov_fit() (which fitted to it with the
 * value's kind gives the value's model) or crvm_retention_cov_predict(). Each
 * output may be NULL with length 0, else its length is that of
 * crvm_value_panel_size(): subjects for @p subject_group (segment index), rows
 * for @p row_subject, @p row_period and @p row_event, rows x covariates for @p z.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL value, a length that does not match);
 *         ::CRVM_ESTATE (ledger modified).
 */
CRVM_API crvm_status crvm_value_panel(const crvm_value *value, int32_t *subject_group,
                                      size_t subject_group_len, int32_t *row_subject,
                                      size_t row_subject_len, int32_t *row_period,
                                      size_t row_period_len, int32_t *row_event,
                                      size_t row_event_len, double *z, size_t z_len);

/* ---------------------------------------------------------- per customer */

/** Columns of crvm_value_customers(); money per customer in currency units (whole cents). */
typedef enum crvm_value_column {
    CRVM_VC_ACTIVE = 0,            /**< 1 if a customer on as_of (started, not churned), else 0 */
    CRVM_VC_SEGMENT = 1,           /**< segment index */
    CRVM_VC_TENURE = 2,            /**< renewals made (active), periods begun (churned: its last
                                        is the renewal not made), 0 if not started */
    CRVM_VC_GROSS_MARGIN = 3,      /**< gross margin per period over the trailing window */
    CRVM_VC_COST_TO_SERVE = 4,     /**< cost to serve per period over the trailing window */
    CRVM_VC_CONTRIBUTION = 5,      /**< m_i: expected contribution per period going forward */
    CRVM_VC_RETENTION = 6,         /**< P(still a customer after the horizon) */
    CRVM_VC_RETENTION_LOWER = 7,   /**< its interval */
    CRVM_VC_RETENTION_UPPER = 8,
    CRVM_VC_CHURN_NEXT = 9,        /**< P(leaves at the next renewal) */
    CRVM_VC_RESIDUAL_LIFETIME = 10, /**< expected further periods (within the lifetime cap) */
    CRVM_VC_DERL = 11,             /**< discounted expected residual lifetime, periods */
    CRVM_VC_RESIDUAL_VALUE = 12,   /**< m_i * DERL */
    CRVM_VC_RESIDUAL_VALUE_LOWER = 13,
    CRVM_VC_RESIDUAL_VALUE_UPPER = 14,
    CRVM_VC_VALUE_AT_RISK = 15,    /**< expected value lost to churn within the horizon */
    CRVM_VC_VALUE_AT_RISK_LOWER = 16,
    CRVM_VC_VALUE_AT_RISK_UPPER = 17,
    CRVM_VC_SILENCE = 18,          /**< whole periods since the last touch, as of as_of */
    CRVM_VC_RISK_MULTIPLIER = 19   /**< exp(b'z) of the current period so far (1 without covariates) */
} crvm_value_column;
/** Number of customer columns. */
#define CRVM_VC_COLUMNS 20

/** Snake-case name of a customer column ("active", "segment", ...), NULL if out of range. */
CRVM_API const char *crvm_value_column_name(int column);

/**
 * Every ledger customer (in ledger order; inactive ones have ACTIVE = 0 and
 * zero model figures, but their trailing economics), customers x
 * ::CRVM_VC_COLUMNS row-major.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, wrong @p out_len); ::CRVM_ESTATE.
 */
CRVM_API crvm_status crvm_value_customers(const crvm_value *value, double *out, size_t out_len);

/* ------------------------------------------------------------- roll-ups */

/** Columns of crvm_value_segments(). */
typedef enum crvm_value_segment_column {
    CRVM_VS_CUSTOMERS = 0,          /**< active customers */
    CRVM_VS_CONTRIBUTION = 1,       /**< sum of contribution per period */
    CRVM_VS_EXPECTED_RETAINED = 2,  /**< sum of retention probabilities */
    CRVM_VS_EXPECTED_RETAINED_LOWER = 3,
    CRVM_VS_EXPECTED_RETAINED_UPPER = 4,
    CRVM_VS_RESIDUAL_VALUE = 5,     /**< sum of residual values (exact sum of cents) */
    CRVM_VS_RESIDUAL_VALUE_LOWER = 6,
    CRVM_VS_RESIDUAL_VALUE_UPPER = 7,
    CRVM_VS_VALUE_AT_RISK = 8,      /**< sum of values at risk */
    CRVM_VS_VALUE_AT_RISK_LOWER = 9,
    CRVM_VS_VALUE_AT_RISK_UPPER = 10
} crvm_value_segment_column;
/** Number of segment columns. */
#define CRVM_VS_COLUMNS 11

/** Snake-case name of a segment column, NULL if out of range. */
CRVM_API const char *crvm_value_segment_column_name(int column);

/**
 * Segment roll-ups: (segments + 1) x ::CRVM_VS_COLUMNS row-major, row s for
 * segment s and the last row for the whole base.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, wrong @p out_len); ::CRVM_ESTATE.
 */
CRVM_API crvm_status crvm_value_segments(const crvm_value *value, double *out, size_t out_len);

/* -------------------------------------------------------- contact impact */

/**
 * The impact of every ledger contact (ledger contact order), in currency
 * units (whole cents): see the file comment. 0 for a contact already at the
 * reference, opened after as_of, or before its customer's start.
 * @param reference a ::crvm_outcome or ::CRVM_VALUE_NO_CONTACT
 * Cost: one engine query per period with contacts plus one per counterfactual
 * contact type in it, a query that several customers ask answered about
 * twice in all (later askings read a memo); temporary memory 8 bytes per
 * contact and customer (none when the ledger keeps its contacts in customer
 * order: they are then read by blocks of customers), 4-8 bytes per contact
 * whose outcome differs from the reference, and about 100 bytes per query
 * asked more than once.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, length, bad reference); ::CRVM_ESTATE
 *         (ledger modified; a model without covariates, or a non-contractual model);
 *         ::CRVM_EDOMAIN (a value whose accuracy cannot be guaranteed, or an impact
 *         beyond 2^53 cents, naming the customer); ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_value_contact_impacts(const crvm_value *value, int reference,
                                               double *impact, size_t impact_len);

/** Columns of crvm_value_impact_by(). */
typedef enum crvm_impact_column {
    CRVM_IMPACT_CONTACTS = 0, /**< contacts in the group */
    CRVM_IMPACT_VALUE = 1,    /**< sum of their impacts */
    CRVM_IMPACT_LOWER = 2,    /**< interval of the sum */
    CRVM_IMPACT_UPPER = 3
} crvm_impact_column;
/** Number of impact columns. */
#define CRVM_IMPACT_COLUMNS 4

/**
 * Contact impacts summed by a caller-given grouping, with the interval of
 * each sum: "what refusals cost, by queue".
 * @param group   per ledger contact, its group 0..groups-1, or -1 to leave it out
 *                (e.g. contacts outside a quarter); crvm_value_contact_groups() makes one
 * @param out     groups x ::CRVM_IMPACT_COLUMNS row-major; the contacts counted are
 *                those of the group opened on or before as_of
 * Memory: a gradient (parameters doubles) per group and worker slot.
 * @return as crvm_value_contact_impacts(); ::CRVM_EINVAL also for a group out of range.
 */
CRVM_API crvm_status crvm_value_impact_by(const crvm_value *value, int reference,
                                          const int32_t *group, size_t group_len, size_t groups,
                                          double *out, size_t out_len);

/**
 * Several groupings at once: each exactly as crvm_value_impact_by() gives it
 * (the same sums, to the bit), from one pass over the contacts, so that a
 * report's tables by outcome, channel, queue, ... cost one impact walk, not
 * one each.
 * @param group        groupings x ledger contacts, row-major: grouping j's group of
 *                     contact k at group[j * contacts + k], 0..group_count[j]-1 or -1
 * @param group_count  per grouping, its number of groups (>= 1); group_count_len is
 *                     the number of groupings (>= 1)
 * @param out          (sum of group_count) x ::CRVM_IMPACT_COLUMNS row-major, the
 *                     groups of grouping 0 first, then those of grouping 1, ...
 * Cost: that of one crvm_value_impact_by() plus, per contact and grouping it
 * counts in, one gradient addition (parameters doubles). Memory: a gradient per
 * group of every grouping and worker slot.
 * @return as crvm_value_impact_by(); ::CRVM_EINVAL also for @p group_len not
 *         groupings x contacts, a count below 1, or @p out_len
 *         not the total of the counts x ::CRVM_IMPACT_COLUMNS.
 */
CRVM_API crvm_status crvm_value_impact_by_many(const crvm_value *value, int reference,
                                               const int32_t *group, size_t group_len,
                                               const int32_t *group_count, size_t group_count_len,
                                               double *out, size_t out_len);

/** Fields of a contact to group by. */
typedef enum crvm_contact_field {
    CRVM_FIELD_OUTCOME = 0,   /**< ::crvm_outcome */
    CRVM_FIELD_CHANNEL = 1,   /**< ::crvm_channel */
    CRVM_FIELD_TIER = 2,      /**< tier 1..3 */
    CRVM_FIELD_ESCALATED = 3, /**< "no" / "yes" */
    CRVM_FIELD_MONTH = 4,     /**< calendar month opened, "YYYY-MM" */
    CRVM_FIELD_QUARTER = 5,   /**< calendar quarter opened, "YYYY-Qn" */
    CRVM_FIELD_SEGMENT = 6,   /**< the customer's segment */
    CRVM_FIELD_ATTRIBUTE = 7  /**< a string attribute of the contact (agent, queue, ...) */
} crvm_contact_field;

/**
 * A grouping of the ledger contacts by one field, for crvm_value_impact_by():
 * group[k] for contact k (-1 for a contact opened after as_of, or with no value
 * of the attribute), groups in first-appearance order except for the
 * enumerated fields (their code order) and months/quarters (time order).
 * @param attribute  the attribute's name for ::CRVM_FIELD_ATTRIBUTE, else NULL
 * @param groups     receives the number of groups
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, length, bad field, no attribute name);
 *         ::CRVM_ENOTFOUND (no such attribute); ::CRVM_ESTATE.
 */
CRVM_API crvm_status crvm_value_contact_groups(const crvm_value *value, crvm_contact_field field,
                                               const char *attribute, int32_t *group,
                                               size_t group_len, size_t *groups);

/**
 * Label of group @p g of the same grouping ("refused", "phone", "2", "yes",
 * "2024-03", "2024-Q1", a segment or attribute value), written with its NUL
 * into @p buf.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, @p g out of range, @p buf too short:
 *         the message gives the length needed); ::CRVM_ENOTFOUND; ::CRVM_ESTATE.
 */
CRVM_API crvm_status crvm_value_group_label(const crvm_value *value, crvm_contact_field field,
                                            const char *attribute, size_t g, char *buf,
                                            size_t buf_len);

/* ------------------------------------------------------------ support P&L */

/** Lines of the support P&L (currency units, whole cents, except where said). */
typedef enum crvm_pnl_line {
    CRVM_PNL_SUPPORT_PLAN_REVENUE = 0,    /**< support-plan revenue dated in the period */
    CRVM_PNL_SOURCED_REVENUE = 1,         /**< revenue dated in the period that names the contact that
                                               sourced it (support-plan revenue excluded: it is line 0) */
    CRVM_PNL_KNOWLEDGE_LABOUR_SAVING = 2, /**< handle time saved by assisted reuse in the period */
    CRVM_PNL_KNOWLEDGE_DEFLECTION_SAVING = 3, /**< contacts avoided by self-service in the period */
    CRVM_PNL_CONTACT_VALUE_EFFECT = 4,    /**< sum of the impacts of the period's contacts against
                                               no contact (the net value effect on the base) */
    CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER = 5,
    CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER = 6,
    CRVM_PNL_VALUE = 7,                   /**< lines 0 + 1 + 2 + 3 + 4 */
    CRVM_PNL_LABOUR_COST = 8,             /**< contacts opened in the period, costed */
    CRVM_PNL_CHANNEL_COST = 9,
    CRVM_PNL_ESCALATION_COST = 10,
    CRVM_PNL_OVERHEAD_COST = 11,
    CRVM_PNL_SELF_SERVICE_COST = 12,      /**< self-service sessions (views) in the period, attributed
                                               to a customer or not */
    CRVM_PNL_KNOWLEDGE_COST = 13,         /**< authoring of articles created and upkeep accrued in the period */
    CRVM_PNL_COST = 14,                   /**< lines 8 to 13 */
    CRVM_PNL_NET_CONTRIBUTION = 15,       /**< value - cost */
    CRVM_PNL_NET_CONTRIBUTION_LOWER = 16,
    CRVM_PNL_NET_CONTRIBUTION_UPPER = 17,
    CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR = 18, /**< value / cost (a ratio; 0 when cost is 0) */
    CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_LOWER = 19,
    CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_UPPER = 20,
    CRVM_PNL_CONTACTS = 21                /**< contacts opened in the period (a count) */
} crvm_pnl_line;
/** Number of P&L lines. */
#define CRVM_PNL_LINES 22

/** Snake-case name of a P&L line, NULL if out of range. */
CRVM_API const char *crvm_pnl_line_name(int line);

/**
 * The support P&L of the days [@p from, @p until) (within the data up to
 * as_of: until <= as_of + 1). Revenue and cost lines reconcile to the cent
 * with the ledger and crvm_customer_economics() over the same window (self-
 * service also counts views attributed to no customer); over the whole history
 * the knowledge lines equal crvm_knowledge_base_value() as of as_of.
 * @param out ::CRVM_PNL_LINES values
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, length, from > until, a window past
 *         as_of); ::CRVM_ESTATE; ::CRVM_EDOMAIN (as crvm_value_contact_impacts(), or a
 *         line beyond 2^53 cents); ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_value_support_pnl(const crvm_value *value, crvm_date from,
                                            crvm_date until, double *out, size_t out_len);

/* ------------------------------------------------------------- outreach */

/** How crvm_value_outreach() ranks active customers. */
typedef enum crvm_outreach_rank {
    CRVM_RANK_VALUE_AT_RISK = 0,   /**< by value at risk */
    CRVM_RANK_EXPECTED_SAVING = 1  /**< by save rate x value at risk - outreach cost (cost model),
                                        listing only customers for whom it is positive */
} crvm_outreach_rank;

/**
 * The @p n active customers ranked first (ties by customer index), written
 * to @p customer (ledger customer indices); @p count receives how many were
 * written: min(n, active), or fewer by expected saving when fewer customers
 * are worth an outreach. O(customers log n).
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, @p customer_len < n, bad rank);
 *         ::CRVM_ESTATE; ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_value_outreach(const crvm_value *value, crvm_outreach_rank rank,
                                         size_t n, int32_t *customer, size_t customer_len,
                                         size_t *count);

/**
 * The score by which crvm_value_outreach() ranks each customer, in money:
 * its value at risk (::CRVM_RANK_VALUE_AT_RISK), or the expected saving of an
 * outreach, save rate x value at risk - outreach cost
 * (::CRVM_RANK_EXPECTED_SAVING); NaN for a customer the ranking leaves out
 * (not active, or by expected saving not positive). With it, lists made on
 * parts of a base (crvm.spark: one per bucket of customers) merge into the
 * base's list: the highest scores first. O(customers).
 * @param score one value per customer (crvm_value_info.customers, ledger order)
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, @p score_len not the customers, bad
 *         rank); ::CRVM_ESTATE.
 */
CRVM_API crvm_status crvm_value_outreach_scores(const crvm_value *value, crvm_outreach_rank rank,
                                                double *score, size_t score_len);

/** One driver of a customer's churn risk now. */
typedef struct crvm_value_driver {
    int covariate;      /**< covariate index (crvm_value_covariate_name()) */
    double amount;      /**< its value in the period (a count, or periods of silence) */
    int periods_ago;    /**< 0: the current period so far, 1: the last complete one */
    double multiplier;  /**< exp(b_j z_j): how many times it multiplies the churn hazard */
} crvm_value_driver;

/**
 * The drivers of customer @p customer's risk: covariates of its current and
 * last complete periods that raise its hazard (multiplier > 1), the largest
 * first; @p count receives how many were written (at most @p out_len). Only
 * the current period's enter the next renewal's hazard; the last complete
 * period's raised that of the renewal just made, and are shown as context. A
 * customer not active on as_of, or a model without covariates, has none.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, customer out of range); ::CRVM_ESTATE.
 */
CRVM_API crvm_status crvm_value_drivers(const crvm_value *value, size_t customer,
                                        crvm_value_driver *out, size_t out_len, size_t *count);

/**
 * The drivers in words, e.g. "2 refused contacts this month; silent 4 months",
 * or "no support driver" (NUL-terminated; truncated to @p buf_len - 1 bytes).
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, customer out of range, @p buf_len 0); ::CRVM_ESTATE.
 */
CRVM_API crvm_status crvm_value_drivers_text(const crvm_value *value, size_t customer, char *buf,
                                             size_t buf_len);

/* -------------------------------------------------------------- what-if */

/** Kinds of policy scenario. */
typedef enum crvm_scenario_kind {
    CRVM_SCENARIO_REMAP_OUTCOME = 0,    /**< a share of one outcome's contacts get another outcome */
    CRVM_SCENARIO_SHIFT_TO_SELF_SERVICE = 1 /**< a share of one channel's contacts go to self-service */
} crvm_scenario_kind;

/** A policy change applied to the contacts opened in [from, until). */
typedef struct crvm_scenario {
    crvm_scenario_kind kind;
    int from_outcome;              /**< REMAP: outcome re-mapped (e.g. refused) */
    int to_outcome;                /**< REMAP: the new outcome (e.g. workaround) */
    double share;                  /**< share of the affected contacts, in [0, 1] */
    double extra_cost_per_contact; /**< REMAP: added cost per re-mapped contact, >= 0 */
    int channel;                   /**< SHIFT: the channel whose contacts move */
    double self_service_success;   /**< SHIFT: share of moved contacts resolved by self-service,
                                        in [0, 1]; the rest still come as contacts */
    crvm_date from, until;         /**< contacts opened in [from, until), until <= as_of + 1 */
} crvm_scenario;

/** A scenario that changes nothing: remap refused to workaround, share 0, over all dates. */
#define CRVM_SCENARIO_INIT                                                                   \
    {CRVM_SCENARIO_REMAP_OUTCOME, CRVM_OUTCOME_REFUSED, CRVM_OUTCOME_WORKAROUND, 0.0, 0.0,    \
     CRVM_CHANNEL_PHONE, 1.0, CRVM_DATE_MIN, CRVM_DATE_MAX}

/** Columns of crvm_value_scenario(): changes against what happened. */
typedef enum crvm_scenario_column {
    CRVM_SCEN_CONTACTS = 0,        /**< expected contacts affected (share x eligible) */
    CRVM_SCEN_COST_CHANGE = 1,     /**< change in support cost (negative = saving) */
    CRVM_SCEN_VALUE_CHANGE = 2,    /**< change in customer value (sum of impact changes) */
    CRVM_SCEN_VALUE_CHANGE_LOWER = 3,
    CRVM_SCEN_VALUE_CHANGE_UPPER = 4,
    CRVM_SCEN_NET_CHANGE = 5,      /**< value change - cost change: the change in net contribution */
    CRVM_SCEN_NET_CHANGE_LOWER = 6,
    CRVM_SCEN_NET_CHANGE_UPPER = 7
} crvm_scenario_column;
/** Number of scenario columns. */
#define CRVM_SCEN_COLUMNS 8

/**
 * Value a policy change (docs/value.md): the change in the support P&L over
 * the scenario's window and in customer value, with intervals.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, a field out of range, named);
 *         ::CRVM_ESTATE (ledger modified, or a model without covariates);
 *         ::CRVM_EDOMAIN (a period with more than 4096 ways its contacts can change,
 *         an accuracy or a sum as in crvm_value_contact_impacts(), naming the customer);
 *         ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_value_scenario(const crvm_value *value, const crvm_scenario *scenario,
                                         double *out, size_t out_len);

/* ------------------------------------------------------------- knowledge */

/** Columns of crvm_value_knowledge(). */
typedef enum crvm_value_knowledge_column {
    CRVM_VK_SAVING = 0,            /**< saving to date (crvm/economics.h ::CRVM_KV_SAVING) */
    CRVM_VK_COST = 1,              /**< cost to date */
    CRVM_VK_VALUE = 2,             /**< saving - cost to date */
    CRVM_VK_ROI = 3,               /**< value / cost to date (0 when cost is 0) */
    CRVM_VK_PAYBACK_DAYS = 4,      /**< days to payback, -1 if not yet */
    CRVM_VK_USES_PER_PERIOD = 5,   /**< trailing-window uses (assisted + resolved views) per period */
    CRVM_VK_PROJECTED_SAVING = 6,  /**< discounted saving of future uses over the horizon at that rate */
    CRVM_VK_PROJECTED_UPKEEP = 7,  /**< discounted upkeep over the horizon */
    CRVM_VK_PROJECTED_VALUE = 8    /**< projected saving - projected upkeep */
} crvm_value_knowledge_column;
/** Number of knowledge columns. */
#define CRVM_VK_COLUMNS 9

/** Snake-case name of a knowledge column, NULL if out of range. */
CRVM_API const char *crvm_value_knowledge_column_name(int column);

/**
 * Every article (ledger order) x ::CRVM_VK_COLUMNS, row-major.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, wrong length); ::CRVM_ESTATE; ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_value_knowledge(const crvm_value *value, double *out, size_t out_len);

/* ------------------------------------------------- non-contractual models */

/*
 * With ::CRVM_VALUE_BGNBD or ::CRVM_VALUE_PARETO (docs/value.md "Non-contractual
 * models") the customers have no contract: revenue events are purchases, and a
 * customer's departure is never observed. Each customer's revenue days on or
 * before as_of (several events on one day are one transaction) give its
 * summary in days: x repeat purchase days, t_x from the first to the last,
 * T = as_of + 1 - first (time runs to the end of as_of), and the mean gross
 * margin of its repeat transactions. A BG/NBD or Pareto/NBD model
 * (crvm/transactions.h) is fitted to the summaries, and a Gamma-Gamma model
 * (crvm/spend.h) to the repeat customers' mean margins, pooled or per segment.
 * The customer table then holds, for each customer with a purchase ("active"):
 * retention = P(alive at as_of + H); churn_next = 1 - P(alive at as_of);
 * expected_residual_lifetime = the discounted expected time alive after as_of,
 * in periods; derl = DERT, the discounted expected residual transactions;
 * residual value = DERT x expected margin per transaction - cost to serve per
 * period x discounted periods alive; value at risk = the residual value if
 * death within H were ruled out minus the residual value. Discounting is
 * continuous at ln(1 + annual rate) / 365.25 per day. Intervals: the delta
 * method, derivatives in the transaction parameters by forward differences.
 * Customers are evaluated in chunks on options.threads threads; results are
 * bit-identical for any thread count.
 * Contact impacts and scenarios return ::CRVM_ESTATE (no support covariates);
 * the P&L's contact value effect is 0.
 */

/** Columns of crvm_value_nc_customers(). */
typedef enum crvm_value_nc_column {
    CRVM_VNC_FREQUENCY = 0,        /**< x: repeat purchase days on or before as_of */
    CRVM_VNC_RECENCY = 1,          /**< t_x: days from the first purchase to the last */
    CRVM_VNC_T = 2,                /**< T: days from the first purchase to the end of as_of */
    CRVM_VNC_MEAN_MARGIN = 3,      /**< mean gross margin of the repeat transactions (0 if x = 0) */
    CRVM_VNC_EXPECTED_MARGIN = 4,  /**< Gamma-Gamma expected margin per future transaction */
    CRVM_VNC_P_ALIVE = 5,          /**< P(alive at as_of) */
    CRVM_VNC_EXPECTED_TRANSACTIONS = 6 /**< expected transactions in the days (as_of, as_of + H] */
} crvm_value_nc_column;
/** Number of non-contractual columns. */
#define CRVM_VNC_COLUMNS 7

/** Snake-case name of a non-contractual column ("frequency", ...), NULL if out of range. */
CRVM_API const char *crvm_value_nc_column_name(int column);

/**
 * The transaction summary and model figures of every ledger customer (ledger
 * order), customers x ::CRVM_VNC_COLUMNS row-major; a customer without a
 * purchase on or before as_of has a row of zeros (it is not active).
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, wrong @p out_len); ::CRVM_ESTATE (ledger
 *         modified, or a contractual model).
 */
CRVM_API crvm_status crvm_value_nc_customers(const crvm_value *value, double *out, size_t out_len);

/**
 * The fitted non-contractual models of group @p group (segment @p group with
 * options.per_segment, else 0: the pooled fit). @p params receives 7 values:
 * the transaction model's four (order of ::crvm_txn_params: r, alpha, a, b
 * for BG/NBD; r, alpha, s, beta for Pareto/NBD; time in days) then the
 * Gamma-Gamma p, q, v (money in currency units); @p cov receives their 7 x 7
 * covariance, row-major (the two fits are independent: zero across them).
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, @p params_len not 7, @p cov_len not
 *         49, @p group out of range); ::CRVM_ESTATE (ledger modified, or a
 *         contractual model).
 */
CRVM_API crvm_status crvm_value_nc_model(const crvm_value *value, size_t group, double *params,
                                         size_t params_len, double *cov, size_t cov_len);

/* ------------------------------------------------ a base valued in parts */

/*
 * A base too large for one machine (crvm.spark) is valued in parts: each part
 * a ledger holding some of the customers with all their rows (contacts,
 * revenue, self-service views). Every part gives its retention panel without
 * fitting (crvm_value_rows_build()); the covariate retention model is fitted
 * once to the union of the panels (crvm_retention_cov_fit(), or its
 * log-likelihood summed over the parts); each part is then valued with that
 * shared model and the base's per-segment pattern counts
 * (crvm_value_fit_shared()). A customer's row then equals its row of
 * crvm_value_fit() on the whole base fitted to the same model, and every sum
 * (segments, contact groups, the P&L's contact value effect) is the sum of
 * the parts' sums: cents exactly, and gradients (crvm_value_segment_gradients(),
 * crvm_value_impact_sums()) to rounding, from which crvm_value_sum_interval()
 * gives the interval crvm_value_fit() gives.
 */

/** Candidate covariates of the panel rows of crvm_value_rows_get(). */
#define CRVM_VALUE_CANDIDATES 7

/**
 * Name of candidate covariate @p j (the names of crvm_value_covariate_name():
 * "contacts", "workaround", "refused", "abandoned", "escalated", "silent_3_5",
 * "silent_6_plus"); static storage; NULL if out of range.
 */
CRVM_API const char *crvm_value_candidate_name(int j);

/** The value model's retention panel of a ledger, not fitted. Opaque, immutable. */
typedef struct crvm_value_rows crvm_value_rows;

/**
 * The panel crvm_value_fit() would fit to (the rows of crvm_value_panel(),
 * with all ::CRVM_VALUE_CANDIDATES candidate covariates, before the constant
 * ones are left out), and which rows enter the segments' future exposure
 * (::CRVM_FUTURE_SEGMENT_AVERAGE: those whose renewal falls in the trailing
 * window). Uses options.period and options.trailing_months; the other options
 * are checked as by crvm_value_fit(). The result does not refer to the ledger.
 * Time O(customers + rows + contacts + knowledge uses); memory 4 bytes a row
 * and 40 a customer.
 * @param options NULL for the defaults
 * @param out     receives the panel on ::CRVM_OK only; free with crvm_value_rows_free()
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL ledger or out, a bad option, @p as_of
 *         outside the ledger's data as for crvm_value_fit(), an empty ledger);
 *         ::CRVM_EDOMAIN (more than 2^32 - 1 touches of one kind in a period);
 *         ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_value_rows_build(const crvm_ledger *ledger, crvm_date as_of,
                                           const crvm_value_options *options,
                                           crvm_value_rows **out);

/** Free a panel (NULL is accepted). */
CRVM_API void crvm_value_rows_free(crvm_value_rows *rows);

/**
 * Size of the panel: one subject per ledger customer (ledger order), one row
 * per customer and period at risk. Any output may be NULL.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL panel).
 */
CRVM_API crvm_status crvm_value_rows_size(const crvm_value_rows *rows, size_t *subjects,
                                          size_t *row_count);

/**
 * The panel, in the layout of crvm_retention_cov_fit(): @p subject_group
 * (segment index in the ledger; subjects values), and per row @p row_subject,
 * @p row_period (1, 2, ...), @p row_event (1: churned at that renewal), @p z
 * (rows x ::CRVM_VALUE_CANDIDATES, row-major, crvm_value_candidate_name()
 * order) and @p row_recent (1 if the row enters its segment's future exposure
 * multiplier: its renewal falls in the trailing window). Each output may be
 * NULL with length 0, else its length is that given.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL panel, a length that does not match).
 */
CRVM_API crvm_status crvm_value_rows_get(const crvm_value_rows *rows, int32_t *subject_group,
                                         size_t subject_group_len, int32_t *row_subject,
                                         size_t row_subject_len, int32_t *row_period,
                                         size_t row_period_len, int32_t *row_event,
                                         size_t row_event_len, double *z, size_t z_len,
                                         int32_t *row_recent, size_t row_recent_len);

/**
 * Value a ledger (one part of a base, or the whole) with a retention model
 * fitted elsewhere: like crvm_value_fit(), except that the covariate retention
 * model is @p model rather than a fit to this ledger's panel, and the
 * segments' future exposure (::CRVM_FUTURE_SEGMENT_AVERAGE) comes from the
 * pattern counts of the whole base rather than of this ledger.
 * @param model          an sBG or BdW with covariates (crvm/retention_cov.h) of the
 *                       kind of options.model (::CRVM_VALUE_SBG or ::CRVM_VALUE_BDW);
 *                       copied: it need not outlive the value. Its report becomes the value's.
 * @param segment_group  per ledger segment (crvm_ledger_id() order), the model's group of
 *                       that segment; distinct groups in 0..groups-1
 * @param covariates     per model covariate, its candidate index (crvm_value_candidate_name()):
 *                       covariate j of the model is candidate covariates[j]; distinct;
 *                       none when options.covariates is 0
 * @param future_group   per entry of the base's pattern counts, the model group
 * @param future_z       per entry, its ::CRVM_VALUE_CANDIDATES candidate values (row-major)
 * @param future_count   per entry, 2 counts: rows of the group with that vector whose
 *                       renewal falls in the trailing window (row_recent of
 *                       crvm_value_rows_get()), and all its rows. The entries of one
 *                       group and vector may be split over several entries. NULL with
 *                       length 0 when options.future is ::CRVM_FUTURE_BASELINE.
 * A part with no active customer is valued (with no active rows); every other
 * rule of crvm_value_fit() holds. Cost: that of crvm_value_fit() without the
 * fit, plus O(entries x covariates).
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL ledger, model, out or segment_group;
 *         a bad option or cost model, or an as_of outside the ledger's data, the
 *         checks of crvm_value_fit(); options.model not ::CRVM_VALUE_SBG or
 *         ::CRVM_VALUE_BDW or not the model's kind; a model without covariance;
 *         options.shrinkage not 0 (the segment mean of the whole base is not
 *         known here); a length, group or candidate out of range or repeated; a
 *         count negative or not finite); ::CRVM_EDOMAIN (a figure whose accuracy
 *         cannot be guaranteed, or a sum beyond 2^53 cents, naming the customer;
 *         more than 2^32 - 1 touches of one kind in a period); ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_value_fit_shared(const crvm_ledger *ledger, const crvm_cost_model *costs,
                                           crvm_date as_of, const crvm_value_options *options,
                                           const crvm_retention_cov *model,
                                           const int32_t *segment_group, size_t segment_group_len,
                                           const int32_t *covariates, size_t covariates_len,
                                           const int32_t *future_group, size_t future_group_len,
                                           const double *future_z, size_t future_z_len,
                                           const double *future_count, size_t future_count_len,
                                           crvm_value **out);

/** Sums of crvm_value_segment_gradients(), in this order per group. */
#define CRVM_VALUE_GRADIENT_SUMS 3

/**
 * Gradients of the segment sums with respect to the model's parameters, per
 * model group g (crvm_value_fit(): segment g; crvm_value_fit_shared(): the
 * group its segment_group gives): of the sum over the active customers of the
 * group of (0) the retention probability over the horizon, (1) the residual
 * value in cents, (2) the value at risk in cents. @p out is groups x
 * ::CRVM_VALUE_GRADIENT_SUMS x params, row-major, params being the model's
 * parameter count (2 groups + 1 + covariates); a group with no customer here
 * has zeros. Summed over the parts of a base, it is the gradient that
 * crvm_value_segments() of the whole base uses for its intervals (the total's:
 * the sum over groups); crvm_value_sum_interval() turns it into an interval.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, wrong @p out_len); ::CRVM_ESTATE
 *         (ledger modified; a Cox or non-contractual model).
 */
CRVM_API crvm_status crvm_value_segment_gradients(const crvm_value *value, double *out,
                                                  size_t out_len);

/**
 * Contact impacts summed by a grouping (as crvm_value_impact_by()), with the
 * gradient of each sum instead of its interval, restricted to the contacts
 * opened in [@p from, @p until) (and on or before as_of), as the P&L's contact
 * value effect is: @p out is groups x (2 + params) row-major: contacts counted,
 * the sum in currency units (whole cents), then its gradient in cents per unit
 * of each model parameter (params as in crvm_value_segment_gradients()).
 * @return as crvm_value_impact_by(); ::CRVM_EINVAL also for a window as in
 *         crvm_value_support_pnl() or @p out_len not groups x (2 + params).
 */
CRVM_API crvm_status crvm_value_impact_sums(const crvm_value *value, int reference,
                                            crvm_date from, crvm_date until, const int32_t *group,
                                            size_t group_len, size_t groups, double *out,
                                            size_t out_len);

/** What a sum of crvm_value_sum_interval() counts. */
typedef enum crvm_sum_kind {
    CRVM_SUM_MONEY = 0, /**< currency units; gradient in cents; the interval in whole cents */
    CRVM_SUM_COUNT = 1  /**< a plain number (expected customers retained) */
} crvm_sum_kind;

/**
 * The interval the value layer gives a sum with gradient @p gradient (the
 * model's params values) under @p model's covariance, by the delta method at
 * level @p confidence: with se = sqrt(g' Sigma g), money gives
 * round(100 sum -+ z se) / 100 (whole cents, halves away from zero), a count
 * sum -+ z se. @p out receives lower and upper.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, a length not params or 2, confidence
 *         outside (0, 1), a bad kind, a sum or gradient not finite);
 *         ::CRVM_ESTATE (a model without covariance).
 */
CRVM_API crvm_status crvm_value_sum_interval(const crvm_retention_cov *model, double confidence,
                                             crvm_sum_kind kind, double sum,
                                             const double *gradient, size_t gradient_len,
                                             double *out, size_t out_len);

/* ----------------------------------------------------- scenarios by parts */

/**
 * The sums of crvm_value_scenario() over this value's customers, to be added
 * over the parts of a base: @p out is 3 + params values: the expected
 * contacts affected, the change in support cost in cents (not yet rounded:
 * the base's change is rounded once, by crvm_value_scenario_assemble()), the
 * change in customer value in whole cents, then that change's gradient in
 * cents per unit of each model parameter (params as in
 * crvm_value_segment_gradients()).
 * @return as crvm_value_scenario(); ::CRVM_EINVAL also for @p out_len not
 *         3 + params; ::CRVM_ESTATE also for a value without a covariate
 *         retention model (options.model).
 */
CRVM_API crvm_status crvm_value_scenario_sums(const crvm_value *value, const crvm_scenario *scenario,
                                              double *out, size_t out_len);

/**
 * The ::CRVM_SCEN_COLUMNS columns of crvm_value_scenario() from @p sums, the
 * crvm_value_scenario_sums() of the parts of a base added up (3 + params
 * values), under @p model (its covariance) at level @p confidence: the cost
 * change rounded to the cent, the value change and the net change with their
 * intervals as crvm_value_sum_interval() gives them. Of a whole base's sums
 * it is crvm_value_scenario() of that base.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, lengths, confidence outside (0, 1),
 *         a sum not finite, a value change not whole cents); ::CRVM_EDOMAIN (a
 *         change beyond 2^53 cents); ::CRVM_ESTATE (a model without covariance).
 */
CRVM_API crvm_status crvm_value_scenario_assemble(const crvm_retention_cov *model, double confidence,
                                                  const double *sums, size_t sums_len, double *out,
                                                  size_t out_len);

/* --------------------------------------- the P&L's knowledge lines by parts */

/**
 * The knowledge sums of one part of a base (a ledger holding some customers
 * and every article) for the support P&L of the days [@p from, @p until)
 * within the data up to @p as_of: per article (articles x 2, row-major, in
 * the ledger's article order) the unrounded labour saving of its assisted
 * uses (currency units) and the count of its resolved self-service views.
 * @p estimate is the whole base's (crvm_knowledge_estimate_from_stats() of
 * the summed crvm_knowledge_estimate_stats() as of @p as_of). Sum the parts'
 * rows and pass them to crvm_pnl_knowledge_lines(). Time O(uses).
 * @param model the cost model (NULL: defaults)
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, an invalid model, a window with
 *         from > until or until > as_of + 1, @p out_len not 2 x articles).
 */
CRVM_API crvm_status crvm_pnl_knowledge_sums(const crvm_ledger *ledger,
                                             const crvm_cost_model *model,
                                             const crvm_knowledge_estimate *estimate,
                                             crvm_date as_of, crvm_date from, crvm_date until,
                                             double *out, size_t out_len);

/**
 * The support P&L's knowledge lines (::CRVM_PNL_KNOWLEDGE_LABOUR_SAVING,
 * ::CRVM_PNL_KNOWLEDGE_DEFLECTION_SAVING, ::CRVM_PNL_KNOWLEDGE_COST, in that
 * order, currency units in whole cents) from the summed
 * crvm_pnl_knowledge_sums() of the parts, rounded per article as
 * crvm_value_support_pnl() rounds them; the articles' authoring and upkeep
 * in the window come from @p ledger's articles (any part: each holds them
 * all), counted once. Equal to crvm_value_support_pnl()'s lines for the
 * whole base. Time O(articles).
 * @param out 3 values
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, an invalid model, the window as
 *         crvm_pnl_knowledge_sums(), @p sums_len not 2 x articles, a sum
 *         not finite, naming its row, @p out_len not 3); ::CRVM_EDOMAIN (a line
 *         beyond 2^53 cents).
 */
CRVM_API crvm_status crvm_pnl_knowledge_lines(const crvm_ledger *ledger,
                                              const crvm_cost_model *model,
                                              const crvm_knowledge_estimate *estimate,
                                              crvm_date as_of, crvm_date from, crvm_date until,
                                              const double *sums, size_t sums_len, double *out,
                                              size_t out_len);

/**
 * The support P&L assembled from its component lines, as
 * crvm_value_support_pnl() assembles them: for a P&L whose lines were summed
 * over the parts of a base (crvm.spark). @p lines holds ::CRVM_PNL_LINES
 * values indexed by ::crvm_pnl_line, of which these are read: the revenue,
 * saving and cost lines and ::CRVM_PNL_CONTACT_VALUE_EFFECT (currency units,
 * each a whole number of cents), the effect's interval
 * (::CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER, _UPPER: lower <= effect <= upper,
 * e.g. from crvm_value_sum_interval()) and ::CRVM_PNL_CONTACTS (a whole
 * count); the total lines (value, cost, net contribution, value per support
 * dollar and their intervals) are ignored. @p out receives every line: the
 * components as read and the totals formed from them in cents. @p out may
 * be @p lines.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, a length other than
 *         ::CRVM_PNL_LINES, a component not finite or not whole cents, a cost
 *         or the contacts negative, the interval not around the effect,
 *         naming the line); ::CRVM_EDOMAIN (a line or a total beyond 2^53
 *         cents).
 */
CRVM_API crvm_status crvm_pnl_assemble(const double *lines, size_t lines_len, double *out,
                                       size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_VALUE_H */
