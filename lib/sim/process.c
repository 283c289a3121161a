/* One customer's generating process (see process.h and crvm/simulate.h). */
#include "sim/process.h"

#include <math.h>

#include "core/calendar.h"
#include "ledger/ledger_internal.h" /* crvm__whole_months: silence as the value layer counts it */

/* ---- fixed parts of the model (documented in crvm/simulate.h) ---- */

static const double price_logsd = 0.35;
static const double support_plan_share[3] = {0.0, 0.5, 0.9};
static const double support_plan_fraction = 0.15;
static const double onboarding_multiple[3] = {0.0, 2.0, 1.0};
static const double services_prob = 0.02, services_multiple = 0.5;
static const double expansion_prob = 0.01, expansion_raise = 0.20;
static const double channel_p[4] = {0.35, 0.35, 0.25, 0.05};
static const double channel_median[4] = {12.0, 8.0, 15.0, 6.0};
static const double minutes_logsd = 0.6;
static const double tier_p[3] = {0.70, 0.25, 0.05};
static const double escalation_prob = 0.10;
/* Resolved, workaround, abandoned among the contacts not refused. */
static const double kept_ratio[3] = {0.75 / 0.92, 0.12 / 0.92, 0.05 / 0.92};
static const double queue_p[4] = {0.20, 0.45, 0.15, 0.20};
static const double product_p[4] = {0.50, 0.20, 0.15, 0.15};
/* Two reasons per queue (codes into the reason names) and their probabilities. */
static const uint8_t queue_reason[4][2] = {{0, 1}, {2, 3}, {4, 2}, {5, 6}};
static const double queue_reason_p[4][2] = {{0.6, 0.4}, {0.5, 0.5}, {0.6, 0.4}, {0.5, 0.5}};
static const int agents_per_queue = 10;
static const double close_geom_p = 0.4; /* failures before success: mean 1.5 days */
static const double satisfaction_answer = 0.4;
static const double satisfaction_p[4][5] = {
    {0.02, 0.03, 0.08, 0.27, 0.60}, /* resolved: mean 4.40 */
    {0.06, 0.12, 0.27, 0.35, 0.20}, /* workaround: 3.51 */
    {0.45, 0.35, 0.12, 0.05, 0.03}, /* refused: 1.86 */
    {0.35, 0.30, 0.20, 0.10, 0.05}, /* abandoned: 2.20 */
};
static const double link_prob = 0.40, second_link_prob = 0.25;
static const double self_service_resolved = 0.60;
static const double sourced_expansion_share = 0.5;

/* Names of the attribute values (crvm_sim_attribute_value). */
static const char *const agent_names[CRVM_SIM_AGENTS] = {
    "agent_01", "agent_02", "agent_03", "agent_04", "agent_05", "agent_06", "agent_07", "agent_08",
    "agent_09", "agent_10", "agent_11", "agent_12", "agent_13", "agent_14", "agent_15", "agent_16",
    "agent_17", "agent_18", "agent_19", "agent_20", "agent_21", "agent_22", "agent_23", "agent_24",
    "agent_25", "agent_26", "agent_27", "agent_28", "agent_29", "agent_30", "agent_31", "agent_32",
    "agent_33", "agent_34", "agent_35", "agent_36", "agent_37", "agent_38", "agent_39", "agent_40"};
static const char *const queue_names[CRVM_SIM_QUEUES] = {"billing", "technical", "integrations",
                                                         "account"};
static const char *const product_names[4] = {"core", "analytics", "api", "mobile"};
static const char *const reason_names[7] = {"invoice", "refund",  "bug",       "how_to",
                                            "feature_request", "access", "plan_change"};
const char *const *const crvm__sim_attribute_values[4] = {agent_names, queue_names, product_names,
                                                          reason_names};
const int crvm__sim_attribute_value_count[4] = {CRVM_SIM_AGENTS, CRVM_SIM_QUEUES, 4, 7};

double crvm__sim_agent_factor(const crvm_sim_options *o, int k)
{
    return 1.0 - o->agent_spread + 2.0 * o->agent_spread * k / (agents_per_queue - 1);
}

double crvm__sim_queue_share(int q) { return queue_p[q]; }

double crvm__sim_mean_minutes(int channel)
{
    return channel_median[channel] * exp(0.5 * minutes_logsd * minutes_logsd) *
           (1.0 + escalation_prob);
}

double crvm__sim_channel_share(int channel) { return channel_p[channel]; }

static double round_to(double x, double unit) { return floor(x / unit + 0.5) * unit; }

/* ---- calendar ---- */

