/* The known future of each customer (crvm_sim_continuation): Monte Carlo
 * futures under the generating process, churn Rao-Blackwellised. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/parallel.h"
#include "economics/costing.h"
#include "sim/process.h"

static const char *const future_names[CRVM_SIM_FUT_COLUMNS] = {
    "active",       "retained", "months",       "discounted_months", "discounted_months_held",
    "revenue",      "gross_margin", "support_cost", "contribution_held"};

const char *crvm_sim_future_column_name(int column)
{
    return column >= 0 && column < CRVM_SIM_FUT_COLUMNS ? future_names[column] : NULL;
}

void crvm_sim_continuation_options_init(crvm_sim_continuation_options *options)
{
    if (options)
        *options = (crvm_sim_continuation_options)CRVM_SIM_CONTINUATION_OPTIONS_INIT;
}

/* A path's weight below which the rest of it is dropped (see simulate.h). */
static const double negligible = 1e-16;

/* The cash of one month of a future, by the cost model. */
typedef struct cash {
    const crvm_cost_model *m;
    double session; /* a self-service view, rounded to cents as crvm/economics.h does */
    double revenue, margin, cost;
} cash;

static crvm_status cash_revenue(void *ctx, int32_t date, double amount, int stream,
                                const crvm__sim_contact *source)
{
    (void)date;
    (void)source;
    cash *c = ctx;
    c->revenue += amount;
    c->margin += amount * c->m->gross_margin_rate[stream];
    return CRVM_OK;
}

static crvm_status cash_contact(void *ctx, crvm__sim_contact *x)
{
    cash *c = ctx;
    crvm__contact_cost k;
    if (crvm__cost_contact(c->m, x->minutes, x->tier, x->channel, x->escalated, &k)) {
        c->cost += (double)(k.labour + k.channel + k.escalation + k.overhead) / 100.0;
    } else {
        /* Rates so large that whole cents pass 2^53: a Monte Carlo mean needs
         * no exact cents, so cost it unrounded rather than overflow. */
        const crvm_cost_model *m = c->m;
        c->cost += x->minutes / 60.0 * m->hourly_rate[x->tier - 1] + m->channel_cost[x->channel] +
                   (x->escalated ? m->escalation_cost : 0.0) + m->overhead_per_contact +
                   m->overhead_per_minute * x->minutes;
    }
    return CRVM_OK;
}

static crvm_status cash_view(void *ctx, int32_t date, uint32_t article, int resolved)
{
    (void)date;
    (void)article;
    (void)resolved;
    cash *c = ctx;
    c->cost += c->session;
    return CRVM_OK;
}

typedef struct job {
    const crvm__sim_world *w;
    crvm_sim_continuation_options o;
    const crvm_cost_model *m;
    int32_t as_of;
    uint64_t seed; /* of the futures: data seed and options seed mixed */
    double *mean, *se;
} job;

/* One future of a customer from its state `now`: v receives its columns. */
static void one_future(const job *J, const crvm__sim_life *now, crvm__rng *r,
                       double v[CRVM_SIM_FUT_COLUMNS])
{
    const crvm__sim_world *w = J->w;
    crvm__sim_life life = *now;
    int64_t session_cents;
    double session = crvm__to_cents(J->m->self_service_cost, &session_cents)
                         ? (double)session_cents / 100.0
                         : J->m->self_service_cost;
    cash month = {J->m, session, 0, 0, 0};
    const crvm__sim_emit emit = {cash_revenue, cash_contact, cash_view, &month};
    memset(v, 0, CRVM_SIM_FUT_COLUMNS * sizeof *v);
    v[CRVM_SIM_FUT_ACTIVE] = 1.0;
    /* The rest of the current month: it counts for the next renewal only. */
    crvm__sim_month(w, &life, r, J->as_of + 1, INT32_MAX, NULL);
    const double step = 1.0 / (1.0 + J->o.discount_rate);
    double s = 1.0, held = 1.0, discount = 1.0;
    for (int k = 1; k <= J->o.cap; k++) {
        const double renew = exp(crvm__sim_log_renewal(w, &life));
        s *= renew;
        if (k > J->o.horizon)
            held *= renew;
        if (k == J->o.horizon)
            v[CRVM_SIM_FUT_RETAINED] = s;
        v[CRVM_SIM_FUT_MONTHS] += s;
        v[CRVM_SIM_FUT_DISCOUNTED_MONTHS] += s * discount;
        v[CRVM_SIM_FUT_DISCOUNTED_MONTHS_HELD] += held * discount;
        crvm__sim_advance(w, &life);
        month.revenue = month.margin = month.cost = 0.0;
        crvm__sim_month(w, &life, r, life.day, INT32_MAX, &emit);
        v[CRVM_SIM_FUT_REVENUE] += s * discount * month.revenue;
        v[CRVM_SIM_FUT_GROSS_MARGIN] += s * discount * month.margin;
        v[CRVM_SIM_FUT_SUPPORT_COST] += s * discount * month.cost;
        v[CRVM_SIM_FUT_CONTRIBUTION_HELD] += held * discount * (month.margin - month.cost);
        discount *= step;
        if (held < negligible) /* held >= s; only possible past the horizon */
            break;
    }
}

