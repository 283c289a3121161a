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

void crvm__civil_from_days(int32_t z32, int *y, int *m, int *d)
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
