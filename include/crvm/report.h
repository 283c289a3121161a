/**
 * @file crvm/report.h
 * @brief The value report of a customer base: text, JSON, CSV or HTML.
 *
 * A report lays out, without computing any figure of its own, what the value
 * layer (crvm/value.h) and the economics (crvm/economics.h) give for a fitted
 * ::crvm_value: the headline (value per support dollar, residual value, value
 * at risk, the net value effect of support), the support P&L of the months
 * before the as-of date, segment economics and value, retention by segment
 * with the fitted covariate effects and the retention curves (observed:
 * Kaplan-Meier of the value's panel, crvm/survival.h; projected: the fitted
 * model for a customer with no support covariates), contact impact by
 * outcome, channel, tier, escalation, segment and every contact attribute,
 * the knowledge base with its top and bottom articles, and the outreach list.
 * Every figure carries the interval the library gives it.
 *
 * Formats (docs/report-schema.md describes each):
 * - ::CRVM_REPORT_TEXT: fixed-width tables for a terminal;
 * - ::CRVM_REPORT_JSON: one object in the versioned schema
 *   "crvm-report" version ::CRVM_REPORT_SCHEMA_VERSION (docs/report-schema.json);
 * - ::CRVM_REPORT_CSV: one table per file (crvm_report_write() into a
 *   directory), or the one table named by the options' @c table
 *   (crvm_report_render());
 * - ::CRVM_REPORT_HTML: one self-contained page (no network, scripts or
 *   fonts) with its charts as inline SVG, for a screen and for A4 print.
 *
 * Cost: the value calls it makes (crvm_value_customers() once, one
 * crvm_value_impact_by_many() for every grouping, the P&L once) plus
 * O(customers + contacts x groupings + articles) of its own; the output is
 * O(segments + groups + articles + top) lines. Memory while it is built: 4
 * bytes per contact and grouping (5 + 2 per contact attribute) while the
 * impacts are summed, then 8 bytes x 22 per customer. Each call gathers the report anew: a length query
 * followed by a render costs two; crvm_report_write_stream() writes in one.
 *
 * Thread safety: reads the value and the ledger only; concurrent reports of
 * one value are safe.
 */
#ifndef CRVM_REPORT_H
#define CRVM_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "crvm/common.h"
#include "crvm/economics.h"
#include "crvm/ledger.h"
#include "crvm/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the JSON schema the report writes ("schema_version"). */
#define CRVM_REPORT_SCHEMA_VERSION 1

/** Output formats of a report. */
typedef enum crvm_report_format {
    CRVM_REPORT_TEXT = 0, /**< fixed-width text */
    CRVM_REPORT_JSON = 1, /**< JSON, docs/report-schema.md */
    CRVM_REPORT_CSV = 2,  /**< CSV, one table per file */
    CRVM_REPORT_HTML = 3  /**< one self-contained HTML page with inline SVG charts */
} crvm_report_format;

/** The tables of the CSV format (file names: crvm_report_table_name() + ".csv"). */
typedef enum crvm_report_table {
    CRVM_REPORT_TABLE_HEADLINE = 0,   /**< headline figures with their intervals */
    CRVM_REPORT_TABLE_PNL = 1,        /**< the support P&L lines */
    CRVM_REPORT_TABLE_SEGMENTS = 2,   /**< segment economics and value, and the total */
    CRVM_REPORT_TABLE_RETENTION = 3,  /**< fitted parameters by segment with standard errors */
    CRVM_REPORT_TABLE_COVARIATES = 4, /**< covariate effects (hazard ratios) */
    CRVM_REPORT_TABLE_CURVES = 5,     /**< retention curves by segment, observed and projected */
    CRVM_REPORT_TABLE_IMPACT = 6,     /**< contact impact by every grouping */
    CRVM_REPORT_TABLE_KNOWLEDGE = 7,  /**< every article's value */
    CRVM_REPORT_TABLE_OUTREACH = 8    /**< the outreach list */
} crvm_report_table;
/** Number of CSV tables. */
#define CRVM_REPORT_TABLES 9

