#include "io/csv.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "io/csv_scan.h"

#define CHUNK_SIZE ((size_t)1 << 16)

struct crvm__csv_reader {
    FILE *file;            /* NULL for a buffer reader */
    const char *buf;       /* current chunk (own for a file, caller's for a buffer) */
    char *own;             /* chunk storage of a file reader */
    size_t pos, end;       /* unread part of buf */
    int at_eof;            /* no more bytes after buf[end) */
    int read_error;
    int bom_checked;
    char *name;
    size_t max_field, max_fields;
    int delimiter;                 /* ',' unless set */
    int scalar_scan;               /* use the portable scan even where SSE2 is there */
    unsigned char special[256];    /* bytes that end a run of an unquoted field */

    const char *text;      /* the current record's fields: rec, or in place in own */
    char *rec;             /* field bytes, each followed by a NUL */
    size_t rec_len, rec_cap;
    size_t *ends;          /* ends[i] = offset one past field i's NUL */
    size_t n_fields, ends_cap;

    size_t line;           /* current physical line (1-based) */
    size_t record_line;    /* line where the current record starts */
    size_t record_number;  /* records started so far */
    unsigned long long bytes;
    crvm__csv_error_kind error;
    size_t error_field;    /* 0-based field of the first error */
    size_t error_line;     /* physical line of the first error */
};

/* Bytes that end a run of plain field bytes (the comma: the default delimiter). */
static const unsigned char special_unquoted[256] = {[0] = 1, [','] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1};
static const unsigned char special_quoted[256] = {[0] = 1, ['\n'] = 1, ['"'] = 1};

static crvm_status reader_new(const char *name, size_t max_field, size_t max_fields,
                              crvm__csv_reader **out)
{
    crvm__csv_reader *r = crvm__calloc(1, sizeof *r);
    if (!r)
        return crvm__nomem("creating a CSV reader");
    r->name = crvm__strdup(name ? name : "<input>");
    r->rec_cap = 256;
    r->rec = crvm__malloc(r->rec_cap);
    r->ends_cap = 16;
    r->ends = crvm__malloc(r->ends_cap * sizeof *r->ends);
    if (!r->name || !r->rec || !r->ends) {
        crvm__csv_close(r);
        return crvm__nomem("creating a CSV reader");
    }
    r->max_field = max_field ? max_field : CRVM__CSV_MAX_FIELD_DEFAULT;
    r->max_fields = max_fields ? max_fields : CRVM__CSV_MAX_FIELDS_DEFAULT;
    r->line = 1;
    r->delimiter = ',';
    memcpy(r->special, special_unquoted, sizeof r->special);
    *out = r;
    return CRVM_OK;
}

void crvm__csv_set_delimiter(crvm__csv_reader *r, char delimiter)
{
    r->special[(unsigned char)r->delimiter] = special_unquoted[(unsigned char)r->delimiter];
    r->delimiter = (unsigned char)delimiter;
    r->special[(unsigned char)delimiter] = 1;
}

void crvm__csv_set_scalar_scan(crvm__csv_reader *r, int scalar) { r->scalar_scan = scalar; }

crvm_status crvm__csv_open_file(FILE *f, const char *name, size_t max_field, size_t max_fields,
                                crvm__csv_reader **out)
{
    if (!f || !out)
        return crvm__fail(CRVM_EINVAL, "crvm__csv_open_file: NULL argument");
    crvm__csv_reader *r;
    crvm_status st = reader_new(name, max_field, max_fields, &r);
    if (st)
        return st;
    r->own = crvm__malloc(CHUNK_SIZE);
    if (!r->own) {
        crvm__csv_close(r);
        return crvm__nomem("creating a CSV reader");
    }
    r->file = f;
    r->buf = r->own;
    *out = r;
    return CRVM_OK;
}

crvm_status crvm__csv_open_buffer(const char *data, size_t len, const char *name, size_t max_field,
                                  size_t max_fields, crvm__csv_reader **out)
{
    if ((!data && len) || !out)
        return crvm__fail(CRVM_EINVAL, "crvm__csv_open_buffer: NULL argument");
    crvm__csv_reader *r;
    crvm_status st = reader_new(name, max_field, max_fields, &r);
    if (st)
        return st;
    r->buf = data ? data : "";
    r->end = len;
    r->at_eof = 1;
    *out = r;
    return CRVM_OK;
}

