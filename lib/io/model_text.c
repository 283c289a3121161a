#include "io/model_text.h"

#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/model_io.h"
#include "io/parse.h"

/* ---- lines ----------------------------------------------------------------- */

static int is_space(char c) { return c == ' ' || c == '\t'; }

/* The line starting at s: its end without the line terminator (a CR before
 * the LF is dropped) and the start of the next line. */
static const char *line_end(const char *s, const char *end, const char **next)
{
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    if (e > s && e[-1] == '\r')
        e--;
    return e;
}

/* Comment ('#' first) and blank lines hold no field and are not checksummed. */
static int is_field_line(const char *s, const char *e)
{
    if (s < e && *s == '#')
        return 0;
    for (; s < e; s++)
        if (!is_space(*s))
            return 1;
    return 0;
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

/* FNV-1a over the field lines of [text, stop), each followed by one LF. */
static uint64_t checksum(const char *text, const char *stop)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const char *s = text, *next; s < stop; s = next) {
        const char *e = line_end(s, stop, &next);
        if (is_field_line(s, e)) {
            h = fnv1a(h, s, (size_t)(e - s));
            h = fnv1a(h, "\n", 1);
        }
    }
    return h;
}

/* ---- writer ---------------------------------------------------------------- */

static void put(crvm__mt_writer *w, const char *s, size_t n)
{
    if (w->failed)
        return;
    if (n + 1 > w->cap - w->len) {
        size_t cap = w->cap ? w->cap : 1024;
        while (n + 1 > cap - w->len) {
            if (cap > SIZE_MAX / 2) {
                w->failed = 1;
                return;
            }
            cap *= 2;
        }
        char *b = crvm__realloc_array(w->buf, cap, 1);
        if (b == NULL) {
            w->failed = 1;
            return;
        }
        w->buf = b;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void puts_(crvm__mt_writer *w, const char *s) { put(w, s, strlen(s)); }

/* The shortest decimal text (15 to 17 significant digits) that reads back
 * as exactly v, with '.' as the decimal point whatever the locale. */
static void format_double(double v, char out[40])
{
    if (isnan(v)) {
        strcpy(out, "nan");
        return;
    }
    if (isinf(v)) {
        strcpy(out, v > 0 ? "inf" : "-inf");
        return;
    }
    const struct lconv *lc = localeconv();
    char point = lc && lc->decimal_point && lc->decimal_point[0] ? lc->decimal_point[0] : '.';
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(out, 40, "%.*g", digits, v);
        char *p = point != '.' ? strchr(out, point) : NULL;
        if (p)
            *p = '.';
        double back;
        const char *why;
        if (crvm__parse_double(out, strlen(out), &back, &why) && back == v)
            return;
    }
}

static void put_double(crvm__mt_writer *w, double v)
{
    char num[40];
    format_double(v, num);
    puts_(w, num);
}

void crvm__mt_begin(crvm__mt_writer *w, const char *kind, const char *title)
{
    memset(w, 0, sizeof *w);
    char head[256];
    snprintf(head, sizeof head,
             "# crvm %s, saved by crvm %s (format: docs/model-format.md)\n"
             "crvm-model %d\nkind %s\n",
             title, crvm_version(), CRVM_MODEL_FORMAT_VERSION, kind);
    puts_(w, head);
}

void crvm__mt_word(crvm__mt_writer *w, const char *key, const char *word)
{
    puts_(w, key);
    puts_(w, " ");
    puts_(w, word);
    puts_(w, "\n");
}

void crvm__mt_long(crvm__mt_writer *w, const char *key, long value)
{
    char num[32];
    snprintf(num, sizeof num, "%ld", value);
    crvm__mt_word(w, key, num);
}

void crvm__mt_double(crvm__mt_writer *w, const char *key, double value)
{
    char num[40];
    format_double(value, num);
    crvm__mt_word(w, key, num);
}

void crvm__mt_vector(crvm__mt_writer *w, const char *key, const double *v, size_t n)
{
    char num[32];
    snprintf(num, sizeof num, " %zu", n);
    puts_(w, key);
    puts_(w, num);
    for (size_t i = 0; i < n; i++) {
        puts_(w, " ");
        put_double(w, v[i]);
    }
    puts_(w, "\n");
}

void crvm__mt_matrix(crvm__mt_writer *w, const char *key, size_t rows, size_t cols,
                     const char *const *names)
{
    char num[64];
    snprintf(num, sizeof num, " %zu %zu", rows, cols);
    puts_(w, key);
    puts_(w, num);
    for (size_t j = 0; names && j < cols; j++) {
        puts_(w, " ");
        puts_(w, names[j]);
    }
    puts_(w, "\n");
}

void crvm__mt_row(crvm__mt_writer *w, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            puts_(w, " ");
        put_double(w, v[i]);
    }
    puts_(w, "\n");
}

