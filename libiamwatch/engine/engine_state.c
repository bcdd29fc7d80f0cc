/* SPDX-License-Identifier: MIT */
/*
 * engine_state.c - saving and restoring an engine's runtime state as
 * versioned JSON: the clock, counters, alarm and composite states and the
 * aggregator's buckets. Definitions are not part of it: the host loads the
 * same rules, then restores. Restoring validates everything first and
 * changes nothing unless all of it is good.
 */
#include <math.h>
#include <string.h>

#include "engine/engine.h"
#include "common/json_parse.h"

#define STATE_FORMAT "iamwatch-state"
#define STATE_VERSION 1

static void add_time(iamw__buf *b, const char *key, int64_t t, int comma)
{
	if (t == IAMW_NO_TIME)
		iamw__buf_addf(b, "%s\"%s\":null", comma ? "," : "", key);
	else
		iamw__buf_addf(b, "%s\"%s\":%lld", comma ? "," : "", key, (long long)t);
}

static void add_str(iamw__buf *b, const char *key, const char *s)
{
	iamw__buf_addf(b, ",\"%s\":", key);
	if (s)
		iamw__buf_add_json_string(b, s, strlen(s));
	else
		iamw__buf_adds(b, "null");
}

int iamw_engine_save_state(const iamw_engine *e, char **out, size_t *out_len)
{
	if (!e || !out)
		return IAMW_EINVAL;
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__buf_addf(&b, "{\"format\":\"%s\",\"version\":%d,", STATE_FORMAT, STATE_VERSION);
	add_time(&b, "clock", e->clock_ms, 0);
	add_time(&b, "nextEval", e->next_eval_ms, 1);
	add_time(&b, "lastEval", e->last_eval_ms, 1);
	add_time(&b, "defaultsDone", e->defaults_done_ms, 1);
	add_time(&b, "latestEvent", e->latest_event_ms, 1);
	add_time(&b, "earliestEvent", e->earliest_event_ms, 1);
	add_time(&b, "lastPrune", e->last_prune_ms, 1);
	iamw__buf_addf(&b, ",\"quietPassDone\":%s", e->quiet_pass_done ? "true" : "false");
	iamw__buf_addf(&b,
	               ",\"stats\":{\"events\":%llu,\"notJson\":%llu,\"untimed\":%llu,\"late\":%llu,"
	               "\"notifications\":%llu}",
	               (unsigned long long)e->stats.events, (unsigned long long)e->stats.not_json,
	               (unsigned long long)e->stats.untimed, (unsigned long long)e->stats.late,
	               (unsigned long long)e->stats.notifications);
	iamw__buf_adds(&b, ",\"filters\":[");
	for (size_t i = 0; i < e->n_filters; i++) {
		const iamw__filter_entry *f = &e->filters[i];
		iamw__buf_adds(&b, i ? ",{\"name\":" : "{\"name\":");
		iamw__buf_add_json_string(&b, f->f->filter_name, strlen(f->f->filter_name));
		iamw__buf_addf(&b, ",\"matches\":%llu,\"points\":%llu,\"skipped\":%llu}",
		               (unsigned long long)f->matches, (unsigned long long)f->points,
		               (unsigned long long)f->skipped);
	}
	iamw__buf_adds(&b, "],\"alarms\":[");
	for (size_t i = 0; i < e->n_alarms; i++) {
		const iamw__alarm_entry *a = &e->alarms[i];
		iamw__buf_adds(&b, i ? ",{\"name\":" : "{\"name\":");
		iamw__buf_add_json_string(&b, a->def.name, strlen(a->def.name));
		iamw__buf_addf(&b, ",\"state\":\"%s\"", iamw__alarm_state_name(a->state));
		add_time(&b, "configUpdated", a->def.configuration_updated_ms, 1);
		add_time(&b, "since", a->state_time_ms, 1);
		add_time(&b, "changedAt", a->changed_at, 1);
		add_str(&b, "reason", a->reason);
		add_str(&b, "reasonData", a->reason_data);
		iamw__buf_addc(&b, '}');
	}
	iamw__buf_adds(&b, "],\"composites\":[");
	for (size_t i = 0; i < e->n_composites; i++) {
		const iamw__composite_entry *c = &e->composites[i];
		iamw__buf_adds(&b, i ? ",{\"name\":" : "{\"name\":");
		iamw__buf_add_json_string(&b, c->def.name, strlen(c->def.name));
		iamw__buf_addf(&b, ",\"state\":\"%s\",\"created\":%s", iamw__alarm_state_name(c->state),
		               c->created ? "true" : "false");
		add_time(&b, "configUpdated", c->def.configuration_updated_ms, 1);
		add_time(&b, "since", c->state_time_ms, 1);
		add_time(&b, "changedAt", c->changed_at, 1);
		add_str(&b, "reason", c->reason);
		add_str(&b, "reasonData", c->reason_data);
		const iamw__suppression *s = &c->sup;
		iamw__buf_addf(&b,
		               ",\"suppression\":{\"by\":%d,\"pending\":%d,\"suppressorState\":\"%s\","
		               "\"compositeState\":\"%s\"",
		               (int)s->by, s->pending, iamw__alarm_state_name(s->suppressor_state),
		               iamw__alarm_state_name(s->composite_state));
		add_time(&b, "until", s->until_ms, 1);
		iamw__buf_adds(&b, "}}");
	}
	iamw__buf_adds(&b, "],\"aggregator\":");
	iamw__aggregator_save_buf(e->agg.impl, &b);
	iamw__buf_addc(&b, '}');
	return iamw__buf_steal(&b, out, out_len);
}

