/* Value options: defaults and checks (crvm/value.h). */
#include <math.h>

#include "core/error.h"
#include "survival/distrib.h"
#include "value/value_internal.h"

void crvm_value_options_init(crvm_value_options *o)
{
    if (o) {
        crvm_value_options d = CRVM_VALUE_OPTIONS_INIT;
        *o = d;
    }
}

static int months_of(crvm_period p)
{
    return p == CRVM_PERIOD_MONTH ? 1 : p == CRVM_PERIOD_QUARTER ? 3 : p == CRVM_PERIOD_YEAR ? 12 : 0;
}

crvm_status crvm__value_check_options(const crvm_value_options *o, const crvm_cost_model *costs,
                                      crvm__value_settings *out)
{
    static const char fn[] = "crvm_value_fit";
    if ((unsigned)o->model > CRVM_VALUE_PARETO)
        return crvm__fail(CRVM_EINVAL, "%s: options.model = %d: not a crvm_value_model", fn, (int)o->model);
    if (o->covariates != 0 && o->covariates != 1)
        return crvm__fail(CRVM_EINVAL, "%s: options.covariates = %d: must be 0 or 1", fn, o->covariates);
    int k = months_of(o->period);
    if (!k)
        return crvm__fail(CRVM_EINVAL, "%s: options.period = %d: not a crvm_period", fn, (int)o->period);
    if (o->horizon < 1 || o->horizon > 1200 || o->horizon % k)
        return crvm__fail(CRVM_EINVAL, "%s: options.horizon = %d months: must be 1..1200 and a whole "
                          "number of %s periods", fn, o->horizon, crvm_period_name(o->period));
    if (o->trailing_months < 1 || o->trailing_months > 1200)
        return crvm__fail(CRVM_EINVAL, "%s: options.trailing_months = %d: must be in 1..1200", fn,
                          o->trailing_months);
    if (!(o->shrinkage >= 0 && o->shrinkage <= 1e6))
        return crvm__fail(CRVM_EINVAL, "%s: options.shrinkage = %g: must be in [0, 1e6]", fn, o->shrinkage);
    if ((unsigned)o->future > CRVM_FUTURE_SEGMENT_AVERAGE)
        return crvm__fail(CRVM_EINVAL, "%s: options.future = %d: not a crvm_value_future", fn, (int)o->future);
    if (o->lifetime_cap < 1 || o->lifetime_cap > 100000)
        return crvm__fail(CRVM_EINVAL, "%s: options.lifetime_cap = %d: must be in 1..100000", fn,
                          o->lifetime_cap);
    if (!(o->confidence > 0 && o->confidence < 1))
        return crvm__fail(CRVM_EINVAL, "%s: options.confidence = %g: must be in (0, 1)", fn, o->confidence);
    if (o->reference_outcome != CRVM_VALUE_NO_CONTACT &&
        (o->reference_outcome < 0 || o->reference_outcome >= CRVM_OUTCOME_COUNT))
        return crvm__fail(CRVM_EINVAL, "%s: options.reference_outcome = %d: must be a crvm_outcome or "
                          "CRVM_VALUE_NO_CONTACT", fn, o->reference_outcome);
    if (!(o->discount_rate < 1) || isnan(o->discount_rate))
        return crvm__fail(CRVM_EINVAL, "%s: options.discount_rate = %g: must be below 1 (negative: "
                          "the cost model's)", fn, o->discount_rate);
    if (o->threads < 0 || o->threads > 256)
        return crvm__fail(CRVM_EINVAL, "%s: options.threads = %d: must be in 0..256", fn, o->threads);
    double annual = o->discount_rate >= 0 ? o->discount_rate : costs->discount_rate;
    if (!(annual > 0))
        return crvm__fail(CRVM_EINVAL, "%s: a discount rate of 0 (options.discount_rate, or the cost "
                          "model's): the discounted residual lifetime needs a positive rate", fn);
    out->months_per_period = k;
    out->horizon = o->horizon / k;
    out->discount = pow(1.0 + annual, k / 12.0) - 1.0;
    out->z = crvm__norm_ppf(0.5 + o->confidence / 2);
    return CRVM_OK;
}
