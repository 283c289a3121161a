/* Unit tests for lib/core: status strings, thread-local errors, version, allocator,
 * rounding to cents, civil dates. */
#define _GNU_SOURCE /* pthread_getattr_np, pthread_setattr_default_np: the workers' stacks */
#include "support.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <threads.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/error.h"
#include "core/huge_pages.h"
#include "core/money.h"
#include "core/parallel.h"

static void status_strings_are_distinct_and_total(void **state)
{
    (void)state;
    for (int i = 0; i < CRVM_STATUS_COUNT; i++) {
        assert_non_null(crvm_status_str((crvm_status)i));
        for (int j = 0; j < i; j++)
            assert_string_not_equal(crvm_status_str((crvm_status)i), crvm_status_str((crvm_status)j));
    }
    assert_string_equal(crvm_status_str(CRVM_OK), "success");
    assert_string_equal(crvm_status_str((crvm_status)999), "unknown status");
    assert_string_equal(crvm_status_str((crvm_status)-1), "unknown status");
}

static void last_error_is_empty_until_a_failure(void **state)
{
    (void)state;
    crvm_clear_error();
    assert_non_null(crvm_last_error());
    assert_string_equal(crvm_last_error(), "");
    assert_int_equal(crvm__fail(CRVM_EPARSE, "row %d, column %s: bad", 3, "date"), CRVM_EPARSE);
    assert_string_equal(crvm_last_error(), "row 3, column date: bad");
    crvm_clear_error();
    assert_string_equal(crvm_last_error(), "");
}

static void long_messages_are_truncated_not_overflowed(void **state)
{
    (void)state;
    char big[4096];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    crvm__fail(CRVM_EINVAL, "%s", big);
    assert_true(strlen(crvm_last_error()) > 100);
    assert_true(strlen(crvm_last_error()) < sizeof big);
}

/* Issue 10 item 6: a message built from the previous one (as the CSV
 * loaders prefix a tokenizer error with the file) must read the old text
 * before overwriting it: formatting into the buffer being read is undefined
 * behaviour (overlapping copy) and garbled the prefix. */
static void a_message_may_quote_the_previous_one(void **state)
{
    (void)state;
    crvm__fail(CRVM_EPARSE, "line %d (record %d), field %d: quote inside an unquoted field", 1, 1, 2);
    assert_int_equal(crvm__fail(CRVM_EPARSE, "x.csv: header row: %s", crvm_last_error()), CRVM_EPARSE);
    assert_string_equal(crvm_last_error(),
                        "x.csv: header row: line 1 (record 1), field 2: quote inside an unquoted field");
    /* Also when the old message fills the buffer: the new one is cut, not corrupted. */
    char big[600];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    crvm__fail(CRVM_EIO, "%s", big);
    crvm__fail(CRVM_EIO, "pre: %s", crvm_last_error());
    const char *m = crvm_last_error();
    assert_memory_equal(m, "pre: yyyy", 9);
    for (size_t i = 5; m[i]; i++)
        assert_int_equal(m[i], 'y');
}

static int other_thread(void *arg)
{
    (void)arg;
    /* A fresh thread sees no error, and its failure stays its own. */
    int clean = crvm_last_error()[0] == '\0';
    crvm__fail(CRVM_EIO, "from the other thread");
    return clean;
}

static void errors_are_thread_local(void **state)
{
    (void)state;
    crvm__fail(CRVM_EDOMAIN, "main thread");
    thrd_t t;
    assert_int_equal(thrd_create(&t, other_thread, NULL), thrd_success);
    int clean = 0;
    thrd_join(t, &clean);
    assert_true(clean);
    assert_string_equal(crvm_last_error(), "main thread");
}

static void version_matches_macros(void **state)
{
    (void)state;
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", CRVM_VERSION_MAJOR, CRVM_VERSION_MINOR,
             CRVM_VERSION_PATCH);
    assert_string_equal(crvm_version(), expected);
    assert_int_equal(CRVM_VERSION_NUMBER,
                     CRVM_VERSION_MAJOR * 10000 + CRVM_VERSION_MINOR * 100 + CRVM_VERSION_PATCH);
}

