#include "support.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Atomics: tests that run the library in several threads (fits, ledger
 * reads) allocate through this allocator from all of them at once; plain
 * counters were a data race (ThreadSanitizer), and a lost update would make
 * the leak check of test_every_allocation_failure lie. */
static atomic_long fail_after = -1;
static atomic_long outstanding = 0;
static atomic_int failure_injected = 0;

static int should_fail(void)
{
    long left = atomic_load(&fail_after);
    while (left > 0) /* count this allocation down, unless another thread did */
        if (atomic_compare_exchange_weak(&fail_after, &left, left - 1))
            return 0;
    if (left == 0) {
        atomic_store(&failure_injected, 1);
        return 1;
    }
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

double test_rng_normal(test_rng *rng)
{
    double u1 = test_rng_uniform(rng), u2 = test_rng_uniform(rng);
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

double test_rng_gamma(test_rng *rng, double shape)
{
    if (shape < 1)
        return test_rng_gamma(rng, shape + 1) * pow(test_rng_uniform(rng), 1 / shape);
    double d = shape - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double x = test_rng_normal(rng), v = 1 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        if (log(test_rng_uniform(rng)) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

double test_rng_beta(test_rng *rng, double a, double b)
{
    double x = test_rng_gamma(rng, a), y = test_rng_gamma(rng, b);
    return x / (x + y);
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

crvm_date test_date(int y, int m, int d)
{
    crvm_date out = 0;
    assert_int_equal(crvm_date_from_ymd(y, m, d, &out), CRVM_OK);
    return out;
}

/* Three customers, eight revenue events, five contacts, two articles: see
 * the comments in the tests for the hand-computed figures. */
crvm_ledger *test_small_ledger(void)
{
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    const char *ids[] = {"A", "B", "C"};
    const char *segs[] = {"smb", "smb", "ent"};
    crvm_date start[] = {test_date(2023, 1, 15), test_date(2023, 3, 1), test_date(2022, 12, 31)};
    crvm_date end[] = {CRVM_DATE_NONE, test_date(2023, 8, 1), CRVM_DATE_NONE};
    assert_int_equal(crvm_ledger_add_customers(l, ids, 3, segs, 3, start, 3, end, 3, NULL), CRVM_OK);

    const char *rc[] = {"C", "A", "A", "B", "A", "C", "A", "B"};
    crvm_date rd[] = {test_date(2023, 6, 30), test_date(2023, 2, 15), test_date(2023, 1, 15), test_date(2023, 3, 1),
                      test_date(2023, 2, 15), test_date(2023, 1, 5),  test_date(2023, 4, 10), test_date(2023, 5, 20)};
    double ra[] = {1000.00, 49.99, 49.99, 20.00, 150.00, 250.50, -10.00, 20.00};
    int32_t rs[] = {CRVM_STREAM_SUBSCRIPTION, CRVM_STREAM_SUBSCRIPTION, CRVM_STREAM_SUBSCRIPTION,
                    CRVM_STREAM_SUPPORT_PLAN, CRVM_STREAM_SERVICES,     CRVM_STREAM_EXPANSION,
                    CRVM_STREAM_SUBSCRIPTION, CRVM_STREAM_SUPPORT_PLAN};
    assert_int_equal(crvm_ledger_add_revenue(l, rc, 8, rd, 8, ra, 8, rs, 8, NULL), CRVM_OK);

    assert_int_equal(crvm_ledger_add_article(l, "KB1", test_date(2023, 1, 1), 4.0, 0.5), CRVM_OK);
    assert_int_equal(crvm_ledger_add_article(l, "KB2", test_date(2023, 4, 1), 2.0, 0.0), CRVM_OK);

    const char *kid[] = {"K1", "K2", "K3", "K4", "K5"};
    const char *kc[] = {"A", "A", "B", "C", "C"};
    crvm_date ko[] = {test_date(2023, 2, 1), test_date(2023, 5, 10), test_date(2023, 3, 5), test_date(2023, 1, 10), test_date(2023, 7, 15)};
    crvm_date kcl[] = {test_date(2023, 2, 3), test_date(2023, 5, 20), CRVM_DATE_NONE, test_date(2023, 1, 10), test_date(2023, 7, 20)};
    int32_t kch[] = {CRVM_CHANNEL_PHONE, CRVM_CHANNEL_EMAIL, CRVM_CHANNEL_CHAT, CRVM_CHANNEL_WEB,
                     CRVM_CHANNEL_PHONE};
    double km[] = {30, 45, 12.5, 0, 60};
    int32_t kt[] = {1, 2, 1, 1, 3};
    int32_t ke[] = {0, 1, 0, 0, 1};
    int32_t kout[] = {CRVM_OUTCOME_RESOLVED, CRVM_OUTCOME_REFUSED, CRVM_OUTCOME_ABANDONED,
                      CRVM_OUTCOME_WORKAROUND, CRVM_OUTCOME_RESOLVED};
    double ks[] = {4, 2, NAN, 5, 3};
    assert_int_equal(crvm_ledger_add_contacts(l, kid, 5, kc, 5, ko, 5, kcl, 5, kch, 5, km, 5, kt, 5,
                                              ke, 5, kout, 5, ks, 5, NULL),
                     CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact_article(l, "K2", "KB1"), CRVM_OK);
    assert_int_equal(crvm_ledger_add_knowledge_use(l, "KB1", test_date(2023, 5, 10), CRVM_USE_ASSISTED, 0, "K2", NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_add_knowledge_use(l, "KB1", test_date(2023, 3, 1), CRVM_USE_SELF_SERVICE, 1, NULL, "A"), CRVM_OK);
    assert_int_equal(crvm_ledger_add_knowledge_use(l, "KB2", test_date(2023, 6, 1), CRVM_USE_SELF_SERVICE, 1, "", ""), CRVM_OK);
    assert_int_equal(crvm_ledger_add_knowledge_use(l, "KB2", test_date(2023, 6, 2), CRVM_USE_SELF_SERVICE, 0, NULL, "B"), CRVM_OK);
    return l;
}

#ifdef CRVM_TEST_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

int test_under_valgrind(void)
{
#ifdef CRVM_TEST_HAVE_VALGRIND_H
    return RUNNING_ON_VALGRIND != 0;
#else
    const char *preload = getenv("LD_PRELOAD");
    return preload != NULL && strstr(preload, "vgpreload") != NULL;
#endif
}
