/* SPDX-License-Identifier: MIT */
/*
 * alarm_def.c - metric alarm definitions: building one from a PutMetricAlarm
 * request document (the API's parameter names as JSON keys, as the AWS CLI's
 * --cli-input-json and CloudFormation-to-API translations produce), checking
 * PutMetricAlarm's constraints (spec/metrics-alarms.md §2.1, §1.3), including
 * which ExtendedStatistic forms an alarm accepts (§1.2; the statistic itself is
 * parsed by metrics/stats.c). The single-metric form only:
 * metric math, anomaly detection and PromQL alarms are refused explicitly so
 * that nobody mistakes a silently ignored key for a modelled feature.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alarms/alarm_eval.h"
#include "common/private.h"
#include "metrics/stats.h"
#include "metrics/units.h"

#define SRC "alarm"

/* PutMetricAlarm limits (API model). */
#define MAX_NAME_CHARS 255
#define MAX_DESCRIPTION_CHARS 1024
#define MAX_ACTIONS 5
#define MAX_ACTION_CHARS 1024
#define MAX_DIMENSIONS 30
#define MAX_DIM_NAME_CHARS 255
#define MAX_DIM_VALUE_CHARS 1024
#define MAX_PERIOD_X_N_SHORT 86400   /* Period < 3600 */
#define MAX_PERIOD_X_N_LONG 604800   /* Period >= 3600 */

/* ------------------------------------------------------ extended statistics */

/* Whether an ExtendedStatistic (parsed by the one statistic parser,
 * metrics/stats.c) is a form PutMetricAlarm accepts: pNN, tmNN, tcNN, tsNN,
 * wmNN, IQM, PR(n:m), and TC/TM/TS/WM(X%:X%) with both bounds given and
 * 10 <= X <= 90 (spec §1.2). */
static int alarm_accepts_statistic(const iamw__stat_spec *x)
{
	switch (x->kind) {
	case IAMW__STAT_PERCENTILE:
	case IAMW__STAT_PR:
		return 1;
	case IAMW__STAT_TM:
	case IAMW__STAT_TC:
	case IAMW__STAT_TS:
	case IAMW__STAT_WM:
		if (x->short_form)
			return 1;
		return x->has_lower && x->has_upper && x->percent &&
		       x->lower_pct >= 10 * IAMW__PCT_SCALE && x->upper_pct <= 90 * IAMW__PCT_SCALE;
	default:
		return 0; /* a simple statistic spelled as an extended one */
	}
}

/* ------------------------------------------------------------ free */

void iamw__string_list_free(iamw__string_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		iamw__free(l->items[i]);
	iamw__free(l->items);
	l->items = NULL;
	l->n = 0;
}

void iamw__metric_alarm_def_free(iamw__metric_alarm_def *def)
{
	if (!def)
		return;
	iamw__free(def->name);
	iamw__free(def->description);
	iamw__string_list_free(&def->ok_actions);
	iamw__string_list_free(&def->alarm_actions);
	iamw__string_list_free(&def->insufficient_data_actions);
	iamw__free(def->metric_name);
	iamw__free(def->metric_namespace);
	for (size_t i = 0; i < def->n_dimensions; i++) {
		iamw__free(def->dimensions[i].name);
		iamw__free(def->dimensions[i].value);
	}
	iamw__free(def->dimensions);
	iamw__free(def->extended_statistic);
	iamw__free(def->unit);
	iamw__free(def->evaluate_low_sample_count_percentile);
	memset(def, 0, sizeof *def);
}

/* ------------------------------------------------------------ validation */

