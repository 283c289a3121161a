/* Private: the support P&L lines and knowledge figures that come from the
 * ledger and the cost model alone (no retention model): crvm/value.h
 * crvm_value_support_pnl() and crvm_value_knowledge(), docs/value.md. */
#ifndef CRVM_VALUE_LEDGER_LINES_H
#define CRVM_VALUE_LEDGER_LINES_H

#include <stdint.h>

#include "crvm/economics.h"

/* Lines of a window, in cents (contacts: a count). */
typedef struct crvm__pnl_ledger {
    int64_t support_plan, sourced, labour_saving, deflection_saving;
    int64_t labour, channel, escalation, overhead, self_service, knowledge;
    int64_t contacts;
} crvm__pnl_ledger;

/* The window is the days [from, until) and on or before as_of. Knowledge
 * savings use the estimate of crvm_knowledge_value() as of as_of (computed
 * here) and are rounded per article, as there. Two halves on up to two of
 * `threads` threads -- the estimate with the knowledge lines, summing in the
 * ledger's order, and the revenue, contact and self-service lines, sums of
 * whole cents that no order changes -- so every line is the same bits for
 * any thread count. Contacts are costed one by one (costing.h), without a
 * check per contact where the cost model bounds every sum (cost_sums.h).
 * Time O(revenue + contacts + uses + articles), a few instructions a row;
 * temporary memory 16 bytes per article and 1 per contact. CRVM_OK, CRVM_EDOMAIN (a line or a contact's cost beyond 2^53
 * cents), CRVM_ENOMEM. */
crvm_status crvm__pnl_ledger_lines(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                                   crvm_date from, crvm_date until, int threads,
                                   crvm__pnl_ledger *out);

/* Per article (2 x articles, zeroed by the caller) the unrounded labour
 * saving of its assisted uses and the count of its resolved self-service
 * views dated in [from, last]: sums over uses, so a ledger split by customer
 * gives the whole ledger's sums as the sums of its parts'. O(uses). */
void crvm__pnl_article_sums(const crvm_ledger *l, const crvm_cost_model *m,
                            const crvm_knowledge_estimate *est, crvm_date from, crvm_date last,
                            double *saving);

/* The knowledge lines in cents from the (summed) article sums, added to
 * *labour_saving, *deflection_saving and *knowledge: savings rounded per
 * article as crvm_knowledge_value() rounds them, authoring of the articles
 * created in [from, last] and upkeep accrued then. 0 if a line passes 2^53
 * cents. O(articles). */
int crvm__pnl_article_lines(const crvm_ledger *l, const crvm_cost_model *m,
                            const crvm_knowledge_estimate *est, crvm_date as_of, crvm_date from,
                            crvm_date last, const double *saving, int64_t *labour_saving,
                            int64_t *deflection_saving, int64_t *knowledge);

/* The P&L's lines (CRVM_PNL_LINES into out) from the window's ledger lines,
 * the contacts' value effect in cents and its interval (currency units):
 * the totals in cents, their intervals at the effect's distances.
 * CRVM_OK, or CRVM_EDOMAIN naming fn when a total passes 2^53 cents. */
crvm_status crvm__pnl_form(const crvm__pnl_ledger *p, int64_t effect, double effect_lower,
                           double effect_upper, const char *fn, double *out);

/* crvm_value_knowledge() rows (articles x CRVM_VK_COLUMNS) as of as_of:
 * to-date columns from crvm_knowledge_value(), the trailing window of
 * trailing_months months for the rate of use, and the next `horizon` periods
 * (months_per_period months each, discount rate `discount` per period, the
 * next one undiscounted) for the projection. CRVM_OK, CRVM_ENOMEM, or the
 * status of crvm_knowledge_value(). */
crvm_status crvm__knowledge_rows(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                                 int months_per_period, int trailing_months, int horizon,
                                 double discount, double *out);

#endif
