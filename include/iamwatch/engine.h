/* SPDX-License-Identifier: MIT */
/*
 * iamwatch/engine.h - the engine: metric filters -> metrics -> alarms -> notifications,
 * driven by a caller-supplied clock, with saved state.
 * Part of the public API; include <iamwatch.h>, which states the rules on
 * ownership, errors, threads and time once for every header.
 */
#ifndef IAMWATCH_ENGINE_H
#define IAMWATCH_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "iamwatch/metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON; /* callers that use the *_json() functions include <cjson/cJSON.h> */

/* ------------------------------------------------------------------------ */
/* The engine: metric filters -> metrics -> alarms -> notifications         */
/* ------------------------------------------------------------------------ */

/** A registry of metric filters, metric alarms and composite alarms over one
 *  log group, fed events and driven by a caller-supplied clock.
 *  Mutable: one thread at a time. */
typedef struct iamw_engine iamw_engine;

/** A state change, valid only during the notification callback. */
typedef struct iamw_notification iamw_notification;

/** Which timestamp places an event's data point in a period. */
typedef enum iamw_time_source {
	/** CloudTrail's eventTime; the caller's timestamp when the event has none
	 *  (the default: offline replay of CloudTrail). */
	IAMW_TIME_EVENT_TIME = 0,
	/** Always the timestamp passed to the ingest call (e.g. the CloudWatch
	 *  Logs event timestamp). */
	IAMW_TIME_CALLER = 1
} iamw_time_source;

/** Pass as a timestamp to mean "none given". */
#define IAMW_NO_TIME INT64_MIN

typedef struct iamw_engine_options {
	unsigned version;              /**< IAMW_ENGINE_OPTIONS_VERSION */
	const char *account_id;        /**< for ARNs and bodies; NULL = "123456789012" */
	const char *region;            /**< NULL = "us-east-1" */
	iamw_time_source time_source;  /**< default IAMW_TIME_EVENT_TIME */
	unsigned evaluation_range;     /**< datapoints fetched per evaluation; 0 = max(N, 5) */
	int64_t storage_period_ms;     /**< 0 = 60000; 10000 to allow 10/20/30 s alarm periods */
	size_t max_dimension_sets;     /**< 0 = 1000 per metric */
	uint32_t flags;                /**< IAMW_ENGINE_* flags */
	/* version 2 */
	int64_t replay_delay_ms;       /**< lateness window of a replay: IAMW_INGEST_ADVANCE
	                                    advances the clock to the latest event time minus
	                                    this, so that records up to this late still land
	                                    in their data points. iamw_engine_options_init()
	                                    sets 300000 (CloudTrail's delivery delay, the
	                                    default of `iamwatch scan --delay`); version-1
	                                    callers get 0. */
} iamw_engine_options;

/** Engine flags. */
enum {
	/** Parse every event and try every filter, without the literal prefilter
	 *  (for differential testing and benchmarks; results are identical). */
	IAMW_ENGINE_NO_PREFILTER = 1u << 0
};
/** The current options version (2). Version-1 structs, which end before
 *  replay_delay_ms, are still accepted. */
#define IAMW_ENGINE_OPTIONS_VERSION 2

/** Fill opts with the defaults for the given options version (1 or 2; for
 *  FFI, which cannot expand macros). A version-1 struct is filled only up
 *  to its last field. */
IAMW_API int iamw_engine_options_init(iamw_engine_options *opts, unsigned version);

/**
 * Create an engine. opts may be NULL (defaults); its strings are copied.
 * Ownership: the caller frees *out with iamw_engine_free().
 * Thread-safety: reentrant.
 */
