/* SPDX-License-Identifier: MIT */
/*
 * notify.c - renders an alarm state change into the exact bytes CloudWatch
 * sends: the SNS Message JSON of metric and composite alarms and the SNS
 * Subject (spec metrics-alarms.md §4.1-4.3), the Lambda alarm-action payload
 * (§4.4), the EventBridge "CloudWatch Alarm State Change" event (§4.5), and a
 * one-line text form for terminals.
 *
 * JSON is written by hand, not through cJSON, because consumers compare these
 * bodies with captured payloads: key order must follow the captures and
 * numbers must print the Java way ("Threshold":5.0), which cJSON cannot do.
 * Where a capture shows no order for a key (e.g. an optional key never seen
 * next to the others), the choice is commented at the place it is made.
 */
#include <string.h>

#include "alarms/alarm_eval.h"
#include "alarms/names.h"
#include "alarms/notify.h"

/* ------------------------------------------------------------ small helpers */

static void add_str(iamw__buf *b, const char *s)
{
	iamw__buf_add_json_string(b, s, strlen(s));
}

/* AlarmDescription and similar: JSON null when unset, "" kept as "". */
static void add_str_or_null(iamw__buf *b, const char *s)
{
	if (s)
		add_str(b, s);
	else
		iamw__buf_adds(b, "null");
}

static void add_time_cw(iamw__buf *b, int64_t ms)
{
	char t[48];
	size_t n = iamw__fmt_time_cw(ms, t, sizeof t);
	iamw__buf_add_json_string(b, t, n < sizeof t ? n : sizeof t - 1);
}

static void add_java_double(iamw__buf *b, double v)
{
	char t[64];
	size_t n = iamw__fmt_java_double(v, t, sizeof t);
	iamw__buf_add(b, t, n < sizeof t ? n : sizeof t - 1);
}

static void add_string_list(iamw__buf *b, const iamw__string_list *l)
{
	iamw__buf_addc(b, '[');
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			iamw__buf_addc(b, ',');
		add_str(b, l->items[i]);
	}
	iamw__buf_addc(b, ']');
}

/* An object key with its separator. Keys are constant ASCII identifiers, so
 * they need no escaping. *first tracks whether a comma is due. */
static void key(iamw__buf *b, int *first, const char *k)
{
	if (!*first)
		iamw__buf_addc(b, ',');
	*first = 0;
	iamw__buf_addc(b, '"');
	iamw__buf_adds(b, k);
	iamw__buf_adds(b, "\":");
}

static int finish(const iamw__buf *out)
{
	return out->oom ? IAMW_ENOMEM : IAMW_OK;
}

typedef struct acct_ctx {
	const char *account_id;
	const char *region;
} acct_ctx;

static acct_ctx resolve_acct(const iamw__account *acct)
{
	acct_ctx c = {IAMW_DEFAULT_ACCOUNT_ID, IAMW_DEFAULT_REGION};
	if (acct && acct->account_id)
		c.account_id = acct->account_id;
	if (acct && acct->region)
		c.region = acct->region;
	return c;
}

/* ------------------------------------------------------------ enum names */


/* The SNS Trigger prints the Java enum constant name (observed: SUM,
 * AVERAGE, MINIMUM, MAXIMUM; SAMPLE_COUNT inferred from the naming). */
static const char *statistic_enum_name(iamw_statistic s)
{
	switch (s) {
	case IAMW_STAT_SAMPLE_COUNT: return "SAMPLE_COUNT";
	case IAMW_STAT_SUM: return "SUM";
	case IAMW_STAT_AVERAGE: return "AVERAGE";
	case IAMW_STAT_MINIMUM: return "MINIMUM";
	case IAMW_STAT_MAXIMUM: return "MAXIMUM";
	case IAMW_STAT_EXTENDED: break;
	}
	return NULL;
}

/* The API spelling, as EventBridge/Lambda "stat" prints it. */
static const char *statistic_api_name(const iamw__metric_alarm_def *def)
{
	switch (def->statistic) {
	case IAMW_STAT_SAMPLE_COUNT: return "SampleCount";
	case IAMW_STAT_SUM: return "Sum";
	case IAMW_STAT_AVERAGE: return "Average";
	case IAMW_STAT_MINIMUM: return "Minimum";
	case IAMW_STAT_MAXIMUM: return "Maximum";
	case IAMW_STAT_EXTENDED: return def->extended_statistic;
	}
	return NULL;
}

