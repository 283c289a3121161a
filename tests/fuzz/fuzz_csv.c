/* libFuzzer target for the CSV tokenizer and the scalar parsers: any input
 * must tokenize without crashing, leaking or reading out of bounds; every
 * record's fields must lie inside the record; after an error the reader must
 * go on; every field is also fed to the date, number, integer and boolean
 * parsers, and a parsed date must format back to the same text.
 *
 * Build: meson setup build-fuzz -Dfuzz=true (clang only), then
 *   ./build-fuzz/tests/fuzz/fuzz_csv -max_total_time=60 corpus/ */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "io/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* First byte picks small limits so the limit paths are reached. */
    size_t max_field = size ? 1 + data[0] % 64 : 0;
    size_t max_fields = size ? 1 + data[0] / 64 * 3 : 0;
    crvm__csv_reader *r = NULL;
    if (crvm__csv_open_buffer((const char *)data, size, "fuzz", max_field, max_fields, &r) != CRVM_OK)
        return 0;
    size_t records = 0, last_line = 0;
    for (;;) {
        int has = 0;
        crvm_status st = crvm__csv_next(r, &has);
        if (st == CRVM_EPARSE) {
            if (crvm__csv_error(r) == CRVM__CSV_ERR_NONE)
                abort();
            continue;
        }
        if (st != CRVM_OK || !has)
            break;
        records++;
        if (crvm__csv_record_line(r) < last_line)
            abort(); /* lines never go backwards */
        last_line = crvm__csv_record_line(r);
        size_t n = crvm__csv_field_count(r);
        if (n == 0 || n > max_fields)
            abort();
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const char *f = crvm__csv_field(r, i, &len);
            if (len > max_field || f[len] != '\0' || memchr(f, '\0', len))
                abort();
            const char *why;
            int32_t d;
            if (crvm__parse_date(f, len, &d, &why)) {
                char buf[11];
                crvm__format_date(d, buf);
                if (len != 10 || memcmp(buf, f, 10) != 0)
                    abort();
            }
            double x;
            if (crvm__parse_double(f, len, &x, &why) && x != x)
                abort(); /* never NaN */
            long l;
            (void)crvm__parse_long(f, len, -1000, 1000, &l, &why);
            int b;
            (void)crvm__parse_bool(f, len, &b, &why);
        }
    }
    if (crvm__csv_bytes_read(r) != size)
        abort(); /* the whole input is consumed */
    crvm__csv_close(r);
    return 0;
}
