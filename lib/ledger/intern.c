/* String interning: open addressing with linear probing (see ledger_internal.h). */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/mix.h"
#include "core/prefetch.h"
#include "ledger/ledger_internal.h"

/* Unaligned loads in the machine's byte order: the hash only needs the same
 * value for the same bytes within one process. */
static inline uint64_t load64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t load32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 32);
}

uint32_t crvm__hash_string(const char *s, size_t len)
{
    /* Eight bytes per multiply (ids are mostly 8-16 bytes: one to three
     * steps instead of a multiply per byte), never reading outside
     * s[0..len): the last word of a string of 8 or more bytes is the one
     * ending at its end, overlapping the one before; shorter strings take
     * two overlapping 4-byte words or three single bytes. The length is
     * hashed too, so strings whose overlapping reads coincide still differ.
     * Finished with the splitmix64 finaliser, so that every input bit
     * reaches the low bits that pick the slot. */
    uint64_t h = 0x243f6a8885a308d3ULL ^ (uint64_t)len;
    if (len >= 8) {
        for (size_t i = 0; i + 8 < len; i += 8)
            h = mix(h, load64(s + i));
        h = mix(h, load64(s + len - 8));
    } else if (len >= 4) {
        h = mix(h, (uint64_t)load32(s) << 32 | load32(s + len - 4));
    } else if (len > 0) {
        h = mix(h, (uint64_t)(unsigned char)s[0] << 16 | (uint64_t)(unsigned char)s[len / 2] << 8 |
                       (unsigned char)s[len - 1]);
    }
    return (uint32_t)crvm__mix64(h);
}

/* Whether the n bytes at a and b are equal, compared a word at a time
 * without reading outside either. */
static inline int same_bytes(const char *a, const char *b, size_t n)
{
    if (n < 8)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i + 8 < n; i += 8)
        if (load64(a + i) != load64(b + i))
            return 0;
    return load64(a + n - 8) == load64(b + n - 8);
}

/* Length of the text of entry e: the entries' texts lie back to back in
 * entry order, each with its NUL. */
static inline size_t entry_len(const crvm__intern *t, uint32_t e)
{
    size_t end = e + 1 < t->count ? t->entry[e + 1].offset : t->text_len;
    return end - t->entry[e].offset - 1;
}

void crvm__intern_free(crvm__intern *t)
{
    crvm__free(t->text);
    crvm__free(t->entry);
    crvm__free(t->slots);
    memset(t, 0, sizeof *t);
}

static void place(uint32_t *slots, size_t n_slots, uint32_t hash, uint32_t value)
{
    size_t mask = n_slots - 1, i = hash & mask;
    while (slots[i])
        i = (i + 1) & mask;
    slots[i] = value;
}

crvm_status crvm__intern_reserve(crvm__intern *t, size_t entries, size_t bytes)
{
    /* Indices and offsets are 32-bit. */
    if (entries > UINT32_MAX - 1 - t->count || bytes > UINT32_MAX - entries - t->text_len)
        return crvm__fail(CRVM_ENOMEM, "string ids: more than 4 GiB of id text or 2^32 ids");
    size_t need = t->count + entries;
    size_t need_text = t->text_len + bytes + entries;
    if (need_text > t->text_cap) {
        size_t cap = t->text_cap ? t->text_cap * 2 : 256;
        if (cap < need_text)
            cap = need_text;
        char *p = crvm__realloc_array(t->text, cap, 1);
        if (!p)
            return crvm__nomem("string id text");
        t->text = p;
        t->text_cap = cap;
    }
    if (need > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        if (cap < need)
            cap = need;
        crvm__intern_entry *e = crvm__realloc_array(t->entry, cap, sizeof *e);
        if (!e)
            return crvm__nomem("string id entries");
        t->entry = e;
        t->cap = cap;
    }
    if (need * 2 > t->n_slots) {
        size_t n = t->n_slots ? t->n_slots : 32;
        while (n < need * 2)
            n *= 2;
        uint32_t *slots = crvm__calloc(n, sizeof *slots);
        if (!slots)
            return crvm__nomem("string id hash table");
        for (size_t i = 0; i < t->count; i++)
            place(slots, n, t->entry[i].hash, (uint32_t)i + 1);
        crvm__free(t->slots);
        t->slots = slots;
        t->n_slots = n;
    }
    return CRVM_OK;
}

uint32_t crvm__intern_find(const crvm__intern *t, const char *s, size_t len, uint32_t hash)
{
    if (!t->n_slots)
        return CRVM__NOT_FOUND;
    size_t mask = t->n_slots - 1, i = hash & mask;
    for (;;) {
        uint32_t v = t->slots[i];
        if (!v)
            return CRVM__NOT_FOUND;
        uint32_t e = v - 1;
        if (t->entry[e].hash == hash) {
            if (entry_len(t, e) == len && same_bytes(t->text + t->entry[e].offset, s, len))
                return e;
        }
        i = (i + 1) & mask;
    }
}

