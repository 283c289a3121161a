/* Private: the state of a crvm_value and the pieces of the value layer that
 * share it (crvm/value.h; docs/value.md gives every definition). */
#ifndef CRVM_VALUE_INTERNAL_H
#define CRVM_VALUE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/value.h"
#include "retention/cov_internal.h"
#include "value/cox.h"
#include "value/noncontractual.h"
#include "value/panel.h"

/* Settings derived from the options. */
typedef struct crvm__value_settings {
    int months_per_period; /* k */
    int horizon;           /* H in periods */
    double discount;       /* per period */
    double z;              /* normal quantile of the intervals */
} crvm__value_settings;

/* Check the options (the cost model is already valid); fill the settings. */
crvm_status crvm__value_check_options(const crvm_value_options *o, const crvm_cost_model *costs,
                                      crvm__value_settings *out);

/* Name of candidate covariate j (panel.h order), NULL if out of range. */
const char *crvm__value_candidate_name(int j);

/* Model figures of an active customer. */
typedef struct crvm__vfig {
    double retention, retention_se, churn_next, lifetime, derl, risk; /* retention_se on the logit scale */
    double rv_se, var_se;                                              /* cents */
    int64_t rv, var;                                                   /* cents */
} crvm__vfig;

struct crvm_value {
    const crvm_ledger *ledger;
    uint64_t ledger_version; /* the ledger's modification counter at the fit */
    crvm_value_options opt;
    crvm_cost_model costs;
    crvm__value_settings set;
    crvm_date as_of;
    size_t segments, active;

    crvm__vpanel panel;
    int64_t *gm, *cts; /* per customer: cents per period over its trailing window */

    /* The retention model: k = 2 segments + 1 + p parameters. */
    crvm_retention_cov *model;         /* the covariate retention model, or NULL (Cox option) */
    crvm__rcov_engine *engine;
    crvm__value_cox *cox;              /* the Cox option's tables, or NULL */
    crvm__value_nc *nc;                /* the non-contractual models' state, or NULL */
    double *own_params, *own_cov;      /* the Cox option's parameters and covariance */
    crvm_fit_report report;
    size_t p, k;
    int candidate[CRVM__Z_CANDIDATES]; /* panel candidate of model covariate j */
    const double *params, *cov;        /* borrowed from the model */
    double *pattern_z;                 /* patterns x p */
    double *pattern_e;                 /* exp(b'z) per pattern */
    double *log_e, *dlog_e;            /* per segment: ln E_g of future periods, d ln E_g / d b */
    double *w, *dw;                    /* w_s = s^c - (s - 1)^c and d w_s / dc, s = 0..max_n + 1 */
    int max_n;

    uint32_t *active_index;            /* per customer: its row of fig, UINT32_MAX if not active */
    crvm__vfig *fig;                   /* per active customer */
    double *seg;                       /* (segments + 1) x CRVM_VS_COLUMNS */
    double *seg_grad;                  /* segments x 3 sums x (3 + p): the gradients of the segment
                                          sums in the segment's alpha and beta, c and b (customers.c) */

    /* The model's groups: the segments (crvm_value_fit()), or those of a shared model
     * (crvm_value_fit_shared(), shared.c), segment s being group segment_group[s]. */
    size_t model_groups;
    int32_t *segment_group;            /* NULL: the identity */
};

/* CRVM_OK, or CRVM_EINVAL (NULL value) / CRVM_ESTATE (ledger modified since
 * the fit), naming fn. */
crvm_status crvm__value_usable(const crvm_value *v, const char *fn);

/* ---- the model's view of a customer (exposure.c) */

/* Exposure of customer i over its first n rows, with its derivatives in c
 * and b (d_b: p values). */
void crvm__value_exposure(const crvm_value *v, size_t i, int32_t n, double *lambda, double *d_c,
                          double *d_b);

/* A query of the engine at renewal n + 1 of customer i (its history up to
 * renewal n given), where period n + 1 has the candidate covariates zc. */
typedef struct crvm__vquery {
    size_t segment;
    int32_t n;
    double lambda, lambda_c, *lambda_b; /* Lambda_n and its derivatives (p values) */
    double e1, e1_c;                    /* exposure of period n + 1 and d/dc */
    double z1[CRVM__Z_CANDIDATES];      /* its candidate covariates */
} crvm__vquery;

/* Fill q's e1, e1_c for candidate covariates zc. */
void crvm__value_set_period(const crvm_value *v, crvm__vquery *q, const double *zc);
/* The query of active customer i as of the fit: its history and its period
 * in progress (q->lambda_b must point to p values). */
