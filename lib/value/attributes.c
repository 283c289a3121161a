/* Contact attributes as groupings of the value layer (value_internal.h). */
#include "core/error.h"
#include "ledger/ledger_internal.h"
#include "value/value_internal.h"

crvm_status crvm__value_find_attribute(const crvm_value *v, const char *name, const char *fn,
                                       size_t *index)
{
    if (crvm_ledger_find_attribute(v->ledger, name, index) != CRVM_OK)
        return crvm__fail(CRVM_ENOTFOUND, "%s: the ledger's contacts have no attribute \"%.80s\"", fn,
                          name);
    return CRVM_OK;
}

size_t crvm__value_attribute_values(const crvm_value *v, size_t a)
{
    return crvm_ledger_attribute_value_count(v->ledger, a);
}

const char *crvm__value_attribute_value(const crvm_value *v, size_t a, size_t g)
{
    return crvm_ledger_attribute_value(v->ledger, a, g);
}

crvm_status crvm__value_attribute_groups(const crvm_value *v, size_t a, int32_t *group,
                                         size_t *groups)
{
    const crvm_ledger *l = v->ledger;
    const size_t nk = l->contact_ids.count;
    crvm_status st = crvm_ledger_contact_attribute(l, a, group, nk);
    if (st)
        return st;
    for (size_t k = 0; k < nk; k++)
        if (l->con_opened[k] > v->as_of)
            group[k] = -1;
    *groups = crvm_ledger_attribute_value_count(l, a);
    return CRVM_OK;
}
