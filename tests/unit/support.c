#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static long fail_after = -1;
static long outstanding = 0;
static int failure_injected = 0;

static int should_fail(void)
{
    if (fail_after < 0)
        return 0;
    if (fail_after == 0) {
        failure_injected = 1;
        return 1;
    }
    fail_after--;
    return 0;
}

static void *counting_malloc(size_t size, void *ctx)
{
    (void)ctx;
    if (should_fail())
        return NULL;
    void *p = malloc(size);
    if (p)
        outstanding++;
    return p;
}

static void *counting_realloc(void *ptr, size_t size, void *ctx)
{
    (void)ctx;
    if (should_fail())
        return NULL;
    void *p = realloc(ptr, size);
    if (p && !ptr)
        outstanding++;
    return p;
}

static void counting_free(void *ptr, void *ctx)
{
    (void)ctx;
    if (ptr)
        outstanding--;
    free(ptr);
}

void test_alloc_install(void)
{
    static const crvm_allocator counting = {counting_malloc, counting_realloc, counting_free, NULL};
    assert_int_equal(crvm_set_allocator(&counting), CRVM_OK);
}

void test_alloc_fail_after(long n)
{
    fail_after = n;
    failure_injected = 0;
}

long test_alloc_outstanding(void) { return outstanding; }

long test_every_allocation_failure(test_alloc_scenario scenario, void *ctx)
{
    test_alloc_install();
    for (long k = 0; k < 1000000; k++) {
        long before = outstanding;
        test_alloc_fail_after(k);
        crvm_clear_error();
        crvm_status st = scenario(ctx);
        int injected = failure_injected;
        test_alloc_fail_after(-1);
        if (outstanding != before)
            fail_msg("allocation failure at site %ld leaked %ld block(s)", k, outstanding - before);
        if (!injected) {
            if (st != CRVM_OK)
                fail_msg("scenario failed without injected failure: %s (%s)", crvm_status_str(st),
                         crvm_last_error());
            return k;
        }
        if (st != CRVM_ENOMEM)
            fail_msg("allocation failure at site %ld returned %s (%s), expected out of memory", k,
                     crvm_status_str(st), crvm_last_error());
        if (crvm_last_error()[0] == '\0')
            fail_msg("allocation failure at site %ld left no message", k);
    }
    fail_msg("scenario did not finish within the allocation budget");
    return -1;
}

void assert_close_impl(double actual, double expected, double rel_tol, double abs_tol,
                       const char *file, int line)
{
    double diff = fabs(actual - expected);
    if (!(diff <= abs_tol + rel_tol * fabs(expected)) || isnan(actual) != isnan(expected)) {
        print_error("%s:%d: %.17g differs from expected %.17g by %.3g (rel tol %.1g, abs tol %.1g)\n",
                    file, line, actual, expected, diff, rel_tol, abs_tol);
        _fail(file, line);
    }
}

double test_rng_uniform(test_rng *rng)
{
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * 0x1.0p-53;
}

#ifndef CRVM_SOURCE_ROOT
#define CRVM_SOURCE_ROOT "."
#endif

void test_load_rossi(double *week, int32_t *arrest, double *x)
{
    char path[1024];
    const char *dir = getenv("CRVM_DATA_DIR");
    if (dir != NULL)
        snprintf(path, sizeof path, "%s/rossi.csv", dir);
    else
        snprintf(path, sizeof path, "%s/../shared/data/rossi.csv", CRVM_SOURCE_ROOT);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s (set CRVM_DATA_DIR)", path);
    char line[256];
    size_t n = 0;
    if (fgets(line, sizeof line, f) != NULL) /* header */
        while (n < TEST_ROSSI_ROWS && fgets(line, sizeof line, f)) {
            int v[2 + TEST_ROSSI_COLS];
            if (sscanf(line, "%d,%d,%d,%d,%d,%d,%d,%d,%d", &v[0], &v[1], &v[2], &v[3], &v[4],
                       &v[5], &v[6], &v[7], &v[8]) != 2 + TEST_ROSSI_COLS)
                break;
            week[n] = v[0];
            arrest[n] = v[1];
            for (int j = 0; j < TEST_ROSSI_COLS; j++)
                x[n * TEST_ROSSI_COLS + j] = v[2 + j];
            n++;
        }
    fclose(f);
    if (n != TEST_ROSSI_ROWS)
        fail_msg("%s: read %zu rows, expected %d", path, n, TEST_ROSSI_ROWS);
}
