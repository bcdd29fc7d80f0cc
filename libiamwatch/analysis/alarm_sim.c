/* SPDX-License-Identifier: MIT */
/*
 * alarm_sim.c - the alarm half of a coverage check (alarm_sim.h), decided by
 * simulation on the engine. The log group is kept busy as CloudTrail's is: a
 * record the filter does not match arrives every minute, so that a
 * defaultValue is published as CloudWatch publishes it.
 *
 *  1. quiet: the engine holds the filter and the alarm, and its clock runs
 *     through a whole evaluation range without any match. An alarm that goes
 *     to ALARM now (a breaching defaultValue, TreatMissingData breaching, a
 *     LessThan operator) cannot notify on a match;
 *  2. one match: one generated event the filter matches is ingested at T,
 *     and the clock advances to T + 300 s. The alarm must enter ALARM, and
 *     the notification must run its actions and name an SNS topic;
 *  3. back to normal: one match must not keep the alarm in ALARM longer than
 *     it keeps the benchmark's own alarm on the same filter (Sum over 300 s,
 *     one evaluation period, threshold >= 1) - meanwhile further matches send
 *     nothing (a long Period, several evaluation periods, TreatMissingData
 *     ignore);
 *  4. when one match is not enough, simulating 2, 3, ... matches at T tells
 *     how many the threshold needs (the statistics of 1 and 2 matches point
 *     at the number to try first, and the one below it is tried too);
 *  5. when the filter takes dimension values from the event, a match with
 *     other values must reach the alarm too.
 *
 * What the engine did decides; the parsed definitions (the engine's own,
 * never the request JSON) are read only to word why.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alarms/alarm_eval.h"
#include "alarms/names.h"
#include "analysis/alarm_sim.h"
#include "analysis/records.h"
#include "analysis/typical.h"
#include "engine/engine.h"

/* The most matches tried at one time (doubling from 4). */
#define MAX_MATCHES 1024u
/* ... except to confirm a number that the statistics of one and two matches
 * point at, which may be this large (a simulation ingests that many). */
#define MAX_GUESS 100000u
/* Transitions remembered per simulation (a few are ever made). */
#define MAX_LOG 32
/* The log group's other traffic: one record a minute, this far into it. */
#define BEAT_OFFSET_MS 10000
/* The benchmark's own alarm, against which "back to normal" is measured. */
#define REFERENCE_ALARM                                                                            \
	"\"AlarmName\":\"iamw-benchmark-alarm\",\"Statistic\":\"Sum\",\"Period\":300,"             \
	"\"EvaluationPeriods\":1,\"Threshold\":1,\"ComparisonOperator\":"                          \
	"\"GreaterThanOrEqualToThreshold\",\"AlarmActions\":[\"arn:aws:sns:us-east-1:"             \
	"123456789012:iamw\"]"

typedef struct transition {
	int64_t at;
	iamw_alarm_state to;
	int actions_run;
	int sns; /* an action is an SNS topic ARN */
} transition;

typedef struct sim {
	iamw_engine *e;
	transition log[MAX_LOG];
	size_t n_log;
	const char *beat; /* a record the filter does not match, or NULL */
	int64_t next_beat;
	int64_t quiet_end;      /* the clock when the quiet phase ended */
	iamw_alarm_state quiet; /* the alarm's state then */
	int64_t match_at;       /* T */
	int matched;            /* filters that matched the events (engine's count) */
	uint64_t published;     /* data points the matches published */
} sim;

static void on_note(const iamw_notification *n, void *payload)
{
	sim *s = payload;
	if (s->n_log == MAX_LOG)
		return;
	transition *t = &s->log[s->n_log++];
	t->at = iamw_notification_time(n);
	t->to = iamw_notification_new_state(n);
	t->actions_run = iamw_notification_actions_run(n);
	t->sns = 0;
	for (size_t i = 0; i < iamw_notification_action_count(n); i++) {
		const char *a = iamw_notification_action(n, i);
		t->sns |= a && strncmp(a, "arn:aws:sns:", 12) == 0;
	}
}

/* The first transition to ALARM in (after, until], or NULL. */
static const transition *alarm_between(const sim *s, int64_t after, int64_t until)
{
	for (size_t i = 0; i < s->n_log; i++)
		if (s->log[i].to == IAMW_STATE_ALARM && s->log[i].at > after &&
		    s->log[i].at <= until)
			return &s->log[i];
	return NULL;
}

