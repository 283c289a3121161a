/* The simulator's truth beyond the data: closed forms of the options
 * (crvm_sim_truth_get) and each customer's state at a date. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "sim/process.h"

crvm_status crvm_sim_truth_get(const crvm_sim_options *options, crvm_sim_truth *out)
{
    if (!out)
        return crvm__fail(CRVM_EINVAL, "crvm_sim_truth_get: out is NULL");
    crvm_sim_options o;
    crvm_status st = crvm__sim_check_options(options, &o);
    if (st)
        return st;
    crvm_sim_truth t;
    memset(&t, 0, sizeof t);
    for (int g = 0; g < CRVM_SIM_SEGMENTS; g++) {
        t.params[2 * g] = o.alpha[g];
        t.params[2 * g + 1] = o.beta[g];
    }
    const int hazard = o.churn == CRVM_SIM_CHURN_HAZARD;
    t.params[2 * CRVM_SIM_SEGMENTS] = hazard ? o.c : NAN;
    for (int j = 0; j < CRVM_SIM_COVARIATES; j++)
        t.params[2 * CRVM_SIM_SEGMENTS + 1 + j] = !hazard ? NAN : o.outcome_effects ? o.b[j] : 0.0;
    /* Linking is independent of channel, tier and escalation, so the linked
     * contacts of a cell have the cell's mean minutes times (1 - saving). */
    for (int ch = 0; ch < 4; ch++)
        t.minutes_saved += o.article_saving * crvm__sim_channel_share(ch) * crvm__sim_mean_minutes(ch);
    for (int a = 0; a < CRVM_SIM_AGENTS; a++)
        t.agent_refusal[a] = o.queue_refusal[a / 10] * crvm__sim_agent_factor(&o, a % 10);
    for (int q = 0; q < CRVM_SIM_QUEUES; q++)
        t.refusal_share += crvm__sim_queue_share(q) * o.queue_refusal[q];
    *out = t;
    return CRVM_OK;
}

/* Every array NULL with length 0, or of length n. */
static crvm_status check_out(const char *fn, const char *name, const void *p, size_t len, size_t n)
{
    if (!p && len)
        return crvm__fail(CRVM_EINVAL, "%s: %s is NULL with length %zu", fn, name, len);
    if (p && len != n)
        return crvm__fail(CRVM_EINVAL, "%s: %s has length %zu, expected %zu customers", fn, name, len, n);
    return CRVM_OK;
}

crvm_status crvm__sim_check_date(const char *fn, const crvm__sim_world *w, int32_t date)
{
    if (date < w->o.window_start || date >= w->window_end)
        return crvm__fail(CRVM_EINVAL, "%s: date %ld is outside the window [%ld, %ld)", fn, (long)date,
                          (long)w->o.window_start, (long)w->window_end);
    return CRVM_OK;
}

crvm_status crvm_sim_customer_state(const crvm_sim_data *data, int32_t date, int32_t *active,
                                    size_t active_len, int32_t *renewals, size_t renewals_len,
                                    double *price, size_t price_len, int32_t *support_plan,
                                    size_t support_plan_len, int32_t *last_touch,
                                    size_t last_touch_len)
{
    static const char fn[] = "crvm_sim_customer_state";
    if (!data)
        return crvm__fail(CRVM_EINVAL, "%s: data is NULL", fn);
    crvm__sim_world w;
    crvm__sim_data_world(data, &w);
    const size_t n = w.o.customers;
    crvm_status st;
    if ((st = crvm__sim_check_date(fn, &w, date)) ||
        (st = check_out(fn, "active", active, active_len, n)) ||
        (st = check_out(fn, "renewals", renewals, renewals_len, n)) ||
        (st = check_out(fn, "price", price, price_len, n)) ||
        (st = check_out(fn, "support_plan", support_plan, support_plan_len, n)) ||
        (st = check_out(fn, "last_touch", last_touch, last_touch_len, n)))
        return st;
    for (size_t i = 0; i < n; i++) {
        crvm__sim_life life;
        int state = crvm__sim_history(&w, (uint32_t)i, date, &life);
        if (active)
            active[i] = state == 1;
        if (renewals)
            renewals[i] = state == 0 ? -1 : life.t;
        if (price)
            price[i] = life.price;
        if (support_plan)
            support_plan[i] = life.has_plan;
        if (last_touch)
            last_touch[i] = state == 0 ? INT32_MIN : life.last_touch;
    }
    return CRVM_OK;
}