void crvm__csv_close(crvm__csv_reader *r)
{
    if (!r)
        return;
    crvm__free(r->own);
    crvm__free(r->name);
    crvm__free(r->rec);
    crvm__free(r->ends);
    crvm__free(r);
}

/* Refill the chunk; returns the number of bytes now available (0 at end). */
static size_t refill(crvm__csv_reader *r)
{
    if (r->at_eof)
        return 0;
    size_t n = fread(r->own, 1, CHUNK_SIZE, r->file);
    if (n < CHUNK_SIZE) {
        r->at_eof = 1;
        if (ferror(r->file))
            r->read_error = 1;
    }
    r->pos = 0;
    r->end = n;
    return n;
}

/* Next byte or -1 at end of input. */
static inline int get_byte(crvm__csv_reader *r)
{
    if (r->pos == r->end && refill(r) == 0)
        return -1;
    r->bytes++;
    return (unsigned char)r->buf[r->pos++];
}

/* Peek without consuming; -1 at end. */
static inline int peek_byte(crvm__csv_reader *r)
{
    if (r->pos == r->end && refill(r) == 0)
        return -1;
    return (unsigned char)r->buf[r->pos];
}

static void set_error(crvm__csv_reader *r, crvm__csv_error_kind kind)
{
    if (r->error == CRVM__CSV_ERR_NONE) {
        r->error = kind;
        r->error_field = r->n_fields;
        r->error_line = r->line;
    }
}

static int rec_reserve(crvm__csv_reader *r, size_t extra)
{
    if (r->rec_len + extra <= r->rec_cap)
        return 1;
    size_t cap = r->rec_cap;
    while (cap < r->rec_len + extra)
        cap *= 2;
    char *p = crvm__realloc_array(r->rec, cap, 1);
    if (!p)
        return 0;
    r->rec = p;
    r->rec_cap = cap;
    return 1;
}

/* Room for one more field end; 0 if out of memory. */
static int ends_reserve(crvm__csv_reader *r, size_t n_fields)
{
    if (n_fields < r->ends_cap)
        return 1;
    size_t *p = crvm__realloc_array(r->ends, r->ends_cap * 2, sizeof *p);
    if (!p)
        return 0;
    r->ends = p;
    r->ends_cap *= 2;
    return 1;
}

/* Close the current field (append NUL, record its end). */
static int end_field(crvm__csv_reader *r)
{
    if (r->n_fields >= r->max_fields) {
        set_error(r, CRVM__CSV_ERR_TOO_MANY_FIELDS);
        return 1;
    }
    if (!rec_reserve(r, 1) || !ends_reserve(r, r->n_fields))
        return 0;
    r->rec[r->rec_len++] = '\0';
    r->ends[r->n_fields++] = r->rec_len;
    return 1;
}

static inline unsigned lowest_bit(unsigned m)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctz(m);
#else
    unsigned k = 0;
    while (!(m & 1u)) {
        m >>= 1;
        k++;
    }
    return k;
#endif
}

/* Room for the end of field nf of a plain record: 1, or 0 when it would be
 * one field too many (the state machine then reports it), -1 when out of
 * memory. */
static int plain_room(crvm__csv_reader *r, size_t nf)
{
    if (nf >= r->max_fields)
        return 0;
    return ends_reserve(r, nf) ? 1 : -1;
}

/* Whether a field of the plain record of `len` bytes whose fields end as
 * r->ends[0..nf) says is longer than max_field. */
static int plain_field_too_long(const crvm__csv_reader *r, size_t len, size_t nf)
{
    if (len <= r->max_field)
        return 0; /* (always so with the default limit: a chunk is smaller) */
    for (size_t k = 0, start = 0; k < nf; start = r->ends[k++])
        if (r->ends[k] - 1 - start > r->max_field)
            return 1;
    return 0;
}

/* The common record, read at once: one that lies whole in the chunk, has no
 * quote, NUL or lone CR, and keeps within the limits. Its delimiters and
 * line break are found 16 bytes at a time (csv_scan.h); its delimiters and
 * line break then become the fields' NULs: in place in a file reader's own
 * chunk (the record is consumed, nothing reads those bytes again), in a
 * copy for a buffer reader (the caller's bytes are read-only). Returns 1
 * when the record was read, 0 to leave it to the general state machine
 * (nothing consumed: it reads the same bytes and reports any error), -1
 * when out of memory. */
