/* Private: the attribute columns of contacts.csv. Every header name that is
 * not one of the file's known columns names a contact attribute (agent,
 * queue, ...); its fields are staged per batch beside the loader's own
 * columns and handed to crvm_ledger_add_contact_attributes() once the
 * batch's contacts are in the ledger. An empty field is no value. */
#ifndef CRVM_IO_ATTRIBUTE_COLUMNS_H
#define CRVM_IO_ATTRIBUTE_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/common.h"
#include "io/csv.h"

typedef struct crvm__attr_columns {
    size_t n;          /* attribute columns */
    size_t *field;     /* CSV field of each */
    char **name;       /* owned copies of the header names */
    size_t rows;       /* batch capacity */
    size_t *off;       /* rows x n staged values: offset into text, SIZE_MAX = empty */
    char *text;
    size_t text_len, text_cap;
    uint32_t *row_contact;    /* the ledger index of each batch row's contact, UINT32_MAX if rejected */
    uint32_t *contacts;       /* scratch of crvm__attr_columns_pairs, rows each */
    const char **values;
    size_t *src;
} crvm__attr_columns;

/* Add the header field `field` named name[0..len) as an attribute column.
 * CRVM_EPARSE (message "<file>: header: ...") for a stray name (empty, or
 * with surrounding spaces) or one already taken by another attribute column
 * (ASCII case-insensitively, as header names are matched); CRVM_ENOMEM. */
crvm_status crvm__attr_columns_add(crvm__attr_columns *c, const char *file, size_t field,
                                   const char *name, size_t len);
/* The attribute name of CSV field f, or NULL if f is not an attribute column. */
const char *crvm__attr_columns_of_field(const crvm__attr_columns *c, size_t f);
/* Room for a batch of `rows` rows. */
crvm_status crvm__attr_columns_alloc(crvm__attr_columns *c, size_t rows);
/* Stage the attribute fields of a record (the reader's current one) as batch row `slot`. */
crvm_status crvm__attr_columns_stage(crvm__attr_columns *c, crvm__csv_record rec, size_t slot);
/* Number the batch's contacts: the rows 0..n-1 the ledger accepted got the
 * indices first, first + 1, ... in row order; rejected rows get none. */
void crvm__attr_columns_number(crvm__attr_columns *c, uint32_t first, const unsigned char *rejected,
                               size_t n);
/* The (contact index, value) pairs of attribute a over the numbered rows
 * 0..n-1 with a contact and a value: c->contacts, c->values and c->src
 * (batch row) hold them; returns how many. */
size_t crvm__attr_columns_pairs(crvm__attr_columns *c, size_t a, size_t n);
/* Forget the staged rows (a new batch). */
void crvm__attr_columns_clear(crvm__attr_columns *c);
void crvm__attr_columns_free(crvm__attr_columns *c);

#endif
