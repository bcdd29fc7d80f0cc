/* SPDX-License-Identifier: MIT */
/*
 * engine.c - the engine: a registry of metric filters, metric alarms and
 * composite alarms over one log group. Events are parsed once and shared by
 * every filter; matches become data points in the aggregator; the
 * caller's clock drives evaluation at every evaluation time (each minute,
 * as CloudWatch does for periods of a minute or more), and every state
 * change reaches the host as a notification after the pass that made it.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "match/projected.h"
#include "formats/rules_convert.h"
#include "common/json_parse.h"

#define DEFAULT_ACCOUNT "123456789012"
#define DEFAULT_REGION "us-east-1"
/* Prune data no evaluation can reach any more at most once an hour, and
 * keep at least an hour of data for hosts that query the aggregator. */
#define PRUNE_INTERVAL_MS 3600000
#define MIN_RETENTION_MS 3600000

/* ------------------------------------------------------------------ life cycle */

/* Bytes of an options struct of each version: version 1 ended at flags. */
static size_t options_size(unsigned version)
{
	switch (version) {
	case 1: return offsetof(iamw_engine_options, flags) + sizeof(uint32_t);
	case 2: return sizeof(iamw_engine_options);
	default: return 0;
	}
}

int iamw_engine_options_init(iamw_engine_options *opts, unsigned version)
{
	size_t size = options_size(version);
	if (!opts || !size)
		return IAMW_EINVAL;
	iamw_engine_options full;
	memset(&full, 0, sizeof full);
	full.version = version;
	if (version >= 2)
		full.replay_delay_ms = 300000;
	memcpy(opts, &full, size);
	return IAMW_OK;
}

static void alarm_entry_clear(iamw__alarm_entry *a)
{
	iamw__metric_alarm_def_free(&a->def);
	iamw__free(a->reason);
	iamw__free(a->reason_data);
}

static void composite_entry_clear(iamw__composite_entry *c)
{
	iamw__composite_alarm_def_free(&c->def);
	iamw__rule_free(c->rule);
	iamw__free(c->reason);
	iamw__free(c->reason_data);
}

void iamw_engine_free(iamw_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_filters; i++)
		iamw_metric_filter_free(e->filters[i].f);
	for (size_t i = 0; i < e->n_alarms; i++)
		alarm_entry_clear(&e->alarms[i]);
	for (size_t i = 0; i < e->n_composites; i++)
		composite_entry_clear(&e->composites[i]);
	for (size_t i = 0; i < e->n_pending; i++)
		iamw__notification_clear(&e->pending[i]);
	iamw__free(e->pending);
	iamw__prefilter_set_free(e->pf);
	iamw__free(e->may);
	iamw__projection_set_free(e->proj);
	iamw__free(e->proj_buf);
	iamw__free(e->filters);
	iamw__free(e->alarms);
	iamw__free(e->composites);
	iamw__aggregator_free(e->agg.impl);
	iamw_match_free(e->match);
	iamw__free(e->account_id);
	iamw__free(e->region);
	iamw__free(e);
}

int iamw_engine_new(iamw_engine **out, const iamw_engine_options *opts)
{
	if (!out)
		return IAMW_EINVAL;
	*out = NULL;
	iamw_engine_options defaults;
	iamw_engine_options_init(&defaults, IAMW_ENGINE_OPTIONS_VERSION);
	iamw_engine_options given;
	if (opts) {
		/* an older caller's struct is shorter: read only its fields */
		size_t size = options_size(opts->version);
		if (!size)
			return IAMW_EINVAL;
		memset(&given, 0, sizeof given);
		memcpy(&given, opts, size);
		opts = &given;
	} else {
		opts = &defaults;
	}
	if (opts->replay_delay_ms < 0 || opts->replay_delay_ms > (int64_t)7 * 86400000 ||
	    (opts->flags & ~(uint32_t)IAMW_ENGINE_NO_PREFILTER) ||
	    (opts->time_source != IAMW_TIME_EVENT_TIME && opts->time_source != IAMW_TIME_CALLER))
		return IAMW_EINVAL;
	int64_t period = opts->storage_period_ms ? opts->storage_period_ms : 60000;
	if (period != 10000 && period != 20000 && period != 30000 && period != 60000)
		return IAMW_EINVAL;
	iamw_engine *e = iamw__calloc(1, sizeof *e);
	if (!e)
		return IAMW_ENOMEM;
	const char *acct = opts->account_id ? opts->account_id : DEFAULT_ACCOUNT;
	const char *region = opts->region ? opts->region : DEFAULT_REGION;
	e->account_id = iamw__strndup(acct, strlen(acct));
	e->region = iamw__strndup(region, strlen(region));
	e->account.account_id = e->account_id;
	e->account.region = e->region;
	e->time_source = opts->time_source;
	e->no_prefilter = (opts->flags & IAMW_ENGINE_NO_PREFILTER) != 0;
	e->evaluation_range = opts->evaluation_range;
	e->replay_delay_ms = opts->replay_delay_ms;
	e->storage_period_ms = period;
	e->tick_ms = period < 60000 ? period : 60000;
	e->clock_ms = e->next_eval_ms = e->last_eval_ms = IAMW_NO_TIME;
	e->defaults_done_ms = e->latest_event_ms = e->last_prune_ms = IAMW_NO_TIME;
	e->earliest_event_ms = IAMW_NO_TIME;
	e->agg.owned = 0;
	int rc = IAMW_ENOMEM;
	if (e->account_id && e->region && iamw_match_new(&e->match) == IAMW_OK)
		rc = iamw__aggregator_new(&e->agg.impl, period,
		                          opts->max_dimension_sets
		                              ? opts->max_dimension_sets
		                              : IAMW__AGG_DEFAULT_MAX_DIMENSION_SETS);
	if (rc) {
		iamw_engine_free(e);
		return rc;
	}
	*out = e;
	return IAMW_OK;
}

int iamw_engine_set_notify_cb(iamw_engine *e, iamw_notify_cb cb, void *payload)
{
	if (!e)
		return IAMW_EINVAL;
	if (e->in_callback)
		return IAMW_EBUSY;
	e->cb = cb;
	e->cb_payload = payload;
	return IAMW_OK;
}

/* ------------------------------------------------------------------ lookups */

iamw__alarm_entry *iamw__engine_find_alarm(const iamw_engine *e, const char *name)
{
	for (size_t i = 0; i < e->n_alarms; i++)
		if (strcmp(e->alarms[i].def.name, name) == 0)
			return &e->alarms[i];
	return NULL;
}

iamw__composite_entry *iamw__engine_find_composite(const iamw_engine *e, const char *name)
{
	for (size_t i = 0; i < e->n_composites; i++)
		if (strcmp(e->composites[i].def.name, name) == 0)
			return &e->composites[i];
	return NULL;
}

static size_t find_filter(const iamw_engine *e, const char *name)
{
	for (size_t i = 0; i < e->n_filters; i++)
		if (strcmp(e->filters[i].f->filter_name, name) == 0)
			return i;
	return (size_t)-1;
}

int64_t iamw__engine_max_window(const iamw_engine *e)
{
	int64_t w = 0;
	for (size_t i = 0; i < e->n_alarms; i++) {
		int64_t aw = e->alarms[i].def.period_s * 1000 * (int64_t)e->alarms[i].range;
		if (aw > w)
			w = aw;
	}
	return w;
}

/* ------------------------------------------------------------------ definitions */

/* A staged set of definitions, validated as a whole before it replaces
 * anything: loading rules is all or nothing. */
typedef struct staged {
	iamw_metric_filter **filters;
	size_t n_filters;
	iamw__metric_alarm_def *alarms;
	iamw__stat_spec *alarm_specs; /* each alarm's statistic, parsed once here */
	size_t n_alarms;
	iamw__composite_alarm_def *composites;
	iamw__rule **rules;
	size_t n_composites;
} staged;