/* Length in characters (UTF-8 code points), as AWS counts string limits. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int has_control_char(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

static int check_len(const char *field, const char *s, size_t min, size_t max, iamw_error *err)
{
	size_t n = s ? utf8_chars(s) : 0;
	if (!s && min > 0)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "%s is required", field);
	if (n < min || n > max)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "%s must be %zu to %zu characters long (got %zu)", field, min,
		                       max, n);
	return IAMW_OK;
}

static int check_actions(const char *field, const iamw__string_list *l, iamw_error *err)
{
	if (l->n > MAX_ACTIONS)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "%s may list at most %d actions (got %zu)", field, MAX_ACTIONS,
		                       l->n);
	for (size_t i = 0; i < l->n; i++) {
		int rc = check_len(field, l->items[i], 1, MAX_ACTION_CHARS, err);
		if (rc)
			return rc;
	}
	return IAMW_OK;
}

int iamw__metric_alarm_def_validate(const iamw__metric_alarm_def *def, iamw_error *err)
{
	int rc;
	iamw__error_clear(err);
	if (!def)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, SRC, "no definition");

	if ((rc = check_len("AlarmName", def->name, 1, MAX_NAME_CHARS, err)))
		return rc;
	if (has_control_char(def->name))
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "AlarmName must not contain ASCII control characters");
	if (def->description &&
	    (rc = check_len("AlarmDescription", def->description, 0, MAX_DESCRIPTION_CHARS, err)))
		return rc;
	if ((rc = check_actions("OKActions", &def->ok_actions, err)) ||
	    (rc = check_actions("AlarmActions", &def->alarm_actions, err)) ||
	    (rc = check_actions("InsufficientDataActions", &def->insufficient_data_actions, err)))
		return rc;

	if ((rc = check_len("MetricName", def->metric_name, 1, MAX_NAME_CHARS, err)) ||
	    (rc = check_len("Namespace", def->metric_namespace, 1, MAX_NAME_CHARS, err)))
		return rc;
	if (def->metric_namespace[0] == ':')
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "Namespace must not start with ':'");
	if (def->n_dimensions > MAX_DIMENSIONS)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "Dimensions may hold at most %d entries (got %zu)",
		                       MAX_DIMENSIONS, def->n_dimensions);
	for (size_t i = 0; i < def->n_dimensions; i++) {
		if ((rc = check_len("Dimensions.Name", def->dimensions[i].name, 1,
		                    MAX_DIM_NAME_CHARS, err)) ||
		    (rc = check_len("Dimensions.Value", def->dimensions[i].value, 1,
		                    MAX_DIM_VALUE_CHARS, err)))
			return rc;
	}

	if (def->statistic == IAMW_STAT_EXTENDED) {
		iamw__stat_spec x;
		if (!def->extended_statistic)
			return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
			                       "Exactly one of Statistic or ExtendedStatistic must be specified");
		if (iamw__stat_parse(def->extended_statistic, &x) != IAMW_OK ||
		    !alarm_accepts_statistic(&x))
			return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
			                       "ExtendedStatistic '%.64s' is not a statistic alarms accept",
			                       def->extended_statistic);
	} else if (def->statistic >= IAMW_STAT_SAMPLE_COUNT && def->statistic <= IAMW_STAT_MAXIMUM) {
		if (def->extended_statistic)
			return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
			                       "Exactly one of Statistic or ExtendedStatistic must be specified");
	} else {
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "Exactly one of Statistic or ExtendedStatistic must be specified");
	}

	int64_t p = def->period_s;
	if (p <= 0 || !(p == 10 || p == 20 || p == 30 || p % 60 == 0))
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "Period must be 10, 20, 30 or a multiple of 60 seconds (got %lld)",
		                       (long long)p);
	if (def->evaluation_periods < 1)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "EvaluationPeriods must be at least 1");
	if (def->has_datapoints_to_alarm && def->datapoints_to_alarm < 1)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "DatapointsToAlarm must be at least 1");
	if (def->has_datapoints_to_alarm && def->datapoints_to_alarm > def->evaluation_periods)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "DatapointsToAlarm must be less than or equal to EvaluationPeriods");
	int64_t limit = p < 3600 ? MAX_PERIOD_X_N_SHORT : MAX_PERIOD_X_N_LONG;
	/* Compare by division so that a huge N cannot overflow the product. */
	if ((int64_t)def->evaluation_periods > limit / p)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "Period * EvaluationPeriods must not exceed %lld seconds "
		                       "(%lld * %u)",
		                       (long long)limit, (long long)p, def->evaluation_periods);

	if (!isfinite(def->threshold))
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "Threshold must be a finite number");
	if (!iamw__comparison_name(def->comparison))
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "ComparisonOperator is required");
	if (!iamw__missing_data_name(def->treat_missing_data))
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "TreatMissingData must be breaching, notBreaching, ignore or missing");
	if (def->unit && !iamw__is_standard_unit(def->unit))
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "Unit '%.40s' is not a CloudWatch standard unit", def->unit);
	if (def->evaluate_low_sample_count_percentile &&
	    strcmp(def->evaluate_low_sample_count_percentile, "evaluate") != 0 &&
	    strcmp(def->evaluate_low_sample_count_percentile, "ignore") != 0)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "EvaluateLowSampleCountPercentile must be evaluate or ignore");
	return IAMW_OK;
}

/* ------------------------------------------------------------ JSON */

static int oom(iamw_error *err)
{
	return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, SRC, "out of memory");
}

/* The member named key, or NULL when absent or JSON null (both mean
 * "not given" in a request document). */
static const cJSON *member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return (v && !cJSON_IsNull(v)) ? v : NULL;
}

