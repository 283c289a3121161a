/* The attribute columns of contacts.csv (see attribute_columns.h). */
#include "io/attribute_columns.h"

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "io/parse.h"

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

crvm_status crvm__attr_columns_add(crvm__attr_columns *c, const char *file, size_t field,
                                   const char *name, size_t len)
{
    char shown[64];
    crvm__io_clip(name, len, shown);
    if (len == 0)
        return crvm__fail(CRVM_EPARSE, "%s: header: field %zu has no column name", file, field + 1);
    if (is_space(name[0]) || is_space(name[len - 1]))
        return crvm__fail(CRVM_EPARSE,
                          "%s: header: column '%s' (field %zu): spaces around a column name are "
                          "not allowed", file, shown, field + 1);
    for (size_t a = 0; a < c->n; a++)
        if (crvm__io_name_eq(name, len, c->name[a]))
            return crvm__fail(CRVM_EPARSE, "%s: header: column '%s' appears twice (fields %zu and %zu)",
                              file, shown, c->field[a] + 1, field + 1);
    size_t *f = crvm__realloc_array(c->field, c->n + 1, sizeof *f);
    if (!f)
        return crvm__nomem("contact attribute columns");
    c->field = f;
    char **names = crvm__realloc_array(c->name, c->n + 1, sizeof *names);
    if (!names)
        return crvm__nomem("contact attribute columns");
    c->name = names;
    char *copy = crvm__malloc(len + 1);
    if (!copy)
        return crvm__nomem("contact attribute columns");
    memcpy(copy, name, len);
    copy[len] = '\0';
    c->field[c->n] = field;
    c->name[c->n] = copy;
    c->n++;
    return CRVM_OK;
}

const char *crvm__attr_columns_of_field(const crvm__attr_columns *c, size_t f)
{
    for (size_t a = 0; a < c->n; a++)
        if (c->field[a] == f)
            return c->name[a];
    return NULL;
}

crvm_status crvm__attr_columns_alloc(crvm__attr_columns *c, size_t rows)
{
    if (c->n == 0)
        return CRVM_OK;
    c->rows = rows;
    c->off = crvm__calloc(rows, c->n * sizeof *c->off);
    c->row_contact = crvm__calloc(rows, sizeof *c->row_contact);
    c->contacts = crvm__calloc(rows, sizeof *c->contacts);
    c->values = crvm__calloc(rows, sizeof *c->values);
    c->src = crvm__calloc(rows, sizeof *c->src);
    c->text_cap = 16 * rows;
    c->text = crvm__malloc(c->text_cap);
    if (!c->off || !c->row_contact || !c->contacts || !c->values || !c->src || !c->text)
        return crvm__nomem("staging contact attributes");
    return CRVM_OK;
}

crvm_status crvm__attr_columns_stage(crvm__attr_columns *c, crvm__csv_record rec, size_t slot)
{
    for (size_t a = 0; a < c->n; a++) {
        size_t len;
        const char *s = crvm__csv_record_field(rec, c->field[a], &len);
        size_t *off = &c->off[slot * c->n + a];
        if (len == 0) {
            *off = SIZE_MAX;
            continue;
        }
        if (c->text_len + len + 1 > c->text_cap) {
            size_t cap = c->text_cap;
            while (cap < c->text_len + len + 1)
                cap *= 2;
            char *p = crvm__realloc_array(c->text, cap, 1);
            if (!p)
                return crvm__nomem("staging contact attributes");
            c->text = p;
            c->text_cap = cap;
        }
        memcpy(c->text + c->text_len, s, len);
        c->text[c->text_len + len] = '\0';
        *off = c->text_len;
        c->text_len += len + 1;
    }
    return CRVM_OK;
}

void crvm__attr_columns_number(crvm__attr_columns *c, uint32_t first, const unsigned char *rejected,
                               size_t n)
{
    for (size_t i = 0; i < n; i++)
        c->row_contact[i] = rejected[i] ? UINT32_MAX : first++;
}

size_t crvm__attr_columns_pairs(crvm__attr_columns *c, size_t a, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t off = c->off[i * c->n + a];
        if (c->row_contact[i] == UINT32_MAX || off == SIZE_MAX)
            continue;
        c->contacts[k] = c->row_contact[i];
        c->values[k] = c->text + off;
        c->src[k] = i;
        k++;
    }
    return k;
}

void crvm__attr_columns_clear(crvm__attr_columns *c) { c->text_len = 0; }

void crvm__attr_columns_free(crvm__attr_columns *c)
{
    for (size_t a = 0; a < c->n; a++)
        crvm__free(c->name[a]);
    crvm__free(c->name);
    crvm__free(c->field);
    crvm__free(c->off);
    crvm__free(c->row_contact);
    crvm__free(c->contacts);
    crvm__free((void *)c->values);
    crvm__free(c->src);
    crvm__free(c->text);
    memset(c, 0, sizeof *c);
}
