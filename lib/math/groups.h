/* Private: rows grouped by equal values of a key column (groups.c), for the
 * models whose likelihood terms depend on a count (x) alone: each such term
 * is then computed once per group. */
#ifndef CRVM_MATH_GROUPS_H
#define CRVM_MATH_GROUPS_H

#include <stddef.h>

#include "crvm/common.h"

typedef struct crvm__groups {
    size_t n;      /* rows */
    size_t count;  /* groups */
    size_t *order; /* n row indices, grouped, keys ascending, stable within a group */
    size_t *start; /* count + 1: group g is order[start[g] .. start[g+1]) */
    double *value; /* count: the key of each group */
} crvm__groups;

/* Group n rows by key[i * stride] (not NaN; stride in doubles, so that a
 * field of an array of structs can be the key). CRVM_OK or CRVM_ENOMEM. */
crvm_status crvm__groups_build(const double *key, size_t stride, size_t n, crvm__groups *out);
/* Release the arrays (the struct itself is the caller's); NULL allowed. */
void crvm__groups_free(crvm__groups *g);

#endif
