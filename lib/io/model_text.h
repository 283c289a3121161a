/* Private: the line format of saved models (docs/model-format.md).
 *
 * A model text is
 *     crvm-model <version>
 *     kind <kind>
 *     <field lines, in the order the kind defines>
 *     checksum fnv1a64 <16 hex digits>
 * where a field line is "name value ...", a vector "name n v1 .. vn" and a
 * matrix "name rows cols [column names]" followed by rows lines of cols
 * numbers. Lines starting with '#' and blank lines are ignored and not
 * covered by the checksum: FNV-1a (64 bit) over every other line before the
 * checksum line, each taken without its line end and followed by one LF.
 * Numbers are decimal ('.' whatever the C locale), or nan, inf, -inf.
 *
 * The writer accumulates into a growing buffer and remembers an allocation
 * failure (checked once, by crvm__mt_finish); the reader walks the lines in
 * order and fails with CRVM_EPARSE naming the source and line. */
#ifndef CRVM_IO_MODEL_TEXT_H
#define CRVM_IO_MODEL_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/common.h"

typedef struct crvm__mt_writer {
    char *buf;
    size_t len, cap;
    int failed; /* an allocation failed: crvm__mt_finish reports CRVM_ENOMEM */
} crvm__mt_writer;

/* Start a text: a comment heading naming the model (title) and the header
 * lines of the kind. Release with crvm__mt_writer_free unless finished. */
void crvm__mt_begin(crvm__mt_writer *w, const char *kind, const char *title);
void crvm__mt_word(crvm__mt_writer *w, const char *key, const char *word);
void crvm__mt_long(crvm__mt_writer *w, const char *key, long value);
void crvm__mt_double(crvm__mt_writer *w, const char *key, double value);
void crvm__mt_vector(crvm__mt_writer *w, const char *key, const double *v, size_t n);
/* A matrix header; names (cols of them) may be NULL. Rows follow with crvm__mt_row. */
void crvm__mt_matrix(crvm__mt_writer *w, const char *key, size_t rows, size_t cols,
                     const char *const *names);
void crvm__mt_row(crvm__mt_writer *w, const double *v, size_t n);
/* Append the checksum line and hand over the NUL-terminated text (*len bytes
 * without the NUL; free with crvm__free). CRVM_ENOMEM if anything failed
 * (the buffer is then released). */
crvm_status crvm__mt_finish(crvm__mt_writer *w, char **text, size_t *len);
void crvm__mt_writer_free(crvm__mt_writer *w);

typedef struct crvm__mt_reader {
    const char *text, *end;  /* the whole text */
    const char *next;        /* start of the line after the current one */
    const char *cur, *eol;   /* the current line's unread part and its end */
    const char *checksum_at; /* start of the checksum line */
    size_t line;             /* number of the current line (1-based) */
    const char *source;      /* names the text in messages */
} crvm__mt_reader;

/* Read the header of text and check the kind name is `kind` (NULL: any; the
 * kind read goes to kind_out, which may be NULL, as a pointer into text with
 * its length). With verify, also check the text ends with a checksum line
 * that matches. CRVM_EPARSE naming the problem otherwise. */
crvm_status crvm__mt_open(crvm__mt_reader *r, const char *text, size_t len, const char *source,
                          const char *kind, int verify, const char **kind_out,
                          size_t *kind_len);
/* The next field line must be `key word` with word one of choices[0 .. n):
 * *index receives its position. */
crvm_status crvm__mt_read_choice(crvm__mt_reader *r, const char *key, const char *const *choices,
                                 int n, int *index);
crvm_status crvm__mt_read_long(crvm__mt_reader *r, const char *key, long min, long max,
                               long *out);
crvm_status crvm__mt_read_double(crvm__mt_reader *r, const char *key, double *out);
/* `key n v1 .. vn` with n the expected count. */
crvm_status crvm__mt_read_vector(crvm__mt_reader *r, const char *key, size_t n, double *out);
/* A matrix header `key rows cols [names]` with cols and names (NULL: none)
 * as expected and rows <= max_rows; *rows receives the row count. */
crvm_status crvm__mt_read_matrix_head(crvm__mt_reader *r, const char *key, size_t max_rows,
                                      size_t cols, const char *const *names, size_t *rows);
/* The rows x cols numbers after a matrix header, into out (row-major). */
crvm_status crvm__mt_read_rows(crvm__mt_reader *r, size_t rows, size_t cols, double *out);
/* A matrix of exactly rows x cols: head and rows. */
crvm_status crvm__mt_read_matrix(crvm__mt_reader *r, const char *key, size_t rows, size_t cols,
                                 const char *const *names, double *out);
/* The next field line must be the checksum line (nothing left unread). */
crvm_status crvm__mt_close(crvm__mt_reader *r);

#endif