/* ------------------------------------------------------------------ restore */

typedef struct restore_ctx {
	iamw_error *err;
} restore_ctx;

static int bad(iamw_error *err, const char *what)
{
	return iamw__error_set(err, IAMW_ESTATE, IAMW_NO_OFFSET, 0, "state", "invalid state: %s",
	                       what);
}

static int get_time(const cJSON *o, const char *key, int64_t *out, iamw_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (cJSON_IsNull(v)) {
		*out = IAMW_NO_TIME;
		return IAMW_OK;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    fabs(v->valuedouble) > 4503599627370496.0)
		return iamw__error_set(err, IAMW_ESTATE, IAMW_NO_OFFSET, 0, "state",
		                       "invalid state: '%s' must be a time in milliseconds or null",
		                       key);
	*out = (int64_t)v->valuedouble;
	return IAMW_OK;
}

static int get_count(const cJSON *o, const char *key, uint64_t *out, iamw_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble != floor(v->valuedouble) ||
	    v->valuedouble > 9007199254740992.0)
		return iamw__error_set(err, IAMW_ESTATE, IAMW_NO_OFFSET, 0, "state",
		                       "invalid state: '%s' must be a count", key);
	*out = (uint64_t)v->valuedouble;
	return IAMW_OK;
}

static int get_state(const cJSON *o, const char *key, iamw_alarm_state *out, iamw_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	static const iamw_alarm_state all[] = {IAMW_STATE_OK, IAMW_STATE_ALARM,
	                                       IAMW_STATE_INSUFFICIENT_DATA};
	for (size_t i = 0; cJSON_IsString(v) && i < 3; i++) {
		if (strcmp(v->valuestring, iamw__alarm_state_name(all[i])) == 0) {
			*out = all[i];
			return IAMW_OK;
		}
	}
	return iamw__error_set(err, IAMW_ESTATE, IAMW_NO_OFFSET, 0, "state",
	                       "invalid state: '%s' must be OK, ALARM or INSUFFICIENT_DATA", key);
}

static int get_opt_str(const cJSON *o, const char *key, char **out, iamw_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return IAMW_OK;
	if (!cJSON_IsString(v))
		return iamw__error_set(err, IAMW_ESTATE, IAMW_NO_OFFSET, 0, "state",
		                       "invalid state: '%s' must be a string or null", key);
	*out = iamw__strndup(v->valuestring, strlen(v->valuestring));
	return *out ? IAMW_OK : IAMW_ENOMEM;
}

static int get_bool(const cJSON *o, const char *key, int *out, iamw_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsBool(v))
		return iamw__error_set(err, IAMW_ESTATE, IAMW_NO_OFFSET, 0, "state",
		                       "invalid state: '%s' must be true or false", key);
	*out = cJSON_IsTrue(v);
	return IAMW_OK;
}

