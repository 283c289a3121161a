/* The CSV tokenizer's two ways of finding field ends (the 16-byte SSE2 scan
 * and the portable scalar one, lib/io/csv_scan.h) and its two ways of
 * reading (the whole-record path for plain records, the state machine for
 * the rest) read the same records. Generated text, whose records the
 * generator knows field by field, is read from memory and from a file (64
 * KiB chunks, fields straddling the chunk boundaries) with either scan; every
 * reader must return exactly the generated records, errors included. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "io/csv.h"
#include "io/csv_scan.h"

#define CHUNK ((size_t)1 << 16) /* the reader's chunk (csv.c) */

/* One generated record: its fields, or the error it must raise. */
typedef struct gen_record {
    size_t first_field, n_fields; /* into gen.field_off / field_len */
    size_t line;                  /* physical line it starts on */
    crvm__csv_error_kind error;
} gen_record;

typedef struct gen {
    char *text;
    size_t len, cap;
    char *bytes; /* the fields' values back to back */
    size_t bytes_len, bytes_cap;
    size_t *field_off, *field_len, n_fields, fields_cap;
    gen_record *rec;
    size_t n_rec, rec_cap;
    size_t line;
    size_t straddling; /* fields whose encoded bytes cross a chunk boundary */
    unsigned long long rng;
} gen;

static unsigned rnd(gen *g, unsigned n)
{
    g->rng = g->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((g->rng >> 33) % n);
}

static void put(gen *g, const char *s, size_t n)
{
    while (g->len + n > g->cap) {
        g->cap = g->cap ? 2 * g->cap : 4096;
        g->text = realloc(g->text, g->cap);
        assert_non_null(g->text);
    }
    memcpy(g->text + g->len, s, n);
    g->len += n;
    for (size_t i = 0; i < n; i++)
        g->line += s[i] == '\n';
}

static void keep_value(gen *g, const char *v, size_t n)
{
    while (g->bytes_len + n > g->bytes_cap) {
        g->bytes_cap = g->bytes_cap ? 2 * g->bytes_cap : 4096;
        g->bytes = realloc(g->bytes, g->bytes_cap);
        assert_non_null(g->bytes);
    }
    if (g->n_fields == g->fields_cap) {
        g->fields_cap = g->fields_cap ? 2 * g->fields_cap : 256;
        g->field_off = realloc(g->field_off, g->fields_cap * sizeof *g->field_off);
        g->field_len = realloc(g->field_len, g->fields_cap * sizeof *g->field_len);
        assert_non_null(g->field_off);
        assert_non_null(g->field_len);
    }
    memcpy(g->bytes + g->bytes_len, v, n);
    g->field_off[g->n_fields] = g->bytes_len;
    g->field_len[g->n_fields++] = n;
    g->bytes_len += n;
}

/* A field value: mostly plain bytes, some with the bytes that need quoting;
 * lengths up to 70 so that fields span several 16-byte blocks. */
static size_t value(gen *g, char *v, int *needs_quotes)
{
    static const char plain[] = "abcXYZ019 .-_;:\t";
    static const char special[] = ",\"\r\n";
    size_t n = rnd(g, 8) == 0 ? 20 + rnd(g, 51) : rnd(g, 12);
    int quoted = rnd(g, 4) == 0;
    *needs_quotes = 0;
    for (size_t i = 0; i < n; i++) {
        if (quoted && rnd(g, 6) == 0)
            v[i] = special[rnd(g, 4)];
        else
            v[i] = plain[rnd(g, sizeof plain - 1)];
        if (strchr(special, v[i]))
            *needs_quotes = 1;
    }
    return n;
}