crvm_status crvm__mt_finish(crvm__mt_writer *w, char **text, size_t *len)
{
    if (!w->failed) {
        char line[64];
        snprintf(line, sizeof line, "checksum fnv1a64 %016" PRIx64 "\n",
                 checksum(w->buf, w->buf + w->len));
        puts_(w, line);
    }
    if (w->failed) {
        crvm__mt_writer_free(w);
        return crvm__nomem("writing a model as text");
    }
    *text = w->buf;
    *len = w->len;
    w->buf = NULL;
    return CRVM_OK;
}

void crvm__mt_writer_free(crvm__mt_writer *w)
{
    crvm__free(w->buf);
    memset(w, 0, sizeof *w);
}

/* ---- reader ---------------------------------------------------------------- */

/* Advance to the next field line; 0 at the end of the text. */
static int next_line(crvm__mt_reader *r)
{
    while (r->next < r->end) {
        const char *s = r->next;
        const char *e = line_end(s, r->end, &r->next);
        r->line++;
        if (is_field_line(s, e)) {
            r->cur = s;
            r->eol = e;
            return 1;
        }
    }
    r->cur = r->eol = r->end;
    return 0;
}

/* The next token of the current line (0 if none). */
static int token(crvm__mt_reader *r, const char **s, size_t *n)
{
    while (r->cur < r->eol && is_space(*r->cur))
        r->cur++;
    if (r->cur == r->eol)
        return 0;
    *s = r->cur;
    while (r->cur < r->eol && !is_space(*r->cur))
        r->cur++;
    *n = (size_t)(r->cur - *s);
    return 1;
}

static int token_is(const char *s, size_t n, const char *word)
{
    return n == strlen(word) && memcmp(s, word, n) == 0;
}

static crvm_status bad(const crvm__mt_reader *r, const char *what)
{
    char clip[64];
    crvm__io_clip(r->cur, (size_t)(r->eol - r->cur), clip);
    return crvm__fail(CRVM_EPARSE, "%s: line %zu: %s (at '%s')", r->source, r->line, what, clip);
}

/* What the reader found instead of a field line: the checksum line or the end. */
static const char *what_follows(const crvm__mt_reader *r)
{
    return r->cur == r->checksum_at ? "the checksum line" : "the end of the text";
}

/* The next field line must start with key. */
static crvm_status expect_key(crvm__mt_reader *r, const char *key)
{
    const char *s;
    size_t n;
    if (r->checksum_at != NULL && r->next > r->checksum_at)
        return crvm__fail(CRVM_EPARSE, "%s: line %zu: expected '%s', found the checksum line",
                          r->source, r->line, key);
    if (!next_line(r) || r->cur == r->checksum_at)
        return crvm__fail(CRVM_EPARSE, "%s: line %zu: expected '%s', found %s", r->source, r->line,
                          key, what_follows(r));
    const char *start = r->cur;
    if (!token(r, &s, &n) || !token_is(s, n, key)) {
        r->cur = start;
        char what[96];
        snprintf(what, sizeof what, "expected the field '%s'", key);
        return bad(r, what);
    }
    return CRVM_OK;
}

static crvm_status end_of_line(crvm__mt_reader *r)
{
    const char *s;
    size_t n;
    const char *at = r->cur;
    if (token(r, &s, &n)) {
        r->cur = at;
        return bad(r, "unexpected text at the end of the line");
    }
    return CRVM_OK;
}