typedef struct alarm_state_in {
	size_t index;
	iamw_alarm_state state;
	int64_t since, changed_at, config_updated;
	char *reason, *reason_data;
	int created;
	iamw__suppression sup;
} alarm_state_in;

static void states_free(alarm_state_in *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		iamw__free(s[i].reason);
		iamw__free(s[i].reason_data);
	}
	iamw__free(s);
}

static int read_states(const iamw_engine *e, const cJSON *arr, int composite, alarm_state_in **out,
                       size_t *n_out, iamw_error *err)
{
	*out = NULL;
	*n_out = 0;
	if (!cJSON_IsArray(arr))
		return bad(err, composite ? "'composites' must be an array" : "'alarms' must be an array");
	size_t n = (size_t)cJSON_GetArraySize(arr);
	alarm_state_in *s = n ? iamw__calloc(n, sizeof *s) : NULL;
	if (n && !s)
		return IAMW_ENOMEM;
	size_t k = 0;
	int rc = IAMW_OK;
	for (const cJSON *it = arr->child; it && !rc; it = it->next, k++) {
		alarm_state_in *x = &s[k];
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
		if (!cJSON_IsObject(it) || !cJSON_IsString(name)) {
			rc = bad(err, "an alarm entry needs a name");
			break;
		}
		size_t count = composite ? e->n_composites : e->n_alarms;
		x->index = (size_t)-1;
		for (size_t i = 0; i < count; i++) {
			const char *nm = composite ? e->composites[i].def.name : e->alarms[i].def.name;
			if (strcmp(nm, name->valuestring) == 0)
				x->index = i;
		}
		if (x->index == (size_t)-1) {
			rc = iamw__error_set(err, IAMW_ESTATE, IAMW_NO_OFFSET, 0, "state",
			                     "the state holds %s alarm '%.80s', which the loaded rules "
			                     "do not define",
			                     composite ? "composite" : "metric", name->valuestring);
			break;
		}
		for (size_t j = 0; j < k; j++)
			if (s[j].index == x->index)
				rc = bad(err, "an alarm appears twice");
		if (!rc)
			rc = get_state(it, "state", &x->state, err);
		if (!rc)
			rc = get_time(it, "configUpdated", &x->config_updated, err);
		if (!rc)
			rc = get_time(it, "since", &x->since, err);
		if (!rc)
			rc = get_time(it, "changedAt", &x->changed_at, err);
		if (!rc)
			rc = get_opt_str(it, "reason", &x->reason, err);
		if (!rc)
			rc = get_opt_str(it, "reasonData", &x->reason_data, err);
		if (!rc && composite) {
			rc = get_bool(it, "created", &x->created, err);
			const cJSON *sup = cJSON_GetObjectItemCaseSensitive(it, "suppression");
			uint64_t by = 0, pending = 0;
			x->sup = e->composites[x->index].sup;
			if (!rc && !cJSON_IsObject(sup))
				rc = bad(err, "'suppression' must be an object");
			if (!rc)
				rc = get_count(sup, "by", &by, err);
			if (!rc)
				rc = get_count(sup, "pending", &pending, err);
			if (!rc)
				rc = get_state(sup, "suppressorState", &x->sup.suppressor_state, err);
			if (!rc)
				rc = get_state(sup, "compositeState", &x->sup.composite_state, err);
			if (!rc)
				rc = get_time(sup, "until", &x->sup.until_ms, err);
			if (!rc && (by > IAMW__SUPPRESSED_ALARM || pending > 1))
				rc = bad(err, "suppression values out of range");
			x->sup.by = (iamw__suppressed_by)by;
			x->sup.pending = (int)pending;
		}
	}
	*out = s;
	*n_out = k;
	return rc;
}

