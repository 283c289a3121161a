/* Grouping rows by an equal key value (math/groups.h): a counting sort for
 * whole keys below DIRECT (customer counts), a comparison sort of the rest.
 * Stable: rows of one group keep their input order. Cost O(n + largest
 * whole key below DIRECT) plus O(m log m) for the m rows with other keys. */
#include "math/groups.h"

#include <stdlib.h>

#include "core/alloc.h"
#include "core/error.h"

#define DIRECT 65536

typedef struct keyed {
    double key;
    size_t i;
} keyed;

static int keyed_cmp(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

static int direct(double k)
{
    return k >= 0.0 && k < DIRECT && k == (double)(size_t)k;
}

void crvm__groups_free(crvm__groups *g)
{
    if (g == NULL)
        return;
    crvm__free(g->order);
    crvm__free(g->start);
    crvm__free(g->value);
    g->order = g->start = NULL;
    g->value = NULL;
}

crvm_status crvm__groups_build(const double *key, size_t stride, size_t n, crvm__groups *out)
{
    crvm__groups g = {0, 0, NULL, NULL, NULL};
    size_t nother = 0, kmax = 0;
    for (size_t i = 0; i < n; i++) {
        double k = key[i * stride];
        if (direct(k)) {
            if ((size_t)k > kmax)
                kmax = (size_t)k;
        } else {
            nother++;
        }
    }
    size_t *count = crvm__calloc(kmax + 1, sizeof *count);
    keyed *other = crvm__calloc(nother ? nother : 1, sizeof *other);
    g.order = crvm__calloc(n ? n : 1, sizeof *g.order);
    if (count == NULL || other == NULL || g.order == NULL)
        goto nomem;
    size_t groups = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        double k = key[i * stride];
        if (direct(k))
            groups += count[(size_t)k]++ == 0;
        else
            other[m++] = (keyed){k, i};
    }
    qsort(other, nother, sizeof *other, keyed_cmp);
    for (size_t j = 0; j < nother; j++)
        groups += j == 0 || other[j].key != other[j - 1].key;
    g.start = crvm__calloc(groups + 1, sizeof *g.start);
    g.value = crvm__calloc(groups ? groups : 1, sizeof *g.value);
    if (g.start == NULL || g.value == NULL)
        goto nomem;
    /* count[k] becomes the next free position of key k */
    size_t c = 0, pos = 0;
    for (size_t k = 0; k <= kmax; k++)
        if (count[k]) {
            g.value[c] = (double)k;
            g.start[c++] = pos;
            size_t nk = count[k];
            count[k] = pos;
            pos += nk;
        }
    for (size_t i = 0; i < n; i++)
        if (direct(key[i * stride]))
            g.order[count[(size_t)key[i * stride]]++] = i;
    for (size_t j = 0; j < nother; j++, pos++) {
        if (j == 0 || other[j].key != other[j - 1].key) {
            g.value[c] = other[j].key;
            g.start[c++] = pos;
        }
        g.order[pos] = other[j].i;
    }
    g.start[groups] = n;
    g.n = n;
    g.count = groups;
    crvm__free(other);
    crvm__free(count);
    *out = g;
    return CRVM_OK;
nomem:
    crvm__free(other);
    crvm__free(count);
    crvm__groups_free(&g);
    return crvm__nomem("row groups");
}