void crvm__value_customer_query(const crvm_value *v, size_t i, crvm__vquery *q);
/* Its lambda and e1 alone (the engine's key besides segment and n), by the
 * same operations as the query's (repeats.c still compares the query's own
 * bits before it uses an answer found by this key). */
void crvm__value_customer_key(const crvm_value *v, size_t i, double *lambda, double *e1);
/* Evaluate; on failure the message names customer i. */
crvm_status crvm__value_eval(const crvm_value *v, const crvm__vquery *q, size_t customer,
                             crvm__rcov_answer *a);
/* The DERL alone (what the contact impacts and scenarios need), about a
 * third of the engine's cost; the same on failure. */
crvm_status crvm__value_eval_derl(const crvm_value *v, const crvm__vquery *q, size_t customer,
                                  crvm__rcov_partials *derl);
/* Gradient (k values) of one answered quantity with respect to the
 * parameters, through alpha, beta + Lambda_n, c, b and ln E_g. */
void crvm__value_gradient(const crvm_value *v, const crvm__vquery *q, const crvm__rcov_partials *f,
                          double *grad);
/* g' Sigma g. */
double crvm__value_variance(const crvm_value *v, const double *grad);
/* A customer's gradient from crvm__value_gradient() is zero outside its
 * segment's alpha and beta, c and b: its compact form is those w = 3 + p
 * entries, in that order. The covariance block of those entries, transposed
 * (t[b * w + a] = Sigma[a][b], a and b compact), into t (w x w). */
void crvm__value_segment_cov(const crvm_value *v, size_t segment, double *t);
/* The compact form g (w entries) of a customer's gradient grad (k entries). */
void crvm__value_compact_gradient(const crvm_value *v, size_t segment, const double *grad, double *g);
/* g' Sigma g for a compact gradient g (w entries) and its segment's block t:
 * each entry's inner sum Sigma[a] . g formed in the order of the full sum's
 * non-zero terms, the customers' three variances a ~10 x 10 product. The
 * terms left out are finite covariances times exact zeros, which leave a
 * non-zero partial sum as it is, so the variance is the one of all k terms
 * (a zero one is +0 either way). */
double crvm__value_compact_variance(const double *t, size_t w, const double *g);
/* The segment roll-ups' sums (customers.c, for both backends): the active
 * customers' contribution, residual value and value at risk in cents per
 * segment and in total (3 x (segments + 1) into cents), and their counts in
 * v->seg's customers column (v->seg zeroed first). 0 if a sum passes 2^53
 * cents. */
int crvm__value_segment_cents(crvm_value *v, int64_t *cents);
/* Row g of v->seg from those cents, its expected retained customers and the
 * standard errors of retained, residual value and value at risk (in that
 * order; money intervals in whole cents). */
void crvm__value_segment_row(crvm_value *v, size_t g, const int64_t *cents, double retained,
                             const double *se);
/* g' Sigma g for a k x k covariance, in the order crvm__value_variance() sums
 * (so that a sum's interval assembled from parts is the same formula). */
double crvm__delta_variance(const double *cov, size_t k, const double *grad);

/* ---- fixed blocks of customers, run on options.threads threads (blocks.c).
 * Customers [0, n) are cut into blocks of CRVM__VALUE_BLOCK; rounds of up to
 * crvm__value_slots(threads) blocks run concurrently, fn(ctx, worker, slot,
 * begin, end) writing into its slot's scratch, then reduce(ctx, slot) (may
 * be NULL) folds each slot into the result in block order. Block boundaries
 * and the reduction order do not depend on the thread count, so neither do
 * the results. worker (0 .. crvm__value_threads(threads) - 1) is the thread
 * running the block, for state that lives across blocks and cannot change a
 * result (a memo of exact answers); which worker runs which block varies.
 * The first failing block's status is returned, with its message. */
#define CRVM__VALUE_BLOCK 2048
typedef crvm_status (*crvm__value_block_fn)(void *ctx, size_t worker, size_t slot, size_t begin,
                                            size_t end);
typedef void (*crvm__value_reduce_fn)(void *ctx, size_t slot);
size_t crvm__value_slots(int threads);
/* The threads a call of options.threads uses: 1 to 64. */
size_t crvm__value_threads(int threads);
crvm_status crvm__value_blocks(int threads, size_t n, crvm__value_block_fn fn,
                               crvm__value_reduce_fn reduce, void *ctx);
/* The same blocks, slots and fold order, but without rounds: a block starts
 * as soon as its slot is folded, and each fold runs on whichever thread
 * finished the block that allowed it, while later blocks run on the others
 * -- so fn must not read what fold writes. A failing fold stops the blocks
 * like a failing block (its status and message are returned). */