int32_t crvm__sim_anniversary(const crvm__sim_life *life, int t)
{
    int total = (life->sm - 1) + t;
    return crvm__days_from_civil(life->sy + total / 12, total % 12 + 1, life->start_day);
}

/* ---- the life ---- */

void crvm__sim_start(const crvm__sim_world *w, uint32_t index, crvm__rng *r, crvm__sim_life *life)
{
    const crvm_sim_options *o = &w->o;
    crvm__sim_life x = {0};
    x.c.index = index;
    x.c.end = INT32_MIN;
    x.c.segment = (uint8_t)crvm__categorical(r, o->segment_share, CRVM_SIM_SEGMENTS);
    const int seg = x.c.segment;
    int start_month = (int)floor(crvm__unif(r) * o->acquisition_months);
    x.start_day = 1 + (int)floor(crvm__unif(r) * 28);
    int total = (w->wm - 1) + start_month;
    x.sy = w->wy + total / 12;
    x.sm = total % 12 + 1;
    x.c.start = crvm__days_from_civil(x.sy, x.sm, x.start_day);
    x.c.theta = crvm__beta_draw(r, o->alpha[seg], o->beta[seg]);
    x.price = round_to(o->price_median[seg] * exp(price_logsd * crvm__std_normal(r)), 0.01);
    x.has_plan = crvm__unif(r) < support_plan_share[seg];
    x.day = x.c.start;
    x.next = crvm__sim_anniversary(&x, 1);
    x.last_touch = x.c.start;
    x.multiplier = 1.0;
    x.log_q = x.c.theta > 0.0 ? log1p(-x.c.theta) : 0.0;
    x.pow_t = 0.0;
    *life = x;
}

/* (t + 1)^c - t^c for the life's month t: the shape of renewal t + 1. */
static double renewal_shape(const crvm_sim_options *o, const crvm__sim_life *life)
{
    return o->c == 1.0 ? 1.0 : pow(life->t + 1.0, o->c) - life->pow_t;
}

void crvm__sim_advance(const crvm__sim_world *w, crvm__sim_life *life)
{
    life->pow_t = w->o.c == 1.0 ? life->t + 1.0 : pow(life->t + 1.0, w->o.c);
    life->t++;
    life->day = life->next;
    life->next = crvm__sim_anniversary(life, life->t + 1);
    for (int k = 0; k < CRVM__Z_COUNTS; k++)
        life->z[k] = 0.0;
    life->multiplier = 1.0;
}

/* Whole months from the last touch to anniversary t + 1. A touch in month
 * m (anniversary m <= touch < anniversary m + 1) is t - m or t + 1 - m whole
 * months before it (the whole months are monotone in the start, and
 * anniversaries are exact months apart), so the calendar is only consulted
 * where the two give different silence indicators. */
static int silence(const crvm__sim_life *life)
{
    const int most = life->t + 1 - life->touch_month;
    if (most <= 2 || most - 1 >= 6)
        return most;
    return crvm__whole_months(life->last_touch, life->next);
}

double crvm__sim_log_renewal(const crvm__sim_world *w, const crvm__sim_life *life)
{
    const crvm_sim_options *o = &w->o;
    const double theta = life->c.theta;
    if (!(theta > 0.0))
        return 0.0; /* a Beta draw that underflowed to 0 never churns (and exp(eta) may be inf) */
    if (o->churn == CRVM_SIM_CHURN_MULTIPLIER) {
        double p = theta * life->multiplier;
        return log1p(-(p > 1.0 ? 1.0 : p));
    }
    double eta = 0.0;
    if (o->outcome_effects) {
        const int quiet = silence(life);
        const double z[CRVM_SIM_COVARIATES] = {
            life->z[CRVM__Z_CONTACTS], life->z[CRVM__Z_WORKAROUND], life->z[CRVM__Z_REFUSED],
            life->z[CRVM__Z_ABANDONED], life->z[CRVM__Z_ESCALATED], quiet >= 3 && quiet <= 5,
            quiet >= 6};
        for (int j = 0; j < CRVM_SIM_COVARIATES; j++)
            eta += o->b[j] * z[j];
    }
    const double e = eta == 0.0 ? renewal_shape(o, life) : renewal_shape(o, life) * exp(eta);
    return e * life->log_q;
}

