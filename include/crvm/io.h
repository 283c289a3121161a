/**
 * @file crvm/io.h
 * @brief Reading crvm's CSV files into a ledger, and writing the simulator's
 *        sample data as those files. The column layout of every file is in
 *        docs/data-format.md.
 *
 * Files: customers.csv, articles.csv, revenue.csv, contacts.csv,
 * knowledge_uses.csv. Each is RFC 4180 CSV (comma separator, '"' quoting
 * with doubled inner quotes, fields may hold commas and line breaks, LF or
 * CRLF line ends, final line break optional), UTF-8 passed through as bytes,
 * with a required header row naming the columns (any order, ASCII
 * case-insensitive, surrounding spaces not allowed). Dates are ISO 8601
 * "YYYY-MM-DD"; numbers use '.' as decimal point and are at most 128
 * characters long; NaN and infinities are refused. Empty lines hold no row
 * and are skipped.
 *
 * Rows are numbered from 1 after the header ("row"); "line" is the physical
 * line on which the row starts (they differ when fields hold line breaks or
 * empty lines are skipped).
 *
 * Modes:
 * - ::CRVM_LOAD_STRICT: the load stops at the first bad row and fails with
 *   its status; the message names file, row, line, column and reason; the
 *   ledger is left exactly as it was before the call (also when a directory
 *   load fails in its last file).
 * - ::CRVM_LOAD_LENIENT: valid rows are kept, every rejected row is recorded
 *   in the ::crvm_load_report, and the call returns ::CRVM_OK unless a file
 *   cannot be read at all (missing, unreadable, no header, a header that
 *   lacks a required column), which fails as in strict mode.
 * In both modes every data row is either added to the ledger or reported:
 * rows_read = rows_accepted + rows_rejected.
 */
#ifndef CRVM_IO_H
#define CRVM_IO_H

#include <stddef.h>

#include "crvm/common.h"
#include "crvm/economics.h"
#include "crvm/ledger.h"
#include "crvm/simulate.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How a load treats bad rows. */
typedef enum crvm_load_mode {
    CRVM_LOAD_STRICT = 0, /**< first bad row fails the load; ledger unchanged */
    CRVM_LOAD_LENIENT = 1 /**< keep valid rows, report every bad one */
} crvm_load_mode;

/** Settings of a load. */
typedef struct crvm_load_options {
    crvm_load_mode mode;        /**< strict (default) or lenient */
    size_t max_field_bytes;     /**< longest accepted field; 0 = 1 MiB */
    int ignore_unknown_columns; /**< 0 (default): a header column crvm does not know is an error;
                                     1: such columns are read and ignored. contacts.csv has
                                     no unknown columns: every other column is a contact
                                     attribute */
    size_t batch_rows;          /**< rows handed to the ledger per bulk append; 0 = 65536 */
    char delimiter;             /**< the field separator, one byte: 0 (default) for the comma, or
                                     e.g. ';', '\\t', ' ' (each one separates: two spaces are an
                                     empty field); not '"', CR or LF */
} crvm_load_options;

/** Defaults: strict, 1 MiB fields, unknown columns are errors, 65536-row batches, commas. */
#define CRVM_LOAD_OPTIONS_INIT {CRVM_LOAD_STRICT, 0, 0, 0, 0}

/** Fill @p options with ::CRVM_LOAD_OPTIONS_INIT. */
CRVM_API void crvm_load_options_init(crvm_load_options *options);

/** Outcome of one or more loads: row counts and every rejected row. */
typedef struct crvm_load_report crvm_load_report;

/** One rejected row. Strings belong to the report. */
typedef struct crvm_load_rejection {
    const char *file;   /**< file name as given (path for single-file loads) */
    size_t row;         /**< data row, 1-based after the header; 0 for the header */
    size_t line;        /**< physical line where the row starts, 1-based */
    const char *column; /**< column name, or "" when the row as a whole is bad */
    crvm_status status; /**< ::CRVM_EPARSE (malformed text or value), ::CRVM_EINVAL
                             (value out of domain, duplicate id), ::CRVM_ENOTFOUND (unknown id) */
    const char *reason; /**< full message: "file: row R (line L), column C: reason" */
} crvm_load_rejection;

