#include "sim/sim.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/error.h"

const char *const crvm__sim_segment_name[3] = {"smb", "mid_market", "enterprise"};
const char *const crvm__sim_stream_name[5] = {"subscription", "maintenance", "support_plan",
                                              "services", "expansion"};
const char *const crvm__sim_channel_name[4] = {"phone", "email", "chat", "web"};
const char *const crvm__sim_outcome_name[4] = {"resolved", "workaround", "refused", "abandoned"};
const char *const crvm__sim_use_kind_name[2] = {"assisted", "self_service"};

int crvm__sim_customer_id(uint32_t index, char *buf)
{
    return snprintf(buf, 24, "C%07lu", (unsigned long)index + 1);
}
int crvm__sim_contact_id(uint64_t index, char *buf)
{
    return snprintf(buf, 24, "T%09llu", (unsigned long long)index + 1);
}
int crvm__sim_article_id(uint32_t index, char *buf)
{
    return snprintf(buf, 24, "A%06lu", (unsigned long)index + 1);
}
/* The same with the contact id's signature (indices of these fit 32 bits). */
static int customer_id64(uint64_t index, char *buf) { return crvm__sim_customer_id((uint32_t)index, buf); }
static int article_id64(uint64_t index, char *buf) { return crvm__sim_article_id((uint32_t)index, buf); }

/* ---- random numbers: xoshiro256** seeded through splitmix64 ---- */