static int read_plain_record(crvm__csv_reader *r)
{
    const unsigned char *p = (const unsigned char *)r->buf + r->pos;
    const size_t avail = r->end - r->pos;
    const unsigned char delimiter = (unsigned char)r->delimiter;
    size_t nf = 0, room = r->ends_cap < r->max_fields ? r->ends_cap : r->max_fields;
    for (size_t block = 0; block < avail; block += CRVM__CSV_BLOCK) {
        size_t left = avail - block;
        unsigned d, x;
#if CRVM__CSV_HAVE_SSE2
        if (left >= CRVM__CSV_BLOCK && !r->scalar_scan)
            crvm__csv_masks_sse2(p + block, delimiter, &d, &x);
        else
#endif
            crvm__csv_masks_scalar(p + block, left < CRVM__CSV_BLOCK ? left : CRVM__CSV_BLOCK,
                                   delimiter, &d, &x);
        if (x) /* the delimiters before the first other byte end fields */
            d &= (1u << lowest_bit(x)) - 1;
        for (; d; d &= d - 1) {
            if (nf == room) {
                int ok = plain_room(r, nf);
                if (ok <= 0)
                    return ok;
                room = r->ends_cap < r->max_fields ? r->ends_cap : r->max_fields;
            }
            r->ends[nf++] = block + lowest_bit(d) + 1;
        }
        if (!x)
            continue;
        size_t j = block + lowest_bit(x), line_break = 1;
        if (p[j] == '\r' && j + 1 < avail && p[j + 1] == '\n')
            line_break = 2;
        else if (p[j] != '\n')
            return 0; /* quote, NUL, lone CR */
        int ok = nf < room ? 1 : plain_room(r, nf);
        if (ok <= 0)
            return ok;
        r->ends[nf++] = j + 1;
        if (plain_field_too_long(r, j, nf))
            return 0;
        char *text;
        if (r->own) {
            text = r->own + r->pos;
        } else {
            if (!rec_reserve(r, j + 1))
                return -1;
            text = r->rec;
            memcpy(text, p, j);
        }
        for (size_t k = 0; k < nf; k++)
            text[r->ends[k] - 1] = '\0';
        r->text = text;
        r->rec_len = j + 1;
        r->n_fields = nf;
        r->pos += j + line_break;
        r->bytes += j + line_break;
        r->line++;
        return 1;
    }
    return 0; /* the record goes on in the next chunk, or ends the input */
}

static const char *error_text(crvm__csv_error_kind kind)
{
    switch (kind) {
    case CRVM__CSV_ERR_STRAY_QUOTE: return "quote inside an unquoted field (quote the whole field and double inner quotes)";
    case CRVM__CSV_ERR_AFTER_QUOTE: return "unexpected character after a closing quote";
    case CRVM__CSV_ERR_UNTERMINATED: return "quoted field not terminated before end of input";
    case CRVM__CSV_ERR_FIELD_TOO_LONG: return "field too long";
    case CRVM__CSV_ERR_TOO_MANY_FIELDS: return "too many fields in record";
    case CRVM__CSV_ERR_NUL: return "NUL byte in input";
    case CRVM__CSV_ERR_READ: return "read error";
    default: return "no error";
    }
}


/* ST_SKIP_LINE: after a misplaced quote the quoting of the rest of the line
 * cannot be trusted (a later field opening a quote would swallow the next
 * rows), so the record ends at the end of the physical line, quotes or not. */
enum { ST_FIELD_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_IN_QUOTED, ST_SKIP_LINE };

