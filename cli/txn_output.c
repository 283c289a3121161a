#include "txn_output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *model_option(crvm_txn_model m)
{
    return m == CRVM_TXN_BGNBD ? "bgnbd" : m == CRVM_TXN_MBGNBD ? "mbgnbd" : "pareto";
}

static const char *unit_name(const txn_args *a)
{
    return a->unit_days == 7 ? "week" : "day";
}

static const char *id_of(const txn_data *d, size_t j)
{
    return crvm_numeric_table_label(d->table, 0, d->index[j]);
}

static void date_text(double day, char buf[16])
{
    if (crvm_date_format((crvm_date)day, buf, 16) != CRVM_OK)
        snprintf(buf, 16, "?");
}

/* ------------------------------------------------------------------ text */

static void text_holdout(FILE *o, const txn_args *a, const txn_data *d)
{
    const holdout_summary *h = &d->holdout;
    char end[16];
    date_text(a->calibration_end, end);
    fprintf(o, "\nholdout after %s (%.4g %ss): repeat purchases, actual against predicted\n", end,
            d->info.duration_holdout, unit_name(a));
    fprintf(o, "total actual %.0f, predicted %.1f; per customer MAE %.4f, RMSE %.4f, "
               "correlation %.4f\n", h->actual_total, h->predicted_total, h->mae, h->rmse,
            h->correlation);
    fprintf(o, "%-22s %9s %14s %14s\n", "calibration purchases", "customers", "actual mean",
            "predicted mean");
    for (size_t b = 0; b < HOLDOUT_BINS; b++) {
        if (h->count[b] == 0)
            continue;
        char label[16];
        snprintf(label, sizeof label, b + 1 < HOLDOUT_BINS ? "%zu" : "%zu+", b);
        fprintf(o, "%-22s %9zu %14.4f %14.4f\n", label, h->count[b], h->actual_mean[b],
                h->predicted_mean[b]);
    }
}

static void write_text(FILE *o, const txn_args *a, const txn_data *d)
{
    char last[16];
    date_text(d->info.observation_end, last);
    fprintf(o, "crvm transactions: %s\n", a->file);
    fprintf(o, "%zu transactions of %zu customers (%zu with a purchase on or before the %s end), "
               "observed to %s; time unit: %s\n",
            d->rows, d->customers, d->present, a->has_calibration ? "calibration" : "observation",
            last, unit_name(a));
    fprintf(o, "\n%s fit (maximum likelihood)\n", crvm_txn_model_name(a->model));
    fprintf(o, "%-10s %12s %12s\n", "parameter", "estimate", "std. error");
    for (int j = 0; j < 4; j++)
        fprintf(o, "%-10s %12.4f %12.4f\n", crvm_txn_param_name(a->model, j), d->params.p[j],
                d->se[j]);
    fprintf(o, "log-likelihood %.2f, AIC %.2f, BIC %.2f, %d iterations%s\n",
            d->report.log_likelihood, d->report.aic, d->report.bic, d->report.iterations,
            d->report.converged ? "" : " (not converged)");
    if (a->amount) {
        fprintf(o, "\nGamma-Gamma spend per purchase (repeat customers)\n");
        const char *names[3] = {"p", "q", "v"};
        const double est[3] = {d->spend.p, d->spend.q, d->spend.v},
                     se[3] = {d->spend_se.p, d->spend_se.q, d->spend_se.v};
        for (int j = 0; j < 3; j++)
            fprintf(o, "%-10s %12.4f %12.4f\n", names[j], est[j], se[j]);
        fprintf(o, "log-likelihood %.2f\n", d->spend_report.log_likelihood);
    }
    if (a->has_calibration)
        text_holdout(o, a, d);
    fprintf(o, "\n%-16s %6s %9s %9s %8s %12s", "customer", "x", "t_x", "T", "P(alive)",
            "E[purchases]");
    if (a->amount)
        fprintf(o, " %12s", "CLV");
    fprintf(o, "\n");
    for (size_t j = 0; j < d->present; j++) {
        fprintf(o, "%-16s %6.0f %9.4f %9.4f %8.4f %12.4f", id_of(d, j), d->col[TXN_X][j],
                d->col[TXN_TX][j], d->col[TXN_T][j], d->col[TXN_P_ALIVE][j],
                d->col[TXN_EXPECTED][j]);
        if (a->amount)
            fprintf(o, " %12.2f", d->col[TXN_CLV][j]);
        fprintf(o, "\n");
    }
    fprintf(o, "(E[purchases]: expected purchases in the next %g %ss%s)\n", a->horizon,
            unit_name(a), a->amount ? "; CLV: 12 months, 1% a month discount" : "");
}

