/* Benchmark of the covariate retention model on its compact data form:
 * the fit (crvm__rcov_fit) and the prediction engine (crvm__rcov_engine_eval
 * with partials), on a panel simulated from the model.
 *
 *     ninja -C build bench/bench_retention_cov
 *     ./build/bench/bench_retention_cov [subjects=1000000] [threads=2] [seed=1]
 *
 * Panel: 3 groups, up to 36 monthly rows per subject (a tenth join during
 * the window), monthly churn of a few percent, 7 covariates of the kinds the value layer uses:
 * refused, workaround, escalated, self-service (0/1 per month), resolved
 * contacts (0..3), silence bin (0..4), and a static trait (-1, 0, 1): at most
 * 960 distinct covariate vectors. Churn is drawn from the model itself, so
 * the estimates can be compared with the truth. Prints wall and CPU times
 * (the machine is shared: CPU time is the figure to compare), iterations,
 * estimates against the truth, the engine's setup time, its cost per query
 * (value and partials of all six quantities), and memory per subject. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crvm/crvm.h"
#include "retention/cov_internal.h"

static uint64_t rng_state;
static double uniform(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * 0x1.0p-53;
}

static double normal(void)
{
    return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform());
}

static double gamma_draw(double shape)
{
    if (shape < 1)
        return gamma_draw(shape + 1) * pow(uniform(), 1 / shape);
    double d = shape - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double x = normal(), v = 1 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        if (log(uniform()) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

enum { G = 3, P = 7, T = 36 };

/* Pattern id of a covariate vector: mixed radix over the 7 discrete values. */
static uint32_t pattern_id(const int v[P])
{
    static const int radix[P] = {2, 2, 2, 2, 4, 5, 3};
    uint32_t id = 0;
    for (int j = 0; j < P; j++)
        id = id * (uint32_t)radix[j] + (uint32_t)v[j];
    return id;
}