/* ------------------------------------------------------------ validation */

static int list_ok(const iamw__string_list *l)
{
	if (l->n && !l->items)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (!l->items[i])
			return 0;
	return 1;
}

/* Everything is checked before the first byte is appended, so that a
 * rejected call leaves `out` untouched. */
static int metric_def_ok(const iamw__metric_alarm_def *def)
{
	if (!def->name || !def->metric_name || !def->metric_namespace)
		return 0;
	if (def->statistic == IAMW_STAT_EXTENDED) {
		if (!def->extended_statistic)
			return 0;
	} else if (!statistic_enum_name(def->statistic)) {
		return 0;
	}
	if (!iamw__comparison_name(def->comparison))
		return 0;
	if (def->has_treat_missing_data && !iamw__missing_data_name(def->treat_missing_data))
		return 0;
	if (def->n_dimensions && !def->dimensions)
		return 0;
	for (size_t i = 0; i < def->n_dimensions; i++)
		if (!def->dimensions[i].name || !def->dimensions[i].value)
			return 0;
	return list_ok(&def->ok_actions) && list_ok(&def->alarm_actions) &&
	       list_ok(&def->insufficient_data_actions);
}

static int composite_def_ok(const iamw__composite_alarm_def *def)
{
	return def->name && def->alarm_rule && list_ok(&def->ok_actions) &&
	       list_ok(&def->alarm_actions) && list_ok(&def->insufficient_data_actions);
}

static int change_ok(const iamw__state_change *chg)
{
	return iamw__alarm_state_name(chg->old_state) && iamw__alarm_state_name(chg->new_state);
}

/* ------------------------------------------------------------ GUIDs */

static uint64_t mix64(uint64_t z)
{
	/* SplitMix64's finaliser: every input bit affects every output bit. */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * The library has no clock and no random source, yet EventBridge ids must
 * look like AWS's GUIDs and differ per event. So the 128 bits come from two
 * independent 64-bit hash lanes (FNV-1a, and a multiply-add lane with the
 * golden-ratio constant) over the caller's key, each run through a
 * finaliser. Not cryptographic; no RFC 4122 version/variant bits are forced,
 * matching AWS's ids (c4c1c1c9-6542-e61b-6ef0-... has no version nibble).
 */
void iamw__buf_add_guid(iamw__buf *b, const char *data, size_t n)
{
	uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x243f6a8885a308d3ULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)data[i];
		h1 = (h1 ^ c) * 0x100000001b3ULL;
		h2 = (h2 + c) * 0x9e3779b97f4a7c15ULL;
		h2 ^= h2 >> 29;
	}
	uint64_t hi = mix64(h1 ^ (uint64_t)n);
	uint64_t lo = mix64(h2 + hi);
	unsigned char bytes[16];
	for (int i = 0; i < 8; i++) {
		bytes[i] = (unsigned char)(hi >> (56 - 8 * i));
		bytes[8 + i] = (unsigned char)(lo >> (56 - 8 * i));
	}
	static const char hex[] = "0123456789abcdef";
	char s[36];
	size_t k = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s[k++] = '-';
		s[k++] = hex[bytes[i] >> 4];
		s[k++] = hex[bytes[i] & 15];
	}
	iamw__buf_add(b, s, k);
}

/* A GUID from "<arn>\n<number>\n<tag>", written as a JSON string. */
static void add_derived_guid(iamw__buf *b, const acct_ctx *a, const char *name, int64_t num,
                             const char *tag)
{
	iamw__buf k;
	iamw__buf_init(&k);
	iamw__buf_add_alarm_arn(&k, a->region, a->account_id, name);
	iamw__buf_addf(&k, "\n%lld\n%s", (long long)num, tag);
	if (k.oom) {
		b->oom = 1;
	} else {
		iamw__buf_addc(b, '"');
		iamw__buf_add_guid(b, k.data, k.len);
		iamw__buf_addc(b, '"');
	}
	iamw__buf_free(&k);
}

/* ------------------------------------------------------------ SNS */

/* The head shared by metric and composite SNS bodies, up to and including
 * the action lists. */