static const iamw__metric_alarm_def *alarm_of(const sim *s)
{
	return &s->e->alarms[0].def;
}

static const iamw_metric_filter *filter_of(const sim *s)
{
	return s->e->filters[0].f;
}

/* The clock to `to`, with the log group's traffic up to it. */
static int sim_advance(sim *s, int64_t to)
{
	for (; s->beat && s->next_beat <= to; s->next_beat += 60000) {
		int rc = iamw_engine_ingest_text(s->e, s->beat, strlen(s->beat), s->next_beat);
		if (rc < 0)
			return rc;
	}
	int rc = iamw_engine_advance(s->e, to);
	return rc < 0 ? rc : IAMW_OK;
}

/* An engine holding the filter and the alarm, run through the quiet phase. */
static int sim_start(sim *s, const char *filter_json, const char *alarm_json, const char *beat)
{
	memset(s, 0, sizeof *s);
	iamw_engine_options o;
	int rc = iamw_engine_options_init(&o, IAMW_ENGINE_OPTIONS_VERSION);
	if (rc)
		return rc;
	o.time_source = IAMW_TIME_CALLER;
	o.flags = IAMW_ENGINE_NO_PREFILTER; /* one filter: nothing to skip */
	iamw_error err;
	if ((rc = iamw_engine_new(&s->e, &o)) ||
	    (rc = iamw_engine_set_notify_cb(s->e, on_note, s)) ||
	    (rc = iamw_engine_put_metric_filter(s->e, filter_json, IAMW_NUL_TERMINATED, &err)) ||
	    (rc = iamw_engine_put_metric_alarm(s->e, alarm_json, IAMW_NUL_TERMINATED, &err)))
		return rc;
	if (iamw_engine_filter_count(s->e) != 1 || iamw_engine_alarm_count(s->e) != 1)
		return IAMW_EINVAL;
	s->beat = beat;
	s->next_beat = IAMW__SIM_T0 + BEAT_OFFSET_MS;
	s->quiet_end = IAMW__SIM_T0 + iamw__engine_max_window(s->e) + 2 * s->e->tick_ms;
	if ((rc = iamw_engine_advance(s->e, IAMW__SIM_T0)) < 0 ||
	    (rc = sim_advance(s, s->quiet_end)))
		return rc;
	s->quiet = s->e->alarms[0].state;
	s->match_at = s->quiet_end + s->e->tick_ms / 2;
	return IAMW_OK;
}

static int sim_ingest(sim *s, const char *event, unsigned k, int64_t at)
{
	size_t len = strlen(event);
	uint64_t before, after;
	if (iamw_engine_filter_counts(s->e, 0, NULL, &before, NULL) != 1)
		return IAMW_EINVAL;
	for (unsigned i = 0; i < k; i++) {
		int rc = iamw_engine_ingest_text(s->e, event, len, at);
		if (rc < 0)
			return rc;
		s->matched += rc;
	}
	/* defaultValue points come with the clock, so these are the matches' */
	if (iamw_engine_filter_counts(s->e, 0, NULL, &after, NULL) != 1)
		return IAMW_EINVAL;
	s->published += after - before;
	return IAMW_OK;
}

/* k matches at T, then the clock to T + 300 s. */
static int sim_match(sim *s, const char *event, unsigned k)
{
	int rc = sim_ingest(s, event, k, s->match_at);
	return rc ? rc : sim_advance(s, s->match_at + IAMW__SIM_WITHIN_MS);
}

/* After a match alarmed (transition a): the clock through the alarm's whole
 * evaluation range; *leave receives how long after T the alarm left ALARM
 * (-1: never). */
static int leave_after(sim *s, const transition *a, int64_t *leave)
{
	int64_t end = s->match_at + iamw__engine_max_window(s->e) + 3 * s->e->tick_ms;
	int rc = sim_advance(s, end);
	*leave = -1;
	for (size_t i = 0; !rc && i < s->n_log; i++)
		if (s->log[i].at > a->at && s->log[i].to != IAMW_STATE_ALARM) {
			*leave = s->log[i].at - s->match_at;
			break;
		}
	return rc;
}

/* The alarm's statistic over the period the evaluation at `at` reads last
 * (the newest slot). 1 and *v when the engine has a value. */
