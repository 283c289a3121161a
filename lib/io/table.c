/* crvm_read_numeric_csv / crvm_read_table_csv: named columns of numbers and
 * labels from any CSV file with a header row, through the same tokenizer and
 * number parser as the loaders. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/io.h"
#include "io/csv.h"
#include "io/labels.h"
#include "io/parse.h"
#include "io/table.h"

struct crvm_numeric_table {
    size_t rows, cols;
    double *values;         /* row-major, rows * cols; a label cell holds its code */
    crvm__labels **labels;  /* cols entries, NULL for a column of numbers */
};

static void free_labels(crvm__labels **labels, size_t k)
{
    for (size_t c = 0; labels != NULL && c < k; c++)
        crvm__labels_free(labels[c]);
    crvm__free(labels);
}

void crvm_numeric_table_free(crvm_numeric_table *table)
{
    if (table == NULL)
        return;
    crvm__free(table->values);
    free_labels(table->labels, table->cols);
    crvm__free(table);
}

void crvm_table_options_init(crvm_table_options *options)
{
    if (options != NULL)
        *options = (crvm_table_options)CRVM_TABLE_OPTIONS_INIT;
}

size_t crvm_numeric_table_label_count(const crvm_numeric_table *table, size_t column)
{
    if (table == NULL || column >= table->cols || table->labels[column] == NULL)
        return 0;
    return crvm__labels_count(table->labels[column]);
}

const char *crvm_numeric_table_label(const crvm_numeric_table *table, size_t column, size_t code)
{
    if (code >= crvm_numeric_table_label_count(table, column))
        return NULL;
    return crvm__labels_text(table->labels[column], code);
}

size_t crvm_numeric_table_rows(const crvm_numeric_table *table)
{
    return table ? table->rows : 0;
}

crvm_status crvm_numeric_table_column(const crvm_numeric_table *table, size_t column,
                                      double *out, size_t out_len)
{
    if (table == NULL || (out == NULL && out_len > 0))
        return crvm__fail(CRVM_EINVAL, "table and out must not be NULL");
    if (column >= table->cols)
        return crvm__fail(CRVM_EINVAL, "column %zu: the table has %zu", column, table->cols);
    if (out_len != table->rows)
        return crvm__fail(CRVM_EINVAL, "out has %zu values, the table %zu rows", out_len,
                          table->rows);
    for (size_t r = 0; r < table->rows; r++)
        out[r] = table->values[r * table->cols + column];
    return CRVM_OK;
}

static crvm_status check_names(const char *path, const char *const *columns, size_t k,
                               crvm_numeric_table **out)
{
    if (path == NULL || columns == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "path, columns and out must not be NULL");
    if (k == 0)
        return crvm__fail(CRVM_EINVAL, "no columns requested");
    for (size_t c = 0; c < k; c++) {
        if (columns[c] == NULL)
            return crvm__fail(CRVM_EINVAL, "columns[%zu] is NULL", c);
        for (size_t b = 0; b < c; b++)
            if (crvm__io_name_eq(columns[c], strlen(columns[c]), columns[b]))
                return crvm__fail(CRVM_EINVAL, "columns[%zu] = '%s' repeats columns[%zu]", c,
                                  columns[c], b);
    }
    return CRVM_OK;
}

/* Map each requested column to its header field (field_of[c]). */
static crvm_status read_header(crvm__csv_reader *csv, const char *path,
                               const char *const *columns, size_t k, size_t *field_of,
                               size_t *n_fields)
{
    int has = 0;
    crvm_status st = crvm__csv_next(csv, &has);
    if (st == CRVM_EPARSE)
        return crvm__fail(CRVM_EPARSE, "%s: header row (line %zu), field %zu: %s", path,
                          crvm__csv_error_line(csv), crvm__csv_error_field(csv) + 1,
                          crvm__csv_error_text(crvm__csv_error(csv)));
    if (st != CRVM_OK)
        return st;
    if (!has)
        return crvm__fail(CRVM_EPARSE, "%s: empty file: a header row naming the columns is required",
                          path);
    *n_fields = crvm__csv_field_count(csv);
    for (size_t c = 0; c < k; c++) {
        field_of[c] = SIZE_MAX;
        for (size_t f = 0; f < *n_fields; f++) {
            size_t len;
            const char *name = crvm__csv_field(csv, f, &len);
            if (!crvm__io_name_eq(name, len, columns[c]))
                continue;
            if (field_of[c] != SIZE_MAX)
                return crvm__fail(CRVM_EPARSE,
                                  "%s: header: column '%s' appears twice (fields %zu and %zu)",
                                  path, columns[c], field_of[c] + 1, f + 1);
            field_of[c] = f;
        }
        if (field_of[c] == SIZE_MAX)
            return crvm__fail(CRVM_EPARSE, "%s: header: no column '%s'", path, columns[c]);
    }
    return CRVM_OK;
}

