/* The contacts of each customer by period, and a walk over their periods
 * with the engine's answer at each renewal (value_internal.h). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "ledger/ledger_internal.h"
#include "core/parallel.h"
#include "value/calendar.h"
#include "value/query_memo.h"
#include "value/value_internal.h"

/* The start of the customer of the contacts last seen: a customer's contacts
 * mostly follow one another in the ledger, so its start date is converted
 * once for all of them. */
typedef struct start_memo {
    uint32_t customer; /* UINT32_MAX: none yet */
    crvm__ymd start;
} start_memo;

/* The period (1-based) of customer i that contact k falls in, 0 if none. */
static int32_t contact_period(const crvm_value *v, const crvm__ymd_days *days, size_t k,
                              start_memo *memo)
{
    const crvm_ledger *l = v->ledger;
    uint32_t i = l->con_customer[k];
    crvm_date o = l->con_opened[k], s = l->cust_start[i];
    uint8_t status = v->panel.status[i];
    if (status == CRVM__VP_NOT_STARTED || o < s || o > v->as_of)
        return 0;
    if (memo->customer != i) {
        memo->customer = i;
        memo->start = crvm__ymd_day(days, s);
    }
    int32_t period = crvm__whole_periods(crvm__ymd_months_between(memo->start, crvm__ymd_day(days, o)),
                                         v->set.months_per_period) + 1;
    int32_t last = v->panel.periods[i] + (status == CRVM__VP_ACTIVE);
    return period <= last ? period : 0;
}

/* Whether contact k is selected (before its period is known). */
static int selected(const crvm__vcontacts *c, size_t k)
{
    const crvm_date o = c->v->ledger->con_opened[k];
    return o >= c->from && o < c->until && (!c->keep || c->keep(c->keep_ctx, k));
}

