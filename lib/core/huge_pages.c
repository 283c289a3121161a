/* Transparent huge pages for large arrays (huge_pages.h). */
#define _DEFAULT_SOURCE /* madvise */
#include "core/huge_pages.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "core/alloc.h"

#define HUGE_PAGE ((uintptr_t)1 << 21)
/* In front of crvm__huge_alloc's memory: the address of its block and the
 * length advised (0: none); 16 bytes keep the memory 16-byte aligned. */
#define HEADER 16

#if defined(__linux__) && defined(MADV_HUGEPAGE)
static void advise(void *p, size_t bytes, int advice)
{
    const uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    const uintptr_t e = ((uintptr_t)p + bytes) & ~(HUGE_PAGE - 1);
    if (e > a)
        (void)madvise((void *)a, e - a, advice); /* a hint: the kernel may decline */
}
void crvm__huge_prefer(void *p, size_t bytes) { advise(p, bytes, MADV_HUGEPAGE); }
void crvm__huge_withdraw(void *p, size_t bytes) { advise(p, bytes, MADV_NOHUGEPAGE); }
#define ADVISE 1
#else
void crvm__huge_prefer(void *p, size_t bytes) { (void)p, (void)bytes; }
void crvm__huge_withdraw(void *p, size_t bytes) { (void)p, (void)bytes; }
#define ADVISE 0
#endif

void *crvm__huge_alloc(size_t bytes)
{
    if (bytes > SIZE_MAX / 2)
        return NULL;
    size_t span = 0;
    char *block, *start;
    if (ADVISE && bytes >= CRVM__HUGE_FROM) {
        span = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        if ((block = crvm__malloc(span + HUGE_PAGE + HEADER)) == NULL)
            return NULL;
        start = block + HEADER;
        start += (HUGE_PAGE - (uintptr_t)start % HUGE_PAGE) % HUGE_PAGE;
        crvm__huge_prefer(start, span);
    } else {
        if ((block = crvm__malloc(bytes + HEADER)) == NULL)
            return NULL;
        start = block + HEADER;
    }
    memcpy(start - HEADER, &block, sizeof block);
    memcpy(start - sizeof span, &span, sizeof span);
    return start;
}

void crvm__huge_free(void *p)
{
    if (p == NULL)
        return;
    char *block, *start = p;
    size_t span;
    memcpy(&block, start - HEADER, sizeof block);
    memcpy(&span, start - sizeof span, sizeof span);
    if (span)
        crvm__huge_withdraw(start, span);
    crvm__free(block);
}