/* Append the requested cells of the current record to *values. */
static crvm_status read_row(crvm__csv_reader *csv, const char *path, const char *const *columns,
                            size_t k, const size_t *field_of, size_t n_fields,
                            crvm__labels **labels, const unsigned char *is_date, double **values,
                            size_t *rows, size_t *cap)
{
    const size_t row = crvm__csv_record_number(csv) - 1, line = crvm__csv_record_line(csv);
    if (crvm__csv_field_count(csv) != n_fields)
        return crvm__fail(CRVM_EPARSE, "%s: row %zu (line %zu): %zu fields, the header has %zu",
                          path, row, line, crvm__csv_field_count(csv), n_fields);
    if (*rows == *cap) {
        size_t grown = *cap ? 2 * *cap : 1024;
        double *p = crvm__realloc_array(*values, grown, k * sizeof *p);
        if (p == NULL)
            return crvm__nomem("reading a numeric CSV table");
        *values = p;
        *cap = grown;
    }
    double *dst = *values + *rows * k;
    for (size_t c = 0; c < k; c++) {
        size_t len;
        const char *text = crvm__csv_field(csv, field_of[c], &len);
        const char *reason = NULL;
        if (labels[c] != NULL) {
            size_t code = 0;
            crvm_status st = CRVM_OK;
            if (len == 0) /* the tokenizer refuses NUL bytes: a label is a C string */
                reason = "an empty label";
            else
                st = crvm__labels_code(labels[c], text, len, &code);
            if (st != CRVM_OK)
                return st;
            if (reason != NULL)
                return crvm__fail(CRVM_EPARSE, "%s: row %zu (line %zu), column %s: %s", path,
                                  row, line, columns[c], reason);
            dst[c] = (double)code;
            continue;
        }
        int32_t days = 0;
        int ok = is_date[c] ? crvm__parse_date(text, len, &days, &reason)
                            : crvm__parse_double(text, len, &dst[c], &reason);
        if (ok && is_date[c])
            dst[c] = (double)days;
        if (!ok) {
            char shown[64];
            crvm__io_clip(text, len, shown);
            return crvm__fail(CRVM_EPARSE, "%s: row %zu (line %zu), column %s: '%s': %s", path,
                              row, line, columns[c], shown, reason);
        }
    }
    (*rows)++;
    return CRVM_OK;
}

/* Whether column name is one of names (ASCII case-insensitive). */
static int named(const char *name, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (crvm__io_name_eq(names[i], strlen(names[i]), name))
            return 1;
    return 0;
}

/* One label dictionary per column named in labels (the others NULL) and
 * the date flag of each column. */
static crvm_status make_kinds(const char *const *columns, size_t k, const char *const *labels,
                              size_t labels_len, const char *const *dates, size_t dates_len,
                              crvm__labels ***dicts, unsigned char **is_date)
{
    crvm__labels **d = crvm__calloc(k, sizeof *d);
    unsigned char *date = crvm__calloc(k, 1);
    crvm_status st = d && date ? CRVM_OK : crvm__nomem("reading a CSV table");
    for (size_t c = 0; st == CRVM_OK && c < k; c++) {
        date[c] = (unsigned char)named(columns[c], dates, dates_len);
        if (named(columns[c], labels, labels_len))
            st = crvm__labels_new(&d[c]);
    }
    if (st != CRVM_OK) {
        free_labels(d, k);
        crvm__free(date);
        return st;
    }
    *dicts = d;
    *is_date = date;
    return CRVM_OK;
}

