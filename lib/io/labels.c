/* Label dictionary of a table column: the texts are kept NUL-terminated in
 * one growing buffer (offsets, not pointers, so that growing it is a
 * realloc), found again through an open-addressing hash of their codes. */
#include "io/labels.h"

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

struct crvm__labels {
    char *bytes;
    size_t bytes_len, bytes_cap;
    size_t *offset; /* offset[code] into bytes */
    size_t count, offset_cap;
    size_t *slot; /* code + 1, 0 for empty; slot_cap is a power of two */
    size_t slot_cap;
};

crvm_status crvm__labels_new(crvm__labels **out)
{
    crvm__labels *d = crvm__calloc(1, sizeof *d);
    if (d == NULL)
        return crvm__nomem("a label column");
    *out = d;
    return CRVM_OK;
}

void crvm__labels_free(crvm__labels *d)
{
    if (d == NULL)
        return;
    crvm__free(d->bytes);
    crvm__free(d->offset);
    crvm__free(d->slot);
    crvm__free(d);
}

size_t crvm__labels_count(const crvm__labels *d)
{
    return d->count;
}

const char *crvm__labels_text(const crvm__labels *d, size_t code)
{
    return d->bytes + d->offset[code];
}

/* FNV-1a: cheap, and good enough spread for ids and names. */
static size_t hash(const char *text, size_t len)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 1099511628211u;
    return (size_t)(h ^ (h >> 32));
}

static size_t *find_slot(const crvm__labels *d, const char *text, size_t len)
{
    size_t mask = d->slot_cap - 1;
    for (size_t i = hash(text, len) & mask;; i = (i + 1) & mask) {
        size_t s = d->slot[i];
        if (s == 0)
            return &d->slot[i];
        const char *have = d->bytes + d->offset[s - 1];
        if (strncmp(have, text, len) == 0 && have[len] == '\0')
            return &d->slot[i];
    }
}

/* Double the hash (or make the first one) and re-insert every code. */
static crvm_status grow_slots(crvm__labels *d)
{
    size_t cap = d->slot_cap ? 2 * d->slot_cap : 64;
    size_t *slot = crvm__calloc(cap, sizeof *slot);
    if (slot == NULL)
        return crvm__nomem("a label column");
    crvm__free(d->slot);
    d->slot = slot;
    d->slot_cap = cap;
    for (size_t c = 0; c < d->count; c++) {
        const char *text = d->bytes + d->offset[c];
        *find_slot(d, text, strlen(text)) = c + 1;
    }
    return CRVM_OK;
}

static crvm_status reserve(crvm__labels *d, size_t len)
{
    if (d->count == d->offset_cap) {
        size_t cap = d->offset_cap ? 2 * d->offset_cap : 64;
        size_t *p = crvm__realloc_array(d->offset, cap, sizeof *p);
        if (p == NULL)
            return crvm__nomem("a label column");
        d->offset = p;
        d->offset_cap = cap;
    }
    if (d->bytes_cap - d->bytes_len <= len) {
        size_t cap = d->bytes_cap ? d->bytes_cap : 1024;
        while (cap - d->bytes_len <= len)
            cap *= 2;
        char *p = crvm__realloc_array(d->bytes, cap, 1);
        if (p == NULL)
            return crvm__nomem("a label column");
        d->bytes = p;
        d->bytes_cap = cap;
    }
    return CRVM_OK;
}

crvm_status crvm__labels_code(crvm__labels *d, const char *text, size_t len, size_t *code)
{
    if (2 * (d->count + 1) > d->slot_cap) {
        crvm_status st = grow_slots(d);
        if (st != CRVM_OK)
            return st;
    }
    size_t *s = find_slot(d, text, len);
    if (*s != 0) {
        *code = *s - 1;
        return CRVM_OK;
    }
    crvm_status st = reserve(d, len);
    if (st != CRVM_OK)
        return st;
    memcpy(d->bytes + d->bytes_len, text, len);
    d->bytes[d->bytes_len + len] = '\0';
    d->offset[d->count] = d->bytes_len;
    d->bytes_len += len + 1;
    *s = d->count + 1;
    *code = d->count++;
    return CRVM_OK;
}
