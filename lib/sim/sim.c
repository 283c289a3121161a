#include "sim/sim.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/error.h"
#include "sim/process.h"
#include "sim/rng.h"

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

static double round_to(double x, double unit) { return floor(x / unit + 0.5) * unit; }

/* ---- options ---- */

void crvm_sim_options_init(crvm_sim_options *options)
{
    if (options)
        *options = (crvm_sim_options)CRVM_SIM_OPTIONS_INIT;
}

static const char *const covariate_names[CRVM_SIM_COVARIATES] = {
    "contacts", "workaround", "refused", "abandoned", "escalated", "silent_3_5", "silent_6_plus"};

const char *crvm_sim_covariate_name(int j)
{
    return j >= 0 && j < CRVM_SIM_COVARIATES ? covariate_names[j] : NULL;
}

#define BAD(...) return crvm__fail(CRVM_EINVAL, "crvm_simulate: " __VA_ARGS__)

crvm_status crvm__sim_check_options(const crvm_sim_options *options, crvm_sim_options *out)
{
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    if (options)
        o = *options;
    if (o.customers < 1 || o.customers > 99999999)
        BAD("customers = %zu: must be 1..99999999", o.customers);
    if (o.months < 1 || o.months > 600)
        BAD("months = %d: must be 1..600", o.months);
    if (o.acquisition_months < 1 || o.acquisition_months > o.months)
        BAD("acquisition_months = %d: must be 1..months", o.acquisition_months);
    int y, m, d;
    crvm__civil_from_days(o.window_start, &y, &m, &d);
    if (y < 1900 || y + o.months / 12 + 1 > 2199)
        BAD("window_start = %ld: the window must lie in 1900-2199", (long)o.window_start);
    double share = 0.0;
    for (int s = 0; s < CRVM_SIM_SEGMENTS; s++) {
        if (!(o.segment_share[s] >= 0.0 && o.segment_share[s] <= 1.0))
            BAD("segment_share[%d] = %g: must be in [0, 1]", s, o.segment_share[s]);
        share += o.segment_share[s];
        if (!(o.alpha[s] > 0.0 && o.alpha[s] < 1e6))
            BAD("alpha[%d] = %g: must be in (0, 1e6)", s, o.alpha[s]);
        if (!(o.beta[s] > 0.0 && o.beta[s] < 1e6))
            BAD("beta[%d] = %g: must be in (0, 1e6)", s, o.beta[s]);
        if (!(o.price_median[s] > 0.0 && o.price_median[s] < 1e9))
            BAD("price_median[%d] = %g: must be in (0, 1e9)", s, o.price_median[s]);
        if (!(o.contact_rate[s] >= 0.0 && o.contact_rate[s] <= 100.0))
            BAD("contact_rate[%d] = %g: must be in [0, 100]", s, o.contact_rate[s]);
    }
    if (fabs(share - 1.0) > 1e-9)
        BAD("segment_share sums to %.12g, not 1", share);
    for (int k = 0; k < 4; k++)
        if (!(o.outcome_factor[k] > 0.0 && o.outcome_factor[k] < 1e6))
            BAD("outcome_factor[%d] = %g: must be in (0, 1e6)", k, o.outcome_factor[k]);
    if (!(o.self_service_rate >= 0.0 && o.self_service_rate <= 100.0))
        BAD("self_service_rate = %g: must be in [0, 100]", o.self_service_rate);
    if (o.outcome_effects != 0 && o.outcome_effects != 1)
        BAD("outcome_effects = %d: must be 0 or 1", o.outcome_effects);
    if (o.churn != CRVM_SIM_CHURN_HAZARD && o.churn != CRVM_SIM_CHURN_MULTIPLIER)
        BAD("churn = %d: not a crvm_sim_churn", (int)o.churn);
    if (!(o.c > 0.0 && o.c <= 10.0))
        BAD("c = %g: must be in (0, 10]", o.c);
    for (int j = 0; j < CRVM_SIM_COVARIATES; j++)
        if (!(fabs(o.b[j]) <= 20.0))
            BAD("b[%d] (%s) = %g: must be finite, |b| <= 20", j, covariate_names[j], o.b[j]);
    if (!(o.agent_spread >= 0.0 && o.agent_spread < 1.0))
        BAD("agent_spread = %g: must be in [0, 1)", o.agent_spread);
    for (int q = 0; q < CRVM_SIM_QUEUES; q++)
        if (!(o.queue_refusal[q] >= 0.0 && o.queue_refusal[q] * (1.0 + o.agent_spread) <= 1.0))
            BAD("queue_refusal[%d] = %g: must be >= 0 with queue_refusal x (1 + agent_spread) <= 1",
                q, o.queue_refusal[q]);
    if (!(o.article_saving >= 0.0 && o.article_saving < 1.0))
        BAD("article_saving = %g: must be in [0, 1)", o.article_saving);
    if (!(o.source_probability >= 0.0 && o.source_probability <= 1.0))
        BAD("source_probability = %g: must be in [0, 1]", o.source_probability);
    *out = o;
    return CRVM_OK;
}

