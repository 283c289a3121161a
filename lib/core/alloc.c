#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crvm/common.h"
#include "error.h"

static void *default_malloc(size_t size, void *ctx) { (void)ctx; return malloc(size); }
static void *default_realloc(void *p, size_t size, void *ctx) { (void)ctx; return realloc(p, size); }
static void default_free(void *p, void *ctx) { (void)ctx; free(p); }

/* The one piece of global state the design allows: set once before use. */
static crvm_allocator current = {default_malloc, default_realloc, default_free, NULL};

crvm_status crvm_set_allocator(const crvm_allocator *allocator)
{
    if (allocator == NULL) {
        current = (crvm_allocator){default_malloc, default_realloc, default_free, NULL};
        return CRVM_OK;
    }
    if (!allocator->malloc_fn || !allocator->realloc_fn || !allocator->free_fn) {
        return crvm__fail(CRVM_EINVAL, "crvm_set_allocator: every function pointer is required");
    }
    current = *allocator;
    return CRVM_OK;
}

void *crvm__malloc(size_t size)
{
    return current.malloc_fn(size ? size : 1, current.ctx);
}

void *crvm__calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    void *p = crvm__malloc(bytes);
    if (p)
        memset(p, 0, bytes ? bytes : 1);
    return p;
}

void *crvm__realloc_array(void *ptr, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    return current.realloc_fn(ptr, bytes ? bytes : 1, current.ctx);
}

void crvm__free(void *ptr)
{
    if (ptr)
        current.free_fn(ptr, current.ctx);
}

char *crvm__strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = crvm__malloc(len);
    if (copy)
        memcpy(copy, s, len);
    return copy;
}