crvm_status crvm__csv_next(crvm__csv_reader *r, int *has_record)
{
    if (!r || !has_record)
        return crvm__fail(CRVM_EINVAL, "crvm__csv_next: NULL argument");
    r->rec_len = 0;
    r->n_fields = 0;
    r->text = r->rec;
    r->error = CRVM__CSV_ERR_NONE;

    /* A UTF-8 byte order mark at the very start (as spreadsheet programs
     * write) is not part of the first field. */
    if (r->bytes == 0 && !r->bom_checked) {
        r->bom_checked = 1;
        if (peek_byte(r) == 0xEF && r->end - r->pos >= 3 &&
            memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3) == 0) {
            r->pos += 3;
            r->bytes += 3;
        }
    }

    /* Skip empty lines; detect end of input. */
    int c, lone_cr = 0;
    for (;;) {
        c = peek_byte(r);
        if (c == -1) {
            if (r->read_error)
                return crvm__fail(CRVM_EIO, "%s: read error after line %zu", r->name, r->line);
            *has_record = 0;
            return CRVM_OK;
        }
        if (c == '\n') {
            get_byte(r);
            r->line++;
            continue;
        }
        if (c == '\r') {
            /* An empty line only if followed by LF; a lone CR is data. */
            get_byte(r);
            if (peek_byte(r) == '\n') {
                get_byte(r);
                r->line++;
                continue;
            }
            lone_cr = 1;
        }
        break;
    }
    r->record_line = r->line;
    r->record_number++;
    if (!lone_cr) {
        int plain = read_plain_record(r);
        if (plain < 0)
            return crvm__nomem("reading a CSV record");
        if (plain) {
            *has_record = 1;
            return CRVM_OK;
        }
    }

    int state = ST_FIELD_START;
    size_t field_len = 0;
    if (lone_cr) {
        if (!rec_reserve(r, 1))
            return crvm__nomem("reading a CSV record");
        r->rec[r->rec_len++] = '\r';
        state = ST_UNQUOTED;
        field_len = 1;
    }
    size_t quote_line = r->line;
    int done = 0;
    while (!done) {
        if (state == ST_SKIP_LINE) { /* drop the rest of the physical line at once */
            const char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
            size_t k = nl ? (size_t)(nl - (r->buf + r->pos)) : r->end - r->pos;
            r->pos += k;
            r->bytes += k;
        }
        /* Fast path: copy a run of plain bytes of the current field at once. */
        if ((state == ST_UNQUOTED || state == ST_QUOTED) && r->n_fields < r->max_fields &&
            field_len < r->max_field) {
            const unsigned char *p = (const unsigned char *)r->buf + r->pos;
            size_t avail = r->end - r->pos, room = r->max_field - field_len, k = 0;
            if (avail > room)
                avail = room;
            const unsigned char *special = state == ST_UNQUOTED ? r->special : special_quoted;
            while (k < avail && !special[p[k]])
                k++;
            if (k) {
                if (!rec_reserve(r, k))
                    return crvm__nomem("reading a CSV record");
                memcpy(r->rec + r->rec_len, p, k);
                r->rec_len += k;
                field_len += k;
                r->pos += k;
                r->bytes += k;
            }
        }
        c = get_byte(r);
        if (c == -1) {
            if (r->read_error) {
                set_error(r, CRVM__CSV_ERR_READ);
                return crvm__fail(CRVM_EIO, "%s: read error at line %zu", r->name, r->line);
            }
            if (state == ST_QUOTED) {
                set_error(r, CRVM__CSV_ERR_UNTERMINATED);
                r->error_line = quote_line;
            }
            if (!end_field(r))
                return crvm__nomem("reading a CSV record");
            break;
        }
        if (c == 0) {
            set_error(r, CRVM__CSV_ERR_NUL);
            continue;
        }
        switch (state) {
        case ST_FIELD_START:
            if (c == '"') {
                state = ST_QUOTED;
                quote_line = r->line;
                continue;
            }
            state = ST_UNQUOTED;
            /* fall through */
        case ST_UNQUOTED:
            if (c == r->delimiter) {
                if (!end_field(r))
                    return crvm__nomem("reading a CSV record");
                state = ST_FIELD_START;
                field_len = 0;
                continue;
            }
            if (c == '\n' || (c == '\r' && peek_byte(r) == '\n')) {
                if (c == '\r')
                    get_byte(r);
                if (!end_field(r))
                    return crvm__nomem("reading a CSV record");
                r->line++;
                done = 1;
                continue;
            }
            if (c == '"') {
                set_error(r, CRVM__CSV_ERR_STRAY_QUOTE);
                state = ST_SKIP_LINE;
                continue;
            }
            break; /* data byte */
        case ST_QUOTED:
            if (c == '"') {
                state = ST_QUOTE_IN_QUOTED;
                continue;
            }
            if (c == '\n')
                r->line++;
            break; /* data byte */
        case ST_QUOTE_IN_QUOTED:
            if (c == '"') {
                state = ST_QUOTED; /* doubled quote: one literal quote */
                break;
            }
            if (c == r->delimiter) {
                if (!end_field(r))
                    return crvm__nomem("reading a CSV record");
                state = ST_FIELD_START;
                field_len = 0;
                continue;
            }
            if (c == '\n' || (c == '\r' && peek_byte(r) == '\n')) {
                if (c == '\r')
                    get_byte(r);
                if (!end_field(r))
                    return crvm__nomem("reading a CSV record");
                r->line++;
                done = 1;
                continue;
            }
            set_error(r, CRVM__CSV_ERR_AFTER_QUOTE);
            state = ST_SKIP_LINE;
            continue;
        case ST_SKIP_LINE:
            if (c == '\n') {
                r->line++;
                done = 1;
            }
            continue;
        }
        /* Append a data byte to the current field. */
        if (field_len >= r->max_field) {
            set_error(r, CRVM__CSV_ERR_FIELD_TOO_LONG);
            continue;
        }
        if (r->n_fields >= r->max_fields)
            continue; /* already flagged when the extra field was closed */
        field_len++;
        if (r->rec_len == r->rec_cap && !rec_reserve(r, 1))
            return crvm__nomem("reading a CSV record");
        r->rec[r->rec_len++] = (char)c;
    }

    if (r->error != CRVM__CSV_ERR_NONE) {
        r->n_fields = 0;
        const char *what = error_text(r->error);
        if (r->error == CRVM__CSV_ERR_FIELD_TOO_LONG)
            return crvm__fail(CRVM_EPARSE, "%s: line %zu (record %zu), field %zu: %s (limit %zu bytes)",
                              r->name, r->error_line, r->record_number, r->error_field + 1, what,
                              r->max_field);
        if (r->error == CRVM__CSV_ERR_TOO_MANY_FIELDS)
            return crvm__fail(CRVM_EPARSE, "%s: line %zu (record %zu): %s (limit %zu)", r->name,
                              r->record_line, r->record_number, what, r->max_fields);
        return crvm__fail(CRVM_EPARSE, "%s: line %zu (record %zu), field %zu: %s", r->name,
                          r->error_line, r->record_number, r->error_field + 1, what);
    }
    r->text = r->rec; /* (rec may have moved while the record grew) */
    *has_record = 1;
    return CRVM_OK;
}

