/* Customer and segment economics, knowledge value (see crvm/economics.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/economics.h"
#include "economics/economics_internal.h"
#include "ledger/ledger_internal.h"

/* Money is summed as whole cents in doubles, exact below 2^53 (crvm/ledger.h,
 * "Money"). The ledger bounds the revenue side; costs come from the cost
 * model, whose rates are only required to be finite, so each costed amount
 * and each sum is checked here: beyond 2^53 cents a figure fails with
 * CRVM_EDOMAIN naming it instead of being reported rounded or overflowed. */
static int money_ok(double cents) { return crvm__cents_ok(cents); }

/* Whole cents of an amount (half away from zero); 0 if beyond 2^53 cents. */
static int to_cents(double amount, int64_t *out) { return crvm__to_cents(amount, out); }

static crvm_status too_large(const char *what, const char *whose, const char *id)
{
    return crvm__fail(CRVM_EDOMAIN,
                      "%s of %s '%.60s' passes 2^53 cents (about 9.007e13 currency units), beyond "
                      "which sums of cents are not exact: check the cost model's rates and the data",
                      what, whose, id ? id : "?");
}

/* Costed components of contact i, in cents. */
typedef crvm__contact_cost contact_cost;

static crvm_status cost_contact(const crvm_ledger *l, const crvm_cost_model *m, size_t i,
                                contact_cost *c)
{
    if (!crvm__cost_contact(m, l->con_minutes[i], l->con_tier[i], l->con_channel[i],
                            l->con_escalated[i], c))
        return too_large("the cost", "contact", crvm_ledger_id(l, CRVM_TABLE_CONTACTS, i));
    return CRVM_OK;
}

static crvm_status prepare(const char *fn, const crvm_ledger *l, const crvm_cost_model **m,
                           crvm_cost_model *defaults, const double *out, size_t out_len,
                           size_t rows, size_t cols)
{
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    crvm_status st = crvm__cost_model_resolve(m, defaults);
    if (st)
        return st;
    if ((!out && out_len) || rows > SIZE_MAX / cols || out_len != rows * cols)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu, expected %zu rows x %zu columns", fn,
                          out_len, rows, cols);
    return CRVM_OK;
}

/* Economics accumulated into acc[map[customer]] as whole cents / counts, then
 * converted and copied to out (written only on success). Gross margin is
 * rounded per customer and stream, costs per contact, so a segment row is
 * exactly the sum of its customers' rows. Revenue and gross margin stay
 * below 2^53 cents by the ledger's bound on the sum of |amount|; costs are
 * non-negative, so a cost column that ends below 2^53 was exact at every
 * step, and each row is checked at the end. */
