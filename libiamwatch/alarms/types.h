/* SPDX-License-Identifier: MIT */
/*
 * alarm-types.h - the internal data model shared by alarm evaluation
 * (alarm_eval.c), composite alarms (composite.c), notification rendering
 * (notify.c) and the engine. Definitions mirror PutMetricAlarm /
 * PutCompositeAlarm; every string is owned by the struct that holds it
 * (freed by the *_def_free helpers of the module that builds them).
 */
#ifndef IAMW_ALARM_TYPES_H
#define IAMW_ALARM_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "iamwatch.h"
#include "common/account.h"
#include "metrics/dimension.h"

typedef struct iamw__string_list {
	char **items;
	size_t n;
} iamw__string_list;

/* Free every item and the array; leaves the list empty (alarm_def.c). */
void iamw__string_list_free(iamw__string_list *l);

/* A metric alarm (PutMetricAlarm, single-metric form). */
typedef struct iamw__metric_alarm_def {
	char *name;
	char *description;            /* NULL = unset (SNS prints null) */
	int actions_enabled;          /* default 1 */
	iamw__string_list ok_actions;
	iamw__string_list alarm_actions;
	iamw__string_list insufficient_data_actions;
	char *metric_name;
	char *metric_namespace;
	iamw__dimension *dimensions;
	size_t n_dimensions;
	iamw_statistic statistic;     /* IAMW_STAT_EXTENDED: see extended_statistic */
	char *extended_statistic;     /* "p99", "tm90", "IQM", "TM(10%:90%)", ... */
	int64_t period_s;             /* 10, 20, 30 or a multiple of 60 */
	unsigned evaluation_periods;  /* N >= 1 */
	unsigned datapoints_to_alarm; /* M, 1 <= M <= N */
	int has_datapoints_to_alarm;  /* 0: M defaulted to N (legacy reason format) */
	double threshold;
	iamw_comparison comparison;
	iamw_missing_data treat_missing_data;
	int has_treat_missing_data;   /* 0: unset (SNS Trigger prints "") */
	char *unit;                   /* NULL = no unit */
	char *evaluate_low_sample_count_percentile; /* NULL, "evaluate" or "ignore" */
	int64_t configuration_updated_ms; /* AlarmConfigurationUpdatedTimestamp */
} iamw__metric_alarm_def;

/* A composite alarm (PutCompositeAlarm). */
typedef struct iamw__composite_alarm_def {
	char *name;
	char *description;
	int actions_enabled;
	iamw__string_list ok_actions;
	iamw__string_list alarm_actions;
	iamw__string_list insufficient_data_actions;
	char *alarm_rule;             /* as given */
	char *actions_suppressor;     /* NULL = none */
	int64_t actions_suppressor_wait_period_s;
	int64_t actions_suppressor_extension_period_s;
	int64_t configuration_updated_ms;
} iamw__composite_alarm_def;

/* One evaluated period of a metric: the slot of an evaluation range. */
typedef struct iamw__datapoint {
	int64_t start_ms;    /* period start (datapoints are stamped with it) */
	int present;         /* 0 = missing */
	double value;        /* the alarm's statistic over the period */
	double sample_count; /* SampleCount over the period */
} iamw__datapoint;

/* A state transition as notifications describe it. */
typedef struct iamw__state_change {
	iamw_alarm_state old_state;
	iamw_alarm_state new_state;
	int64_t time_ms;     /* StateChangeTime */
	char *reason;        /* StateReason text */
	char *reason_data;   /* StateReasonData JSON text (NULL = none) */
	int64_t old_state_time_ms;   /* when the previous state was entered */
	char *old_reason;            /* previous StateReason (EventBridge previousState) */
	char *old_reason_data;
} iamw__state_change;


#endif /* IAMW_ALARM_TYPES_H */
