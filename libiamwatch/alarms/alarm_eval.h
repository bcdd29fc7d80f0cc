/* SPDX-License-Identifier: MIT */
/*
 * alarm_eval.h - the pure evaluation step of a metric alarm (alarm_eval.c)
 * and the building/validation of metric alarm definitions from
 * PutMetricAlarm-shaped JSON (alarm_def.c). Nothing here reads the clock or
 * holds state: the engine supplies the evaluation range and the current state
 * and decides what to do with the result (history, actions, notifications).
 * Semantics follow spec/metrics-alarms.md §2; every reading chosen where AWS
 * is silent is listed in docs/semantics.md.
 */
#ifndef IAMW_ALARM_EVAL_H
#define IAMW_ALARM_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "alarms/names.h"
#include "alarms/types.h"
#include "iamwatch.h"

struct cJSON;

/* ------------------------------------------------------------ evaluation */

/* Reason text of a freshly created alarm (state INSUFFICIENT_DATA). */
#define IAMW__ALARM_CREATION_REASON "Unchecked: Initial alarm creation"

/* Smallest evaluation range the engine should fetch when nothing else is
 * configured (spec §2.4 and §7.1: AWS publishes no formula). */
#define IAMW__ALARM_MIN_RANGE 5

/* Why the evaluation ended where it did. */
typedef enum iamw__alarm_eval_outcome {
	IAMW__EVAL_DECIDED = 0,      /* the data chose new_state (it may equal the current one) */
	IAMW__EVAL_KEPT_MISSING = 1, /* TreatMissingData=ignore and too little data: state kept */
	IAMW__EVAL_KEPT_LOW_SAMPLES = 2 /* EvaluateLowSampleCountPercentile=ignore: state kept */
} iamw__alarm_eval_outcome;

/* The result of one evaluation. reason and reason_data are owned by the
 * struct (iamw__alarm_eval_result_clear frees them); both are NULL when the
 * state was kept without a decision (outcome != IAMW__EVAL_DECIDED), because
 * CloudWatch does not touch StateReason then. */
typedef struct iamw__alarm_eval_result {
	iamw_alarm_state new_state;
	int changed;                      /* new_state != the current state */
	iamw__alarm_eval_outcome outcome;
	char *reason;                     /* StateReason text (§2.7) */
	char *reason_data;                /* StateReasonData JSON text (§2.8) */
	/* Diagnostics for tests and dumps. */
	size_t n_real;                    /* present slots in the range */
	size_t n_evaluated;               /* real + filled points the decision counted */
	size_t n_breaching;               /* breaching among them (filled ones included) */
	size_t n_filled;                  /* missing points filled by TreatMissingData */
} iamw__alarm_eval_result;

/* Evaluate a metric alarm once.
 *  def      a definition (normally validated; M and N are only trusted to be >= 1)
 *  slots    the evaluation range R, oldest first, newest last; n_slots >= N
 *  current  the alarm's state before this evaluation
 *  now_ms   the evaluation time (StateReasonData queryDate)
 *  out      receives the result; initialise nothing, clear it afterwards
 * Returns IAMW_OK, IAMW_EINVAL (NULL argument, n_slots < N, N == 0) or
 * IAMW_ENOMEM. On failure out holds no allocations. */
int iamw__alarm_evaluate(const iamw__metric_alarm_def *def, const iamw__datapoint *slots,
                         size_t n_slots, iamw_alarm_state current, int64_t now_ms,
                         iamw__alarm_eval_result *out);

/* Free the texts of a result and zero it; NULL is a no-op. */
void iamw__alarm_eval_result_clear(iamw__alarm_eval_result *res);

/* Flags for iamw__alarm_evaluate_ex(). */
#define IAMW__EVAL_TEXT_ON_CHANGE 1u /* render reason texts only when the state changes */

/* iamw__alarm_evaluate() with flags; with IAMW__EVAL_TEXT_ON_CHANGE an
 * unchanged result carries NULL reason and reason_data. */
int iamw__alarm_evaluate_ex(const iamw__metric_alarm_def *def, const iamw__datapoint *slots,
                            size_t n_slots, iamw_alarm_state current, int64_t now_ms,
                            unsigned flags, iamw__alarm_eval_result *out);

/* Fill res as the creation of an alarm does: INSUFFICIENT_DATA with reason
 * "Unchecked: Initial alarm creation" and no reason data. Returns IAMW_OK or
 * IAMW_ENOMEM. */
int iamw__alarm_creation_result(iamw__alarm_eval_result *res);

/* The default evaluation range size R = max(N, 5) (spec §2.4, modelling
 * choice). Returns at least 1. */
int iamw__alarm_range_size(const iamw__metric_alarm_def *def);

/* Period start times of the n slots of an evaluation at now_ms, oldest first
 * (spec §2.2 [OBS]): the newest slot starts at floor_to_minute(now) - Period
 * for Period >= 60 s, at floor_to_period(now) - Period for 10/20/30 s
 * periods; each older slot starts one Period earlier. Returns IAMW_OK or
 * IAMW_EINVAL (NULL out with n > 0, Period <= 0). */
int iamw__alarm_slot_starts(const iamw__metric_alarm_def *def, int64_t now_ms, size_t n,
                            int64_t *starts_out);

/* Whether value v breaches the alarm's threshold under its operator. The
 * anomaly-band operators use the static threshold as both the lower and the
 * upper band (no band series is modelled yet). */
int iamw__alarm_breaches(const iamw__metric_alarm_def *def, double v);

/* ------------------------------------------------------------ definitions */

/* Build a definition from a PutMetricAlarm request object (the API's
 * parameter names as keys). Unknown keys are ignored; metric math
 * (Metrics), anomaly detection (ThresholdMetricId) and PromQL
 * (EvaluationCriteria) are rejected with IAMW_EUNSUPPORTED. Wrong JSON types
 * give IAMW_EJSON, unknown enum spellings and missing required fields
 * IAMW_EVALIDATION; then the definition is validated too. On failure *out
 * holds no allocations (it is zeroed). err->source is "alarm". */
int iamw__metric_alarm_def_from_json(const struct cJSON *obj, iamw__metric_alarm_def *out,
                                     iamw_error *err);

/* Check PutMetricAlarm's constraints (spec §2.1, §1.3). Returns IAMW_OK or
 * IAMW_EVALIDATION with a message naming the field. */
int iamw__metric_alarm_def_validate(const iamw__metric_alarm_def *def, iamw_error *err);

/* Free every string a definition owns and zero it; NULL is a no-op. */
void iamw__metric_alarm_def_free(iamw__metric_alarm_def *def);

#endif /* IAMW_ALARM_EVAL_H */
