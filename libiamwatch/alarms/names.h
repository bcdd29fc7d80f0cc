/* SPDX-License-Identifier: MIT */
/*
 * names.h - the API spellings of the alarm enumerations.
 */
#ifndef IAMW_ALARMS_NAMES_H
#define IAMW_ALARMS_NAMES_H

#include "iamwatch.h"

/* The spelling of a simple statistic ("Sum", ...), or NULL. */
const char *iamw__statistic_name(iamw_statistic s);
/* The spelling of a comparison operator, or NULL. */
const char *iamw__comparison_name(iamw_comparison c);
/* The spelling of a TreatMissingData value ("notBreaching", ...), or NULL. */
const char *iamw__missing_data_name(iamw_missing_data m);
/* "OK", "ALARM", "INSUFFICIENT_DATA", or NULL. */
const char *iamw__alarm_state_name(iamw_alarm_state s);

#endif /* IAMW_ALARMS_NAMES_H */
