/* SPDX-License-Identifier: MIT */
/*
 * names.c - the API spellings of the alarm enumerations (Statistic,
 * ComparisonOperator, TreatMissingData, StateValue), shared by definition
 * parsing, evaluation reasons and notification bodies.
 */
#include "alarms/names.h"

const char *iamw__statistic_name(iamw_statistic s)
{
	switch (s) {
	case IAMW_STAT_SAMPLE_COUNT: return "SampleCount";
	case IAMW_STAT_SUM: return "Sum";
	case IAMW_STAT_AVERAGE: return "Average";
	case IAMW_STAT_MINIMUM: return "Minimum";
	case IAMW_STAT_MAXIMUM: return "Maximum";
	case IAMW_STAT_EXTENDED: return NULL;
	}
	return NULL;
}

const char *iamw__comparison_name(iamw_comparison c)
{
	switch (c) {
	case IAMW_CMP_GE: return "GreaterThanOrEqualToThreshold";
	case IAMW_CMP_GT: return "GreaterThanThreshold";
	case IAMW_CMP_LT: return "LessThanThreshold";
	case IAMW_CMP_LE: return "LessThanOrEqualToThreshold";
	case IAMW_CMP_LT_LOWER_OR_GT_UPPER: return "LessThanLowerOrGreaterThanUpperThreshold";
	case IAMW_CMP_LT_LOWER: return "LessThanLowerThreshold";
	case IAMW_CMP_GT_UPPER: return "GreaterThanUpperThreshold";
	}
	return NULL;
}

const char *iamw__missing_data_name(iamw_missing_data m)
{
	switch (m) {
	case IAMW_MISSING_MISSING: return "missing";
	case IAMW_MISSING_IGNORE: return "ignore";
	case IAMW_MISSING_BREACHING: return "breaching";
	case IAMW_MISSING_NOT_BREACHING: return "notBreaching";
	}
	return NULL;
}

const char *iamw__alarm_state_name(iamw_alarm_state s)
{
	switch (s) {
	case IAMW_STATE_INSUFFICIENT_DATA: return "INSUFFICIENT_DATA";
	case IAMW_STATE_OK: return "OK";
	case IAMW_STATE_ALARM: return "ALARM";
	}
	return NULL;
}
