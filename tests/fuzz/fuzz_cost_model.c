/* libFuzzer target for the cost-model text format (crvm_cost_model_parse):
 * any text either gives a model that validates, or fails with CRVM_EPARSE,
 * CRVM_ENOTFOUND or CRVM_EINVAL and a message naming a line, leaving the
 * model as it was; parsing is deterministic. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crvm/crvm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    crvm_cost_model m, before, again;
    crvm_cost_model_init_defaults(&m);
    before = m;
    crvm_clear_error();
    crvm_status st = crvm_cost_model_parse((const char *)data, size, &m);
    if (st == CRVM_OK) {
        if (crvm_cost_model_validate(&m) != CRVM_OK)
            abort();
        again = before;
        if (crvm_cost_model_parse((const char *)data, size, &again) != CRVM_OK ||
            memcmp(&again, &m, sizeof m) != 0)
            abort();
    } else {
        if ((st != CRVM_EPARSE && st != CRVM_ENOTFOUND && st != CRVM_EINVAL) ||
            strncmp(crvm_last_error(), "line ", 5) != 0 || memcmp(&m, &before, sizeof m) != 0)
            abort();
    }
    return 0;
}