int iamw_engine_restore_state(iamw_engine *e, const char *json, size_t len, iamw_error *err)
{
	iamw__error_clear(err);
	if (!e || !json)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "state", "NULL argument");
	if (e->in_callback)
		return IAMW_EBUSY;
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(json);
	cJSON *doc;
	size_t off;
	int prc = iamw__json_parse(json, len, &doc, &off);
	if (prc == IAMW_ENOMEM)
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "state", "out of memory");
	if (prc)
		return iamw__error_set(err, IAMW_ESTATE, off, 0, "state",
		                       "invalid state: not JSON (truncated or corrupt)");
	int rc = IAMW_OK;
	alarm_state_in *as = NULL, *cs = NULL;
	size_t n_as = 0, n_cs = 0;
	iamw__aggregator *agg = NULL;
	int64_t clock = 0, next_eval = 0, last_eval = 0, defaults_done = 0, latest = 0, last_prune = 0;
	int64_t earliest = IAMW_NO_TIME;
	int quiet = 0;
	iamw_engine_stats stats;
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(doc, "format");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(doc, "version");
	if (!cJSON_IsObject(doc) || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, STATE_FORMAT)) {
		rc = bad(err, "not an iamwatch-state document");
		goto out;
	}
	if (!cJSON_IsNumber(ver) || ver->valuedouble != STATE_VERSION) {
		rc = iamw__error_set(err, IAMW_ESTATE, IAMW_NO_OFFSET, 0, "state",
		                     "unsupported state version (this library reads version %d)",
		                     STATE_VERSION);
		goto out;
	}
	if ((rc = get_time(doc, "clock", &clock, err)) ||
	    (rc = get_time(doc, "nextEval", &next_eval, err)) ||
	    (rc = get_time(doc, "lastEval", &last_eval, err)) ||
	    (rc = get_time(doc, "defaultsDone", &defaults_done, err)) ||
	    (rc = get_time(doc, "latestEvent", &latest, err)) ||
	    (rc = get_time(doc, "lastPrune", &last_prune, err)) ||
	    (rc = get_bool(doc, "quietPassDone", &quiet, err)))
		goto out;
	/* earliestEvent came later: states saved before it say nothing */
	if (cJSON_GetObjectItemCaseSensitive(doc, "earliestEvent") &&
	    (rc = get_time(doc, "earliestEvent", &earliest, err)))
		goto out;
	if ((clock == IAMW_NO_TIME) != (next_eval == IAMW_NO_TIME)) {
		rc = bad(err, "clock and nextEval disagree");
		goto out;
	}
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "stats");
	memset(&stats, 0, sizeof stats);
	if (!cJSON_IsObject(st)) {
		rc = bad(err, "'stats' must be an object");
		goto out;
	}
	if ((rc = get_count(st, "events", &stats.events, err)) ||
	    (rc = get_count(st, "notJson", &stats.not_json, err)) ||
	    (rc = get_count(st, "untimed", &stats.untimed, err)) ||
	    (rc = get_count(st, "late", &stats.late, err)) ||
	    (rc = get_count(st, "notifications", &stats.notifications, err)))
		goto out;
	const cJSON *filters = cJSON_GetObjectItemCaseSensitive(doc, "filters");
	if (!cJSON_IsArray(filters)) {
		rc = bad(err, "'filters' must be an array");
		goto out;
	}
	for (const cJSON *it = filters->child; it; it = it->next) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
		uint64_t x;
		if (!cJSON_IsString(name) || (rc = get_count(it, "matches", &x, err)) ||
		    (rc = get_count(it, "points", &x, err)) || (rc = get_count(it, "skipped", &x, err))) {
			if (!rc)
				rc = bad(err, "a filter entry needs a name");
			goto out;
		}
	}
	if ((rc = read_states(e, cJSON_GetObjectItemCaseSensitive(doc, "alarms"), 0, &as, &n_as,
	                      err)) ||
	    (rc = read_states(e, cJSON_GetObjectItemCaseSensitive(doc, "composites"), 1, &cs, &n_cs,
	                      err)))
		goto out;
	rc = iamw__aggregator_restore(&agg, cJSON_GetObjectItemCaseSensitive(doc, "aggregator"),
	                              err);
	if (rc) {
		if (err)
			err->code = rc = IAMW_ESTATE;
		goto out;
	}
	if (iamw__aggregator_period(agg) != e->storage_period_ms) {
		rc = bad(err, "the saved aggregator's period differs from the engine's");
		goto out;
	}

	/* Everything validated: commit. */
	for (const cJSON *it = filters->child; it; it = it->next) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
		for (size_t i = 0; i < e->n_filters; i++) {
			if (strcmp(e->filters[i].f->filter_name, name->valuestring) == 0) {
				get_count(it, "matches", &e->filters[i].matches, NULL);
				get_count(it, "points", &e->filters[i].points, NULL);
				get_count(it, "skipped", &e->filters[i].skipped, NULL);
			}
		}
	}
	for (size_t i = 0; i < n_as; i++) {
		iamw__alarm_entry *a = &e->alarms[as[i].index];
		iamw__free(a->reason);
		iamw__free(a->reason_data);
		a->state = as[i].state;
		a->def.configuration_updated_ms = as[i].config_updated == IAMW_NO_TIME ? 0 : as[i].config_updated;
		a->state_time_ms = as[i].since;
		a->changed_at = as[i].changed_at;
		a->reason = as[i].reason;
		a->reason_data = as[i].reason_data;
		as[i].reason = as[i].reason_data = NULL;
	}
	for (size_t i = 0; i < n_cs; i++) {
		iamw__composite_entry *c = &e->composites[cs[i].index];
		iamw__free(c->reason);
		iamw__free(c->reason_data);
		c->state = cs[i].state;
		c->def.configuration_updated_ms = cs[i].config_updated == IAMW_NO_TIME ? 0 : cs[i].config_updated;
		c->state_time_ms = cs[i].since;
		c->changed_at = cs[i].changed_at;
		c->created = cs[i].created;
		c->reason = cs[i].reason;
		c->reason_data = cs[i].reason_data;
		c->sup = cs[i].sup;
		cs[i].reason = cs[i].reason_data = NULL;
	}
	iamw__aggregator_free(e->agg.impl);
	e->agg.impl = agg;
	agg = NULL;
	e->clock_ms = clock;
	e->next_eval_ms = next_eval;
	e->last_eval_ms = last_eval;
	e->defaults_done_ms = defaults_done;
	e->latest_event_ms = latest;
	e->earliest_event_ms = earliest;
	e->last_prune_ms = last_prune;
	e->quiet_pass_done = quiet;
	e->stats = stats;
