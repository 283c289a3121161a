/* The loader's fast readings of numbers and dates (lib/io/parse.c) against
 * independent references: decimal text against the C library's strtod
 * (correctly rounded in glibc), dates against the plain crvm__parse_date
 * and the civil-from-days inverse, errors with the same reasons. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "io/parse.h"

/* Plain decimals of up to 15 significant digits read exactly as strtod
 * reads them: the same double, bit for bit (both are correctly rounded:
 * the fast path divides an exact integer by an exact power of ten). */
static void plain_decimals_match_strtod(void **state)
{
    (void)state;
    unsigned long long rng = 99;
    const int n = test_under_valgrind() ? 20000 : 400000;
    char text[64];
    for (int t = 0; t < n; t++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned r = (unsigned)(rng >> 33);
        size_t k = 0;
        if (r % 5 == 0)
            text[k++] = r % 2 ? '-' : '+';
        int lead0 = (int)(r / 5 % 4), int_digits = (int)(r / 20 % 9), frac_digits = (int)(r / 180 % 24);
        for (int i = 0; i < lead0; i++)
            text[k++] = '0';
        unsigned long long x = rng;
        for (int i = 0; i < int_digits; i++, x /= 10)
            text[k++] = (char)('0' + x % 10);
        if (frac_digits || r / 4320 % 3 == 0)
            text[k++] = '.';
        x = rng ^ (rng >> 29);
        for (int i = 0; i < frac_digits; i++, x /= 10)
            text[k++] = (char)('0' + (i == frac_digits - 1 && r % 7 == 0 ? 0 : x % 10));
        text[k] = '\0';
        double got, want = strtod(text, NULL);
        const char *why = NULL;
        int digits = 0;
        for (size_t i = 0; i < k; i++)
            digits += text[i] >= '0' && text[i] <= '9';
        if (digits == 0) {
            assert_int_equal(crvm__parse_double(text, k, &got, &why), 0);
            continue;
        }
        if (!crvm__parse_double(text, k, &got, &why))
            fail_msg("'%s' rejected: %s", text, why);
        if (memcmp(&got, &want, sizeof got) != 0)
            fail_msg("'%s' read as %.17g, strtod gives %.17g", text, got, want);
    }
}

/* Every day of years 1..9999 (every 97th year under valgrind) reads to the
 * serial day the plain parser gives, which formats back to the same text;
 * the months go in and out of the 64-month memo upwards, then (every 11th
 * year) downwards. */
static void memo_dates_match_the_plain_parser(void **state)
{
    (void)state;
    crvm__date_memo memo;
    memset(&memo, 0, sizeof memo);
    const int valgrind = test_under_valgrind();
    char text[16];
    for (int pass = 0; pass < 2; pass++)
        for (int y = 1; y <= 9999; y += valgrind ? 97 : pass ? 11 : 1) {
            int year = pass ? 10000 - y : y; /* the second pass downwards */
            for (int m = 1; m <= 12; m++)
                for (int d = 1; d <= 31; d++) {
                    snprintf(text, sizeof text, "%04d-%02d-%02d", year, m, d);
                    int32_t a = 0, b = 0;
                    const char *ra = NULL, *rb = NULL;
                    int oka = crvm__parse_date_memo(&memo, text, 10, &a, &ra);
                    int okb = crvm__parse_date(text, 10, &b, &rb);
                    if (oka != okb || (oka && a != b) || (!oka && ra != rb))
                        fail_msg("%s: memo %d (%ld, %s), plain %d (%ld, %s)", text, oka, (long)a,
                                 ra ? ra : "", okb, (long)b, rb ? rb : "");
                    if (oka) {
                        char back[11];
                        crvm__format_date(a, back);
                        assert_string_equal(back, text);
                    }
                }
        }
}

/* Text that is not a valid date gets the plain parser's reason. */
static void memo_dates_keep_every_reason(void **state)
{
    (void)state;
    static const char *const bad[] = {"",           "2024-1-01",  "2024-01-1",  "2024/01/01",
                                      "2024-00-10", "2024-13-10", "2023-02-29", "2024-04-31",
                                      "2024-04-00", "0000-01-01", "20240101",   "2024-01-0x",
                                      "a024-01-01", "2024-01-01 ", " 2024-01-01", "2024-01-32"};
    crvm__date_memo memo;
    memset(&memo, 0, sizeof memo);
    int32_t d;
    const char *why = NULL;
    assert_int_equal(crvm__parse_date_memo(&memo, "2024-04-30", 10, &d, &why), 1);
    assert_int_equal(crvm__parse_date_memo(&memo, "2023-02-28", 10, &d, &why), 1);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *ra = NULL, *rb = NULL;
        int32_t a, b;
        size_t len = strlen(bad[i]);
        assert_int_equal(crvm__parse_date_memo(&memo, bad[i], len, &a, &ra), 0);
        assert_int_equal(crvm__parse_date(bad[i], len, &b, &rb), 0);
        assert_non_null(ra);
        assert_ptr_equal(ra, rb);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_decimals_match_strtod),
        cmocka_unit_test(memo_dates_match_the_plain_parser),
        cmocka_unit_test(memo_dates_keep_every_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
