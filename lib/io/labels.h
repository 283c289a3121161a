/* Private: the distinct text labels of one column of a table read from
 * CSV, each stored once and numbered in order of first appearance. */
#ifndef CRVM_IO_LABELS_H
#define CRVM_IO_LABELS_H

#include <stddef.h>

#include "crvm/common.h"

typedef struct crvm__labels crvm__labels;

crvm_status crvm__labels_new(crvm__labels **out);
void crvm__labels_free(crvm__labels *d);
/* The code of text[0..len) (bytes without NUL, no terminator needed), added if new.
 * Expected O(len): open addressing on a hash kept at most half full. */
crvm_status crvm__labels_code(crvm__labels *d, const char *text, size_t len, size_t *code);
size_t crvm__labels_count(const crvm__labels *d);
/* NUL-terminated text of code (< count). */
const char *crvm__labels_text(const crvm__labels *d, size_t code);

#endif