/** Settings of a report. Fields are only ever appended. */
typedef struct crvm_report_options {
    crvm_report_format format; /**< default ::CRVM_REPORT_TEXT */
    int top;                   /**< articles at the top and bottom, customers in the outreach
                                    list: 0 to 1000000 (default 5) */
    int pnl_months;            /**< months of the support P&L, ending on the as-of date: 1 to 1200
                                    (default 12) */
    crvm_report_table table;   /**< the table crvm_report_render() writes in CSV (default headline) */
    const char *title;         /**< the data's name in the heading (a directory, say); NULL: none */
    int horizon;               /**< 0 (the default): the labels and the projected curves use the
                                    value's horizon (crvm_value_info); else it must be that horizon,
                                    in months (a check for callers that pass it) */
} crvm_report_options;

/** Default report options, for static initialisation. */
#define CRVM_REPORT_OPTIONS_INIT {CRVM_REPORT_TEXT, 5, 12, CRVM_REPORT_TABLE_HEADLINE, NULL, 0}

/** Set @p options to the defaults (::CRVM_REPORT_OPTIONS_INIT); NULL is ignored. */
CRVM_API void crvm_report_options_init(crvm_report_options *options);

/** Snake-case name of a CSV table ("headline", "pnl", ...), NULL if out of range. */
CRVM_API const char *crvm_report_table_name(int table);

/**
 * Render the report of @p value into @p buf (UTF-8, NUL-terminated).
 * @param ledger  the ledger @p value was fitted on
 * @param costs   the cost model @p value was fitted with (NULL: the defaults)
 * @param options NULL for the defaults
 * @param buf, buf_len  the caller's buffer; NULL with 0 to ask for the length only
 * @param length  receives the report's length in bytes, without the NUL
 * @return ::CRVM_OK (written when @p buf_len > length, or only the length for NULL/0);
 *         ::CRVM_EINVAL (NULL value, ledger or length; a bad option, named, or a
 *         horizon that is not the value's; a ledger
 *         whose counts are not those of the value's; @p buf_len too short, the
 *         message giving the length needed, nothing written);
 *         ::CRVM_ESTATE (the ledger was modified after the fit);
 *         ::CRVM_EDOMAIN (from the value calls, naming the customer);
 *         ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_report_render(const crvm_value *value, const crvm_ledger *ledger,
                                        const crvm_cost_model *costs,
                                        const crvm_report_options *options, char *buf,
                                        size_t buf_len, size_t *length);

/**
 * Write the report to the file @p path; in ::CRVM_REPORT_CSV @p path is a
 * directory (created if missing, its parent must exist) that receives one
 * file per table, named crvm_report_table_name() + ".csv", replacing files
 * of those names.
 * @return as crvm_report_render() (without the buffer cases); ::CRVM_EINVAL also
 *         for a NULL path; ::CRVM_EIO (the file or directory cannot be created or
 *         written, naming it and the reason).
 */
CRVM_API crvm_status crvm_report_write(const crvm_value *value, const crvm_ledger *ledger,
                                       const crvm_cost_model *costs,
                                       const crvm_report_options *options, const char *path);

/**
 * Write the report to @p stream (left open; a terminal's stdout, say) in one
 * pass: no length query, no copy of the whole text held by the caller. Not
 * for ::CRVM_REPORT_CSV, which is a directory of files (crvm_report_write()).
 * @return as crvm_report_render() (without the buffer cases); ::CRVM_EINVAL also
 *         for a NULL stream or the CSV format; ::CRVM_EIO (the stream reports a
 *         write error).
 */
CRVM_API crvm_status crvm_report_write_stream(const crvm_value *value, const crvm_ledger *ledger,
                                              const crvm_cost_model *costs,
                                              const crvm_report_options *options, FILE *stream);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_REPORT_H */
