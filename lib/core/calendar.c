#include "core/calendar.h"

#include <stddef.h>

int crvm__is_leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int crvm__days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && crvm__is_leap_year(y) ? 29 : days[m - 1];
}

int32_t crvm__days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

/* Hinnant's civil_from_days, for any int32 day. */
static void civil_from_days_wide(int32_t z32, int *y, int *m, int *d)
{
    /* long: z32 + 719468 overflows int32 near INT32_MAX. */
    const long z = (long)z32 + 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const long doe = z - era * 146097;
    const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long mp = (5 * doy + 2) / 153;
    const long mm = mp < 10 ? mp + 3 : mp - 9;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)mm;
    *y = (int)(yoe + era * 400 + (mm <= 2));
}

/* Days shifted by K = 719468 + 146097 s (s = 82 eras) are >= 0 from
 * -K on, and 4 N + 3 stays below 2^32 up to N = 2^30 - 1. */
#define SHIFT_ERAS 82u
#define SHIFT_DAYS (719468u + 146097u * SHIFT_ERAS)

void crvm__civil_from_days(int32_t z, int *y, int *m, int *d)
{
    if (z < -(int32_t)SHIFT_DAYS || z > (int32_t)(0x3fffffffu - SHIFT_DAYS)) {
        civil_from_days_wide(z, y, m, d);
        return;
    }
    /* C. Neri and L. Schneider, "Euclidean affine functions and their
     * application to calendar algorithms", Softw. Pract. Exper. 53 (2023)
     * 937-970, section 5: the same calendar in unsigned 32-bit arithmetic
     * whose divisions by constants are multiplications and shifts (a quarter
     * of the instructions of the form above, which was 2.5% of the value
     * fit's). Years and months counted from 1 March, as above. */
    const uint32_t n = (uint32_t)((int64_t)z + SHIFT_DAYS);
    const uint32_t n1 = 4 * n + 3;
    const uint32_t century = n1 / 146097, n_c = n1 % 146097 / 4;
    const uint64_t p2 = (uint64_t)2939745 * (4 * n_c + 3);
    const uint32_t year_of_century = (uint32_t)(p2 >> 32), day_of_year = (uint32_t)p2 / 2939745 / 4;
    const uint32_t n3 = 2141 * day_of_year + 197913;
    const uint32_t january = day_of_year >= 306; /* 306 days after 1 March: 1 January */
    *y = (int)((int64_t)(100 * century + year_of_century) - 400 * (int64_t)SHIFT_ERAS + january);
    *m = (int)((n3 >> 16) - 12 * january);
    *d = (int)((n3 & 0xffff) / 2141 + 1);
}

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int crvm__parse_date(const char *s, size_t len, int32_t *out, const char **reason)
{
        int y, m, d;
    if (len == 0) {
        *reason = "empty date";
        return 0;
    }
    if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m) ||
        !digits(s + 8, 2, &d)) {
        *reason = "not a date in YYYY-MM-DD form";
        return 0;
    }
    if (m < 1 || m > 12) {
        *reason = "month must be 01-12";
        return 0;
    }
    int dim = crvm__days_in_month(y, m);
    if (d < 1 || d > dim) {
        *reason = (m == 2 && d == 29) ? "29 February in a year that is not a leap year"
                                      : "day does not exist in that month";
        return 0;
    }
    if (y < 1 || y > 9999) {
        *reason = "year 0000 is outside 0001-9999";
        return 0;
    }
    *out = crvm__days_from_civil(y, m, d);
    return 1;
}

void crvm__format_date(int32_t days, char buf[11])
{
    int y, m, d;
    crvm__civil_from_days(days, &y, &m, &d);
    if (y < 0)
        y = 0;
    if (y > 9999)
        y = 9999;
    buf[0] = (char)('0' + y / 1000);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + d / 10);
    buf[9] = (char)('0' + d % 10);
    buf[10] = '\0';
}