static void sns_head(iamw__buf *out, const char *name, const char *description,
                     int64_t config_updated_ms, const iamw__string_list *ok,
                     const iamw__string_list *alarm, const iamw__string_list *insufficient,
                     const iamw__state_change *chg, const acct_ctx *a)
{
	iamw__buf_adds(out, "{\"AlarmName\":");
	add_str(out, name);
	iamw__buf_adds(out, ",\"AlarmDescription\":");
	add_str_or_null(out, description);
	iamw__buf_adds(out, ",\"AWSAccountId\":");
	add_str(out, a->account_id);
	iamw__buf_adds(out, ",\"AlarmConfigurationUpdatedTimestamp\":");
	add_time_cw(out, config_updated_ms);
	iamw__buf_adds(out, ",\"NewStateValue\":");
	add_str(out, iamw__alarm_state_name(chg->new_state));
	/* StateReason is always a string in CloudWatch; a missing one prints "". */
	iamw__buf_adds(out, ",\"NewStateReason\":");
	add_str(out, chg->reason ? chg->reason : "");
	iamw__buf_adds(out, ",\"StateChangeTime\":");
	add_time_cw(out, chg->time_ms);
	iamw__buf_adds(out, ",\"Region\":");
	add_str(out, iamw__region_long_name(a->region));
	iamw__buf_adds(out, ",\"AlarmArn\":");
	/* The ARN carries the raw name, so it goes through the escaper too. */
	iamw__buf arn;
	iamw__buf_init(&arn);
	iamw__buf_add_alarm_arn(&arn, a->region, a->account_id, name);
	if (arn.oom)
		out->oom = 1;
	else
		iamw__buf_add_json_string(out, arn.data, arn.len);
	iamw__buf_free(&arn);
	iamw__buf_adds(out, ",\"OldStateValue\":");
	add_str(out, iamw__alarm_state_name(chg->old_state));
	iamw__buf_adds(out, ",\"OKActions\":");
	add_string_list(out, ok);
	iamw__buf_adds(out, ",\"AlarmActions\":");
	add_string_list(out, alarm);
	iamw__buf_adds(out, ",\"InsufficientDataActions\":");
	add_string_list(out, insufficient);
}

int iamw__render_sns_metric(const iamw__metric_alarm_def *def, const iamw__state_change *chg,
                            const iamw__account *acct, iamw__buf *out)
{
	if (!def || !chg || !out || !metric_def_ok(def) || !change_ok(chg))
		return IAMW_EINVAL;
	acct_ctx a = resolve_acct(acct);
	sns_head(out, def->name, def->description, def->configuration_updated_ms, &def->ok_actions,
	         &def->alarm_actions, &def->insufficient_data_actions, chg, &a);

	iamw__buf_adds(out, ",\"Trigger\":{\"MetricName\":");
	add_str(out, def->metric_name);
	iamw__buf_adds(out, ",\"Namespace\":");
	add_str(out, def->metric_namespace);
	if (def->statistic == IAMW_STAT_EXTENDED) {
		iamw__buf_adds(out,
		               ",\"StatisticType\":\"ExtendedStatistic\",\"ExtendedStatistic\":");
		add_str(out, def->extended_statistic);
	} else {
		iamw__buf_adds(out, ",\"StatisticType\":\"Statistic\",\"Statistic\":");
		add_str(out, statistic_enum_name(def->statistic));
	}
	iamw__buf_adds(out, ",\"Unit\":");
	add_str_or_null(out, def->unit);
	/* Captures emit each dimension value-first with lower-case keys. */
	iamw__buf_adds(out, ",\"Dimensions\":[");
	for (size_t i = 0; i < def->n_dimensions; i++) {
		iamw__buf_adds(out, i ? ",{\"value\":" : "{\"value\":");
		add_str(out, def->dimensions[i].value);
		iamw__buf_adds(out, ",\"name\":");
		add_str(out, def->dimensions[i].name);
		iamw__buf_addc(out, '}');
	}
	iamw__buf_addf(out, "],\"Period\":%lld,\"EvaluationPeriods\":%u", (long long)def->period_s,
	               def->evaluation_periods);
	if (def->has_datapoints_to_alarm)
		iamw__buf_addf(out, ",\"DatapointsToAlarm\":%u", def->datapoints_to_alarm);
	iamw__buf_adds(out, ",\"ComparisonOperator\":");
	add_str(out, iamw__comparison_name(def->comparison));
	iamw__buf_adds(out, ",\"Threshold\":");
	add_java_double(out, def->threshold);
	iamw__buf_adds(out, ",\"TreatMissingData\":");
	add_str(out, def->has_treat_missing_data ? iamw__missing_data_name(def->treat_missing_data) : "");
	iamw__buf_adds(out, ",\"EvaluateLowSampleCountPercentile\":");
	add_str(out, def->evaluate_low_sample_count_percentile
	                 ? def->evaluate_low_sample_count_percentile
	                 : "");
	iamw__buf_adds(out, "}}");
	return finish(out);
}