static crvm_status number(crvm__mt_reader *r, double *out)
{
    const char *s, *why = "missing number";
    size_t n;
    const char *at = r->cur;
    if (token(r, &s, &n)) {
        if (token_is(s, n, "nan")) {
            *out = NAN;
            return CRVM_OK;
        }
        if (token_is(s, n, "inf") || token_is(s, n, "-inf")) {
            *out = s[0] == '-' ? -INFINITY : INFINITY;
            return CRVM_OK;
        }
        if (crvm__parse_double(s, n, out, &why))
            return CRVM_OK;
    }
    r->cur = at;
    return bad(r, why);
}

static crvm_status count(crvm__mt_reader *r, size_t max, size_t *out)
{
    const char *s, *why = "missing count";
    size_t n;
    long v;
    const char *at = r->cur;
    if (token(r, &s, &n) && crvm__parse_long(s, n, 0, LONG_MAX, &v, &why)) {
        if ((unsigned long)v <= max) {
            *out = (size_t)v;
            return CRVM_OK;
        }
        why = "count out of range";
    }
    r->cur = at;
    return bad(r, why);
}

crvm_status crvm__mt_open(crvm__mt_reader *r, const char *text, size_t len, const char *source,
                          const char *kind, int verify, const char **kind_out, size_t *kind_len)
{
    memset(r, 0, sizeof *r);
    r->text = r->next = text;
    r->end = text + len;
    r->source = source;
    const char *s;
    size_t n;
    long version;
    const char *why;
    if (!next_line(r) || !token(r, &s, &n) || !token_is(s, n, "crvm-model"))
        return crvm__fail(CRVM_EPARSE, "%s: not a crvm model (line %zu: expected 'crvm-model "
                                       "<version>')", source, r->line);
    if (!token(r, &s, &n) || !crvm__parse_long(s, n, 1, LONG_MAX, &version, &why))
        return bad(r, "the format version must be a whole number >= 1");
    if (version > CRVM_MODEL_FORMAT_VERSION)
        return crvm__fail(CRVM_EPARSE, "%s: format version %ld is newer than this library reads "
                                       "(crvm %s reads version %d): upgrade crvm to load it",
                          source, version, crvm_version(), CRVM_MODEL_FORMAT_VERSION);
    crvm_status st = end_of_line(r);
    if (st != CRVM_OK || (st = expect_key(r, "kind")) != CRVM_OK)
        return st;
    if (!token(r, &s, &n))
        return bad(r, "the model kind is missing");
    if (kind != NULL && !token_is(s, n, kind)) {
        char got[64];
        crvm__io_clip(s, n, got);
        return crvm__fail(CRVM_EPARSE, "%s: line %zu: holds a '%s' model, not a '%s' model",
                          source, r->line, got, kind);
    }
    if (kind_out) {
        *kind_out = s;
        *kind_len = n;
    }
    if ((st = end_of_line(r)) != CRVM_OK || !verify)
        return st;
    /* The last field line must be the checksum of everything before it. */
    crvm__mt_reader last = *r;
    const char *last_start = NULL;
    size_t last_line = 0;
    while (next_line(&last)) {
        last_start = last.cur;
        last_line = last.line;
    }
    if (last_start == NULL)
        return crvm__fail(CRVM_EPARSE, "%s: the text ends after line %zu: it was cut short (no "
                                       "checksum line)", source, r->line);
    last.cur = last_start;
    last.eol = line_end(last_start, r->end, &last.next);
    uint64_t want = 0;
    if (!token(&last, &s, &n) || !token_is(s, n, "checksum"))
        return crvm__fail(CRVM_EPARSE, "%s: the text ends at line %zu without its checksum line: "
                                       "it was cut short", source, last_line);
    if (!token(&last, &s, &n) || !token_is(s, n, "fnv1a64") || !token(&last, &s, &n) || n != 16)
        return crvm__fail(CRVM_EPARSE, "%s: line %zu: expected 'checksum fnv1a64 <16 hex digits>'",
                          source, last_line);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return crvm__fail(CRVM_EPARSE, "%s: line %zu: the checksum must be 16 lowercase hex "
                                           "digits", source, last_line);
        want = want << 4 | (uint64_t)d;
    }
    if (checksum(text, last_start) != want)
        return crvm__fail(CRVM_EPARSE, "%s: checksum mismatch: the text was changed or damaged "
                                       "after it was written (line %zu holds the checksum)",
                          source, last_line);
    r->checksum_at = last_start;
    return CRVM_OK;
}