static void staged_free(staged *s)
{
	for (size_t i = 0; i < s->n_filters; i++)
		iamw_metric_filter_free(s->filters[i]);
	for (size_t i = 0; i < s->n_alarms; i++)
		iamw__metric_alarm_def_free(&s->alarms[i]);
	for (size_t i = 0; i < s->n_composites; i++) {
		iamw__composite_alarm_def_free(&s->composites[i]);
		iamw__rule_free(s->rules[i]);
	}
	iamw__free(s->filters);
	iamw__free(s->alarms);
	iamw__free(s->alarm_specs);
	iamw__free(s->composites);
	iamw__free(s->rules);
	memset(s, 0, sizeof *s);
}

static int stage_array(const cJSON *arr, const char *what, size_t elem, void **out, size_t *n,
                       iamw_error *err)
{
	*out = NULL;
	*n = 0;
	if (!arr || cJSON_IsNull(arr))
		return IAMW_OK;
	if (!cJSON_IsArray(arr))
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, "rules",
		                       "%s must be an array", what);
	size_t count = (size_t)cJSON_GetArraySize(arr);
	if (!count)
		return IAMW_OK;
	*out = iamw__calloc(count, elem);
	*n = count;
	return *out ? IAMW_OK : IAMW_ENOMEM;
}

static int check_alarm_for_engine(const iamw_engine *e, const iamw__metric_alarm_def *d,
                                  iamw_error *err)
{
	if ((d->period_s * 1000) % e->storage_period_ms != 0)
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, "alarm",
		                       "alarm '%.80s': Period %lld is not a multiple of the engine's "
		                       "storage period (%lld s)",
		                       d->name, (long long)d->period_s,
		                       (long long)(e->storage_period_ms / 1000));
	return IAMW_OK;
}

/* Does `name` exist as an alarm, in the engine or among the staged ones? */
static int staged_alarm_known(const iamw_engine *e, const staged *s, const char *name)
{
	if (iamw__engine_find_alarm(e, name) || iamw__engine_find_composite(e, name))
		return 1;
	for (size_t i = 0; i < s->n_alarms; i++)
		if (strcmp(s->alarms[i].name, name) == 0)
			return 1;
	for (size_t i = 0; i < s->n_composites; i++)
		if (strcmp(s->composites[i].name, name) == 0)
			return 1;
	return 0;
}

/* Which definition a staging error concerns, for iamw_load_error. */
typedef struct load_where {
	const char *kind; /* "metricFilter", "metricAlarm", "compositeAlarm" or NULL */
	const cJSON *def; /* its JSON, for the name */
	const char *key;  /* its array in the rules document */
	size_t index;
} load_where;

static void where_at(load_where *w, const char *kind, const char *key, size_t index,
                     const cJSON *def)
{
	if (w)
		*w = (load_where){kind, def, key, index};
}

static int stage(const iamw_engine *e, const cJSON *doc, staged *s, iamw_error *err,
                 load_where *where)
{
	int rc;
	const cJSON *mf = cJSON_GetObjectItemCaseSensitive(doc, "metricFilters");
	const cJSON *ma = cJSON_GetObjectItemCaseSensitive(doc, "metricAlarms");
	const cJSON *ca = cJSON_GetObjectItemCaseSensitive(doc, "compositeAlarms");
	void *p;
	size_t n;
	if ((rc = stage_array(mf, "metricFilters", sizeof *s->filters, &p, &n, err)))
		return rc;
	s->filters = p;
	for (const cJSON *it = mf && cJSON_IsArray(mf) ? mf->child : NULL; it; it = it->next) {
		where_at(where, "metricFilter", "metricFilters", s->n_filters, it);
		if ((rc = iamw__metric_filter_from_cjson(&s->filters[s->n_filters], it, err)))
			return rc;
		s->n_filters++;
		for (size_t j = 0; j + 1 < s->n_filters; j++)
			if (strcmp(s->filters[j]->filter_name, s->filters[s->n_filters - 1]->filter_name) ==
			    0)
				return iamw__error_set(err, IAMW_EEXISTS, IAMW_NO_OFFSET, 0, "rules",
				                       "metric filter '%.80s' is defined twice",
				                       s->filters[j]->filter_name);
	}
	if ((rc = stage_array(ma, "metricAlarms", sizeof *s->alarms, &p, &n, err)))
		return rc;
	s->alarms = p;
	if (n && !(s->alarm_specs = iamw__calloc(n, sizeof *s->alarm_specs)))
		return IAMW_ENOMEM;
	for (const cJSON *it = ma && cJSON_IsArray(ma) ? ma->child : NULL; it; it = it->next) {
		where_at(where, "metricAlarm", "metricAlarms", s->n_alarms, it);
		iamw__metric_alarm_def *d = &s->alarms[s->n_alarms];
		if ((rc = iamw__metric_alarm_def_from_json(it, d, err)))
			return rc;
		s->n_alarms++;
		if ((rc = iamw__metric_alarm_def_validate(d, err)) ||
		    (rc = check_alarm_for_engine(e, d, err)))
			return rc;
		/* validation used the same statistic parser, so this cannot refuse
		 * what it accepted; checked all the same */
		if (iamw__stat_from_statistic(d->statistic, d->extended_statistic,
		                              &s->alarm_specs[s->n_alarms - 1]) != IAMW_OK)
			return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, "alarm",
			                       "alarm '%.80s': statistic cannot be computed", d->name);
		for (size_t j = 0; j + 1 < s->n_alarms; j++)
			if (strcmp(s->alarms[j].name, d->name) == 0)
				return iamw__error_set(err, IAMW_EEXISTS, IAMW_NO_OFFSET, 0, "rules",
				                       "alarm '%.80s' is defined twice", d->name);
		if (iamw__engine_find_composite(e, d->name))
			return iamw__error_set(err, IAMW_EEXISTS, IAMW_NO_OFFSET, 0, "rules",
			                       "'%.80s' is already a composite alarm", d->name);
	}
	if ((rc = stage_array(ca, "compositeAlarms", sizeof *s->composites, &p, &n, err)))
		return rc;
	s->composites = p;
	if (n && !(s->rules = iamw__calloc(n, sizeof *s->rules)))
		return IAMW_ENOMEM;
	for (const cJSON *it = ca && cJSON_IsArray(ca) ? ca->child : NULL; it; it = it->next) {
		where_at(where, "compositeAlarm", "compositeAlarms", s->n_composites, it);
		iamw__composite_alarm_def *d = &s->composites[s->n_composites];
		if ((rc = iamw__composite_alarm_def_from_json(it, d, err)))
			return rc;
		s->n_composites++;
		if ((rc = iamw__rule_compile(&s->rules[s->n_composites - 1], d->alarm_rule,
		                             IAMW_NUL_TERMINATED, err)))
			return rc;
		for (size_t j = 0; j + 1 < s->n_composites; j++)
			if (strcmp(s->composites[j].name, d->name) == 0)
				return iamw__error_set(err, IAMW_EEXISTS, IAMW_NO_OFFSET, 0, "rules",
				                       "composite alarm '%.80s' is defined twice", d->name);
		for (size_t j = 0; j < s->n_alarms; j++)
			if (strcmp(s->alarms[j].name, d->name) == 0 || iamw__engine_find_alarm(e, d->name))
				return iamw__error_set(err, IAMW_EEXISTS, IAMW_NO_OFFSET, 0, "rules",
				                       "'%.80s' is both a metric and a composite alarm",
				                       d->name);
	}
	/* Every child must exist (in the engine or in this load), and the
	 * composites together must not form a cycle. */
	for (size_t i = 0; i < s->n_composites; i++) {
		const iamw__rule *r = s->rules[i];
		where_at(where, "compositeAlarm", "compositeAlarms", i, cJSON_GetArrayItem(ca, (int)i));
		for (size_t k = 0; k < iamw__rule_ref_count(r); k++) {
			const char *child = iamw__rule_ref_name(r, k);
			if (!staged_alarm_known(e, s, child))
				return iamw__error_set(err, IAMW_ENOTFOUND, iamw__rule_ref_offset(r, k),
				                       strlen(child), "rule",
				                       "composite alarm '%.60s' refers to unknown alarm "
				                       "'%.60s'",
				                       s->composites[i].name, child);
		}
		if (s->composites[i].actions_suppressor &&
		    !staged_alarm_known(e, s, s->composites[i].actions_suppressor))
			return iamw__error_set(err, IAMW_ENOTFOUND, IAMW_NO_OFFSET, 0, "composite",
			                       "composite alarm '%.60s': unknown ActionsSuppressor "
			                       "'%.60s'",
			                       s->composites[i].name, s->composites[i].actions_suppressor);
	}
	where_at(where, NULL, NULL, 0, NULL); /* a cycle concerns several composites */
	size_t total = e->n_composites + s->n_composites;
	if (total) {
		iamw__rule_set_entry *set = iamw__calloc(total, sizeof *set);
		if (!set)
			return IAMW_ENOMEM;
		size_t k = 0;
		for (size_t i = 0; i < s->n_composites; i++)
			set[k++] = (iamw__rule_set_entry){s->composites[i].name, s->rules[i]};
		for (size_t i = 0; i < e->n_composites; i++) {
			int replaced = 0;
			for (size_t j = 0; j < s->n_composites; j++)
				replaced |= strcmp(s->composites[j].name, e->composites[i].def.name) == 0;
			if (!replaced)
				set[k++] = (iamw__rule_set_entry){e->composites[i].def.name,
				                                  e->composites[i].rule};
		}
		rc = iamw__rule_check_cycles(set, k, NULL, err);
		iamw__free(set);
		if (rc)
			return rc;
	}
	return IAMW_OK;
}

