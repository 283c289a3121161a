/* Shared helpers for the cmocka unit tests: a counting allocator with
 * failure injection, and floating-point comparison with stated tolerances. */
#ifndef CRVM_TEST_SUPPORT_H
#define CRVM_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "crvm/crvm.h"

/* Install the counting allocator (idempotent). Call in each test's setup or
 * before the first crvm call of a test program. */
void test_alloc_install(void);
/* Fail every allocation after the next n successful ones (n < 0: never). */
void test_alloc_fail_after(long n);
/* Blocks allocated through crvm and not yet freed. */
long test_alloc_outstanding(void);

/* A scenario for failure injection: performs one complete use of an API
 * (create, use, free) and returns the first failing status, or CRVM_OK. It
 * must free everything it allocated whether it fails or not. */
typedef crvm_status (*test_alloc_scenario)(void *ctx);
/* Run the scenario with allocation failure injected at the 1st, 2nd, ...
 * allocation until it completes without reaching the injected failure.
 * Asserts that every injected failure surfaces as CRVM_ENOMEM with a message,
 * that nothing leaks, and that the final run succeeds. Returns the number of
 * allocation sites exercised. */
long test_every_allocation_failure(test_alloc_scenario scenario, void *ctx);

/* |actual - expected| <= abs_tol + rel_tol * |expected|, with a readable
 * failure message. Each call site states why its tolerance is what it is. */
void assert_close_impl(double actual, double expected, double rel_tol, double abs_tol,
                       const char *file, int line);
#define assert_close(actual, expected, rel_tol, abs_tol) \
    assert_close_impl((actual), (expected), (rel_tol), (abs_tol), __FILE__, __LINE__)

/* Assert a call fails with the given status and leaves a non-empty message. */
#define assert_status(call, status)                              \
    do {                                                         \
        crvm_clear_error();                                      \
        crvm_status st__ = (call);                               \
        assert_int_equal(st__, (status));                        \
        if ((status) != CRVM_OK)                                 \
            assert_true(crvm_last_error()[0] != '\0');           \
    } while (0)

/* Deterministic uniform(0,1) stream for simulations in tests (splitmix64). */
typedef struct test_rng { uint64_t state; } test_rng;
double test_rng_uniform(test_rng *rng);
/* Standard normal (Box-Muller), Gamma(shape, 1) (Marsaglia & Tsang 2000,
 * with the shape < 1 boost) and Beta(a, b) draws from the same stream. */
double test_rng_normal(test_rng *rng);
double test_rng_gamma(test_rng *rng, double shape);
double test_rng_beta(test_rng *rng, double a, double b);

/* Rossi recidivism data (432 rows): week, arrest and the covariates
 * fin age race wexp mar paro prio (row-major, 7 per row), read from
 * $CRVM_DATA_DIR/rossi.csv or the shared data directory. Fails the test if
 * the file cannot be read. */
#define TEST_ROSSI_ROWS 432
#define TEST_ROSSI_COLS 7
void test_load_rossi(double *week, int32_t *arrest, double *x);

/* Whether the test runs under valgrind (valgrind.h's RUNNING_ON_VALGRIND where
 * the header is installed, else valgrind's preload library in LD_PRELOAD).
 * Statistical and accuracy tests then run fewer and smaller cases: memory
 * checking needs the code paths, not the statistics, and valgrind runs
 * 20-50 times slower; the plain and sanitizer runs check every case. */
int test_under_valgrind(void);

/* The date y-m-d (fails the test if it is not a valid date). */
crvm_date test_date(int y, int m, int d);

/* A small hand-checked ledger shared by the ledger and economics tests:
 * customers A, B (smb) and C (ent), eight revenue events, five contacts
 * K1..K5, articles KB1 and KB2, one contact-article link and four knowledge
 * uses. The expected figures are worked out in the tests that use it. */
crvm_ledger *test_small_ledger(void);

#endif
