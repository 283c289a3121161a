/**
 * @file crvm/model_io.h
 * @brief Saving fitted models as text and loading them back: retention
 *        fits, transaction fits, Gamma-Gamma fits, Kaplan–Meier curves and
 *        Cox models.
 *
 * The format (docs/model-format.md) is versioned, line-oriented and
 * human-readable: a header naming the format version and the model kind,
 * then one named field per line (parameters, covariance, fit report, and the
 * data summary that predictions need: the Kaplan–Meier table, the Cox
 * baseline and centring means), and a closing checksum line. Numbers are
 * written with the fewest digits that read back to the same double, so a
 * loaded model gives bit-identical predictions. Lines starting with '#' are
 * comments: written as a heading, ignored when reading and not covered by
 * the checksum (tools may add their own).
 *
 * Reading refuses, with ::CRVM_EPARSE and a message naming the line: text
 * that is not a crvm model, a format version newer than this library reads,
 * a model of another kind, a malformed, missing or unexpected line, a file
 * cut short (no checksum line) and a checksum that does not match (the text
 * was changed or damaged after it was written). Values that parse but that
 * no fit can produce (a negative parameter, a survival curve that rises)
 * are refused with ::CRVM_EDOMAIN naming the field.
 *
 * For each kind X there are four calls:
 * - crvm_X_to_text(model, text, text_len, &length): the model as text into a
 *   caller buffer (NUL-terminated); with text NULL and text_len 0 it only
 *   reports the length, so a caller can size the buffer first;
 * - crvm_X_from_text(text, text_len, &model): a new model from such text;
 * - crvm_X_save(model, path) and crvm_X_load(path, &model): the same through
 *   a file. Saving writes a temporary file beside @p path and renames it over
 *   @p path, so an existing file is replaced only by a complete one
 *   (concurrent saves to one path are not supported).
 *
 * Cost: O(size of the model) time and memory for every call (the text of a
 * Kaplan–Meier curve or a Cox baseline grows with its rows).
 */
#ifndef CRVM_MODEL_IO_H
#define CRVM_MODEL_IO_H

#include <stddef.h>

#include "crvm/common.h"
#include "crvm/retention.h"
#include "crvm/spend.h"
#include "crvm/survival.h"
#include "crvm/transactions.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the model text format that this library writes and the
 *  newest it reads. */
#define CRVM_MODEL_FORMAT_VERSION 1

/** The kinds of model a text can hold. */
typedef enum crvm_model_kind {
    CRVM_MODEL_RETENTION = 1,    /**< ::crvm_retention_fit ("retention") */
    CRVM_MODEL_TRANSACTIONS = 2, /**< ::crvm_txn_fit ("transactions") */
    CRVM_MODEL_GAMMA_GAMMA = 3,  /**< ::crvm_gamma_gamma_fit ("gamma-gamma") */
    CRVM_MODEL_KAPLAN_MEIER = 4, /**< ::crvm_km ("kaplan-meier") */
    CRVM_MODEL_COX = 5           /**< ::crvm_cox ("cox") */
} crvm_model_kind;

/**
 * Which kind of model a text holds, read from its header (the rest of the
 * text is not checked; the crvm_X_from_text() call of that kind does).
 * @param text, text_len  the text (need not be NUL-terminated).
 * @param[out] kind       written only on ::CRVM_OK.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL argument); ::CRVM_EPARSE (not a
 *         crvm model text, a newer format version, an unknown kind).
 */
CRVM_API crvm_status crvm_model_kind_of_text(const char *text, size_t text_len,
                                             crvm_model_kind *kind);

/**
 * A retention fit as text (see the file description).
 * @param fit            the model.
 * @param text, text_len buffer of text_len bytes receiving the text and a
 *                       terminating NUL, or NULL with text_len 0 to ask for
 *                       the length only.
 * @param[out] length    bytes of text, the NUL not counted.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL fit or length, text NULL with a
 *         length, or a buffer shorter than length + 1: the message gives
 *         the size needed); ::CRVM_ENOMEM. On failure nothing is written.
 */
