/* Groupings of the ledger's contacts for crvm_value_impact_by(), and their
 * labels (crvm/value.h). */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/parallel.h"
#include "ledger/ledger_internal.h"
#include "value/calendar.h"
#include "value/value_internal.h"

/* Month (or quarter) number of a date: y * 12 + m - 1 (y * 4 + (m - 1) / 3). */
static long time_index(crvm_date d, int quarter)
{
    crvm__ymd t = crvm__ymd_of(d);
    return quarter ? (long)t.y * 4 + (t.m - 1) / 3 : (long)t.y * 12 + t.m - 1;
}

/* First time index over the contacts opened by as_of, and the number of
 * indices up to the last one (0 without contacts). */
static size_t time_range(const crvm_value *v, int quarter, long *first)
{
    const crvm_ledger *l = v->ledger;
    long lo = 0, hi = -1;
    for (size_t k = 0; k < l->contact_ids.count; k++) {
        if (l->con_opened[k] > v->as_of)
            continue;
        long t = time_index(l->con_opened[k], quarter);
        if (hi < lo) {
            lo = hi = t;
        } else {
            lo = t < lo ? t : lo;
            hi = t > hi ? t : hi;
        }
    }
    *first = lo;
    return hi < lo ? 0 : (size_t)(hi - lo + 1);
}

/* Groups of a field (an attribute's: its values), and the first month or
 * quarter of the time fields. */
static size_t group_count(const crvm_value *v, crvm_contact_field field, size_t attr, long *first)
{
    *first = 0;
    switch (field) {
    case CRVM_FIELD_OUTCOME: return CRVM_OUTCOME_COUNT;
    case CRVM_FIELD_CHANNEL: return CRVM_CHANNEL_COUNT;
    case CRVM_FIELD_TIER: return CRVM_TIER_COUNT;
    case CRVM_FIELD_ESCALATED: return 2;
    case CRVM_FIELD_MONTH: return time_range(v, 0, first);
    case CRVM_FIELD_QUARTER: return time_range(v, 1, first);
    case CRVM_FIELD_SEGMENT: return v->segments;
    default: return crvm__value_attribute_values(v, attr);
    }
}

static crvm_status check_field(const crvm_value *v, crvm_contact_field field, const char *attribute,
                               const char *fn, size_t *attr_index)
{
    if ((unsigned)field > CRVM_FIELD_ATTRIBUTE)
        return crvm__fail(CRVM_EINVAL, "%s: field = %d: not a crvm_contact_field", fn, (int)field);
    if (field != CRVM_FIELD_ATTRIBUTE)
        return CRVM_OK;
    if (!attribute)
        return crvm__fail(CRVM_EINVAL, "%s: CRVM_FIELD_ATTRIBUTE needs the attribute's name", fn);
    return crvm__value_find_attribute(v, attribute, fn, attr_index);
}

/* Each contact's group of a field that is not an attribute, on the
 * threads: each contact writes its own entry. */
typedef struct fill_ctx {
    const crvm_value *v;
    crvm_contact_field field;
    long first;
    int32_t *group;
} fill_ctx;

static void fill_range(void *ctx, size_t begin, size_t end)
{
    const fill_ctx *c = ctx;
    const crvm_ledger *l = c->v->ledger;
    const crvm_date as_of = c->v->as_of;
    for (size_t k = begin; k < end; k++) {
        int32_t g = -1;
        if (l->con_opened[k] <= as_of) {
            switch (c->field) {
            case CRVM_FIELD_OUTCOME: g = l->con_outcome[k]; break;
            case CRVM_FIELD_CHANNEL: g = l->con_channel[k]; break;
            case CRVM_FIELD_TIER: g = l->con_tier[k] - 1; break;
            case CRVM_FIELD_ESCALATED: g = l->con_escalated[k] != 0; break;
            case CRVM_FIELD_MONTH: g = (int32_t)(time_index(l->con_opened[k], 0) - c->first); break;
            case CRVM_FIELD_QUARTER: g = (int32_t)(time_index(l->con_opened[k], 1) - c->first); break;
            default: g = (int32_t)l->cust_segment[l->con_customer[k]]; break;
            }
        }
        c->group[k] = g;
    }
}

crvm_status crvm_value_contact_groups(const crvm_value *v, crvm_contact_field field,
                                      const char *attribute, int32_t *group, size_t group_len,
                                      size_t *groups)
{
    static const char fn[] = "crvm_value_contact_groups";
    size_t attr = 0;
    crvm_status st = crvm__value_usable(v, fn);
    if (st || (st = check_field(v, field, attribute, fn, &attr)))
        return st;
    const crvm_ledger *l = v->ledger;
    const size_t nk = l->contact_ids.count;
    if (!groups || group_len != nk || (nk && !group))
        return crvm__fail(CRVM_EINVAL, "%s: group_len = %zu, expected %zu (one per ledger contact), "
                          "and groups is required", fn, group_len, nk);
    if (field == CRVM_FIELD_ATTRIBUTE)
        return crvm__value_attribute_groups(v, attr, group, groups);
    long first;
    size_t count = group_count(v, field, attr, &first);
    fill_ctx c = {v, field, first, group};
    crvm__parallel_for(nk, v->opt.threads, fill_range, &c);
    *groups = count;
    return CRVM_OK;
}

crvm_status crvm_value_group_label(const crvm_value *v, crvm_contact_field field,
                                   const char *attribute, size_t g, char *buf, size_t buf_len)
{
    static const char fn[] = "crvm_value_group_label";
    size_t attr = 0;
    crvm_status st = crvm__value_usable(v, fn);
    if (st || (st = check_field(v, field, attribute, fn, &attr)))
        return st;
    if (!buf)
        return crvm__fail(CRVM_EINVAL, "%s: buf is NULL", fn);
    long first;
    size_t count = group_count(v, field, attr, &first);
    if (g >= count)
        return crvm__fail(CRVM_EINVAL, "%s: group %zu out of range (the grouping has %zu)", fn, g, count);
    char text[64];
    const char *label = text;
    long t = first + (long)g;
    switch (field) {
    case CRVM_FIELD_OUTCOME: label = crvm_outcome_name((int)g); break;
    case CRVM_FIELD_CHANNEL: label = crvm_channel_name((int)g); break;
    case CRVM_FIELD_TIER: snprintf(text, sizeof text, "%zu", g + 1); break;
    case CRVM_FIELD_ESCALATED: label = g ? "yes" : "no"; break;
    case CRVM_FIELD_MONTH: snprintf(text, sizeof text, "%04ld-%02ld", t / 12, t % 12 + 1); break;
    case CRVM_FIELD_QUARTER: snprintf(text, sizeof text, "%04ld-Q%ld", t / 4, t % 4 + 1); break;
    case CRVM_FIELD_SEGMENT: label = crvm_ledger_id(v->ledger, CRVM_SEGMENTS, g); break;
    default: label = crvm__value_attribute_value(v, attr, g); break;
    }
    size_t need = strlen(label) + 1;
    if (buf_len < need)
        return crvm__fail(CRVM_EINVAL, "%s: buf_len = %zu: the label needs %zu bytes", fn, buf_len, need);
    memcpy(buf, label, need);
    return CRVM_OK;
}
