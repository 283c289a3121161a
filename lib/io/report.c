/* The public report API (crvm/report.h): gather, render, publish. */
#include "crvm/report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/error.h"
#include "io/report_data.h"

static const char *const table_names[CRVM_REPORT_TABLES] = {
    "headline", "pnl", "segments", "retention", "covariates", "curves", "impact", "knowledge", "outreach",
};

void crvm_report_options_init(crvm_report_options *options)
{
    static const crvm_report_options defaults = CRVM_REPORT_OPTIONS_INIT;
    if (options)
        *options = defaults;
}

const char *crvm_report_table_name(int table)
{
    return table >= 0 && table < CRVM_REPORT_TABLES ? table_names[table] : NULL;
}

static void render(const crvm__report *r, crvm_report_table table, crvm__rbuf *b)
{
    switch (r->opt.format) {
    case CRVM_REPORT_JSON: crvm__report_json(r, b); break;
    case CRVM_REPORT_CSV: crvm__report_csv(r, table, b); break;
    case CRVM_REPORT_HTML: crvm__report_html(r, b); break;
    default: crvm__report_text(r, b);
    }
}

/* Gather and render into b (one format, one table for CSV); on failure b is empty. */
static crvm_status build(const crvm_value *value, const crvm_ledger *ledger, const crvm_cost_model *costs,
                         const crvm_report_options *options, crvm__rbuf *b)
{
    crvm__report r;
    crvm_status st = crvm__report_gather(value, ledger, costs, options, &r);
    if (st != CRVM_OK)
        return st;
    render(&r, r.opt.table, b);
    crvm__report_release(&r);
    if (!b->failed)
        return CRVM_OK;
    crvm__rbuf_free(b);
    return crvm__nomem("report text");
}

crvm_status crvm_report_render(const crvm_value *value, const crvm_ledger *ledger,
                               const crvm_cost_model *costs, const crvm_report_options *options,
                               char *buf, size_t buf_len, size_t *length)
{
    if (!length)
        return crvm__fail(CRVM_EINVAL, "length is NULL");
    if (!buf && buf_len != 0)
        return crvm__fail(CRVM_EINVAL, "buf is NULL with buf_len %zu", buf_len);
    crvm__rbuf b = {0};
    crvm_status st = build(value, ledger, costs, options, &b);
    if (st != CRVM_OK)
        return st;
    if (buf && buf_len <= b.len)
        st = crvm__fail(CRVM_EINVAL, "buf_len %zu: the report needs %zu bytes with its NUL", buf_len,
                        b.len + 1);
    if (st == CRVM_OK) {
        if (buf) {
            memcpy(buf, b.data ? b.data : "", b.len);
            buf[b.len] = '\0';
        }
        *length = b.len;
    }
    crvm__rbuf_free(&b);
    return st;
}

/* Write b to f; 1 if every byte went out and f reports no error. */
static int put(FILE *f, const crvm__rbuf *b)
{
    size_t wrote = b->len ? fwrite(b->data, 1, b->len, f) : 0;
    return wrote == b->len && fflush(f) == 0 && !ferror(f);
}

static crvm_status write_file(const char *path, const crvm__rbuf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return crvm__fail(CRVM_EIO, "cannot create %s: %s", path, strerror(errno));
    int ok = put(f, b);
    if (fclose(f) != 0 || !ok)
        return crvm__fail(CRVM_EIO, "cannot write %s: %s", path, strerror(errno));
    return CRVM_OK;
}

static crvm_status write_tables(const crvm__report *r, const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return crvm__fail(CRVM_EIO, "cannot create the directory %s: %s", dir, strerror(errno));
    struct stat info;
    if (stat(dir, &info) != 0 || !S_ISDIR(info.st_mode))
        return crvm__fail(CRVM_EIO, "%s: not a directory", dir);
    size_t n = strlen(dir) + 32;
    char *path = crvm__malloc(n);
    if (!path)
        return crvm__nomem("report file name");
    crvm_status st = CRVM_OK;
    for (int t = 0; st == CRVM_OK && t < CRVM_REPORT_TABLES; t++) {
        crvm__rbuf b = {0};
        crvm__report_csv(r, (crvm_report_table)t, &b);
        snprintf(path, n, "%s/%s.csv", dir, table_names[t]);
        st = b.failed ? crvm__nomem("report table") : write_file(path, &b);
        crvm__rbuf_free(&b);
    }
    crvm__free(path);
    return st;
}

crvm_status crvm_report_write(const crvm_value *value, const crvm_ledger *ledger,
                              const crvm_cost_model *costs, const crvm_report_options *options,
                              const char *path)
{
    if (!path)
        return crvm__fail(CRVM_EINVAL, "path is NULL");
    if (!options || options->format != CRVM_REPORT_CSV) {
        crvm__rbuf b = {0};
        crvm_status st = build(value, ledger, costs, options, &b);
        if (st == CRVM_OK)
            st = write_file(path, &b);
        crvm__rbuf_free(&b);
        return st;
    }
    crvm__report r;
    crvm_status st = crvm__report_gather(value, ledger, costs, options, &r);
    if (st != CRVM_OK)
        return st;
    st = write_tables(&r, path);
    crvm__report_release(&r);
    return st;
}

crvm_status crvm_report_write_stream(const crvm_value *value, const crvm_ledger *ledger,
                                     const crvm_cost_model *costs, const crvm_report_options *options,
                                     FILE *stream)
{
    if (!stream)
        return crvm__fail(CRVM_EINVAL, "stream is NULL");
    if (options && options->format == CRVM_REPORT_CSV)
        return crvm__fail(CRVM_EINVAL, "options.format: CSV is a directory of tables, not a stream "
                                       "(crvm_report_write)");
    crvm__rbuf b = {0};
    crvm_status st = build(value, ledger, costs, options, &b);
    if (st != CRVM_OK)
        return st;
    if (!put(stream, &b))
        st = crvm__fail(CRVM_EIO, "writing the report to the stream: %s", strerror(errno));
    crvm__rbuf_free(&b);
    return st;
}
