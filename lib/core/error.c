#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Fixed-size thread-local buffer: reporting an error must never allocate,
 * since allocation failure is one of the errors reported. */
#define CRVM__ERROR_CAPACITY 512
static _Thread_local char last_error[CRVM__ERROR_CAPACITY];

static const char *const status_text[CRVM_STATUS_COUNT] = {
    "success",
    "invalid argument",
    "out of memory",
    "outside the model's domain",
    "did not converge",
    "input/output error",
    "parse error",
    "not found",
    "invalid state",
};

const char *crvm_status_str(crvm_status status)
{
    if ((int)status < 0 || (int)status >= CRVM_STATUS_COUNT)
        return "unknown status";
    return status_text[status];
}

const char *crvm_last_error(void) { return last_error; }

void crvm_clear_error(void) { last_error[0] = '\0'; }

crvm_status crvm__fail(crvm_status status, const char *fmt, ...)
{
    /* Format into a local copy first: an argument may be crvm_last_error()
     * itself (a message that wraps the previous one), and formatting into
     * the buffer being read is an overlapping copy. */
    char message[CRVM__ERROR_CAPACITY];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    memcpy(last_error, message, sizeof message);
    return status;
}

crvm_status crvm__nomem(const char *what)
{
    return crvm__fail(CRVM_ENOMEM, "out of memory while %s", what);
}
