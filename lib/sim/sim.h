/* Private: the simulator's record types and its streaming driver.
 *
 * crvm__sim_run() generates articles first, then customers one at a time
 * (each with its revenue events, contacts and knowledge uses), handing every
 * customer's records to a sink. The in-memory data set (crvm_sim_data) and
 * the streaming CSV writer (lib/io) are two sinks of the same generator, so
 * both see identical data.
 */
#ifndef CRVM_SIM_SIM_H
#define CRVM_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/simulate.h"

/* Codes of the categorical fields; the CSV names are in crvm__sim_*_name. */
enum { CRVM__SIM_SMB, CRVM__SIM_MID, CRVM__SIM_ENT };
enum { CRVM__SIM_SUBSCRIPTION, CRVM__SIM_MAINTENANCE, CRVM__SIM_SUPPORT_PLAN,
       CRVM__SIM_SERVICES, CRVM__SIM_EXPANSION };
enum { CRVM__SIM_PHONE, CRVM__SIM_EMAIL, CRVM__SIM_CHAT, CRVM__SIM_WEB };
enum { CRVM__SIM_RESOLVED, CRVM__SIM_WORKAROUND, CRVM__SIM_REFUSED, CRVM__SIM_ABANDONED };
enum { CRVM__SIM_ASSISTED, CRVM__SIM_SELF_SERVICE };

extern const char *const crvm__sim_segment_name[3];
extern const char *const crvm__sim_stream_name[5];
extern const char *const crvm__sim_channel_name[4];
extern const char *const crvm__sim_outcome_name[4];
extern const char *const crvm__sim_use_kind_name[2];

typedef struct crvm__sim_customer {
    uint32_t index;      /* 0-based; id "C" + 7 digits of index + 1 */
    int32_t start;       /* days since 1970-01-01 */
    uint8_t segment;
    uint8_t churned;
    int32_t lifetime;    /* months paid in the window */
    int32_t end;         /* churn date (the first unpaid anniversary), INT32_MIN if active */
    double theta;
} crvm__sim_customer;

typedef struct crvm__sim_revenue {
    uint32_t customer;
    int32_t date;
    double amount;       /* rounded to cents */
    uint8_t stream;
    int64_t source;      /* contact index of the contact that sourced it, or -1 */
} crvm__sim_revenue;

typedef struct crvm__sim_contact {
    uint64_t index;      /* 0-based; id "T" + 9 digits of index + 1 */
    uint32_t customer;
    int32_t opened, closed;
    double minutes;      /* rounded to 0.1 */
    uint8_t channel, tier, escalated, outcome;
    uint8_t satisfaction; /* 1-5, 0 = not answered */
    uint8_t n_articles;
    uint32_t articles[2];
    uint8_t agent, queue, product, reason; /* codes of crvm_sim_attribute_value() */
} crvm__sim_contact;

typedef struct crvm__sim_article {
    uint32_t index;      /* 0-based; id "A" + 6 digits of index + 1 */
    int32_t created;
    double authoring_hours;   /* rounded to 0.01 */
    double maintenance_hours; /* per month, rounded to 0.01 */
} crvm__sim_article;

typedef struct crvm__sim_use {
    uint32_t article;
    int32_t date;
    uint8_t kind;
    uint8_t resolved;
    uint32_t customer;
    int64_t contact;     /* contact index, or -1 for a self-service view */
} crvm__sim_use;

typedef struct crvm__sim_sink {
    /* The articles and the cumulative Zipf weights of their popularity. */
    crvm_status (*articles)(void *ctx, const crvm__sim_article *a, size_t n, const double *cdf);
    crvm_status (*customer)(void *ctx, const crvm__sim_customer *c, const crvm__sim_revenue *rev,
                            size_t n_rev, const crvm__sim_contact *con, size_t n_con,
                            const crvm__sim_use *use, size_t n_use);
    void *ctx;
} crvm__sim_sink;

/* The names of the attribute values, by attribute (agent, queue, product, reason). */
extern const char *const *const crvm__sim_attribute_values[4];
extern const int crvm__sim_attribute_value_count[4];

/* Validate options (NULL = defaults) into *resolved; CRVM_EINVAL names the field. */
crvm_status crvm__sim_check_options(const crvm_sim_options *options, crvm_sim_options *resolved);
/* Run the generator into sink; stops at the first failing sink status. */
crvm_status crvm__sim_run(const crvm_sim_options *options, const crvm__sim_sink *sink);

/* The records of an in-memory data set (for the CSV writer). */
void crvm__sim_data_parts(const crvm_sim_data *d, const crvm__sim_customer **c, size_t *nc,
                          const crvm__sim_revenue **r, size_t *nr, const crvm__sim_contact **k,
                          size_t *nk, const crvm__sim_article **a, size_t *na,
                          const crvm__sim_use **u, size_t *nu);

/* Ids as written in the CSV files; buf must hold 24 bytes. Return length. */
int crvm__sim_customer_id(uint32_t index, char *buf);
int crvm__sim_contact_id(uint64_t index, char *buf);
int crvm__sim_article_id(uint32_t index, char *buf);
/* Bytes of the ids of rows 0..n-1 of an id space, each with its terminator
 * (0 for a space out of range): what crvm_sim_data_ids() writes. */
size_t crvm__sim_id_bytes(crvm_sim_id_space space, uint64_t n);

#endif
