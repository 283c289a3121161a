/* crvm/model_io.h: the public calls, each a thin wrapper over one generic
 * path per operation, parameterised by the kind's descriptor
 * (model_kinds.h). */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/model_io.h"
#include "io/model_kinds.h"

/* Largest model file read (1 GiB): far beyond any real model, and a bound
 * on the memory a mistaken path can make a load take. */
#define MODEL_FILE_MAX ((size_t)1 << 30)

static const crvm__model_kind_io *const kinds[] = {
    &crvm__model_retention, &crvm__model_transactions, &crvm__model_gamma_gamma,
    &crvm__model_kaplan_meier, &crvm__model_cox};

crvm_status crvm_model_kind_of_text(const char *text, size_t text_len, crvm_model_kind *kind)
{
    if (text == NULL || kind == NULL)
        return crvm__fail(CRVM_EINVAL, "crvm_model_kind_of_text: text and kind must not be NULL");
    crvm__mt_reader r;
    const char *name;
    size_t len;
    crvm_status st = crvm__mt_open(&r, text, text_len, "model text", NULL, 0, &name, &len);
    if (st != CRVM_OK)
        return st;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strlen(kinds[i]->name) == len && memcmp(kinds[i]->name, name, len) == 0) {
            *kind = kinds[i]->kind;
            return CRVM_OK;
        }
    return crvm__fail(CRVM_EPARSE, "model text: line %zu: unknown model kind", r.line);
}

/* The whole text of a model (free with crvm__free). */
static crvm_status render(const crvm__model_kind_io *k, const void *model, char **text,
                          size_t *len)
{
    crvm__mt_writer w;
    crvm__mt_begin(&w, k->name, k->title);
    k->write(model, &w);
    return crvm__mt_finish(&w, text, len);
}

static crvm_status to_text(const crvm__model_kind_io *k, const void *model, char *text,
                           size_t text_len, size_t *length)
{
    if (model == NULL || length == NULL)
        return crvm__fail(CRVM_EINVAL, "%s to text: the model and length must not be NULL",
                          k->title);
    if (text == NULL && text_len != 0)
        return crvm__fail(CRVM_EINVAL, "%s to text: text is NULL but text_len = %zu", k->title,
                          text_len);
    char *buf;
    size_t len;
    crvm_status st = render(k, model, &buf, &len);
    if (st != CRVM_OK)
        return st;
    if (text != NULL && text_len <= len) {
        crvm__free(buf);
        return crvm__fail(CRVM_EINVAL, "%s to text: text_len = %zu: the text needs %zu bytes "
                                       "with its terminating NUL", k->title, text_len, len + 1);
    }
    if (text != NULL)
        memcpy(text, buf, len + 1);
    *length = len;
    crvm__free(buf);
    return CRVM_OK;
}

static crvm_status from_text(const crvm__model_kind_io *k, const char *text, size_t text_len,
                             const char *source, void **out)
{
    if (text == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "%s from text: text and out must not be NULL", k->title);
    crvm__mt_reader r;
    void *model = NULL;
    crvm_status st = crvm__mt_open(&r, text, text_len, source, k->name, 1, NULL, NULL);
    if (st == CRVM_OK)
        st = k->read(&r, &model);
    if (st == CRVM_OK && (st = crvm__mt_close(&r)) != CRVM_OK)
        k->free_model(model);
    if (st == CRVM_OK)
        *out = model;
    return st;
}

static crvm_status save(const crvm__model_kind_io *k, const void *model, const char *path)
{
    if (model == NULL || path == NULL)
        return crvm__fail(CRVM_EINVAL, "%s save: the model and path must not be NULL", k->title);
    char *text;
    size_t len;
    crvm_status st = render(k, model, &text, &len);
    if (st != CRVM_OK)
        return st;
    size_t plen = strlen(path);
    char *tmp = crvm__malloc(plen + sizeof ".crvm-tmp");
    if (tmp == NULL) {
        crvm__free(text);
        return crvm__nomem("saving a model (temporary file name)");
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".crvm-tmp", sizeof ".crvm-tmp");
    FILE *f = fopen(tmp, "wb");
    int ok = f != NULL;
    if (ok) {
        ok = fwrite(text, 1, len, f) == len;
        ok = (fclose(f) == 0) && ok;
        ok = ok && rename(tmp, path) == 0;
        if (!ok)
            remove(tmp);
    }
    st = ok ? CRVM_OK : crvm__fail(CRVM_EIO, "%s: cannot write the model file", path);
    crvm__free(tmp);
    crvm__free(text);
    return st;
}

static crvm_status load(const crvm__model_kind_io *k, const char *path, void **out)
{
    if (path == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "%s load: path and out must not be NULL", k->title);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return crvm__fail(CRVM_EIO, "%s: cannot open the model file", path);
    char *text = NULL;
    size_t len = 0, cap = 0;
    crvm_status st = CRVM_OK;
    for (;;) {
        if (cap - len < 4096) {
            size_t grow = cap ? cap * 2 : 65536;
            char *b = grow <= MODEL_FILE_MAX + 4096 ? crvm__realloc_array(text, grow, 1) : NULL;
            if (b == NULL) {
                st = grow > MODEL_FILE_MAX + 4096
                         ? crvm__fail(CRVM_EIO, "%s: larger than a model file can be (1 GiB)", path)
                         : crvm__nomem("reading a model file");
                break;
            }
            text = b;
            cap = grow;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                st = crvm__fail(CRVM_EIO, "%s: read error", path);
            break;
        }
    }
    fclose(f);
    if (st == CRVM_OK)
        st = from_text(k, text, len, path, out);
    crvm__free(text);
    return st;
}

/* The four public calls of each kind. */
#define MODEL_IO_CALLS(PREFIX, TYPE, KIND)                                                     \
    crvm_status PREFIX##_to_text(const TYPE *model, char *text, size_t text_len,              \
                                 size_t *length)                                              \
    {                                                                                         \
        return to_text(&KIND, model, text, text_len, length);                                 \
    }                                                                                         \
    crvm_status PREFIX##_from_text(const char *text, size_t text_len, TYPE **out)             \
    {                                                                                         \
        void *model = NULL;                                                                   \
        crvm_status st = from_text(&KIND, text, text_len, "model text", out ? &model : NULL); \
        if (st == CRVM_OK)                                                                    \
            *out = model;                                                                     \
        return st;                                                                            \
    }                                                                                         \
    crvm_status PREFIX##_save(const TYPE *model, const char *path)                            \
    {                                                                                         \
        return save(&KIND, model, path);                                                      \
    }                                                                                         \
    crvm_status PREFIX##_load(const char *path, TYPE **out)                                   \
    {                                                                                         \
        void *model = NULL;                                                                   \
        crvm_status st = load(&KIND, path, out ? &model : NULL);                              \
        if (st == CRVM_OK)                                                                    \
            *out = model;                                                                     \
        return st;                                                                            \
    }

MODEL_IO_CALLS(crvm_retention_fit, crvm_retention_fit, crvm__model_retention)
MODEL_IO_CALLS(crvm_txn_fit, crvm_txn_fit, crvm__model_transactions)
MODEL_IO_CALLS(crvm_gamma_gamma_fit, crvm_gamma_gamma_fit, crvm__model_gamma_gamma)
MODEL_IO_CALLS(crvm_km, crvm_km, crvm__model_kaplan_meier)
MODEL_IO_CALLS(crvm_cox, crvm_cox, crvm__model_cox)
