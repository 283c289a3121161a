/* The memo of DERL-only engine queries (derl_cache.h): sets of two ways; a
 * miss replaces the way of its set that was not used last. A set's keys sit
 * in one aligned 64-byte block and the answers in an array of their own, so
 * that a lookup in a cache larger than the processor's caches costs one
 * memory access, and a hit two (the walks look up every query). */
#include "value/derl_cache.h"

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

typedef struct keys {
    uint64_t lambda[2], e1[2]; /* the doubles' bits */
    int32_t segment[2], n[2];  /* segment -1: empty */
    uint32_t last;             /* the way used last */
    uint32_t unused[3];
} keys;
_Static_assert(sizeof(keys) == 64, "a set's keys fill one 64-byte block");

struct crvm__derl_cache {
    size_t mask;               /* sets - 1 */
    void *mem;                 /* owns the keys (aligned within it) */
    keys *key;                 /* per set */
    crvm__rcov_partials *derl; /* 2 x sets */
};

crvm__derl_cache *crvm__derl_cache_new(size_t lines)
{
    const size_t sets = lines / 2;
    crvm__derl_cache *c = crvm__malloc(sizeof *c);
    void *mem = crvm__malloc(sets * sizeof(keys) + 64);
    crvm__rcov_partials *derl = crvm__malloc(lines * sizeof *derl);
    if (!c || !mem || !derl) {
        crvm__free(c);
        crvm__free(mem);
        crvm__free(derl);
        crvm__nomem("the cache of engine queries");
        return NULL;
    }
    c->mask = sets - 1;
    c->mem = mem;
    c->key = (keys *)((char *)mem + (64 - (uintptr_t)mem % 64) % 64);
    c->derl = derl;
    for (size_t j = 0; j < sets; j++) {
        memset(&c->key[j], 0, sizeof c->key[j]);
        c->key[j].segment[0] = c->key[j].segment[1] = -1;
    }
    return c;
}

void crvm__derl_cache_free(crvm__derl_cache *c)
{
    if (!c)
        return;
    crvm__free(c->mem);
    crvm__free(c->derl);
    crvm__free(c);
}

size_t crvm__derl_cache_lines(size_t customers, size_t workers)
{
    size_t want = customers / 16 / (workers ? workers : 1), lines = 256;
    while (lines < want && lines < 65536)
        lines *= 2;
    return lines;
}

static uint64_t bits_of(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

crvm_status crvm__value_eval_derl_cached(const crvm_value *v, crvm__derl_cache *c,
                                         const crvm__vquery *q, size_t customer,
                                         crvm__rcov_partials *derl)
{
    if (!c)
        return crvm__value_eval_derl(v, q, customer, derl);
    const uint64_t lambda = bits_of(q->lambda), e1 = bits_of(q->e1);
    uint64_t h = (lambda * 0x9e3779b97f4a7c15ULL) ^ (e1 * 0xc2b2ae3d27d4eb4fULL) ^
                 ((uint64_t)q->segment << 32 | (uint32_t)q->n);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    const size_t set = (h >> 32) & c->mask;
    keys *k = &c->key[set];
    for (int w = 0; w < 2; w++)
        if (k->segment[w] == (int32_t)q->segment && k->n[w] == q->n && k->lambda[w] == lambda &&
            k->e1[w] == e1) {
            *derl = c->derl[2 * set + (size_t)w];
            k->last = (uint32_t)w;
            return CRVM_OK;
        }
    crvm_status st = crvm__value_eval_derl(v, q, customer, derl);
    if (st)
        return st;
    const int w = !k->last;
    k->last = (uint32_t)w;
    k->lambda[w] = lambda;
    k->e1[w] = e1;
    k->segment[w] = (int32_t)q->segment;
    k->n[w] = q->n;
    c->derl[2 * set + (size_t)w] = *derl;
    return CRVM_OK;
}
