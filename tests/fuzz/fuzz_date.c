/* libFuzzer target for the date parser and calendar arithmetic: any text
 * either parses to a valid date that formats back to the same 10 bytes, or
 * fails with CRVM_EPARSE and a message; whole-period steps agree with
 * crvm_date_whole_periods for any date, period and count.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true; run with the seed
 * corpus tests/fuzz/corpus/fuzz_date (scripts/fuzz does both). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crvm/crvm.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    crvm_date d = 12345;
    crvm_clear_error();
    crvm_status st = crvm_date_parse((const char *)data, size, &d);
    if (st == CRVM_OK) {
        char buf[11];
        if (size != 10 || crvm_date_format(d, buf, sizeof buf) != CRVM_OK || memcmp(buf, data, 10))
            abort();
    } else if (st != CRVM_EPARSE || crvm_last_error()[0] == '\0' || d != 12345) {
        abort();
    }
    /* Arithmetic on a date taken from the input bytes. */
    fuzz_input in = {data, size, 0};
    crvm_date date = CRVM_DATE_MIN + (crvm_date)(((uint32_t)fuzz_u16(&in) << 8 | fuzz_u8(&in)) %
                                                 (uint32_t)(CRVM_DATE_MAX - CRVM_DATE_MIN + 1));
    crvm_period period = (crvm_period)(fuzz_u8(&in) % 3);
    int n = (int)(fuzz_u16(&in) % 20000) - 10000;
    int y, m, dd;
    crvm_date back;
    if (crvm_date_to_ymd(date, &y, &m, &dd) != CRVM_OK || crvm_date_from_ymd(y, m, dd, &back) != CRVM_OK ||
        back != date)
        abort();
    crvm_date moved;
    if (crvm_date_add_periods(date, period, n, &moved) == CRVM_OK) {
        if (moved < CRVM_DATE_MIN || moved > CRVM_DATE_MAX)
            abort();
        int whole = -1;
        if (n >= 0 && (crvm_date_whole_periods(date, moved, period, &whole) != CRVM_OK || whole != n))
            abort(); /* steps are strictly increasing, so moving n steps is n whole periods */
        crvm_date start;
        if (crvm_date_period_start(moved, period, &start) != CRVM_OK || start > moved)
            abort();
    }
    return 0;
}