/** Row counts of a report (summed over every load it was given to). */
typedef struct crvm_load_totals {
    size_t files;          /**< files read */
    size_t rows_read;      /**< data rows read (header excluded) */
    size_t rows_accepted;  /**< rows added to the ledger */
    size_t rows_rejected;  /**< rows rejected (each has an entry) */
    unsigned long long bytes_read; /**< bytes of CSV read */
} crvm_load_totals;

/** A new empty report. @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_ENOMEM. */
CRVM_API crvm_status crvm_load_report_new(crvm_load_report **out);
/** Free a report (NULL accepted). */
CRVM_API void crvm_load_report_free(crvm_load_report *report);
/** Number of rejected rows recorded (0 for NULL). */
CRVM_API size_t crvm_load_report_count(const crvm_load_report *report);
/** Rejection @p i (in file order) copied into @p out. @return ::CRVM_OK or ::CRVM_EINVAL. */
CRVM_API crvm_status crvm_load_report_get(const crvm_load_report *report, size_t i,
                                          crvm_load_rejection *out);
/** Totals. @return ::CRVM_OK or ::CRVM_EINVAL. */
CRVM_API crvm_status crvm_load_report_totals(const crvm_load_report *report,
                                             crvm_load_totals *out);

/**
 * Load one file of a given table.
 * @param ledger  target; loads must follow the ledger's order (customers
 *                and articles before the rows that reference them).
 * @param table   ::CRVM_TABLE_CUSTOMERS, ::CRVM_TABLE_REVENUE,
 *                ::CRVM_TABLE_CONTACTS (with its articles column feeding
 *                the contact-article links), ::CRVM_TABLE_ARTICLES or
 *                ::CRVM_TABLE_KNOWLEDGE_USES.
 * @param path    file to read.
 * @param options NULL for the defaults.
 * @param report  receives counts and rejections; required in lenient mode
 *                (else ::CRVM_EINVAL), optional in strict mode.
 * @return ::CRVM_OK; ::CRVM_EINVAL (arguments); ::CRVM_EIO (open/read);
 *         strict mode: the first bad row's ::CRVM_EPARSE / ::CRVM_EINVAL /
 *         ::CRVM_ENOTFOUND; both modes: ::CRVM_EPARSE for an empty file or a
 *         bad header; ::CRVM_ENOMEM. On failure the ledger is unchanged.
 */
CRVM_API crvm_status crvm_load_csv(crvm_ledger *ledger, crvm_table table, const char *path,
                                   const crvm_load_options *options, crvm_load_report *report);

/** crvm_load_csv() for customers.csv columns. */
CRVM_API crvm_status crvm_load_customers_csv(crvm_ledger *ledger, const char *path,
                                             const crvm_load_options *options,
                                             crvm_load_report *report);
/** crvm_load_csv() for revenue.csv columns (its source_contact column names
 *  contacts: load contacts.csv first). */
CRVM_API crvm_status crvm_load_revenue_csv(crvm_ledger *ledger, const char *path,
                                           const crvm_load_options *options,
                                           crvm_load_report *report);
/** crvm_load_csv() for contacts.csv columns; every column that is not one of
 *  them is a contact attribute named by its header (an empty field: no value;
 *  crvm_ledger_add_contact_attributes()). */
CRVM_API crvm_status crvm_load_contacts_csv(crvm_ledger *ledger, const char *path,
                                            const crvm_load_options *options,
                                            crvm_load_report *report);
/** crvm_load_csv() for articles.csv columns. */
CRVM_API crvm_status crvm_load_articles_csv(crvm_ledger *ledger, const char *path,
                                            const crvm_load_options *options,
                                            crvm_load_report *report);
/** crvm_load_csv() for knowledge_uses.csv columns. */
CRVM_API crvm_status crvm_load_knowledge_uses_csv(crvm_ledger *ledger, const char *path,
                                                  const crvm_load_options *options,
                                                  crvm_load_report *report);

/**
 * Load a directory: customers.csv (required), then articles.csv,
 * contacts.csv (with its article links and attributes), revenue.csv (whose
 * events may name the contact that sourced them) and knowledge_uses.csv
 * (each optional: a missing file is skipped). In strict mode a failure in
 * any file leaves the ledger as it was before the call.
 * @return as crvm_load_csv(); ::CRVM_EIO if customers.csv is missing.
 */
CRVM_API crvm_status crvm_load_directory(crvm_ledger *ledger, const char *dir,
                                         const crvm_load_options *options,
                                         crvm_load_report *report);

