/* Private: streaming RFC 4180 CSV tokenizer.
 *
 * Reads records from a FILE* or a memory buffer. Fields may be quoted with
 * '"'; a quoted field may contain commas, CR, LF and doubled quotes ("").
 * Records end at LF or CRLF (a lone CR inside an unquoted field is data).
 * The last record need not end with a line break. Lines that are completely
 * empty (no byte before the line break) hold no record and are skipped; they
 * still count as physical lines. A UTF-8 byte order mark at the start of the
 * input is skipped.
 *
 * Syntax errors (a quote inside an unquoted field, a byte other than a comma
 * or line break after a closing quote, a quote left open at end of input, a
 * field longer than max_field bytes, more than max_fields fields) are reported
 * by crvm__csv_next() with the physical line and record number; the reader
 * then resynchronises so that a lenient caller can report the record and
 * continue: after a misplaced quote (stray, or followed by a byte other than
 * a comma or line break) at the end of that physical line, whatever quotes
 * follow on it; after the other errors at the next line break outside
 * quotes. An unterminated quote consumes the rest of the input: the error
 * says so.
 *
 * Memory is bounded: one input chunk plus the current record (at most
 * max_fields fields of at most max_field bytes).
 */
#ifndef CRVM_IO_CSV_H
#define CRVM_IO_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "crvm/common.h"

typedef struct crvm__csv_reader crvm__csv_reader;

/* Default limits. */
#define CRVM__CSV_MAX_FIELD_DEFAULT ((size_t)1 << 20) /* 1 MiB per field */
#define CRVM__CSV_MAX_FIELDS_DEFAULT ((size_t)1024)

/* Kinds of syntax error reported through crvm__csv_error(). */
typedef enum crvm__csv_error_kind {
    CRVM__CSV_ERR_NONE = 0,
    CRVM__CSV_ERR_STRAY_QUOTE,     /* '"' inside an unquoted field */
    CRVM__CSV_ERR_AFTER_QUOTE,     /* byte after a closing quote that is not ',' or a line break */
    CRVM__CSV_ERR_UNTERMINATED,    /* end of input inside a quoted field */
    CRVM__CSV_ERR_FIELD_TOO_LONG,  /* a field exceeds max_field bytes */
    CRVM__CSV_ERR_TOO_MANY_FIELDS, /* a record exceeds max_fields fields */
    CRVM__CSV_ERR_NUL,             /* a NUL byte in the input */
    CRVM__CSV_ERR_READ             /* the stream reported a read error */
} crvm__csv_error_kind;

/* Reader over a stream (not closed by the reader). name is used in messages
 * and copied. max_field / max_fields of 0 mean the defaults. */
crvm_status crvm__csv_open_file(FILE *f, const char *name, size_t max_field, size_t max_fields,
                                crvm__csv_reader **out);
/* Reader over a caller buffer that must outlive the reader. */
crvm_status crvm__csv_open_buffer(const char *data, size_t len, const char *name, size_t max_field,
                                  size_t max_fields, crvm__csv_reader **out);
void crvm__csv_close(crvm__csv_reader *r);
/* Separate fields by delimiter instead of the comma (not '"', CR, LF or NUL:
 * the caller checks). */
void crvm__csv_set_delimiter(crvm__csv_reader *r, char delimiter);
/* Find the bytes that end a field with the portable scalar scan even where
 * the SSE2 one is available (scalar != 0): the same records either way; for
 * tests and fuzzing that compare the two. */
void crvm__csv_set_scalar_scan(crvm__csv_reader *r, int scalar);

/* Read the next record. Returns:
 *  CRVM_OK      with *has_record = 1 and the record available through the
 *               accessors below, or *has_record = 0 at end of input;
 *  CRVM_EPARSE  a syntax error in the record starting at
 *               crvm__csv_record_line(); the message names file, line and
 *               record; the reader has skipped the bad record and can be
 *               called again (after CRVM__CSV_ERR_UNTERMINATED it is at end);
 *  CRVM_ENOMEM  growing the record buffer failed (the reader is unusable);
 *  CRVM_EIO     a read error (unusable). */
crvm_status crvm__csv_next(crvm__csv_reader *r, int *has_record);

size_t crvm__csv_field_count(const crvm__csv_reader *r);
/* Field i of the current record: NUL-terminated (embedded NULs are errors),
 * with its length; valid until the next call to crvm__csv_next(). */
const char *crvm__csv_field(const crvm__csv_reader *r, size_t i, size_t *len);

/* The current record at once, for a caller that reads many of its fields
 * (one call a record instead of one a field): its fields lie in text, each
 * followed by its NUL, field i ending at ends[i] (one past its NUL); read
 * them with crvm__csv_record_field. Valid until the next crvm__csv_next(). */
typedef struct crvm__csv_record {
    const char *text;
    const size_t *ends;
    size_t n_fields;
} crvm__csv_record;
crvm__csv_record crvm__csv_current(const crvm__csv_reader *r);
static inline const char *crvm__csv_record_field(crvm__csv_record rec, size_t i, size_t *len)
{
    size_t start = i == 0 ? 0 : rec.ends[i - 1];
    *len = rec.ends[i] - start - 1;
    return rec.text + start;
}
/* Physical line (1-based) on which the current or failed record starts. */
size_t crvm__csv_record_line(const crvm__csv_reader *r);
/* Record number (1-based, counting the header, not counting empty lines) of
 * the current or failed record. */
size_t crvm__csv_record_number(const crvm__csv_reader *r);
/* Kind of the last syntax error (NONE after a successful record). */
crvm__csv_error_kind crvm__csv_error(const crvm__csv_reader *r);
/* 0-based field index and physical line of the last syntax error. */
size_t crvm__csv_error_field(const crvm__csv_reader *r);
size_t crvm__csv_error_line(const crvm__csv_reader *r);
/* Constant description of an error kind. */
const char *crvm__csv_error_text(crvm__csv_error_kind kind);
/* Bytes consumed from the input so far. */
unsigned long long crvm__csv_bytes_read(const crvm__csv_reader *r);

/* Write one field to f, quoting it when it contains ',', '"', CR or LF
 * Returns 0, or EOF on a write error. */
int crvm__csv_write_field(FILE *f, const char *s, size_t len);

#endif
