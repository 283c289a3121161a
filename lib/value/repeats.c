/* The valuation's repeated queries (repeats.h). */
#include "value/repeats.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/mix.h"
#include "core/parallel.h"
#include "core/prefetch.h"
#include "ledger/ledger_internal.h"

/* A query's key: the engine answers (segment, n, lambda, e1). */
typedef struct key {
    double lambda, e1;
} key;

typedef struct keys_ctx {
    const crvm_value *v;
    key *key; /* per active customer */
} keys_ctx;

static void keys_range(void *vctx, size_t begin, size_t end)
{
    const keys_ctx *c = vctx;
    const crvm_value *v = c->v;
    for (size_t i = begin; i < end; i++)
        if (v->panel.status[i] == CRVM__VP_ACTIVE) {
            key *k = &c->key[v->active_index[i]];
            crvm__value_customer_key(v, i, &k->lambda, &k->e1);
        }
}

static uint64_t hash_key(const crvm_value *v, size_t i, const key *k)
{
    uint64_t h = crvm__mix64(v->ledger->cust_segment[i] ^ ((uint64_t)(uint32_t)v->panel.periods[i] << 32));
    h = crvm__mix64(h ^ crvm__double_key(k->lambda));
    return crvm__mix64(h ^ crvm__double_key(k->e1));
}

static int same_query(const crvm_value *v, size_t i, const key *a, size_t j, const key *b)
{
    return v->ledger->cust_segment[i] == v->ledger->cust_segment[j] &&
           v->panel.periods[i] == v->panel.periods[j] && !memcmp(a, b, sizeof *a);
}

typedef struct answer_ctx {
    const crvm_value *v;
    const uint32_t *asker; /* per slot: its first asker (customer index) */
    crvm__vrepeats *r;
} answer_ctx;

static void answer_range(void *vctx, size_t begin, size_t end)
{
    const answer_ctx *c = vctx;
    double lambda_b[CRVM__Z_CANDIDATES];
    for (size_t s = begin; s < end; s++) {
        crvm__vquery q;
        q.lambda_b = lambda_b;
        crvm__value_customer_query(c->v, c->asker[s], &q);
        c->r->query[2 * s] = q.lambda;
        c->r->query[2 * s + 1] = q.e1;
        c->r->status[s] = crvm__value_eval(c->v, &q, c->asker[s], &c->r->answer[s]);
    }
}

void crvm__vrepeats_free(crvm__vrepeats *r)
{
    if (!r)
        return;
    crvm__free(r->slot_of);
    crvm__free(r->asker);
    crvm__free(r->answer);
    crvm__free(r->query);
    crvm__free(r->status);
    memset(r, 0, sizeof *r);
}

/* Each active customer's slot: the first asker of a query owns the table
 * entry; a second asker gives the query a slot. Serial, in customer order.
 * The table (4 bytes a slot, 2^20 slots at 10^6 customers) is read at a
 * random slot per customer: the slots of the next customers are fetched
 * LOOKAHEAD customers ahead (their hashes computed then), which took the
 * walk from about 0.04 to 0.025 CPU s at 10^6 (loaded machine, thread CPU
 * time), while the engine's thread, done first, waits for it. */
#define LOOKAHEAD 16