IAMW_API int iamw_engine_new(iamw_engine **out, const iamw_engine_options *opts);
/**
 * Free an engine; NULL is a no-op. Not from inside a callback.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API void iamw_engine_free(iamw_engine *engine);

/**
 * Load a rules document: {"metricFilters":[PutMetricFilter...],
 * "metricAlarms":[PutMetricAlarm...], "compositeAlarms":[PutCompositeAlarm...]},
 * a CloudFormation template in JSON, or `terraform show -json` output.
 * Definitions replace those of the same name (AWS Put semantics). All or
 * nothing: on error the engine is unchanged.
 * @param[out] err failure details (source "rules", "metricFilter", "alarm",
 *             "composite", "pattern" or "rule", with offsets into that text)
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_load_rules(iamw_engine *engine, const char *json, size_t len,
                                    iamw_error *err);

/** Room for names and locations in an iamw_load_error. */
#define IAMW_LOAD_ERROR_FIELD_LEN 256

/**
 * A rules-loading failure, naming the definition it concerns. Caller-allocated.
 */
typedef struct iamw_load_error {
	iamw_error error; /**< code, offset into the text error.source names, message */
	char origin[IAMW_LOAD_ERROR_FIELD_LEN]; /**< the origin the caller gave (a file name), or "" */
	char kind[32];    /**< "metricFilter", "metricAlarm", "compositeAlarm", or "" when the
	                       error concerns the whole document */
	char name[IAMW_LOAD_ERROR_FIELD_LEN];   /**< filterName / AlarmName, "" when unknown */
	char path[IAMW_LOAD_ERROR_FIELD_LEN];   /**< where the definition is: "metricAlarms[2]" in a
	                                             rules document, "Resources.<logical id>" in a
	                                             CloudFormation template, the resource
	                                             address in terraform output; "" for the
	                                             whole document */
} iamw_load_error;

/**
 * iamw_engine_load_rules() that says which definition failed: err receives
 * the origin (e.g. the file name; may be NULL), the definition's kind, name
 * and location, and the error itself (conversion errors of CloudFormation
 * or terraform input name their resource in the message).
 * Ownership: arguments are borrowed for the call; err is caller-allocated
 * (may be NULL). Thread-safety: one thread at a time per engine; mutating
 * calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_load_rules_from(iamw_engine *engine, const char *json, size_t len,
                                         const char *origin, iamw_load_error *err);

/**
 * Render a load error on one line: "<origin>: <kind> '<name>' (<path>):
 * <ESTATUS>: <source>:<offset>: <message>" (parts that are empty or do not
 * apply are left out; the offset is into the text <source> names, e.g. the
 * definition's filter pattern).
 * @return the length of the full rendering (like snprintf); buf may be NULL
 *         when size is 0. Ownership: writes into the caller's buffer.
 * Thread-safety: reentrant.
 */
IAMW_API size_t iamw_load_error_format(const iamw_load_error *err, char *buf, size_t size);

/**
 * Load a built-in rule pack (iamwatch/packs.h) by name: "iam-changes",
 * "cis" (the newest CIS version) or "cis@VERSION". The same as
 * iamw_engine_load_rules() on the pack's document.
 * @return IAMW_OK, IAMW_ENOTFOUND for an unknown name (err says which), or
 *         what iamw_engine_load_rules() returns
 * Ownership: arguments are borrowed for the call.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_load_pack(iamw_engine *engine, const char *name, iamw_error *err);

/**
 * Convert a rules file (rules document, CloudFormation template in JSON, or
 * `terraform show -json` output) into a rules document, resolving what
 * CloudFormation intrinsics can be resolved offline (Ref, Fn::Sub,
 * Fn::GetAtt, Fn::Join, parameters' defaults, pseudo parameters from
 * account_id / region, which may be NULL for the defaults).
 * @param[out] out the rules document as JSON text; free with iamw_free()
 * @param[out] err failure details (source "rules")
 * Thread-safety: reentrant.
 */
IAMW_API int iamw_rules_normalize(const char *json, size_t len, const char *account_id,
                                  const char *region, char **out, size_t *out_len,
                                  iamw_error *err);