crvm_status crvm__read_table_stream(FILE *f, const char *name, const char *const *columns,
                                    size_t columns_len, const char *const *labels,
                                    size_t labels_len, const char *const *dates, size_t dates_len,
                                    char delimiter, crvm_numeric_table **out)
{
    const size_t k = columns_len;
    crvm__labels **dicts = NULL;
    unsigned char *is_date = NULL;
    crvm_status st = make_kinds(columns, k, labels, labels_len, dates, dates_len, &dicts, &is_date);
    if (st != CRVM_OK)
        return st;
    size_t *field_of = crvm__calloc(k, sizeof *field_of);
    if (field_of == NULL) {
        free_labels(dicts, k);
        crvm__free(is_date);
        return crvm__nomem("reading a CSV table");
    }
    crvm__csv_reader *csv = NULL;
    double *values = NULL;
    size_t rows = 0, cap = 0, n_fields = 0;
    st = crvm__csv_open_file(f, name, 0, 0, &csv);
    if (st == CRVM_OK && delimiter)
        crvm__csv_set_delimiter(csv, delimiter);
    if (st == CRVM_OK)
        st = read_header(csv, name, columns, k, field_of, &n_fields);
    while (st == CRVM_OK) {
        int has = 0;
        st = crvm__csv_next(csv, &has);
        if (st == CRVM_EPARSE)
            st = crvm__fail(CRVM_EPARSE, "%s: row %zu (line %zu): field %zu: %s (at line %zu)",
                            name, crvm__csv_record_number(csv) - 1, crvm__csv_record_line(csv),
                            crvm__csv_error_field(csv) + 1,
                            crvm__csv_error_text(crvm__csv_error(csv)), crvm__csv_error_line(csv));
        if (st != CRVM_OK || !has)
            break;
        st = read_row(csv, name, columns, k, field_of, n_fields, dicts, is_date, &values, &rows,
                      &cap);
    }
    if (st == CRVM_OK && ferror(f))
        st = crvm__fail(CRVM_EIO, "%s: read error", name);
    crvm_numeric_table *table = NULL;
    if (st == CRVM_OK) {
        table = crvm__calloc(1, sizeof *table);
        if (table == NULL)
            st = crvm__nomem("reading a CSV table");
    }
    crvm__csv_close(csv);
    crvm__free(field_of);
    crvm__free(is_date);
    if (st != CRVM_OK) {
        crvm__free(values);
        free_labels(dicts, k);
        return st;
    }
    table->rows = rows;
    table->cols = k;
    table->values = values;
    table->labels = dicts;
    *out = table;
    return CRVM_OK;
}

crvm_status crvm__read_numeric_stream(FILE *f, const char *name, const char *const *columns,
                                      size_t columns_len, crvm_numeric_table **out)
{
    return crvm__read_table_stream(f, name, columns, columns_len, NULL, 0, NULL, 0, 0, out);
}

/* Each name of a label or date list (what) must name one of the columns. */
static crvm_status check_list(const char *what, const char *const *names, size_t n,
                              const char *const *columns, size_t k)
{
    if (names == NULL && n > 0)
        return crvm__fail(CRVM_EINVAL, "%s is NULL with length %zu", what, n);
    for (size_t i = 0; i < n; i++) {
        if (names[i] == NULL)
            return crvm__fail(CRVM_EINVAL, "%s[%zu] is NULL", what, i);
        if (!named(names[i], columns, k))
            return crvm__fail(CRVM_EINVAL, "%s[%zu] = '%s' is not one of the columns", what, i,
                              names[i]);
    }
    return CRVM_OK;
}

static crvm_status check_kinds(const char *const *columns, size_t k, const char *const *labels,
                               size_t labels_len, const char *const *dates, size_t dates_len,
                               const crvm_table_options *options)
{
    crvm_status st = check_list("labels", labels, labels_len, columns, k);
    if (st == CRVM_OK)
        st = check_list("dates", dates, dates_len, columns, k);
    for (size_t i = 0; st == CRVM_OK && i < dates_len; i++)
        if (named(dates[i], labels, labels_len))
            st = crvm__fail(CRVM_EINVAL, "dates[%zu] = '%s' is also a label column", i, dates[i]);
    if (st != CRVM_OK)
        return st;
    char d = options ? options->delimiter : 0;
    if (d == '"' || d == '\r' || d == '\n')
        return crvm__fail(CRVM_EINVAL, "options.delimiter = %d: a quote or a line break cannot "
                                       "separate fields", (int)d);
    return CRVM_OK;
}

crvm_status crvm_read_table_csv(const char *path, const char *const *columns, size_t columns_len,
                                const char *const *labels, size_t labels_len,
                                const char *const *dates, size_t dates_len,
                                const crvm_table_options *options, crvm_numeric_table **out)
{
    crvm_status st = check_names(path, columns, columns_len, out);
    if (st == CRVM_OK)
        st = check_kinds(columns, columns_len, labels, labels_len, dates, dates_len, options);
    if (st != CRVM_OK)
        return st;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return crvm__fail(CRVM_EIO, "cannot open %s: %s", path, strerror(errno));
    st = crvm__read_table_stream(f, path, columns, columns_len, labels, labels_len, dates,
                                 dates_len, options ? options->delimiter : 0, out);
    fclose(f);
    return st;
}

crvm_status crvm_read_numeric_csv(const char *path, const char *const *columns,
                                  size_t columns_len, crvm_numeric_table **out)
{
    return crvm_read_table_csv(path, columns, columns_len, NULL, 0, NULL, 0, NULL, out);
}
