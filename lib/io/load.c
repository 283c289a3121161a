/* CSV loaders: one generic reader driven by a column table per file, staging
 * rows in columnar batches handed to the ledger's bulk appends. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/io.h"
#include "io/attribute_columns.h"
#include "io/csv.h"
#include "io/load.h"
#include "io/parse.h"
#include "ledger/ledger_internal.h"
#include "ledger/mark.h"

/* ------------------------------------------------------------------ report */

typedef struct entry {
    size_t file; /* index into files */
    size_t row, line;
    const char *column; /* static storage */
    crvm_status status;
    char *reason;
} entry;

struct crvm_load_report {
    entry *e;
    size_t n, cap;
    char **files;
    size_t n_files, files_cap;
    char **columns; /* attribute column names of contacts.csv named by entries */
    size_t n_columns, columns_cap;
    crvm_load_totals totals;
};

crvm_status crvm_load_report_new(crvm_load_report **out)
{
    if (!out)
        return crvm__fail(CRVM_EINVAL, "crvm_load_report_new: out is NULL");
    crvm_load_report *r = crvm__calloc(1, sizeof *r);
    if (!r)
        return crvm__nomem("creating a load report");
    *out = r;
    return CRVM_OK;
}

void crvm_load_report_free(crvm_load_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        crvm__free(r->e[i].reason);
    for (size_t i = 0; i < r->n_files; i++)
        crvm__free(r->files[i]);
    for (size_t i = 0; i < r->n_columns; i++)
        crvm__free(r->columns[i]);
    crvm__free(r->e);
    crvm__free(r->files);
    crvm__free(r->columns);
    crvm__free(r);
}

size_t crvm_load_report_count(const crvm_load_report *r) { return r ? r->n : 0; }

crvm_status crvm_load_report_get(const crvm_load_report *r, size_t i, crvm_load_rejection *out)
{
    if (!r || !out)
        return crvm__fail(CRVM_EINVAL, "crvm_load_report_get: NULL argument");
    if (i >= r->n)
        return crvm__fail(CRVM_EINVAL, "crvm_load_report_get: index %zu out of range (%zu rejections)",
                          i, r->n);
    const entry *e = &r->e[i];
    out->file = r->files[e->file];
    out->row = e->row;
    out->line = e->line;
    out->column = e->column;
    out->status = e->status;
    out->reason = e->reason;
    return CRVM_OK;
}

crvm_status crvm_load_report_totals(const crvm_load_report *r, crvm_load_totals *out)
{
    if (!r || !out)
        return crvm__fail(CRVM_EINVAL, "crvm_load_report_totals: NULL argument");
    *out = r->totals;
    return CRVM_OK;
}

void crvm_load_options_init(crvm_load_options *options)
{
    if (options)
        *options = (crvm_load_options)CRVM_LOAD_OPTIONS_INIT;
}

/* ------------------------------------------------------------ column specs */

typedef enum kind {
    K_STR,      /* string (ids, segment) */
    K_STR_OPT,  /* string, "" = none */
    K_DATE,
    K_DATE_OPT, /* "" = CRVM_DATE_NONE */
    K_NUM,
    K_NUM_OPT,  /* "" = NaN */
    K_INT,
    K_BOOL,
    K_STREAM,
    K_CHANNEL,
    K_OUTCOME,
    K_KIND,
    K_LIST      /* ';'-separated article ids, "" = none */
} kind;

typedef struct colspec {
    const char *name;
    kind k;
    int required;
} colspec;

#define MAX_COLS 11

static const colspec customer_cols[] = {
    {"customer_id", K_STR, 1}, {"segment", K_STR, 1}, {"start_date", K_DATE, 1},
    {"end_date", K_DATE_OPT, 0}};
static const colspec revenue_cols[] = {
    {"customer_id", K_STR, 1}, {"date", K_DATE, 1}, {"amount", K_NUM, 1}, {"stream", K_STREAM, 1},
    {"source_contact", K_STR_OPT, 0}};
static const colspec contact_cols[] = {
    {"contact_id", K_STR, 1},    {"customer_id", K_STR, 1},     {"opened", K_DATE, 1},
    {"closed", K_DATE_OPT, 0},   {"channel", K_CHANNEL, 1},     {"handle_minutes", K_NUM, 1},
    {"tier", K_INT, 1},          {"escalated", K_BOOL, 1},      {"outcome", K_OUTCOME, 1},
    {"satisfaction", K_NUM_OPT, 0}, {"articles", K_LIST, 0}};
static const colspec article_cols[] = {
    {"article_id", K_STR, 1}, {"created", K_DATE, 1}, {"authoring_hours", K_NUM, 1},
    {"maintenance_hours", K_NUM, 1}};
static const colspec use_cols[] = {
    {"article_id", K_STR, 1}, {"date", K_DATE, 1},        {"kind", K_KIND, 1},
    {"resolved", K_BOOL, 1},  {"contact_id", K_STR_OPT, 0}, {"customer_id", K_STR_OPT, 0}};

typedef struct table_spec {
    const colspec *cols;
    size_t n_cols;
    const char *file;  /* name in a directory */
} table_spec;

static const table_spec *spec_of(crvm_table t)
{
    static const table_spec specs[CRVM_TABLE_COUNT] = {
        [CRVM_TABLE_CUSTOMERS] = {customer_cols, 4, "customers.csv"},
        [CRVM_TABLE_REVENUE] = {revenue_cols, 5, "revenue.csv"},
        [CRVM_TABLE_CONTACTS] = {contact_cols, 11, "contacts.csv"},
        [CRVM_TABLE_CONTACT_ARTICLES] = {NULL, 0, NULL},
        [CRVM_TABLE_ARTICLES] = {article_cols, 4, "articles.csv"},
        [CRVM_TABLE_KNOWLEDGE_USES] = {use_cols, 6, "knowledge_uses.csv"},
    };
    if ((int)t < 0 || (int)t >= CRVM_TABLE_COUNT || !specs[t].cols)
        return NULL;
    return &specs[t];
}