/* An article created no later than `date`, or -1 after 8 tries. */
static long pick_article(const crvm__sim_world *w, crvm__rng *r, int32_t date)
{
    for (int k = 0; k < 8; k++) {
        double u = crvm__unif(r) * w->cdf[w->n_art - 1];
        size_t lo = 0, hi = w->n_art - 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (w->cdf[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        if (w->arts[lo].created <= date)
            return (long)lo;
    }
    return -1;
}

/* One contact of the life opened on a uniform day of [lo, next). */
static void draw_contact(const crvm__sim_world *w, const crvm__sim_life *life, crvm__rng *r,
                         int32_t lo, crvm__sim_contact *out)
{
    const crvm_sim_options *o = &w->o;
    crvm__sim_contact x = {0};
    x.customer = life->c.index;
    x.opened = lo + (int32_t)floor(crvm__unif(r) * (life->next - lo));
    x.channel = (uint8_t)crvm__categorical(r, channel_p, 4);
    x.tier = (uint8_t)(1 + crvm__categorical(r, tier_p, 3));
    x.escalated = crvm__unif(r) < escalation_prob;
    double minutes = channel_median[x.channel] * exp(minutes_logsd * crvm__std_normal(r));
    if (x.escalated)
        minutes *= 2.0;
    x.queue = (uint8_t)crvm__categorical(r, queue_p, CRVM_SIM_QUEUES);
    int k = (int)floor(crvm__unif(r) * agents_per_queue);
    x.agent = (uint8_t)(x.queue * agents_per_queue + k);
    x.product = (uint8_t)crvm__categorical(r, product_p, 4);
    x.reason = queue_reason[x.queue][crvm__categorical(r, queue_reason_p[x.queue], 2)];
    double refusal = o->queue_refusal[x.queue] * crvm__sim_agent_factor(o, k);
    double u = crvm__unif(r);
    if (u < refusal) {
        x.outcome = CRVM__SIM_REFUSED;
    } else {
        double v = (u - refusal) / (1.0 - refusal);
        x.outcome = v < kept_ratio[0]                   ? CRVM__SIM_RESOLVED
                    : v < kept_ratio[0] + kept_ratio[1] ? CRVM__SIM_WORKAROUND
                                                        : CRVM__SIM_ABANDONED;
    }
    x.closed = x.opened;
    if (x.channel == CRVM__SIM_EMAIL || x.channel == CRVM__SIM_WEB)
        x.closed += (int32_t)floor(log(crvm__unif(r)) / log(1.0 - close_geom_p));
    if (crvm__unif(r) < satisfaction_answer)
        x.satisfaction = (uint8_t)(1 + crvm__categorical(r, satisfaction_p[x.outcome], 5));
    if (crvm__unif(r) < link_prob) {
        int want = crvm__unif(r) < second_link_prob ? 2 : 1;
        for (int l = 0; l < want; l++) {
            long a = pick_article(w, r, x.opened);
            if (a >= 0 && !(x.n_articles == 1 && x.articles[0] == (uint32_t)a))
                x.articles[x.n_articles++] = (uint32_t)a;
        }
    }
    if (x.n_articles)
        minutes *= 1.0 - o->article_saving; /* the knowledge truth: a known share saved */
    x.minutes = round_to(minutes, 0.1);
    if (x.minutes < 0.1)
        x.minutes = 0.1;
    *out = x;
}

#define EMIT(cb, ...)                                                                           \
    do {                                                                                        \
        if (emit && emit->cb) {                                                                 \
            crvm_status st_ = emit->cb(emit->ctx, __VA_ARGS__);                                 \
            if (st_)                                                                            \
                return st_;                                                                     \
        }                                                                                       \
    } while (0)

/* The revenue of the anniversary that opens month t. */
static crvm_status anniversary_revenue(const crvm__sim_life *life, double *price, crvm__rng *r,
                                       const crvm__sim_emit *emit)
{
    const int seg = life->c.segment, t = life->t;
    const int32_t day = life->day;
    const double p = *price;
    EMIT(revenue, day, p, CRVM__SIM_SUBSCRIPTION, NULL);
    if (life->has_plan)
        EMIT(revenue, day, round_to(support_plan_fraction * p, 0.01), CRVM__SIM_SUPPORT_PLAN, NULL);
    if (seg == CRVM__SIM_ENT && t % 12 == 0)
        EMIT(revenue, day, round_to(0.10 * 12.0 * p, 0.01), CRVM__SIM_MAINTENANCE, NULL);
    if (t == 0 && onboarding_multiple[seg] > 0.0)
        EMIT(revenue, day, round_to(onboarding_multiple[seg] * p, 0.01), CRVM__SIM_SERVICES, NULL);
    if (t > 0 && crvm__unif(r) < services_prob)
        EMIT(revenue, day, round_to(services_multiple * p, 0.01), CRVM__SIM_SERVICES, NULL);
    if (crvm__unif(r) < expansion_prob) {
        double raise = round_to(expansion_raise * p, 0.01);
        EMIT(revenue, day, round_to(12.0 * raise, 0.01), CRVM__SIM_EXPANSION, NULL);
        *price = p + raise;
    }
    return CRVM_OK;
}

crvm_status crvm__sim_month(const crvm__sim_world *w, crvm__sim_life *life, crvm__rng *r, int32_t lo,
                            int32_t cutoff, const crvm__sim_emit *emit)
{
    const crvm_sim_options *o = &w->o;
    const int seg = life->c.segment;
    if (lo == life->day) {
        crvm_status st = anniversary_revenue(life, &life->price, r, emit);
        if (st)
            return st;
    }
    if (lo >= life->next)
        return CRVM_OK;
    const int whole = lo == life->day;
    const double share = (double)(life->next - lo) / (double)(life->next - life->day);
    unsigned n_contacts = whole && w->contact_limit[seg] > 0.0
                              ? crvm__poisson_small(r, w->contact_limit[seg])
                              : crvm__poisson_draw(r, o->contact_rate[seg] * share);
    for (unsigned k = 0; k < n_contacts; k++) {
        crvm__sim_contact x;
        draw_contact(w, life, r, lo, &x);
        int sourced = x.outcome == CRVM__SIM_RESOLVED && x.closed < life->next &&
                      crvm__unif(r) < o->source_probability;
        int expansion = sourced && crvm__unif(r) < sourced_expansion_share;
        if (x.opened > cutoff)
            continue; /* after the cutoff: drawn, not applied */
        life->z[CRVM__Z_CONTACTS] += 1;
        life->z[CRVM__Z_WORKAROUND] += x.outcome == CRVM__SIM_WORKAROUND;
        life->z[CRVM__Z_REFUSED] += x.outcome == CRVM__SIM_REFUSED;
        life->z[CRVM__Z_ABANDONED] += x.outcome == CRVM__SIM_ABANDONED;
        life->z[CRVM__Z_ESCALATED] += x.escalated;
        if (o->outcome_effects)
            life->multiplier *= o->outcome_factor[x.outcome];
        if (x.opened > life->last_touch) {
            life->last_touch = x.opened;
            life->touch_month = life->t;
        }
        EMIT(contact, &x);
        if (expansion) {
            double raise = round_to(expansion_raise * life->price, 0.01);
            EMIT(revenue, x.closed, round_to(12.0 * raise, 0.01), CRVM__SIM_EXPANSION, &x);
            life->price += raise;
        } else if (sourced) {
            EMIT(revenue, x.closed, round_to(services_multiple * life->price, 0.01),
                 CRVM__SIM_SERVICES, &x);
        }
    }
    unsigned n_views = whole && w->view_limit > 0.0 ? crvm__poisson_small(r, w->view_limit)
                                                     : crvm__poisson_draw(r, o->self_service_rate * share);
    for (unsigned k = 0; k < n_views; k++) {
        int32_t date = lo + (int32_t)floor(crvm__unif(r) * (life->next - lo));
        long a = pick_article(w, r, date);
        int resolved = crvm__unif(r) < self_service_resolved;
        if (a < 0 || date > cutoff)
            continue; /* no article to view, or after the cutoff */
        if (date > life->last_touch) {
            life->last_touch = date;
            life->touch_month = life->t;
        }
        EMIT(view, date, (uint32_t)a, resolved);
    }
    return CRVM_OK;
}

#undef EMIT

int crvm__sim_history(const crvm__sim_world *w, uint32_t index, int32_t date, crvm__sim_life *life)
{
    crvm__rng r;
    crvm__rng_seed(&r, w->o.seed, index);
    crvm__sim_start(w, index, &r, life);
    if (life->c.start > date)
        return 0;
    for (;;) {
        crvm__sim_month(w, life, &r, life->day, date, NULL);
        if (life->next > date)
            return 1;
        if (crvm__unif(&r) < -expm1(crvm__sim_log_renewal(w, life)))
            return -1;
        crvm__sim_advance(w, life);
    }
}

void crvm__sim_world_rates(crvm__sim_world *w)
{
    /* 0 (draw through crvm__poisson_draw) for a rate of 0, which draws nothing, or above 20. */
    for (int g = 0; g < CRVM_SIM_SEGMENTS; g++) {
        double rate = w->o.contact_rate[g];
        w->contact_limit[g] = rate > 0.0 && rate <= 20.0 ? exp(-rate) : 0.0;
    }
    double rate = w->o.self_service_rate;
    w->view_limit = rate > 0.0 && rate <= 20.0 ? exp(-rate) : 0.0;
}