static crvm_status accumulate_economics(const crvm_ledger *l, const crvm_cost_model *m,
                                        crvm_date from, crvm_date until, const uint32_t *map,
                                        double *acc, int64_t *rev)
{
    const size_t C = CRVM_ECON_COLUMNS, n = l->customer_ids.count;
    int64_t session_cents;
    if (!to_cents(m->self_service_cost, &session_cents))
        return too_large("self_service_cost", "the cost model", "self_service_cost");
    for (size_t i = 0; i < l->n_rev; i++) {
        crvm_date d = l->rev_date[i];
        if (d >= from && d < until)
            rev[(size_t)l->rev_customer[i] * CRVM_STREAM_COUNT + l->rev_stream[i]] += l->rev_cents[i];
    }
#define ROW(c) (acc + (size_t)(map ? map[c] : (c)) * C)
    for (size_t c = 0; c < n; c++) {
        double *r = ROW(c);
        for (int s = 0; s < CRVM_STREAM_COUNT; s++) {
            int64_t v = rev[c * CRVM_STREAM_COUNT + s];
            r[CRVM_ECON_REVENUE_SUBSCRIPTION + s] += (double)v;
            r[CRVM_ECON_REVENUE] += (double)v;
            r[CRVM_ECON_GROSS_MARGIN] += (double)llround((double)v * m->gross_margin_rate[s]);
        }
    }
    for (size_t i = 0; i < l->contact_ids.count; i++) {
        crvm_date d = l->con_opened[i];
        if (d < from || d >= until)
            continue;
        double *r = ROW(l->con_customer[i]);
        contact_cost k;
        crvm_status st = cost_contact(l, m, i, &k);
        if (st != CRVM_OK)
            return st;
        r[CRVM_ECON_CONTACTS] += 1;
        r[CRVM_ECON_HANDLE_MINUTES] += l->con_minutes[i];
        r[CRVM_ECON_LABOUR_COST] += (double)k.labour;
        r[CRVM_ECON_CHANNEL_COST] += (double)k.channel;
        r[CRVM_ECON_ESCALATION_COST] += (double)k.escalation;
        r[CRVM_ECON_OVERHEAD_COST] += (double)k.overhead;
    }
    const double session = (double)session_cents;
    for (size_t i = 0; i < l->n_use; i++) {
        crvm_date d = l->use_date[i];
        uint32_t c = l->use_customer[i];
        if (d < from || d >= until || c == CRVM__NOT_FOUND || l->use_kind[i] != CRVM_USE_SELF_SERVICE)
            continue;
        double *r = ROW(c);
        r[CRVM_ECON_SELF_SERVICE_SESSIONS] += 1;
        r[CRVM_ECON_SELF_SERVICE_COST] += session;
    }
#undef ROW
    return CRVM_OK;
}

static crvm_status economics(const crvm_ledger *l, const crvm_cost_model *m, crvm_date from,
                             crvm_date until, const uint32_t *map, double *out, size_t rows)
{
    const size_t C = CRVM_ECON_COLUMNS, n = l->customer_ids.count;
    int64_t *rev = crvm__calloc(n * CRVM_STREAM_COUNT + 1, sizeof *rev);
    double *acc = crvm__calloc(rows * C + 1, sizeof *acc);
    if (!rev || !acc) {
        crvm__free(rev);
        crvm__free(acc);
        return crvm__nomem("revenue by customer and stream");
    }
    crvm_status st = accumulate_economics(l, m, from, until, map, acc, rev);
    crvm__free(rev);
    static const int money[] = {0, 1, 2, 3, 4, CRVM_ECON_REVENUE, CRVM_ECON_GROSS_MARGIN,
                                CRVM_ECON_LABOUR_COST, CRVM_ECON_CHANNEL_COST,
                                CRVM_ECON_ESCALATION_COST, CRVM_ECON_OVERHEAD_COST,
                                CRVM_ECON_SELF_SERVICE_COST, CRVM_ECON_COST_TO_SERVE,
                                CRVM_ECON_CONTRIBUTION};
    for (size_t k = 0; k < rows && st == CRVM_OK; k++) {
        double *r = acc + k * C;
        double contact_cents = r[CRVM_ECON_LABOUR_COST] + r[CRVM_ECON_CHANNEL_COST] +
                               r[CRVM_ECON_ESCALATION_COST] + r[CRVM_ECON_OVERHEAD_COST];
        r[CRVM_ECON_COST_TO_SERVE] = contact_cents + r[CRVM_ECON_SELF_SERVICE_COST];
        r[CRVM_ECON_CONTRIBUTION] = r[CRVM_ECON_GROSS_MARGIN] - r[CRVM_ECON_COST_TO_SERVE];
        r[CRVM_ECON_COST_PER_CONTACT] =
            r[CRVM_ECON_CONTACTS] > 0 ? contact_cents / 100.0 / r[CRVM_ECON_CONTACTS] : 0.0;
        for (size_t j = 0; j < sizeof money / sizeof money[0] && st == CRVM_OK; j++)
            if (!money_ok(r[money[j]]))
                st = too_large(crvm_econ_column_name(money[j]), map ? "segment" : "customer",
                               crvm_ledger_id(l, map ? CRVM_SEGMENTS : CRVM_TABLE_CUSTOMERS, k));
        for (size_t j = 0; j < sizeof money / sizeof money[0]; j++)
            r[money[j]] /= 100.0;
    }
    if (st == CRVM_OK)
        memcpy(out, acc, rows * C * sizeof *out);
    crvm__free(acc);
    return st;
}