int main(int argc, char **argv)
{
    size_t S = argc > 1 ? (size_t)atol(argv[1]) : 1000000;
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    rng_state = argc > 3 ? (uint64_t)atoll(argv[3]) : 1;
    /* Monthly churn of a few percent (alpha / (alpha + beta) ~ 5 %). */
    const double truth[2 * G + 1 + P] = {0.5, 10.0, 0.7, 14.0, 0.4, 8.0, 0.85,
                                         0.6, 0.25, 0.45, -0.3, -0.1, 0.12, 0.3};
    /* The pattern table: all 960 combinations (value 0 or 1 ...; the trait
     * stored as -1, 0, 1). */
    static const int radix[P] = {2, 2, 2, 2, 4, 5, 3};
    size_t patterns = 1;
    for (int j = 0; j < P; j++)
        patterns *= (size_t)radix[j];
    double *pattern_z = malloc(patterns * P * sizeof *pattern_z);
    for (size_t q = 0; q < patterns; q++) {
        size_t rest = q;
        for (int j = P - 1; j >= 0; j--) {
            int v = (int)(rest % (size_t)radix[j]);
            rest /= (size_t)radix[j];
            pattern_z[q * P + (size_t)j] = j == 6 ? v - 1 : v;
        }
    }
    int32_t *group = malloc(S * sizeof *group), *periods = malloc(S * sizeof *periods);
    uint8_t *churned = malloc(S);
    size_t *first_row = malloc((S + 1) * sizeof *first_row);
    uint32_t *row_pattern = malloc(S * T * sizeof *row_pattern);
    if (!pattern_z || !group || !periods || !churned || !first_row || !row_pattern) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    double t0 = wall_now();
    size_t R = 0, dead = 0;
    first_row[0] = 0;
    for (size_t i = 0; i < S; i++) {
        int g = (int)(i % G);
        group[i] = g;
        double x = gamma_draw(truth[2 * g]), y = gamma_draw(truth[2 * g + 1]);
        double theta = x / (x + y);
        double ln_u = log1p(-theta);
        /* Observed for 36 months, a tenth of the subjects joined later. */
        int horizon = uniform() < 0.9 ? T : 1 + (int)(T * uniform());
        if (horizon > T)
            horizon = T;
        int trait = (int)(3 * uniform()), n = 0, ch = 0;
        for (int s = 1; s <= horizon && !ch; s++) {
            int v[P] = {uniform() < 0.08, uniform() < 0.12, uniform() < 0.05, uniform() < 0.3,
                        (int)(4 * uniform()), (int)(5 * uniform()), trait};
            double eta = 0;
            for (int j = 0; j < P; j++)
                eta += truth[2 * G + 1 + j] * (j == 6 ? v[j] - 1 : v[j]);
            double w = pow(s, truth[2 * G]) - pow(s - 1, truth[2 * G]);
            ch = uniform() > exp(w * exp(eta) * ln_u);
            row_pattern[R++] = pattern_id(v);
            n = s;
        }
        periods[i] = n;
        churned[i] = (uint8_t)ch;
        dead += (size_t)ch;
        first_row[i + 1] = R;
    }
    double t_sim = wall_now() - t0;
    crvm__rcov_data data = {S, G, P, patterns, group, periods, churned, NULL, first_row,
                            row_pattern, pattern_z};
    size_t bytes = S * (sizeof *group + sizeof *periods + 1 + sizeof *first_row) +
                   R * sizeof *row_pattern + patterns * P * sizeof(double);
    printf("crvm %s covariate retention benchmark: %zu subjects, %zu rows (%.1f per subject), "
           "%zu churned, %d covariates, %zu patterns; simulated in %.2f s\n",
           crvm_version(), S, R, (double)R / (double)S, dead, P, patterns, t_sim);
    printf("compact panel: %.1f bytes per subject (%.1f MiB)\n", (double)bytes / (double)S,
           (double)bytes / 1048576.0);

    for (int t = 1; t <= threads; t += threads > 1 ? threads - 1 : 1) {
        crvm_retention_cov_options o = CRVM_RETENTION_COV_OPTIONS_INIT;
        o.threads = t;
        crvm_retention_cov *m = NULL;
        crvm_fit_report rep;
        double w0 = wall_now(), c0 = cpu_now();
        crvm_status st = crvm__rcov_fit(CRVM_RETENTION_BDW, &data, &o, &m, &rep);
        double w1 = wall_now(), c1 = cpu_now();
        if (st != CRVM_OK) {
            printf("fit failed: %s\n", crvm_last_error());
            return 1;
        }
        printf("fit, %d thread%s: %.3f s wall, %.3f s CPU, %d Newton iterations, LL %.6f\n", t,
               t > 1 ? "s" : "", w1 - w0, c1 - c0, rep.iterations, rep.log_likelihood);
        if (t == 1) {
            double prm[2 * G + 1 + P], se[2 * G + 1 + P];
            crvm_retention_cov_params(m, prm, 2 * G + 1 + P);
            crvm_retention_cov_standard_errors(m, se, 2 * G + 1 + P);
            printf("  parameter   truth   estimate   se     (estimate - truth) / se\n");
            for (int k = 0; k < 2 * G + 1 + P; k++)
                printf("  %2d %12.4f %10.4f %8.4f %8.2f\n", k, truth[k], prm[k], se[k],
                       (prm[k] - truth[k]) / se[k]);
        }
        if (t == threads || threads == 1) {
            /* The engine: setup, then every alive subject's query. */
            double lm[G] = {0, 0, 0};
            crvm__rcov_engine *e = NULL;
            w0 = wall_now();
            st = crvm__rcov_engine_new(m, T, 12, 0.0079741404289038, 1200, lm, &e);
            double t_setup = wall_now() - w0;
            if (st != CRVM_OK) {
                printf("engine failed: %s\n", crvm_last_error());
                return 1;
            }
            size_t queries = 0, refused = 0;
            double sum = 0, lam_time = 0;
            /* pass 0: the exposures alone (subtracted); 1: full answers; 2:
             * the DERL alone (crvm__rcov_engine_derl), as the contact
             * impacts, the P&L and the scenarios ask. */
            for (int pass = 0; pass < 3; pass++) {
                w0 = wall_now();
                c0 = cpu_now();
                queries = refused = 0;
                sum = 0;
                for (size_t i = 0; i < S; i++) {
                    if (churned[i])
                        continue;
                    double lambda;
                    crvm__rcov_exposure(m, &data, i, (size_t)periods[i], &lambda, NULL, NULL);
                    if (pass == 0) {
                        sum += lambda;
                        continue;
                    }
                    /* The future assumption, then a counterfactual next
                     * period (e1 given) as the value layer's contact
                     * impacts need. */
                    crvm__rcov_query q = {group[i], periods[i], lambda, NAN};
                    for (int k = 0; k < 2; k++) {
                        crvm_status qs;
                        if (pass == 1) {
                            crvm__rcov_answer a;
                            qs = crvm__rcov_engine_eval(e, &q, &a);
                            sum += qs == CRVM_OK ? a.derl.value : 0.0;
                        } else {
                            crvm__rcov_partials d;
                            qs = crvm__rcov_engine_derl(e, &q, &d);
                            sum += qs == CRVM_OK ? d.value : 0.0;
                        }
                        refused += qs != CRVM_OK;
                        queries++;
                        q.e1 = 0.5;
                    }
                }
                double cw = cpu_now() - c0;
                if (pass == 0)
                    lam_time = cw;
                else
                    printf("engine: %zu queries (%s) in %.3f s CPU = %.3f us per query, %zu "
                           "refused [checksum %.6g]\n", queries,
                           pass == 1 ? "value + partials of 6 quantities" : "the DERL alone",
                           cw - lam_time, 1e6 * (cw - lam_time) / (double)(queries ? queries : 1),
                           refused, sum);
            }
            printf("engine: setup %.3f s; exposures alone %.3f s\n", t_setup, lam_time);
            crvm__rcov_engine_free(e);
        }
        crvm_retention_cov_free(m);
    }
    free(pattern_z);
    free(group);
    free(periods);
    free(churned);
    free(first_row);
    free(row_pattern);
    return 0;
}