typedef crvm_status (*crvm__value_fold_fn)(void *ctx, size_t slot);
crvm_status crvm__value_blocks_overlapped(int threads, size_t n, crvm__value_block_fn fn,
                                          crvm__value_fold_fn fold, void *ctx);

/* ---- pieces of the fit */
/* as_of must fall within the ledger's data (value.c), its span kept by the
 * ledger (O(1)): CRVM_OK or CRVM_EINVAL/CRVM_EDOMAIN. */
crvm_status crvm__value_check_as_of(const crvm_ledger *l, crvm_date as_of, int months_per_period);
/* A value with its options checked, contributions, panel and active customers,
 * before any model (value.c); allow_idle: no active customer is not an error. */
crvm_status crvm__value_prepare(const crvm_ledger *l, const crvm_cost_model *costs, crvm_date as_of,
                                const crvm_value_options *options, int allow_idle, crvm_value **out);
/* Allocate the model's tables for v->p covariates (v->candidate set) and fill
 * the covariates of the patterns (model.c). */
crvm_status crvm__value_model_tables(crvm_value *v);
/* With v->params and v->cov set: exposures of the patterns, weights and the
 * segments' future multipliers (computed here unless future_given: v->log_e and
 * v->dlog_e already hold them) (model.c). */
crvm_status crvm__value_model_ready(crvm_value *v, int future_given);
/* After crvm__value_model_ready: the prediction engine (v->engine, or the Cox
 * option's tables), built on the calling thread (model.c). */
crvm_status crvm__value_engine_build(crvm_value *v);
/* reference a crvm_outcome or CRVM_VALUE_NO_CONTACT and a model with support
 * covariates: CRVM_OK, else CRVM_EINVAL / CRVM_ESTATE naming fn (impacts.c). */
crvm_status crvm__value_check_reference(const crvm_value *v, int reference, const char *fn);
crvm_status crvm__value_fit_model(crvm_value *v);       /* model.c */
crvm_status crvm__value_evaluate(crvm_value *v);        /* customers.c: the engine, fig and seg */

/* ---- contacts, customer by customer (contacts.c) */

/* Per customer, its contacts that fall in one of its periods (from its start
 * to the period in progress), ordered by period: key = period << 32 | contact.
 * Built either as one index of all customers (first, key), or -- when the
 * ledger keeps its contacts in customer order -- by each block of the walk
 * for its own customers (first NULL), from the ledger's rows of the block:
 * the same keys in the same order either way, without the index's serial
 * count and scatter over every contact nor its 12 bytes per contact. */
typedef struct crvm__vc_block crvm__vc_block;
typedef struct crvm__vcontacts {
    size_t *first; /* [customers + 2], or NULL: by blocks */
    uint64_t *key;
    size_t selected; /* the contacts selected, or (by blocks) a bound on them */
    /* the selection, and per slot the block's keys (by blocks) */
    const crvm_value *v;
    crvm_date from, until;
    int (*keep)(const void *ctx, size_t contact);
    const void *keep_ctx;
    crvm__vc_block *block;
    size_t slots;
    struct crvm__ymd_days *days; /* the y-m-d of the days up to as_of */
} crvm__vcontacts;
static inline int32_t crvm__vc_period(uint64_t key) { return (int32_t)(key >> 32); }
static inline uint32_t crvm__vc_contact(uint64_t key) { return (uint32_t)key; }

/* The contacts opened in [from, until) (and on or before as_of) that
 * keep(ctx, contact) accepts (keep NULL: all), for a walk of `slots` slots
 * (crvm__value_slots()); keep is called from the worker threads, and by
 * blocks also during the walk. With the index: temporary memory 4 bytes per
 * contact, the result 8 bytes per contact and per customer; by blocks: per
 * slot, 8 bytes per customer of a block and per contact of its customers. */
crvm_status crvm__value_contacts(const crvm_value *v, crvm_date from, crvm_date until,
                                 int (*keep)(const void *ctx, size_t contact), const void *ctx,
                                 size_t slots, crvm__vcontacts *out);
void crvm__value_contacts_free(crvm__vcontacts *c);

/* Called for each period s of customer i that holds contacts: the query of
 * its renewal as it happened (not yet evaluated: a visitor with nothing to
 * change skips the engine), its pattern, and its contacts keys[0 .. count - 1]. */
typedef crvm_status (*crvm__period_visit)(void *ctx, size_t slot, size_t customer,
                                          const crvm__vquery *actual, const crvm__vpattern *pattern,
                                          const uint64_t *keys, size_t count);