static int grow(void **arr, size_t n, size_t add, size_t elem)
{
	void *p = iamw__realloc(*arr, (n + add) * elem);
	if (!p)
		return IAMW_ENOMEM;
	*arr = p;
	return IAMW_OK;
}

static int ref_is_constant(const iamw__ref *r)
{
	return r->kind == IAMW__REF_CONSTANT || r->kind == IAMW__REF_ACCOUNT ||
	       r->kind == IAMW__REF_REGION;
}

/* Add a filter's value and dimension selectors to the projection: 1 when
 * everything the filter takes from the event is then projected. */
static int project_refs(iamw__projection_set *proj, size_t i, const iamw_metric_filter *f)
{
	const iamw__selector *sels[1 + IAMW__MF_MAX_DIMENSIONS];
	size_t k = 0;
	const iamw__ref *refs[1 + IAMW__MF_MAX_DIMENSIONS];
	size_t n = 0;
	refs[n++] = &f->value;
	for (size_t d = 0; d < f->n_dimensions; d++)
		refs[n++] = &f->dimensions[d];
	for (size_t r = 0; r < n; r++) {
		if (refs[r]->kind == IAMW__REF_SELECTOR)
			sels[k++] = refs[r]->sel;
		else if (!ref_is_constant(refs[r]))
			return 0;
	}
	return iamw__projection_set_add_paths(proj, i, sels, k) == 1;
}

/* One literal scan over each event for all filters. Without it (no memory,
 * too many literals) every filter simply sees every event. */
static void rebuild_prefilter(iamw_engine *e)
{
	iamw__prefilter_set_free(e->pf);
	iamw__free(e->may);
	iamw__projection_set_free(e->proj);
	e->pf = NULL;
	e->may = NULL;
	e->proj = NULL;
	if (!e->n_filters || e->no_prefilter)
		return;
	const iamw_pattern **pats = iamw__calloc(e->n_filters, sizeof *pats);
	e->may = iamw__calloc(e->n_filters, 1);
	if (pats && e->may) {
		for (size_t i = 0; i < e->n_filters; i++)
			pats[i] = e->filters[i].f->pattern;
		if (iamw__prefilter_set_build(&e->pf, pats, e->n_filters) != IAMW_OK)
			e->pf = NULL;
		/* The projection also locates eventTime, so that an event it
		 * rules out for every filter still has its time. */
		const char *time_name = e->time_source == IAMW_TIME_EVENT_TIME ? "eventTime" : NULL;
		if (e->pf && iamw__projection_set_build(&e->proj, pats, e->n_filters, time_name))
			e->proj = NULL;
		/* Metric values and dimensions read from the event are projected
		 * too, so that a decided filter needs no full parse. */
		for (size_t i = 0; e->proj && i < e->n_filters; i++)
			e->filters[i].proj_final = project_refs(e->proj, i, e->filters[i].f);
	}
	iamw__free(pats);
}

/* Move the staged definitions into the engine, replacing by name. Only
 * allocation can fail here, and all of it happens before anything moves. */
static int commit(iamw_engine *e, staged *s)
{
	if (grow((void **)&e->filters, e->n_filters, s->n_filters, sizeof *e->filters) ||
	    grow((void **)&e->alarms, e->n_alarms, s->n_alarms, sizeof *e->alarms) ||
	    grow((void **)&e->composites, e->n_composites, s->n_composites, sizeof *e->composites))
		return IAMW_ENOMEM;
	for (size_t i = 0; i < s->n_filters; i++) {
		size_t at = find_filter(e, s->filters[i]->filter_name);
		if (at == (size_t)-1) {
			at = e->n_filters++;
			memset(&e->filters[at], 0, sizeof e->filters[at]);
		} else {
			iamw_metric_filter_free(e->filters[at].f);
		}
		e->filters[at].f = s->filters[i];
		s->filters[i] = NULL;
	}
	for (size_t i = 0; i < s->n_alarms; i++) {
		iamw__alarm_entry *a = iamw__engine_find_alarm(e, s->alarms[i].name);
		if (a) {
			/* AWS: an update keeps the state and overwrites the configuration. */
			iamw__metric_alarm_def_free(&a->def);
		} else {
			a = &e->alarms[e->n_alarms++];
			memset(a, 0, sizeof *a);
			a->def.configuration_updated_ms = 0;
			a->state = IAMW_STATE_INSUFFICIENT_DATA;
			a->state_time_ms = e->clock_ms == IAMW_NO_TIME ? 0 : e->clock_ms;
			a->reason = iamw__strndup(IAMW__ALARM_CREATION_REASON,
			                          strlen(IAMW__ALARM_CREATION_REASON));
			a->changed_at = IAMW_NO_TIME;
		}
		a->def = s->alarms[i];
		memset(&s->alarms[i], 0, sizeof s->alarms[i]);
		if (e->clock_ms != IAMW_NO_TIME)
			a->def.configuration_updated_ms = e->clock_ms;
		a->spec = s->alarm_specs[i];
		int r = e->evaluation_range ? (int)e->evaluation_range : iamw__alarm_range_size(&a->def);
		if (r < (int)a->def.evaluation_periods)
			r = (int)a->def.evaluation_periods;
		a->range = (size_t)r;
	}
	for (size_t i = 0; i < s->n_composites; i++) {
		iamw__composite_entry *c = iamw__engine_find_composite(e, s->composites[i].name);
		if (c) {
			iamw__composite_alarm_def_free(&c->def);
			iamw__rule_free(c->rule);
			c->created = 0; /* an update re-evaluates the rule */
		} else {
			c = &e->composites[e->n_composites++];
			memset(c, 0, sizeof *c);
			c->state = IAMW_STATE_INSUFFICIENT_DATA;
			c->state_time_ms = e->clock_ms == IAMW_NO_TIME ? 0 : e->clock_ms;
			c->changed_at = IAMW_NO_TIME;
		}
		c->def = s->composites[i];
		c->rule = s->rules[i];
		if (e->clock_ms != IAMW_NO_TIME)
			c->def.configuration_updated_ms = e->clock_ms;
		memset(&s->composites[i], 0, sizeof s->composites[i]);
		s->rules[i] = NULL;
		/* staging checked that the suppressor exists; an unknown one would
		 * count as INSUFFICIENT_DATA */
		iamw_alarm_state sup = IAMW_STATE_INSUFFICIENT_DATA;
		if (c->def.actions_suppressor &&
		    iamw_engine_alarm_state(e, c->def.actions_suppressor, &sup) != 1)
			sup = IAMW_STATE_INSUFFICIENT_DATA;
		iamw__suppression_init(&c->sup, &c->def, sup);
	}
	s->n_filters = s->n_alarms = s->n_composites = 0;
	rebuild_prefilter(e);
	e->need_json = 0;
	for (size_t i = 0; i < e->n_filters; i++)
		if (iamw_pattern_kind_of(e->filters[i].f->pattern) == IAMW_PATTERN_JSON ||
		    e->filters[i].f->value.kind == IAMW__REF_SELECTOR)
			e->need_json = 1;
	e->quiet_pass_done = 0;
	return IAMW_OK;
}


