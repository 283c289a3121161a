/* libFuzzer target for the CSV tokenizer and the scalar parsers: any input
 * must tokenize without crashing, leaking or reading out of bounds; every
 * record's fields must lie inside the record; after an error the reader must
 * go on; a second reader with the portable scalar scan must read the same
 * records and errors as the first (the SSE2 scan where there is one); every
 * field is also fed to the date, number, integer and boolean
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

/* The scalar reader's next record is the one r just read (status st, has). */
static int same_as_scalar(crvm__csv_reader *r, crvm__csv_reader *s, crvm_status st, int has)
{
    int has_s = 0;
    crvm_status st_s = crvm__csv_next(s, &has_s);
    if (st_s != st || (st == CRVM_OK && has_s != has))
        return 0;
    if (crvm__csv_error(r) != crvm__csv_error(s) ||
        crvm__csv_record_line(r) != crvm__csv_record_line(s) ||
        crvm__csv_record_number(r) != crvm__csv_record_number(s) ||
        crvm__csv_bytes_read(r) != crvm__csv_bytes_read(s))
        return 0;
    if (st == CRVM_EPARSE)
        return crvm__csv_error_line(r) == crvm__csv_error_line(s) &&
               crvm__csv_error_field(r) == crvm__csv_error_field(s);
    if (st != CRVM_OK || !has)
        return 1;
    size_t n = crvm__csv_field_count(r);
    if (crvm__csv_field_count(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        size_t a, b;
        const char *fa = crvm__csv_field(r, i, &a), *fb = crvm__csv_field(s, i, &b);
        if (a != b || memcmp(fa, fb, a) != 0)
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* First byte picks small limits so the limit paths are reached. */
    size_t max_field = size ? 1 + data[0] % 64 : 0;
    size_t max_fields = size ? 1 + data[0] / 64 * 3 : 0;
    crvm__csv_reader *r = NULL, *scalar = NULL;
    if (crvm__csv_open_buffer((const char *)data, size, "fuzz", max_field, max_fields, &r) != CRVM_OK)
        return 0;
    if (crvm__csv_open_buffer((const char *)data, size, "fuzz", max_field, max_fields, &scalar) !=
        CRVM_OK) {
        crvm__csv_close(r);
        return 0;
    }
    crvm__csv_set_scalar_scan(scalar, 1);
    size_t records = 0, last_line = 0;
    for (;;) {
        int has = 0;
        crvm_status st = crvm__csv_next(r, &has);
        if (!same_as_scalar(r, scalar, st, has))
            abort();
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
    crvm__csv_close(scalar);
    return 0;
}