crvm_status crvm__mt_read_choice(crvm__mt_reader *r, const char *key, const char *const *choices,
                                 int count_, int *index)
{
    crvm_status st = expect_key(r, key);
    const char *s;
    size_t n;
    if (st != CRVM_OK)
        return st;
    const char *at = r->cur;
    if (token(r, &s, &n))
        for (int i = 0; i < count_; i++)
            if (token_is(s, n, choices[i])) {
                *index = i;
                return end_of_line(r);
            }
    r->cur = at;
    return bad(r, "unknown value");
}

crvm_status crvm__mt_read_long(crvm__mt_reader *r, const char *key, long min, long max, long *out)
{
    crvm_status st = expect_key(r, key);
    const char *s, *why = "missing number";
    size_t n;
    if (st != CRVM_OK)
        return st;
    const char *at = r->cur;
    if (!token(r, &s, &n) || !crvm__parse_long(s, n, min, max, out, &why)) {
        r->cur = at;
        return bad(r, why);
    }
    return end_of_line(r);
}

crvm_status crvm__mt_read_double(crvm__mt_reader *r, const char *key, double *out)
{
    crvm_status st = expect_key(r, key);
    if (st == CRVM_OK)
        st = number(r, out);
    return st == CRVM_OK ? end_of_line(r) : st;
}

crvm_status crvm__mt_read_vector(crvm__mt_reader *r, const char *key, size_t n, double *out)
{
    size_t got = 0;
    crvm_status st = expect_key(r, key);
    if (st != CRVM_OK || (st = count(r, n, &got)) != CRVM_OK)
        return st;
    if (got != n)
        return bad(r, "wrong number of values");
    for (size_t i = 0; i < n; i++)
        if ((st = number(r, &out[i])) != CRVM_OK)
            return st;
    return end_of_line(r);
}

crvm_status crvm__mt_read_matrix_head(crvm__mt_reader *r, const char *key, size_t max_rows,
                                      size_t cols, const char *const *names, size_t *rows)
{
    size_t c = 0;
    crvm_status st = expect_key(r, key);
    if (st != CRVM_OK || (st = count(r, max_rows, rows)) != CRVM_OK ||
        (st = count(r, SIZE_MAX, &c)) != CRVM_OK)
        return st;
    if (c != cols)
        return bad(r, "wrong number of columns");
    for (size_t j = 0; names && j < cols; j++) {
        const char *s, *at = r->cur;
        size_t n;
        if (!token(r, &s, &n) || !token_is(s, n, names[j])) {
            r->cur = at;
            char what[96];
            snprintf(what, sizeof what, "expected the column name '%s'", names[j]);
            return bad(r, what);
        }
    }
    return end_of_line(r);
}

crvm_status crvm__mt_read_rows(crvm__mt_reader *r, size_t rows, size_t cols, double *out)
{
    crvm_status st;
    for (size_t i = 0; i < rows; i++) {
        if (!next_line(r) || r->cur == r->checksum_at)
            return crvm__fail(CRVM_EPARSE, "%s: line %zu: expected row %zu of %zu, found %s",
                              r->source, r->line, i + 1, rows, what_follows(r));
        for (size_t j = 0; j < cols; j++)
            if ((st = number(r, &out[i * cols + j])) != CRVM_OK)
                return st;
        if ((st = end_of_line(r)) != CRVM_OK)
            return st;
    }
    return CRVM_OK;
}

crvm_status crvm__mt_read_matrix(crvm__mt_reader *r, const char *key, size_t rows, size_t cols,
                                 const char *const *names, double *out)
{
    size_t got = 0;
    crvm_status st = crvm__mt_read_matrix_head(r, key, rows, cols, names, &got);
    if (st != CRVM_OK)
        return st;
    if (got != rows)
        return crvm__fail(CRVM_EPARSE, "%s: line %zu: '%s' has %zu rows, expected %zu", r->source,
                          r->line, key, got, rows);
    return crvm__mt_read_rows(r, rows, cols, out);
}

crvm_status crvm__mt_close(crvm__mt_reader *r)
{
    if (!next_line(r) || r->cur != r->checksum_at) {
        return r->cur == r->end ? crvm__fail(CRVM_EPARSE, "%s: no checksum line", r->source)
                                : bad(r, "unexpected field (expected the checksum line)");
    }
    return CRVM_OK;
}