typedef struct rng { uint64_t s[4]; } rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Stream `stream` of seed `seed`: independent of every other stream. */
static void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed;
    uint64_t base = splitmix64(&x);
    x = base ^ (stream * 0xd1b54a32d192ed03ULL + 0x8cb92ba72f3d8dd7ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform on (0, 1): never 0, never 1. */
static double unif(rng *r) { return ((double)(rng_next(r) >> 11) + 0.5) * 0x1.0p-53; }

static double std_normal(rng *r)
{
    /* Box-Muller, one value per call (simple and stream-stable). */
    double u1 = unif(r), u2 = unif(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static double gamma_draw(rng *r, double shape)
{
    if (shape < 1.0) {
        double g = gamma_draw(r, shape + 1.0);
        return g * pow(unif(r), 1.0 / shape);
    }
    /* Marsaglia & Tsang 2000. */
    const double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = std_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = unif(r);
        if (u < 1.0 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return d * v;
    }
}

static double beta_draw(rng *r, double a, double b)
{
    double x = gamma_draw(r, a), y = gamma_draw(r, b);
    return x / (x + y);
}

static unsigned poisson_draw(rng *r, double lambda)
{
    /* Inversion by products; the rates used here are small. Large rates are
     * split into chunks of at most 20 to keep exp(-lambda) representable. */
    unsigned total = 0;
    while (lambda > 0.0) {
        double chunk = lambda > 20.0 ? 20.0 : lambda;
        lambda -= chunk;
        double limit = exp(-chunk), p = unif(r);
        while (p > limit) {
            total++;
            p *= unif(r);
        }
    }
    return total;
}

static int categorical(rng *r, const double *p, int n)
{
    double u = unif(r), acc = 0.0;
    for (int i = 0; i < n - 1; i++) {
        acc += p[i];
        if (u < acc)
            return i;
    }
    return n - 1;
}

static double round_to(double x, double unit) { return floor(x / unit + 0.5) * unit; }

/* ---- calendar ---- */

/* Date `months` months after (y, m, day) with day <= 28. */
static int32_t add_months(int y, int m, int day, int months)
{
    int total = (m - 1) + months;
    return crvm__days_from_civil(y + total / 12, total % 12 + 1, day);
}

/* ---- options ---- */

void crvm_sim_options_init(crvm_sim_options *options)
{
    if (options)
        *options = (crvm_sim_options)CRVM_SIM_OPTIONS_INIT;
}

crvm_status crvm__sim_check_options(const crvm_sim_options *options, crvm_sim_options *out)
{
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    if (options)
        o = *options;
    if (o.customers < 1 || o.customers > 99999999)
        return crvm__fail(CRVM_EINVAL, "crvm_simulate: customers = %zu: must be 1..99999999",
                          o.customers);
    if (o.months < 1 || o.months > 600)
        return crvm__fail(CRVM_EINVAL, "crvm_simulate: months = %d: must be 1..600", o.months);
    if (o.acquisition_months < 1 || o.acquisition_months > o.months)
        return crvm__fail(CRVM_EINVAL, "crvm_simulate: acquisition_months = %d: must be 1..months",
                          o.acquisition_months);
    int y, m, d;
    crvm__civil_from_days(o.window_start, &y, &m, &d);
    if (y < 1900 || y + o.months / 12 + 1 > 2199)
        return crvm__fail(CRVM_EINVAL, "crvm_simulate: window_start = %ld: the window must lie in 1900-2199",
                          (long)o.window_start);
    double share = 0.0;
    for (int s = 0; s < CRVM_SIM_SEGMENTS; s++) {
        if (!(o.segment_share[s] >= 0.0 && o.segment_share[s] <= 1.0))
            return crvm__fail(CRVM_EINVAL, "crvm_simulate: segment_share[%d] = %g: must be in [0, 1]",
                              s, o.segment_share[s]);
        share += o.segment_share[s];
        if (!(o.alpha[s] > 0.0 && o.alpha[s] < 1e6))
            return crvm__fail(CRVM_EINVAL, "crvm_simulate: alpha[%d] = %g: must be in (0, 1e6)", s,
                              o.alpha[s]);
        if (!(o.beta[s] > 0.0 && o.beta[s] < 1e6))
            return crvm__fail(CRVM_EINVAL, "crvm_simulate: beta[%d] = %g: must be in (0, 1e6)", s,
                              o.beta[s]);
        if (!(o.price_median[s] > 0.0 && o.price_median[s] < 1e9))
            return crvm__fail(CRVM_EINVAL, "crvm_simulate: price_median[%d] = %g: must be in (0, 1e9)",
                              s, o.price_median[s]);
        if (!(o.contact_rate[s] >= 0.0 && o.contact_rate[s] <= 100.0))
            return crvm__fail(CRVM_EINVAL, "crvm_simulate: contact_rate[%d] = %g: must be in [0, 100]",
                              s, o.contact_rate[s]);
    }
    if (fabs(share - 1.0) > 1e-9)
        return crvm__fail(CRVM_EINVAL, "crvm_simulate: segment_share sums to %.12g, not 1", share);
    for (int k = 0; k < 4; k++)
        if (!(o.outcome_factor[k] > 0.0 && o.outcome_factor[k] < 1e6))
            return crvm__fail(CRVM_EINVAL, "crvm_simulate: outcome_factor[%d] = %g: must be in (0, 1e6)",
                              k, o.outcome_factor[k]);
    if (!(o.self_service_rate >= 0.0 && o.self_service_rate <= 100.0))
        return crvm__fail(CRVM_EINVAL, "crvm_simulate: self_service_rate = %g: must be in [0, 100]",
                          o.self_service_rate);
    if (o.outcome_effects != 0 && o.outcome_effects != 1)
        return crvm__fail(CRVM_EINVAL, "crvm_simulate: outcome_effects = %d: must be 0 or 1",
                          o.outcome_effects);
    *out = o;
    return CRVM_OK;
}

/* ---- the generator ---- */

/* Fixed parts of the model (documented in crvm/simulate.h). */
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
static const double outcome_p[4] = {0.75, 0.12, 0.08, 0.05};
static const double close_geom_p = 0.4; /* failures before success: mean 1.5 days */
static const double satisfaction_answer = 0.4;
static const double satisfaction_p[4][5] = {
    {0.02, 0.03, 0.08, 0.27, 0.60}, /* resolved: mean 4.40 */
    {0.06, 0.12, 0.27, 0.35, 0.20}, /* workaround: 3.51 */
    {0.45, 0.35, 0.12, 0.05, 0.03}, /* refused: 1.86 */
    {0.35, 0.30, 0.20, 0.10, 0.05}, /* abandoned: 2.20 */
};
static const double link_prob = 0.40, second_link_prob = 0.25;
static const double zipf_exponent = 1.1;
static const double self_service_resolved = 0.60;

typedef struct vec { void *p; size_t n, cap; } vec;

static void *vec_push(vec *v, size_t size)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 16;
        void *p = crvm__realloc_array(v->p, cap, size);
        if (!p)
            return NULL;
        v->p = p;
        v->cap = cap;
    }
    return (char *)v->p + size * v->n++;
}

static size_t zipf_pick(rng *r, const double *cdf, size_t n)
{
    double u = unif(r) * cdf[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* An article created no later than `date`, or -1 after 8 tries. */
static long pick_article(rng *r, const double *cdf, const crvm__sim_article *arts, size_t n,
                         int32_t date)
{
    for (int k = 0; k < 8; k++) {
        size_t a = zipf_pick(r, cdf, n);
        if (arts[a].created <= date)
            return (long)a;
    }
    return -1;
}

crvm_status crvm__sim_run(const crvm_sim_options *options, const crvm__sim_sink *sink)
{
    crvm_sim_options o;
    crvm_status st = crvm__sim_check_options(options, &o);
    if (st)
        return st;

    int wy, wm, wd;
    crvm__civil_from_days(o.window_start, &wy, &wm, &wd);
    const int32_t window_end = add_months(wy, wm, wd > 28 ? 28 : wd, o.months);

    size_t n_art = o.customers / 50 < 20 ? 20 : o.customers / 50;
    crvm__sim_article *arts = crvm__calloc(n_art, sizeof *arts);
    double *cdf = crvm__calloc(n_art, sizeof *cdf);
    vec rev = {0}, con = {0}, use = {0};
    if (!arts || !cdf) {
        st = crvm__nomem("simulating knowledge articles");
        goto done;
    }
    {
        rng r;
        rng_seed(&r, o.seed, UINT64_C(1) << 40);
        const int32_t first = o.window_start - 365;
        const double span = (double)(window_end - first);
        double acc = 0.0;
        for (size_t a = 0; a < n_art; a++) {
            arts[a].index = (uint32_t)a;
            arts[a].created = first + (int32_t)floor(unif(&r) * span);
            arts[a].authoring_hours = round_to(2.0 * exp(0.5 * std_normal(&r)), 0.01);
            arts[a].maintenance_hours = round_to(0.1 * exp(0.5 * std_normal(&r)), 0.01);
            acc += pow((double)(a + 1), -zipf_exponent);
            cdf[a] = acc;
        }
        st = sink->articles(sink->ctx, arts, n_art);
        if (st)
            goto done;
    }

    uint64_t contact_index = 0;
    for (size_t i = 0; i < o.customers; i++) {
        rng r;
        rng_seed(&r, o.seed, (uint64_t)i);
        rev.n = con.n = use.n = 0;
        crvm__sim_customer c = {0};
        c.index = (uint32_t)i;
        c.end = INT32_MIN;
        c.segment = (uint8_t)categorical(&r, o.segment_share, CRVM_SIM_SEGMENTS);
        const int seg = c.segment;
        int start_month = (int)floor(unif(&r) * o.acquisition_months);
        int start_day = 1 + (int)floor(unif(&r) * 28);
        int sy = wy, sm = wm;
        {
            int total = (wm - 1) + start_month;
            sy = wy + total / 12;
            sm = total % 12 + 1;
        }
        c.start = crvm__days_from_civil(sy, sm, start_day);
        c.theta = beta_draw(&r, o.alpha[seg], o.beta[seg]);
        double price = round_to(o.price_median[seg] * exp(price_logsd * std_normal(&r)), 0.01);
        int has_plan = unif(&r) < support_plan_share[seg];
        double multiplier = 1.0;

        for (int t = 0;; t++) {
            int32_t day = add_months(sy, sm, start_day, t);
            if (day >= window_end)
                break; /* censored */
            if (t > 0) {
                double p = c.theta * multiplier;
                if (unif(&r) < (p > 1.0 ? 1.0 : p)) {
                    c.churned = 1;
                    c.end = day;
                    break;
                }
            }
            c.lifetime = t + 1;
            int32_t next = add_months(sy, sm, start_day, t + 1);
            int32_t month_len = next - day;
#define PUSH_REV(amt, strm)                                                          \
    do {                                                                             \
        crvm__sim_revenue *e = vec_push(&rev, sizeof *e);                            \
        if (!e) {                                                                    \
            st = crvm__nomem("simulating revenue");                                  \
            goto done;                                                               \
        }                                                                            \
        *e = (crvm__sim_revenue){(uint32_t)i, day, round_to((amt), 0.01), (strm)};   \
    } while (0)
            PUSH_REV(price, CRVM__SIM_SUBSCRIPTION);
            if (has_plan)
                PUSH_REV(support_plan_fraction * price, CRVM__SIM_SUPPORT_PLAN);
            if (seg == CRVM__SIM_ENT && t % 12 == 0)
                PUSH_REV(0.10 * 12.0 * price, CRVM__SIM_MAINTENANCE);
            if (t == 0 && onboarding_multiple[seg] > 0.0)
                PUSH_REV(onboarding_multiple[seg] * price, CRVM__SIM_SERVICES);
            if (t > 0 && unif(&r) < services_prob)
                PUSH_REV(services_multiple * price, CRVM__SIM_SERVICES);
            if (unif(&r) < expansion_prob) {
                double raise = round_to(expansion_raise * price, 0.01);
                PUSH_REV(12.0 * raise, CRVM__SIM_EXPANSION);
                price += raise;
            }
#undef PUSH_REV

            /* Support contacts during month t. */
            multiplier = 1.0;
            unsigned n_contacts = poisson_draw(&r, o.contact_rate[seg]);
            for (unsigned k = 0; k < n_contacts; k++) {
                crvm__sim_contact x = {0};
                x.customer = (uint32_t)i;
                x.opened = day + (int32_t)floor(unif(&r) * month_len);
                x.channel = (uint8_t)categorical(&r, channel_p, 4);
                x.tier = (uint8_t)(1 + categorical(&r, tier_p, 3));
                x.escalated = unif(&r) < escalation_prob;
                double minutes = channel_median[x.channel] * exp(minutes_logsd * std_normal(&r));
                if (x.escalated)
                    minutes *= 2.0;
                x.minutes = round_to(minutes, 0.1);
                if (x.minutes < 0.1)
                    x.minutes = 0.1;
                x.outcome = (uint8_t)categorical(&r, outcome_p, 4);
                x.closed = x.opened;
                if (x.channel == CRVM__SIM_EMAIL || x.channel == CRVM__SIM_WEB)
                    x.closed += (int32_t)floor(log(unif(&r)) / log(1.0 - close_geom_p));
                if (unif(&r) < satisfaction_answer)
                    x.satisfaction = (uint8_t)(1 + categorical(&r, satisfaction_p[x.outcome], 5));
                if (unif(&r) < link_prob) {
                    int want = unif(&r) < second_link_prob ? 2 : 1;
                    for (int l = 0; l < want; l++) {
                        long a = pick_article(&r, cdf, arts, n_art, x.opened);
                        if (a >= 0 && !(x.n_articles == 1 && x.articles[0] == (uint32_t)a))
                            x.articles[x.n_articles++] = (uint32_t)a;
                    }
                }
                if (x.opened >= window_end)
                    continue; /* after the window: not observed (draws kept for stability) */
                if (o.outcome_effects)
                    multiplier *= o.outcome_factor[x.outcome];
                x.index = contact_index++;
                crvm__sim_contact *slot = vec_push(&con, sizeof *slot);
                if (!slot) {
                    st = crvm__nomem("simulating contacts");
                    goto done;
                }
                *slot = x;
                for (int l = 0; l < x.n_articles; l++) {
                    crvm__sim_use *u = vec_push(&use, sizeof *u);
                    if (!u) {
                        st = crvm__nomem("simulating knowledge uses");
                        goto done;
                    }
                    *u = (crvm__sim_use){x.articles[l], x.opened, CRVM__SIM_ASSISTED,
                                         x.outcome == CRVM__SIM_RESOLVED, (uint32_t)i,
                                         (int64_t)x.index};
                }
            }
            /* Self-service views during month t. */
            unsigned n_views = poisson_draw(&r, o.self_service_rate);
            for (unsigned k = 0; k < n_views; k++) {
                int32_t date = day + (int32_t)floor(unif(&r) * month_len);
                long a = pick_article(&r, cdf, arts, n_art, date);
                int resolved = unif(&r) < self_service_resolved;
                if (a < 0 || date >= window_end)
                    continue;
                crvm__sim_use *u = vec_push(&use, sizeof *u);
                if (!u) {
                    st = crvm__nomem("simulating knowledge uses");
                    goto done;
                }
                *u = (crvm__sim_use){(uint32_t)a, date, CRVM__SIM_SELF_SERVICE, (uint8_t)resolved,
                                     (uint32_t)i, -1};
            }
        }
        st = sink->customer(sink->ctx, &c, rev.p, rev.n, con.p, con.n, use.p, use.n);
        if (st)
            goto done;
    }

done:
    crvm__free(arts);
    crvm__free(cdf);
    crvm__free(rev.p);
    crvm__free(con.p);
    crvm__free(use.p);
    return st;
}

/* ---- in-memory data set ---- */

struct crvm_sim_data {
    vec customers, revenue, contacts, articles, uses;
    crvm_sim_summary summary;
};

static crvm_status mem_articles(void *ctx, const crvm__sim_article *a, size_t n)
{
    crvm_sim_data *d = ctx;
    for (size_t i = 0; i < n; i++) {
        crvm__sim_article *slot = vec_push(&d->articles, sizeof *slot);
        if (!slot)
            return crvm__nomem("storing simulated articles");
        *slot = a[i];
    }
    d->summary.articles += n;
    return CRVM_OK;
}

static crvm_status mem_customer(void *ctx, const crvm__sim_customer *c, const crvm__sim_revenue *rev,
                                size_t n_rev, const crvm__sim_contact *con, size_t n_con,
                                const crvm__sim_use *use, size_t n_use)
{
    crvm_sim_data *d = ctx;
    crvm__sim_customer *cs = vec_push(&d->customers, sizeof *cs);
    if (!cs)
        return crvm__nomem("storing simulated customers");
    *cs = *c;
    for (size_t i = 0; i < n_rev; i++) {
        crvm__sim_revenue *slot = vec_push(&d->revenue, sizeof *slot);
        if (!slot)
            return crvm__nomem("storing simulated revenue");
        *slot = rev[i];
        d->summary.revenue_total += rev[i].amount;
    }
    for (size_t i = 0; i < n_con; i++) {
        crvm__sim_contact *slot = vec_push(&d->contacts, sizeof *slot);
        if (!slot)
            return crvm__nomem("storing simulated contacts");
        *slot = con[i];
        d->summary.handle_minutes_total += con[i].minutes;
        d->summary.contact_article_links += con[i].n_articles;
        d->summary.outcome_count[con[i].outcome]++;
    }
    for (size_t i = 0; i < n_use; i++) {
        crvm__sim_use *slot = vec_push(&d->uses, sizeof *slot);
        if (!slot)
            return crvm__nomem("storing simulated knowledge uses");
        *slot = use[i];
    }
    d->summary.customers++;
    d->summary.revenue_events += n_rev;
    d->summary.contacts += n_con;
    d->summary.knowledge_uses += n_use;
    d->summary.churned += c->churned;
    return CRVM_OK;
}

crvm_status crvm_simulate(const crvm_sim_options *options, crvm_sim_data **out)
{
    if (!out)
        return crvm__fail(CRVM_EINVAL, "crvm_simulate: out is NULL");
    crvm_sim_data *d = crvm__calloc(1, sizeof *d);
    if (!d)
        return crvm__nomem("creating a simulated data set");
    crvm__sim_sink sink = {mem_articles, mem_customer, d};
    crvm_status st = crvm__sim_run(options, &sink);
    if (st) {
        crvm_sim_data_free(d);
        return st;
    }
    *out = d;
    return CRVM_OK;
}

void crvm_sim_data_free(crvm_sim_data *d)
{
    if (!d)
        return;
    crvm__free(d->customers.p);
    crvm__free(d->revenue.p);
    crvm__free(d->contacts.p);
    crvm__free(d->articles.p);
    crvm__free(d->uses.p);
    crvm__free(d);
}

crvm_status crvm_sim_data_summary(const crvm_sim_data *data, crvm_sim_summary *out)
{
    if (!data || !out)
        return crvm__fail(CRVM_EINVAL, "crvm_sim_data_summary: NULL argument");
    *out = data->summary;
    return CRVM_OK;
}

/* ---- columns copied out ---- */

/* How an output column is filled from a field of the records. */
enum { F_I32, F_U32, F_U8, F_I64, F_F64, F_RATING };

/* One output array and the record field it copies (scale > 0: the double
 * nearest the value written with that many units per 1, e.g. 100 for cents;
 * F_RATING: a 1-5 rating, 0 = none becomes NaN). */
typedef struct out_col {
    void *p;
    size_t len;
    const char *name;
    int kind;
    size_t offset;
    double scale;
} out_col;

#define COL(name, type, member, kind, scale) \
    {(void *)(name), name##_len, #name, kind, offsetof(type, member), scale}

/* Every array NULL with length 0, or of length n (rows of `what`). */
static crvm_status check_cols(const char *fn, const crvm_sim_data *d, const out_col *cols, int k,
                              size_t n, const char *what)
{
    if (!d)
        return crvm__fail(CRVM_EINVAL, "%s: data is NULL", fn);
    for (int i = 0; i < k; i++) {
        if (cols[i].p == NULL && cols[i].len != 0)
            return crvm__fail(CRVM_EINVAL, "%s: %s is NULL with length %zu", fn, cols[i].name,
                              cols[i].len);
        if (cols[i].p != NULL && cols[i].len != n)
            return crvm__fail(CRVM_EINVAL, "%s: %s has length %zu, expected %zu %s", fn,
                              cols[i].name, cols[i].len, n, what);
    }
    return CRVM_OK;
}

/* The double a CSV reader gets back from x written in whole 1/scale units. */
static double as_written(double x, double scale) { return (double)llround(x * scale) / scale; }

/* Check the columns against the records of one table, then fill them. */
static crvm_status copy_cols(const char *fn, const crvm_sim_data *d, const vec *table, size_t stride,
                             const out_col *cols, int k, const char *what)
{
    crvm_status st = check_cols(fn, d, cols, k, d ? table->n : 0, what);
    if (st)
        return st;
    for (int c = 0; c < k; c++) {
        const char *src = (const char *)table->p + cols[c].offset;
        void *out = cols[c].p;
        if (!out)
            continue;
        for (size_t i = 0; i < table->n; i++, src += stride) {
            switch (cols[c].kind) {
            case F_I32: ((int32_t *)out)[i] = *(const int32_t *)src; break;
            case F_U32: ((int32_t *)out)[i] = (int32_t)*(const uint32_t *)src; break;
            case F_U8: ((int32_t *)out)[i] = *(const uint8_t *)src; break;
            case F_I64: ((int64_t *)out)[i] = *(const int64_t *)src; break;
            case F_F64: {
                double x = *(const double *)src;
                ((double *)out)[i] = cols[c].scale > 0 ? as_written(x, cols[c].scale) : x;
                break;
            }
            default: { /* F_RATING */
                uint8_t r = *(const uint8_t *)src;
                ((double *)out)[i] = r ? (double)r : NAN;
            }
            }
        }
    }
    return CRVM_OK;
}

#define N_COLS(cols) ((int)(sizeof cols / sizeof cols[0]))
#define TABLE(d, member) ((d) ? &(d)->member : NULL)

crvm_status crvm_sim_customer_truth(const crvm_sim_data *data, int32_t *segment, size_t segment_len,
                                    double *theta, size_t theta_len, int32_t *lifetime,
                                    size_t lifetime_len, int32_t *churned, size_t churned_len)
{
    typedef crvm__sim_customer T;
    const out_col cols[] = {COL(segment, T, segment, F_U8, 0), COL(theta, T, theta, F_F64, 0),
                            COL(lifetime, T, lifetime, F_I32, 0), COL(churned, T, churned, F_U8, 0)};
    return copy_cols("crvm_sim_customer_truth", data, TABLE(data, customers), sizeof(T), cols,
                     N_COLS(cols), "customers");
}

crvm_status crvm_sim_data_customers(const crvm_sim_data *data, int32_t *segment,
                                    size_t segment_len, int32_t *start, size_t start_len,
                                    int32_t *end, size_t end_len)
{
    typedef crvm__sim_customer T;
    const out_col cols[] = {COL(segment, T, segment, F_U8, 0), COL(start, T, start, F_I32, 0),
                            COL(end, T, end, F_I32, 0)};
    return copy_cols("crvm_sim_data_customers", data, TABLE(data, customers), sizeof(T), cols,
                     N_COLS(cols), "customers");
}

crvm_status crvm_sim_data_revenue(const crvm_sim_data *data, int32_t *customer,
                                  size_t customer_len, int32_t *date, size_t date_len,
                                  double *amount, size_t amount_len, int32_t *stream,
                                  size_t stream_len)
{
    typedef crvm__sim_revenue T;
    const out_col cols[] = {COL(customer, T, customer, F_U32, 0), COL(date, T, date, F_I32, 0),
                            COL(amount, T, amount, F_F64, 100.0), COL(stream, T, stream, F_U8, 0)};
    return copy_cols("crvm_sim_data_revenue", data, TABLE(data, revenue), sizeof(T), cols,
                     N_COLS(cols), "revenue events");
}

crvm_status crvm_sim_data_contacts(const crvm_sim_data *data, int32_t *customer,
                                   size_t customer_len, int32_t *opened, size_t opened_len,
                                   int32_t *closed, size_t closed_len, int32_t *channel,
                                   size_t channel_len, double *handle_minutes,
                                   size_t handle_minutes_len, int32_t *tier, size_t tier_len,
                                   int32_t *escalated, size_t escalated_len, int32_t *outcome,
                                   size_t outcome_len, double *satisfaction,
                                   size_t satisfaction_len)
{
    typedef crvm__sim_contact T;
    const out_col cols[] = {
        COL(customer, T, customer, F_U32, 0),      COL(opened, T, opened, F_I32, 0),
        COL(closed, T, closed, F_I32, 0),          COL(channel, T, channel, F_U8, 0),
        COL(handle_minutes, T, minutes, F_F64, 10.0), COL(tier, T, tier, F_U8, 0),
        COL(escalated, T, escalated, F_U8, 0),     COL(outcome, T, outcome, F_U8, 0),
        COL(satisfaction, T, satisfaction, F_RATING, 0)};
    return copy_cols("crvm_sim_data_contacts", data, TABLE(data, contacts), sizeof(T), cols,
                     N_COLS(cols), "contacts");
}

crvm_status crvm_sim_data_contact_articles(const crvm_sim_data *data, int64_t *contact,
                                           size_t contact_len, int32_t *article, size_t article_len)
{
    static const char fn[] = "crvm_sim_data_contact_articles";
    typedef crvm__sim_contact T;
    /* Links are not records of their own: the columns are only checked here. */
    const out_col cols[] = {COL(contact, T, index, F_I64, 0), COL(article, T, articles, F_U32, 0)};
    crvm_status st = check_cols(fn, data, cols, N_COLS(cols),
                                data ? data->summary.contact_article_links : 0,
                                "contact-article links");
    if (st)
        return st;
    const T *k = data->contacts.p;
    size_t row = 0;
    for (size_t i = 0; i < data->contacts.n; i++) {
        for (int j = 0; j < k[i].n_articles; j++, row++) {
            if (contact)
                contact[row] = (int64_t)i;
            if (article)
                article[row] = (int32_t)k[i].articles[j];
        }
    }
    return CRVM_OK;
}

crvm_status crvm_sim_data_articles(const crvm_sim_data *data, int32_t *created, size_t created_len,
                                   double *authoring_hours, size_t authoring_hours_len,
                                   double *maintenance_hours, size_t maintenance_hours_len)
{
    typedef crvm__sim_article T;
    const out_col cols[] = {COL(created, T, created, F_I32, 0),
                            COL(authoring_hours, T, authoring_hours, F_F64, 100.0),
                            COL(maintenance_hours, T, maintenance_hours, F_F64, 100.0)};
    return copy_cols("crvm_sim_data_articles", data, TABLE(data, articles), sizeof(T), cols,
                     N_COLS(cols), "articles");
}

crvm_status crvm_sim_data_knowledge_uses(const crvm_sim_data *data, int32_t *article,
                                         size_t article_len, int32_t *date, size_t date_len,
                                         int32_t *kind, size_t kind_len, int32_t *resolved,
                                         size_t resolved_len, int64_t *contact, size_t contact_len,
                                         int32_t *customer, size_t customer_len)
{
    typedef crvm__sim_use T;
    const out_col cols[] = {COL(article, T, article, F_U32, 0), COL(date, T, date, F_I32, 0),
                            COL(kind, T, kind, F_U8, 0),        COL(resolved, T, resolved, F_U8, 0),
                            COL(contact, T, contact, F_I64, 0), COL(customer, T, customer, F_U32, 0)};
    return copy_cols("crvm_sim_data_knowledge_uses", data, TABLE(data, uses), sizeof(T), cols,
                     N_COLS(cols), "knowledge uses");
}

#undef TABLE
#undef N_COLS
#undef COL

typedef int (*id_format)(uint64_t index, char *buf);

static id_format id_formatter(crvm_sim_id_space space)
{
    switch (space) {
    case CRVM_SIM_CUSTOMER_IDS: return customer_id64;
    case CRVM_SIM_CONTACT_IDS: return crvm__sim_contact_id;
    case CRVM_SIM_ARTICLE_IDS: return article_id64;
    default: return NULL;
    }
}

size_t crvm__sim_id_bytes(crvm_sim_id_space space, uint64_t n)
{
    id_format format = id_formatter(space);
    if (!format)
        return 0;
    /* Ids of indices whose index + 1 has the same number of digits have the
     * same length (a letter and max(padding, digits) digits). */
    char buf[24];
    size_t total = 0;
    for (uint64_t lo = 0; lo < n;) {
        uint64_t next = 10; /* smallest power of 10 above lo + 1 */
        while (next <= lo + 1)
            next *= 10;
        uint64_t hi = next - 1 < n ? next - 1 : n; /* indices lo .. hi - 1 */
        total += (size_t)(hi - lo) * ((size_t)format(lo, buf) + 1);
        lo = hi;
    }
    return total;
}

static size_t id_rows(const crvm_sim_data *d, crvm_sim_id_space space)
{
    return space == CRVM_SIM_CUSTOMER_IDS ? d->customers.n
           : space == CRVM_SIM_CONTACT_IDS ? d->contacts.n
                                           : d->articles.n;
}

static crvm_status check_space(const char *fn, const crvm_sim_data *d, crvm_sim_id_space space)
{
    if (!d)
        return crvm__fail(CRVM_EINVAL, "%s: data is NULL", fn);
    if (!id_formatter(space))
        return crvm__fail(CRVM_EINVAL, "%s: space = %d: not a crvm_sim_id_space", fn, (int)space);
    return CRVM_OK;
}

crvm_status crvm_sim_data_ids_size(const crvm_sim_data *data, crvm_sim_id_space space, size_t *size)
{
    static const char fn[] = "crvm_sim_data_ids_size";
    crvm_status st = check_space(fn, data, space);
    if (st == CRVM_OK && !size)
        st = crvm__fail(CRVM_EINVAL, "%s: size is NULL", fn);
    if (st == CRVM_OK)
        *size = crvm__sim_id_bytes(space, id_rows(data, space));
    return st;
}

crvm_status crvm_sim_data_ids(const crvm_sim_data *data, crvm_sim_id_space space, char *text,
                              size_t text_len)
{
    static const char fn[] = "crvm_sim_data_ids";
    crvm_status st = check_space(fn, data, space);
    if (st)
        return st;
    size_t n = id_rows(data, space), bytes = crvm__sim_id_bytes(space, n);
    if (text_len != bytes)
        return crvm__fail(CRVM_EINVAL, "%s: text_len = %zu, expected %zu (crvm_sim_data_ids_size)",
                          fn, text_len, bytes);
    if (!text && bytes)
        return crvm__fail(CRVM_EINVAL, "%s: text is NULL with length %zu", fn, text_len);
    id_format format = id_formatter(space);
    char buf[24];
    for (size_t i = 0, at = 0; i < n; i++) {
        int len = format((uint64_t)i, buf);
        memcpy(text + at, buf, (size_t)len + 1);
        at += (size_t)len + 1;
    }
    return CRVM_OK;
}

/* Accessors for the io writer (private). */
void crvm__sim_data_parts(const crvm_sim_data *d, const crvm__sim_customer **c, size_t *nc,
                          const crvm__sim_revenue **r, size_t *nr, const crvm__sim_contact **k,
                          size_t *nk, const crvm__sim_article **a, size_t *na,
                          const crvm__sim_use **u, size_t *nu)
{
    *c = d->customers.p;
    *nc = d->customers.n;
    *r = d->revenue.p;
    *nr = d->revenue.n;
    *k = d->contacts.p;
    *nk = d->contacts.n;
    *a = d->articles.p;
    *na = d->articles.n;
    *u = d->uses.p;
    *nu = d->uses.n;
}