#undef BAD

/* ---- the generator ---- */

static const double zipf_exponent = 1.1;

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

/* The options and window of a world (no articles yet). */
static void world_window(const crvm_sim_options *o, crvm__sim_world *w)
{
    memset(w, 0, sizeof *w);
    w->o = *o;
    int wd;
    crvm__civil_from_days(o->window_start, &w->wy, &w->wm, &wd);
    int total = (w->wm - 1) + o->months;
    w->window_end = crvm__days_from_civil(w->wy + total / 12, total % 12 + 1, wd > 28 ? 28 : wd);
}

crvm_status crvm__sim_world_init(const crvm_sim_options *o, crvm__sim_article **arts, double **cdf,
                                 crvm__sim_world *w)
{
    world_window(o, w);
    crvm__sim_world_rates(w);
    size_t n_art = o->customers / 50 < 20 ? 20 : o->customers / 50;
    *arts = crvm__calloc(n_art, sizeof **arts);
    *cdf = crvm__calloc(n_art, sizeof **cdf);
    if (!*arts || !*cdf) {
        crvm__free(*arts);
        crvm__free(*cdf);
        *arts = NULL;
        *cdf = NULL;
        return crvm__nomem("simulating knowledge articles");
    }
    crvm__rng r;
    crvm__rng_seed(&r, o->seed, UINT64_C(1) << 40);
    const int32_t first = o->window_start - 365;
    const double span = (double)(w->window_end - first);
    double acc = 0.0;
    for (size_t a = 0; a < n_art; a++) {
        crvm__sim_article *x = &(*arts)[a];
        x->index = (uint32_t)a;
        x->created = first + (int32_t)floor(crvm__unif(&r) * span);
        x->authoring_hours = round_to(2.0 * exp(0.5 * crvm__std_normal(&r)), 0.01);
        x->maintenance_hours = round_to(0.1 * exp(0.5 * crvm__std_normal(&r)), 0.01);
        acc += pow((double)(a + 1), -zipf_exponent);
        (*cdf)[a] = acc;
    }
    w->arts = *arts;
    w->cdf = *cdf;
    w->n_art = n_art;
    return CRVM_OK;
}

/* One customer's records, collected for the sink; only what falls inside
 * the window is recorded. */
typedef struct collect {
    vec rev, con, use;
    uint32_t customer;
    uint64_t contact_index; /* next contact index of the run */
    int32_t window_end;
} collect;

static crvm_status collect_revenue(void *ctx, int32_t date, double amount, int stream,
                                   const crvm__sim_contact *source)
{
    collect *g = ctx;
    if (date >= g->window_end)
        return CRVM_OK;
    crvm__sim_revenue *e = vec_push(&g->rev, sizeof *e);
    if (!e)
        return crvm__nomem("simulating revenue");
    *e = (crvm__sim_revenue){g->customer, date, amount, (uint8_t)stream,
                             source ? (int64_t)source->index : -1};
    return CRVM_OK;
}

static crvm_status collect_contact(void *ctx, crvm__sim_contact *x)
{
    collect *g = ctx;
    if (x->opened >= g->window_end)
        return CRVM_OK; /* after the window: not observed */
    x->index = g->contact_index++;
    crvm__sim_contact *slot = vec_push(&g->con, sizeof *slot);
    if (!slot)
        return crvm__nomem("simulating contacts");
    *slot = *x;
    for (int l = 0; l < x->n_articles; l++) {
        crvm__sim_use *u = vec_push(&g->use, sizeof *u);
        if (!u)
            return crvm__nomem("simulating knowledge uses");
        *u = (crvm__sim_use){x->articles[l], x->opened, CRVM__SIM_ASSISTED,
                             x->outcome == CRVM__SIM_RESOLVED, g->customer, (int64_t)x->index};
    }
    return CRVM_OK;
}

static crvm_status collect_view(void *ctx, int32_t date, uint32_t article, int resolved)
{
    collect *g = ctx;
    if (date >= g->window_end)
        return CRVM_OK;
    crvm__sim_use *u = vec_push(&g->use, sizeof *u);
    if (!u)
        return crvm__nomem("simulating knowledge uses");
    *u = (crvm__sim_use){article, date, CRVM__SIM_SELF_SERVICE, (uint8_t)resolved, g->customer, -1};
    return CRVM_OK;
}

/* Customer i through the window: its months while it pays, a renewal
 * decision at each anniversary inside the window. */
