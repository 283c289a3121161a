/* Arrays of many doubles for one prediction call: the results of the _new
 * functions and the temporaries of the others (txn_private.h). They come
 * from core/huge_pages.h: from 512 KB on a 2 MB boundary and offered as
 * huge pages, so that their first writes fault once per 2 MB, and the
 * advice is withdrawn when they are freed. */
#include <stdint.h>

#include "core/huge_pages.h"
#include "transactions/txn_private.h"

double *crvm__txn_values_new(size_t count)
{
    if (count > SIZE_MAX / sizeof(double) / 2)
        return NULL;
    return crvm__huge_alloc(count * sizeof(double));
}

void crvm_txn_values_free(double *values) { crvm__huge_free(values); }