static int stat_at(const sim *s, int64_t at, double *v)
{
	const iamw__alarm_entry *a = &s->e->alarms[0];
	int64_t eval = at - at % s->e->tick_ms + s->e->tick_ms, start;
	if (iamw__alarm_slot_starts(&a->def, eval, 1, &start) != IAMW_OK)
		return 0;
	iamw__metric_key key = {a->def.metric_namespace, a->def.metric_name, a->def.dimensions,
	                        a->def.n_dimensions, a->def.unit};
	double sc;
	return iamw__aggregator_query(s->e->agg.impl, &key, start, a->def.period_s * 1000, &a->spec,
	                              v, &sc) == 1;
}

static const char *stat_name(const iamw__metric_alarm_def *d)
{
	return d->statistic == IAMW_STAT_EXTENDED ? d->extended_statistic
	                                          : iamw__statistic_name(d->statistic);
}

static int fires_low(const iamw__metric_alarm_def *d)
{
	return d->comparison == IAMW_CMP_LT || d->comparison == IAMW_CMP_LE ||
	       d->comparison == IAMW_CMP_LT_LOWER;
}

/* A whole simulation: k matches; 1 when the alarm went to ALARM within
 * 300 s (then *t holds the transition), 0 when not, or a negative status.
 * With `value`, *value receives the statistic of the matches' period (NAN
 * when the engine has none). With `leave`, the clock then runs through the
 * alarm's whole evaluation range and *leave receives how long after T the
 * alarm left ALARM (-1: never). */
static int simulate(const char *fj, const char *aj, const char *beat, const char *event, unsigned k,
                    transition *t, double *value, int64_t *leave)
{
	sim s;
	int rc = sim_start(&s, fj, aj, beat);
	if (!rc)
		rc = sim_match(&s, event, k);
	const transition *a =
	    rc ? NULL : alarm_between(&s, s.match_at, s.match_at + IAMW__SIM_WITHIN_MS);
	if (a)
		*t = *a;
	if (!rc && value && !stat_at(&s, s.match_at, value))
		*value = NAN;
	if (!rc && a && leave)
		rc = leave_after(&s, a, leave);
	iamw_engine_free(s.e);
	return rc ? rc : a != NULL;
}

/* ------------------------------------------------------------ why */

/* The alarm goes to ALARM without a match. */
static int why_quiet_alarm(const sim *s, iamw__strset *p)
{
	const iamw__metric_alarm_def *d = alarm_of(s);
	const iamw_metric_filter *f = filter_of(s);
	double v = 0;
	int have = stat_at(s, s->quiet_end - 1, &v);
	if (d->treat_missing_data == IAMW_MISSING_BREACHING && !have)
		return iamw__strset_addf(p, "TreatMissingData breaching keeps the alarm in ALARM "
		                            "without matches, so a match sends no notification");
	if (fires_low(d))
		return iamw__strset_addf(
		    p, "ComparisonOperator %s fires on low values, not on a match",
		    iamw__comparison_name(d->comparison));
	if (d->statistic == IAMW_STAT_SAMPLE_COUNT && f->has_default_value && have)
		return iamw__strset_addf(
		    p,
		    "SampleCount also counts the defaultValue data points: the "
		    "value is %g with or without a match",
		    v);
	if (f->has_default_value && have)
		return iamw__strset_addf(
		    p,
		    "the alarm breaches without any match (defaultValue %g gives "
		    "%s %g)",
		    f->default_value, stat_name(d), v);
	return iamw__strset_addf(p, "the alarm is in ALARM without any match, so a match sends no "
	                            "notification");
}

