/* Large per-call scratch arrays of the predictions (txn_private.h). */
#define _DEFAULT_SOURCE /* madvise */
#include <stdint.h>
#include <sys/mman.h>

#include "core/alloc.h"
#include "transactions/txn_private.h"

#define HUGE_PAGE ((size_t)1 << 21)
/* Below this, 4 KB pages fault in for less than one 2 MB page costs to
 * clear (about 2.3 us a 4 KB page against ~0.1 ms a 2 MB page here) */
#define HUGE_FROM ((size_t)512 << 10)

double *crvm__txn_scratch(size_t count, void **block)
{
    size_t bytes = count * sizeof(double);
    if (count > SIZE_MAX / sizeof(double) / 2)
        return *block = NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= HUGE_FROM) {
        /* whole 2 MB pages from a 2 MB boundary, so that every page the
         * array touches can be a huge one */
        size_t span = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        char *raw = crvm__malloc(span + HUGE_PAGE);
        *block = raw;
        if (raw == NULL)
            return NULL;
        char *start = raw + (HUGE_PAGE - (uintptr_t)raw % HUGE_PAGE) % HUGE_PAGE;
        (void)madvise(start, span, MADV_HUGEPAGE); /* a hint: the kernel may decline */
        return (double *)(void *)start;
    }
#endif
    *block = crvm__malloc(bytes);
    return *block;
}
