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
 * savings use the estimate of crvm_knowledge_value() as of as_of and are
 * rounded per article, as there. Time O(revenue + contacts + uses +
 * articles); temporary memory 16 bytes per article. CRVM_OK, CRVM_EDOMAIN (a
 * line beyond 2^53 cents), CRVM_ENOMEM. */
crvm_status crvm__pnl_ledger_lines(const crvm_ledger *l, const crvm_cost_model *m,
                                   const crvm_knowledge_estimate *est, crvm_date as_of,
                                   crvm_date from, crvm_date until, crvm__pnl_ledger *out);

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