static int same_dimension_names(const iamw_metric_filter *f, const iamw__metric_alarm_def *d)
{
	if (f->n_dimensions != d->n_dimensions)
		return 0;
	for (size_t i = 0; i < d->n_dimensions; i++) {
		int found = 0;
		for (size_t j = 0; j < f->n_dimensions; j++)
			found |= strcmp(d->dimensions[i].name, f->dimension_names[j]) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

/* The value a constant dimension of the filter always has, or NULL. */
static const char *constant_dimension(const sim *s, size_t i)
{
	const iamw__ref *r = &filter_of(s)->dimensions[i];
	switch (r->kind) {
	case IAMW__REF_CONSTANT: return r->text;
	case IAMW__REF_ACCOUNT: return s->e->account_id;
	case IAMW__REF_REGION: return s->e->region;
	default: return NULL;
	}
}

/* Same dimension names: a constant the alarm does not watch, or values
 * from the event of which the alarm watches one. */
static int why_dimension_values(const sim *s, iamw__strset *p)
{
	const iamw__metric_alarm_def *d = alarm_of(s);
	const iamw_metric_filter *f = filter_of(s);
	for (size_t i = 0; i < f->n_dimensions; i++) {
		const char *v = constant_dimension(s, i);
		for (size_t j = 0; v && j < d->n_dimensions; j++)
			if (strcmp(d->dimensions[j].name, f->dimension_names[i]) == 0 &&
			    strcmp(d->dimensions[j].value, v) != 0)
				return iamw__strset_addf(
				    p,
				    "the alarm watches %s=%s, but the filter always "
				    "publishes %s=%s, so the alarm sees no data",
				    d->dimensions[j].name, d->dimensions[j].value,
				    f->dimension_names[i], v);
	}
	return iamw__strset_addf(p, "the alarm watches one dimension value only; matches with "
	                            "other values of the filter's dimensions do not reach it");
}

/* What keeps every number of matches from alarming, read from the parsed
 * definitions. Returns the number of reasons added, or a negative status. */
static int why_structural(const sim *s, iamw__strset *p)
{
	const iamw__metric_alarm_def *d = alarm_of(s);
	const iamw_metric_filter *f = filter_of(s);
	size_t before = p->n;
	int rc = IAMW_OK;
	if (f->value.kind == IAMW__REF_CONSTANT && f->value.number <= 0)
		rc = iamw__strset_addf(p, "metricValue %s: a match does not raise the metric",
		                       f->metric_value_text);
	else if (f->value.kind != IAMW__REF_CONSTANT && !s->published)
		rc = iamw__strset_addf(
		    p,
		    "metricValue %s comes from the event, so one match may publish "
		    "0 or less (this one published no data point)",
		    f->metric_value_text);
	if (!rc && !f->n_dimensions && d->n_dimensions)
		rc = iamw__strset_addf(p,
		                       "alarm has dimensions, but the filter publishes its metric "
		                       "without any, so the alarm sees no data");
	else if (!rc && f->n_dimensions && !same_dimension_names(f, d))
		rc = iamw__strset_addf(
		    p,
		    "the filter publishes its metric with %zu dimension(s) and the "
		    "alarm does not name the same ones, so the alarm sees no data",
		    f->n_dimensions);
	else if (!rc && f->n_dimensions)
		rc = why_dimension_values(s, p);
	if (!rc && d->datapoints_to_alarm > 1)
		rc = iamw__strset_addf(p,
		                       "alarm needs %u breaching periods (DatapointsToAlarm %u of "
		                       "EvaluationPeriods %u)",
		                       d->datapoints_to_alarm, d->datapoints_to_alarm,
		                       d->evaluation_periods);
	if (!rc && fires_low(d))
		rc = iamw__strset_addf(p,
		                       "ComparisonOperator %s fires on low values, not on a match",
		                       iamw__comparison_name(d->comparison));
	return rc ? rc : (int)(p->n - before);
}

/* No number of matches alarmed, and nothing structural says why: what the
 * statistic of one match came to. */
static int why_never(const sim *one, unsigned tried, iamw__strset *p)
{
	const iamw__metric_alarm_def *d = alarm_of(one);
	const iamw_metric_filter *f = filter_of(one);
	double v = 0;
	int have = stat_at(one, one->match_at, &v);
	if (d->statistic == IAMW_STAT_AVERAGE && f->has_default_value && have)
		return iamw__strset_addf(
		    p,
		    "Average with defaultValue %g: one match in a %lld s period "
		    "averages %g, below the threshold %g",
		    f->default_value, (long long)d->period_s, v, d->threshold);
	if (d->statistic == IAMW_STAT_EXTENDED && f->has_default_value)
		return iamw__strset_addf(
		    p,
		    "extended statistic %s over a metric with a defaultValue: one "
		    "match may not move it",
		    d->extended_statistic);
	if ((d->statistic == IAMW_STAT_SUM || d->statistic == IAMW_STAT_SAMPLE_COUNT) && have &&
	    v > 0 && (d->comparison == IAMW_CMP_GE || d->comparison == IAMW_CMP_GT))
		return iamw__strset_addf(p, "alarm threshold %g needs more than %u matches",
		                         d->threshold, tried);
	if (have)
		return iamw__strset_addf(p, "%s of one match is %g, which does not breach %s %g",
		                         stat_name(d), v, iamw__comparison_name(d->comparison),
		                         d->threshold);
	return iamw__strset_addf(p, "one match does not put the alarm in ALARM within 300 s");
}

/* One match keeps the alarm in ALARM longer than the benchmark's alarm. */
static int why_stays(const sim *s, int64_t leave, int64_t ref_leave, iamw__strset *p)
{
	const iamw__metric_alarm_def *d = alarm_of(s);
	const iamw_metric_filter *f = filter_of(s);
	char how_long[160];
	if (leave < 0)
		snprintf(how_long, sizeof how_long, "keeps the alarm in ALARM");
	else
		snprintf(how_long, sizeof how_long,
		         "keeps the alarm in ALARM for %lld s (%lld s with "
		         "the benchmark's alarm)",
		         (long long)(leave / 1000), (long long)(ref_leave / 1000));
	if (d->period_s > IAMW__SIM_WITHIN_MS / 1000)
		return iamw__strset_addf(
		    p,
		    "Period %lld s (CIS: 300 s): one match %s, so further matches "
		    "in that time send no notification",
		    (long long)d->period_s, how_long);
	if (d->treat_missing_data == IAMW_MISSING_IGNORE && !f->has_default_value)
		return iamw__strset_addf(
		    p,
		    "TreatMissingData ignore: one match %s until data comes, so "
		    "further matches send no notification",
		    how_long);
	return iamw__strset_addf(
	    p,
	    "%u evaluation periods of %lld s: one match %s, so further matches "
	    "in that time send no notification",
	    d->evaluation_periods, (long long)d->period_s, how_long);
}

/* What the notification into ALARM did with its actions. */
static int why_actions(const sim *s, const transition *t, iamw__strset *p)
{
	if (!t->actions_run)
		return iamw__strset_addf(p, "%s",
		                         alarm_of(s)->actions_enabled
		                             ? "alarm has no action (AlarmActions is empty)"
		                             : "alarm actions are disabled (ActionsEnabled "
		                               "false)");
	if (!t->sns)
		return iamw__strset_addf(p, "alarm actions name no SNS topic (arn:aws:sns:...)");
	return IAMW_OK;
}

/* ------------------------------------------------------------ steps */

/* The smallest k in (lo, hi) for which k matches alarm, given that lo
 * matches do not and hi matches do, by halving. */
static int halve(const char *fj, const char *aj, const char *beat, const char *event, unsigned lo,
                 unsigned hi, unsigned *needed, transition *t)
{
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;
		transition tm;
		int r = simulate(fj, aj, beat, event, mid, &tm, NULL, NULL);
		if (r < 0)
			return r;
		if (r) {
			hi = mid;
			*t = tm;
		} else {
			lo = mid;
		}
	}
	*needed = hi;
	return IAMW_OK;
}

/* The first k the statistics of 1 and 2 matches (v1 < v2) point at when
 * each match adds as much as the second did, or MAX_GUESS + 1. */
static unsigned extrapolate(const iamw__metric_alarm_def *d, double v1, double v2)
{
	double step = v2 - v1, k = 2;
	if (d->comparison == IAMW_CMP_GE || d->comparison == IAMW_CMP_GT)
		k = ceil((d->threshold - v1) / step) + 1;
	if (!(k >= 3) || k > MAX_GUESS)
		return MAX_GUESS + 1;
	unsigned n = (unsigned)k;
	while (n > 3 && iamw__alarm_breaches(d, v1 + (n - 2) * step))
		n--;
	while (n <= MAX_GUESS && !iamw__alarm_breaches(d, v1 + (n - 1) * step))
		n++;
	return n;
}

/* How many matches at one time the alarm needs: 2 matches are simulated;
 * when the period's statistic grew, the number where it would breach is
 * simulated with the one below it to confirm; otherwise, or when that fails
 * to confirm, 3, 4, 8, ... MAX_MATCHES (or the guess, when larger) matches,
 * halving between the last that failed and the first that alarmed. A
 * statistic that does not grow with matches (Maximum of a constant value)
 * needs no more than that. *needed = 0 when no number up to *tried is
 * enough, else *t receives that run's transition into ALARM. */
static int matches_needed(const sim *one, const char *fj, const char *aj, const char *event,
                          unsigned *needed, unsigned *tried, transition *t)
{
	const char *beat = one->beat;
	double v1, v2;
	*needed = 0;
	*tried = 2;
	int have1 = stat_at(one, one->match_at, &v1);
	int r = simulate(fj, aj, beat, event, 2, t, &v2, NULL);
	if (r < 0)
		return r;
	if (r) {
		*needed = 2;
		return IAMW_OK;
	}
	if (have1 && !isnan(v2) && v2 <= v1)
		return IAMW_OK; /* more matches do not move it */
	unsigned lo = 2, k = 3, guess = 0, limit = MAX_MATCHES;
	if (have1 && !isnan(v2)) {
		guess = extrapolate(alarm_of(one), v1, v2);
		if (guess <= MAX_GUESS && guess > limit)
			limit = guess;
		k = guess <= limit ? guess : limit;
	}
	/* grow from the guess (or from 3) until it alarms */
	while (k <= limit) {
		*tried = k;
		transition tk;
		r = simulate(fj, aj, beat, event, k, &tk, NULL, NULL);
		if (r < 0)
			return r;
		if (r) {
			*t = tk;
			/* the guess confirmed by the number below it failing */
			if (k == guess && k - 1 > lo) {
				r = simulate(fj, aj, beat, event, k - 1, &tk, NULL, NULL);
				if (r < 0)
					return r;
				if (!r) {
					*needed = k;
					return IAMW_OK;
				}
				*t = tk;
				k--;
			}
			return halve(fj, aj, beat, event, lo, k, needed, t);
		}
		lo = k;
		k = k == limit ? limit + 1 : k < 4 ? k + 1 : k * 2;
		if (k > limit && lo < limit)
			k = limit;
	}
	return IAMW_OK;
}

/* The benchmark's alarm on the filter's metric, watching what the judged
 * alarm watches. */
static char *reference_alarm(const iamw__metric_alarm_def *d)
{
	cJSON *dims = cJSON_CreateArray();
	for (size_t i = 0; dims && i < d->n_dimensions; i++) {
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(dims, o)) {
			cJSON_Delete(o);
			cJSON_Delete(dims);
			return NULL;
		}
		if (!cJSON_AddStringToObject(o, "Name", d->dimensions[i].name) ||
		    !cJSON_AddStringToObject(o, "Value", d->dimensions[i].value)) {
			cJSON_Delete(dims);
			return NULL;
		}
	}
	char *dtext = dims ? cJSON_PrintUnformatted(dims) : NULL;
	cJSON_Delete(dims);
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__buf_adds(&b, "{" REFERENCE_ALARM ",\"MetricName\":");
	iamw__buf_add_json_string(&b, d->metric_name, strlen(d->metric_name));
	iamw__buf_adds(&b, ",\"Namespace\":");
	iamw__buf_add_json_string(&b, d->metric_namespace, strlen(d->metric_namespace));
	if (d->unit) {
		iamw__buf_adds(&b, ",\"Unit\":");
		iamw__buf_add_json_string(&b, d->unit, strlen(d->unit));
	}
	iamw__buf_addf(&b, ",\"Dimensions\":%s}", dtext ? dtext : "[]");
	char *out = NULL;
	int rc = dtext ? iamw__buf_steal(&b, &out, NULL) : IAMW_ENOMEM;
	if (rc)
		iamw__buf_free(&b);
	cJSON_free(dtext);
	return out;
}

