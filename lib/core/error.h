/* Private: recording the thread-local error message. */
#ifndef CRVM_CORE_ERROR_H
#define CRVM_CORE_ERROR_H

#include "crvm/common.h"

#if defined(__GNUC__)
#  define CRVM__PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#  define CRVM__PRINTF(fmt, args)
#endif

/* Record a printf-style message for this thread and return status, so a
 * failure reads: return crvm__fail(CRVM_EINVAL, "row %zu: ...", row); */
crvm_status crvm__fail(crvm_status status, const char *fmt, ...) CRVM__PRINTF(2, 3);

/* Report an allocation failure while doing what. */
crvm_status crvm__nomem(const char *what);

#endif