/* ------------------------------------------------------------------ JSON */

static void json_string(FILE *o, const char *s)
{
    fputc('"', o);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(o, "\\%c", c);
        else if (c < 0x20)
            fprintf(o, "\\u%04x", c);
        else
            fputc(c, o);
    }
    fputc('"', o);
}

/* A number, or null where it is not finite (JSON has no NaN). */
static void json_number(FILE *o, double v)
{
    if (isfinite(v))
        fprintf(o, "%.17g", v);
    else
        fputs("null", o);
}

static void write_json(FILE *o, const txn_args *a, const txn_data *d)
{
    char last[16];
    date_text(d->info.observation_end, last);
    fprintf(o, "{\"schema\": \"crvm-transactions/1\", \"model\": \"%s\", \"unit\": \"%s\",\n",
            model_option(a->model), unit_name(a));
    fprintf(o, " \"data\": {\"transactions\": %zu, \"customers\": %zu, \"fitted_customers\": %zu, "
               "\"observation_end\": \"%s\"},\n",
            d->rows, d->customers, d->present, last);
    fputs(" \"parameters\": [", o);
    for (int j = 0; j < 4; j++) {
        fprintf(o, "%s{\"name\": \"%s\", \"estimate\": ", j ? ", " : "",
                crvm_txn_param_name(a->model, j));
        json_number(o, d->params.p[j]);
        fputs(", \"standard_error\": ", o);
        json_number(o, d->se[j]);
        fputc('}', o);
    }
    fputs("],\n \"fit\": {\"log_likelihood\": ", o);
    json_number(o, d->report.log_likelihood);
    fputs(", \"aic\": ", o);
    json_number(o, d->report.aic);
    fputs(", \"bic\": ", o);
    json_number(o, d->report.bic);
    fprintf(o, ", \"iterations\": %d, \"converged\": %s},\n", d->report.iterations,
            d->report.converged ? "true" : "false");
    fputs(" \"spend\": ", o);
    if (a->amount) {
        const char *names[3] = {"p", "q", "v"};
        const double est[3] = {d->spend.p, d->spend.q, d->spend.v},
                     se[3] = {d->spend_se.p, d->spend_se.q, d->spend_se.v};
        fputs("{\"parameters\": [", o);
        for (int j = 0; j < 3; j++) {
            fprintf(o, "%s{\"name\": \"%s\", \"estimate\": ", j ? ", " : "", names[j]);
            json_number(o, est[j]);
            fputs(", \"standard_error\": ", o);
            json_number(o, se[j]);
            fputc('}', o);
        }
        fputs("]}", o);
    } else {
        fputs("null", o);
    }
    fputs(",\n \"holdout\": ", o);
    if (a->has_calibration) {
        const holdout_summary *h = &d->holdout;
        char end[16];
        date_text(a->calibration_end, end);
        fprintf(o, "{\"calibration_end\": \"%s\", \"duration\": ", end);
        json_number(o, d->info.duration_holdout);
        fputs(", \"actual_total\": ", o);
        json_number(o, h->actual_total);
        fputs(", \"predicted_total\": ", o);
        json_number(o, h->predicted_total);
        fputs(", \"mae\": ", o);
        json_number(o, h->mae);
        fputs(", \"rmse\": ", o);
        json_number(o, h->rmse);
        fputs(", \"correlation\": ", o);
        json_number(o, h->correlation);
        fputs(", \"by_frequency\": [", o);
        int first = 1;
        for (size_t b = 0; b < HOLDOUT_BINS; b++) {
            if (h->count[b] == 0)
                continue;
            fprintf(o, "%s{\"frequency\": %zu, \"or_more\": %s, \"customers\": %zu, "
                       "\"actual_mean\": ",
                    first ? "" : ", ", b, b + 1 < HOLDOUT_BINS ? "false" : "true", h->count[b]);
            json_number(o, h->actual_mean[b]);
            fputs(", \"predicted_mean\": ", o);
            json_number(o, h->predicted_mean[b]);
            fputc('}', o);
            first = 0;
        }
        fputs("]}", o);
    } else {
        fputs("null", o);
    }
    fprintf(o, ",\n \"horizon\": %.17g,\n \"customers\": [\n", a->horizon);
    for (size_t j = 0; j < d->present; j++) {
        fputs("  {\"id\": ", o);
        json_string(o, id_of(d, j));
        const char *names[] = {"frequency", "recency", "T", "p_alive", "expected_purchases"};
        const int cols[] = {TXN_X, TXN_TX, TXN_T, TXN_P_ALIVE, TXN_EXPECTED};
        for (int c = 0; c < 5; c++) {
            fprintf(o, ", \"%s\": ", names[c]);
            json_number(o, d->col[cols[c]][j]);
        }
        if (a->amount) {
            fputs(", \"monetary_value\": ", o);
            json_number(o, d->col[TXN_MV][j]);
            fputs(", \"clv\": ", o);
            json_number(o, d->col[TXN_CLV][j]);
        }
        if (a->has_calibration) {
            fputs(", \"holdout_purchases\": ", o);
            json_number(o, d->col[TXN_HOLD][j]);
            fputs(", \"predicted_holdout_purchases\": ", o);
            json_number(o, d->col[TXN_PREDICTED][j]);
        }
        fprintf(o, "}%s\n", j + 1 < d->present ? "," : "");
    }
    fputs(" ]\n}\n", o);
}