/* Back to normal as soon as with the benchmark's alarm? `one` alarmed at a. */
static int check_back_to_normal(sim *one, const transition *a, const char *fj, const char *event,
                                iamw__strset *p)
{
	transition t;
	int64_t leave = -1, ref_leave = -1;
	int r = leave_after(one, a, &leave);
	if (r)
		return r;
	char *ref = reference_alarm(alarm_of(one));
	if (!ref)
		return IAMW_ENOMEM;
	r = simulate(fj, ref, one->beat, event, 1, &t, NULL, &ref_leave);
	iamw__free(ref);
	if (r < 0)
		return r;
	/* the benchmark's alarm never alarming would be a bug of the filter's,
	 * not of this alarm: nothing to compare with then */
	if (r == 0 || ref_leave < 0 || (leave >= 0 && leave <= ref_leave))
		return IAMW_OK;
	return why_stays(one, leave, ref_leave, p);
}

/* A copy of the event with every dimension the filter reads from it set to
 * another value, or NULL when the filter takes none from the event. */
static int other_dimensions(const iamw_metric_filter *f, const char *event, char **out)
{
	*out = NULL;
	int any = 0;
	for (size_t i = 0; i < f->n_dimensions; i++)
		any |= f->dimensions[i].kind == IAMW__REF_SELECTOR;
	if (!any)
		return IAMW_OK;
	cJSON *rec = cJSON_Parse(event);
	if (!rec)
		return IAMW_ENOMEM; /* the event was printed by cJSON: only memory can fail */
	int rc = IAMW_OK;
	for (size_t i = 0; i < f->n_dimensions && !rc; i++)
		if (f->dimensions[i].kind == IAMW__REF_SELECTOR)
			rc = iamw__record_put(rec, f->dimensions[i].sel,
			                      cJSON_CreateString("iamw-other-value"));
	if (!rc && !(*out = iamw__record_text(rec)))
		rc = IAMW_ENOMEM;
	cJSON_Delete(rec);
	return rc;
}