/**
 * Put one definition from its AWS request JSON (create or replace by name).
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_put_metric_filter(iamw_engine *engine, const char *json, size_t len,
                                           iamw_error *err);
IAMW_API int iamw_engine_put_metric_alarm(iamw_engine *engine, const char *json, size_t len,
                                          iamw_error *err);
IAMW_API int iamw_engine_put_composite_alarm(iamw_engine *engine, const char *json, size_t len,
                                             iamw_error *err);

/** Callback receiving each state change; runs on the thread that called
 *  iamw_engine_advance(), after the evaluation pass updated every state. */
typedef void (*iamw_notify_cb)(const iamw_notification *n, void *payload);

/** Register the notification callback (NULL to remove).
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_set_notify_cb(iamw_engine *engine, iamw_notify_cb cb, void *payload);

/**
 * Feed one log event (a CloudTrail record as one JSON line, or any text).
 * The event is parsed once and shared by every metric filter.
 * @param[in] timestamp_ms the event's timestamp, or IAMW_NO_TIME (then the
 *            record's eventTime is needed)
 * @return the number of metric filters that matched (>= 0), or <0:
 *         IAMW_EJSON when the event carries no usable time, IAMW_ELIMIT for
 *         an event over 1 MB, IAMW_EBUSY from a callback.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_ingest_text(iamw_engine *engine, const char *event, size_t len,
                                     int64_t timestamp_ms);
/** As iamw_engine_ingest_text() for an event the caller parsed already; raw
 *  may be NULL when every pattern is a JSON pattern. tree is borrowed.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_ingest_json(iamw_engine *engine, const struct cJSON *tree,
                                     const char *raw, size_t raw_len, int64_t timestamp_ms);

/** What iamw_engine_ingest_lines() did. */
typedef struct iamw_ingest_report {
	size_t lines;       /**< lines seen (blank lines included) */
	size_t events;      /**< events ingested */
	size_t errors;      /**< lines refused (no time, too large, ...) */
	size_t first_error_line; /**< 0-based line of the first refused line */
	int first_error;    /**< its iamw_status */
	size_t matches;     /**< metric filter matches, summed */
	size_t notifications; /**< notifications delivered (with IAMW_INGEST_ADVANCE) */
} iamw_ingest_report;

/** Flags for iamw_engine_ingest_lines(). */
enum {
	/** After each event, advance the clock to the latest event time minus
	 *  the engine's replay_delay_ms (the replay of a log, as `iamwatch scan`
	 *  does). */
	IAMW_INGEST_ADVANCE = 1u << 0
};

/**
 * Ingest every non-blank line of an NDJSON buffer in one call (bindings
 * cross into C once per buffer). Lines the engine refuses are counted and
 * skipped; the rest are still ingested.
 * @param[out] report counters (may be NULL)
 * @return IAMW_OK, or a negative iamw_status for errors that stop the scan
 *         (IAMW_ENOMEM, IAMW_EBUSY)
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_ingest_lines(iamw_engine *engine, const char *buf, size_t len,
                                      uint32_t flags, iamw_ingest_report *report);

/**
 * Move the clock to now_ms: every alarm is evaluated at each evaluation
 * time (every minute; every 10 s with a 10 s storage period) up to now_ms,
 * and the callback receives each state change. The clock never goes back.
 * @return the number of notifications delivered (>= 0) or <0.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_advance(iamw_engine *engine, int64_t now_ms);

/**
 * Advance past the last data point until no alarm can change any more
 * (every data point has left every evaluation range).
 * @return the number of notifications delivered, or <0.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_drain(iamw_engine *engine);

/** Flags for iamw_engine_replay_clock(). */
enum {
	/** Then drain: let time run on until every alarm settled. */
	IAMW_REPLAY_DRAIN = 1u << 0
};