/* ------------------------------------------------------------------- CSV */

static void csv_field(FILE *o, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, o);
        return;
    }
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', o);
        fputc(*s, o);
    }
    fputc('"', o);
}

static void write_csv(FILE *o, const txn_args *a, const txn_data *d)
{
    fputs("customer,frequency,recency,T,p_alive,expected_purchases", o);
    if (a->amount)
        fputs(",monetary_value,clv", o);
    if (a->has_calibration)
        fputs(",holdout_purchases,predicted_holdout_purchases", o);
    fputc('\n', o);
    for (size_t j = 0; j < d->present; j++) {
        csv_field(o, id_of(d, j));
        const int cols[] = {TXN_X, TXN_TX, TXN_T, TXN_P_ALIVE, TXN_EXPECTED, TXN_MV, TXN_CLV,
                            TXN_HOLD, TXN_PREDICTED};
        for (int c = 0; c < 9; c++) {
            if ((c == 5 || c == 6) && !a->amount)
                continue;
            if (c >= 7 && !a->has_calibration)
                continue;
            fprintf(o, ",%.17g", d->col[cols[c]][j]);
        }
        fputc('\n', o);
    }
}

int txn_write(const txn_args *a, const txn_data *d)
{
    FILE *o = a->out ? fopen(a->out, "w") : stdout;
    if (!o) {
        fprintf(stderr, "crvm transactions: cannot write %s: %s\n", a->out, strerror(errno));
        return 1;
    }
    if (a->format == TXN_JSON)
        write_json(o, a, d);
    else if (a->format == TXN_CSV)
        write_csv(o, a, d);
    else
        write_text(o, a, d);
    int failed = ferror(o);
    if (a->out)
        failed = fclose(o) != 0 || failed;
    if (failed) {
        fprintf(stderr, "crvm transactions: writing %s failed\n", a->out ? a->out : "the output");
        return 1;
    }
    return 0;
}