static void allocator_requires_every_function(void **state)
{
    (void)state;
    crvm_allocator incomplete = {NULL, NULL, NULL, NULL};
    assert_status(crvm_set_allocator(&incomplete), CRVM_EINVAL);
    assert_status(crvm_set_allocator(NULL), CRVM_OK);
}

static void allocator_routes_every_allocation(void **state)
{
    (void)state;
    test_alloc_install();
    long before = test_alloc_outstanding();
    void *p = crvm__malloc(10);
    assert_int_equal(test_alloc_outstanding(), before + 1);
    p = crvm__realloc_array(p, 100, 8);
    assert_non_null(p);
    char *s = crvm__strdup("abc");
    assert_string_equal(s, "abc");
    crvm__free(s);
    crvm__free(p);
    crvm__free(NULL);
    assert_int_equal(test_alloc_outstanding(), before);

    test_alloc_fail_after(0);
    assert_null(crvm__malloc(1));
    assert_null(crvm__strdup("x"));
    test_alloc_fail_after(-1);
    /* Size overflow is refused before reaching the allocator. */
    assert_null(crvm__calloc(SIZE_MAX / 2, 4));
    assert_null(crvm__realloc_array(NULL, SIZE_MAX / 2, 4));
    int *zeros = crvm__calloc(4, sizeof *zeros);
    assert_non_null(zeros);
    assert_int_equal(zeros[0] | zeros[1] | zeros[2] | zeros[3], 0);
    crvm__free(zeros);
}

/* crvm__huge_alloc: small arrays plain and 16-byte aligned, large ones on a
 * 2 MB boundary (Linux: where the huge-page advice can act); all writable
 * to their last byte, routed through the library's allocator, freed
 * without a leak, and NULL when the allocator fails or the size overflows. */
static void huge_arrays_are_aligned_and_released(void **state)
{
    (void)state;
    test_alloc_install();
    long before = test_alloc_outstanding();
    size_t sizes[] = {0, 8, 1000, CRVM__HUGE_FROM - 8, CRVM__HUGE_FROM, (size_t)5 << 20};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        unsigned char *p = crvm__huge_alloc(sizes[k]);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
#if defined(__linux__)
        if (sizes[k] >= CRVM__HUGE_FROM)
            assert_int_equal((uintptr_t)p % ((uintptr_t)1 << 21), 0);
#endif
        if (sizes[k] > 0) {
            memset(p, 0xab, sizes[k]);
            assert_int_equal(p[sizes[k] - 1], 0xab);
        }
        assert_int_equal(test_alloc_outstanding(), before + 1);
        crvm__huge_free(p);
        assert_int_equal(test_alloc_outstanding(), before);
    }
    crvm__huge_free(NULL);
    test_alloc_fail_after(0);
    assert_null(crvm__huge_alloc(8));
    assert_null(crvm__huge_alloc(CRVM__HUGE_FROM));
    test_alloc_fail_after(-1);
    assert_null(crvm__huge_alloc(SIZE_MAX - 8));
    /* Advice on memory of any alignment, and its withdrawal, are harmless. */
    unsigned char *q = crvm__malloc((size_t)5 << 20);
    assert_non_null(q);
    crvm__huge_prefer(q + 1, ((size_t)5 << 20) - 1);
    memset(q, 1, (size_t)5 << 20);
    crvm__huge_withdraw(q + 1, ((size_t)5 << 20) - 1);
    crvm__huge_prefer(q, 0);
    assert_int_equal(q[((size_t)5 << 20) - 1], 1);
    crvm__free(q);
    assert_int_equal(test_alloc_outstanding(), before);
}

/* crvm__run_blocks runs every block exactly once, on a worker index below
 * the thread count, for any thread count (0 and 1: the calling thread). */
typedef struct block_log {
    int runs[100];
    size_t worst_worker;
    int threads;
} block_log;

