/* A sample of a compact panel: about one subject in stride, with its rows, for the start values of a large fit (cov_fit.c). The fit on the
 * sample lands within about sqrt(stride) standard errors of the full
 * estimate, where the full log-likelihood is close to quadratic, so
 * Newton's method on all the data then needs two or three evaluations
 * instead of the six to ten it takes from the per-group start values. */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "retention/cov_internal.h"

/* Subjects in a sample: enough that its estimate is a good start, few
 * enough that fitting it costs a fraction of one evaluation on all data. */
#define SAMPLE_SUBJECTS ((size_t)1 << 15)

/* Subject i is taken when a hash of i is 0 modulo the stride: unlike every
 * stride-th subject, this does not fall in step with a panel whose subjects
 * cycle through the groups (or anything else periodic). */
static int taken(size_t i, size_t stride)
{
    uint64_t z = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (z ^ (z >> 31)) % stride == 0;
}

size_t crvm__rcov_sample_stride(size_t subjects)
{
    return subjects >= 8 * SAMPLE_SUBJECTS ? subjects / SAMPLE_SUBJECTS : 1;
}

void crvm__rcov_sample_free(crvm__rcov_sample *s)
{
    if (s == NULL)
        return;
    crvm__free(s->group);
    crvm__free(s->periods);
    crvm__free(s->churned);
    crvm__free(s->weight);
    crvm__free(s->first_row);
    crvm__free(s->row_pattern);
    memset(s, 0, sizeof *s);
}

crvm_status crvm__rcov_sample_new(const crvm__rcov_data *d, size_t stride, crvm__rcov_sample *out)
{
    crvm__rcov_sample s;
    memset(&s, 0, sizeof s);
    size_t m = 0, rows = 0;
    for (size_t i = 0; i < d->subjects; i++)
        if (taken(i, stride)) {
            m++;
            rows += (size_t)d->periods[i];
        }
    s.group = crvm__malloc((m + 1) * sizeof *s.group);
    s.periods = crvm__malloc((m + 1) * sizeof *s.periods);
    s.churned = crvm__malloc(m + 1);
    s.weight = d->weight ? crvm__malloc((m + 1) * sizeof *s.weight) : NULL;
    s.first_row = crvm__malloc((m + 1) * sizeof *s.first_row);
    s.row_pattern = crvm__malloc((rows + 1) * sizeof *s.row_pattern);
    if (!s.group || !s.periods || !s.churned || (d->weight && !s.weight) || !s.first_row ||
        !s.row_pattern) {
        crvm__rcov_sample_free(&s);
        return crvm__nomem("the sample for the start values");
    }
    size_t r = 0, j = 0;
    for (size_t i = 0; i < d->subjects; i++) {
        if (!taken(i, stride))
            continue;
        size_t n = (size_t)d->periods[i];
        s.group[j] = d->group[i];
        s.periods[j] = d->periods[i];
        s.churned[j] = d->churned[i];
        if (s.weight)
            s.weight[j] = d->weight[i];
        s.first_row[j++] = r;
        memcpy(s.row_pattern + r, d->row_pattern + d->first_row[i], n * sizeof *s.row_pattern);
        r += n;
    }
    s.first_row[m] = r;
    s.data = *d;
    s.data.subjects = m;
    s.data.group = s.group;
    s.data.periods = s.periods;
    s.data.churned = s.churned;
    s.data.weight = s.weight;
    s.data.first_row = s.first_row;
    s.data.row_pattern = s.row_pattern;
    *out = s;
    return CRVM_OK;
}