/**
 * Advance the clock over the events the engine holds as a time-ordered
 * replay of them with IAMW_INGEST_ADVANCE would have: to the earliest event
 * time minus replay_delay_ms (which starts the clock), then to the latest
 * minus replay_delay_ms; with IAMW_REPLAY_DRAIN, then drain. After events
 * were ingested without advancing, or partial engines were merged
 * (iamw_engine_merge_state()), this gives the notifications of
 * `iamwatch scan` over the same records in time order.
 * @return the number of notifications delivered, or <0.
 * Ownership: arguments are borrowed for the call.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_replay_clock(iamw_engine *engine, uint32_t flags);

/**
 * The clock (IAMW_NO_TIME before the first advance) and the latest event time ingested.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int64_t iamw_engine_clock(const iamw_engine *engine);
IAMW_API int64_t iamw_engine_latest_event_time(const iamw_engine *engine);

/**
 * The earliest event time ingested (IAMW_NO_TIME before the first event),
 * kept in the saved state and combined by iamw_engine_merge_state(). A
 * replay that starts from merged data starts its clock here (minus the
 * replay delay), as a time-ordered replay would have.
 * Ownership: arguments are borrowed for the call.
 * Thread-safety: one thread at a time per engine.
 */
IAMW_API int64_t iamw_engine_earliest_event_time(const iamw_engine *engine);

/** Current state of an alarm or composite alarm by name.
 *  @return 1 found, 0 unknown.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_alarm_state(const iamw_engine *engine, const char *name,
                                     iamw_alarm_state *out);

/**
 * Enumerate definitions. Names are borrowed until the definitions change.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API size_t iamw_engine_filter_count(const iamw_engine *engine);
IAMW_API const char *iamw_engine_filter_name(const iamw_engine *engine, size_t i);
/** Per-filter counters: events matched, data points published, matches that
 *  published nothing (value or dimension missing / not numeric, dimension
 *  cap). Returns 0 for an index out of range.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_filter_counts(const iamw_engine *engine, size_t i, uint64_t *matches,
                                       uint64_t *points, uint64_t *skipped);
IAMW_API size_t iamw_engine_alarm_count(const iamw_engine *engine);
IAMW_API const char *iamw_engine_alarm_name(const iamw_engine *engine, size_t i);
IAMW_API size_t iamw_engine_composite_count(const iamw_engine *engine);
IAMW_API const char *iamw_engine_composite_name(const iamw_engine *engine, size_t i);

/** Engine-wide counters. */
typedef struct iamw_engine_stats {
	uint64_t events;        /**< events ingested */
	uint64_t not_json;      /**< events that JSON patterns could not parse */
	uint64_t untimed;       /**< events refused for lack of a time */
	uint64_t late;          /**< events older than an evaluation already made */
	uint64_t notifications; /**< state changes delivered */
} iamw_engine_stats;
IAMW_API int iamw_engine_get_stats(const iamw_engine *engine, iamw_engine_stats *out);

/** The engine's aggregator (read-only view). Borrowed.
 * Ownership: arguments are borrowed for the call.
 * Thread-safety: one thread at a time per aggregator.
 */
IAMW_API const iamw_aggregator *iamw_engine_aggregator(const iamw_engine *engine);