/*
 * Composite body. The one public capture (2021) has no
 * AlarmConfigurationUpdatedTimestamp and no action lists, but metric-alarm
 * captures gained exactly those keys in 2022 and both bodies come from the
 * same notifier, so we emit them here too, at the positions the metric body
 * uses, with AlarmRule and TriggeringChildren in place of Trigger.
 */
int iamw__render_sns_composite(const iamw__composite_alarm_def *def, const iamw__state_change *chg,
                               const iamw__account *acct, const iamw__triggering_child *children,
                               size_t n_children, iamw__buf *out)
{
	if (!def || !chg || !out || !composite_def_ok(def) || !change_ok(chg) ||
	    (n_children && !children))
		return IAMW_EINVAL;
	for (size_t i = 0; i < n_children; i++)
		if (!children[i].arn_or_name || !iamw__alarm_state_name(children[i].state))
			return IAMW_EINVAL;
	acct_ctx a = resolve_acct(acct);
	sns_head(out, def->name, def->description, def->configuration_updated_ms, &def->ok_actions,
	         &def->alarm_actions, &def->insufficient_data_actions, chg, &a);
	iamw__buf_adds(out, ",\"AlarmRule\":");
	add_str(out, def->alarm_rule);
	iamw__buf_adds(out, ",\"TriggeringChildren\":[");
	for (size_t i = 0; i < n_children; i++) {
		const iamw__triggering_child *c = &children[i];
		iamw__buf_adds(out, i ? ",{\"Arn\":" : "{\"Arn\":");
		if (strncmp(c->arn_or_name, "arn:", 4) == 0) {
			add_str(out, c->arn_or_name);
		} else {
			char *arn = iamw__alarm_arn(a.region, a.account_id, c->arn_or_name);
			if (!arn)
				out->oom = 1;
			else
				add_str(out, arn);
			iamw__free(arn);
		}
		iamw__buf_adds(out, ",\"State\":{\"Value\":");
		add_str(out, iamw__alarm_state_name(c->state));
		iamw__buf_adds(out, ",\"Timestamp\":");
		add_time_cw(out, c->timestamp_ms);
		iamw__buf_adds(out, "}}");
	}
	iamw__buf_adds(out, "]}");
	return finish(out);
}

/* ------------------------------------------------------------ subject */

/* Length in bytes of the UTF-8 character at s (1 for an invalid byte, which
 * a Java decoder turns into one U+FFFD) and its UTF-16 length in *units. */
static size_t utf8_char(const unsigned char *s, size_t n, unsigned *units)
{
	size_t len = 1;
	*units = 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	if (len > n)
		return 1;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 1;
	if (len == 4)
		*units = 2; /* a surrogate pair */
	return len;
}

static size_t utf16_units(const char *s, size_t n)
{
	size_t u = 0;
	for (size_t i = 0; i < n;) {
		unsigned cu;
		i += utf8_char((const unsigned char *)s + i, n - i, &cu);
		u += cu;
	}
	return u;
}

/*
 * `<STATE>: "<name>" in <Region long name>`. Two captured subjects are
 * exactly 100 characters with the name cut and "..." inside the quotes, so
 * the limit is <= 100. Characters are counted as Java's String.length()
 * (UTF-16 units), the service being Java; the cut never splits a
 * character, so a name ending in an astral character may give 99.
 */
