/* Contact attributes: named string attributes of contacts (agent, queue,
 * ...), each a column of interned value indices (see ledger_internal.h). */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "ledger/append.h"
#include "ledger/ledger_internal.h"
#include "ledger/rejections.h"

/* The contact columns of contacts.csv: an attribute of that name would make
 * "group contacts by <name>" ambiguous. */
static const char *const reserved[] = {"contact_id", "customer_id", "opened",       "closed",
                                       "channel",    "handle_minutes", "tier",      "escalated",
                                       "outcome",    "satisfaction",   "articles"};

static int ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

static int same_ignoring_case(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* ------------------------------------------------------------- storage */

static void attribute_free(crvm__attribute *a)
{
    crvm__intern_free(&a->values);
    crvm__free(a->value);
    memset(a, 0, sizeof *a);
}

void crvm__attributes_free(crvm__attributes *a)
{
    for (size_t i = 0; i < a->names.count; i++)
        attribute_free(&a->attr[i]);
    crvm__intern_free(&a->names);
    crvm__free(a->attr);
    crvm__free(a->journal);
    memset(a, 0, sizeof *a);
}

crvm_status crvm__attributes_shrink(crvm__attributes *a)
{
    for (size_t i = 0; i < a->names.count; i++) {
        crvm__attribute *x = &a->attr[i];
        if (x->len < x->cap && x->len) {
            uint32_t *p = crvm__realloc_array(x->value, x->len, sizeof *p);
            if (!p)
                return crvm__nomem("contact attribute column");
            x->value = p;
            x->cap = x->len;
        }
        crvm_status st = crvm__intern_shrink(&x->values);
        if (st)
            return st;
    }
    if (a->journal_len < a->journal_cap) {
        if (a->journal_len == 0) {
            crvm__free(a->journal);
            a->journal = NULL;
        } else {
            crvm__attribute_undo *j = crvm__realloc_array(a->journal, a->journal_len, sizeof *j);
            if (!j)
                return crvm__nomem("contact attribute undo records");
            a->journal = j;
        }
        a->journal_cap = a->journal_len;
    }
    if (a->names.count < a->cap) {
        if (a->names.count == 0) {
            crvm__free(a->attr);
            a->attr = NULL;
        } else {
            crvm__attribute *p = crvm__realloc_array(a->attr, a->names.count, sizeof *p);
            if (!p)
                return crvm__nomem("contact attributes");
            a->attr = p;
        }
        a->cap = a->names.count;
    }
    return crvm__intern_shrink(&a->names);
}

void crvm__attributes_bytes(const crvm__attributes *a, size_t *used, size_t *allocated)
{
    size_t u = crvm__intern_bytes_used(&a->names) + a->names.count * sizeof(crvm__attribute) +
               a->journal_len * sizeof(crvm__attribute_undo);
    size_t al = crvm__intern_bytes_allocated(&a->names) + a->cap * sizeof(crvm__attribute) +
                a->journal_cap * sizeof(crvm__attribute_undo);
    for (size_t i = 0; i < a->names.count; i++) {
        const crvm__attribute *x = &a->attr[i];
        u += crvm__intern_bytes_used(&x->values) + x->len * sizeof(uint32_t);
        al += crvm__intern_bytes_allocated(&x->values) + x->cap * sizeof(uint32_t);
    }
    *used = u;
    *allocated = al;
}

/* --------------------------------------------------------- marks, undo */

void crvm__attributes_mark(crvm__attributes *a, size_t contacts, size_t *count, size_t *journal)
{
    *count = a->names.count;
    *journal = a->journal_len;
    a->watermark = contacts;
    a->journaling = 1;
}

void crvm__attributes_forget(crvm__attributes *a)
{
    a->journal_len = 0;
    a->watermark = 0;
    a->journaling = 0;
}

/* Undo one record (the most recent one still in the journal). */
static void undo(crvm__attributes *a, crvm__attribute_undo u)
{
    crvm__attribute *x = &a->attr[u.attribute];
    if (u.contact == CRVM__NOT_FOUND)
        crvm__intern_truncate(&x->values, x->values.count - 1);
    else
        x->value[u.contact] = CRVM__NOT_FOUND;
}

void crvm__attributes_rollback(crvm__attributes *a, size_t count, size_t journal, size_t contacts)
{
    while (a->journal_len > journal) {
        crvm__attribute_undo u = a->journal[--a->journal_len];
        if (u.attribute < count) /* newer attributes go as a whole below */
            undo(a, u);
    }
    for (size_t i = count; i < a->names.count; i++)
        attribute_free(&a->attr[i]);
    if (a->names.count > count)
        crvm__intern_truncate(&a->names, count);
    for (size_t i = 0; i < a->names.count; i++) {
        crvm__attribute *x = &a->attr[i];
        if (x->len > contacts)
            x->len = contacts; /* values of the contacts removed with them */
        while (x->len > 0 && x->value[x->len - 1] == CRVM__NOT_FOUND)
            x->len--; /* keep len = 1 + the last contact with a value */
    }
}

/* ------------------------------------------------------------- appends */

static crvm_status check_name(const char *fn, const char *name)
{
    if (!name)
        return crvm__fail(CRVM_EINVAL, "%s: name is NULL", fn);
    if (!*name)
        return crvm__fail(CRVM_EINVAL, "%s: name is empty", fn);
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (same_ignoring_case(name, reserved[i]))
            return crvm__fail(CRVM_EINVAL,
                              "%s: name \"%.*s\": a contact column, not available as an attribute "
                              "name", fn, QID(name));
    return CRVM_OK;
}

/* Room for `need` elements of `size` bytes in the array p of *cap elements
 * (at least doubling): *out receives the array (p or its new block); 0 if
 * allocation failed (p and *cap unchanged). */
static int grow(void *p, size_t *cap, size_t need, size_t size, void **out)
{
    *out = p;
    if (need <= *cap)
        return 1;
    size_t n = *cap * 2 > need ? *cap * 2 : need;
    void *q = crvm__realloc_array(p, n, size);
    if (!q)
        return 0;
    *out = q;
    *cap = n;
    return 1;
}

/* Index of attribute `name`, created (empty) if new; *created tells which. */
static crvm_status find_or_create(crvm__attributes *a, const char *name, uint32_t *index,
                                  int *created)
{
    size_t len = strlen(name);
    uint32_t h = crvm__hash_string(name, len);
    uint32_t k = crvm__intern_find(&a->names, name, len, h);
    *created = k == CRVM__NOT_FOUND;
    if (!*created) {
        *index = k;
        return CRVM_OK;
    }
    void *attr;
    if (!grow(a->attr, &a->cap, a->names.count + 1, sizeof *a->attr, &attr))
        return crvm__nomem("contact attributes");
    a->attr = attr;
    crvm_status st = crvm__intern_reserve(&a->names, 1, len);
    if (st)
        return st;
    k = crvm__intern_add(&a->names, name, len, h);
    memset(&a->attr[k], 0, sizeof a->attr[k]);
    *index = k;
    return CRVM_OK;
}

/* Remove the most recent attribute (created by a call that then failed). */
static void remove_last(crvm__attributes *a)
{
    attribute_free(&a->attr[a->names.count - 1]);
    crvm__intern_truncate(&a->names, a->names.count - 1);
}

/* Row i's contact index: given, or looked up by id (CRVM__NOT_FOUND if unknown). */
static uint32_t contact_of(const crvm_ledger *l, const char *const *ids, const uint32_t *indices,
                           size_t i)
{
    if (indices)
        return indices[i] < l->contact_ids.count ? indices[i] : CRVM__NOT_FOUND;
    return lookup(&l->contact_ids, ids[i]);
}

/* Make room so that the row loop cannot fail: the column covers every
 * contact, the value table the distinct new values of the call (found here
 * in a scratch table), the journal a record per new value and per row for a
 * contact below the watermark. found[i] receives the index of row i's value
 * if the table holds it already, else CRVM__NOT_FOUND. */
static crvm_status reserve(const crvm_ledger *l, crvm__attributes *a, crvm__attribute *x,
                           const char *const *ids, const uint32_t *indices,
                           const char *const *values, size_t n, uint32_t *found)
{
    crvm__intern fresh;
    memset(&fresh, 0, sizeof fresh);
    size_t old_contacts = 0;
    const int count_old = a->journaling && a->watermark > 0;
    crvm_status st = CRVM_OK;
    for (size_t i = 0; i < n && st == CRVM_OK; i++) {
        if (count_old) {
            uint32_t k = contact_of(l, ids, indices, i);
            old_contacts += k != CRVM__NOT_FOUND && k < a->watermark;
        }
        const char *v = values[i];
        found[i] = CRVM__NOT_FOUND;
        if (is_empty(v))
            continue;
        size_t len = strlen(v);
        uint32_t h = crvm__hash_string(v, len);
        found[i] = crvm__intern_find(&x->values, v, len, h);
        if (found[i] != CRVM__NOT_FOUND || crvm__intern_find(&fresh, v, len, h) != CRVM__NOT_FOUND)
            continue;
        if ((st = crvm__intern_reserve(&fresh, 1, len)) == CRVM_OK)
            crvm__intern_add(&fresh, v, len, h);
    }
    if (st == CRVM_OK)
        st = crvm__intern_reserve(&x->values, fresh.count, fresh.text_len - fresh.count);
    void *block;
    if (st == CRVM_OK && !grow(x->value, &x->cap, l->contact_ids.count, sizeof *x->value, &block))
        st = crvm__nomem("contact attribute column");
    else if (st == CRVM_OK)
        x->value = block;
    size_t records = a->journal_len + (a->journaling ? fresh.count : 0) + old_contacts;
    if (st == CRVM_OK && !grow(a->journal, &a->journal_cap, records, sizeof *a->journal, &block))
        st = crvm__nomem("contact attribute undo records");
    else if (st == CRVM_OK)
        a->journal = block;
    crvm__intern_free(&fresh);
    return st;
}

static void journal(crvm__attributes *a, uint32_t attribute, uint32_t contact)
{
    a->journal[a->journal_len++] = (crvm__attribute_undo){attribute, contact};
}

/* The bulk append, with the contacts given by id or by index (one of ids,
 * indices is NULL; the columns are checked). */
static crvm_status add_values(crvm_ledger *l, const char *name, const char *const *ids,
                              const uint32_t *indices, const char *const *values, size_t n,
                              crvm_rejections *rejections)
{
    crvm_status st;
    crvm__attributes *a = &l->attributes;
    uint32_t ai = 0;
    int created = 0;
    if ((st = find_or_create(a, name, &ai, &created)))
        return st;
    crvm__attribute *x = &a->attr[ai];
    /* The value index of each row that reserve() found in the table, so
     * that the rows need not look their values up again. */
    uint32_t *found = crvm__malloc((n ? n : 1) * sizeof *found);
    if (!found)
        st = crvm__nomem("contact attribute values");
    else
        st = reserve(l, a, x, ids, indices, values, n, found);
    if (st) {
        crvm__free(found);
        if (created)
            remove_last(a);
        return st;
    }
    size_t r0, rt0, v0 = x->values.count, j0 = a->journal_len, len0 = x->len;
    crvm__rejections_mark(rejections, &r0, &rt0);
    crvm__batch b = {CRVM_TABLE_CONTACT_ATTRIBUTES, rejections, 0};
    size_t i;
    crvm__id_group g_con = CRVM__ID_GROUP_INIT; /* only the prefetch: contact_of looks ids up itself */
    for (i = 0; i < n; i++) {
        if (ids)
            PREFETCH_IDS(&l->contact_ids, ids, g_con);
        const char *v = values[i];
        uint32_t k = contact_of(l, ids, indices, i);
        const char *cid = ids                    ? ids[i]
                          : k != CRVM__NOT_FOUND ? crvm__intern_str(&l->contact_ids, k)
                                                 : "(a contact index out of range)";
        if (k == CRVM__NOT_FOUND)
            REJECT_MISSING("contact_id", cid, "contact");
        if (is_empty(v))
            REJECT("value", CRVM_EINVAL, "is empty (leave the contact's row out for no value)");
        if (k < x->len && x->value[k] != CRVM__NOT_FOUND)
            REJECT("contact_id", CRVM_EINVAL, "\"%.*s\": already has a value of attribute \"%.*s\"",
                   QID(cid), QID(name));
        uint32_t vi = found[i];
        if (vi == CRVM__NOT_FOUND) { /* new to the table before this call */
            size_t len = strlen(v);
            uint32_t h = crvm__hash_string(v, len);
            vi = crvm__intern_find(&x->values, v, len, h);
            if (vi == CRVM__NOT_FOUND) {
                vi = crvm__intern_add(&x->values, v, len, h);
                if (a->journaling)
                    journal(a, ai, CRVM__NOT_FOUND);
            }
        }
        while (x->len <= k)
            x->value[x->len++] = CRVM__NOT_FOUND;
        x->value[k] = vi;
        if (a->journaling && k < a->watermark)
            journal(a, ai, k);
    next:;
    }
    l->modifications++;
    crvm__free(found);
    return CRVM_OK;
abort:
    crvm__free(found);
    /* Rows 0..i-1 not in the rejection list (all of them in strict mode; in
     * lenient mode the failure is ENOMEM recording row i) gave a value to a
     * contact that had none. */
    for (size_t r = 0, e = r0; r < i; r++) {
        crvm_rejection rj;
        if (e < crvm_rejections_count(rejections) && crvm_rejections_get(rejections, e, &rj) == CRVM_OK &&
            rj.row == r) {
            e++;
            continue;
        }
        x->value[contact_of(l, ids, indices, r)] = CRVM__NOT_FOUND;
    }
    crvm__intern_truncate(&x->values, v0);
    x->len = len0;
    a->journal_len = j0;
    if (created)
        remove_last(a);
    crvm__rejections_rollback(rejections, r0, rt0);
    return st;
}

crvm_status crvm_ledger_add_contact_attributes(crvm_ledger *l, const char *name,
                                               const char *const *contact_ids,
                                               size_t contact_ids_len, const char *const *values,
                                               size_t values_len, crvm_rejections *rejections)
{
    static const char fn[] = "crvm_ledger_add_contact_attributes";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    crvm_status st = check_name(fn, name);
    if (st)
        return st;
    size_t n = contact_ids_len;
    CHECK_COL(contact_ids, 0);
    CHECK_COL(values, 0);
    return add_values(l, name, contact_ids, NULL, values, n, rejections);
}

crvm_status crvm__ledger_add_attribute_values(crvm_ledger *l, const char *name,
                                              const uint32_t *contacts, const char *const *values,
                                              size_t n, crvm_rejections *rejections)
{
    static const char fn[] = "crvm_ledger_add_contact_attributes";
    crvm_status st = check_name(fn, name);
    return st ? st : add_values(l, name, NULL, contacts, values, n, rejections);
}

crvm_status crvm_ledger_add_contact_attribute(crvm_ledger *l, const char *name,
                                              const char *contact_id, const char *value)
{
    return crvm_ledger_add_contact_attributes(l, name, &contact_id, 1, &value, 1, NULL);
}

/* ---------------------------------------------------------- inspection */

static const crvm__attribute *attribute_at(const crvm_ledger *l, size_t attribute)
{
    return l && attribute < l->attributes.names.count ? &l->attributes.attr[attribute] : NULL;
}

size_t crvm_ledger_attribute_count(const crvm_ledger *l)
{
    return l ? l->attributes.names.count : 0;
}

const char *crvm_ledger_attribute_name(const crvm_ledger *l, size_t attribute)
{
    return attribute_at(l, attribute) ? crvm__intern_str(&l->attributes.names, attribute) : NULL;
}

crvm_status crvm_ledger_find_attribute(const crvm_ledger *l, const char *name, size_t *attribute)
{
    if (!l || !name || !attribute)
        return crvm__fail(CRVM_EINVAL, "crvm_ledger_find_attribute: ledger, name and attribute are required");
    uint32_t k = lookup(&l->attributes.names, name);
    if (k == CRVM__NOT_FOUND)
        return crvm__fail(CRVM_ENOTFOUND, "contact attribute \"%.*s\": not in the ledger", QID(name));
    *attribute = k;
    return CRVM_OK;
}

size_t crvm_ledger_attribute_value_count(const crvm_ledger *l, size_t attribute)
{
    const crvm__attribute *x = attribute_at(l, attribute);
    return x ? x->values.count : 0;
}

const char *crvm_ledger_attribute_value(const crvm_ledger *l, size_t attribute, size_t value)
{
    const crvm__attribute *x = attribute_at(l, attribute);
    return x && value < x->values.count ? crvm__intern_str(&x->values, value) : NULL;
}

crvm_status crvm_ledger_find_attribute_value(const crvm_ledger *l, size_t attribute,
                                             const char *text, size_t *value)
{
    static const char fn[] = "crvm_ledger_find_attribute_value";
    const crvm__attribute *x = attribute_at(l, attribute);
    if (!l || !text || !value)
        return crvm__fail(CRVM_EINVAL, "%s: ledger, text and value are required", fn);
    if (!x)
        return crvm__fail(CRVM_EINVAL, "%s: attribute = %zu: out of range (%zu attributes)", fn,
                          attribute, l->attributes.names.count);
    uint32_t k = lookup(&x->values, text);
    if (k == CRVM__NOT_FOUND)
        return crvm__fail(CRVM_ENOTFOUND, "attribute \"%s\": no contact has the value \"%.*s\"",
                          crvm__intern_str(&l->attributes.names, attribute), QID(text));
    *value = k;
    return CRVM_OK;
}

crvm_status crvm_ledger_contact_attribute(const crvm_ledger *l, size_t attribute, int32_t *value,
                                          size_t value_len)
{
    static const char fn[] = "crvm_ledger_contact_attribute";
    const crvm__attribute *x = attribute_at(l, attribute);
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    if (!x)
        return crvm__fail(CRVM_EINVAL, "%s: attribute = %zu: out of range (%zu attributes)", fn,
                          attribute, l->attributes.names.count);
    if (x->values.count > INT32_MAX)
        return crvm__fail(CRVM_EINVAL, "%s: %zu values exceed the int32 value column", fn,
                          x->values.count);
    size_t n = l->contact_ids.count;
    CHECK_COL(value, 0);
    for (size_t k = 0; k < n; k++)
        value[k] = k < x->len && x->value[k] != CRVM__NOT_FOUND ? (int32_t)x->value[k] : -1;
    return CRVM_OK;
}