out:
	iamw__aggregator_free(agg);
	states_free(as, n_as);
	states_free(cs, n_cs);
	cJSON_Delete(doc);
	if (rc == IAMW_ENOMEM)
		iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "state", "out of memory");
	return rc;
}

/* ------------------------------------------------------------------ merge */

/* a + b for counters that cannot overflow in practice, checked all the same */
static int add_count(uint64_t *acc, uint64_t x)
{
	if (*acc > UINT64_MAX - x)
		return IAMW_ELIMIT;
	*acc += x;
	return IAMW_OK;
}

int iamw_engine_merge_state(iamw_engine *e, const char *json, size_t len, iamw_error *err)
{
	iamw__error_clear(err);
	if (!e || !json)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "state", "NULL argument");
	if (e->in_callback)
		return iamw__error_set(err, IAMW_EBUSY, IAMW_NO_OFFSET, 0, "state",
		                       "called from a notification callback");
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(json);
	cJSON *doc;
	size_t off;
	int prc = iamw__json_parse(json, len, &doc, &off);
	if (prc == IAMW_ENOMEM)
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "state", "out of memory");
	if (prc)
		return iamw__error_set(err, IAMW_ESTATE, off, 0, "state",
		                       "invalid state: not JSON (truncated or corrupt)");
	int rc = IAMW_OK;
	iamw__aggregator *agg = NULL;
	uint64_t *counts = NULL;
	int64_t clock = 0, earliest = IAMW_NO_TIME, latest = 0;
	iamw_engine_stats stats, sum = e->stats;
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(doc, "format");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(doc, "version");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "stats");
	const cJSON *filters = cJSON_GetObjectItemCaseSensitive(doc, "filters");
	memset(&stats, 0, sizeof stats);
	if (!cJSON_IsObject(doc) || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, STATE_FORMAT) ||
	    !cJSON_IsNumber(ver) || ver->valuedouble != STATE_VERSION) {
		rc = bad(err, "not an iamwatch-state document of this version");
		goto out;
	}
	if ((rc = get_time(doc, "clock", &clock, err)) ||
	    (rc = get_time(doc, "latestEvent", &latest, err)))
		goto out;
	if (cJSON_GetObjectItemCaseSensitive(doc, "earliestEvent") &&
	    (rc = get_time(doc, "earliestEvent", &earliest, err)))
		goto out;
	/* A partial state holds metric data only: once an engine evaluated,
	 * its alarms' states depend on when it saw which data, which no merge
	 * can reproduce. */
	if (clock != IAMW_NO_TIME || e->clock_ms != IAMW_NO_TIME) {
		rc = bad(err, "only engines whose clock never advanced can be merged");
		goto out;
	}
	if (latest != IAMW_NO_TIME && earliest == IAMW_NO_TIME) {
		rc = bad(err, "a partial state with events needs 'earliestEvent'");
		goto out;
	}
	if (!cJSON_IsObject(st) || (rc = get_count(st, "events", &stats.events, err)) ||
	    (rc = get_count(st, "notJson", &stats.not_json, err)) ||
	    (rc = get_count(st, "untimed", &stats.untimed, err)) ||
	    (rc = get_count(st, "late", &stats.late, err)) ||
	    (rc = get_count(st, "notifications", &stats.notifications, err))) {
		if (!rc)
			rc = bad(err, "'stats' must be an object");
		goto out;
	}
	if ((rc = add_count(&sum.events, stats.events)) ||
	    (rc = add_count(&sum.not_json, stats.not_json)) ||
	    (rc = add_count(&sum.untimed, stats.untimed)) || (rc = add_count(&sum.late, stats.late)) ||
	    (rc = add_count(&sum.notifications, stats.notifications))) {
		rc = bad(err, "counters overflow");
		goto out;
	}
	/* per-filter counters, by name: the partial must hold the same filters */
	if (!cJSON_IsArray(filters)) {
		rc = bad(err, "'filters' must be an array");
		goto out;
	}
	if (e->n_filters && !(counts = iamw__calloc(e->n_filters * 3, sizeof *counts))) {
		rc = IAMW_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < e->n_filters; i++) {
		counts[3 * i] = e->filters[i].matches;
		counts[3 * i + 1] = e->filters[i].points;
		counts[3 * i + 2] = e->filters[i].skipped;
	}
	for (const cJSON *it = filters->child; it; it = it->next) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
		size_t i = 0;
		while (cJSON_IsString(name) && i < e->n_filters &&
		       strcmp(e->filters[i].f->filter_name, name->valuestring) != 0)
			i++;
		if (!cJSON_IsString(name) || i == e->n_filters) {
			rc = iamw__error_set(err, IAMW_ESTATE, IAMW_NO_OFFSET, 0, "state",
			                     "the partial state holds metric filter '%.80s', which the "
			                     "loaded rules do not define",
			                     cJSON_IsString(name) ? name->valuestring : "?");
			goto out;
		}
		static const char *const keys[] = {"matches", "points", "skipped"};
		for (size_t k = 0; k < 3; k++) {
			uint64_t x;
			if ((rc = get_count(it, keys[k], &x, err)))
				goto out;
			if (add_count(&counts[3 * i + k], x)) {
				rc = bad(err, "counters overflow");
				goto out;
			}
		}
	}
	rc = iamw__aggregator_restore(&agg, cJSON_GetObjectItemCaseSensitive(doc, "aggregator"), err);
	if (rc) {
		if (err)
			err->code = rc = IAMW_ESTATE;
		goto out;
	}
	if (iamw__aggregator_period(agg) != e->storage_period_ms) {
		rc = bad(err, "the partial state's aggregator period differs from the engine's");
		goto out;
	}
	/* Everything validated; the merge itself is all or nothing. */
	if ((rc = iamw__aggregator_merge(e->agg.impl, agg)))
		goto out;
	for (size_t i = 0; i < e->n_filters; i++) {
		e->filters[i].matches = counts[3 * i];
		e->filters[i].points = counts[3 * i + 1];
		e->filters[i].skipped = counts[3 * i + 2];
	}
	e->stats = sum;
	if (latest != IAMW_NO_TIME && (e->latest_event_ms == IAMW_NO_TIME || latest > e->latest_event_ms))
		e->latest_event_ms = latest;
	if (earliest != IAMW_NO_TIME &&
	    (e->earliest_event_ms == IAMW_NO_TIME || earliest < e->earliest_event_ms))
		e->earliest_event_ms = earliest;
	e->quiet_pass_done = 0;
out:
	iamw__aggregator_free(agg);
	iamw__free(counts);
	cJSON_Delete(doc);
	if (rc == IAMW_ENOMEM)
		iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "state", "out of memory");
	return rc;
}
