/* Dense customer indices from arbitrary int64 ids (crvm/rfm.h): an
 * open-addressing hash table (linear probing, power-of-two capacity, load
 * factor <= 1/2) from id to index, grown by doubling. */
#include "crvm/rfm.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/mix.h"

typedef struct slot {
    int64_t id;
    int64_t index; /* -1: empty */
} slot;

static uint64_t mix(int64_t id)
{
    /* spreads consecutive ids over the table */
    return crvm__mix64((uint64_t)id + 0x9e3779b97f4a7c15ULL);
}

static slot *table_new(size_t capacity)
{
    slot *t = crvm__malloc(capacity * sizeof *t);
    if (t)
        for (size_t i = 0; i < capacity; i++)
            t[i].index = -1;
    return t;
}

static size_t find(const slot *t, size_t mask, int64_t id)
{
    size_t h = (size_t)mix(id) & mask;
    while (t[h].index >= 0 && t[h].id != id)
        h = (h + 1) & mask;
    return h;
}

crvm_status crvm_rfm_index_customers(const int64_t *id, size_t id_len,
                                     int64_t *index, size_t index_len,
                                     int64_t *unique_ids, size_t unique_ids_len,
                                     size_t *n_unique)
{
    if ((!id && id_len) || (!index && index_len) || (!unique_ids && unique_ids_len) || !n_unique)
        return crvm__fail(CRVM_EINVAL, "a NULL pointer was passed");
    if (index_len != id_len)
        return crvm__fail(CRVM_EINVAL, "index_len = %zu but id_len = %zu", index_len, id_len);

    size_t capacity = 16;
    slot *t = table_new(capacity);
    /* Indices are staged in a private array so that a failure (too many
     * distinct ids for unique_ids, or no memory) writes nothing. */
    int64_t *staged = crvm__malloc((id_len ? id_len : 1) * sizeof *staged);
    int64_t *uniq = NULL;
    size_t uniq_cap = 0;
    if (!t || !staged)
        goto nomem;
    size_t k = 0;
    for (size_t i = 0; i < id_len; i++) {
        size_t mask = capacity - 1;
        size_t h = find(t, mask, id[i]);
        if (t[h].index < 0) {
            if (k == uniq_cap) {
                size_t cap = uniq_cap ? 2 * uniq_cap : 64;
                int64_t *u = crvm__realloc_array(uniq, cap, sizeof *u);
                if (!u)
                    goto nomem;
                uniq = u;
                uniq_cap = cap;
            }
            uniq[k] = id[i];
            t[h].id = id[i];
            t[h].index = (int64_t)k;
            k++;
            if (2 * k > capacity) {
                size_t cap = 2 * capacity;
                slot *nt = table_new(cap);
                if (!nt)
                    goto nomem;
                for (size_t j = 0; j < capacity; j++)
                    if (t[j].index >= 0)
                        nt[find(nt, cap - 1, t[j].id)] = t[j];
                crvm__free(t);
                t = nt;
                capacity = cap;
                mask = cap - 1;
                h = find(t, mask, id[i]);
            }
        }
        staged[i] = t[h].index;
    }
    if (k > unique_ids_len) {
        crvm__free(t);
        crvm__free(staged);
        crvm__free(uniq);
        return crvm__fail(CRVM_EINVAL, "unique_ids_len = %zu but there are %zu distinct ids",
                          unique_ids_len, k);
    }
    if (id_len)
        memcpy(index, staged, id_len * sizeof *index);
    if (k)
        memcpy(unique_ids, uniq, k * sizeof *unique_ids);
    *n_unique = k;
    crvm__free(t);
    crvm__free(staged);
    crvm__free(uniq);
    return CRVM_OK;
nomem:
    crvm__free(t);
    crvm__free(staged);
    crvm__free(uniq);
    return crvm__nomem("indexing customer ids");
}
