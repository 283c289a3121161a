/* Unit tests for lib/core: status strings, thread-local errors, version, allocator. */
#include "support.h"

#include <stdio.h>
#include <string.h>
#include <threads.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/huge_pages.h"
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

static void nomem_names_the_activity(void **state)
{
    (void)state;
    assert_int_equal(crvm__nomem("copying the cohort"), CRVM_ENOMEM);
    assert_string_equal(crvm_last_error(), "out of memory while copying the cohort");
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
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
