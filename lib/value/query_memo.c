/* The walks' repeated queries (query_memo.h). */
#include "value/query_memo.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/mix.h"
#include "core/parallel.h"

/* What the engine answers: the doubles compared by their bits. */
typedef struct qkey {
    int32_t segment, n;
    uint64_t lambda, e1;
} qkey;

typedef struct slot_keys {
    qkey *key;
    size_t len, cap;
} slot_keys;

struct crvm__qmemo {
    /* marking */
    size_t cell_mask;               /* W - 1 */
    _Atomic uint64_t *seen, *twice; /* W bits each */
    slot_keys *slot;                /* per slot: its candidates since the last merge */
    size_t slots;
    /* the candidate keys, numbered in merge order */
    qkey *key;
    size_t keys, key_cap;
    uint32_t *index; /* open addressing: key number + 1, 0 empty */
    size_t index_mask;
    /* after crvm__qmemo_answer() */
    crvm__rcov_partials *answer;
    crvm_status *status;
};

static const char what[] = "the walk's repeated queries";

static qkey key_of(const crvm__vquery *q)
{
    qkey k;
    memset(&k, 0, sizeof k);
    k.segment = (int32_t)q->segment;
    k.n = q->n;
    memcpy(&k.lambda, &q->lambda, sizeof k.lambda);
    memcpy(&k.e1, &q->e1, sizeof k.e1);
    return k;
}

static uint64_t hash_of(const qkey *k)
{
    uint64_t h = crvm__mix64((uint64_t)(uint32_t)k->segment << 32 | (uint32_t)k->n);
    h = crvm__mix64(h ^ k->lambda);
    return crvm__mix64(h ^ k->e1);
}

static int same(const qkey *a, const qkey *b)
{
    return a->lambda == b->lambda && a->e1 == b->e1 && a->segment == b->segment && a->n == b->n;
}

static void free_marking(crvm__qmemo *m)
{
    crvm__free((void *)m->seen);
    crvm__free((void *)m->twice);
    m->seen = m->twice = NULL;
    for (size_t s = 0; m->slot && s < m->slots; s++)
        crvm__free(m->slot[s].key);
    crvm__free(m->slot);
    m->slot = NULL;
}

void crvm__qmemo_free(crvm__qmemo *m)
{
    if (!m)
        return;
    free_marking(m);
    crvm__free(m->key);
    crvm__free(m->index);
    crvm__free(m->answer);
    crvm__free(m->status);
    crvm__free(m);
}

crvm__qmemo *crvm__qmemo_new(size_t bound, size_t slots)
{
    size_t cells = 1024;
    while (cells / 8 < bound && cells < ((size_t)1 << 31))
        cells *= 2;
    crvm__qmemo *m = crvm__calloc(1, sizeof *m);
    if (m) {
        m->cell_mask = cells - 1;
        m->slots = slots;
        m->seen = crvm__calloc(cells / 64, sizeof *m->seen);
        m->twice = crvm__calloc(cells / 64, sizeof *m->twice);
        m->slot = crvm__calloc(slots, sizeof *m->slot);
        m->index_mask = 255;
        m->index = crvm__calloc(m->index_mask + 1, sizeof *m->index);
    }
    if (!m || !m->seen || !m->twice || !m->slot || !m->index) {
        crvm__qmemo_free(m);
        crvm__nomem(what);
        return NULL;
    }
    return m;
}

/* Notes one sighting of cell c. */
static void sight(crvm__qmemo *m, uint64_t c)
{
    const uint64_t bit = (uint64_t)1 << (c & 63);
    if (atomic_fetch_or(&m->seen[c >> 6], bit) & bit)
        atomic_fetch_or(&m->twice[c >> 6], bit);
}

static int seen_twice(crvm__qmemo *m, uint64_t c)
{
    return (atomic_load(&m->twice[c >> 6]) >> (c & 63)) & 1;
}

crvm_status crvm__qmemo_mark(crvm__qmemo *m, size_t slot, const crvm__vquery *q)
{
    const qkey k = key_of(q);
    const uint64_t h = hash_of(&k), a = h & m->cell_mask, b = (h >> 32) & m->cell_mask;
    /* Both cells' sightings first, then their state: of two sightings of
     * one key, the one that looks last finds both cells seen twice. */
    sight(m, a);
    sight(m, b);
    if (!seen_twice(m, a) || !seen_twice(m, b))
        return CRVM_OK;
    slot_keys *s = &m->slot[slot];
    if (s->len == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        qkey *grown = crvm__realloc_array(s->key, cap, sizeof *grown);
        if (!grown)
            return crvm__nomem(what);
        s->key = grown;
        s->cap = cap;
    }
    s->key[s->len++] = k;
    return CRVM_OK;
}