static void log_block(void *ctx, size_t worker, size_t block)
{
    block_log *l = ctx;
    l->runs[block]++; /* each block is one slot: no race */
    if (worker >= (size_t)(l->threads > 1 ? l->threads : 1))
        l->worst_worker = worker + 1; /* any out-of-range worker is caught below */
}

static void run_blocks_runs_each_block_once(void **state)
{
    (void)state;
    const size_t counts[4] = {0, 1, 5, 100};
    for (int threads = 0; threads <= 4; threads++)
        for (int c = 0; c < 4; c++) {
            block_log l;
            memset(&l, 0, sizeof l);
            l.threads = threads;
            crvm__run_blocks(log_block, &l, counts[c], threads);
            for (size_t b = 0; b < 100; b++)
                assert_int_equal(l.runs[b], b < counts[c] ? 1 : 0);
            assert_int_equal(l.worst_worker, 0);
        }
}

/* The workers' stack: at least CRVM__WORKER_STACK even where the system's
 * default thread stack is smaller (set to musl's 128 KB here). */
static size_t stack_of_this_thread(void)
{
    pthread_attr_t a;
    size_t size = 0;
    assert_int_equal(pthread_getattr_np(pthread_self(), &a), 0);
    assert_int_equal(pthread_attr_getstacksize(&a, &size), 0);
    pthread_attr_destroy(&a);
    return size;
}

static void note_chunk_stack(void *ctx, size_t begin, size_t end)
{
    (void)end;
    ((size_t *)ctx)[begin] = stack_of_this_thread();
}

static void note_block_stack(void *ctx, size_t worker, size_t block)
{
    (void)worker;
    ((size_t *)ctx)[block] = stack_of_this_thread();
}

static void workers_have_a_large_enough_stack(void **state)
{
    (void)state;
    pthread_attr_t small, saved;
    assert_int_equal(pthread_getattr_default_np(&saved), 0);
    assert_int_equal(pthread_attr_init(&small), 0);
    assert_int_equal(pthread_attr_setstacksize(&small, 128 * 1024), 0);
    assert_int_equal(pthread_setattr_default_np(&small), 0);
    size_t chunks[4] = {0}, blocks[64] = {0};
    crvm__parallel_for(4, 4, note_chunk_stack, chunks);
    crvm__run_blocks(note_block_stack, blocks, 64, 4);
    assert_int_equal(pthread_setattr_default_np(&saved), 0);
    pthread_attr_destroy(&small);
    pthread_attr_destroy(&saved);
    /* Chunks 1-3 ran on workers; every block ran somewhere, each on a
     * worker or on the calling thread (whose stack is the process's). */
    for (int j = 1; j < 4; j++)
        assert_true(chunks[j] >= CRVM__WORKER_STACK);
    for (int b = 0; b < 64; b++)
        assert_true(blocks[b] >= CRVM__WORKER_STACK);
}

static void nomem_names_the_activity(void **state)
{
    (void)state;
    assert_int_equal(crvm__nomem("copying the cohort"), CRVM_ENOMEM);
    assert_string_equal(crvm_last_error(), "out of memory while copying the cohort");
}

/* crvm__llround must be llround (C11 7.12.9.7: half away from zero) for every
 * double: llround itself is the reference. */
