/* Private: the numeric CSV table reader on an open stream, so that it can
 * be fuzzed from memory (tests/fuzz/fuzz_numeric_csv.c). */
#ifndef CRVM_IO_TABLE_H
#define CRVM_IO_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "crvm/io.h"

/* crvm_read_numeric_csv() on a stream (not closed) whose messages use name;
 * columns must already be checked (non-NULL, >= 1, distinct). */
crvm_status crvm__read_numeric_stream(FILE *f, const char *name, const char *const *columns,
                                      size_t columns_len, crvm_numeric_table **out);
/* crvm_read_table_csv() on a stream; arguments already checked; delimiter 0
 * is the comma. */
crvm_status crvm__read_table_stream(FILE *f, const char *name, const char *const *columns,
                                    size_t columns_len, const char *const *labels,
                                    size_t labels_len, const char *const *dates, size_t dates_len,
                                    char delimiter, crvm_numeric_table **out);

#endif
