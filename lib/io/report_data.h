/* Private: the figures of a report, gathered once from the value layer and
 * the economics, then laid out by each format's renderer (report_text.c,
 * report_json.c, report_csv.c, report_html.c). Nothing here computes a
 * figure: it only calls the library and orders what it gets. */
#ifndef CRVM_IO_REPORT_DATA_H
#define CRVM_IO_REPORT_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/report.h"
#include "io/report_buf.h"

/* Contact impacts summed by one grouping (outcome, channel, ..., an attribute). */
typedef struct crvm__report_impact {
    char by[64];      /* "outcome", "channel", ..., or the attribute's name */
    int refused_only; /* 1: only the refused contacts (where a refusal policy costs) */
    size_t groups;
    size_t *label_at; /* groups offsets of the labels in the report's text */
    double *rows;     /* groups x CRVM_IMPACT_COLUMNS */
} crvm__report_impact;

typedef struct crvm__report {
    const crvm_ledger *ledger;
    const crvm_value *value;
    crvm_report_options opt;
    crvm_value_info info;
    crvm_ledger_stats stats;
    const char *model_name;     /* "sbg", "bdw", "cox" */
    double *segments;           /* (S + 1) x CRVM_VS_COLUMNS, the total last */
    double *economics;          /* S x CRVM_ECON_COLUMNS */
    double pnl[CRVM_PNL_LINES];
    crvm_date pnl_from;         /* the P&L covers [pnl_from, as_of] */
    /* Retention: parameters (2S + 1 + P) and standard errors of the sBG/BdW;
     * NULL for the Cox option, whose effects alone are shown. */
    double *params, *se;
    double *effects;            /* P x CRVM_EFFECT_COLUMNS */
    /* Curves by segment at periods 0..curve_len-1: observed (Kaplan-Meier,
     * NaN past the segment's longest observed tenure) and projected (NaN
     * without a parametric model). */
    size_t curve_len;
    double *observed, *projected; /* S x curve_len */
    size_t impacts;
    crvm__report_impact *impact;
    /* Knowledge. */
    double *knowledge;          /* articles x CRVM_VK_COLUMNS */
    double kb[CRVM_KV_COLUMNS]; /* the whole base */
    crvm_knowledge_estimate estimate;
    size_t *by_value;           /* articles ordered by value, highest first */
    /* Outreach. */
    size_t outreach;
    int32_t *outreach_customer;
    double *outreach_rows;      /* outreach x CRVM_VC_COLUMNS */
    size_t *drivers_at;         /* outreach offsets of the drivers in text */
    /* Group labels and drivers, NUL-separated: one buffer, not one block per string. */
    crvm__rbuf text;
} crvm__report;

/* Gather every figure; on failure the report is freed and the status returned. */
crvm_status crvm__report_gather(const crvm_value *value, const crvm_ledger *ledger,
                                const crvm_cost_model *costs, const crvm_report_options *options,
                                crvm__report *out);
void crvm__report_release(crvm__report *r);

/* Label g of a grouping, the drivers of outreach customer j. */
const char *crvm__report_label(const crvm__report *r, const crvm__report_impact *im, size_t g);
const char *crvm__report_drivers(const crvm__report *r, size_t j);
/* Names the renderers share. */
const char *crvm__report_segment(const crvm__report *r, size_t s); /* "All" for s == S */
const char *crvm__report_model_title(const crvm__report *r);
/* The value's horizon in words ("12 months") into buf. */
void crvm__report_horizon(const crvm__report *r, char *buf, size_t n);
/* YYYY-MM-DD into buf (16 bytes). */
void crvm__report_date(crvm_date d, char *buf);
/* The P&L lines in the order a report shows them, with their words. */
typedef struct crvm__pnl_row {
    int line;
    const char *words;
    int has_interval;
} crvm__pnl_row;
extern const crvm__pnl_row crvm__pnl_rows[];
extern const size_t crvm__pnl_row_count;

/* The renderers: each appends the whole report (CSV: one table) to b. */
void crvm__report_text(const crvm__report *r, crvm__rbuf *b);
void crvm__report_json(const crvm__report *r, crvm__rbuf *b);
void crvm__report_csv(const crvm__report *r, crvm_report_table table, crvm__rbuf *b);
void crvm__report_html(const crvm__report *r, crvm__rbuf *b);

#endif
