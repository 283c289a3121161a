/* Arrays of many doubles for one prediction call: the results of the _new
 * functions and the temporaries of the others (txn_private.h). */
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
/* In front of the values: the address of their block and the length
 * advised to be huge pages (0: none); 16 bytes keep them 16-byte aligned */
#define HEADER 16

#if defined(__linux__) && defined(MADV_HUGEPAGE)
#define ADVISE 1
#else
#define ADVISE 0
#endif

double *crvm__txn_values_new(size_t count)
{
    if (count > SIZE_MAX / sizeof(double) / 2)
        return NULL;
    size_t bytes = count * sizeof(double), span = 0;
    char *block, *start;
    if (ADVISE && bytes >= HUGE_FROM) {
        /* whole 2 MB pages from a 2 MB boundary, so that every page the
         * array touches can be a huge one */
        span = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        if ((block = crvm__malloc(span + HUGE_PAGE + HEADER)) == NULL)
            return NULL;
        start = block + HEADER;
        start += (HUGE_PAGE - (uintptr_t)start % HUGE_PAGE) % HUGE_PAGE;
#if ADVISE
        (void)madvise(start, span, MADV_HUGEPAGE); /* a hint: the kernel may decline */
#endif
    } else {
        if ((block = crvm__malloc(bytes + HEADER)) == NULL)
            return NULL;
        start = block + HEADER;
    }
    memcpy(start - HEADER, &block, sizeof block);
    memcpy(start - sizeof span, &span, sizeof span);
    return (double *)(void *)start;
}

void crvm_txn_values_free(double *values)
{
    if (values == NULL)
        return;
    char *block, *start = (char *)values;
    size_t span;
    memcpy(&block, start - HEADER, sizeof block);
    memcpy(&span, start - sizeof span, sizeof span);
#if ADVISE
    /* the advice stays with the memory: handed back to the heap, it would
     * make later small allocations there fault in whole 2 MB pages (0.2 ms
     * each) */
    if (span)
        (void)madvise(start, span, MADV_NOHUGEPAGE);
#endif
    crvm__free(block);
}