crvm_status crvm_customer_economics(const crvm_ledger *l, const crvm_cost_model *m, crvm_date from,
                                    crvm_date until, double *out, size_t out_len)
{
    static const char fn[] = "crvm_customer_economics";
    crvm_cost_model defaults;
    crvm_status st = prepare(fn, l, &m, &defaults, out, out_len, l ? l->customer_ids.count : 0,
                             CRVM_ECON_COLUMNS);
    if (st)
        return st;
    if (from > until)
        return crvm__fail(CRVM_EINVAL, "%s: from = %ld after until = %ld", fn, (long)from, (long)until);
    return economics(l, m, from, until, NULL, out, l->customer_ids.count);
}

crvm_status crvm_segment_economics(const crvm_ledger *l, const crvm_cost_model *m, crvm_date from,
                                   crvm_date until, double *out, size_t out_len)
{
    static const char fn[] = "crvm_segment_economics";
    crvm_cost_model defaults;
    crvm_status st = prepare(fn, l, &m, &defaults, out, out_len, l ? l->segment_ids.count : 0,
                             CRVM_ECON_COLUMNS);
    if (st)
        return st;
    if (from > until)
        return crvm__fail(CRVM_EINVAL, "%s: from = %ld after until = %ld", fn, (long)from, (long)until);
    return economics(l, m, from, until, l->cust_segment, out, l->segment_ids.count);
}

/* ------------------------------------------------------------- knowledge */

typedef struct use_saving {
    crvm_date date;
    uint32_t article;
    double saving;
} use_saving;

/* The uses dated on or before as_of, in date order (ledger order within a
 * day), into idx: a counting sort over the days from the first such use to
 * as_of, O(uses + days) time and 8 bytes a day, where a comparison sort of
 * millions of uses cost seconds. */
static crvm_status uses_by_date(const crvm_ledger *l, crvm_date as_of, uint32_t *idx)
{
    crvm_date first = as_of;
    for (size_t i = 0; i < l->n_use; i++)
        if (l->use_date[i] < first)
            first = l->use_date[i];
    size_t days = (size_t)(as_of - first) + 1;
    size_t *at = crvm__calloc(days + 1, sizeof *at);
    if (!at)
        return crvm__nomem("knowledge uses by date");
    for (size_t i = 0; i < l->n_use; i++)
        if (l->use_date[i] <= as_of)
            at[l->use_date[i] - first + 1]++;
    for (size_t d = 0; d < days; d++)
        at[d + 1] += at[d];
    for (size_t i = 0; i < l->n_use; i++)
        if (l->use_date[i] <= as_of)
            idx[at[l->use_date[i] - first]++] = (uint32_t)i;
    crvm__free(at);
    return CRVM_OK;
}

/* Payback of one stream of dated savings (sorted by date) against a cost that
 * accrues as fixed + per_day * (t - t0) for t >= t0: days from t0 to the first
 * date whose cumulative saving reaches the accrued cost; -1 if none by then. */
static double payback(const use_saving *u, size_t n, crvm_date t0, double fixed, double per_day)
{
    if (fixed <= 0 && per_day <= 0)
        return 0;
    double cum = 0;
    for (size_t i = 0; i < n; i++) {
        cum += u[i].saving;
        if (i + 1 < n && u[i + 1].date == u[i].date)
            continue;
        if (cum >= fixed + per_day * (double)(u[i].date - t0))
            return (double)(u[i].date - t0);
    }
    return -1;
}

typedef struct dated_article {
    crvm_date created;
    uint32_t article;
} dated_article;

static int cmp_created(const void *a, const void *b)
{
    crvm_date x = ((const dated_article *)a)->created, y = ((const dated_article *)b)->created;
    return (x > y) - (x < y);
}