int iamw__render_sns_subject(iamw_alarm_state new_state, const char *alarm_name,
                             const char *region_code, iamw__buf *out)
{
	const char *state = iamw__alarm_state_name(new_state);
	if (!state || !alarm_name || !out)
		return IAMW_EINVAL;
	const char *region =
	    iamw__region_long_name(region_code ? region_code : IAMW_DEFAULT_REGION);
	size_t name_len = strlen(alarm_name);
	size_t fixed =
	    strlen(state) + 3 /* : " */ + 5 /* " in  */ + utf16_units(region, strlen(region));
	size_t keep = name_len;
	int cut = 0;
	if (fixed + utf16_units(alarm_name, name_len) > IAMW_SNS_SUBJECT_MAX) {
		size_t budget =
		    IAMW_SNS_SUBJECT_MAX > fixed + 3 ? IAMW_SNS_SUBJECT_MAX - fixed - 3 : 0;
		size_t used = 0;
		keep = 0;
		while (keep < name_len) {
			unsigned cu;
			size_t cl = utf8_char((const unsigned char *)alarm_name + keep,
			                      name_len - keep, &cu);
			if (used + cu > budget)
				break;
			used += cu;
			keep += cl;
		}
		cut = 1;
	}
	iamw__buf_adds(out, state);
	iamw__buf_adds(out, ": \"");
	iamw__buf_add(out, alarm_name, keep);
	if (cut)
		iamw__buf_adds(out, "...");
	iamw__buf_adds(out, "\" in ");
	iamw__buf_adds(out, region);
	return finish(out);
}

/* ------------------------------------------------------------ EventBridge / Lambda */

/* The captures disagree on key order inside state objects, so each payload
 * kind names its own. */
typedef enum state_order {
	/* EventBridge metric sample: alphabetical (reason, reasonData,
	 * timestamp, value); evaluationState, never captured, goes where the
	 * alphabet puts it (first). */
	ORDER_EB_METRIC,
	/* EventBridge composite sample: actionsSuppressedBy,
	 * actionsSuppressedReason, value, reason, reasonData, timestamp. */
	ORDER_EB_COMPOSITE,
	/* Lambda samples: value, reason, reasonData, timestamp, then
	 * actionsSuppressedBy, actionsSuppressedReason (and evaluationState,
	 * by analogy, last). */
	ORDER_LAMBDA
} state_order;

typedef struct state_view {
	iamw_alarm_state value;
	const char *reason;      /* NULL: key omitted */
	const char *reason_data; /* NULL: key omitted */
	int64_t timestamp_ms;
	const char *suppressed_by;
	const char *suppressed_reason;
	const char *evaluation_state;
} state_view;

static void add_state_object(iamw__buf *b, state_order order, const state_view *s)
{
	int first = 1;
	iamw__buf_addc(b, '{');
	if (order == ORDER_EB_METRIC && s->evaluation_state) {
		key(b, &first, "evaluationState");
		add_str(b, s->evaluation_state);
	}
	if (order == ORDER_EB_COMPOSITE) {
		if (s->suppressed_by) {
			key(b, &first, "actionsSuppressedBy");
			add_str(b, s->suppressed_by);
		}
		if (s->suppressed_reason) {
			key(b, &first, "actionsSuppressedReason");
			add_str(b, s->suppressed_reason);
		}
	}
	if (order != ORDER_EB_METRIC) {
		key(b, &first, "value");
		add_str(b, iamw__alarm_state_name(s->value));
	}
	if (s->reason) {
		key(b, &first, "reason");
		add_str(b, s->reason);
	}
	/* reasonData is a JSON document carried as a string, escaped again. */
	if (s->reason_data) {
		key(b, &first, "reasonData");
		add_str(b, s->reason_data);
	}
	key(b, &first, "timestamp");
	add_time_cw(b, s->timestamp_ms);
	if (order == ORDER_EB_METRIC) {
		key(b, &first, "value");
		add_str(b, iamw__alarm_state_name(s->value));
	}
	if (order == ORDER_LAMBDA) {
		if (s->suppressed_by) {
			key(b, &first, "actionsSuppressedBy");
			add_str(b, s->suppressed_by);
		}
		if (s->suppressed_reason) {
			key(b, &first, "actionsSuppressedReason");
			add_str(b, s->suppressed_reason);
		}
		if (s->evaluation_state) {
			key(b, &first, "evaluationState");
			add_str(b, s->evaluation_state);
		}
	}
	iamw__buf_addc(b, '}');
}