static crvm_status assign_slots(const crvm_value *v, const key *keys, uint32_t *slot_of,
                                uint32_t **asker_out, size_t *slots_out)
{
    const size_t A = v->active;
    size_t n_slots = 16;
    while (n_slots < 2 * A)
        n_slots *= 2;
    uint32_t *table = crvm__calloc(n_slots, sizeof *table); /* customer + 1 of the first asker */
    uint32_t *asker = crvm__malloc((A / 2 + 1) * sizeof *asker);
    if (!table || !asker) {
        crvm__free(table);
        crvm__free(asker);
        return crvm__nomem("the valuation's repeated queries");
    }
    size_t slots = 0;
    const size_t mask = n_slots - 1;
    /* The next active customers and their first slots, in customer order. */
    size_t queue[LOOKAHEAD], first_slot[LOOKAHEAD], head = 0, tail = 0, next = 0;
    for (;;) {
        while (tail - head < LOOKAHEAD && next < v->panel.customers) {
            if (v->panel.status[next] == CRVM__VP_ACTIVE) {
                size_t s = hash_key(v, next, &keys[v->active_index[next]]) & mask;
                CRVM__PREFETCH(&table[s]);
                queue[tail % LOOKAHEAD] = next;
                first_slot[tail++ % LOOKAHEAD] = s;
            }
            next++;
        }
        if (head == tail)
            break;
        const size_t i = queue[head % LOOKAHEAD];
        size_t s = first_slot[head++ % LOOKAHEAD];
        const uint32_t a = v->active_index[i];
        const key *k = &keys[a];
        slot_of[a] = CRVM__NO_REPEAT;
        for (; table[s]; s = (s + 1) & mask) {
            const size_t j = table[s] - 1;
            const uint32_t b = v->active_index[j];
            if (!same_query(v, i, k, j, &keys[b]))
                continue;
            if (slot_of[b] == CRVM__NO_REPEAT) {
                slot_of[b] = (uint32_t)slots;
                asker[slots++] = (uint32_t)j;
            }
            slot_of[a] = slot_of[b];
            break;
        }
        if (!table[s])
            table[s] = (uint32_t)(i + 1);
    }
    crvm__free(table);
    *asker_out = asker;
    *slots_out = slots;
    return CRVM_OK;
}

crvm_status crvm__vrepeats_keys(const crvm_value *v, int threads, crvm__vrepeats *out)
{
    memset(out, 0, sizeof *out);
    const size_t A = v->active;
    if (v->panel.customers >= UINT32_MAX)
        return CRVM_OK; /* customer indices do not fit the table: every customer asks its own */
    key *keys = crvm__malloc((A + 1) * sizeof *keys);
    out->slot_of = crvm__malloc((A + 1) * sizeof *out->slot_of);
    if (!keys || !out->slot_of) {
        crvm__free(keys);
        crvm__vrepeats_free(out);
        return crvm__nomem("the valuation's repeated queries");
    }
    keys_ctx kc = {v, keys};
    crvm__parallel_for(v->panel.customers, threads, keys_range, &kc);
    crvm_status st = assign_slots(v, keys, out->slot_of, &out->asker, &out->slots);
    crvm__free(keys);
    if (!st) {
        out->answer = crvm__malloc((out->slots + 1) * sizeof *out->answer);
        out->query = crvm__malloc((2 * out->slots + 1) * sizeof *out->query);
        out->status = crvm__malloc((out->slots + 1) * sizeof *out->status);
        if (!out->answer || !out->query || !out->status)
            st = crvm__nomem("the valuation's repeated queries");
    }
    if (st)
        crvm__vrepeats_free(out);
    return st;
}

void crvm__vrepeats_answer(const crvm_value *v, crvm__vrepeats *r)
{
    answer_ctx ac = {v, r->asker, r};
    crvm__parallel_for(r->slots, v->opt.threads, answer_range, &ac);
    crvm__free(r->asker);
    r->asker = NULL;
}

const crvm__rcov_answer *crvm__vrepeats_get(const crvm__vrepeats *r, size_t a, const crvm__vquery *q)
{
    const uint32_t s = r->slot_of ? r->slot_of[a] : CRVM__NO_REPEAT;
    if (s == CRVM__NO_REPEAT || r->status[s] != CRVM_OK)
        return NULL;
    /* The keys were found without the derivatives; the answer is used only
     * for the very query it answers. */
    const double key[2] = {q->lambda, q->e1};
    return memcmp(key, r->query + 2 * (size_t)s, sizeof key) ? NULL : &r->answer[s];
}