static const int kv_money[] = {CRVM_KV_LABOUR_SAVING, CRVM_KV_DEFLECTION_SAVING, CRVM_KV_SAVING,
                               CRVM_KV_AUTHORING_COST, CRVM_KV_UPKEEP_COST, CRVM_KV_COST,
                               CRVM_KV_VALUE};
#define KV_MONEY (sizeof kv_money / sizeof kv_money[0])

/* The money columns of article a's row r, in whole cents (r holds the
 * labour saving in currency units on entry); CRVM_EDOMAIN naming the article
 * and column if one passes 2^53 cents. */
static crvm_status article_money(const crvm_ledger *l, const crvm_cost_model *m,
                                 const crvm_knowledge_estimate *e, size_t a, double age, double *r)
{
    const double rate = m->knowledge_hourly_rate;
    int64_t labour, deflection, authoring, upkeep;
    r[CRVM_KV_DEFLECTED] = r[CRVM_KV_RESOLVED_VIEWS] * m->deflection_probability;
    const char *what = !to_cents(r[CRVM_KV_LABOUR_SAVING], &labour) ? "labour_saving"
                       : !to_cents(r[CRVM_KV_DEFLECTED] * e->avoided_contact_cost, &deflection)
                           ? "deflection_saving"
                       : !to_cents(l->art_authoring[a] * rate, &authoring) ? "authoring_cost"
                       : !to_cents(l->art_maintenance[a] * rate / CRVM__DAYS_PER_MONTH * age, &upkeep)
                           ? "upkeep_cost"
                           : NULL;
    if (what == NULL) {
        r[CRVM_KV_LABOUR_SAVING] = (double)labour;
        r[CRVM_KV_DEFLECTION_SAVING] = (double)deflection;
        r[CRVM_KV_SAVING] = r[CRVM_KV_LABOUR_SAVING] + r[CRVM_KV_DEFLECTION_SAVING];
        r[CRVM_KV_AUTHORING_COST] = (double)authoring;
        r[CRVM_KV_UPKEEP_COST] = (double)upkeep;
        r[CRVM_KV_COST] = r[CRVM_KV_AUTHORING_COST] + r[CRVM_KV_UPKEEP_COST];
        r[CRVM_KV_VALUE] = r[CRVM_KV_SAVING] - r[CRVM_KV_COST];
        for (size_t j = 0; j < KV_MONEY && what == NULL; j++)
            if (!money_ok(r[kv_money[j]]))
                what = crvm_kv_column_name(kv_money[j]);
    }
    if (what != NULL)
        return too_large(what, "article", crvm_ledger_id(l, CRVM_TABLE_ARTICLES, a));
    return CRVM_OK;
}

