/* Large per-call arrays of the predictions: scratch, and the results of
 * the _new functions (txn_private.h). */
#define _DEFAULT_SOURCE /* madvise */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "core/alloc.h"
#include "transactions/txn_private.h"

#define HUGE_PAGE ((size_t)1 << 21)
/* Below this, 4 KB pages fault in for less than one 2 MB page costs to
 * clear (about 2.3 us a 4 KB page against 0.1-0.2 ms a 2 MB page here) */
#define HUGE_FROM ((size_t)512 << 10)
/* room in front of a result for the address of its block (16: keeps the
 * values 16-byte aligned) */
#define HEADER 16

/* bytes at an address with `before` bytes of the block in front of it:
 * for a large array whole 2 MB pages from a 2 MB boundary, advised to be
 * huge pages (a hint: the kernel may decline), so that every page the
 * array touches can be a huge one. *block: what to free. */
static char *place(size_t bytes, size_t before, void **block)
{
    if (bytes > SIZE_MAX / 2) {
        *block = NULL;
        return NULL;
    }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= HUGE_FROM) {
        size_t span = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        char *raw = crvm__malloc(span + HUGE_PAGE + before);
        *block = raw;
        if (raw == NULL)
            return NULL;
        char *start = raw + before;
        start += (HUGE_PAGE - (uintptr_t)start % HUGE_PAGE) % HUGE_PAGE;
        (void)madvise(start, span, MADV_HUGEPAGE);
        return start;
    }
#endif
    char *raw = crvm__malloc(bytes + before + (bytes + before == 0));
    *block = raw;
    return raw == NULL ? NULL : raw + before;
}

double *crvm__txn_scratch(size_t count, void **block)
{
    if (count > SIZE_MAX / sizeof(double)) {
        *block = NULL;
        return NULL;
    }
    return (double *)(void *)place(count * sizeof(double), 0, block);
}

double *crvm__txn_values_new(size_t count)
{
    void *block;
    if (count > SIZE_MAX / sizeof(double))
        return NULL;
    char *start = place(count * sizeof(double), HEADER, &block);
    if (start == NULL)
        return NULL;
    memcpy(start - sizeof block, &block, sizeof block);
    return (double *)(void *)start;
}

void crvm_txn_values_free(double *values)
{
    if (values != NULL) {
        void *block;
        memcpy(&block, (char *)values - sizeof block, sizeof block);
        crvm__free(block);
    }
}