static void add_record(gen *g)
{
    gen_record r = {g->n_fields, 0, g->line, CRVM__CSV_ERR_NONE};
    size_t nf = 1 + rnd(g, 6);
    int bad = rnd(g, 40) == 0;
    for (size_t f = 0; f < nf; f++) {
        char v[80];
        int q;
        size_t n = value(g, v, &q);
        q |= rnd(g, 10) == 0; /* quoting plain values is allowed too */
        if (nf == 1 && n == 0)
            q = 1; /* an empty unquoted lone field is an empty line */
        size_t start = g->len;
        if (f)
            put(g, ",", 1);
        if (bad && f == nf - 1) {
            /* a stray quote in an unquoted field, or a byte after a closing
             * quote: the record is an error, the reader skips the line */
            int stray = rnd(g, 2);
            put(g, stray ? "ab\"c" : "\"ab\"c", stray ? 4 : 5);
            r.error = stray ? CRVM__CSV_ERR_STRAY_QUOTE : CRVM__CSV_ERR_AFTER_QUOTE;
        } else if (q) {
            put(g, "\"", 1);
            for (size_t i = 0; i < n; i++)
                put(g, v[i] == '"' ? "\"\"" : &v[i], v[i] == '"' ? 2 : 1);
            put(g, "\"", 1);
        } else {
            put(g, v, n);
        }
        if (start / CHUNK != (g->len - 1) / CHUNK)
            g->straddling++;
        if (!r.error)
            keep_value(g, v, n);
    }
    r.n_fields = r.error ? 0 : nf;
    if (rnd(g, 3) == 0)
        put(g, "\r\n", 2);
    else
        put(g, "\n", 1);
    if (rnd(g, 30) == 0) { /* an empty line */
        if (rnd(g, 2))
            put(g, "\n", 1);
        else
            put(g, "\r\n", 2);
    }
    if (g->n_rec == g->rec_cap) {
        g->rec_cap = g->rec_cap ? 2 * g->rec_cap : 256;
        g->rec = realloc(g->rec, g->rec_cap * sizeof *g->rec);
        assert_non_null(g->rec);
    }
    g->rec[g->n_rec++] = r;
}

static void gen_free(gen *g)
{
    free(g->text);
    free(g->bytes);
    free(g->field_off);
    free(g->field_len);
    free(g->rec);
}

/* Read the whole input with r and check every record against the generator. */
static void read_all(crvm__csv_reader *r, const gen *g, const char *how)
{
    size_t k = 0;
    for (;; k++) {
        int has = 0;
        crvm_status st = crvm__csv_next(r, &has);
        if (st == CRVM_OK && !has)
            break;
        if (k >= g->n_rec)
            fail_msg("%s: record %zu beyond the %zu generated", how, k + 1, g->n_rec);
        const gen_record *e = &g->rec[k];
        if (crvm__csv_record_number(r) != k + 1 || crvm__csv_record_line(r) != e->line)
            fail_msg("%s: record %zu read as number %zu on line %zu, expected line %zu", how, k + 1,
                     crvm__csv_record_number(r), crvm__csv_record_line(r), e->line);
        if (e->error) {
            if (st != CRVM_EPARSE || crvm__csv_error(r) != e->error)
                fail_msg("%s: record %zu (line %zu): status %d, error %d, expected error %d", how,
                         k + 1, e->line, st, crvm__csv_error(r), e->error);
            continue;
        }
        if (st != CRVM_OK)
            fail_msg("%s: record %zu (line %zu): %s", how, k + 1, e->line, crvm_last_error());
        if (crvm__csv_field_count(r) != e->n_fields)
            fail_msg("%s: record %zu (line %zu): %zu fields, expected %zu", how, k + 1, e->line,
                     crvm__csv_field_count(r), e->n_fields);
        for (size_t f = 0; f < e->n_fields; f++) {
            size_t len, i = e->first_field + f;
            const char *v = crvm__csv_field(r, f, &len);
            if (len != g->field_len[i] || memcmp(v, g->bytes + g->field_off[i], len) != 0 ||
                v[len] != '\0')
                fail_msg("%s: record %zu (line %zu), field %zu differs", how, k + 1, e->line, f + 1);
        }
    }
    assert_int_equal(k, g->n_rec);
    assert_int_equal(crvm__csv_bytes_read(r), g->len);
}