size_t crvm__csv_field_count(const crvm__csv_reader *r) { return r->n_fields; }

crvm__csv_record crvm__csv_current(const crvm__csv_reader *r)
{
    crvm__csv_record rec = {r->text, r->ends, r->n_fields};
    return rec;
}

const char *crvm__csv_field(const crvm__csv_reader *r, size_t i, size_t *len)
{
    size_t n;
    const char *f = crvm__csv_record_field(crvm__csv_current(r), i, &n);
    if (len)
        *len = n;
    return f;
}

size_t crvm__csv_record_line(const crvm__csv_reader *r) { return r->record_line; }
size_t crvm__csv_record_number(const crvm__csv_reader *r) { return r->record_number; }
crvm__csv_error_kind crvm__csv_error(const crvm__csv_reader *r) { return r->error; }
size_t crvm__csv_error_field(const crvm__csv_reader *r) { return r->error_field; }
size_t crvm__csv_error_line(const crvm__csv_reader *r) { return r->error_line; }
const char *crvm__csv_error_text(crvm__csv_error_kind kind) { return error_text(kind); }
unsigned long long crvm__csv_bytes_read(const crvm__csv_reader *r) { return r->bytes; }

int crvm__csv_write_field(FILE *f, const char *s, size_t len)
{
    int quote = 0;
    for (size_t i = 0; i < len && !quote; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            quote = 1;
    if (!quote)
        return fwrite(s, 1, len, f) == len ? 0 : EOF;
    if (putc('"', f) == EOF)
        return EOF;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"' && putc('"', f) == EOF)
            return EOF;
        if (putc(s[i], f) == EOF)
            return EOF;
    }
    return putc('"', f) == EOF ? EOF : 0;
}