/* Walk customers [begin, end), a block of crvm__value_blocks() run in
 * `slot` (by blocks, that block's keys are built in the slot's scratch:
 * CRVM_EINVAL otherwise); lambda_b: scratch of 2 p values. Each period's
 * query is formed while the period before it is visited, and the memory the
 * walk's memo (may be NULL; query_memo.h) will first read for it starts
 * loading then (a hint: no result depends on it). */
struct crvm__qmemo;
crvm_status crvm__value_walk_periods(const crvm_value *v, const crvm__vcontacts *c, size_t begin,
                                     size_t end, crvm__period_visit visit, void *ctx, size_t slot,
                                     const struct crvm__qmemo *memo, double *lambda_b);

/* crvm__value_set_period() for the candidate covariates of the period's own
 * pattern (one of v->panel.pattern), the same bits without an exponential. */
void crvm__value_set_own_period(const crvm_value *v, crvm__vquery *q, const crvm__vpattern *pattern);
/* The pattern of customer i's period s: row s, or the period in progress. */
const crvm__vpattern *crvm__value_period_pattern(const crvm_value *v, size_t i, int32_t s);
/* Candidate covariates of a pattern, as doubles. */
void crvm__value_pattern_z(const crvm__vpattern *q, double *zc);

/* ---- counterfactual contacts (impacts.c) */

/* Impacts against `reference` of the contacts opened in [from, until) (and on
 * or before as_of): per contact into impact[contact] (if not NULL; a contact
 * whose outcome is the reference, or left out of every grouping, is not
 * written: its impact is 0, and the caller's zero stays), and, if
 * cents is not NULL, summed by group into cents[groups] with the gradient of
 * each sum, gradient[groups x k]. group: groupings x contacts, contact k's
 * group in grouping j at group[j * contacts + k] (-1: left out), grouping j's
 * groups numbered from first_group[j] among all, first_group[groupings] of
 * them; NULL: one group of every contact (groupings, first_group unused). */
crvm_status crvm__value_impacts(const crvm_value *v, int reference, crvm_date from, crvm_date until,
                                double *impact, const int32_t *group, size_t groupings,
                                const size_t *first_group, int64_t *cents, double *gradient);
/* A window [from, until) of the data up to as_of: CRVM_OK or CRVM_EINVAL naming fn (pnl.c). */
crvm_status crvm__value_check_window(const crvm_value *v, crvm_date from, crvm_date until,
                                     const char *fn);
/* The number of parameters of a covariate retention model, 2 groups + 1 +
 * covariates (shared.c); the status of crvm_retention_cov_shape(). */
crvm_status crvm__value_model_params(const crvm_retention_cov *model, size_t *K);
/* A scenario's fields in range for v (scenario.c): CRVM_OK or CRVM_EINVAL /
 * CRVM_ESTATE naming fn. */
crvm_status crvm__value_scenario_check(const crvm_value *v, const crvm_scenario *s, const char *fn);
/* A checked scenario's sums over v's customers into sums (3 + v->k; the
 * gradient part zeroed here): share x the affected contacts, the cost
 * change in cents (unrounded), the value change in whole cents (within
 * 2^53, else CRVM_EDOMAIN), its gradient in v's parameters. */
crvm_status crvm__value_scenario_walk(const crvm_value *v, const crvm_scenario *s, const char *fn,
                                      double *sums);
/* A sum of cents with standard error se: value, and its interval at z se
 * rounded to whole cents (halves away from zero), in currency units. */
void crvm__money_interval(int64_t cents, double se, double z, double *value, double *lower,
                          double *upper);
/* A sum of cents with the gradient of the sum: value, and its interval, in currency units. */
void crvm__value_sum_interval(const crvm_value *v, int64_t cents, const double *gradient,
                              double *value, double *lower, double *upper);

/* zc with contact k (of the period whose pattern is q) given the reference
 * outcome, or removed (CRVM_VALUE_NO_CONTACT, its silence then that of the
 * period without it). Returns 0 when that changes nothing. */
int crvm__value_counterfactual(const crvm_value *v, const crvm__vpattern *q, size_t contact,
                               int reference, double *zc);

/* ---- contact attributes (attributes.c) */

/* Index of the contact attribute called name: CRVM_OK or CRVM_ENOTFOUND naming fn. */
crvm_status crvm__value_find_attribute(const crvm_value *v, const char *name, const char *fn,
                                       size_t *index);
/* Number of distinct values of attribute a, and the text of value g. */
size_t crvm__value_attribute_values(const crvm_value *v, size_t a);
const char *crvm__value_attribute_value(const crvm_value *v, size_t a, size_t g);
/* group[contact] = its value of attribute a (-1: none, or opened after as_of);
 * *groups = the number of values. */
crvm_status crvm__value_attribute_groups(const crvm_value *v, size_t a, int32_t *group,
                                         size_t *groups);

#endif
