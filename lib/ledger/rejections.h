/* Private: recording rejected rows during a bulk append. */
#ifndef CRVM_LEDGER_REJECTIONS_H
#define CRVM_LEDGER_REJECTIONS_H

#include "core/error.h"
#include "crvm/ledger.h"

typedef struct crvm__batch {
    crvm_table table;
    crvm_rejections *rejections; /* NULL = strict */
    size_t rejected;
} crvm__batch;

/* Report row `row` invalid. Strict mode: records the thread error and returns
 * status (abort the call). Lenient mode: appends to the list and returns
 * CRVM_OK (skip the row), or CRVM_ENOMEM (abort). The message reads
 * "<table>[<row>].<field> " followed by the formatted text. */
crvm_status crvm__reject(crvm__batch *b, size_t row, const char *field, crvm_status status,
                         const char *fmt, ...) CRVM__PRINTF(5, 6);
crvm_status crvm__rejections_add(crvm_rejections *r, crvm_table table, size_t row,
                                 const char *field, crvm_status status, const char *reason);
void crvm__rejections_mark(const crvm_rejections *r, size_t *n, size_t *text_len);
void crvm__rejections_rollback(crvm_rejections *r, size_t n, size_t text_len);

#endif