static int load_doc(iamw_engine *e, const cJSON *doc, iamw_error *err, load_where *where)
{
	staged s;
	memset(&s, 0, sizeof s);
	where_at(where, NULL, NULL, 0, NULL);
	int rc = stage(e, doc, &s, err, where);
	if (!rc)
		rc = commit(e, &s);
	if (rc == IAMW_ENOMEM)
		iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "rules", "out of memory");
	staged_free(&s);
	return rc;
}

static int parse_json_arg(const char *json, size_t len, const char *source, cJSON **out,
                          iamw_error *err)
{
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(json);
	size_t off;
	int rc = iamw__json_parse(json, len, out, &off);
	if (rc)
		return iamw__error_set(err, rc, rc == IAMW_EJSON ? off : IAMW_NO_OFFSET, 0, source, "%s",
		                       rc == IAMW_EJSON ? "invalid JSON" : "out of memory");
	return IAMW_OK;
}

int iamw_engine_load_rules(iamw_engine *e, const char *json, size_t len, iamw_error *err)
{
	iamw__error_clear(err);
	if (!e || !json)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "rules", "NULL argument");
	if (e->in_callback)
		return IAMW_EBUSY;
	cJSON *doc;
	int rc = parse_json_arg(json, len, "rules", &doc, err);
	if (rc)
		return rc;
	cJSON *native = NULL;
	iamw__rules_context ctx = {e->account.account_id, e->account.region};
	rc = iamw__rules_normalize(doc, &ctx, &native, err);
	if (!rc)
		rc = load_doc(e, native, err, NULL);
	cJSON_Delete(native);
	cJSON_Delete(doc);
	return rc;
}

static void copy_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Name and locate the definition a load error concerns. */
static void describe_where(iamw_load_error *le, const load_where *w, const cJSON *origins)
{
	if (!w->kind)
		return;
	copy_text(le->kind, sizeof le->kind, w->kind);
	static const char *const name_keys[] = {"filterName", "AlarmName"};
	for (size_t k = 0; k < 2 && w->def; k++) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(w->def, name_keys[k]);
		if (cJSON_IsString(n) && n->valuestring)
			copy_text(le->name, sizeof le->name, n->valuestring);
	}
	const cJSON *from = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(origins, w->key),
	                                       (int)w->index);
	if (cJSON_IsString(from) && from->valuestring)
		copy_text(le->path, sizeof le->path, from->valuestring);
	else
		snprintf(le->path, sizeof le->path, "%s[%zu]", w->key, w->index);
}

int iamw_engine_load_rules_from(iamw_engine *e, const char *json, size_t len, const char *origin,
                                iamw_load_error *le)
{
	iamw_error tmp, *err = le ? &le->error : &tmp;
	if (le) {
		memset(le, 0, sizeof *le);
		copy_text(le->origin, sizeof le->origin, origin);
	}
	iamw__error_clear(err);
	if (!e || !json)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "rules", "NULL argument");
	if (e->in_callback)
		return iamw__error_set(err, IAMW_EBUSY, IAMW_NO_OFFSET, 0, "rules",
		                       "called from a notification callback");
	cJSON *doc, *native = NULL, *origins = NULL;
	int rc = parse_json_arg(json, len, "rules", &doc, err);
	if (rc)
		return rc;
	iamw__rules_context ctx = {e->account.account_id, e->account.region};
	load_where where;
	memset(&where, 0, sizeof where);
	rc = iamw__rules_normalize_located(doc, &ctx, &native, &origins, err);
	if (!rc)
		rc = load_doc(e, native, err, &where);
	if (rc && le)
		describe_where(le, &where, origins);
	cJSON_Delete(origins);
	cJSON_Delete(native);
	cJSON_Delete(doc);
	return rc;
}

size_t iamw_load_error_format(const iamw_load_error *le, char *buf, size_t size)
{
	if (!le)
		return 0;
	char head[1024] = "";
	size_t n = 0;
	if (le->origin[0])
		n += (size_t)snprintf(head + n, sizeof head - n, "%s: ", le->origin);
	if (le->kind[0] && n < sizeof head)
		n += (size_t)snprintf(head + n, sizeof head - n, "%s '%s' (%s): ", le->kind, le->name,
		                      le->path);
	/* the error itself as iamw_error_format renders it: "<source>:<offset>: <text>" */
	char tail[IAMW_ERROR_SOURCE_LEN + IAMW_ERROR_TEXT_LEN + 32];
	iamw_error_format(&le->error, NULL, 0, tail, sizeof tail);
	int total = snprintf(buf, size, "%s%s: %s", head, iamw_status_name(le->error.code), tail);
	return total < 0 ? 0 : (size_t)total;
}

int iamw_engine_load_pack(iamw_engine *e, const char *name, iamw_error *err)
{
	const char *data;
	size_t len;
	iamw__error_clear(err);
	if (!e || !name)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "rules", "NULL argument");
	if (!iamw_pack_get(name, &data, &len))
		return iamw__error_set(err, IAMW_ENOTFOUND, IAMW_NO_OFFSET, 0, "rules",
		                       "unknown rule pack '%.60s'", name);
	return iamw_engine_load_rules(e, data, len, err);
}

int iamw_rules_normalize(const char *json, size_t len, const char *account_id, const char *region,
                         char **out, size_t *out_len, iamw_error *err)
{
	iamw__error_clear(err);
	if (!json || !out)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "rules", "NULL argument");
	*out = NULL;
	cJSON *doc, *native = NULL;
	int rc = parse_json_arg(json, len, "rules", &doc, err);
	if (rc)
		return rc;
	iamw__rules_context ctx = {account_id, region};
	rc = iamw__rules_normalize(doc, &ctx, &native, err);
	cJSON_Delete(doc);
	if (rc)
		return rc;
	char *text = cJSON_PrintUnformatted(native);
	cJSON_Delete(native);
	if (!text)
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "rules", "out of memory");
	/* cJSON's allocator is not ours: copy so that iamw_free() applies. */
	size_t n = strlen(text);
	*out = iamw__strndup(text, n);
	cJSON_free(text);
	if (!*out)
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "rules", "out of memory");
	if (out_len)
		*out_len = n;
	return IAMW_OK;
}