uint32_t crvm__intern_add(crvm__intern *t, const char *s, size_t len, uint32_t hash)
{
    uint32_t e = (uint32_t)t->count;
    memcpy(t->text + t->text_len, s, len);
    t->text[t->text_len + len] = '\0';
    t->entry[e].offset = (uint32_t)t->text_len;
    t->entry[e].hash = hash;
    t->text_len += len + 1;
    t->count++;
    place(t->slots, t->n_slots, hash, e + 1);
    return e;
}

void crvm__intern_truncate(crvm__intern *t, size_t count)
{
    /* Removing the most recent entries in reverse order of insertion is exact
     * for linear probing: no older key's probe sequence passes through a slot
     * that a newer key occupies, since that slot was empty when it was placed. */
    size_t mask = t->n_slots - 1;
    while (t->count > count) {
        uint32_t e = (uint32_t)(t->count - 1);
        size_t i = t->entry[e].hash & mask;
        while (t->slots[i] != e + 1)
            i = (i + 1) & mask;
        t->slots[i] = 0;
        t->text_len = t->entry[e].offset;
        t->count--;
    }
}

size_t crvm__intern_bytes_used(const crvm__intern *t)
{
    return t->text_len + t->count * sizeof(crvm__intern_entry) + t->n_slots * sizeof(uint32_t);
}

size_t crvm__intern_bytes_allocated(const crvm__intern *t)
{
    return t->text_cap + t->cap * sizeof(crvm__intern_entry) + t->n_slots * sizeof(uint32_t);
}

crvm_status crvm__intern_shrink(crvm__intern *t)
{
    if (t->text_cap > t->text_len && t->text_len) {
        char *p = crvm__realloc_array(t->text, t->text_len, 1);
        if (!p)
            return crvm__nomem("string id text");
        t->text = p;
        t->text_cap = t->text_len;
    }
    if (t->cap > t->count && t->count) {
        crvm__intern_entry *e = crvm__realloc_array(t->entry, t->count, sizeof *e);
        if (!e)
            return crvm__nomem("string id entries");
        t->entry = e;
        t->cap = t->count;
    }
    return CRVM_OK;
}

/* Whether entry e exists and is s[0..len). */
static inline int is_entry(const crvm__intern *t, uint32_t e, const char *s, size_t len)
{
    return e < t->count && entry_len(t, e) == len && same_bytes(t->text + t->entry[e].offset, s, len);
}

/* The entries an id is compared with before it is hashed: the one found
 * before it and the next PREDICTED - 1 (knowledge uses name the contacts of a
 * customer in order, but not every contact). */
#define PREDICTED 8u

void crvm__intern_prefetch(const crvm__intern *t, const char *const *s, size_t n,
                           crvm__id_group *g)
{
    /* Random lookups in a big table cost three dependent cache misses (slot,
     * entry, text). Issue them for a group of keys in three passes so the
     * misses overlap; the lookups that follow then hit the cache, and take
     * the lengths and hashes made here. A predicted id needs none of it. */
    enum { G = CRVM__ID_GROUP };
    if (!s)
        return;
    size_t mask = t->n_slots - 1, pos[G];
    if (n > G)
        n = G;
    g->prev_row = 0;
    for (size_t j = 0; j < n; j++) {
        const char *k = s[j];
        size_t len = k ? strlen(k) : 0;
        g->len[j] = len;
        g->known[j] = 0;
        pos[j] = SIZE_MAX;
        if (!len)
            continue;
        if (g->prev != CRVM__NOT_FOUND) {
            uint32_t p = g->prev, end = p + PREDICTED;
            while (p < end && !is_entry(t, p, k, len))
                p++;
            if (p < end) {
                g->index[j] = p;
                g->known[j] = 1;
                g->prev = p;
                g->prev_row = j;
                continue;
            }
            g->prev = CRVM__NOT_FOUND; /* until the lookups find where we are */
            g->prev_row = j;
        }
        if (j > 0 && !g->known[j - 1] && len == g->len[j - 1] && same_bytes(k, s[j - 1], len)) {
            g->hash[j] = g->hash[j - 1]; /* a repeat: hashed and fetched already */
            continue;
        }
        g->hash[j] = crvm__hash_string(k, len);
        if (t->n_slots) {
            pos[j] = g->hash[j] & mask;
            CRVM__PREFETCH(&t->slots[pos[j]]);
        }
    }
    for (size_t j = 0; j < n; j++)
        if (pos[j] != SIZE_MAX && t->slots[pos[j]])
            CRVM__PREFETCH(&t->entry[t->slots[pos[j]] - 1]);
    for (size_t j = 0; j < n; j++)
        if (pos[j] != SIZE_MAX && t->slots[pos[j]])
            CRVM__PREFETCH(t->text + t->entry[t->slots[pos[j]] - 1].offset);
}

uint32_t crvm__intern_find_grouped(const crvm__intern *t, const char *s, crvm__id_group *g,
                                   size_t j)
{
    if (g->known[j])
        return g->index[j];
    uint32_t e = crvm__intern_find(t, s, g->len[j], g->hash[j]);
    if (e != CRVM__NOT_FOUND && j >= g->prev_row) {
        g->prev = e; /* the latest row known: the next group predicts from it */
        g->prev_row = j;
    }
    return e;
}
