/* Private: what the io layer's cost-model text parser needs to know of the
 * cost model's table of assumptions. */
#ifndef CRVM_ECONOMICS_COST_MODEL_H
#define CRVM_ECONOMICS_COST_MODEL_H

/* An upper bound of crvm_cost_model_assumption_count(), for fixed arrays
 * indexed by assumption (checked at compile time in cost_model.c). */
#define CRVM__MAX_ASSUMPTIONS 64

#endif