/** Columns of numbers read from a CSV file by crvm_read_numeric_csv()
 *  (opaque; owns its memory). */
typedef struct crvm_numeric_table crvm_numeric_table;

/**
 * Read named columns of numbers from any CSV file with a header row, for
 * fitting models to a table that is not one of crvm's ledger files (the
 * crvm command's survival fits use it). The CSV rules are those at the top
 * of this header; header names match ASCII case-insensitively; columns not
 * requested are ignored and may hold anything. Every row must have as many
 * fields as the header, and every cell of a requested column must be a
 * decimal number ('.' decimal point, optional exponent, at most 128
 * characters; empty cells, NaN, infinities and surrounding spaces are
 * refused). A file with a header and
 * no rows gives a table of 0 rows. Memory: the table, rows * columns_len
 * doubles, plus one row of text.
 *
 * @param path                 file to read.
 * @param columns, columns_len names of the columns to read (>= 1, distinct
 *                             ignoring case); the table keeps this order.
 * @param[out] out             the table (written only on ::CRVM_OK); free
 *                             with crvm_numeric_table_free().
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL argument or name, no columns, a
 *         name requested twice); ::CRVM_EIO (the file cannot be opened or
 *         read; the message names it); ::CRVM_EPARSE (empty file, a requested
 *         column missing from the header or named twice there, CSV syntax, a
 *         row with the wrong number of fields, a cell that is not a number:
 *         the message names the file, row, line and column, e.g.
 *         "d.csv: row 3 (line 4), column age: 'abc': not a number");
 *         ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_read_numeric_csv(const char *path, const char *const *columns,
                                           size_t columns_len, crvm_numeric_table **out);

/** Settings of crvm_read_table_csv(). */
typedef struct crvm_table_options {
    char delimiter; /**< the field separator, one byte: 0 (default) for the comma, or e.g.
                         ';', '\\t', ' ' (each one separates: two spaces are an empty
                         field); not '"', CR or LF */
} crvm_table_options;

/** Defaults: commas. */
#define CRVM_TABLE_OPTIONS_INIT {0}

/** Fill @p options with ::CRVM_TABLE_OPTIONS_INIT. */
CRVM_API void crvm_table_options_init(crvm_table_options *options);

/**
 * crvm_read_numeric_csv() with a field separator, label columns and date
 * columns: a transaction log (customer ids, dates, amounts), a survival
 * table with group names, any table of a few typed columns.
 * - The columns named in @p labels hold text labels instead of numbers
 *   (group names such as "miR-137", customer ids such as "00042"). A label is
 *   the cell's bytes exactly as read (after CSV unquoting; not trimmed; an
 *   empty cell is refused). The table's value of a label cell is the label's
 *   code: 0, 1, ... in order of first appearance in the column;
 *   crvm_numeric_table_label() gives the text of a code.
 * - The columns named in @p dates hold ISO 8601 dates "YYYY-MM-DD" (years
 *   0001-9999, valid days); the table's value is the number of days since
 *   1970-01-01 (negative before it).
 * - Every other requested column holds numbers as in crvm_read_numeric_csv().
 * Cost O(bytes) expected (labels are hashed); memory as
 * crvm_read_numeric_csv() plus each distinct label once.
 *
 * @param path, columns, columns_len  as crvm_read_numeric_csv().
 * @param labels, labels_len          names of the label columns (NULL with
 *                                    length 0 for none).
 * @param dates, dates_len            names of the date columns (NULL with
 *                                    length 0 for none).
 * @param options                     NULL for the defaults.
 * @param[out] out                    the table (written only on ::CRVM_OK).
 * @return ::CRVM_OK; ::CRVM_EINVAL (as crvm_read_numeric_csv(); a label or
 *         date name that is NULL, not one of @p columns, or both a label and
 *         a date; a delimiter that is '"', CR or LF); ::CRVM_EIO (the file
 *         cannot be opened or read: "cannot open PATH: No such file or
 *         directory"); ::CRVM_EPARSE (as crvm_read_numeric_csv(); an empty
 *         label; a cell of a date column that is not a date; each naming the
 *         row, line and column, e.g. "log.csv: row 4 (line 5), column date:
 *         '1997-02-30': day out of range for the month"); ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_read_table_csv(const char *path, const char *const *columns,
                                         size_t columns_len, const char *const *labels,
                                         size_t labels_len, const char *const *dates,
                                         size_t dates_len, const crvm_table_options *options,
                                         crvm_numeric_table **out);

/** Number of distinct labels of column @p column of the table (codes
 *  0 .. count - 1); 0 for a column of numbers, a column out of range or NULL. */