/* Put one definition: wrap it in a one-entry rules document. */
static int put_one(iamw_engine *e, const char *json, size_t len, const char *key,
                   const char *source, iamw_error *err)
{
	iamw__error_clear(err);
	if (!e || !json)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, source, "NULL argument");
	if (e->in_callback)
		return IAMW_EBUSY;
	cJSON *obj;
	int rc = parse_json_arg(json, len, source, &obj, err);
	if (rc)
		return rc;
	cJSON *doc = cJSON_CreateObject();
	cJSON *arr = cJSON_CreateArray();
	if (!doc || !arr) {
		cJSON_Delete(doc);
		cJSON_Delete(arr);
		cJSON_Delete(obj);
		return IAMW_ENOMEM;
	}
	cJSON_AddItemToArray(arr, obj);
	cJSON_AddItemToObject(doc, key, arr);
	rc = load_doc(e, doc, err, NULL);
	cJSON_Delete(doc);
	return rc;
}

int iamw_engine_put_metric_filter(iamw_engine *e, const char *json, size_t len, iamw_error *err)
{
	return put_one(e, json, len, "metricFilters", "metricFilter", err);
}

int iamw_engine_put_metric_alarm(iamw_engine *e, const char *json, size_t len, iamw_error *err)
{
	return put_one(e, json, len, "metricAlarms", "alarm", err);
}

int iamw_engine_put_composite_alarm(iamw_engine *e, const char *json, size_t len,
                                    iamw_error *err)
{
	return put_one(e, json, len, "compositeAlarms", "composite", err);
}

/* ------------------------------------------------------------------ ingest */

/* A time written as a JSON string without escapes at s (the opening quote). */
static int time_value(const char *s, size_t n, int64_t *out)
{
	if (n == 0 || s[0] != '"')
		return 0;
	size_t k = 1;
	while (k < n && s[k] != '"' && s[k] != '\\')
		k++;
	return k < n && s[k] == '"' && iamw__parse_time_iso(s + 1, k - 1, out);
}

/* The top-level "eventTime" of a CloudTrail record read straight from the
 * raw text, so that an event no filter can match need not be parsed.
 * Anything unusual (escaped keys or values, broken text) returns 0: the
 * event is parsed instead. */
static int quick_event_time(const char *s, size_t n, int64_t *out)
{
	iamw__pspan span;
	return iamw__project_member(s, n, "eventTime", &span) &&
	       time_value(s + span.off, span.len, out);
}

static int event_time(const cJSON *tree, int64_t *out)
{
	const cJSON *t = tree ? cJSON_GetObjectItemCaseSensitive(tree, "eventTime") : NULL;
	return cJSON_IsString(t) && iamw__parse_time_iso(t->valuestring, strlen(t->valuestring), out);
}

/* Whether the filters that may still match can be applied to the
 * projection: their metric values and dimensions are constants or were
 * projected with their patterns' members (rebuild_prefilter). */
static int candidates_need_only_projection(const iamw_engine *e)
{
	for (size_t i = 0; i < e->n_filters; i++)
		if (e->may[i] && !e->filters[i].proj_final)
			return 0;
	return 1;
}

static int grow_proj_buf(iamw_engine *e, size_t need)
{
	if (e->proj_cap >= need)
		return 1;
	char *b = iamw__realloc(e->proj_buf, need);
	if (!b)
		return 0;
	e->proj_buf = b;
	e->proj_cap = need;
	return 1;
}

static int ingest(iamw_engine *e, const cJSON *tree, int have_tree, const char *raw,
                  size_t raw_len, int64_t ts, int64_t *t_out)
{
	if (e->in_callback)
		return IAMW_EBUSY;
	if (raw && raw_len > IAMW_DEFAULT_MAX_EVENT_SIZE)
		return IAMW_ELIMIT;
	/* One scan for every filter's required literals: filters that cannot
	 * match are skipped, and when none can, the event is not even parsed
	 * if its time can be read directly. */
	int candidates = (int)e->n_filters;
	iamw__pspan time_span = {0, 0};
	cJSON *proj_tree = NULL; /* the projection, when it decides every candidate */
	size_t proj_len = 0;
	if (e->pf && raw && !have_tree) {
		candidates = iamw__prefilter_set_scan(e->pf, raw, raw_len, e->may);
		if (candidates < 0) {
			candidates = (int)e->n_filters;
			memset(e->may, 1, e->n_filters);
		}
		/* JSON filters left: evaluate them on the members they read. */
		if (candidates > 0 && e->proj && grow_proj_buf(e, raw_len + 2)) {
			candidates = iamw__projection_set_decide(e->proj, raw, raw_len, e->proj_buf,
			                                         e->proj_cap, e->may, candidates,
			                                         &time_span, &proj_tree, &proj_len);
			if (proj_tree && !candidates_need_only_projection(e)) {
				cJSON_Delete(proj_tree);
				proj_tree = NULL;
			}
		}
	}
	int all_may = !e->pf || !raw || have_tree || candidates == (int)e->n_filters;
	cJSON *owned = NULL;
	int64_t t;
	int have_time = 0;
	if (!all_may && candidates == 0 && e->time_source == IAMW_TIME_EVENT_TIME)
		have_time = time_span.len ? time_value(raw + time_span.off, time_span.len, &t)
		                          : quick_event_time(raw, raw_len, &t);
	else if (!all_may && candidates == 0 && ts != IAMW_NO_TIME)
		have_time = 1, t = ts;
	const char *eval_raw = raw;
	size_t eval_len = raw_len;
	if (proj_tree && !have_time && !have_tree) {
		tree = owned = proj_tree;
		eval_raw = e->proj_buf;
		eval_len = proj_len;
	} else {
		cJSON_Delete(proj_tree);
		if (!have_time && !have_tree &&
		    (e->need_json || e->time_source == IAMW_TIME_EVENT_TIME)) {
			int prc = iamw__parse_event_json_ex(raw, raw_len, &owned);
			if (prc)
				return prc;
			tree = owned;
		}
	}
	if (have_time) {
		/* read from the raw text (or the caller) without parsing */
	} else if (e->time_source == IAMW_TIME_EVENT_TIME && event_time(tree, &t)) {
		/* eventTime wins */
	} else if (e->time_source == IAMW_TIME_EVENT_TIME && !tree && raw &&
	           quick_event_time(raw, raw_len, &t)) {
		/* valid enough to carry a time, but not parseable by cJSON (e.g.
		 * nested deeper than its limit): the same time the fast path reads */
	} else if (ts != IAMW_NO_TIME) {
		t = ts;
	} else {
		e->stats.untimed++;
		cJSON_Delete(owned);
		return IAMW_EJSON;
	}
	int nrc = iamw__aggregator_note_ingest(e->agg.impl, t);
	if (nrc != IAMW_OK) {
		if (nrc != IAMW_ENOMEM)
			e->stats.untimed++;
		cJSON_Delete(owned);
		return nrc;
	}
	e->stats.events++;
	if (e->need_json && !tree && !have_time)
		e->stats.not_json++;
	if (e->last_eval_ms != IAMW_NO_TIME && t < e->last_eval_ms)
		e->stats.late++;
	if (e->latest_event_ms == IAMW_NO_TIME || t > e->latest_event_ms)
		e->latest_event_ms = t;
	if (e->earliest_event_ms == IAMW_NO_TIME || t < e->earliest_event_ms)
		e->earliest_event_ms = t;
	e->quiet_pass_done = 0;
	if (t_out)
		*t_out = t;
	int matched = 0, rc = 0;
	for (size_t i = 0; i < e->n_filters; i++) {
		iamw__filter_entry *fe = &e->filters[i];
		if (!all_may && !e->may[i])
			continue;
		iamw__mf_result res;
		int r = iamw__metric_filter_apply(fe->f, tree, eval_raw, eval_len, &e->account,
		                                  e->match, &res);
		if (r < 0) {
			rc = r;
			break;
		}
		if (r == 0)
			continue;
		matched++;
		fe->matches++;
		if (res.skip) {
			fe->skipped++;
			continue;
		}
		iamw__metric_key key = {fe->f->metric_namespace, fe->f->metric_name, res.dims,
		                        res.n_dims, fe->f->unit};
		if (iamw__aggregator_add(e->agg.impl, &key, t, res.value) == IAMW_OK)
			fe->points++;
		else
			fe->skipped++;
	}
	cJSON_Delete(owned);
	return rc < 0 ? rc : matched;
}