static state_view new_state_view(const iamw__state_change *chg, const iamw__event_options *opt,
                                 int composite)
{
	state_view v = {chg->new_state, chg->reason, chg->reason_data, chg->time_ms, NULL,
	                NULL,           NULL};
	if (opt && composite) {
		v.suppressed_by = opt->actions_suppressed_by;
		v.suppressed_reason = opt->actions_suppressed_reason;
	}
	if (opt && !composite)
		v.evaluation_state = opt->evaluation_state;
	return v;
}

static state_view old_state_view(const iamw__state_change *chg, const iamw__event_options *opt,
                                 int composite)
{
	state_view v = {chg->old_state,
	                chg->old_reason,
	                chg->old_reason_data,
	                chg->old_state_time_ms,
	                NULL,
	                NULL,
	                NULL};
	if (opt && composite) {
		v.suppressed_by = opt->prev_actions_suppressed_by;
		v.suppressed_reason = opt->prev_actions_suppressed_reason;
	}
	return v;
}

/* configuration of a single-metric alarm. EventBridge prints the metric's
 * keys alphabetically (dimensions, name, namespace); the Lambda sample has
 * namespace, name, dimensions. "unit" follows "stat" in both when set. */
static void add_metric_configuration(iamw__buf *b, const iamw__metric_alarm_def *def,
                                     const acct_ctx *a, const iamw__event_options *opt, int lambda)
{
	int first = 1;
	iamw__buf_addc(b, '{');
	/* Absent rather than null: these payloads drop unset keys elsewhere. */
	if (def->description) {
		key(b, &first, "description");
		add_str(b, def->description);
	}
	key(b, &first, "metrics");
	iamw__buf_adds(b, "[{\"id\":");
	if (opt && opt->metric_id)
		add_str(b, opt->metric_id);
	else
		add_derived_guid(b, a, def->name, def->configuration_updated_ms, "metric");
	iamw__buf_adds(b, ",\"metricStat\":{\"metric\":{");
	if (lambda) {
		iamw__buf_adds(b, "\"namespace\":");
		add_str(b, def->metric_namespace);
		iamw__buf_adds(b, ",\"name\":");
		add_str(b, def->metric_name);
		iamw__buf_adds(b, ",");
	}
	iamw__buf_adds(b, "\"dimensions\":{");
	for (size_t i = 0; i < def->n_dimensions; i++) {
		if (i)
			iamw__buf_addc(b, ',');
		add_str(b, def->dimensions[i].name);
		iamw__buf_addc(b, ':');
		add_str(b, def->dimensions[i].value);
	}
	iamw__buf_addc(b, '}');
	if (!lambda) {
		iamw__buf_adds(b, ",\"name\":");
		add_str(b, def->metric_name);
		iamw__buf_adds(b, ",\"namespace\":");
		add_str(b, def->metric_namespace);
	}
	iamw__buf_addf(b, "},\"period\":%lld,\"stat\":", (long long)def->period_s);
	add_str(b, statistic_api_name(def));
	if (def->unit) {
		iamw__buf_adds(b, ",\"unit\":");
		add_str(b, def->unit);
	}
	iamw__buf_adds(b, "},\"returnData\":true}]}");
}

/* configuration of a composite: the sample has alarmRule then the three
 * suppressor keys (only when a suppressor is set). It shows no description;
 * when one is set we put it after them, where the configuration-change
 * events place description relative to these keys. */
static void add_composite_configuration(iamw__buf *b, const iamw__composite_alarm_def *def)
{
	iamw__buf_adds(b, "{\"alarmRule\":");
	add_str(b, def->alarm_rule);
	if (def->actions_suppressor) {
		iamw__buf_adds(b, ",\"actionsSuppressor\":");
		add_str(b, def->actions_suppressor);
		iamw__buf_addf(b, ",\"actionsSuppressorWaitPeriod\":%lld",
		               (long long)def->actions_suppressor_wait_period_s);
		iamw__buf_addf(b, ",\"actionsSuppressorExtensionPeriod\":%lld",
		               (long long)def->actions_suppressor_extension_period_s);
	}
	if (def->description) {
		iamw__buf_adds(b, ",\"description\":");
		add_str(b, def->description);
	}
	iamw__buf_addc(b, '}');
}

