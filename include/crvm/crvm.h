/**
 * @file crvm/crvm.h
 * @brief The whole public crvm API: include this one header.
 */
#ifndef CRVM_CRVM_H
#define CRVM_CRVM_H

#include "crvm/common.h"
#include "crvm/retention.h"
#include "crvm/retention_cov.h"
#include "crvm/survival.h"
#include "crvm/ledger.h"
#include "crvm/economics.h"
#include "crvm/value.h"
#include "crvm/simulate.h"
#include "crvm/io.h"
#include "crvm/transactions.h"
#include "crvm/rfm.h"
#include "crvm/spend.h"
#include "crvm/clv.h"
#include "crvm/model_io.h"
#include "crvm/report.h"

#endif /* CRVM_CRVM_H */