int iamw_engine_ingest_text(iamw_engine *e, const char *event, size_t len, int64_t ts)
{
	if (!e || (!event && len))
		return IAMW_EINVAL;
	if (!event)
		event = "";
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(event);
	return ingest(e, NULL, 0, event, len, ts, NULL);
}

int iamw_engine_ingest_json(iamw_engine *e, const cJSON *tree, const char *raw, size_t raw_len,
                            int64_t ts)
{
	if (!e)
		return IAMW_EINVAL;
	if (raw && raw_len == IAMW_NUL_TERMINATED)
		raw_len = strlen(raw);
	return ingest(e, tree, 1, raw, raw ? raw_len : 0, ts, NULL);
}

int iamw_engine_ingest_lines(iamw_engine *e, const char *buf, size_t len, uint32_t flags,
                             iamw_ingest_report *report)
{
	iamw_ingest_report rep;
	memset(&rep, 0, sizeof rep);
	if (!e || (!buf && len) || (flags & ~(uint32_t)IAMW_INGEST_ADVANCE))
		return IAMW_EINVAL;
	size_t pos = 0;
	int rc = IAMW_OK;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t n = end - pos;
		const char *line = buf + pos;
		pos = end + 1;
		rep.lines++;
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		size_t lead = 0;
		while (lead < n && (line[lead] == ' ' || line[lead] == '\t'))
			lead++;
		if (lead == n)
			continue;
		int r = ingest(e, NULL, 0, line, n, IAMW_NO_TIME, NULL);
		if (r == IAMW_ENOMEM || r == IAMW_EBUSY) {
			rc = r;
			break;
		}
		if (r < 0) {
			if (!rep.errors) {
				rep.first_error_line = rep.lines - 1;
				rep.first_error = r;
			}
			rep.errors++;
			continue;
		}
		rep.events++;
		rep.matches += (size_t)r;
		if (flags & IAMW_INGEST_ADVANCE) {
			r = iamw_engine_advance(e, e->latest_event_ms - e->replay_delay_ms);
			if (r < 0) {
				rc = r;
				break;
			}
			rep.notifications += (size_t)r;
		}
	}
	if (report)
		*report = rep;
	return rc;
}

/* ------------------------------------------------------------------ evaluation */

static iamw_notification *queue(iamw_engine *e)
{
	if (e->n_pending == e->cap_pending) {
		size_t cap = e->cap_pending ? e->cap_pending * 2 : 8;
		iamw_notification *p = iamw__realloc(e->pending, cap * sizeof *p);
		if (!p)
			return NULL;
		e->pending = p;
		e->cap_pending = cap;
	}
	iamw_notification *n = &e->pending[e->n_pending++];
	memset(n, 0, sizeof *n);
	n->account = &e->account;
	return n;
}

static const iamw__string_list *actions_for(const iamw__string_list *ok,
                                            const iamw__string_list *alarm,
                                            const iamw__string_list *insufficient,
                                            iamw_alarm_state s)
{
	return s == IAMW_STATE_OK ? ok : s == IAMW_STATE_ALARM ? alarm : insufficient;
}

static int evaluate_alarm(iamw_engine *e, iamw__alarm_entry *a, int64_t now)
{
	iamw__datapoint slots[64];
	iamw__datapoint *sl = a->range <= 64 ? slots : iamw__calloc(a->range, sizeof *sl);
	int64_t starts[64];
	int64_t *st = a->range <= 64 ? starts : iamw__calloc(a->range, sizeof *st);
	int rc = IAMW_ENOMEM;
	if (!sl || !st)
		goto out;
	if ((rc = iamw__alarm_slot_starts(&a->def, now, a->range, st)))
		goto out;
	iamw__metric_key key = {a->def.metric_namespace, a->def.metric_name, a->def.dimensions,
	                        a->def.n_dimensions, a->def.unit};
	int64_t period_ms = a->def.period_s * 1000;
	for (size_t i = 0; i < a->range; i++) {
		double v = 0, sc = 0;
		int r = iamw__aggregator_query(e->agg.impl, &key, st[i], period_ms, &a->spec, &v, &sc);
		if (r < 0) {
			rc = r;
			goto out;
		}
		sl[i].start_ms = st[i];
		sl[i].present = r == 1;
		sl[i].value = v;
		sl[i].sample_count = sc;
	}
	iamw__alarm_eval_result res;
	memset(&res, 0, sizeof res);
	rc = iamw__alarm_evaluate_ex(&a->def, sl, a->range, a->state, now, IAMW__EVAL_TEXT_ON_CHANGE,
	                             &res);
	if (rc == IAMW_OK && res.outcome == IAMW__EVAL_DECIDED && res.changed) {
		iamw_notification *n = queue(e);
		if (!n) {
			iamw__alarm_eval_result_clear(&res);
			rc = IAMW_ENOMEM;
			goto out;
		}
		n->mdef = &a->def;
		n->chg.old_state = a->state;
		n->chg.new_state = res.new_state;
		n->chg.time_ms = now;
		n->chg.reason = res.reason;
		n->chg.reason_data = res.reason_data;
		n->chg.old_state_time_ms = a->state_time_ms;
		n->chg.old_reason = a->reason;
		n->chg.old_reason_data = a->reason_data;
		n->actions = actions_for(&a->def.ok_actions, &a->def.alarm_actions,
		                         &a->def.insufficient_data_actions, res.new_state);
		n->actions_run = a->def.actions_enabled && n->actions->n > 0;
		/* The entry keeps its own copies; the notification owns the old ones. */
		a->reason = res.reason ? iamw__strndup(res.reason, strlen(res.reason)) : NULL;
		a->reason_data =
		    res.reason_data ? iamw__strndup(res.reason_data, strlen(res.reason_data)) : NULL;
		a->state = res.new_state;
		a->state_time_ms = now;
		a->changed_at = now;
		res.reason = res.reason_data = NULL;
	}
	iamw__alarm_eval_result_clear(&res);
out:
	if (sl != slots)
		iamw__free(sl);
	if (st != starts)
		iamw__free(st);
	return rc;
}

typedef struct lookup_ctx {
	const iamw_engine *e;
} lookup_ctx;

static int lookup_state(const char *name, void *payload, iamw_alarm_state *state,
                        int64_t *state_time_ms)
{
	const iamw_engine *e = ((lookup_ctx *)payload)->e;
	const iamw__alarm_entry *a = iamw__engine_find_alarm(e, name);
	if (a) {
		*state = a->state;
		*state_time_ms = a->state_time_ms;
		return 1;
	}
	const iamw__composite_entry *c = iamw__engine_find_composite(e, name);
	if (c) {
		*state = c->state;
		*state_time_ms = c->state_time_ms;
		return 1;
	}
	return 0;
}

static int64_t changed_at_of(const iamw_engine *e, const char *name)
{
	const iamw__alarm_entry *a = iamw__engine_find_alarm(e, name);
	if (a)
		return a->changed_at;
	const iamw__composite_entry *c = iamw__engine_find_composite(e, name);
	return c ? c->changed_at : IAMW_NO_TIME;
}

