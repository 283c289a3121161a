/* libFuzzer target for the CSV table reader (crvm_read_numeric_csv, and
 * crvm_read_table_csv with a label and a date column when the input's first
 * byte is odd, e.g. a header starting with 'a' or 'A' rather than 'b' (seeds:
 * numbers.csv, labels_dates.csv), on a stream): any input must either give a table whose every
 * cell is a finite number (a label column's values codes of non-empty labels,
 * a date column's whole days), or fail with a parse or I/O status and a
 * message, without crashing, leaking or reading out of bounds.
 *
 * Build: meson setup build-fuzz -Dfuzz=true (clang only), then
 *   ./build-fuzz/tests/fuzz/fuzz_numeric_csv -max_total_time=60 corpus/ */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "io/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const columns[] = {"a", "B", "c"}, *const labels[] = {"b"},
                             *const dates[] = {"C"};
    if (size == 0)
        return 0; /* fmemopen needs a non-empty buffer */
    FILE *f = fmemopen((void *)data, size, "rb");
    if (f == NULL)
        return 0;
    crvm_numeric_table *t = NULL;
    const int typed = data[0] & 1;
    crvm_status st = typed ? crvm__read_table_stream(f, "fuzz", columns, 3, labels, 1, dates, 1,
                                                     0, &t)
                           : crvm__read_numeric_stream(f, "fuzz", columns, 3, &t);
    fclose(f);
    if (st == CRVM_OK) {
        size_t rows = crvm_numeric_table_rows(t);
        double *col = malloc((rows ? rows : 1) * sizeof *col);
        for (size_t c = 0; col != NULL && c < 3; c++) {
            if (crvm_numeric_table_column(t, c, col, rows) != CRVM_OK)
                abort();
            for (size_t r = 0; r < rows; r++) {
                if (!isfinite(col[r]))
                    abort();
                if (typed && c == 1) {
                    const char *label = crvm_numeric_table_label(t, 1, (size_t)col[r]);
                    if (col[r] != floor(col[r]) || label == NULL || label[0] == '\0')
                        abort();
                }
                if (typed && c == 2 && col[r] != floor(col[r]))
                    abort();
            }
        }
        free(col);
        crvm_numeric_table_free(t);
    } else if ((st != CRVM_EPARSE && st != CRVM_EIO && st != CRVM_ENOMEM) ||
               crvm_last_error()[0] == '\0' || t != NULL) {
        abort();
    }
    return 0;
}
