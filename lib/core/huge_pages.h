/* Transparent huge pages for large arrays that one call writes page by page.
 *
 * A fresh 4 KB page costs a fault (about 2.3 us on this project's machines);
 * a whole 2 MB page offered to Linux as a transparent huge page faults once,
 * so an array of 64 MB takes ~32 faults instead of ~16000. The advice is a
 * hint (madvise): nothing changes if the kernel declines, and elsewhere than
 * Linux these do nothing. The advice stays with the address range, so it is
 * withdrawn before the memory goes back to the allocator: left on the heap,
 * it would make later small allocations there fault in whole 2 MB pages. */
#ifndef CRVM_CORE_HUGE_PAGES_H
#define CRVM_CORE_HUGE_PAGES_H

#include <stddef.h>

/* From this size an array is worth aligning to huge pages: below it, its
 * 4 KB faults cost less than clearing one 2 MB page (0.1-0.2 ms here). */
#define CRVM__HUGE_FROM ((size_t)512 << 10)

/* Advise the whole 2 MB pages inside [p, p + bytes); withdraw that advice. */
void crvm__huge_prefer(void *p, size_t bytes);
void crvm__huge_withdraw(void *p, size_t bytes);

/* bytes of memory (crvm__malloc; NULL when that fails), 16-byte aligned;
 * from CRVM__HUGE_FROM on, 2 MB aligned over whole 2 MB pages, advised.
 * Released with crvm__huge_free (NULL allowed), never crvm__free. */
void *crvm__huge_alloc(size_t bytes);
void crvm__huge_free(void *p);

#endif