static int get_string(const cJSON *obj, const char *key, char **out, iamw_error *err)
{
	const cJSON *v = member(obj, key);
	if (!v)
		return IAMW_OK;
	if (!cJSON_IsString(v) || !v->valuestring)
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, SRC,
		                       "%s must be a string", key);
	*out = iamw__strndup(v->valuestring, strlen(v->valuestring));
	return *out ? IAMW_OK : oom(err);
}

/* An integral JSON number in [min, max]; *found tells whether it was given. */
static int get_int(const cJSON *obj, const char *key, int64_t min, int64_t max, int64_t *out,
                   int *found, iamw_error *err)
{
	const cJSON *v = member(obj, key);
	*found = 0;
	if (!v)
		return IAMW_OK;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    fabs(v->valuedouble) > 9007199254740992.0)
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, SRC,
		                       "%s must be an integer", key);
	if (v->valuedouble < (double)min || v->valuedouble > (double)max)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "%s must be between %lld and %lld", key, (long long)min,
		                       (long long)max);
	*out = (int64_t)v->valuedouble;
	*found = 1;
	return IAMW_OK;
}

static int get_string_list(const cJSON *obj, const char *key, iamw__string_list *out,
                           iamw_error *err)
{
	const cJSON *v = member(obj, key);
	if (!v)
		return IAMW_OK;
	if (!cJSON_IsArray(v))
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, SRC,
		                       "%s must be an array of strings", key);
	size_t n = (size_t)cJSON_GetArraySize(v);
	out->items = iamw__calloc(n, sizeof *out->items);
	if (!out->items)
		return oom(err);
	const cJSON *it;
	cJSON_ArrayForEach(it, v) {
		if (!cJSON_IsString(it) || !it->valuestring)
			return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, SRC,
			                       "%s must be an array of strings", key);
		char *s = iamw__strndup(it->valuestring, strlen(it->valuestring));
		if (!s)
			return oom(err);
		out->items[out->n++] = s;
	}
	return IAMW_OK;
}

static int get_dimensions(const cJSON *obj, iamw__metric_alarm_def *def, iamw_error *err)
{
	const cJSON *v = member(obj, "Dimensions");
	if (!v)
		return IAMW_OK;
	if (!cJSON_IsArray(v))
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, SRC,
		                       "Dimensions must be an array of {Name, Value} objects");
	size_t n = (size_t)cJSON_GetArraySize(v);
	def->dimensions = iamw__calloc(n, sizeof *def->dimensions);
	if (!def->dimensions)
		return oom(err);
	const cJSON *it;
	cJSON_ArrayForEach(it, v) {
		if (!cJSON_IsObject(it))
			return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, SRC,
			                       "Dimensions must be an array of {Name, Value} objects");
		iamw__dimension *d = &def->dimensions[def->n_dimensions++];
		int rc;
		if ((rc = get_string(it, "Name", &d->name, err)) ||
		    (rc = get_string(it, "Value", &d->value, err)))
			return rc;
		if (!d->name || !d->value)
			return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
			                       "each of Dimensions needs a Name and a Value");
	}
	return IAMW_OK;
}

/* Map a string member onto an enum through a name function; absent keeps
 * *out untouched. */
static int get_enum(const cJSON *obj, const char *key, const char *(*name_of)(int), int lo,
                    int hi, int *out, int *found, iamw_error *err)
{
	const cJSON *v = member(obj, key);
	*found = 0;
	if (!v)
		return IAMW_OK;
	if (!cJSON_IsString(v) || !v->valuestring)
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, SRC,
		                       "%s must be a string", key);
	for (int e = lo; e <= hi; e++) {
		const char *name = name_of(e);
		if (name && strcmp(name, v->valuestring) == 0) {
			*out = e;
			*found = 1;
			return IAMW_OK;
		}
	}
	return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
	                       "%s: '%.60s' is not an allowed value", key, v->valuestring);
}

/* Adapters: the enum name functions take their enum type. */
static const char *stat_name_i(int e) { return iamw__statistic_name((iamw_statistic)e); }
static const char *cmp_name_i(int e) { return iamw__comparison_name((iamw_comparison)e); }
static const char *md_name_i(int e) { return iamw__missing_data_name((iamw_missing_data)e); }