static void both_scans_read_the_generated_records(void **state)
{
    (void)state;
    gen g;
    memset(&g, 0, sizeof g);
    g.line = 1;
    g.rng = 12345;
    while (g.len < 4 * CHUNK + 1000)
        add_record(&g);
    /* The last record without its line break. */
    if (g.text[g.len - 1] == '\n')
        g.len -= g.len >= 2 && g.text[g.len - 2] == '\r' ? 2 : 1;
    assert_true(g.straddling >= 2); /* fields cross chunk boundaries */

    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(g.text, 1, g.len, f), g.len);
    for (int scalar = 0; scalar <= 1; scalar++) {
        crvm__csv_reader *r;
        assert_int_equal(crvm__csv_open_buffer(g.text, g.len, "b.csv", 0, 0, &r), CRVM_OK);
        crvm__csv_set_scalar_scan(r, scalar);
        read_all(r, &g, scalar ? "buffer, scalar scan" : "buffer, SSE2 scan");
        crvm__csv_close(r);
        rewind(f);
        assert_int_equal(crvm__csv_open_file(f, "f.csv", 0, 0, &r), CRVM_OK);
        crvm__csv_set_scalar_scan(r, scalar);
        read_all(r, &g, scalar ? "file, scalar scan" : "file, SSE2 scan");
        crvm__csv_close(r);
    }
    fclose(f);
    gen_free(&g);
}

/* The two forms give the same masks for every byte value in every
 * position of a block, with the comma and with another delimiter. */
static void masks_agree(void **state)
{
    (void)state;
#if CRVM__CSV_HAVE_SSE2
    static const unsigned char delimiters[] = {',', ';', '\t'};
    unsigned char block[CRVM__CSV_BLOCK];
    for (size_t k = 0; k < sizeof delimiters; k++)
        for (unsigned b = 0; b < 256; b++)
            for (size_t pos = 0; pos < CRVM__CSV_BLOCK; pos++) {
                memset(block, 'a', sizeof block);
                block[pos] = (unsigned char)b;
                block[(pos + 7) % CRVM__CSV_BLOCK] = (unsigned char)(255 - b);
                block[(pos + 3) % CRVM__CSV_BLOCK] = delimiters[k];
                unsigned d1, x1, d2, x2;
                crvm__csv_masks_sse2(block, delimiters[k], &d1, &x1);
                crvm__csv_masks_scalar(block, CRVM__CSV_BLOCK, delimiters[k], &d2, &x2);
                assert_int_equal(d1, d2);
                assert_int_equal(x1, x2);
                assert_int_equal(d1 & x1, 0);
                assert_true(d1 & 1u << (pos + 3) % CRVM__CSV_BLOCK);
            }
#else
    skip();
#endif
}

/* A plain record longer than max_field or with more than max_fields fields
 * is left to the state machine, which reports it as before. */
static void limits_hold_on_the_plain_path(void **state)
{
    (void)state;
    static const char text[] = "abcdefgh,x\nabcdefghi,x\na,b,c\na,b,c,d\n";
    for (int scalar = 0; scalar <= 1; scalar++) {
        crvm__csv_reader *r;
        int has;
        assert_int_equal(crvm__csv_open_buffer(text, sizeof text - 1, "l.csv", 8, 3, &r), CRVM_OK);
        crvm__csv_set_scalar_scan(r, scalar);
        assert_int_equal(crvm__csv_next(r, &has), CRVM_OK);
        assert_int_equal(crvm__csv_field_count(r), 2);
        assert_status(crvm__csv_next(r, &has), CRVM_EPARSE);
        assert_int_equal(crvm__csv_error(r), CRVM__CSV_ERR_FIELD_TOO_LONG);
        assert_int_equal(crvm__csv_error_line(r), 2);
        assert_int_equal(crvm__csv_next(r, &has), CRVM_OK);
        assert_int_equal(crvm__csv_field_count(r), 3);
        assert_status(crvm__csv_next(r, &has), CRVM_EPARSE);
        assert_int_equal(crvm__csv_error(r), CRVM__CSV_ERR_TOO_MANY_FIELDS);
        assert_int_equal(crvm__csv_record_line(r), 4);
        assert_int_equal(crvm__csv_next(r, &has), CRVM_OK);
        assert_int_equal(has, 0);
        crvm__csv_close(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(both_scans_read_the_generated_records),
        cmocka_unit_test(masks_agree),
        cmocka_unit_test(limits_hold_on_the_plain_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