static crvm_status generate_customer(const crvm__sim_world *w, uint32_t i, collect *g,
                                     crvm__sim_customer *out)
{
    crvm__rng r;
    crvm__rng_seed(&r, w->o.seed, i);
    crvm__sim_life life;
    crvm__sim_start(w, i, &r, &life);
    const crvm__sim_emit emit = {collect_revenue, collect_contact, collect_view, g};
    g->rev.n = g->con.n = g->use.n = 0;
    g->customer = i;
    for (;;) {
        life.c.lifetime = life.t + 1;
        crvm_status st = crvm__sim_month(w, &life, &r, life.day, INT32_MAX, &emit);
        if (st)
            return st;
        if (life.next >= w->window_end)
            break; /* censored */
        if (crvm__unif(&r) < -expm1(crvm__sim_log_renewal(w, &life))) {
            life.c.churned = 1;
            life.c.end = life.next;
            break;
        }
        crvm__sim_advance(w, &life);
    }
    *out = life.c;
    return CRVM_OK;
}

crvm_status crvm__sim_run(const crvm_sim_options *options, const crvm__sim_sink *sink)
{
    crvm_sim_options o;
    crvm_status st = crvm__sim_check_options(options, &o);
    if (st)
        return st;
    crvm__sim_world w;
    crvm__sim_article *arts;
    double *cdf;
    if ((st = crvm__sim_world_init(&o, &arts, &cdf, &w)))
        return st;
    collect g;
    memset(&g, 0, sizeof g);
    g.window_end = w.window_end;
    st = sink->articles(sink->ctx, arts, w.n_art, cdf);
    for (size_t i = 0; i < o.customers && st == CRVM_OK; i++) {
        crvm__sim_customer c;
        st = generate_customer(&w, (uint32_t)i, &g, &c);
        if (st == CRVM_OK)
            st = sink->customer(sink->ctx, &c, g.rev.p, g.rev.n, g.con.p, g.con.n, g.use.p, g.use.n);
    }
    crvm__free(arts);
    crvm__free(cdf);
    crvm__free(g.rev.p);
    crvm__free(g.con.p);
    crvm__free(g.use.p);
    return st;
}

/* ---- in-memory data set ---- */

struct crvm_sim_data {
    vec customers, revenue, contacts, articles, uses;
    crvm_sim_summary summary;
    crvm_sim_options options; /* validated: the truth functions generate customers again */
    double *cdf;              /* the articles' cumulative Zipf weights */
};

static crvm_status mem_articles(void *ctx, const crvm__sim_article *a, size_t n, const double *cdf)
{
    crvm_sim_data *d = ctx;
    d->cdf = crvm__calloc(n, sizeof *d->cdf);
    if (!d->cdf)
        return crvm__nomem("storing simulated articles");
    memcpy(d->cdf, cdf, n * sizeof *cdf);
    for (size_t i = 0; i < n; i++) {
        crvm__sim_article *slot = vec_push(&d->articles, sizeof *slot);
        if (!slot)
            return crvm__nomem("storing simulated articles");
        *slot = a[i];
    }
    d->summary.articles += n;
    return CRVM_OK;
}

void crvm__sim_data_world(const crvm_sim_data *d, crvm__sim_world *w)
{
    world_window(&d->options, w);
    crvm__sim_world_rates(w);
    w->arts = d->articles.p;
    w->cdf = d->cdf;
    w->n_art = d->articles.n;
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
    crvm_status st = crvm__sim_check_options(options, &d->options);
    if (st == CRVM_OK)
        st = crvm__sim_run(&d->options, &sink);
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
    crvm__free(d->cdf);
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

crvm_status crvm_sim_data_contact_attributes(const crvm_sim_data *data, int32_t *agent,
                                             size_t agent_len, int32_t *queue, size_t queue_len,
                                             int32_t *product, size_t product_len, int32_t *reason,
                                             size_t reason_len)
{
    typedef crvm__sim_contact T;
    const out_col cols[] = {COL(agent, T, agent, F_U8, 0), COL(queue, T, queue, F_U8, 0),
                            COL(product, T, product, F_U8, 0), COL(reason, T, reason, F_U8, 0)};
    return copy_cols("crvm_sim_data_contact_attributes", data, TABLE(data, contacts), sizeof(T), cols,
                     N_COLS(cols), "contacts");
}

crvm_status crvm_sim_data_revenue_sources(const crvm_sim_data *data, int64_t *source_contact,
                                          size_t source_contact_len)
{
    typedef crvm__sim_revenue T;
    const out_col cols[] = {COL(source_contact, T, source, F_I64, 0)};
    return copy_cols("crvm_sim_data_revenue_sources", data, TABLE(data, revenue), sizeof(T), cols,
                     N_COLS(cols), "revenue events");
}

static const char *const attribute_names[CRVM_SIM_ATTRIBUTES] = {"agent", "queue", "product",
                                                                 "reason"};

const char *crvm_sim_attribute_name(int attribute)
{
    return attribute >= 0 && attribute < CRVM_SIM_ATTRIBUTES ? attribute_names[attribute] : NULL;
}

const char *crvm_sim_attribute_value(int attribute, int code)
{
    if (attribute < 0 || attribute >= CRVM_SIM_ATTRIBUTES || code < 0 ||
        code >= crvm__sim_attribute_value_count[attribute])
        return NULL;
    return crvm__sim_attribute_values[attribute][code];
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