/* Per-article rows (if rows != NULL) and/or the whole-base row (if base != NULL). */
static crvm_status knowledge(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                             double *rows, double *base, crvm_knowledge_estimate *est)
{
    const size_t C = CRVM_KV_COLUMNS, na = l->article_ids.count;
    crvm_knowledge_estimate e;
    crvm_status st = crvm__knowledge_estimate(l, m, as_of, &e);
    if (st)
        return st;
    /* Uses on or before as_of grouped by article (counting sort), then by date. */
    size_t *start = crvm__calloc(na + 1, sizeof *start);
    if (!start)
        return crvm__nomem("knowledge uses by article");
    size_t nu = 0;
    for (size_t i = 0; i < l->n_use; i++)
        if (l->use_date[i] <= as_of) {
            start[l->use_article[i] + 1]++;
            nu++;
        }
    use_saving *u = crvm__malloc((nu + 1) * sizeof *u);
    uint32_t *by_date = crvm__malloc((nu + 1) * sizeof *by_date);
    double *acc = crvm__calloc(na * C + 1, sizeof *acc);
    dated_article *order = base ? crvm__malloc((na + 1) * sizeof *order) : NULL;
    if (!u || !by_date || !acc || (base && !order) || uses_by_date(l, as_of, by_date)) {
        crvm__free(start);
        crvm__free(u);
        crvm__free(by_date);
        crvm__free(acc);
        crvm__free(order);
        return crvm__nomem("knowledge uses by article");
    }
    for (size_t a = 0; a < na; a++)
        start[a + 1] += start[a];
    /* Placed in date order, each article's uses come out sorted by date; the
     * sums stay in ledger order, as the support P&L adds them. */
    for (size_t j = 0; j < nu; j++) {
        size_t i = by_date[j];
        uint32_t a = l->use_article[i];
        u[start[a]++] = (use_saving){l->use_date[i], a, crvm__knowledge_use_saving(l, m, &e, i)};
    }
    for (size_t i = 0; i < l->n_use; i++) {
        if (l->use_date[i] > as_of)
            continue;
        uint32_t a = l->use_article[i];
        double s = crvm__knowledge_use_saving(l, m, &e, i);
        double *r = acc + (size_t)a * C;
        if (l->use_kind[i] == CRVM_USE_ASSISTED) {
            r[CRVM_KV_ASSISTED_USES] += 1;
            r[CRVM_KV_LABOUR_SAVING] += s;
        } else {
            r[CRVM_KV_VIEWS] += 1;
            r[CRVM_KV_RESOLVED_VIEWS] += l->use_resolved[i];
        }
    }
    for (size_t i = 0; i < l->n_link; i++)
        if (l->con_opened[l->link_contact[i]] <= as_of)
            acc[(size_t)l->link_article[i] * C + CRVM_KV_LINKED_CONTACTS] += 1;
    /* Per article, in cents. A total of signed cents is exact while the sum
     * of the magnitudes stays below 2^53. */
    const double rate = m->knowledge_hourly_rate;
    double tot[CRVM_KV_COLUMNS] = {0}, magnitude[CRVM_KV_COLUMNS] = {0};
    crvm_date first_created = CRVM_DATE_NONE;
    size_t begin = 0;
    for (size_t a = 0; a < na; a++) {
        size_t end = start[a];
        double *r = acc + a * C;
        crvm_date created = l->art_created[a];
        if (created > as_of) {
            memset(r, 0, C * sizeof *r);
            r[CRVM_KV_AGE_DAYS] = -1;
            r[CRVM_KV_PAYBACK_DAYS] = -1;
            begin = end;
            continue;
        }
        if (first_created == CRVM_DATE_NONE || created < first_created)
            first_created = created;
        double age = (double)(as_of - created);
        double fixed = l->art_authoring[a] * rate;
        double per_day = l->art_maintenance[a] * rate / CRVM__DAYS_PER_MONTH;
        r[CRVM_KV_MINUTES_SAVED] = r[CRVM_KV_ASSISTED_USES] * e.minutes_saved;
        if ((st = article_money(l, m, &e, a, age, r)) != CRVM_OK)
            break;
        r[CRVM_KV_ROI] = r[CRVM_KV_COST] > 0 ? r[CRVM_KV_VALUE] / r[CRVM_KV_COST] : 0.0;
        r[CRVM_KV_PAYBACK_DAYS] =
            r[CRVM_KV_VALUE] >= 0 ? payback(u + begin, end - begin, created, fixed, per_day) : -1;
        r[CRVM_KV_AGE_DAYS] = age;
        for (size_t j = 0; j < C; j++) {
            tot[j] += r[j];
            magnitude[j] += fabs(r[j]);
        }
        begin = end;
    }
    for (size_t j = 0; j < KV_MONEY && st == CRVM_OK && base; j++)
        if (!money_ok(magnitude[kv_money[j]]))
            st = too_large(crvm_kv_column_name(kv_money[j]), "the knowledge base", "all articles");
    if (st == CRVM_OK && base) {
        /* Whole base: sums of the article rows in cents; ROI from the totals; payback
         * from the merged savings against every article's accruing cost. */
        memcpy(base, tot, sizeof tot);
        base[CRVM_KV_ROI] = tot[CRVM_KV_COST] > 0 ? tot[CRVM_KV_VALUE] / tot[CRVM_KV_COST] : 0.0;
        base[CRVM_KV_AGE_DAYS] = first_created == CRVM_DATE_NONE ? -1 : (double)(as_of - first_created);
        base[CRVM_KV_PAYBACK_DAYS] = -1;
        if (first_created != CRVM_DATE_NONE && tot[CRVM_KV_VALUE] >= 0) {
            for (size_t j = 0; j < nu; j++) {
                size_t i = by_date[j];
                u[j] = (use_saving){l->use_date[i], l->use_article[i], crvm__knowledge_use_saving(l, m, &e, i)};
            }
            /* Accrued cost at t = sum over articles created by t of fixed + per_day (t - created)
             * = SA + SP t - SPC, with running sums over articles in order of creation. */
            for (size_t a = 0; a < na; a++)
                order[a] = (dated_article){l->art_created[a], (uint32_t)a};
            qsort(order, na, sizeof *order, cmp_created);
            double pb = -1, cum = 0, SA = 0, SP = 0, SPC = 0;
            size_t next = 0;
            for (size_t i = 0; i < nu && pb < 0; i++) {
                cum += u[i].saving;
                if (i + 1 < nu && u[i + 1].date == u[i].date)
                    continue;
                crvm_date t = u[i].date;
                while (next < na && order[next].created <= t) {
                    uint32_t a = order[next++].article;
                    double per_day = l->art_maintenance[a] * rate / CRVM__DAYS_PER_MONTH;
                    SA += l->art_authoring[a] * rate;
                    SP += per_day;
                    SPC += per_day * (double)l->art_created[a];
                }
                if (cum >= SA + SP * (double)t - SPC)
                    pb = (double)(t - first_created);
            }
            if (tot[CRVM_KV_COST] <= 0)
                pb = 0;
            base[CRVM_KV_PAYBACK_DAYS] = pb;
        }
        for (size_t j = 0; j < KV_MONEY; j++)
            base[kv_money[j]] /= 100.0;
    }
    if (st == CRVM_OK && rows) {
        for (size_t a = 0; a < na; a++)
            for (size_t j = 0; j < KV_MONEY; j++)
                acc[a * C + (size_t)kv_money[j]] /= 100.0;
        memcpy(rows, acc, na * C * sizeof *rows);
    }
    if (st == CRVM_OK && est)
        *est = e;
    crvm__free(order);
    crvm__free(acc);
    crvm__free(by_date);
    crvm__free(u);
    crvm__free(start);
    return st;
}

