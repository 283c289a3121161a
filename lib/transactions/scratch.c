/* Arrays of many doubles for one prediction call: the results of the _new
 * functions and the temporaries of the others (txn_private.h). They come
 * from core/huge_pages.h: from 512 KB on a 2 MB boundary and offered as
 * huge pages, so that their first writes fault once per 2 MB, and the
 * advice is withdrawn when they are freed. */
#define _DEFAULT_SOURCE /* madvise */
#include <stdint.h>

#include "core/huge_pages.h"
#include "transactions/txn_private.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

double *crvm__txn_values_new(size_t count)
{
    if (count > SIZE_MAX / sizeof(double) / 2)
        return NULL;
    return crvm__huge_alloc(count * sizeof(double));
}

/* Linux 5.14's MADV_POPULATE_WRITE (older headers lack the name) */
#if defined(__linux__) && !defined(MADV_POPULATE_WRITE)
#define MADV_POPULATE_WRITE 23
#endif

double *crvm__txn_output_new(size_t count)
{
    double *v = crvm__txn_values_new(count);
#if defined(__linux__)
    size_t bytes = count * sizeof(double);
    if (v != NULL && bytes < CRVM__HUGE_FROM) {
        const uintptr_t page = 4096;
        uintptr_t a = ((uintptr_t)v + page - 1) & ~(page - 1);
        uintptr_t e = ((uintptr_t)v + bytes) & ~(page - 1);
        /* a hint: an older kernel refuses it (EINVAL) and the writes fault
         * page by page as before */
        if (e > a)
            (void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
    }
#endif
    return v;
}

void crvm_txn_values_free(double *values) { crvm__huge_free(values); }
