/* SPDX-License-Identifier: MIT */
/*
 * engine.h - internals of the engine shared by engine.c (definitions,
 * ingest, evaluation), engine_state.c (save / restore) and notification.c.
 */
#ifndef IAMW_ENGINE_H
#define IAMW_ENGINE_H

#include "metrics/aggregator_api.h"
#include "alarms/alarm_eval.h"
#include "alarms/composite.h"
#include "metrics/metric_filter.h"
#include "alarms/notify.h"
#include "match/prefilter.h"

typedef struct iamw__filter_entry {
	iamw_metric_filter *f;
	uint64_t matches;
	uint64_t points;
	uint64_t skipped;
	int proj_final; /* a match on the projection can be applied there (engine.c) */
} iamw__filter_entry;

typedef struct iamw__alarm_entry {
	iamw__metric_alarm_def def;
	iamw__stat_spec spec;
	size_t range;
	iamw_alarm_state state;
	int64_t state_time_ms;
	char *reason;
	char *reason_data;
	int64_t changed_at; /* evaluation time of the last change (IAMW_NO_TIME: never) */
} iamw__alarm_entry;

typedef struct iamw__composite_entry {
	iamw__composite_alarm_def def;
	iamw__rule *rule;
	iamw_alarm_state state;
	int64_t state_time_ms;
	char *reason;
	char *reason_data;
	int created;        /* evaluated at least once since it was put */
	int64_t changed_at;
	iamw__suppression sup;
} iamw__composite_entry;

struct iamw_notification {
	int composite;
	const iamw__metric_alarm_def *mdef;
	const iamw__composite_alarm_def *cdef;
	iamw__state_change chg;
	int actions_run;
	iamw__suppressed_by suppressed_by;
	const iamw__string_list *actions;
	iamw__triggering_child *children;
	size_t n_children;
	const iamw__account *account;
};

struct iamw_engine {
	char *account_id;
	char *region;
	iamw__account account;
	iamw_time_source time_source;
	unsigned evaluation_range;
	int64_t replay_delay_ms; /* IAMW_INGEST_ADVANCE: clock = latest event - this */
	int64_t storage_period_ms;
	int64_t tick_ms;

	iamw__filter_entry *filters;
	size_t n_filters;
	iamw__alarm_entry *alarms;
	size_t n_alarms;
	iamw__composite_entry *composites;
	size_t n_composites;
	int need_json; /* some filter is a JSON pattern */
	int no_prefilter;
	iamw__prefilter_set *pf; /* one literal scan for every filter (NULL: none) */
	uint8_t *may;            /* per filter: may match the current event */
	struct iamw__projection_set *proj; /* partial parse of candidates (NULL: none) */
	char *proj_buf;                    /* scratch for projected text */
	size_t proj_cap;

	iamw_aggregator agg; /* impl owned by the engine */
	iamw_match *match;

	iamw_notify_cb cb;
	void *cb_payload;
	int in_callback;
	iamw_notification *pending;
	size_t n_pending;
	size_t cap_pending;

	int64_t clock_ms;         /* IAMW_NO_TIME until the first advance */
	int64_t next_eval_ms;     /* next evaluation time */
	int64_t last_eval_ms;     /* last evaluation time done (IAMW_NO_TIME: none) */
	int64_t defaults_done_ms; /* defaultValue emitted for minutes before this */
	int64_t latest_event_ms;  /* IAMW_NO_TIME until an event is ingested */
	int64_t earliest_event_ms; /* likewise: the oldest event time ingested */
	int64_t last_prune_ms;
	int quiet_pass_done;      /* a pass saw every range empty since the last change */

	iamw_engine_stats stats;
};

/* engine.c */
int64_t iamw__engine_max_window(const iamw_engine *e);
iamw__alarm_entry *iamw__engine_find_alarm(const iamw_engine *e, const char *name);
iamw__composite_entry *iamw__engine_find_composite(const iamw_engine *e, const char *name);

/* notification.c */
void iamw__notification_clear(iamw_notification *n);

#endif /* IAMW_ENGINE_H */