crvm_status crvm_knowledge_value(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                                 double *out, size_t out_len, crvm_knowledge_estimate *estimate)
{
    static const char fn[] = "crvm_knowledge_value";
    crvm_cost_model defaults;
    crvm_status st = prepare(fn, l, &m, &defaults, out, out_len, l ? l->article_ids.count : 0,
                             CRVM_KV_COLUMNS);
    if (st)
        return st;
    if (!crvm__date_valid(as_of))
        return crvm__fail(CRVM_EINVAL, "%s: as_of = %ld: not a valid date", fn, (long)as_of);
    return knowledge(l, m, as_of, out, NULL, estimate);
}

crvm_status crvm_knowledge_base_value(const crvm_ledger *l, const crvm_cost_model *m,
                                      crvm_date as_of, double *out, size_t out_len)
{
    static const char fn[] = "crvm_knowledge_base_value";
    crvm_cost_model defaults;
    crvm_status st = prepare(fn, l, &m, &defaults, out, out_len, 1, CRVM_KV_COLUMNS);
    if (st)
        return st;
    if (!crvm__date_valid(as_of))
        return crvm__fail(CRVM_EINVAL, "%s: as_of = %ld: not a valid date", fn, (long)as_of);
    return knowledge(l, m, as_of, NULL, out, NULL);
}
