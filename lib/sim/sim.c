#include "sim/sim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
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

static int32_t civil(int y, int m, int d)
{
    /* Same algorithm as io's parser (kept here to keep sim below io). */
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

static void from_days(int32_t z32, int *year, int *month, int *day)
{
    long z = (long)z32 + 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const long doe = z - era * 146097;
    const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (*month <= 2));
}

/* Date `months` months after (y, m, day) with day <= 28. */
static int32_t add_months(int y, int m, int day, int months)
{
    int total = (m - 1) + months;
    return civil(y + total / 12, total % 12 + 1, day);
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
    from_days(o.window_start, &y, &m, &d);
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
    from_days(o.window_start, &wy, &wm, &wd);
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
        c.start = civil(sy, sm, start_day);
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

crvm_status crvm_sim_customer_truth(const crvm_sim_data *data, int32_t *segment, size_t segment_len,
                                    double *theta, size_t theta_len, int *lifetime,
                                    size_t lifetime_len, int *churned, size_t churned_len)
{
    if (!data)
        return crvm__fail(CRVM_EINVAL, "crvm_sim_customer_truth: data is NULL");
    size_t n = data->customers.n;
    const struct { const void *p; size_t len; const char *name; } arrays[4] = {
        {segment, segment_len, "segment"}, {theta, theta_len, "theta"},
        {lifetime, lifetime_len, "lifetime"}, {churned, churned_len, "churned"}};
    for (int k = 0; k < 4; k++) {
        if (arrays[k].p == NULL && arrays[k].len != 0)
            return crvm__fail(CRVM_EINVAL, "crvm_sim_customer_truth: %s is NULL with length %zu",
                              arrays[k].name, arrays[k].len);
        if (arrays[k].p != NULL && arrays[k].len != n)
            return crvm__fail(CRVM_EINVAL,
                              "crvm_sim_customer_truth: %s has length %zu, expected %zu customers",
                              arrays[k].name, arrays[k].len, n);
    }
    const crvm__sim_customer *c = data->customers.p;
    for (size_t i = 0; i < n; i++) {
        if (segment)
            segment[i] = c[i].segment;
        if (theta)
            theta[i] = c[i].theta;
        if (lifetime)
            lifetime[i] = c[i].lifetime;
        if (churned)
            churned[i] = c[i].churned;
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