/* The index slot of key k: its own, or the empty one where it belongs. */
static size_t find(const crvm__qmemo *m, const qkey *k, uint64_t h)
{
    size_t j = (size_t)(h >> 16) & m->index_mask;
    while (m->index[j] && !same(&m->key[m->index[j] - 1], k))
        j = (j + 1) & m->index_mask;
    return j;
}

static crvm_status grow(crvm__qmemo *m)
{
    if (m->keys == m->key_cap) {
        size_t cap = m->key_cap ? 2 * m->key_cap : 128;
        qkey *key = crvm__realloc_array(m->key, cap, sizeof *key);
        if (!key)
            return crvm__nomem(what);
        m->key = key;
        m->key_cap = cap;
    }
    if (2 * (m->keys + 1) > m->index_mask + 1) {
        const size_t size = 2 * (m->index_mask + 1);
        uint32_t *index = crvm__calloc(size, sizeof *index);
        if (!index)
            return crvm__nomem(what);
        crvm__free(m->index);
        m->index = index;
        m->index_mask = size - 1;
        for (size_t j = 0; j < m->keys; j++)
            m->index[find(m, &m->key[j], hash_of(&m->key[j]))] = (uint32_t)(j + 1);
    }
    return CRVM_OK;
}

crvm_status crvm__qmemo_merge(crvm__qmemo *m, size_t slot)
{
    slot_keys *s = &m->slot[slot];
    crvm_status st = CRVM_OK;
    for (size_t t = 0; t < s->len && !st; t++) {
        const qkey *k = &s->key[t];
        const uint64_t h = hash_of(k);
        if (m->index[find(m, k, h)])
            continue;
        if (m->keys >= UINT32_MAX - 1) /* the index cannot number more: asked of the engine */
            break;
        if (!(st = grow(m))) {
            m->key[m->keys] = *k;
            m->index[find(m, k, h)] = (uint32_t)++m->keys;
        }
    }
    s->len = 0;
    return st;
}

size_t crvm__qmemo_keys(const crvm__qmemo *m) { return m->keys; }

typedef struct answer_ctx {
    const crvm_value *v;
    crvm__qmemo *m;
} answer_ctx;

static void answer_range(void *vctx, size_t begin, size_t end)
{
    const answer_ctx *c = vctx;
    for (size_t j = begin; j < end; j++) {
        const qkey *k = &c->m->key[j];
        crvm__vquery q;
        memset(&q, 0, sizeof q);
        q.segment = (size_t)k->segment;
        q.n = k->n;
        memcpy(&q.lambda, &k->lambda, sizeof q.lambda);
        memcpy(&q.e1, &k->e1, sizeof q.e1);
        /* A refusal is kept as a status: the askers ask again, named. */
        c->m->status[j] = crvm__value_eval_derl(c->v, &q, 0, &c->m->answer[j]);
    }
}

crvm_status crvm__qmemo_answer(crvm__qmemo *m, const crvm_value *v)
{
    free_marking(m);
    m->answer = crvm__malloc((m->keys + 1) * sizeof *m->answer);
    m->status = crvm__malloc((m->keys + 1) * sizeof *m->status);
    if (!m->answer || !m->status)
        return crvm__nomem(what);
    answer_ctx c = {v, m};
    crvm__parallel_for(m->keys, v->opt.threads, answer_range, &c);
    return CRVM_OK;
}

crvm_status crvm__qmemo_eval(const crvm__qmemo *m, const crvm_value *v, const crvm__vquery *q,
                             size_t customer, crvm__rcov_partials *derl)
{
    if (m && m->keys) {
        const qkey k = key_of(q);
        const uint32_t j = m->index[find(m, &k, hash_of(&k))];
        if (j && m->status[j - 1] == CRVM_OK) {
            *derl = m->answer[j - 1];
            return CRVM_OK;
        }
    }
    return crvm__value_eval_derl(v, q, customer, derl);
}