CRVM_API size_t crvm_numeric_table_label_count(const crvm_numeric_table *table, size_t column);

/** The text of label @p code of column @p column (NUL-terminated, owned by
 *  the table, valid until it is freed); NULL for a column of numbers, a code
 *  or column out of range, or NULL @p table. */
CRVM_API const char *crvm_numeric_table_label(const crvm_numeric_table *table, size_t column,
                                              size_t code);

/** Free a table from crvm_read_numeric_csv(); NULL is allowed. */
CRVM_API void crvm_numeric_table_free(crvm_numeric_table *table);

/** Number of data rows of the table; 0 for NULL. */
CRVM_API size_t crvm_numeric_table_rows(const crvm_numeric_table *table);

/**
 * Copy column @p column (its index in the @c columns given to
 * crvm_read_numeric_csv()) into @p out, which must hold exactly
 * crvm_numeric_table_rows() values (NULL with length 0 for an empty table).
 * @return ::CRVM_OK, ::CRVM_EINVAL (NULL, column out of range, wrong length).
 */
CRVM_API crvm_status crvm_numeric_table_column(const crvm_numeric_table *table, size_t column,
                                               double *out, size_t out_len);

/**
 * Set the assumptions of a cost model from text in the cost-model format
 * (docs/cost-model.md): one assumption per line, `name = value`, with the
 * names of crvm_cost_model_assumption() (e.g. `hourly_rate[tier2] = 45`,
 * `channel_cost[chat] = 0.4`), matched ASCII case-insensitively; the value a
 * decimal number as in the CSV files (at most 128 characters; NaN and
 * infinities refused), or `estimate` for minutes_saved and
 * avoided_contact_cost (estimate from the data, NaN in the struct). `#`
 * starts a comment running to the end of the line; blank lines are skipped;
 * spaces and tabs around names, `=` and values are ignored; lines end with
 * LF or CRLF. Each name may appear once. Assumptions not named keep their
 * value in @p model (start from crvm_cost_model_init_defaults() for the
 * documented defaults). Cost O(len), no allocation.
 *
 * @param text, len  the text (need not be NUL-terminated; a NUL byte is an error).
 * @param model      read and, on ::CRVM_OK only, updated.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL argument, or a value outside the
 *         assumption's domain: crvm_cost_model_set()); ::CRVM_EPARSE (a line
 *         that is not `name = value`, a value that is not a number, a name
 *         given twice, a NUL byte); ::CRVM_ENOTFOUND (a name that is not an
 *         assumption). The message names the line, e.g.
 *         "line 3: unknown assumption 'hourly_rate[tier4]'".
 */
CRVM_API crvm_status crvm_cost_model_parse(const char *text, size_t len, crvm_cost_model *model);

/**
 * crvm_cost_model_parse() on the contents of the file @p path, whose name
 * then starts every message ("costs.txt: line 3: ..."). The file is read
 * whole; at most 1 MiB (a cost model is a few hundred bytes).
 * @return as crvm_cost_model_parse(); ::CRVM_EIO (the file cannot be opened
 *         or read); ::CRVM_EPARSE also for a file over 1 MiB; ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_cost_model_load(const char *path, crvm_cost_model *model);

/**
 * Write a simulated data set as the five CSV files into an existing
 * directory @p dir (files are replaced).
 * @return ::CRVM_OK, ::CRVM_EINVAL, ::CRVM_EIO (naming the file), ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_sim_write_csv(const crvm_sim_data *data, const char *dir);

/**
 * Simulate straight to the five CSV files in @p dir without holding the data
 * in memory (memory is independent of the number of customers apart from
 * the article table). Identical files to crvm_simulate() + crvm_sim_write_csv().
 * @param summary optional: counts and totals of what was written.
 * @return as crvm_simulate() and crvm_sim_write_csv().
 */
CRVM_API crvm_status crvm_simulate_csv(const crvm_sim_options *options, const char *dir,
                                       crvm_sim_summary *summary);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_IO_H */
