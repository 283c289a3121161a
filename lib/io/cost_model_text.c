/* The cost-model text format (docs/cost-model.md): `name = value` lines,
 * `#` comments, applied through crvm_cost_model_set() so that each value is
 * checked against its assumption's domain. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/io.h"
#include "economics/cost_model.h"
#include "io/parse.h"

/* Longest file crvm_cost_model_load() reads. */
#define COST_MODEL_MAX_BYTES ((size_t)1 << 20)

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* [*s, *e) without surrounding spaces, tabs and CR. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && is_blank(**s))
        (*s)++;
    while (*e > *s && is_blank((*e)[-1]))
        (*e)--;
}

/* Index of the assumption called [name, name + len) (case-insensitive), or
 * the count if there is none. */
static size_t assumption_index(const crvm_cost_model *m, const char *name, size_t len)
{
    size_t n = crvm_cost_model_assumption_count();
    for (size_t i = 0; i < n; i++) {
        crvm_assumption a;
        crvm_cost_model_assumption(m, i, &a);
        if (crvm__io_name_eq(name, len, a.name))
            return i;
    }
    return n;
}

/* One `name = value` line (comment already removed) applied to *m. */
static crvm_status parse_line(const char *where, size_t line, const char *s, const char *e,
                              crvm_cost_model *m, size_t *set_on_line)
{
    const char *eq = memchr(s, '=', (size_t)(e - s));
    char shown[64];
    if (eq == NULL) {
        crvm__io_clip(s, (size_t)(e - s), shown);
        return crvm__fail(CRVM_EPARSE, "%sline %zu: '%s': expected 'name = value'", where, line, shown);
    }
    const char *ns = s, *ne = eq, *vs = eq + 1, *ve = e;
    trim(&ns, &ne);
    trim(&vs, &ve);
    if (ns == ne || vs == ve)
        return crvm__fail(CRVM_EPARSE, "%sline %zu: %s missing in 'name = value'", where, line,
                          ns == ne ? "the name is" : "the value is");
    size_t i = assumption_index(m, ns, (size_t)(ne - ns));
    crvm__io_clip(ns, (size_t)(ne - ns), shown);
    if (i == crvm_cost_model_assumption_count())
        return crvm__fail(CRVM_ENOTFOUND,
                          "%sline %zu: unknown assumption '%s' (the names are listed by "
                          "crvm_cost_model_assumption and docs/cost-model.md)",
                          where, line, shown);
    if (set_on_line[i])
        return crvm__fail(CRVM_EPARSE, "%sline %zu: '%s' is already set on line %zu", where, line,
                          shown, set_on_line[i]);
    crvm_assumption a;
    crvm_cost_model_assumption(m, i, &a);
    double value;
    const char *reason = NULL;
    if (crvm__io_name_eq(vs, (size_t)(ve - vs), "estimate"))
        value = NAN; /* crvm_cost_model_set refuses it where it has no meaning */
    else if (!crvm__parse_double(vs, (size_t)(ve - vs), &value, &reason)) {
        char v[64];
        crvm__io_clip(vs, (size_t)(ve - vs), v);
        return crvm__fail(CRVM_EPARSE, "%sline %zu: %s = '%s': %s", where, line, a.name, v, reason);
    }
    crvm_status st = crvm_cost_model_set(m, a.name, value);
    if (st != CRVM_OK)
        return crvm__fail(st, "%sline %zu: %s", where, line, crvm_last_error());
    set_on_line[i] = line;
    return CRVM_OK;
}

/* where: "" or "file: " (the prefix of every message). */
static crvm_status parse_text(const char *where, const char *text, size_t len,
                              crvm_cost_model *model)
{
    if (text == NULL && len > 0)
        return crvm__fail(CRVM_EINVAL, "crvm_cost_model_parse: text is NULL");
    if (model == NULL)
        return crvm__fail(CRVM_EINVAL, "crvm_cost_model_parse: model is NULL");
    crvm_cost_model m = *model;
    size_t set_on_line[CRVM__MAX_ASSUMPTIONS] = {0}; /* by assumption: the line that set it */
    size_t line = 1;
    for (const char *p = text, *end = text + len; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        if (memchr(p, '\0', (size_t)(e - p)))
            return crvm__fail(CRVM_EPARSE, "%sline %zu: NUL byte", where, line);
        const char *hash = memchr(p, '#', (size_t)(e - p));
        const char *s = p, *content_end = hash ? hash : e;
        trim(&s, &content_end);
        if (s < content_end) {
            crvm_status st = parse_line(where, line, s, content_end, &m, set_on_line);
            if (st != CRVM_OK)
                return st;
        }
        p = nl ? nl + 1 : end;
    }
    *model = m;
    return CRVM_OK;
}

crvm_status crvm_cost_model_parse(const char *text, size_t len, crvm_cost_model *model)
{
    return parse_text("", text, len, model);
}

crvm_status crvm_cost_model_load(const char *path, crvm_cost_model *model)
{
    if (path == NULL || model == NULL)
        return crvm__fail(CRVM_EINVAL, "crvm_cost_model_load: path and model are required");
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return crvm__fail(CRVM_EIO, "cannot open %s: %s", path, strerror(errno));
    /* Read whole into a buffer doubling from 4 KiB, one byte past the limit. */
    char *buf = NULL;
    size_t n = 0, cap = 0;
    crvm_status st = CRVM_OK;
    while (st == CRVM_OK && n == cap && cap <= COST_MODEL_MAX_BYTES) {
        size_t grown = cap ? 2 * cap : 4096;
        if (grown > COST_MODEL_MAX_BYTES + 1)
            grown = COST_MODEL_MAX_BYTES + 1;
        char *p = crvm__realloc_array(buf, grown, 1);
        if (p == NULL) {
            st = crvm__nomem("reading a cost model file");
            break;
        }
        buf = p;
        cap = grown;
        n += fread(buf + n, 1, cap - n, f);
        if (ferror(f))
            st = crvm__fail(CRVM_EIO, "%s: read error", path);
    }
    if (st == CRVM_OK && n > COST_MODEL_MAX_BYTES)
        st = crvm__fail(CRVM_EPARSE, "%s: larger than 1 MiB: not a cost model", path);
    fclose(f);
    if (st == CRVM_OK) {
        size_t plen = strlen(path);
        char where[300];
        snprintf(where, sizeof where, "%.*s%s: ", (int)(plen > 280 ? 280 : plen),
                 plen > 280 ? path + plen - 280 : path, "");
        st = parse_text(where, buf, n, model);
    }
    crvm__free(buf);
    return st;
}