/* version .. resources, shared by both EventBridge events. */
static void eventbridge_head(iamw__buf *out, const char *name, const iamw__state_change *chg,
                             const acct_ctx *a, const iamw__event_options *opt)
{
	iamw__buf_adds(out, "{\"version\":\"0\",\"id\":");
	if (opt && opt->event_id)
		add_str(out, opt->event_id);
	else
		add_derived_guid(out, a, name, chg->time_ms,
		                 iamw__alarm_state_name(chg->new_state));
	iamw__buf_adds(out, ",\"detail-type\":\"CloudWatch Alarm State Change\","
	                    "\"source\":\"aws.cloudwatch\",\"account\":");
	add_str(out, a->account_id);
	char t[40];
	size_t n = iamw__fmt_time_iso_s(chg->time_ms, t, sizeof t);
	iamw__buf_adds(out, ",\"time\":");
	iamw__buf_add_json_string(out, t, n < sizeof t ? n : sizeof t - 1);
	iamw__buf_adds(out, ",\"region\":");
	add_str(out, a->region);
	char *arn = iamw__alarm_arn(a->region, a->account_id, name);
	if (!arn)
		out->oom = 1;
	iamw__buf_adds(out, ",\"resources\":[");
	if (arn)
		add_str(out, arn);
	iamw__buf_adds(out, "]");
	iamw__free(arn);
}

int iamw__render_eventbridge_metric(const iamw__metric_alarm_def *def,
                                    const iamw__state_change *chg, const iamw__account *acct,
                                    const iamw__event_options *opt, iamw__buf *out)
{
	if (!def || !chg || !out || !metric_def_ok(def) || !change_ok(chg))
		return IAMW_EINVAL;
	acct_ctx a = resolve_acct(acct);
	eventbridge_head(out, def->name, chg, &a, opt);
	/* The sample's detail order: alarmName, configuration, previousState,
	 * state. */
	iamw__buf_adds(out, ",\"detail\":{\"alarmName\":");
	add_str(out, def->name);
	iamw__buf_adds(out, ",\"configuration\":");
	add_metric_configuration(out, def, &a, opt, 0);
	state_view prev = old_state_view(chg, opt, 0), cur = new_state_view(chg, opt, 0);
	iamw__buf_adds(out, ",\"previousState\":");
	add_state_object(out, ORDER_EB_METRIC, &prev);
	iamw__buf_adds(out, ",\"state\":");
	add_state_object(out, ORDER_EB_METRIC, &cur);
	iamw__buf_adds(out, "}}");
	return finish(out);
}

int iamw__render_eventbridge_composite(const iamw__composite_alarm_def *def,
                                       const iamw__state_change *chg, const iamw__account *acct,
                                       const iamw__event_options *opt, iamw__buf *out)
{
	if (!def || !chg || !out || !composite_def_ok(def) || !change_ok(chg))
		return IAMW_EINVAL;
	acct_ctx a = resolve_acct(acct);
	eventbridge_head(out, def->name, chg, &a, opt);
	/* The composite sample's detail order: alarmName, state, previousState,
	 * configuration. */
	iamw__buf_adds(out, ",\"detail\":{\"alarmName\":");
	add_str(out, def->name);
	state_view prev = old_state_view(chg, opt, 1), cur = new_state_view(chg, opt, 1);
	iamw__buf_adds(out, ",\"state\":");
	add_state_object(out, ORDER_EB_COMPOSITE, &cur);
	iamw__buf_adds(out, ",\"previousState\":");
	add_state_object(out, ORDER_EB_COMPOSITE, &prev);
	iamw__buf_adds(out, ",\"configuration\":");
	add_composite_configuration(out, def);
	iamw__buf_adds(out, "}}");
	return finish(out);
}

