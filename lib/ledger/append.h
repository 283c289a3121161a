/* Private: the checks shared by the ledger's bulk appends and column
 * accessors (ledger.c, attributes.c, columns.c). Each function using the row
 * macros names its function `fn`, its row count `n`, its row index `i`, its
 * status `st` and its crvm__batch `b`, and has the labels `next:` (end of the
 * row loop body) and `abort:`. */
#ifndef CRVM_LEDGER_APPEND_H
#define CRVM_LEDGER_APPEND_H

#include <string.h>

#include "core/error.h"
#include "ledger/ledger_internal.h"
#include "ledger/rejections.h"

static inline crvm_status check_column(const char *fn, const char *name, const void *col,
                                       size_t len, size_t n, int optional)
{
    if (optional && !col && len == 0)
        return CRVM_OK;
    if (len != n)
        return crvm__fail(CRVM_EINVAL, "%s: %s_len = %zu, expected %zu (the length of the first column)",
                          fn, name, len, n);
    if (!col && n)
        return crvm__fail(CRVM_EINVAL, "%s: %s is NULL with length %zu", fn, name, n);
    return CRVM_OK;
}

#define CHECK_COL(name, optional)                                                            \
    do {                                                                                     \
        crvm_status s_ = check_column(fn, #name, (const void *)name, name##_len, n, optional); \
        if (s_)                                                                              \
            return s_;                                                                       \
    } while (0)

static inline size_t text_bytes(const char *const *s, size_t n)
{
    size_t total = 0;
    if (s)
        for (size_t i = 0; i < n; i++)
            if (s[i])
                total += strlen(s[i]);
    return total;
}

/* Lookup of an id that must exist; returns CRVM__NOT_FOUND for NULL/empty too. */
static inline uint32_t lookup(const crvm__intern *t, const char *id)
{
    if (!id || !*id)
        return CRVM__NOT_FOUND;
    size_t len = strlen(id);
    return crvm__intern_find(t, id, len, crvm__hash_string(id, len));
}

static inline int is_empty(const char *s) { return !s || !*s; }

/* Abbreviated quote of an id for messages. */
#define QID(s) (s ? (int)(strlen(s) > 60 ? 60 : strlen(s)) : 6), (s ? s : "(null)")

/* Each row check: on failure report and either skip the row (lenient) or abort. */
/* Every 16 rows, measure and hash the next 16 ids of a string column into
 * group and prefetch their id-table lines; lookup_at and
 * REJECT_UNLESS_NEW_ID_AT then use those lengths and hashes. Placed at the
 * top of the row loop, before anything can skip a row. */
#define PREFETCH_IDS(table, col, group)                                   \
    do {                                                                  \
        if ((i & 15) == 0 && (col))                                       \
            crvm__intern_prefetch((table), (col) + i, n - i, &(group));   \
    } while (0)

/* lookup() of row i's id, whose length and hash PREFETCH_IDS made. */
static inline uint32_t lookup_at(const crvm__intern *t, const char *id, crvm__id_group *g,
                                 size_t i)
{
    if (!id || !*id)
        return CRVM__NOT_FOUND;
    return crvm__intern_find_grouped(t, id, g, i & 15);
}

#define REJECT(field, status, ...)                                          \
    do {                                                                    \
        crvm_status r_ = crvm__reject(&b, i, field, status, __VA_ARGS__);   \
        if (r_) {                                                           \
            st = r_;                                                        \
            goto abort;                                                     \
        }                                                                   \
        goto next;                                                          \
    } while (0)

/* Reject a row whose reference `id` (field `field`) was not found: an empty id
 * is CRVM_EINVAL, an unknown one CRVM_ENOTFOUND ("unknown <what>"). */
#define REJECT_MISSING(field, id, what)                                                   \
    REJECT(field, is_empty(id) ? CRVM_EINVAL : CRVM_ENOTFOUND, "\"%.*s\": %s", QID(id),     \
           is_empty(id) ? "is empty" : "unknown " what)

/* Reject a row whose own `id` is empty or already in `table`; otherwise set
 * `len` and `h` to its length and hash, ready for crvm__intern_add: measured
 * here, or (the _AT form) taken from the group PREFETCH_IDS filled. */
#define REJECT_UNLESS_NEW_ID(table, id, len, h, what)                                  \
    do {                                                                               \
        if (is_empty(id))                                                              \
            REJECT("id", CRVM_EINVAL, "is empty");                                     \
        (len) = strlen(id);                                                            \
        (h) = crvm__hash_string((id), (len));                                          \
        REJECT_IF_KNOWN(table, id, len, h, what);                                      \
    } while (0)

#define REJECT_UNLESS_NEW_ID_AT(table, id, len, h, what, group)                        \
    do {                                                                               \
        if (is_empty(id))                                                              \
            REJECT("id", CRVM_EINVAL, "is empty");                                     \
        (len) = (group).len[i & 15];                                                   \
        (h) = (group).hash[i & 15];                                                    \
        REJECT_IF_KNOWN(table, id, len, h, what);                                      \
    } while (0)

#define REJECT_IF_KNOWN(table, id, len, h, what)                                       \
    do {                                                                               \
        if (crvm__intern_find((table), (id), (len), (h)) != CRVM__NOT_FOUND)           \
            REJECT("id", CRVM_EINVAL, "\"%.*s\": duplicate " what " id", QID(id));     \
    } while (0)
#endif