static void llround_inline_is_llround(void **state)
{
    (void)state;
    const double two52 = 4503599627370496.0, two53 = 2 * two52;
    const double edge[] = {0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994,
                           -0.49999999999999994, 0.5000000000000001, -0.5000000000000001,
                           DBL_TRUE_MIN, -DBL_TRUE_MIN, DBL_MIN, two52 - 0.5, -(two52 - 0.5), two52 - 1.5,
                           two52, -two52, two52 + 1, two53, two53 + 2, -two53 - 2, 9.2e18, -9.2e18,
                           9.3e18, -9.3e18, 1e300, -1e300, DBL_MAX, INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
        assert_true(crvm__llround(edge[i]) == llround(edge[i]));
    /* Around 2^51 (halves representable), 2^52 (the fast path's edge) and
     * 2^53: +-(2^j + k/4) and their neighbours. */
    for (int j = 51; j <= 53; j++)
        for (long k = -4000; k <= 4000; k++) {
            const double x = ldexp(1, j) + (double)k / 4;
            const double xs[4] = {x, -x, nextafter(x, 0), nextafter(-x, -INFINITY)};
            for (int t = 0; t < 4; t++)
                assert_true(crvm__llround(xs[t]) == llround(xs[t]));
        }
    /* Halves and their neighbours at every scale, and arbitrary bit patterns. */
    uint64_t u = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 200000; i++) {
        u ^= u << 13;
        u ^= u >> 7;
        u ^= u << 17;
        double any;
        memcpy(&any, &u, sizeof any);
        const double half = ldexp((double)(int64_t)(u >> 12), -(int)(u & 63)) + 0.5;
        const double xs[4] = {any, half, nextafter(half, 0), nextafter(half, INFINITY)};
        for (int t = 0; t < 4; t++)
            assert_true(crvm__llround(xs[t]) == llround(xs[t]));
    }
}

/* The day after (y, m, d), by the calendar's rules (independent of the
 * closed forms under test). */
static void next_day(int *y, int *m, int *d)
{
    static const int length[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
    if (++*d <= length[*m - 1] + (*m == 2 && leap))
        return;
    *d = 1;
    if (++*m > 12) {
        *m = 1;
        ++*y;
    }
}

static void civil_dates_walk_day_by_day(void **state)
{
    (void)state;
    /* 0001-01-01 is day -719162 (1970-01-01 is 0); under valgrind 1900-2100. */
    const int full = !test_under_valgrind();
    int y = full ? 1 : 1900, m = 1, d = 1;
    int32_t z = full ? -719162 : -25567;
    const int32_t last = full ? 2932896 : 47846; /* 9999-12-31, 2100-12-31 */
    for (; z <= last; z++) {
        int cy, cm, cd;
        crvm__civil_from_days(z, &cy, &cm, &cd);
        if (cy != y || cm != m || cd != d)
            fail_msg("day %ld: %d-%d-%d, expected %d-%d-%d", (long)z, cy, cm, cd, y, m, d);
        assert_int_equal(crvm__days_from_civil(y, m, d), z);
        next_day(&y, &m, &d);
    }
    assert_int_equal(y, full ? 10000 : 2101);
    /* Across the edges of the fast form's range, of the shifted eras and of
     * int32: each day the successor of the one before. */
    const int64_t edges[] = {-12699422, 1061042401, -146097, 146097, INT32_MIN + 2000,
                             (int64_t)INT32_MAX - 2000};
    for (size_t e = 0; e < sizeof edges / sizeof *edges; e++) {
        int py, pm, pd;
        crvm__civil_from_days((int32_t)(edges[e] - 2000), &py, &pm, &pd);
        for (int64_t t = edges[e] - 1999; t <= edges[e] + 2000; t++) {
            int cy, cm, cd;
            crvm__civil_from_days((int32_t)t, &cy, &cm, &cd);
            next_day(&py, &pm, &pd);
            if (cy != py || cm != pm || cd != pd)
                fail_msg("day %lld: %d-%d-%d, expected %d-%d-%d", (long long)t, cy, cm, cd, py, pm, pd);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_strings_are_distinct_and_total),
        cmocka_unit_test(last_error_is_empty_until_a_failure),
        cmocka_unit_test(long_messages_are_truncated_not_overflowed),
        cmocka_unit_test(a_message_may_quote_the_previous_one),
        cmocka_unit_test(errors_are_thread_local),
        cmocka_unit_test(version_matches_macros),
        cmocka_unit_test(allocator_requires_every_function),
        cmocka_unit_test(allocator_routes_every_allocation),
        cmocka_unit_test(huge_arrays_are_aligned_and_released),
        cmocka_unit_test(nomem_names_the_activity),
        cmocka_unit_test(run_blocks_runs_each_block_once),
        cmocka_unit_test(workers_have_a_large_enough_stack),
        cmocka_unit_test(llround_inline_is_llround),
        cmocka_unit_test(civil_dates_walk_day_by_day),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
