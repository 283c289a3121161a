/* Private: allocation through the user-replaceable allocator. */
#ifndef CRVM_CORE_ALLOC_H
#define CRVM_CORE_ALLOC_H

#include <stddef.h>

/* Each returns NULL on failure (including size overflow) without setting an
 * error message: callers report CRVM_ENOMEM with their own context. */
void *crvm__malloc(size_t size);
/* Zero-initialised array of n elements of size bytes; NULL on overflow. */
void *crvm__calloc(size_t n, size_t size);
/* n elements of size bytes; on failure the old block stays valid. */
void *crvm__realloc_array(void *ptr, size_t n, size_t size);
void crvm__free(void *ptr);
/* Copy of a NUL-terminated string. */
char *crvm__strdup(const char *s);

#endif
