/**
 * @file crvm/common.h
 * @brief Status codes, error messages, version and allocator: the parts of the
 *        crvm API that every other header builds on.
 *
 * Conventions (see docs/conventions.md):
 * - Every fallible call returns a ::crvm_status; ::CRVM_OK (0) is success.
 *   Results go to out-parameters, which a failing call leaves untouched.
 * - On failure the call also records a message for the calling thread,
 *   readable with crvm_last_error() until the next failing call on that thread.
 * - Arrays are passed as a pointer followed by its element count. The library
 *   never keeps pointers to caller memory after a call returns.
 */
#ifndef CRVM_COMMON_H
#define CRVM_COMMON_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Major version: changes when the API or ABI breaks. */
#define CRVM_VERSION_MAJOR 0
/** Minor version: changes when functionality is added compatibly. */
#define CRVM_VERSION_MINOR 1
/** Patch version: changes for compatible bug fixes. */
#define CRVM_VERSION_PATCH 0
/** The version as one comparable number, e.g. 10203 for 1.2.3. */
#define CRVM_VERSION_NUMBER \
    (CRVM_VERSION_MAJOR * 10000 + CRVM_VERSION_MINOR * 100 + CRVM_VERSION_PATCH)

/* Only declarations marked CRVM_API are exported from the shared library. */
#if defined(_WIN32)
#  if defined(CRVM_BUILDING_SHARED)
#    define CRVM_API __declspec(dllexport)
#  else
#    define CRVM_API
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define CRVM_API __attribute__((visibility("default")))
#else
#  define CRVM_API
#endif

/** Result of every fallible crvm call. */
typedef enum crvm_status {
    CRVM_OK = 0,        /**< success */
    CRVM_EINVAL = 1,    /**< an argument is invalid (NULL, wrong length, bad value) */
    CRVM_ENOMEM = 2,    /**< an allocation failed */
    CRVM_EDOMAIN = 3,   /**< data or parameters outside the model's domain */
    CRVM_ECONVERGE = 4, /**< an iterative fit or series did not converge */
    CRVM_EIO = 5,       /**< a file could not be opened, read or written */
    CRVM_EPARSE = 6,    /**< input text is malformed */
    CRVM_ENOTFOUND = 7, /**< a referenced id or item does not exist */
    CRVM_ESTATE = 8     /**< the object is not in a state that allows the call */
} crvm_status;

/** Number of distinct ::crvm_status values (for tables indexed by status). */
#define CRVM_STATUS_COUNT 9

/**
 * Short constant description of a status, e.g. "invalid argument".
 * Never NULL; unknown values give "unknown status".
 */
CRVM_API const char *crvm_status_str(crvm_status status);

/**
 * Message describing the last failure on the calling thread: the cause, and
 * where it applies the row, column or parameter involved. An empty string
 * (never NULL) if no call on this thread has failed yet. The pointer stays
 * valid until the next crvm call on the same thread.
 */
CRVM_API const char *crvm_last_error(void);

/** Forget the calling thread's last error message (crvm_last_error() becomes ""). */
CRVM_API void crvm_clear_error(void);

/** Version of the linked library as "MAJOR.MINOR.PATCH"; static storage. */
CRVM_API const char *crvm_version(void);

/**
 * Memory allocator used by every allocation in the library.
 * All three functions are required; @c ctx is passed back unchanged.
 * @c realloc must behave like C realloc (NULL pointer allocates; on failure
 * returns NULL and leaves the block intact).
 */
typedef struct crvm_allocator {
    void *(*malloc_fn)(size_t size, void *ctx);
    void *(*realloc_fn)(void *ptr, size_t size, void *ctx);
    void (*free_fn)(void *ptr, void *ctx);
    void *ctx;
} crvm_allocator;

/**
 * Replace the library's allocator (NULL restores the C library's).
 * Call once, before any other crvm call and while no other thread uses the
 * library: memory allocated with one allocator must be freed with it.
 * @return ::CRVM_OK, or ::CRVM_EINVAL if a function pointer is NULL.
 */
CRVM_API crvm_status crvm_set_allocator(const crvm_allocator *allocator);

/**
 * Summary of a maximum-likelihood fit, reported by every model whether or not
 * it converged.
 */
typedef struct crvm_fit_report {
    double log_likelihood; /**< maximised log-likelihood (weighted) */
    double aic;            /**< Akaike information criterion, 2k - 2 LL */
    double bic;            /**< Bayesian information criterion, k ln(n) - 2 LL */
    double gradient_norm;  /**< max-norm of the gradient at the optimum (unconstrained scale) */
    double n_observations; /**< number of (weighted) observations used for BIC */
    int iterations;        /**< optimiser iterations */
    int converged;         /**< 1 if the convergence test passed, else 0 */
    int n_parameters;      /**< number of free parameters k */
} crvm_fit_report;

#ifdef __cplusplus
}
#endif

#endif /* CRVM_COMMON_H */