/* Customer i: its history up to as_of, then the mean and standard error of its futures. */
static void customer_futures(const job *J, size_t i)
{
    const size_t C = CRVM_SIM_FUT_COLUMNS;
    double *mean = J->mean + i * C, *se = J->se ? J->se + i * C : NULL;
    memset(mean, 0, C * sizeof *mean);
    if (se)
        memset(se, 0, C * sizeof *se);
    crvm__sim_life now;
    if (crvm__sim_history(J->w, (uint32_t)i, J->as_of, &now) != 1)
        return;
    /* Welford's running mean and sum of squared deviations, per column. */
    double m2[CRVM_SIM_FUT_COLUMNS] = {0}, v[CRVM_SIM_FUT_COLUMNS];
    const int R = J->o.replications;
    for (int rep = 0; rep < R; rep++) {
        crvm__rng r;
        crvm__rng_seed(&r, J->seed + (uint64_t)rep * 0x9e3779b97f4a7c15ULL, i);
        one_future(J, &now, &r, v);
        for (size_t c = 0; c < C; c++) {
            double delta = v[c] - mean[c];
            mean[c] += delta / (rep + 1);
            m2[c] += delta * (v[c] - mean[c]);
        }
    }
    if (se && R > 1)
        for (size_t c = 0; c < C; c++)
            se[c] = sqrt(m2[c] / (R - 1) / R);
}

static void run_chunk(void *ctx, size_t begin, size_t end)
{
    for (size_t i = begin; i < end; i++)
        customer_futures(ctx, i);
}

crvm_status crvm_sim_continuation(const crvm_sim_data *data, int32_t as_of,
                                  const crvm_sim_continuation_options *options,
                                  const crvm_cost_model *costs, double *mean, size_t mean_len,
                                  double *se, size_t se_len)
{
    static const char fn[] = "crvm_sim_continuation";
    if (!data || !mean)
        return crvm__fail(CRVM_EINVAL, "%s: data and mean are required", fn);
    crvm__sim_world w;
    crvm__sim_data_world(data, &w);
    crvm_sim_continuation_options o = CRVM_SIM_CONTINUATION_OPTIONS_INIT;
    if (options)
        o = *options;
    crvm_status st = crvm__sim_check_date(fn, &w, as_of);
    if (st)
        return st;
    if (o.replications < 1 || o.replications > 1000000)
        return crvm__fail(CRVM_EINVAL, "%s: replications = %d: must be 1..1000000", fn, o.replications);
    if (o.cap < 1 || o.cap > 12000)
        return crvm__fail(CRVM_EINVAL, "%s: cap = %d: must be 1..12000", fn, o.cap);
    if (o.horizon < 1 || o.horizon > o.cap)
        return crvm__fail(CRVM_EINVAL, "%s: horizon = %d: must be 1..cap (%d)", fn, o.horizon, o.cap);
    if (!(o.discount_rate >= 0.0 && o.discount_rate < 1.0))
        return crvm__fail(CRVM_EINVAL, "%s: discount_rate = %g: must be in [0, 1)", fn, o.discount_rate);
    if (o.threads < 0 || o.threads > CRVM__MAX_THREADS)
        return crvm__fail(CRVM_EINVAL, "%s: threads = %d: must be 0..%d", fn, o.threads,
                          CRVM__MAX_THREADS);
    crvm_cost_model defaults;
    if (!costs) {
        crvm_cost_model_init_defaults(&defaults);
        costs = &defaults;
    } else if ((st = crvm_cost_model_validate(costs))) {
        return st;
    }
    const size_t n = w.o.customers, cells = n * CRVM_SIM_FUT_COLUMNS;
    if (mean_len != cells)
        return crvm__fail(CRVM_EINVAL, "%s: mean_len = %zu, expected %zu customers x %d columns", fn,
                          mean_len, n, CRVM_SIM_FUT_COLUMNS);
    if ((se && se_len != cells) || (!se && se_len))
        return crvm__fail(CRVM_EINVAL, "%s: se_len = %zu, expected 0 (se NULL) or %zu", fn, se_len,
                          cells);
    job J = {&w, o, costs, as_of, 0, mean, se};
    uint64_t x = w.o.seed ^ 0x5851f42d4c957f2dULL;
    x = crvm__splitmix64(&x) ^ o.seed;
    J.seed = crvm__splitmix64(&x);
    crvm__parallel_for(n, o.threads, run_chunk, &J);
    return CRVM_OK;
}