/* The children that decide a composite's value, for TriggeringChildren. */
static int triggering_children(const iamw_engine *e, const iamw__composite_entry *c,
                               iamw_notification *n)
{
	size_t k = iamw__rule_ref_count(c->rule);
	if (!k)
		return IAMW_OK;
	iamw_alarm_state *states = iamw__calloc(k, sizeof *states);
	int64_t *times = iamw__calloc(k, sizeof *times);
	size_t *idx = iamw__calloc(k, sizeof *idx);
	n->children = iamw__calloc(k, sizeof *n->children);
	int rc = IAMW_ENOMEM;
	if (states && times && idx && n->children) {
		lookup_ctx ctx = {e};
		for (size_t i = 0; i < k; i++)
			lookup_state(iamw__rule_ref_name(c->rule, i), &ctx, &states[i], &times[i]);
		size_t m = 0;
		rc = iamw__rule_witnesses(c->rule, states, times, k, idx, &m);
		for (size_t i = 0; rc == IAMW_OK && i < m; i++) {
			const char *arn = iamw__rule_ref_arn(c->rule, idx[i]);
			n->children[i].arn_or_name = arn ? arn : iamw__rule_ref_name(c->rule, idx[i]);
			n->children[i].state = states[idx[i]];
			n->children[i].timestamp_ms = times[idx[i]];
		}
		n->n_children = rc == IAMW_OK ? m : 0;
	}
	iamw__free(states);
	iamw__free(times);
	iamw__free(idx);
	return rc;
}

static int evaluate_composite(iamw_engine *e, iamw__composite_entry *c, int64_t now, int *changed)
{
	*changed = 0;
	const char *trigger = NULL;
	if (c->created) {
		/* Re-evaluate only when a child changed in this pass. */
		for (size_t i = 0; i < iamw__rule_ref_count(c->rule) && !trigger; i++) {
			const char *child = iamw__rule_ref_name(c->rule, i);
			if (changed_at_of(e, child) == now) {
				const char *arn = iamw__rule_ref_arn(c->rule, i);
				trigger = arn ? arn : child;
			}
		}
		if (!trigger)
			return IAMW_OK;
	}
	lookup_ctx ctx = {e};
	iamw__composite_eval_in in;
	memset(&in, 0, sizeof in);
	in.name = c->def.name;
	in.rule = c->rule;
	in.account = &e->account;
	in.current = c->state;
	in.current_since_ms = c->state_time_ms;
	in.current_reason = c->reason;
	in.current_reason_data = c->reason_data;
	in.trigger = trigger;
	in.lookup = lookup_state;
	in.payload = &ctx;
	in.now_ms = now;
	iamw__state_change chg;
	memset(&chg, 0, sizeof chg);
	iamw_error err;
	int r = iamw__composite_evaluate(&in, &chg, &err);
	c->created = 1;
	if (r <= 0)
		return r;
	iamw_notification *n = queue(e);
	if (!n) {
		iamw__composite_state_change_clear(&chg);
		return IAMW_ENOMEM;
	}
	n->composite = 1;
	n->cdef = &c->def;
	n->chg = chg;
	n->actions = actions_for(&c->def.ok_actions, &c->def.alarm_actions,
	                         &c->def.insufficient_data_actions, chg.new_state);
	iamw__suppression_result sr;
	memset(&sr, 0, sizeof sr);
	iamw__suppression_on_composite_change(&c->sup, chg.new_state, now, &sr);
	n->suppressed_by = sr.suppressed_by;
	n->actions_run = c->def.actions_enabled && n->actions->n > 0 && sr.run_actions;
	iamw__free(c->reason);
	iamw__free(c->reason_data);
	c->reason = chg.reason ? iamw__strndup(chg.reason, strlen(chg.reason)) : NULL;
	c->reason_data = chg.reason_data ? iamw__strndup(chg.reason_data, strlen(chg.reason_data))
	                                 : NULL;
	c->state = chg.new_state;
	c->state_time_ms = chg.time_ms;
	c->changed_at = now;
	*changed = 1;
	return triggering_children(e, c, n);
}

static int deliver(iamw_engine *e)
{
	int delivered = 0;
	e->in_callback = 1;
	for (size_t i = 0; i < e->n_pending; i++) {
		if (e->cb)
			e->cb(&e->pending[i], e->cb_payload);
		delivered++;
		iamw__notification_clear(&e->pending[i]);
	}
	e->in_callback = 0;
	e->stats.notifications += (uint64_t)delivered;
	e->n_pending = 0;
	return delivered;
}

static int emit_defaults(iamw_engine *e, int64_t until)
{
	int64_t from =
	    e->defaults_done_ms == IAMW_NO_TIME ? -IAMW__AGG_MAX_ABS_TIME_MS : e->defaults_done_ms;
	for (size_t i = 0; i < e->n_filters; i++) {
		const iamw_metric_filter *f = e->filters[i].f;
		if (!f->has_default_value)
			continue;
		iamw__metric_key key = {f->metric_namespace, f->metric_name, NULL, 0, f->unit};
		int r = iamw__aggregator_emit_defaults(e->agg.impl, &key, f->default_value, from, until);
		if (r < 0)
			return r;
		e->filters[i].points += (uint64_t)r;
	}
	e->defaults_done_ms = until;
	return IAMW_OK;
}

/* The first minute at or after t in which the engine ingested an event,
 * or IAMW_NO_TIME. */