CRVM_API crvm_status crvm_retention_fit_to_text(const crvm_retention_fit *fit, char *text,
                                                size_t text_len, size_t *length);

/**
 * A new retention fit from text written by crvm_retention_fit_to_text().
 * @param[out] out  written only on ::CRVM_OK; free with crvm_retention_fit_free().
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL argument); ::CRVM_EPARSE (see the
 *         file description; the message names the line); ::CRVM_EDOMAIN (a
 *         value no fit produces, named); ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_retention_fit_from_text(const char *text, size_t text_len,
                                                  crvm_retention_fit **out);

/**
 * Save a retention fit to the file @p path (replaced if it exists).
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL argument); ::CRVM_EIO (the file
 *         cannot be written; the message names it); ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_retention_fit_save(const crvm_retention_fit *fit, const char *path);

/**
 * Load a retention fit saved by crvm_retention_fit_save().
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL argument); ::CRVM_EIO (the file
 *         cannot be read); ::CRVM_EPARSE and ::CRVM_EDOMAIN as
 *         crvm_retention_fit_from_text(), the message naming the file;
 *         ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_retention_fit_load(const char *path, crvm_retention_fit **out);

/** @copydoc crvm_retention_fit_to_text */
CRVM_API crvm_status crvm_txn_fit_to_text(const crvm_txn_fit *fit, char *text, size_t text_len,
                                          size_t *length);
/** @copydoc crvm_retention_fit_from_text */
CRVM_API crvm_status crvm_txn_fit_from_text(const char *text, size_t text_len, crvm_txn_fit **out);
/** @copydoc crvm_retention_fit_save */
CRVM_API crvm_status crvm_txn_fit_save(const crvm_txn_fit *fit, const char *path);
/** @copydoc crvm_retention_fit_load */
CRVM_API crvm_status crvm_txn_fit_load(const char *path, crvm_txn_fit **out);

/** @copydoc crvm_retention_fit_to_text */
CRVM_API crvm_status crvm_gamma_gamma_fit_to_text(const crvm_gamma_gamma_fit *fit, char *text,
                                                  size_t text_len, size_t *length);
/** @copydoc crvm_retention_fit_from_text */
CRVM_API crvm_status crvm_gamma_gamma_fit_from_text(const char *text, size_t text_len,
                                                    crvm_gamma_gamma_fit **out);
/** @copydoc crvm_retention_fit_save */
CRVM_API crvm_status crvm_gamma_gamma_fit_save(const crvm_gamma_gamma_fit *fit, const char *path);
/** @copydoc crvm_retention_fit_load */
CRVM_API crvm_status crvm_gamma_gamma_fit_load(const char *path, crvm_gamma_gamma_fit **out);

/** @copydoc crvm_retention_fit_to_text */
CRVM_API crvm_status crvm_km_to_text(const crvm_km *km, char *text, size_t text_len,
                                     size_t *length);
/** @copydoc crvm_retention_fit_from_text */
CRVM_API crvm_status crvm_km_from_text(const char *text, size_t text_len, crvm_km **out);
/** @copydoc crvm_retention_fit_save */
CRVM_API crvm_status crvm_km_save(const crvm_km *km, const char *path);
/** @copydoc crvm_retention_fit_load */
CRVM_API crvm_status crvm_km_load(const char *path, crvm_km **out);

/** @copydoc crvm_retention_fit_to_text */
CRVM_API crvm_status crvm_cox_to_text(const crvm_cox *cox, char *text, size_t text_len,
                                      size_t *length);
/** @copydoc crvm_retention_fit_from_text */
CRVM_API crvm_status crvm_cox_from_text(const char *text, size_t text_len, crvm_cox **out);
/** @copydoc crvm_retention_fit_save */
CRVM_API crvm_status crvm_cox_save(const crvm_cox *cox, const char *path);
/** @copydoc crvm_retention_fit_load */
CRVM_API crvm_status crvm_cox_load(const char *path, crvm_cox **out);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_MODEL_IO_H */