/**
 * Save the runtime state (buckets still inside any evaluation range, the
 * clock, alarm and composite states) as versioned JSON
 * ({"format":"iamwatch-state","version":1,...}). Definitions are not saved:
 * the host loads the same rules before restoring.
 * Ownership: the caller frees *out with iamw_free().
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_save_state(const iamw_engine *engine, char **out, size_t *out_len);
/**
 * Restore state saved by iamw_engine_save_state() into an engine holding the
 * same definitions. Corrupt input, a wrong format or version, or state for
 * alarms the engine does not define gets IAMW_ESTATE; nothing is changed then.
 * Ownership: arguments are borrowed; returned names live until definitions change.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_restore_state(iamw_engine *engine, const char *json, size_t len,
                                       iamw_error *err);

/**
 * Merge metric data points into the engine's aggregator (same storage
 * period): the reduce step of a scan split across processes, for hosts that
 * aggregate themselves. Event times and counters are not touched; see
 * iamw_engine_merge_state() for whole partial engines.
 * @return IAMW_OK, IAMW_EINVAL (NULL or another storage period), IAMW_EBUSY
 *         from a callback, IAMW_ENOMEM (the engine is unchanged then)
 * Ownership: agg is borrowed for the call.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_merge_aggregator(iamw_engine *engine, const iamw_aggregator *agg);

/**
 * Merge the saved state of a partial engine into this one: its metric data
 * (buckets and the minutes that saw events, so defaultValue comes out as
 * one engine would have published it), its earliest and latest event times,
 * and its counters (engine stats, per-filter matches by filter name). The
 * reduce step of a scan split across workers (examples/python/dask_scan.py):
 * each worker ingests its part into an engine holding the same rules
 * without advancing the clock and saves its state; the host merges them
 * into one engine, then advances from iamw_engine_earliest_event_time().
 * Neither engine may have advanced its clock (alarm states depend on the
 * order data arrived in, which no merge can reproduce): IAMW_ESTATE then,
 * as for corrupt input or a filter the engine does not define. All or
 * nothing: on error the engine is unchanged.
 * Ownership: arguments are borrowed for the call.
 * Thread-safety: one thread at a time per engine; mutating calls from a callback: EBUSY.
 */
IAMW_API int iamw_engine_merge_state(iamw_engine *engine, const char *json, size_t len,
                                     iamw_error *err);

/* Notifications (valid only during the callback) */

IAMW_API const char *iamw_notification_alarm_name(const iamw_notification *n);
IAMW_API int iamw_notification_is_composite(const iamw_notification *n);
IAMW_API iamw_alarm_state iamw_notification_old_state(const iamw_notification *n);
IAMW_API iamw_alarm_state iamw_notification_new_state(const iamw_notification *n);
IAMW_API int64_t iamw_notification_time(const iamw_notification *n);
IAMW_API const char *iamw_notification_reason(const iamw_notification *n);
/**
 * StateReasonData JSON text, or NULL.
 * Ownership: results are borrowed and die with the notification.
 * Thread-safety: only inside the callback, on its thread.
 */
IAMW_API const char *iamw_notification_reason_data(const iamw_notification *n);
/** 1 when the alarm's actions for the new state run (ActionsEnabled and not
 *  suppressed); the actions are listed by iamw_notification_action().
 * Ownership: results are borrowed and die with the notification.
 * Thread-safety: only inside the callback, on its thread.
 */
IAMW_API int iamw_notification_actions_run(const iamw_notification *n);
IAMW_API size_t iamw_notification_action_count(const iamw_notification *n);
IAMW_API const char *iamw_notification_action(const iamw_notification *n, size_t i);

/** Renderings of a notification. */
typedef enum iamw_render_format {
	IAMW_RENDER_SNS = 1,          /**< the SNS Message JSON body (metric or composite) */
	IAMW_RENDER_SNS_SUBJECT = 2,  /**< the SNS Subject line */
	IAMW_RENDER_EVENTBRIDGE = 3,  /**< "CloudWatch Alarm State Change" event */
	IAMW_RENDER_LAMBDA = 4,       /**< Lambda alarm action payload */
	IAMW_RENDER_TEXT = 5          /**< one readable line */
} iamw_render_format;

/**
 * Render a notification. Ownership: the caller frees *out with iamw_free().
 * Thread-safety: during the callback only.
 */
IAMW_API int iamw_notification_render(const iamw_notification *n, iamw_render_format format,
                                      char **out, size_t *out_len);

/** The name of an alarm state ("OK", "ALARM", "INSUFFICIENT_DATA"). Static. */
IAMW_API const char *iamw_alarm_state_name(iamw_alarm_state state);

#ifdef __cplusplus
}
#endif

#endif /* IAMWATCH_ENGINE_H */