static int64_t next_ingest(const iamw_engine *e, int64_t t)
{
	size_t lo = 0, hi = iamw__aggregator_ingest_count(e->agg.impl);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (iamw__aggregator_ingest_minute(e->agg.impl, mid) < t - t % 60000 - (t % 60000 < 0 ? 60000 : 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < iamw__aggregator_ingest_count(e->agg.impl)
	           ? iamw__aggregator_ingest_minute(e->agg.impl, lo)
	           : IAMW_NO_TIME;
}

/* One evaluation time: defaults for closed minutes, every metric alarm,
 * then composites until none changes, then delivery. */
static int pass(iamw_engine *e, int64_t now)
{
	int rc = emit_defaults(e, now - now % 60000);
	for (size_t i = 0; rc == IAMW_OK && i < e->n_alarms; i++)
		rc = evaluate_alarm(e, &e->alarms[i], now);
	/* Composites may depend on composites: repeat until a round changes
	 * nothing (the rules are acyclic, so n rounds suffice). */
	for (size_t round = 0; rc == IAMW_OK && round <= e->n_composites; round++) {
		int any = 0;
		for (size_t i = 0; rc == IAMW_OK && i < e->n_composites; i++) {
			int ch = 0;
			rc = evaluate_composite(e, &e->composites[i], now, &ch);
			any |= ch;
		}
		if (!any)
			break;
	}
	/* Suppressor state changes and expiring suppression periods. */
	for (size_t i = 0; rc == IAMW_OK && i < e->n_composites; i++) {
		iamw__composite_entry *c = &e->composites[i];
		if (!c->def.actions_suppressor)
			continue;
		iamw__suppression_result sr;
		memset(&sr, 0, sizeof sr);
		if (changed_at_of(e, c->def.actions_suppressor) == now) {
			iamw_alarm_state s;
			if (iamw_engine_alarm_state(e, c->def.actions_suppressor, &s) != 1)
				s = IAMW_STATE_INSUFFICIENT_DATA; /* cannot happen: staging checked it */
			iamw__suppression_on_suppressor_change(&c->sup, s, now, &sr);
		} else {
			iamw__suppression_tick(&c->sup, now, &sr);
		}
	}
	e->last_eval_ms = now;
	int delivered = deliver(e);
	if (rc)
		return rc;
	/* No event in any alarm's reach: the states just computed stay as they
	 * are until data comes back in range, so later passes can be skipped. */
	int64_t reach = iamw__engine_max_window(e) + 2 * e->tick_ms;
	int64_t next = next_ingest(e, now - reach);
	e->quiet_pass_done = next == IAMW_NO_TIME || next >= now;
	if (e->last_prune_ms == IAMW_NO_TIME || now - e->last_prune_ms >= PRUNE_INTERVAL_MS) {
		int64_t keep = iamw__engine_max_window(e) + 2 * e->tick_ms;
		iamw__aggregator_prune(e->agg.impl, now - (keep > MIN_RETENTION_MS ? keep : MIN_RETENTION_MS));
		e->last_prune_ms = now;
	}
	return delivered;
}

static int64_t floor_to(int64_t t, int64_t step)
{
	int64_t r = t % step;
	return r < 0 ? t - r - step : t - r;
}

/* The latest evaluation time the engine may jump to from `from` without
 * skipping work: a composite not yet evaluated needs the very next pass, and
 * a running suppression period needs the pass at its deadline. */
static int64_t skip_limit(const iamw_engine *e, int64_t from, int64_t limit)
{
	for (size_t i = 0; i < e->n_composites; i++) {
		int64_t d;
		if (!e->composites[i].created)
			return from;
		if (iamw__suppression_deadline(&e->composites[i].sup, &d)) {
			int64_t at = floor_to(d, e->tick_ms);
			if (at < from)
				return from;
			if (at < limit)
				limit = at;
		}
	}
	return limit;
}

int iamw_engine_advance(iamw_engine *e, int64_t now)
{
	if (!e || now == IAMW_NO_TIME)
		return IAMW_EINVAL;
	if (e->in_callback)
		return IAMW_EBUSY;
	if (e->clock_ms == IAMW_NO_TIME) {
		/* Definitions loaded before the clock started were "created" now. */
		for (size_t i = 0; i < e->n_alarms; i++) {
			if (!e->alarms[i].def.configuration_updated_ms)
				e->alarms[i].def.configuration_updated_ms = now;
			if (!e->alarms[i].state_time_ms)
				e->alarms[i].state_time_ms = now;
		}
		for (size_t i = 0; i < e->n_composites; i++) {
			if (!e->composites[i].def.configuration_updated_ms)
				e->composites[i].def.configuration_updated_ms = now;
			if (!e->composites[i].state_time_ms)
				e->composites[i].state_time_ms = now;
		}
		e->clock_ms = now;
		e->next_eval_ms = floor_to(now, e->tick_ms) + e->tick_ms;
		return 0;
	}
	if (now <= e->clock_ms)
		return 0;
	int total = 0;
	while (e->next_eval_ms <= now) {
		/* After a pass that found every range empty, nothing can change
		 * until the next minute with data enters a range: jump there. */
		if (e->quiet_pass_done) {
			int64_t last = floor_to(now, e->tick_ms);
			int64_t data = next_ingest(e, e->next_eval_ms);
			int64_t target = data == IAMW_NO_TIME ? last : floor_to(data, e->tick_ms) + e->tick_ms;
			if (target > last)
				target = last;
			target = skip_limit(e, e->next_eval_ms, target);
			if (target > e->next_eval_ms)
				e->next_eval_ms = target;
		}
		int r = pass(e, e->next_eval_ms);
		if (r < 0)
			return r;
		total += r;
		e->next_eval_ms += e->tick_ms;
	}
	e->clock_ms = now;
	return total;
}

int iamw_engine_drain(iamw_engine *e)
{
	if (!e)
		return IAMW_EINVAL;
	if (e->clock_ms == IAMW_NO_TIME && e->latest_event_ms == IAMW_NO_TIME)
		return 0;
	int64_t base = e->latest_event_ms != IAMW_NO_TIME ? e->latest_event_ms : e->clock_ms;
	if (e->clock_ms != IAMW_NO_TIME && e->clock_ms > base)
		base = e->clock_ms;
	int64_t until = base + iamw__engine_max_window(e) + 3 * e->tick_ms;
	for (size_t i = 0; i < e->n_composites; i++) {
		int64_t d;
		if (iamw__suppression_deadline(&e->composites[i].sup, &d) && d + e->tick_ms > until)
			until = d + e->tick_ms;
	}
	if (e->clock_ms == IAMW_NO_TIME) {
		int r = iamw_engine_advance(e, e->latest_event_ms);
		if (r < 0)
			return r;
	}
	return iamw_engine_advance(e, until);
}

int iamw_engine_replay_clock(iamw_engine *e, uint32_t flags)
{
	if (!e || (flags & ~(uint32_t)IAMW_REPLAY_DRAIN))
		return IAMW_EINVAL;
	if (e->in_callback)
		return IAMW_EBUSY;
	int total = 0;
	if (e->earliest_event_ms != IAMW_NO_TIME) {
		/* where a time-ordered replay set the clock after its first event,
		 * then where it was after its last one; advancing in one step
		 * evaluates every minute in between, as the replay did */
		int64_t at[2] = {e->earliest_event_ms - e->replay_delay_ms,
		                 e->latest_event_ms - e->replay_delay_ms};
		for (int k = 0; k < 2; k++) {
			if (e->clock_ms != IAMW_NO_TIME && at[k] <= e->clock_ms)
				continue;
			int r = iamw_engine_advance(e, at[k]);
			if (r < 0)
				return r;
			total += r;
		}
	}
	if (flags & IAMW_REPLAY_DRAIN) {
		int r = iamw_engine_drain(e);
		if (r < 0)
			return r;
		total += r;
	}
	return total;
}

/* ------------------------------------------------------------------ queries */

int64_t iamw_engine_clock(const iamw_engine *e)
{
	return e ? e->clock_ms : IAMW_NO_TIME;
}

int64_t iamw_engine_latest_event_time(const iamw_engine *e)
{
	return e ? e->latest_event_ms : IAMW_NO_TIME;
}

int64_t iamw_engine_earliest_event_time(const iamw_engine *e)
{
	return e ? e->earliest_event_ms : IAMW_NO_TIME;
}

int iamw_engine_merge_aggregator(iamw_engine *e, const iamw_aggregator *agg)
{
	if (!e || !agg)
		return IAMW_EINVAL;
	if (e->in_callback)
		return IAMW_EBUSY;
	if (iamw__aggregator_period(agg->impl) != e->storage_period_ms)
		return IAMW_EINVAL;
	e->quiet_pass_done = 0; /* new data may change an alarm */
	return iamw__aggregator_merge(e->agg.impl, agg->impl);
}

int iamw_engine_alarm_state(const iamw_engine *e, const char *name, iamw_alarm_state *out)
{
	if (!e || !name)
		return 0;
	lookup_ctx ctx = {e};
	int64_t t;
	iamw_alarm_state s;
	if (!lookup_state(name, &ctx, &s, &t))
		return 0;
	if (out)
		*out = s;
	return 1;
}

size_t iamw_engine_filter_count(const iamw_engine *e)
{
	return e ? e->n_filters : 0;
}

const char *iamw_engine_filter_name(const iamw_engine *e, size_t i)
{
	return e && i < e->n_filters ? e->filters[i].f->filter_name : NULL;
}

int iamw_engine_filter_counts(const iamw_engine *e, size_t i, uint64_t *matches, uint64_t *points,
                              uint64_t *skipped)
{
	if (!e || i >= e->n_filters)
		return 0;
	if (matches)
		*matches = e->filters[i].matches;
	if (points)
		*points = e->filters[i].points;
	if (skipped)
		*skipped = e->filters[i].skipped;
	return 1;
}

size_t iamw_engine_alarm_count(const iamw_engine *e)
{
	return e ? e->n_alarms : 0;
}

const char *iamw_engine_alarm_name(const iamw_engine *e, size_t i)
{
	return e && i < e->n_alarms ? e->alarms[i].def.name : NULL;
}

size_t iamw_engine_composite_count(const iamw_engine *e)
{
	return e ? e->n_composites : 0;
}

const char *iamw_engine_composite_name(const iamw_engine *e, size_t i)
{
	return e && i < e->n_composites ? e->composites[i].def.name : NULL;
}

int iamw_engine_get_stats(const iamw_engine *e, iamw_engine_stats *out)
{
	if (!e || !out)
		return IAMW_EINVAL;
	*out = e->stats;
	return IAMW_OK;
}

const iamw_aggregator *iamw_engine_aggregator(const iamw_engine *e)
{
	return e ? &e->agg : NULL;
}