/* A match with other dimension values: does it reach the alarm? */
static int check_other_dimensions(const sim *one, const char *fj, const char *aj, const char *event,
                                  iamw__strset *p)
{
	char *other;
	int rc = other_dimensions(filter_of(one), event, &other);
	if (rc || !other)
		return rc;
	sim s;
	rc = sim_start(&s, fj, aj, one->beat);
	if (!rc)
		rc = sim_match(&s, other, 1);
	if (!rc && s.matched && !alarm_between(&s, s.match_at, s.match_at + IAMW__SIM_WITHIN_MS))
		rc =
		    iamw__strset_addf(p, "the alarm watches one dimension value only; matches with "
		                         "other values of the filter's dimensions do not reach it");
	iamw_engine_free(s.e);
	iamw__free(other);
	return rc;
}

/* The log group's other traffic: a typical record the filter does not
 * match (NULL when it matches them all). */
static int background(const char *fj, const char **beat)
{
	iamw_metric_filter *f = NULL;
	iamw_match *m = NULL;
	iamw_error err;
	*beat = NULL;
	int rc = iamw_metric_filter_from_json(&f, fj, IAMW_NUL_TERMINATED, &err);
	if (!rc)
		rc = iamw_match_new(&m);
	for (size_t i = 0; !rc && !*beat && i < iamw__typical_count(); i++) {
		const char *rec = iamw__typical_record(i, NULL);
		int hit = iamw_pattern_match_text(iamw_metric_filter_pattern(f), rec,
		                                  IAMW_NUL_TERMINATED, m);
		if (hit < 0)
			rc = hit;
		else if (!hit)
			*beat = rec;
	}
	iamw_match_free(m);
	iamw_metric_filter_free(f);
	return rc;
}

