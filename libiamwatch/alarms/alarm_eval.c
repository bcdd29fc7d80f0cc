/* SPDX-License-Identifier: MIT */
/*
 * alarm_eval.c - one evaluation of a metric alarm. Given the evaluation range
 * (the R most recent period slots, some possibly missing), the alarm's
 * definition and its current state, decide the next state with the [DER]
 * procedure of spec/metrics-alarms.md §2.4 (which reproduces every cell of
 * AWS's two missing-data tables, including "keep state" for ignore and the
 * premature-alarm rule), honour EvaluateLowSampleCountPercentile (§2.5), and
 * render the StateReason text (§2.7) and StateReasonData JSON (§2.8) the way
 * CloudWatch prints them. Pure: no clock, no globals, no I/O.
 */
#include <math.h>
#include <string.h>

#include "alarms/alarm_eval.h"
#include "common/private.h"
#include "metrics/stats.h"

/* ------------------------------------------------------------ helpers */

static int is_band_operator(iamw_comparison c)
{
	return c == IAMW_CMP_LT_LOWER_OR_GT_UPPER || c == IAMW_CMP_LT_LOWER ||
	       c == IAMW_CMP_GT_UPPER;
}

int iamw__alarm_breaches(const iamw__metric_alarm_def *def, double v)
{
	double t = def->threshold;
	/* NaN compares false everywhere, so a NaN value never breaches. */
	switch (def->comparison) {
	case IAMW_CMP_GE: return v >= t;
	case IAMW_CMP_GT: return v > t;
	case IAMW_CMP_LT: return v < t;
	case IAMW_CMP_LE: return v <= t;
	/* No band series is modelled: the static threshold is both bounds. */
	case IAMW_CMP_LT_LOWER_OR_GT_UPPER: return v < t || v > t;
	case IAMW_CMP_LT_LOWER: return v < t;
	case IAMW_CMP_GT_UPPER: return v > t;
	}
	return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

int iamw__alarm_range_size(const iamw__metric_alarm_def *def)
{
	unsigned n = def ? def->evaluation_periods : 1;
	if (n < IAMW__ALARM_MIN_RANGE)
		n = IAMW__ALARM_MIN_RANGE;
	return n > 1000000u ? 1000000 : (int)n;
}

int iamw__alarm_slot_starts(const iamw__metric_alarm_def *def, int64_t now_ms, size_t n,
                            int64_t *starts_out)
{
	if (!def || def->period_s <= 0 || (n > 0 && !starts_out))
		return IAMW_EINVAL;
	int64_t period_ms = def->period_s * 1000;
	/* Periods of a minute or more slide with the per-minute evaluation
	 * cadence, so their boundaries follow the minute of the evaluation time,
	 * not multiples of Period (§2.2 [OBS]); sub-minute periods are evaluated
	 * every 10 s on their own grid. */
	int64_t grid = def->period_s >= 60 ? 60000 : period_ms;
	int64_t newest = floor_div(now_ms, grid) * grid - period_ms;
	for (size_t i = 0; i < n; i++)
		starts_out[i] = newest - (int64_t)(n - 1 - i) * period_ms;
	return IAMW_OK;
}

void iamw__alarm_eval_result_clear(iamw__alarm_eval_result *res)
{
	if (!res)
		return;
	iamw__free(res->reason);
	iamw__free(res->reason_data);
	memset(res, 0, sizeof *res);
}

int iamw__alarm_creation_result(iamw__alarm_eval_result *res)
{
	if (!res)
		return IAMW_EINVAL;
	memset(res, 0, sizeof *res);
	res->new_state = IAMW_STATE_INSUFFICIENT_DATA;
	res->outcome = IAMW__EVAL_DECIDED;
	res->reason = iamw__strndup(IAMW__ALARM_CREATION_REASON,
	                            sizeof IAMW__ALARM_CREATION_REASON - 1);
	return res->reason ? IAMW_OK : IAMW_ENOMEM;
}

/* Whether EvaluateLowSampleCountPercentile=ignore applies and the sample
 * count is too small (§2.5): for 0.5 <= p < 1 fewer than 10/(1-p) samples,
 * for 0 < p < 0.5 fewer than 10/p. The percentile is kept as an exact
 * integer scaled by 1e10 (percent) so that p99.9 gives exactly 10000 and not
 * 10000.0000000006: count*(1-p) < 10  <=>  count*(1e12 - P) < 1e13. */
static int low_sample_count(const iamw__metric_alarm_def *def, double sample_count)
{
	if (def->statistic != IAMW_STAT_EXTENDED || !def->extended_statistic ||
	    !def->evaluate_low_sample_count_percentile ||
	    strcmp(def->evaluate_low_sample_count_percentile, "ignore") != 0)
		return 0;
	iamw__stat_spec x;
	if (iamw__stat_parse(def->extended_statistic, &x) != IAMW_OK ||
	    x.kind != IAMW__STAT_PERCENTILE)
		return 0;
	const int64_t one = IAMW__PCT_100; /* 100 % scaled by 1e10 */
	int64_t p = x.upper_pct;
	/* p0 and p100 are the minimum and maximum: no bound is defined. */
	if (p <= 0 || p >= one)
		return 0;
	double weight = (double)(2 * p >= one ? one - p : p);
	return sample_count * weight < 10.0 * (double)one;
}

/* ------------------------------------------------------------ rendering */

/* What the decision looked at, handed from the decision to the renderers. */
typedef struct eval_view {
	const iamw__metric_alarm_def *def;
	const iamw__datapoint *slots;
	size_t n_slots;
	size_t span_lo;      /* slots[span_lo..n_slots) took part in the decision */
	size_t n_filled;     /* the n_filled newest missing slots in the span were filled */
	int fill_breaching;  /* filled points count as breaching */
	unsigned n, m;       /* EvaluationPeriods, DatapointsToAlarm */
	iamw_alarm_state target;
	int64_t now_ms;
} eval_view;

static void add_java(iamw__buf *b, double v)
{
	char tmp[64];
	iamw__fmt_java_double(v, tmp, sizeof tmp);
	iamw__buf_adds(b, tmp);
}

static void add_cw_time(iamw__buf *b, int64_t ms)
{
	char tmp[64];
	iamw__fmt_time_cw(ms, tmp, sizeof tmp);
	iamw__buf_adds(b, tmp);
}

/* Whether slot i is one of the filled missing points: the newest n_filled
 * missing slots of the span ("missing points are used as few times as
 * possible", and the newest periods are the ones that have to be filled). */
static int slot_filled(const eval_view *v, size_t i)
{
	if (v->n_filled == 0 || v->slots[i].present || i < v->span_lo)
		return 0;
	size_t newer_missing = 0;
	for (size_t j = i + 1; j < v->n_slots; j++)
		if (!v->slots[j].present)
			newer_missing++;
	return newer_missing < v->n_filled;
}

/* A real slot that supports the target state (breaching for ALARM). */
static int slot_agrees(const eval_view *v, size_t i)
{
	if (!v->slots[i].present)
		return 0;
	return iamw__alarm_breaches(v->def, v->slots[i].value) == (v->target == IAMW_STATE_ALARM);
}

static size_t count_listed(const eval_view *v)
{
	size_t k = 0;
	for (size_t i = v->span_lo; i < v->n_slots; i++)
		k += (size_t)slot_agrees(v, i);
	return k;
}

static size_t count_real_in_span(const eval_view *v)
{
	size_t r = 0;
	for (size_t i = v->span_lo; i < v->n_slots; i++)
		r += v->slots[i].present ? 1u : 0u;
	return r;
}

/* "datapoint" / "datapoints" and "was" / "were" after a count. */
static const char *pl(size_t n) { return n == 1 ? "" : "s"; }
static const char *was(size_t n) { return n == 1 ? "was" : "were"; }

/* "[T, T, ...]": the band operators print one bound per listed datapoint;
 * with a static threshold standing in for the band every entry is T. */
static void add_band(iamw__buf *b, double t, size_t count)
{
	iamw__buf_addc(b, '[');
	for (size_t i = 0; i < (count ? count : 1); i++) {
		if (i)
			iamw__buf_adds(b, ", ");
		add_java(b, t);
	}
	iamw__buf_addc(b, ']');
}

/* The operator phrase of §2.7, in breaching (ALARM) or negated (OK) form. */
static void add_phrase(iamw__buf *b, const eval_view *v, size_t listed)
{
	int neg = v->target != IAMW_STATE_ALARM;
	const char *no = neg ? "not " : "";
	double t = v->def->threshold;
	const char *simple = NULL;
	switch (v->def->comparison) {
	case IAMW_CMP_GE: simple = "greater than or equal to"; break;
	case IAMW_CMP_GT: simple = "greater than"; break;
	case IAMW_CMP_LT: simple = "less than"; break;
	case IAMW_CMP_LE: simple = "less than or equal to"; break;
	case IAMW_CMP_LT_LOWER_OR_GT_UPPER:
		iamw__buf_addf(b, "%sless than the lower thresholds ", no);
		add_band(b, t, listed);
		iamw__buf_addf(b, " or %sgreater than the upper thresholds ", no);
		add_band(b, t, listed);
		return;
	case IAMW_CMP_LT_LOWER:
		iamw__buf_addf(b, "%sless than the lower thresholds ", no);
		add_band(b, t, listed);
		return;
	case IAMW_CMP_GT_UPPER:
		iamw__buf_addf(b, "%sgreater than the upper thresholds ", no);
		add_band(b, t, listed);
		return;
	}
	if (!simple)
		simple = "compared with";
	iamw__buf_addf(b, "%s%s the threshold (", no, simple);
	add_java(b, t);
	iamw__buf_addc(b, ')');
}

static const char *fill_label(const eval_view *v)
{
	return v->fill_breaching ? "[Breaching]" : "[NonBreaching]";
}

/* StateReason for an ALARM or OK decision (§2.7 formats 1-3). */
static void render_reason(iamw__buf *b, const eval_view *v)
{
	const iamw__metric_alarm_def *def = v->def;
	size_t listed = count_listed(v);
	size_t f = v->n_filled;
	size_t x = v->target == IAMW_STATE_ALARM ? v->m : (size_t)v->n - v->m + 1;

	iamw__buf_adds(b, is_band_operator(def->comparison) ? "Thresholds Crossed: "
	                                                    : "Threshold Crossed: ");
	if (listed == 0) {
		/* Nothing real supports the new state, so there is nothing to list:
		 * say how many datapoints arrived for the N evaluated periods
		 * (observed: "no datapoints were received for 2 periods and 2
		 * missing datapoints were treated as [Breaching]."). */
		size_t r = count_real_in_span(v);
		if (r == 0)
			iamw__buf_adds(b, "no datapoints were");
		else
			iamw__buf_addf(b, "%zu datapoint%s %s", r, pl(r), was(r));
		iamw__buf_addf(b, " received for %u period%s", v->n, pl(v->n));
		if (f > 0)
			iamw__buf_addf(b, " and %zu missing datapoint%s %s treated as %s", f, pl(f),
			               was(f), fill_label(v));
		iamw__buf_addc(b, '.');
		return;
	}

	if (def->has_datapoints_to_alarm)
		iamw__buf_addf(b, "%zu out of the last %u datapoints [", listed, v->n);
	else
		iamw__buf_addf(b, "%zu datapoint%s [", listed, pl(listed));
	size_t done = 0;
	for (size_t i = v->n_slots; i-- > v->span_lo;) {
		if (!slot_agrees(v, i))
			continue;
		char ts[64];
		iamw__fmt_time_reason(v->slots[i].start_ms, ts, sizeof ts);
		if (done++)
			iamw__buf_adds(b, ", ");
		add_java(b, v->slots[i].value);
		iamw__buf_addf(b, " (%s)", ts);
	}
	iamw__buf_addf(b, "] %s ", was(listed));
	add_phrase(b, v, listed);
	if (f > 0)
		iamw__buf_addf(b, " and %zu missing datapoint%s %s treated as %s", f, pl(f), was(f),
		               fill_label(v));
	if (def->has_datapoints_to_alarm)
		iamw__buf_addf(b, " (minimum %zu datapoint%s for %s transition)", x, pl(x),
		               v->target == IAMW_STATE_ALARM ? "OK -> ALARM" : "ALARM -> OK");
	iamw__buf_addc(b, '.');
}

static void add_evaluated_point(iamw__buf *b, const iamw__datapoint *d, int *first)
{
	if (!*first)
		iamw__buf_addc(b, ',');
	*first = 0;
	iamw__buf_adds(b, "{\"timestamp\":\"");
	add_cw_time(b, d->start_ms);
	iamw__buf_addc(b, '"');
	if (d->present) {
		iamw__buf_adds(b, ",\"sampleCount\":");
		add_java(b, d->sample_count);
		iamw__buf_adds(b, ",\"value\":");
		add_java(b, d->value);
	}
	iamw__buf_addc(b, '}');
}

/* StateReasonData (§2.8). insufficient: every slot of the range was unknown. */
static void render_reason_data(iamw__buf *b, const eval_view *v, int insufficient)
{
	const iamw__metric_alarm_def *def = v->def;
	size_t oldest_real = v->n_slots;
	size_t n_recent = 0;
	if (!insufficient) {
		for (size_t i = v->span_lo; i < v->n_slots; i++) {
			if (!v->slots[i].present)
				continue;
			if (oldest_real == v->n_slots)
				oldest_real = i;
			n_recent++;
		}
	}

	iamw__buf_adds(b, "{\"version\":\"1.0\",\"queryDate\":\"");
	add_cw_time(b, v->now_ms);
	iamw__buf_addc(b, '"');
	if (oldest_real < v->n_slots) {
		iamw__buf_adds(b, ",\"startDate\":\"");
		add_cw_time(b, v->slots[oldest_real].start_ms);
		iamw__buf_addc(b, '"');
	}
	if (def->unit) {
		iamw__buf_adds(b, ",\"unit\":");
		iamw__buf_add_json_string(b, def->unit, strlen(def->unit));
	}
	/* Extended statistics are printed under "statistic" with their own
	 * spelling ("p99"); no capture shows AWS's key for them (§2.8 [OPEN]). */
	const char *stat = def->statistic == IAMW_STAT_EXTENDED ? def->extended_statistic
	                                                        : iamw__statistic_name(def->statistic);
	if (stat) {
		iamw__buf_adds(b, ",\"statistic\":");
		iamw__buf_add_json_string(b, stat, strlen(stat));
	}
	iamw__buf_addf(b, ",\"period\":%lld,\"recentDatapoints\":[", (long long)def->period_s);
	int first = 1;
	if (!insufficient) {
		for (size_t i = v->span_lo; i < v->n_slots; i++) {
			if (!v->slots[i].present)
				continue;
			if (!first)
				iamw__buf_addc(b, ',');
			first = 0;
			add_java(b, v->slots[i].value);
		}
	}
	iamw__buf_addc(b, ']');
	if (is_band_operator(def->comparison)) {
		/* Anomaly alarms carry one band value per recent datapoint; the
		 * static threshold stands in for both bands. */
		const char *keys[2] = {"recentLowerThresholds", "recentUpperThresholds"};
		for (int k = 0; k < 2; k++) {
			iamw__buf_addf(b, ",\"%s\":[", keys[k]);
			for (size_t i = 0; i < n_recent; i++) {
				if (i)
					iamw__buf_addc(b, ',');
				add_java(b, def->threshold);
			}
			iamw__buf_addc(b, ']');
		}
	} else {
		iamw__buf_adds(b, ",\"threshold\":");
		add_java(b, def->threshold);
	}
	iamw__buf_adds(b, ",\"evaluatedDatapoints\":[");
	first = 1;
	if (insufficient) {
		for (size_t i = v->n_slots; i-- > 0;)
			add_evaluated_point(b, &v->slots[i], &first);
	} else {
		/* The points that decided the state, newest first: the newest x
		 * supporters of the target state (M for ALARM, N-M+1 for OK), real or
		 * filled; fewer when a premature alarm fired on fewer. */
		size_t x = v->target == IAMW_STATE_ALARM ? v->m : (size_t)v->n - v->m + 1;
		size_t taken = 0;
		for (size_t i = v->n_slots; i-- > v->span_lo && taken < x;) {
			int support = slot_agrees(v, i) ||
			              (slot_filled(v, i) &&
			               v->fill_breaching == (v->target == IAMW_STATE_ALARM));
			if (!support)
				continue;
			add_evaluated_point(b, &v->slots[i], &first);
			taken++;
		}
	}
	iamw__buf_adds(b, "]}");
}

/* ------------------------------------------------------------ decision */

/* The premature-alarm rule (§2.4): within the last N slots, the oldest
 * breaching slot is at least M periods old (newest slot = age 1) and every
 * newer slot is breaching or missing. */
static int premature_alarm(const iamw__metric_alarm_def *def, const iamw__datapoint *slots,
                           size_t n_slots, unsigned n, unsigned m)
{
	size_t lo = n_slots - n;
	size_t oldest = n_slots;
	for (size_t i = lo; i < n_slots; i++) {
		if (slots[i].present && iamw__alarm_breaches(def, slots[i].value)) {
			oldest = i;
			break;
		}
	}
	if (oldest == n_slots || n_slots - oldest < m)
		return 0;
	for (size_t i = oldest + 1; i < n_slots; i++)
		if (slots[i].present && !iamw__alarm_breaches(def, slots[i].value))
			return 0;
	return 1;
}

static void keep_state(iamw__alarm_eval_result *out, iamw_alarm_state current,
                       iamw__alarm_eval_outcome why)
{
	out->new_state = current;
	out->changed = 0;
	out->outcome = why;
}

int iamw__alarm_evaluate(const iamw__metric_alarm_def *def, const iamw__datapoint *slots,
                         size_t n_slots, iamw_alarm_state current, int64_t now_ms,
                         iamw__alarm_eval_result *out)
{
	return iamw__alarm_evaluate_ex(def, slots, n_slots, current, now_ms, 0, out);
}

int iamw__alarm_evaluate_ex(const iamw__metric_alarm_def *def, const iamw__datapoint *slots,
                            size_t n_slots, iamw_alarm_state current, int64_t now_ms,
                            unsigned flags, iamw__alarm_eval_result *out)
{
	if (!out)
		return IAMW_EINVAL;
	memset(out, 0, sizeof *out);
	if (!def || !slots || def->evaluation_periods == 0 || n_slots < def->evaluation_periods)
		return IAMW_EINVAL;
	unsigned n = def->evaluation_periods;
	/* Without DatapointsToAlarm, M defaults to N (§2.1). */
	unsigned m = def->has_datapoints_to_alarm ? def->datapoints_to_alarm : n;
	if (m == 0 || m > n)
		return IAMW_EINVAL;

	size_t n_real = 0;
	size_t newest_real = n_slots;
	for (size_t i = 0; i < n_slots; i++) {
		if (slots[i].present) {
			n_real++;
			newest_real = i;
		}
	}
	out->n_real = n_real;

	/* A percentile over too few samples is not trusted: keep the state.
	 * The newest real datapoint is the one judged; an empty range is left
	 * to TreatMissingData. */
	if (newest_real < n_slots && low_sample_count(def, slots[newest_real].sample_count)) {
		keep_state(out, current, IAMW__EVAL_KEPT_LOW_SAMPLES);
		return IAMW_OK;
	}

	eval_view v = {
		.def = def, .slots = slots, .n_slots = n_slots, .span_lo = n_slots - n,
		.n = n, .m = m, .now_ms = now_ms,
		.fill_breaching = def->treat_missing_data == IAMW_MISSING_BREACHING,
	};
	int insufficient = 0;
	size_t breaching = 0;
	iamw_missing_data treat = def->treat_missing_data;

	if (n_real == 0) {
		switch (treat) {
		case IAMW_MISSING_IGNORE:
			keep_state(out, current, IAMW__EVAL_KEPT_MISSING);
			return IAMW_OK;
		case IAMW_MISSING_BREACHING:
		case IAMW_MISSING_NOT_BREACHING:
			/* All N evaluated points are filled. */
			v.n_filled = n;
			breaching = v.fill_breaching ? n : 0;
			v.target = breaching >= m ? IAMW_STATE_ALARM : IAMW_STATE_OK;
			break;
		case IAMW_MISSING_MISSING:
		default:
			insufficient = 1;
			v.span_lo = 0;
			v.target = IAMW_STATE_INSUFFICIENT_DATA;
			break;
		}
		out->n_evaluated = v.n_filled;
	} else if (n_real >= n) {
		/* Rules 1 and 2: the N most recent real points, TreatMissingData
		 * unused, reaching back into the range past missing slots. */
		size_t seen = 0;
		for (size_t i = n_slots; i-- > 0;) {
			if (!slots[i].present)
				continue;
			breaching += (size_t)iamw__alarm_breaches(def, slots[i].value);
			if (++seen == n) {
				v.span_lo = i;
				break;
			}
		}
		v.target = breaching >= m ? IAMW_STATE_ALARM : IAMW_STATE_OK;
		out->n_evaluated = n;
	} else {
		/* Rule 3: every real point of the range counts, and k = N - |real|
		 * missing points are filled with the TreatMissingData result. */
		size_t k = n - n_real;
		size_t oldest_real = n_slots;
		for (size_t i = 0; i < n_slots; i++) {
			if (slots[i].present) {
				if (oldest_real == n_slots)
					oldest_real = i;
				breaching += (size_t)iamw__alarm_breaches(def, slots[i].value);
			}
		}
		if (oldest_real < v.span_lo)
			v.span_lo = oldest_real;
		out->n_evaluated = n_real;
		switch (treat) {
		case IAMW_MISSING_BREACHING:
			v.n_filled = k;
			breaching += k;
			v.target = breaching >= m ? IAMW_STATE_ALARM : IAMW_STATE_OK;
			out->n_evaluated = n;
			break;
		case IAMW_MISSING_NOT_BREACHING:
			v.n_filled = k;
			v.target = breaching >= m ? IAMW_STATE_ALARM : IAMW_STATE_OK;
			out->n_evaluated = n;
			break;
		case IAMW_MISSING_IGNORE:
		case IAMW_MISSING_MISSING:
		default:
			if (breaching >= m) {
				v.target = IAMW_STATE_ALARM;
			} else if (n_real < m && premature_alarm(def, slots, n_slots, n, m)) {
				if (treat == IAMW_MISSING_IGNORE) {
					out->n_breaching = breaching;
					keep_state(out, current, IAMW__EVAL_KEPT_MISSING);
					return IAMW_OK;
				}
				v.target = IAMW_STATE_ALARM;
			} else {
				v.target = IAMW_STATE_OK;
			}
			break;
		}
	}
	out->n_breaching = breaching;
	out->n_filled = v.n_filled;
	if ((flags & IAMW__EVAL_TEXT_ON_CHANGE) && v.target == current) {
		/* Most evaluations change nothing: skip rendering texts nobody reads. */
		out->new_state = v.target;
		out->changed = 0;
		out->outcome = IAMW__EVAL_DECIDED;
		return IAMW_OK;
	}

	iamw__buf b;
	iamw__buf_init(&b);
	if (insufficient)
		iamw__buf_addf(&b, "Insufficient Data: %zu datapoint%s %s unknown.", n_slots,
		               pl(n_slots), was(n_slots));
	else
		render_reason(&b, &v);
	int rc = iamw__buf_steal(&b, &out->reason, NULL);
	if (rc != IAMW_OK) {
		memset(out, 0, sizeof *out);
		return rc;
	}
	render_reason_data(&b, &v, insufficient);
	rc = iamw__buf_steal(&b, &out->reason_data, NULL);
	if (rc != IAMW_OK) {
		iamw__alarm_eval_result_clear(out);
		return rc;
	}
	out->new_state = v.target;
	out->changed = v.target != current;
	out->outcome = IAMW__EVAL_DECIDED;
	return IAMW_OK;
}