/* source .. region of a Lambda payload; its time keeps milliseconds. */
static void lambda_head(iamw__buf *out, const char *name, const iamw__state_change *chg,
                        const acct_ctx *a)
{
	iamw__buf_adds(out, "{\"source\":\"aws.cloudwatch\",\"alarmArn\":");
	char *arn = iamw__alarm_arn(a->region, a->account_id, name);
	if (arn)
		add_str(out, arn);
	else
		out->oom = 1;
	iamw__free(arn);
	iamw__buf_adds(out, ",\"accountId\":");
	add_str(out, a->account_id);
	iamw__buf_adds(out, ",\"time\":");
	add_time_cw(out, chg->time_ms);
	iamw__buf_adds(out, ",\"region\":");
	add_str(out, a->region);
	iamw__buf_adds(out, ",\"alarmData\":{\"alarmName\":");
	add_str(out, name);
}

int iamw__render_lambda_metric(const iamw__metric_alarm_def *def, const iamw__state_change *chg,
                               const iamw__account *acct, const iamw__event_options *opt,
                               iamw__buf *out)
{
	if (!def || !chg || !out || !metric_def_ok(def) || !change_ok(chg))
		return IAMW_EINVAL;
	acct_ctx a = resolve_acct(acct);
	lambda_head(out, def->name, chg, &a);
	state_view prev = old_state_view(chg, opt, 0), cur = new_state_view(chg, opt, 0);
	iamw__buf_adds(out, ",\"state\":");
	add_state_object(out, ORDER_LAMBDA, &cur);
	iamw__buf_adds(out, ",\"previousState\":");
	add_state_object(out, ORDER_LAMBDA, &prev);
	iamw__buf_adds(out, ",\"configuration\":");
	add_metric_configuration(out, def, &a, opt, 1);
	iamw__buf_adds(out, "}}");
	return finish(out);
}

int iamw__render_lambda_composite(const iamw__composite_alarm_def *def,
                                  const iamw__state_change *chg, const iamw__account *acct,
                                  const iamw__event_options *opt, iamw__buf *out)
{
	if (!def || !chg || !out || !composite_def_ok(def) || !change_ok(chg))
		return IAMW_EINVAL;
	acct_ctx a = resolve_acct(acct);
	lambda_head(out, def->name, chg, &a);
	state_view prev = old_state_view(chg, opt, 1), cur = new_state_view(chg, opt, 1);
	iamw__buf_adds(out, ",\"state\":");
	add_state_object(out, ORDER_LAMBDA, &cur);
	iamw__buf_adds(out, ",\"previousState\":");
	add_state_object(out, ORDER_LAMBDA, &prev);
	iamw__buf_adds(out, ",\"configuration\":");
	add_composite_configuration(out, def);
	iamw__buf_adds(out, "}}");
	return finish(out);
}

/* ------------------------------------------------------------ text */

/* Copy s with C0 controls, DEL and the UTF-8 encoded C1 controls
 * (U+0080..U+009F, which some terminals obey as CSI etc.) replaced by
 * spaces: alarm names and reasons are data, never terminal commands. */
static void add_sanitised(iamw__buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0, i = 0;
	while (p[i]) {
		size_t bad = 0;
		if (p[i] < 0x20 || p[i] == 0x7f)
			bad = 1;
		else if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			bad = 2;
		if (!bad) {
			i++;
			continue;
		}
		iamw__buf_add(b, s + run, i - run);
		iamw__buf_addc(b, ' ');
		i += bad;
		run = i;
	}
	iamw__buf_add(b, s + run, i - run);
}

int iamw__render_text(const char *alarm_name, const iamw__state_change *chg, iamw__buf *out)
{
	if (!alarm_name || !chg || !out || !change_ok(chg))
		return IAMW_EINVAL;
	char t[40];
	size_t n = iamw__fmt_time_iso_s(chg->time_ms, t, sizeof t);
	iamw__buf_add(out, t, n < sizeof t ? n : sizeof t - 1);
	iamw__buf_addc(out, ' ');
	iamw__buf_adds(out, iamw__alarm_state_name(chg->new_state));
	iamw__buf_adds(out, "  ");
	add_sanitised(out, alarm_name);
	iamw__buf_adds(out, "  ");
	iamw__buf_adds(out, iamw__alarm_state_name(chg->old_state));
	iamw__buf_adds(out, " -> ");
	iamw__buf_adds(out, iamw__alarm_state_name(chg->new_state));
	if (chg->reason && chg->reason[0]) {
		iamw__buf_adds(out, "  ");
		add_sanitised(out, chg->reason);
	}
	return finish(out);
}