int iamw__alarm_judge(const char *fj, const char *aj, const char *event, iamw__strset *p)
{
	if (!fj || !aj || !event || !p)
		return IAMW_EINVAL;
	const char *beat;
	sim one;
	memset(&one, 0, sizeof one);
	int rc = background(fj, &beat);
	if (!rc)
		rc = sim_start(&one, fj, aj, beat);
	if (!rc)
		rc = sim_match(&one, event, 1);
	const transition *quiet = rc ? NULL : alarm_between(&one, IAMW_NO_TIME, one.quiet_end);
	const transition *first =
	    rc ? NULL : alarm_between(&one, one.match_at, one.match_at + IAMW__SIM_WITHIN_MS);
	if (rc) {
		/* nothing observed */
	} else if (one.quiet == IAMW_STATE_ALARM) {
		rc = why_quiet_alarm(&one, p);
		if (!rc && quiet)
			rc = why_actions(&one, quiet, p);
	} else if (!first) {
		unsigned needed = 0, tried = 1;
		transition t;
		int n = why_structural(&one, p);
		if (n < 0)
			rc = n;
		else if (n == 0 &&
		         !(rc = matches_needed(&one, fj, aj, event, &needed, &tried, &t)) && needed)
			rc = iamw__strset_addf(p, "alarm threshold %g needs %u matches",
			                       alarm_of(&one)->threshold, needed);
		if (!rc && n == 0 && !needed)
			rc = why_never(&one, tried, p);
		if (!rc && needed)
			rc = why_actions(&one, &t, p);
	} else {
		transition t = *first;
		rc = check_other_dimensions(&one, fj, aj, event, p);
		if (!rc)
			rc = check_back_to_normal(&one, &t, fj, event, p);
		if (!rc)
			rc = why_actions(&one, &t, p);
	}
	iamw_engine_free(one.e);
	return rc;
}