static int cmp_key(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Orders m keys (a customer's: a handful, insertion sort unless many). */
static void sort_keys(uint64_t *key, size_t m)
{
    if (m > 32) {
        qsort(key, m, sizeof *key, cmp_key);
        return;
    }
    for (size_t a = 1; a < m; a++) {
        uint64_t x = key[a];
        size_t b = a;
        for (; b > 0 && key[b - 1] > x; b--)
            key[b] = key[b - 1];
        key[b] = x;
    }
}

/* Each selected contact's period (0: not selected, or in no period), on the
 * worker threads: each contact writes its own entry. */
typedef struct select_ctx {
    const crvm__vcontacts *c;
    int32_t *period;
} select_ctx;

static void select_range(void *ctx, size_t begin, size_t end)
{
    const select_ctx *sc = ctx;
    start_memo memo = {UINT32_MAX, {0, 0, 0}};
    for (size_t k = begin; k < end; k++)
        sc->period[k] = selected(sc->c, k) ? contact_period(sc->c->v, sc->c->days, k, &memo) : 0;
}

static void sort_range(void *ctx, size_t begin, size_t end)
{
    crvm__vcontacts *c = ctx;
    for (size_t i = begin; i < end; i++)
        sort_keys(c->key + c->first[i], c->first[i + 1] - c->first[i]);
}

/* The index of every customer's keys. */
static crvm_status build_index(crvm__vcontacts *c)
{
    const crvm_value *v = c->v;
    const crvm_ledger *l = v->ledger;
    const size_t n = v->panel.customers, nk = l->contact_ids.count;
    c->first = crvm__calloc(n + 2, sizeof *c->first);
    int32_t *period = crvm__malloc((nk + 1) * sizeof *period);
    if (!c->first || !period) {
        crvm__free(period);
        return crvm__nomem("contacts by customer");
    }
    select_ctx sc = {c, period};
    crvm__parallel_for(nk, v->opt.threads, select_range, &sc);
    for (size_t k = 0; k < nk; k++)
        if (period[k])
            c->first[l->con_customer[k] + 2]++;
    for (size_t i = 0; i < n; i++)
        c->first[i + 2] += c->first[i + 1];
    c->key = crvm__malloc((c->first[n + 1] + 1) * sizeof *c->key);
    if (!c->key) {
        crvm__free(period);
        return crvm__nomem("contacts by customer");
    }
    for (size_t k = 0; k < nk; k++)
        if (period[k])
            c->key[c->first[l->con_customer[k] + 1]++] = (uint64_t)period[k] << 32 | (uint32_t)k;
    crvm__free(period);
    crvm__parallel_for(n, v->opt.threads, sort_range, c);
    c->selected = c->first[n];
    return CRVM_OK;
}

/* A block's keys (by blocks): first[i - begin] for its customers i. */
struct crvm__vc_block {
    size_t first[CRVM__VALUE_BLOCK + 1];
    uint64_t *key;
    size_t cap;
};

/* The contacts that may be selected, counted on the threads: a bound for
 * the walk's memo (the index leaves out those in no period as well). */
typedef struct bound_ctx {
    const crvm__vcontacts *c;
    atomic_size_t count;
} bound_ctx;

static void bound_range(void *ctx, size_t begin, size_t end)
{
    bound_ctx *b = ctx;
    const crvm__vcontacts *c = b->c;
    size_t m = 0;
    if (c->keep) {
        for (size_t k = begin; k < end; k++)
            m += (size_t)selected(c, k);
    } else { /* the dates alone: a count the compiler vectorises */
        const crvm_date *opened = c->v->ledger->con_opened;
        for (size_t k = begin; k < end; k++)
            m += (size_t)((opened[k] >= c->from) & (opened[k] < c->until));
    }
    atomic_fetch_add(&b->count, m);
}

crvm_status crvm__value_contacts(const crvm_value *v, crvm_date from, crvm_date until,
                                 int (*keep)(const void *ctx, size_t contact), const void *ctx,
                                 size_t slots, crvm__vcontacts *out)
{
    const crvm_ledger *l = v->ledger;
    crvm__vcontacts c;
    memset(&c, 0, sizeof c);
    c.v = v;
    c.from = from;
    c.until = until;
    c.keep = keep;
    c.keep_ctx = ctx;
    c.slots = slots;
    c.days = crvm__malloc(sizeof *c.days);
    crvm_status st = c.days ? crvm__ymd_days_new(l->summary.first, v->as_of, c.days)
                            : crvm__nomem("contacts by customer");
    if (st) {
        crvm__free(c.days);
        return st;
    }
    if (!l->summary.contacts_ordered) {
        st = build_index(&c);
    } else if (!(c.block = crvm__calloc(slots, sizeof *c.block))) {
        st = crvm__nomem("contacts by block");
    } else {
        bound_ctx b = {&c, 0};
        atomic_init(&b.count, 0);
        crvm__parallel_for(l->contact_ids.count, v->opt.threads, bound_range, &b);
        c.selected = atomic_load(&b.count);
    }
    if (st) {
        crvm__value_contacts_free(&c);
        return st;
    }
    *out = c;
    return CRVM_OK;
}

void crvm__value_contacts_free(crvm__vcontacts *c)
{
    crvm__free(c->first);
    crvm__free(c->key);
    for (size_t s = 0; c->block && s < c->slots; s++)
        crvm__free(c->block[s].key);
    crvm__free(c->block);
    if (c->days)
        crvm__ymd_days_free(c->days);
    crvm__free(c->days);
    c->first = NULL;
    c->key = NULL;
    c->block = NULL;
    c->days = NULL;
}

/* The keys of customers [begin, end) into block b, from the ledger's rows
 * of those customers (in customer order): the index's keys for them. */
static crvm_status block_keys(const crvm__vcontacts *c, crvm__vc_block *b, size_t begin, size_t end)
{
    const crvm_ledger *l = c->v->ledger;
    size_t rb, re;
    crvm__ledger_customer_rows(l, CRVM_TABLE_CONTACTS, begin, end, &rb, &re);
    if (re - rb > b->cap) {
        uint64_t *key = crvm__realloc_array(b->key, re - rb, sizeof *key);
        if (!key)
            return crvm__nomem("contacts by block");
        b->key = key;
        b->cap = re - rb;
    }
    start_memo memo = {UINT32_MAX, {0, 0, 0}};
    size_t m = 0, next = begin; /* the next customer whose first key is not yet set */
    for (size_t k = rb; k < re; k++) {
        const uint32_t i = l->con_customer[k];
        int32_t period;
        if (!selected(c, k) || !(period = contact_period(c->v, c->days, k, &memo)))
            continue;
        for (; next <= i; next++)
            b->first[next - begin] = m;
        b->key[m++] = (uint64_t)period << 32 | (uint32_t)k;
    }
    for (; next <= end; next++)
        b->first[next - begin] = m;
    for (size_t i = 0; i < end - begin; i++)
        sort_keys(b->key + b->first[i], b->first[i + 1] - b->first[i]);
    return CRVM_OK;
}

const crvm__vpattern *crvm__value_period_pattern(const crvm_value *v, size_t i, int32_t s)
{
    uint32_t q = s <= v->panel.periods[i] ? v->panel.row_pattern[v->panel.first_row[i] + (size_t)(s - 1)]
                                          : v->panel.current[i];
    return &v->panel.pattern[q];
}

void crvm__value_set_own_period(const crvm_value *v, crvm__vquery *q, const crvm__vpattern *pattern)
{
    /* exp(b'z) of a pattern is the model's table entry: the sum and the
     * exponential crvm__value_set_period() would take, the same bits. */
    const double e = v->pattern_e[pattern - v->panel.pattern];
    crvm__value_pattern_z(pattern, q->z1);
    q->e1 = v->w[q->n + 1] * e;
    q->e1_c = v->dw[q->n + 1] * e;
}

/* The keys a walk reads: first[i - base] for its customers i. */
typedef struct key_view {
    const size_t *first;
    const uint64_t *key;
    size_t base;
} key_view;

/* A place in a walk: customer i's keys [a, b) not yet visited, Lambda summed
 * over its first `done` rows. */
typedef struct walk_pos {
    size_t i, next; /* the customer; the next one to start */
    size_t a, b;
    int32_t done;
} walk_pos;

/* Moves w to the next period with contacts of customers [.., end) and forms
 * its query in q, continuing q's Lambda (in q->lambda_b's p values) within a
 * customer: 1, with the period's keys at c->key + *keys, their count and its
 * pattern; 0 at the end. */
static int advance(const crvm_value *v, const key_view *c, size_t end, walk_pos *w,
                   crvm__vquery *q, size_t *keys, size_t *count, const crvm__vpattern **pattern)
{
    const size_t p = v->p;
    double *lambda_b = q->lambda_b;
    if (w->a == w->b) {
        const size_t *first = c->first, base = c->base;
        while (w->next < end && first[w->next - base] == first[w->next + 1 - base])
            w->next++;
        if (w->next >= end)
            return 0;
        w->i = w->next++;
        w->a = first[w->i - base];
        w->b = first[w->i + 1 - base];
        w->done = 0;
        q->segment = v->ledger->cust_segment[w->i];
        q->lambda = q->lambda_c = 0;
        for (size_t j = 0; j < p; j++)
            lambda_b[j] = 0;
    }
    const int32_t s = crvm__vc_period(c->key[w->a]);
    size_t e = w->a;
    while (e < w->b && crvm__vc_period(c->key[e]) == s)
        e++;
    if (w->done < s - 1) { /* Lambda_{s-1}: add the rows before period s */
        /* in locals (the same operations in the same order), which no
         * store through q can alias */
        const uint32_t *row = v->panel.row_pattern + v->panel.first_row[w->i];
        const double *wt = v->w, *dw = v->dw, *pe = v->pattern_e, *pz = v->pattern_z;
        double L = q->lambda, Lc = q->lambda_c, Lb[CRVM__Z_CANDIDATES];
        memcpy(Lb, lambda_b, p * sizeof *Lb);
        int32_t d = w->done;
        for (; d < s - 1; d++) {
            const uint32_t r = row[d];
            const double e = pe[r], we = wt[d + 1] * e;
            L += we;
            Lc += dw[d + 1] * e;
            for (size_t j = 0; j < p; j++)
                Lb[j] += we * pz[(size_t)r * p + j];
        }
        w->done = d;
        q->lambda = L;
        q->lambda_c = Lc;
        memcpy(lambda_b, Lb, p * sizeof *Lb);
    }
    q->n = s - 1;
    *pattern = crvm__value_period_pattern(v, w->i, s);
    crvm__value_set_own_period(v, q, *pattern);
    *keys = w->a;
    *count = e - w->a;
    w->a = e;
    return 1;
}

crvm_status crvm__value_walk_periods(const crvm_value *v, const crvm__vcontacts *c, size_t begin,
                                     size_t end, crvm__period_visit visit, void *ctx, size_t slot,
                                     const crvm__qmemo *memo, double *lambda_b)
{
    key_view view = {c->first, c->key, 0};
    if (!c->first) { /* by blocks: this block's keys in its slot's */
        if (end - begin > CRVM__VALUE_BLOCK || slot >= c->slots)
            return crvm__fail(CRVM_EINVAL, "contacts by block: customers [%zu, %zu) in slot %zu are "
                              "not a block of a walk of %zu slots", begin, end, slot, c->slots);
        crvm__vc_block *b = &c->block[slot];
        crvm_status st = block_keys(c, b, begin, end);
        if (st)
            return st;
        view = (key_view){b->first, b->key, begin};
    }
    /* Each query is formed one period before its visit (in turns in two
     * queries, the next continuing from the present one), so that its memo
     * line loads while the present one is visited. */
    const size_t p = v->p;
    walk_pos at = {0, begin, 0, 0, 0};
    crvm__vquery q[2];
    const crvm__vpattern *pattern[2];
    size_t keys[2], count[2];
    q[0].lambda_b = lambda_b;
    q[1].lambda_b = lambda_b + p;
    int t = 0, more = advance(v, &view, end, &at, &q[0], &keys[0], &count[0], &pattern[0]);
    while (more) {
        const size_t i = at.i;
        q[!t].segment = q[t].segment;
        q[!t].lambda = q[t].lambda;
        q[!t].lambda_c = q[t].lambda_c;
        memcpy(q[!t].lambda_b, q[t].lambda_b, p * sizeof *lambda_b);
        more = advance(v, &view, end, &at, &q[!t], &keys[!t], &count[!t], &pattern[!t]);
        if (more)
            crvm__qmemo_prefetch(memo, &q[!t]);
        crvm_status st = visit(ctx, slot, i, &q[t], pattern[t], view.key + keys[t], count[t]);
        if (st)
            return st;
        t = !t;
    }
    return CRVM_OK;
}
