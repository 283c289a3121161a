#include "groups.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct key {
    const char *text;
    double value;
    size_t label;
} key;

static int by_value(const void *pa, const void *pb)
{
    const key *a = pa, *b = pb;
    return (a->value > b->value) - (a->value < b->value);
}

static int by_text(const void *pa, const void *pb)
{
    return strcmp(((const key *)pa)->text, ((const key *)pb)->text);
}

/* The whole of text as a finite number, as a reader would see it. */
static int as_number(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    *out = strtod(text, &end);
    return end != text && *end == '\0' && errno != ERANGE && isfinite(*out);
}

void cli_groups_free(cli_groups *g)
{
    for (size_t i = 0; g->names && i < g->k; i++)
        free(g->names[i]);
    free(g->names);
    memset(g, 0, sizeof *g);
}

int cli_groups_make(const crvm_numeric_table *table, size_t column, const double *label_codes,
                    size_t n, int32_t *codes, cli_groups *out)
{
    size_t m = crvm_numeric_table_label_count(table, column);
    key *keys = malloc((m ? m : 1) * sizeof *keys);
    size_t *group_of = malloc((m ? m : 1) * sizeof *group_of);
    memset(out, 0, sizeof *out);
    out->names = calloc(m ? m : 1, sizeof *out->names);
    int numeric = 1, ok = keys && group_of && out->names;
    for (size_t l = 0; ok && l < m; l++) {
        keys[l].text = crvm_numeric_table_label(table, column, l);
        keys[l].label = l;
        numeric = numeric && as_number(keys[l].text, &keys[l].value);
    }
    if (ok)
        qsort(keys, m, sizeof *keys, numeric ? by_value : by_text);
    for (size_t i = 0; ok && i < m; i++) {
        int same = i > 0 && (numeric ? keys[i].value == keys[i - 1].value
                                     : strcmp(keys[i].text, keys[i - 1].text) == 0);
        if (!same) {
            char number[32];
            if (numeric)
                snprintf(number, sizeof number, "%.10g", keys[i].value);
            out->names[out->k] = malloc(strlen(numeric ? number : keys[i].text) + 1);
            ok = out->names[out->k] != NULL;
            if (ok)
                strcpy(out->names[out->k++], numeric ? number : keys[i].text);
        }
        group_of[keys[i].label] = out->k - 1;
    }
    for (size_t i = 0; ok && i < n; i++)
        codes[i] = (int32_t)group_of[(size_t)label_codes[i]];
    free(keys);
    free(group_of);
    if (!ok) {
        cli_groups_free(out);
        fprintf(stderr, "crvm survival: out of memory\n");
    }
    return ok;
}
