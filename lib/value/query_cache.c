/* The memo of engine queries (query_cache.h): sets of two lines, each
 * holding a query's key and its answer; a miss replaces the line of its set
 * that was not used last. */
#include "value/query_cache.h"

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

typedef struct key {
    uint64_t lambda, e1; /* the doubles' bits */
    int32_t segment, n;  /* segment -1: empty */
} key;

struct crvm__query_cache {
    size_t mask, size; /* sets - 1; bytes of an answer */
    key *key;          /* 2 x sets */
    unsigned char *answer; /* 2 x sets x size */
    uint8_t *last;     /* per set: the way used last */
};

static size_t answer_size(crvm__cached what)
{
    return what == CRVM__CACHE_DERL ? sizeof(crvm__rcov_partials) : sizeof(crvm__rcov_answer);
}

crvm__query_cache *crvm__query_cache_new(size_t lines, crvm__cached what)
{
    crvm__query_cache *c = crvm__malloc(sizeof *c);
    key *k = crvm__malloc(lines * sizeof *k);
    unsigned char *answer = crvm__malloc(lines * answer_size(what));
    uint8_t *last = crvm__calloc(lines / 2, 1);
    if (!c || !k || !answer || !last) {
        crvm__free(c);
        crvm__free(k);
        crvm__free(answer);
        crvm__free(last);
        crvm__nomem("the cache of engine queries");
        return NULL;
    }
    for (size_t j = 0; j < lines; j++)
        k[j].segment = -1;
    c->mask = lines / 2 - 1;
    c->size = answer_size(what);
    c->key = k;
    c->answer = answer;
    c->last = last;
    return c;
}

void crvm__query_cache_free(crvm__query_cache *c)
{
    if (!c)
        return;
    crvm__free(c->key);
    crvm__free(c->answer);
    crvm__free(c->last);
    crvm__free(c);
}

size_t crvm__query_cache_lines(size_t customers, size_t slots, crvm__cached what)
{
    size_t want = customers / 16 / (slots ? slots : 1);
    size_t lines = what == CRVM__CACHE_DERL ? 256 : 64, most = what == CRVM__CACHE_DERL ? 16384 : 2048;
    while (lines < want && lines < most)
        lines *= 2;
    return lines;
}

static uint64_t bits_of(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

/* The line of q's set that holds it (its answer copied to out), or -1 and
 * *k the key of q. */
static long lookup(crvm__query_cache *c, const crvm__vquery *q, key *k, size_t *set, void *out)
{
    *k = (key){bits_of(q->lambda), bits_of(q->e1), (int32_t)q->segment, q->n};
    uint64_t h = (k->lambda * 0x9e3779b97f4a7c15ULL) ^ (k->e1 * 0xc2b2ae3d27d4eb4fULL) ^
                 ((uint64_t)q->segment << 32 | (uint32_t)q->n);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    *set = (h >> 32) & c->mask;
    for (size_t w = 0; w < 2; w++) {
        const key *x = &c->key[2 * *set + w];
        if (x->segment == k->segment && x->n == k->n && x->lambda == k->lambda && x->e1 == k->e1) {
            memcpy(out, c->answer + (2 * *set + w) * c->size, c->size);
            c->last[*set] = (uint8_t)w;
            return (long)w;
        }
    }
    return -1;
}

/* Keeps answer as q's (key k), in the line of its set not used last. */
static void keep(crvm__query_cache *c, const key *k, size_t set, const void *answer)
{
    c->last[set] = (uint8_t)!c->last[set];
    size_t line = 2 * set + c->last[set];
    c->key[line] = *k;
    memcpy(c->answer + line * c->size, answer, c->size);
}

crvm_status crvm__value_eval_derl_cached(const crvm_value *v, crvm__query_cache *c,
                                         const crvm__vquery *q, size_t customer,
                                         crvm__rcov_partials *derl)
{
    key k;
    size_t set;
    if (!c)
        return crvm__value_eval_derl(v, q, customer, derl);
    if (lookup(c, q, &k, &set, derl) >= 0)
        return CRVM_OK;
    crvm_status st = crvm__value_eval_derl(v, q, customer, derl);
    if (!st)
        keep(c, &k, set, derl);
    return st;
}

crvm_status crvm__value_eval_cached(const crvm_value *v, crvm__query_cache *c, const crvm__vquery *q,
                                    size_t customer, crvm__rcov_answer *a)
{
    key k;
    size_t set;
    if (!c)
        return crvm__value_eval(v, q, customer, a);
    if (lookup(c, q, &k, &set, a) >= 0)
        return CRVM_OK;
    crvm_status st = crvm__value_eval(v, q, customer, a);
    if (!st)
        keep(c, &k, set, a);
    return st;
}
