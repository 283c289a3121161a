/* The walks' repeated queries (query_memo.h). */
#include "value/query_memo.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/huge_pages.h"
#include "core/mix.h"
#include "core/prefetch.h"

/* What the engine answers: the doubles compared by their bits. */
typedef struct qkey {
    int32_t segment, n;
    uint64_t lambda, e1;
} qkey;

/* A key and its answer: one record, so that a hit reads one place. */
typedef struct entry {
    qkey key;
    crvm__rcov_partials answer;
} entry;

typedef struct slot_entries {
    entry *entry;
    size_t len, cap;
} slot_entries;

/* The counting sets in 64-byte lines of 256 cells, four words of "seen"
 * bits then four of "seen twice": a key's two cells share a line, so that
 * marking touches one line of memory however large the sets. */
enum { LINE_WORDS = 8, LINE_CELLS = 256 };
enum { CHUNK = 1024 }; /* entries a chunk */
#define HUGE_CELLS ((size_t)4 << 20)

struct crvm__qmemo {
    size_t line_mask;        /* lines - 1 */
    void *cell_mem;          /* owns the lines (aligned within it) */
    int cells_huge;          /* cell_mem from crvm__huge_alloc */
    _Atomic uint64_t *cells; /* lines x LINE_WORDS */
    slot_entries *slot;      /* per slot: the answers it keeps this round */
    size_t slots;
    /* the memo: keys numbered in fold order, in chunks that never move (a
     * growing array would hold two copies while it is copied) */
    entry **chunk;
    size_t keys, chunks;
    uint64_t *index; /* open addressing: the hash's high half << 32 | key number + 1; 0 empty */
    size_t index_mask;
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

void crvm__qmemo_free(crvm__qmemo *m)
{
    if (!m)
        return;
    if (m->cells_huge)
        crvm__huge_free(m->cell_mem);
    else
        crvm__free(m->cell_mem);
    for (size_t s = 0; m->slot && s < m->slots; s++)
        crvm__free(m->slot[s].entry);
    crvm__free(m->slot);
    for (size_t c = 0; m->chunk && c < m->chunks; c++)
        crvm__free(m->chunk[c]);
    crvm__free(m->chunk);
    crvm__free(m->index);
    crvm__free(m);
}

crvm__qmemo *crvm__qmemo_new(size_t bound, size_t slots)
{
    size_t lines = 4;
    while (lines * LINE_CELLS / 8 < bound && lines < ((size_t)1 << 24))
        lines *= 2;
    crvm__qmemo *m = crvm__calloc(1, sizeof *m);
    if (m) {
        m->line_mask = lines - 1;
        m->slots = slots;
        /* Large sets on huge pages (2 MB aligned: no line straddles), as
         * each asking reads a line at random, and past the TLB's reach (a
         * few MB of 4 KB pages) it would wait for a page walk as well. */
        const size_t bytes = lines * LINE_WORDS * sizeof *m->cells;
        m->cells_huge = bytes >= HUGE_CELLS;
        m->cell_mem = m->cells_huge ? crvm__huge_alloc(bytes) : crvm__calloc(1, bytes + 64);
        if (m->cells_huge && m->cell_mem)
            memset(m->cell_mem, 0, bytes);
        m->slot = crvm__calloc(slots, sizeof *m->slot);
        m->index_mask = 255;
        m->index = crvm__calloc(m->index_mask + 1, sizeof *m->index);
    }
    if (!m || !m->cell_mem || !m->slot || !m->index) {
        crvm__qmemo_free(m);
        crvm__nomem(what);
        return NULL;
    }
    m->cells = (_Atomic uint64_t *)((char *)m->cell_mem + (64 - (uintptr_t)m->cell_mem % 64) % 64);
    return m;
}

/* Notes one sighting of cell c of a line. */
static void sight(_Atomic uint64_t *line, uint64_t c)
{
    const uint64_t bit = (uint64_t)1 << (c & 63);
    if (atomic_fetch_or(&line[c >> 6], bit) & bit)
        atomic_fetch_or(&line[4 + (c >> 6)], bit);
}

static int seen_twice(_Atomic uint64_t *line, uint64_t c, memory_order order)
{
    return (atomic_load_explicit(&line[4 + (c >> 6)], order) >> (c & 63)) & 1;
}

static entry *memo_entry(const crvm__qmemo *m, size_t j) { return &m->chunk[j / CHUNK][j % CHUNK]; }

/* The index slot of key k (hash h): its own, or the empty one where it belongs. */
static size_t find(const crvm__qmemo *m, const qkey *k, uint64_t h)
{
    size_t j = (size_t)h & m->index_mask;
    for (;; j = (j + 1) & m->index_mask) {
        const uint64_t x = m->index[j];
        if (!x || ((x >> 32) == (h >> 32) && same(&memo_entry(m, (uint32_t)x - 1)->key, k)))
            return j;
    }
}

static crvm_status grow(crvm__qmemo *m)
{
    if (m->keys == m->chunks * CHUNK) {
        entry **chunk = crvm__realloc_array(m->chunk, m->chunks + 1, sizeof *chunk);
        if (!chunk)
            return crvm__nomem(what);
        m->chunk = chunk;
        if (!(chunk[m->chunks] = crvm__malloc(CHUNK * sizeof **chunk)))
            return crvm__nomem(what);
        m->chunks++;
    }
    if (2 * (m->keys + 1) > m->index_mask + 1) {
        const size_t size = 2 * (m->index_mask + 1);
        uint64_t *index = crvm__calloc(size, sizeof *index);
        if (!index)
            return crvm__nomem(what);
        crvm__free(m->index);
        m->index = index;
        m->index_mask = size - 1;
        for (size_t j = 0; j < m->keys; j++) {
            const qkey *k = &memo_entry(m, j)->key;
            const uint64_t h = hash_of(k);
            m->index[find(m, k, h)] = (h >> 32) << 32 | (j + 1);
        }
    }
    return CRVM_OK;
}

crvm_status crvm__qmemo_fold(crvm__qmemo *m, size_t slot)
{
    slot_entries *s = &m->slot[slot];
    crvm_status st = CRVM_OK;
    for (size_t t = 0; t < s->len && !st; t++) {
        const entry *e = &s->entry[t];
        const uint64_t h = hash_of(&e->key);
        if (m->index[find(m, &e->key, h)]) /* kept by another slot of the round too */
            continue;
        if (m->keys >= UINT32_MAX - 1) /* the index cannot number more: asked of the engine */
            break;
        if (!(st = grow(m))) {
            *memo_entry(m, m->keys) = *e;
            m->index[find(m, &e->key, h)] = (h >> 32) << 32 | ++m->keys;
        }
    }
    s->len = 0;
    return st;
}

size_t crvm__qmemo_keys(const crvm__qmemo *m) { return m->keys; }

static crvm_status keep(crvm__qmemo *m, size_t slot, const qkey *k, const crvm__rcov_partials *derl)
{
    slot_entries *s = &m->slot[slot];
    if (s->len == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        entry *grown = crvm__realloc_array(s->entry, cap, sizeof *grown);
        if (!grown)
            return crvm__nomem(what);
        s->entry = grown;
        s->cap = cap;
    }
    s->entry[s->len].key = *k;
    s->entry[s->len++].answer = *derl;
    return CRVM_OK;
}

static _Atomic uint64_t *line_of(const crvm__qmemo *m, uint64_t h)
{
    return m->cells + LINE_WORDS * ((h >> 32) & m->line_mask);
}

void crvm__qmemo_prefetch(const crvm__qmemo *m, const crvm__vquery *q)
{
    if (!m)
        return;
    const qkey k = key_of(q);
    const uint64_t h = hash_of(&k);
    CRVM__PREFETCH(line_of(m, h));
    /* and the index slot where a repeated key's entry is found */
    CRVM__PREFETCH(&m->index[(size_t)h & m->index_mask]);
}

crvm_status crvm__qmemo_eval(crvm__qmemo *m, size_t slot, const crvm_value *v,
                             const crvm__vquery *q, size_t customer, crvm__rcov_partials *derl)
{
    if (!m)
        return crvm__value_eval_derl(v, q, customer, derl);
    const qkey k = key_of(q);
    const uint64_t h = hash_of(&k), a = h % LINE_CELLS, b = (h >> 8) % LINE_CELLS;
    _Atomic uint64_t *line = line_of(m, h);
    /* Only a key whose cells are both seen twice can be in the memo (its
     * cells were when it was kept), so most single queries cost this one
     * line. Otherwise both cells' sightings first, then their state: of two
     * askings of one key, the one that looks last finds both seen twice. */
    int again = seen_twice(line, a, memory_order_relaxed) && seen_twice(line, b, memory_order_relaxed);
    if (again) {
        const uint64_t x = m->index[find(m, &k, h)];
        if (x) {
            *derl = memo_entry(m, (uint32_t)x - 1)->answer;
            return CRVM_OK;
        }
    } else {
        sight(line, a);
        sight(line, b);
        again = seen_twice(line, a, memory_order_seq_cst) && seen_twice(line, b, memory_order_seq_cst);
    }
    crvm__rcov_partials answer;
    crvm_status st = crvm__value_eval_derl(v, q, customer, &answer);
    if (!st && again)
        st = keep(m, slot, &k, &answer);
    if (!st)
        *derl = answer;
    return st;
}