static int from_json(const cJSON *obj, iamw__metric_alarm_def *def, iamw_error *err)
{
	int rc, found;
	if (!cJSON_IsObject(obj))
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, SRC,
		                       "a PutMetricAlarm request must be a JSON object");
	/* Forms this library does not model: refuse rather than ignore. */
	if (cJSON_GetObjectItemCaseSensitive(obj, "Metrics"))
		return iamw__error_set(err, IAMW_EUNSUPPORTED, IAMW_NO_OFFSET, 0, SRC,
		                       "Metrics: metric math alarms are not supported "
		                       "(use MetricName/Namespace/Statistic)");
	if (cJSON_GetObjectItemCaseSensitive(obj, "ThresholdMetricId"))
		return iamw__error_set(err, IAMW_EUNSUPPORTED, IAMW_NO_OFFSET, 0, SRC,
		                       "ThresholdMetricId: anomaly detection alarms are not supported");
	if (cJSON_GetObjectItemCaseSensitive(obj, "EvaluationCriteria"))
		return iamw__error_set(err, IAMW_EUNSUPPORTED, IAMW_NO_OFFSET, 0, SRC,
		                       "EvaluationCriteria: PromQL alarms are not supported");

	if ((rc = get_string(obj, "AlarmName", &def->name, err)) ||
	    (rc = get_string(obj, "AlarmDescription", &def->description, err)))
		return rc;
	const cJSON *ae = member(obj, "ActionsEnabled");
	if (ae) {
		if (!cJSON_IsBool(ae))
			return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, SRC,
			                       "ActionsEnabled must be true or false");
		def->actions_enabled = cJSON_IsTrue(ae);
	}
	if ((rc = get_string_list(obj, "OKActions", &def->ok_actions, err)) ||
	    (rc = get_string_list(obj, "AlarmActions", &def->alarm_actions, err)) ||
	    (rc = get_string_list(obj, "InsufficientDataActions", &def->insufficient_data_actions,
	                          err)) ||
	    (rc = get_string(obj, "MetricName", &def->metric_name, err)) ||
	    (rc = get_string(obj, "Namespace", &def->metric_namespace, err)) ||
	    (rc = get_dimensions(obj, def, err)))
		return rc;

	int stat = 0, has_stat;
	if ((rc = get_enum(obj, "Statistic", stat_name_i, IAMW_STAT_SAMPLE_COUNT,
	                   IAMW_STAT_MAXIMUM, &stat, &has_stat, err)) ||
	    (rc = get_string(obj, "ExtendedStatistic", &def->extended_statistic, err)))
		return rc;
	if (has_stat && def->extended_statistic)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "Exactly one of Statistic or ExtendedStatistic must be specified");
	def->statistic = def->extended_statistic ? IAMW_STAT_EXTENDED : (iamw_statistic)stat;

	int64_t iv;
	if ((rc = get_int(obj, "Period", 1, INT64_C(1) << 40, &iv, &found, err)))
		return rc;
	if (found)
		def->period_s = iv;
	if ((rc = get_int(obj, "EvaluationPeriods", 1, UINT32_MAX, &iv, &found, err)))
		return rc;
	if (found)
		def->evaluation_periods = (unsigned)iv;
	if ((rc = get_int(obj, "DatapointsToAlarm", 1, UINT32_MAX, &iv, &found, err)))
		return rc;
	if (found) {
		def->datapoints_to_alarm = (unsigned)iv;
		def->has_datapoints_to_alarm = 1;
	} else {
		def->datapoints_to_alarm = def->evaluation_periods;
	}

	const cJSON *t = member(obj, "Threshold");
	if (!t)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "Threshold is required for a static-threshold alarm");
	if (!cJSON_IsNumber(t))
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, SRC,
		                       "Threshold must be a number");
	def->threshold = t->valuedouble;

	int e;
	if ((rc = get_enum(obj, "ComparisonOperator", cmp_name_i, IAMW_CMP_GE, IAMW_CMP_GT_UPPER,
	                   &e, &found, err)))
		return rc;
	if (!found)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, SRC,
		                       "ComparisonOperator is required");
	def->comparison = (iamw_comparison)e;
	if ((rc = get_enum(obj, "TreatMissingData", md_name_i, IAMW_MISSING_MISSING,
	                   IAMW_MISSING_NOT_BREACHING, &e, &found, err)))
		return rc;
	if (found) {
		def->treat_missing_data = (iamw_missing_data)e;
		def->has_treat_missing_data = 1;
	}
	if ((rc = get_string(obj, "Unit", &def->unit, err)) ||
	    (rc = get_string(obj, "EvaluateLowSampleCountPercentile",
	                     &def->evaluate_low_sample_count_percentile, err)))
		return rc;
	return iamw__metric_alarm_def_validate(def, err);
}

int iamw__metric_alarm_def_from_json(const cJSON *obj, iamw__metric_alarm_def *out,
                                     iamw_error *err)
{
	iamw__error_clear(err);
	if (!out)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, SRC, "no output");
	memset(out, 0, sizeof *out);
	out->actions_enabled = 1;
	out->treat_missing_data = IAMW_MISSING_MISSING;
	int rc = from_json(obj, out, err);
	if (rc != IAMW_OK)
		iamw__metric_alarm_def_free(out);
	return rc;
}
