/* Private: exact sums of cents. Every money figure of the value layer is a
 * whole number of cents held in an int64 and published as a double, so it
 * must stay within 2^53 cents (9.0e13 currency units) to be exact there. */
#ifndef CRVM_VALUE_MONEY_H
#define CRVM_VALUE_MONEY_H

#include <math.h>
#include <stdint.h>

#define CRVM__MAX_CENTS 9007199254740992LL /* 2^53 */

/* acc += v; 0 (acc unchanged) if the sum would leave [-2^53, 2^53].
 * Both operands are within the range, so the test cannot overflow. */
static inline int crvm__cents_add(int64_t *acc, int64_t v)
{
    if ((v > 0 && *acc > CRVM__MAX_CENTS - v) || (v < 0 && *acc < -CRVM__MAX_CENTS - v))
        return 0;
    *acc += v;
    return 1;
}

/* Whole cents of x cents (half away from zero); 0 if not finite or beyond 2^53. */
static inline int crvm__cents_round(double x, int64_t *out)
{
    if (!(fabs(x) <= (double)CRVM__MAX_CENTS))
        return 0;
    *out = llround(x);
    return 1;
}

#endif
