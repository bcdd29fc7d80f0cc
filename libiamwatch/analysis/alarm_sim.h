/* SPDX-License-Identifier: MIT */
/*
 * alarm_sim.h - does an alarm notify on one match of its filter? Judged by
 * the engine's own alarm model: a real engine holding the filter and the
 * alarm is fed generated events on a simulated clock, and what its
 * notifications say decides; the parsed definitions only explain why.
 */
#ifndef IAMW_ANALYSIS_ALARM_SIM_H
#define IAMW_ANALYSIS_ALARM_SIM_H

#include "analysis/strset.h"

/* The simulated clock starts here (2024-05-01T10:00:00Z); the engine reads
 * no event time (IAMW_TIME_CALLER). */
#define IAMW__SIM_T0 1714557600000LL
/* CIS: a match must alarm within this time. */
#define IAMW__SIM_WITHIN_MS 300000LL

/* Judge an alarm for a filter. filter_json and alarm_json are the
 * PutMetricFilter and PutMetricAlarm request texts (already validated);
 * event is a record the filter matches. Appends one line per problem that
 * keeps a match from notifying an SNS topic within 300 s, or later matches
 * from notifying as soon as the benchmark's own alarm would (none: the alarm
 * works). Returns IAMW_OK or a negative status. */
int iamw__alarm_judge(const char *filter_json, const char *alarm_json, const char *event,
                      iamw__strset *problems);

#endif /* IAMW_ANALYSIS_ALARM_SIM_H */