/* ---------------------------------------------------------------- a load */

typedef struct column {
    int32_t *i32;
    double *f64;
    size_t *off; /* string offsets into the arena */
    const char **ptr;
} column;

/* A rejected row, formatted: "file: row R (line L), column C: reason". */
typedef struct rejection_text {
    size_t row, line;
    const char *column; /* static storage */
    crvm_status status;
    char msg[512];
} rejection_text;

/* The texts of an enumerated column parsed so far, with their values: the
 * parsers are pure functions of the text, so a text seen before (the
 * columns hold a handful of distinct spellings) needs only a comparison.
 * A text of up to 16 bytes is known by its length and two words that
 * together cover every byte of it (overlapping when shorter than 16). */
#define MEMO_TEXTS 8
#define MEMO_BYTES 16
typedef struct enum_memo {
    uint64_t w0[MEMO_TEXTS], w1[MEMO_TEXTS];
    size_t len[MEMO_TEXTS];
    int value[MEMO_TEXTS];
    size_t n;
} enum_memo;

static void text_words(const char *s, size_t len, uint64_t *w0, uint64_t *w1)
{
    uint32_t a, b;
    *w0 = *w1 = 0;
    if (len >= 8) {
        memcpy(w0, s, 8);
        memcpy(w1, s + len - 8, 8);
    } else if (len >= 4) {
        memcpy(&a, s, 4);
        memcpy(&b, s + len - 4, 4);
        *w0 = a;
        *w1 = b;
    } else if (len > 0) {
        *w0 = (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[len / 2] << 8 |
              (uint64_t)(unsigned char)s[len - 1] << 16;
    }
}

static int memo_find(const enum_memo *m, const char *s, size_t len, int *value)
{
    if (len > MEMO_BYTES)
        return 0;
    uint64_t w0, w1;
    text_words(s, len, &w0, &w1);
    for (size_t k = 0; k < m->n; k++)
        if (m->len[k] == len && m->w0[k] == w0 && m->w1[k] == w1) {
            *value = m->value[k];
            return 1;
        }
    return 0;
}

static void memo_add(enum_memo *m, const char *s, size_t len, int value)
{
    if (m->n == MEMO_TEXTS || len > MEMO_BYTES)
        return;
    text_words(s, len, &m->w0[m->n], &m->w1[m->n]);
    m->len[m->n] = len;
    m->value[m->n++] = value;
}

typedef struct loader {
    crvm_ledger *ledger;
    crvm_table table;
    const table_spec *spec;
    const crvm_load_options *opt;
    crvm_load_report *report; /* may be NULL in strict mode */
    size_t file_index;        /* in report->files */
    const char *file;         /* for messages */

    crvm__csv_reader *csv;
    size_t n_header;
    int field_of[MAX_COLS];   /* CSV field of spec column c, -1 if absent */
    int col_of_field_cache;

    size_t cap, n;            /* batch capacity, rows staged */
    column col[MAX_COLS];
    size_t *row, *line;
    char *arena;
    size_t arena_len, arena_cap;
    unsigned char *rejected;  /* per staged row, set by the ledger's rejections */
    enum_memo memo[MAX_COLS]; /* of the enumerated columns */
    crvm__date_memo dates;

    crvm_rejections *ledger_rej;
    size_t rows_read, accepted, rejected_rows;

    crvm__attr_columns attrs; /* contacts.csv: the attribute columns */
    const char **attr_label;  /* their names as reported (owned by the report if any) */

    /* A row rejected while staging (CSV syntax or a value that does not
     * parse): recorded only after the rows staged before it have been judged
     * by the ledger, so that the report is in file order and strict mode
     * fails on the first bad row. */
    rejection_text pending;
    int has_pending;

    /* Scratch of check_list(): one article id, and the indices of a list. */
    char *id_buf;
    size_t id_buf_cap;
    uint32_t *list_index;
    size_t list_cap;

    /* Strict mode: the first failure. */
    crvm_status fail_status;
} loader;

static void loader_free_batch(loader *L)
{
    for (size_t c = 0; c < MAX_COLS; c++) {
        crvm__free(L->col[c].i32);
        crvm__free(L->col[c].f64);
        crvm__free(L->col[c].off);
        crvm__free((void *)L->col[c].ptr);
    }
    crvm__free(L->row);
    crvm__free(L->line);
    crvm__free(L->arena);
    crvm__free(L->rejected);
    crvm__free(L->id_buf);
    crvm__free(L->list_index);
    crvm_rejections_free(L->ledger_rej);
    crvm__attr_columns_free(&L->attrs);
    crvm__free((void *)L->attr_label);
}

static crvm_status loader_alloc_batch(loader *L)
{
    size_t cap = L->cap;
    for (size_t c = 0; c < L->spec->n_cols; c++) {
        switch (L->spec->cols[c].k) {
        case K_STR:
        case K_STR_OPT:
        case K_LIST:
            L->col[c].off = crvm__calloc(cap, sizeof(size_t));
            L->col[c].ptr = crvm__calloc(cap, sizeof(char *));
            if (!L->col[c].off || !L->col[c].ptr)
                return crvm__nomem("allocating a CSV batch");
            break;
        case K_NUM:
        case K_NUM_OPT:
            L->col[c].f64 = crvm__calloc(cap, sizeof(double));
            if (!L->col[c].f64)
                return crvm__nomem("allocating a CSV batch");
            break;
        default:
            L->col[c].i32 = crvm__calloc(cap, sizeof(int32_t));
            if (!L->col[c].i32)
                return crvm__nomem("allocating a CSV batch");
        }
    }
    L->row = crvm__calloc(cap, sizeof(size_t));
    L->line = crvm__calloc(cap, sizeof(size_t));
    L->rejected = crvm__calloc(cap, 1);
    L->arena_cap = 64 * cap;
    L->arena = crvm__malloc(L->arena_cap);
    if (!L->row || !L->line || !L->rejected || !L->arena)
        return crvm__nomem("allocating a CSV batch");
    return crvm_rejections_new(&L->ledger_rej);
}

/* ptr (of *cap elements of elem bytes) grown to twice as many, 16 at first;
 * NULL if out of memory, *cap then unchanged. */
static void *grown_array(void *ptr, size_t *cap, size_t elem)
{
    size_t c = *cap ? 2 * *cap : 16;
    void *p = crvm__realloc_array(ptr, c, elem);
    if (p)
        *cap = c;
    return p;
}

static crvm_status report_file(crvm_load_report *r, const char *file, size_t *index)
{
    if (r->n_files == r->files_cap) {
        char **p = grown_array(r->files, &r->files_cap, sizeof *p);
        if (!p)
            return crvm__nomem("recording a file in the load report");
        r->files = p;
    }
    char *copy = crvm__strdup(file);
    if (!copy)
        return crvm__nomem("recording a file in the load report");
    r->files[r->n_files] = copy;
    *index = r->n_files++;
    return CRVM_OK;
}

static void format_rejection(const loader *L, rejection_text *r, size_t row, size_t line,
                             const char *column, crvm_status status, const char *fmt, va_list ap)
{
    char why[384];
    vsnprintf(why, sizeof why, fmt, ap);
    r->row = row;
    r->line = line;
    r->column = column ? column : "";
    r->status = status;
    if (r->column[0])
        snprintf(r->msg, sizeof r->msg, "%s: row %zu (line %zu), column %s: %s", L->file, row,
                 line, r->column, why);
    else
        snprintf(r->msg, sizeof r->msg, "%s: row %zu (line %zu): %s", L->file, row, line, why);
}

/* Record a rejected row: in the report (lenient, or strict with a report)
 * and, in strict mode, as the load's failure. Returns CRVM_OK to go on,
 * the row's status to stop (strict), CRVM_ENOMEM. */
static crvm_status record_rejection(loader *L, const rejection_text *j)
{
    L->rejected_rows++;
    if (L->report) {
        crvm_load_report *r = L->report;
        if (r->n == r->cap) {
            entry *p = grown_array(r->e, &r->cap, sizeof *p);
            if (!p)
                return crvm__nomem("recording a rejected row");
            r->e = p;
        }
        char *copy = crvm__strdup(j->msg);
        if (!copy)
            return crvm__nomem("recording a rejected row");
        r->e[r->n++] = (entry){L->file_index, j->row, j->line, j->column, j->status, copy};
    }
    if (L->opt->mode == CRVM_LOAD_STRICT) {
        L->fail_status = j->status;
        return crvm__fail(j->status, "%s", j->msg);
    }
    return CRVM_OK;
}

/* A row rejected by the ledger while a batch is flushed: recorded at once. */
static crvm_status reject(loader *L, size_t row, size_t line, const char *column,
                          crvm_status status, const char *fmt, ...) CRVM__PRINTF(6, 7);
static crvm_status reject(loader *L, size_t row, size_t line, const char *column,
                          crvm_status status, const char *fmt, ...)
{
    rejection_text j;
    va_list ap;
    va_start(ap, fmt);
    format_rejection(L, &j, row, line, column, status, fmt, ap);
    va_end(ap);
    return record_rejection(L, &j);
}

/* A row rejected while it is read or staged: held as pending until the rows
 * before it are flushed (see loader.pending). Returns CRVM_OK. */
static crvm_status reject_staged(loader *L, size_t row, size_t line, const char *column,
                                 crvm_status status, const char *fmt, ...) CRVM__PRINTF(6, 7);
static crvm_status reject_staged(loader *L, size_t row, size_t line, const char *column,
                                 crvm_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    format_rejection(L, &L->pending, row, line, column, status, fmt, ap);
    va_end(ap);
    L->has_pending = 1;
    return CRVM_OK;
}

static crvm_status arena_add(loader *L, const char *s, size_t len, size_t *off)
{
    if (L->arena_len + len + 1 > L->arena_cap) {
        size_t cap = L->arena_cap;
        while (cap < L->arena_len + len + 1)
            cap *= 2;
        char *p = crvm__realloc_array(L->arena, cap, 1);
        if (!p)
            return crvm__nomem("staging CSV text");
        L->arena = p;
        L->arena_cap = cap;
    }
    memcpy(L->arena + L->arena_len, s, len);
    L->arena[L->arena_len + len] = '\0';
    *off = L->arena_len;
    L->arena_len += len + 1;
    return CRVM_OK;
}

typedef crvm_status (*enum_parser)(const char *, size_t, int *);

static const char *enum_expect(kind k)
{
    switch (k) {
    case K_STREAM: return "subscription, maintenance, support_plan, services, expansion";
    case K_CHANNEL: return "phone, email, chat, web, social";
    case K_OUTCOME: return "resolved, workaround, refused, abandoned";
    default: return "assisted, self_service";
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Check a ';'-separated article list: non-empty items, known, no repeats.
 * Ids of any length (copied into a growing scratch buffer); repeats found by
 * sorting the items' article indices, so a list of k items costs
 * O(k log k) however long the field. */
static crvm_status check_list(loader *L, const char *s, size_t len, size_t row, size_t line,
                              const char *column, int *ok)
{
    *ok = 0;
    size_t k = 0, start = 0;
    char shown[64];
    for (size_t i = 0; len > 0 && i <= len; i++) {
        if (i < len && s[i] != ';')
            continue;
        size_t n = i - start;
        if (n == 0)
            return reject_staged(L, row, line, column, CRVM_EPARSE,
                                 "empty article id in list (ids are separated by ';')");
        if (n + 1 > L->id_buf_cap) {
            char *p = crvm__realloc_array(L->id_buf, n + 1, 1);
            if (!p)
                return crvm__nomem("reading an article list");
            L->id_buf = p;
            L->id_buf_cap = n + 1;
        }
        if (k == L->list_cap) {
            uint32_t *p = grown_array(L->list_index, &L->list_cap, sizeof *p);
            if (!p)
                return crvm__nomem("reading an article list");
            L->list_index = p;
        }
        memcpy(L->id_buf, s + start, n);
        L->id_buf[n] = '\0';
        size_t index;
        if (memchr(s + start, '\0', n) ||
            crvm_ledger_find(L->ledger, CRVM_TABLE_ARTICLES, L->id_buf, &index) != CRVM_OK) {
            crvm__io_clip(s + start, n, shown);
            return reject_staged(L, row, line, column, CRVM_ENOTFOUND, "unknown article '%s'", shown);
        }
        L->list_index[k++] = (uint32_t)index;
        start = i + 1;
    }
    if (k > 1) /* (an empty list has no index array: qsort needs a pointer) */
        qsort(L->list_index, k, sizeof *L->list_index, cmp_u32);
    for (size_t j = 1; j < k; j++)
        if (L->list_index[j] == L->list_index[j - 1]) {
            const char *id = crvm_ledger_id(L->ledger, CRVM_TABLE_ARTICLES, L->list_index[j]);
            crvm__io_clip(id, strlen(id), shown);
            return reject_staged(L, row, line, column, CRVM_EINVAL, "article '%s' listed twice",
                                 shown);
        }
    *ok = 1;
    return CRVM_OK;
}

/* Parse one record into batch slot L->n; on a bad field reject the row. */
static crvm_status stage_record(loader *L, size_t row, size_t line)
{
    const crvm__csv_record rec = crvm__csv_current(L->csv);
    size_t nf = rec.n_fields;
    if (nf != L->n_header)
        return reject_staged(L, row, line, "", CRVM_EPARSE, "wrong column count: %zu field%s, the header has %zu",
                      nf, nf == 1 ? "" : "s", L->n_header);
    size_t slot = L->n;
    size_t arena_mark = L->arena_len;
    for (size_t c = 0; c < L->spec->n_cols; c++) {
        const colspec *cs = &L->spec->cols[c];
        size_t len = 0;
        const char *s = "";
        if (L->field_of[c] >= 0)
            s = crvm__csv_record_field(rec, (size_t)L->field_of[c], &len);
        const char *reason = NULL;
        char shown[64];
#define SHOWN (crvm__io_clip(s, len, shown), shown)
        crvm_status st = CRVM_OK;
        switch (cs->k) {
        case K_STR:
        case K_STR_OPT:
            st = arena_add(L, s, len, &L->col[c].off[slot]);
            break;
        case K_LIST: {
            int ok;
            st = check_list(L, s, len, row, line, cs->name, &ok);
            if (st || !ok) {
                L->arena_len = arena_mark;
                return st;
            }
            st = arena_add(L, s, len, &L->col[c].off[slot]);
            break;
        }
        case K_DATE:
        case K_DATE_OPT: {
            int32_t d;
            if (cs->k == K_DATE_OPT && len == 0)
                L->col[c].i32[slot] = CRVM_DATE_NONE;
            else if (crvm__parse_date_memo(&L->dates, s, len, &d, &reason))
                L->col[c].i32[slot] = d;
            else
                goto bad_value;
            break;
        }
        case K_NUM:
        case K_NUM_OPT: {
            double v;
            if (cs->k == K_NUM_OPT && len == 0)
                L->col[c].f64[slot] = NAN;
            else if (crvm__parse_double(s, len, &v, &reason))
                L->col[c].f64[slot] = v;
            else
                goto bad_value;
            break;
        }
        case K_INT: {
            long v;
            if (crvm__parse_long(s, len, INT32_MIN, INT32_MAX, &v, &reason))
                L->col[c].i32[slot] = (int32_t)v;
            else
                goto bad_value;
            break;
        }
        case K_BOOL: {
            int v;
            if (crvm__parse_bool(s, len, &v, &reason))
                L->col[c].i32[slot] = v;
            else
                goto bad_value;
            break;
        }
        case K_STREAM:
        case K_CHANNEL:
        case K_OUTCOME:
        case K_KIND: {
            enum_parser parse = cs->k == K_STREAM    ? crvm_stream_parse
                                : cs->k == K_CHANNEL ? crvm_channel_parse
                                : cs->k == K_OUTCOME ? crvm_outcome_parse
                                                     : crvm_use_kind_parse;
            int v;
            if (memo_find(&L->memo[c], s, len, &v)) {
                L->col[c].i32[slot] = v;
            } else if (parse(s, len, &v) == CRVM_OK) {
                memo_add(&L->memo[c], s, len, v);
                L->col[c].i32[slot] = v;
            } else {
                L->arena_len = arena_mark;
                return reject_staged(L, row, line, cs->name, CRVM_EPARSE, "'%s' is not one of %s", SHOWN,
                              enum_expect(cs->k));
            }
            break;
        }
        }
        if (st) {
            L->arena_len = arena_mark;
            return st;
        }
        continue;
    bad_value: /* a date, number, integer or boolean that did not parse: reason says why */
        L->arena_len = arena_mark;
        return reject_staged(L, row, line, cs->name, CRVM_EPARSE, "'%s': %s", SHOWN, reason);
#undef SHOWN
    }
    crvm_status st = crvm__attr_columns_stage(&L->attrs, rec, slot);
    if (st) {
        L->arena_len = arena_mark;
        return st;
    }
    L->row[slot] = row;
    L->line[slot] = line;
    L->n++;
    return CRVM_OK;
}

/* Strip the ledger's "table[i]." prefix from a rejection reason. */
static const char *strip_prefix(const char *reason)
{
    const char *p = strchr(reason, ']');
    if (p && p[1] == '.' && strchr(reason, '[') && strchr(reason, '[') < p)
        return p + 2;
    if (p && p[1] == ' ')
        return p + 2;
    return reason;
}

/* CSV column name of a ledger field name (static storage). */
static const char *column_of_ledger_field(const loader *L, const char *field)
{
    if (!field)
        return "";
    if (strcmp(field, "id") == 0)
        return L->spec->cols[0].name;
    if (strcmp(field, "start") == 0)
        return "start_date";
    if (strcmp(field, "end") == 0)
        return "end_date";
    for (size_t c = 0; c < L->spec->n_cols; c++)
        if (strcmp(field, L->spec->cols[c].name) == 0)
            return L->spec->cols[c].name;
    return field; /* the ledger's field names are static too */
}

/* Turn the ledger's rejections of the last call into report entries
 * (batch_row maps link rows to contact rows; column overrides the field). */
static crvm_status take_ledger_rejections(loader *L, const size_t *batch_row, size_t n_rows,
                                          const char *column)
{
    size_t n = crvm_rejections_count(L->ledger_rej);
    crvm_status st = CRVM_OK;
    for (size_t i = 0; i < n && st == CRVM_OK; i++) {
        crvm_rejection rj;
        crvm_rejections_get(L->ledger_rej, i, &rj);
        if (rj.row >= n_rows)
            continue;
        size_t b = batch_row ? batch_row[rj.row] : rj.row;
        L->rejected[b] = 1;
        st = reject(L, L->row[b], L->line[b], column ? column : column_of_ledger_field(L, rj.field),
                    rj.status, "%s", strip_prefix(rj.reason));
    }
    crvm_rejections_clear(L->ledger_rej);
    return st;
}

static const char **ptrs(loader *L, size_t c)
{
    for (size_t i = 0; i < L->n; i++)
        L->col[c].ptr[i] = L->arena + L->col[c].off[i];
    return L->col[c].ptr;
}

/* Append the contact-article links of the accepted contacts of the batch. */
static crvm_status flush_links(loader *L)
{
    const size_t c_list = 10, c_id = 0;
    if (L->field_of[c_list] < 0)
        return CRVM_OK;
    /* Count links, then build two id columns pointing into a scratch copy. */
    size_t n_links = 0, bytes = 0;
    for (size_t i = 0; i < L->n; i++) {
        if (L->rejected[i])
            continue;
        const char *s = L->arena + L->col[c_list].off[i];
        if (!*s)
            continue;
        n_links++;
        for (; *s; s++)
            n_links += *s == ';';
        bytes += (size_t)(s - (L->arena + L->col[c_list].off[i])) + 1;
    }
    if (n_links == 0)
        return CRVM_OK;
    const char **con = crvm__calloc(n_links, sizeof *con);
    const char **art = crvm__calloc(n_links, sizeof *art);
    size_t *src = crvm__calloc(n_links, sizeof *src);
    char *text = crvm__malloc(bytes);
    crvm_status st = CRVM_OK;
    if (!con || !art || !src || !text) {
        st = crvm__nomem("staging contact-article links");
        goto out;
    }
    size_t k = 0, t = 0;
    for (size_t i = 0; i < L->n; i++) {
        if (L->rejected[i])
            continue;
        const char *s = L->arena + L->col[c_list].off[i];
        if (!*s)
            continue;
        size_t len = strlen(s);
        memcpy(text + t, s, len + 1);
        char *p = text + t;
        t += len + 1;
        for (;;) {
            con[k] = L->arena + L->col[c_id].off[i];
            art[k] = p;
            src[k] = i;
            k++;
            char *semi = strchr(p, ';');
            if (!semi)
                break;
            *semi = '\0';
            p = semi + 1;
        }
    }
    st = crvm_ledger_add_contact_articles(L->ledger, con, k, art, k, L->ledger_rej);
    if (st == CRVM_OK && crvm_rejections_count(L->ledger_rej) > 0) {
        /* Not expected (ids were checked); report against the contact row,
         * which stays in the ledger: count it once, as accepted. */
        size_t before = L->rejected_rows;
        st = take_ledger_rejections(L, src, k, "articles");
        L->rejected_rows = before;
    }
out:
    crvm__free((void *)con);
    crvm__free((void *)art);
    crvm__free(src);
    crvm__free(text);
    return st;
}

/* Append the attribute values of the accepted contacts of the batch, which
 * the ledger numbered from `first` in row order. */
static crvm_status flush_attributes(loader *L, uint32_t first)
{
    crvm__attr_columns *c = &L->attrs;
    if (c->n == 0)
        return CRVM_OK;
    crvm__attr_columns_number(c, first, L->rejected, L->n);
    crvm_status st = CRVM_OK;
    for (size_t a = 0; a < c->n && st == CRVM_OK; a++) {
        size_t k = crvm__attr_columns_pairs(c, a, L->n);
        st = crvm__ledger_add_attribute_values(L->ledger, c->name[a], c->contacts, c->values, k,
                                               L->ledger_rej);
        if (st == CRVM_OK && crvm_rejections_count(L->ledger_rej) > 0) {
            /* Not expected (accepted contacts are new, one value each): as for links. */
            size_t before = L->rejected_rows;
            st = take_ledger_rejections(L, c->src, k, L->attr_label[a]);
            L->rejected_rows = before;
        }
    }
    crvm__attr_columns_clear(c);
    return st;
}

static crvm_status flush(loader *L)
{
    if (L->n == 0)
        return CRVM_OK;
    memset(L->rejected, 0, L->n);
    crvm_status st;
    size_t n = L->n;
    column *c = L->col;
    const uint32_t first_contact = (uint32_t)L->ledger->contact_ids.count;
    switch (L->table) {
    case CRVM_TABLE_CUSTOMERS:
        st = crvm_ledger_add_customers(L->ledger, ptrs(L, 0), n, ptrs(L, 1), n, c[2].i32, n, c[3].i32,
                                       n, L->ledger_rej);
        break;
    case CRVM_TABLE_REVENUE:
        st = crvm_ledger_add_sourced_revenue(L->ledger, ptrs(L, 0), n, c[1].i32, n, c[2].f64, n,
                                             c[3].i32, n, ptrs(L, 4), n, L->ledger_rej);
        break;
    case CRVM_TABLE_CONTACTS:
        st = crvm_ledger_add_contacts(L->ledger, ptrs(L, 0), n, ptrs(L, 1), n, c[2].i32, n, c[3].i32,
                                      n, c[4].i32, n, c[5].f64, n, c[6].i32, n, c[7].i32, n, c[8].i32,
                                      n, c[9].f64, n, L->ledger_rej);
        break;
    case CRVM_TABLE_ARTICLES:
        st = crvm_ledger_add_articles(L->ledger, ptrs(L, 0), n, c[1].i32, n, c[2].f64, n, c[3].f64, n,
                                      L->ledger_rej);
        break;
    default:
        st = crvm_ledger_add_knowledge_uses(L->ledger, ptrs(L, 0), n, c[1].i32, n, c[2].i32, n,
                                            c[3].i32, n, ptrs(L, 4), n, ptrs(L, 5), n, L->ledger_rej);
        break;
    }
    if (st == CRVM_OK)
        st = take_ledger_rejections(L, NULL, n, NULL);
    if (st == CRVM_OK && L->table == CRVM_TABLE_CONTACTS)
        st = flush_attributes(L, first_contact);
    if (st == CRVM_OK && L->table == CRVM_TABLE_CONTACTS)
        st = flush_links(L);
    if (st == CRVM_OK) {
        size_t bad = 0;
        for (size_t i = 0; i < n; i++)
            bad += L->rejected[i];
        L->accepted += n - bad;
    }
    L->n = 0;
    L->arena_len = 0;
    return st;
}

static crvm_status read_header(loader *L)
{
    int has;
    crvm_status st = crvm__csv_next(L->csv, &has);
    if (st == CRVM_EPARSE)
        return crvm__fail(CRVM_EPARSE, "%s: header row (line %zu), field %zu: %s", L->file,
                          crvm__csv_error_line(L->csv), crvm__csv_error_field(L->csv) + 1,
                          crvm__csv_error_text(crvm__csv_error(L->csv)));
    if (st)
        return st;
    if (!has)
        return crvm__fail(CRVM_EPARSE, "%s: empty file: a header row naming the columns is required",
                          L->file);
    size_t nf = crvm__csv_field_count(L->csv);
    L->n_header = nf;
    for (size_t c = 0; c < MAX_COLS; c++)
        L->field_of[c] = -1;
    for (size_t f = 0; f < nf; f++) {
        size_t len;
        const char *name = crvm__csv_field(L->csv, f, &len);
        char shown[64];
        crvm__io_clip(name, len, shown);
        int found = 0;
        for (size_t c = 0; c < L->spec->n_cols; c++) {
            if (!crvm__io_name_eq(name, len, L->spec->cols[c].name))
                continue;
            found = 1;
            if (L->field_of[c] >= 0)
                return crvm__fail(CRVM_EPARSE, "%s: header: column '%s' appears twice (fields %d and %zu)",
                                  L->file, shown, L->field_of[c] + 1, f + 1);
            L->field_of[c] = (int)f;
        }
        if (!found && L->table == CRVM_TABLE_CONTACTS) {
            crvm_status st = crvm__attr_columns_add(&L->attrs, L->file, f, name, len);
            if (st)
                return st;
        } else if (!found && !L->opt->ignore_unknown_columns) {
            char expected[256] = "";
            for (size_t c = 0; c < L->spec->n_cols; c++) {
                strcat(expected, c ? ", " : "");
                strcat(expected, L->spec->cols[c].name);
            }
            return crvm__fail(CRVM_EPARSE, "%s: header: unknown column '%s' (field %zu; expected %s)",
                              L->file, shown, f + 1, expected);
        }
    }
    for (size_t c = 0; c < L->spec->n_cols; c++)
        if (L->spec->cols[c].required && L->field_of[c] < 0)
            return crvm__fail(CRVM_EPARSE, "%s: header: missing required column '%s'", L->file,
                              L->spec->cols[c].name);
    return CRVM_OK;
}

/* Column name of CSV field f (for tokenizer errors), "" if none. */
static const char *column_of_field(const loader *L, size_t f)
{
    for (size_t c = 0; c < L->spec->n_cols; c++)
        if (L->field_of[c] == (int)f)
            return L->spec->cols[c].name;
    for (size_t a = 0; a < L->attrs.n; a++)
        if (L->attrs.field[a] == f)
            return L->attr_label[a];
    return "";
}

/* A copy of an attribute column name owned by the report (kept once). */
static crvm_status report_column(crvm_load_report *r, const char *name, const char **out)
{
    for (size_t i = 0; i < r->n_columns; i++)
        if (strcmp(r->columns[i], name) == 0) {
            *out = r->columns[i];
            return CRVM_OK;
        }
    if (r->n_columns == r->columns_cap) {
        size_t cap = r->columns_cap ? 2 * r->columns_cap : 8;
        char **p = crvm__realloc_array(r->columns, cap, sizeof *p);
        if (!p)
            return crvm__nomem("recording a column in the load report");
        r->columns = p;
        r->columns_cap = cap;
    }
    char *copy = crvm__strdup(name);
    if (!copy)
        return crvm__nomem("recording a column in the load report");
    r->columns[r->n_columns++] = copy;
    *out = copy;
    return CRVM_OK;
}

/* contacts.csv: the attribute columns' staging, report names, and the
 * attributes themselves, declared in header order even if no row has a value. */
static crvm_status prepare_attributes(loader *L)
{
    crvm__attr_columns *c = &L->attrs;
    if (c->n == 0)
        return CRVM_OK;
    crvm_status st = crvm__attr_columns_alloc(c, L->cap);
    if (st)
        return st;
    L->attr_label = crvm__calloc(c->n, sizeof *L->attr_label);
    if (!L->attr_label)
        return crvm__nomem("staging contact attributes");
    for (size_t a = 0; a < c->n && st == CRVM_OK; a++) {
        L->attr_label[a] = c->name[a];
        if (L->report)
            st = report_column(L->report, c->name[a], &L->attr_label[a]);
        if (st == CRVM_OK)
            st = crvm_ledger_add_contact_attributes(L->ledger, c->name[a], NULL, 0, NULL, 0, NULL);
    }
    return st;
}

/* Load one open stream; the caller handles marks and rollback. */
static crvm_status load_stream(crvm_ledger *ledger, crvm_table table, FILE *f, const char *path,
                               const char *display, const crvm_load_options *opt,
                               crvm_load_report *report)
{
    loader L;
    memset(&L, 0, sizeof L);
    L.ledger = ledger;
    L.table = table;
    L.spec = spec_of(table);
    L.opt = opt;
    L.report = report;
    L.file = display;
    L.cap = opt->batch_rows ? opt->batch_rows : 65536;

    crvm_status st = CRVM_OK;
    if (report)
        st = report_file(report, display, &L.file_index);
    if (st == CRVM_OK)
        st = crvm__csv_open_file(f, display, opt->max_field_bytes, 0, &L.csv);
    if (st == CRVM_OK && opt->delimiter)
        crvm__csv_set_delimiter(L.csv, opt->delimiter);
    if (st == CRVM_OK)
        st = loader_alloc_batch(&L);
    if (st == CRVM_OK)
        st = read_header(&L);
    if (st == CRVM_OK)
        st = prepare_attributes(&L);
    while (st == CRVM_OK) {
        int has = 0;
        crvm_status cst = crvm__csv_next(L.csv, &has);
        if (cst == CRVM_EPARSE) {
            size_t rec = crvm__csv_record_number(L.csv);
            L.rows_read++;
            const char *col = column_of_field(&L, crvm__csv_error_field(L.csv));
            crvm__csv_error_kind kind = crvm__csv_error(L.csv);
            size_t eline = crvm__csv_error_line(L.csv);
            if (kind == CRVM__CSV_ERR_FIELD_TOO_LONG)
                reject_staged(&L, rec - 1, crvm__csv_record_line(L.csv), col, CRVM_EPARSE,
                              "field %zu: %s (limit %zu bytes)", crvm__csv_error_field(L.csv) + 1,
                              crvm__csv_error_text(kind),
                              opt->max_field_bytes ? opt->max_field_bytes : CRVM__CSV_MAX_FIELD_DEFAULT);
            else
                reject_staged(&L, rec - 1, crvm__csv_record_line(L.csv), col, CRVM_EPARSE,
                              "field %zu: %s (at line %zu)", crvm__csv_error_field(L.csv) + 1,
                              crvm__csv_error_text(kind), eline);
        } else if (cst) {
            st = cst;
            break;
        } else if (!has) {
            break;
        } else {
            L.rows_read++;
            st = stage_record(&L, crvm__csv_record_number(L.csv) - 1, crvm__csv_record_line(L.csv));
        }
        if (st == CRVM_OK && L.has_pending) {
            /* The rows staged before the bad one are judged first. */
            st = flush(&L);
            L.has_pending = 0;
            if (st == CRVM_OK)
                st = record_rejection(&L, &L.pending);
        }
        if (st == CRVM_OK && L.n == L.cap)
            st = flush(&L);
    }
    if (st == CRVM_OK)
        st = flush(&L);
    if (st == CRVM_OK && ferror(f))
        st = crvm__fail(CRVM_EIO, "%s: read error", path);
    if (report) {
        report->totals.files++;
        report->totals.rows_read += L.rows_read;
        report->totals.rows_accepted += L.accepted;
        report->totals.rows_rejected += L.rejected_rows;
        if (L.csv)
            report->totals.bytes_read += crvm__csv_bytes_read(L.csv);
    }
    crvm__csv_close(L.csv);
    loader_free_batch(&L);
    return st;
}

/* Load one file; the caller handles marks and rollback. */
static crvm_status load_file(crvm_ledger *ledger, crvm_table table, const char *path,
                             const char *display, const crvm_load_options *opt,
                             crvm_load_report *report)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return crvm__fail(CRVM_EIO, "cannot open %s: %s", path, strerror(errno));
    crvm_status st = load_stream(ledger, table, f, path, display, opt, report);
    fclose(f);
    return st;
}

static crvm_status check_args(const char *fn, crvm_ledger *ledger, const char *path,
                              const crvm_load_options *options, crvm_load_report *report,
                              crvm_load_options *opt)
{
    if (!ledger || !path)
        return crvm__fail(CRVM_EINVAL, "%s: NULL %s", fn, !ledger ? "ledger" : "path");
    *opt = (crvm_load_options)CRVM_LOAD_OPTIONS_INIT;
    if (options)
        *opt = *options;
    if (opt->mode != CRVM_LOAD_STRICT && opt->mode != CRVM_LOAD_LENIENT)
        return crvm__fail(CRVM_EINVAL, "%s: options.mode = %d: not a crvm_load_mode", fn, (int)opt->mode);
    if (opt->mode == CRVM_LOAD_LENIENT && !report)
        return crvm__fail(CRVM_EINVAL,
                          "%s: lenient mode needs a report to receive the rejected rows", fn);
    if (opt->batch_rows > ((size_t)1 << 26))
        return crvm__fail(CRVM_EINVAL, "%s: options.batch_rows = %zu: at most 2^26", fn, opt->batch_rows);
    if (opt->delimiter == '"' || opt->delimiter == '\r' || opt->delimiter == '\n')
        return crvm__fail(CRVM_EINVAL, "%s: options.delimiter = %d: a quote or a line break cannot "
                                       "separate fields", fn, (int)opt->delimiter);
    return CRVM_OK;
}

/* Report totals and rejections are rolled back with the ledger on failure. */
typedef struct report_mark { size_t n, files; crvm_load_totals totals; } report_mark;

static void report_mark_take(const crvm_load_report *r, report_mark *m)
{
    if (r) {
        m->n = r->n;
        m->files = r->n_files;
        m->totals = r->totals;
    }
}

static void report_keep_failure(crvm_load_report *r, const report_mark *m)
{
    /* Keep the entries (they explain the failure) but not the counts of rows
     * that were rolled back out of the ledger. */
    if (r) {
        size_t rejected = r->totals.rows_rejected - m->totals.rows_rejected;
        r->totals = m->totals;
        r->totals.rows_rejected += rejected;
        (void)m->n;
        (void)m->files;
    }
}

/* One table from a file (f NULL: opened from path) or an open stream, with
 * the marks that undo a failed load. */
static crvm_status load_one(const char *fn, crvm_ledger *ledger, crvm_table table, FILE *f,
                            const char *path, const crvm_load_options *options,
                            crvm_load_report *report)
{
    crvm_load_options opt;
    crvm_status st = check_args(fn, ledger, path, options, report, &opt);
    if (st)
        return st;
    if (!spec_of(table))
        return crvm__fail(CRVM_EINVAL, "%s: table = %d: not a table with a CSV file", fn, (int)table);
    crvm__ledger_mark mark;
    report_mark rmark;
    crvm__ledger_mark_take(ledger, &mark);
    report_mark_take(report, &rmark);
    st = f ? load_stream(ledger, table, f, path, path, &opt, report)
           : load_file(ledger, table, path, path, &opt, report);
    if (st) {
        crvm__ledger_rollback(ledger, &mark);
        report_keep_failure(report, &rmark);
    }
    return st;
}

crvm_status crvm_load_csv(crvm_ledger *ledger, crvm_table table, const char *path,
                          const crvm_load_options *options, crvm_load_report *report)
{
    return load_one("crvm_load_csv", ledger, table, NULL, path, options, report);
}

crvm_status crvm__load_csv_stream(crvm_ledger *ledger, crvm_table table, FILE *f, const char *name,
                                  const crvm_load_options *options, crvm_load_report *report)
{
    if (f == NULL)
        return crvm__fail(CRVM_EINVAL, "crvm__load_csv_stream: f is NULL");
    return load_one("crvm__load_csv_stream", ledger, table, f, name, options, report);
}

crvm_status crvm_load_customers_csv(crvm_ledger *l, const char *p, const crvm_load_options *o,
                                    crvm_load_report *r)
{
    return crvm_load_csv(l, CRVM_TABLE_CUSTOMERS, p, o, r);
}
crvm_status crvm_load_revenue_csv(crvm_ledger *l, const char *p, const crvm_load_options *o,
                                  crvm_load_report *r)
{
    return crvm_load_csv(l, CRVM_TABLE_REVENUE, p, o, r);
}
crvm_status crvm_load_contacts_csv(crvm_ledger *l, const char *p, const crvm_load_options *o,
                                   crvm_load_report *r)
{
    return crvm_load_csv(l, CRVM_TABLE_CONTACTS, p, o, r);
}
crvm_status crvm_load_articles_csv(crvm_ledger *l, const char *p, const crvm_load_options *o,
                                   crvm_load_report *r)
{
    return crvm_load_csv(l, CRVM_TABLE_ARTICLES, p, o, r);
}
crvm_status crvm_load_knowledge_uses_csv(crvm_ledger *l, const char *p, const crvm_load_options *o,
                                         crvm_load_report *r)
{
    return crvm_load_csv(l, CRVM_TABLE_KNOWLEDGE_USES, p, o, r);
}

crvm_status crvm_load_directory(crvm_ledger *ledger, const char *dir,
                                const crvm_load_options *options, crvm_load_report *report)
{
    crvm_load_options opt;
    crvm_status st = check_args("crvm_load_directory", ledger, dir, options, report, &opt);
    if (st)
        return st;
    /* Revenue after contacts: an event may name the contact that sourced it. */
    static const crvm_table order[5] = {CRVM_TABLE_CUSTOMERS, CRVM_TABLE_ARTICLES, CRVM_TABLE_CONTACTS,
                                        CRVM_TABLE_REVENUE, CRVM_TABLE_KNOWLEDGE_USES};
    crvm__ledger_mark mark;
    report_mark rmark;
    crvm__ledger_mark_take(ledger, &mark);
    report_mark_take(report, &rmark);
    size_t dlen = strlen(dir);
    for (int k = 0; k < 5 && st == CRVM_OK; k++) {
        const char *name = spec_of(order[k])->file;
        size_t n = dlen + strlen(name) + 2;
        char *path = crvm__malloc(n);
        if (!path) {
            st = crvm__nomem("building a file path");
            break;
        }
        snprintf(path, n, "%s/%s", dir, name);
        FILE *probe = fopen(path, "rb");
        if (!probe && errno == ENOENT && order[k] != CRVM_TABLE_CUSTOMERS) {
            crvm__free(path);
            continue; /* optional file */
        }
        if (probe)
            fclose(probe);
        st = load_file(ledger, order[k], path, name, &opt, report);
        crvm__free(path);
    }
    if (st) {
        crvm__ledger_rollback(ledger, &mark);
        report_keep_failure(report, &rmark);
    }
    return st;
}
