/* The memo of DERL-only engine queries (derl_cache.h): sets of two lines,
 * each holding a query's key and answer; a miss replaces the line of its
 * set that was not used last. */
#include "value/derl_cache.h"

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

typedef struct line {
    uint64_t lambda, e1; /* the doubles' bits */
    int32_t segment, n;  /* segment -1: empty */
    crvm__rcov_partials derl;
} line;

struct crvm__derl_cache {
    size_t mask; /* sets - 1 */
    line *line;  /* 2 x sets */
    uint8_t *last; /* per set: the way used last */
};

crvm__derl_cache *crvm__derl_cache_new(size_t lines)
{
    crvm__derl_cache *c = crvm__malloc(sizeof *c);
    line *l = crvm__malloc(lines * sizeof *l);
    uint8_t *last = crvm__calloc(lines / 2, 1);
    if (!c || !l || !last) {
        crvm__free(c);
        crvm__free(l);
        crvm__free(last);
        crvm__nomem("the cache of engine queries");
        return NULL;
    }
    for (size_t j = 0; j < lines; j++)
        l[j].segment = -1;
    c->mask = lines / 2 - 1;
    c->line = l;
    c->last = last;
    return c;
}

void crvm__derl_cache_free(crvm__derl_cache *c)
{
    if (!c)
        return;
    crvm__free(c->line);
    crvm__free(c->last);
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
    line *way = &c->line[2 * set];
    for (int w = 0; w < 2; w++)
        if (way[w].segment == (int32_t)q->segment && way[w].n == q->n && way[w].lambda == lambda &&
            way[w].e1 == e1) {
            *derl = way[w].derl;
            c->last[set] = (uint8_t)w;
            return CRVM_OK;
        }
    crvm_status st = crvm__value_eval_derl(v, q, customer, derl);
    if (st)
        return st;
    c->last[set] = (uint8_t)!c->last[set];
    line *l = &way[c->last[set]];
    l->lambda = lambda;
    l->e1 = e1;
    l->segment = (int32_t)q->segment;
    l->n = q->n;
    l->derl = *derl;
    return CRVM_OK;
}
