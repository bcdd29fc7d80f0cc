/* SPDX-License-Identifier: MIT */
/*
 * notify.h - rendering of alarm state changes into the bodies CloudWatch
 * sends: the SNS Message JSON and Subject (spec metrics-alarms.md §4.1-4.3),
 * the Lambda alarm-action payload (§4.4), the EventBridge "CloudWatch Alarm
 * State Change" event (§4.5) and a one-line terminal rendering. Also the
 * region table (regions.c) that SNS bodies need for their long region names.
 *
 * Conventions for every renderer here:
 *  - Output is APPENDED to `out` (the caller may batch several renderings
 *    into one buffer); nothing is appended when the arguments are invalid.
 *  - Returns IAMW_OK, IAMW_EINVAL (NULL def/chg/out, a required string
 *    missing, an enum value out of range) or IAMW_ENOMEM (out->oom is set).
 *  - `acct` may be NULL; a NULL account id means "123456789012" and a NULL
 *    region means "us-east-1" (the library's documented defaults).
 *  - No clock, no randomness: identical inputs give identical bytes.
 */
#ifndef IAMW_NOTIFY_H
#define IAMW_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "alarms/types.h"
#include "common/private.h"

/* Defaults used when the account context leaves a field NULL. */
#define IAMW_DEFAULT_ACCOUNT_ID "123456789012"
#define IAMW_DEFAULT_REGION     "us-east-1"

/* SNS rejects subjects of 100 characters or more in a Publish call, and
 * CloudWatch's own subjects were captured at exactly 100 characters. */
#define IAMW_SNS_SUBJECT_MAX 100

/* ------------------------------------------------------------- regions.c */

/* SNS long name of a region code ("ca-central-1" -> "Canada (Central)");
 * an unknown code (or NULL, which yields "") is returned as given. The
 * result is static storage or the argument itself. */
const char *iamw__region_long_name(const char *region_code);

/* Append "arn:aws:cloudwatch:<region>:<account>:alarm:<name>" to b, the name
 * unescaped (spaces and any other characters kept as they are). */
void iamw__buf_add_alarm_arn(iamw__buf *b, const char *region, const char *account_id,
                             const char *name);

/* The same ARN in a fresh NUL-terminated string (iamw__free), or NULL on
 * allocation failure or a NULL name. In both ARN builders a NULL region or
 * account id takes the default above. */
char *iamw__alarm_arn(const char *region, const char *account_id, const char *name);

/* -------------------------------------------------------------- notify.c */

/* A child alarm named in a composite's SNS TriggeringChildren. A plain name
 * (anything not starting with "arn:") is turned into an ARN in the
 * composite's own account and region, as CloudWatch always reports ARNs. */
typedef struct iamw__triggering_child {
	const char *arn_or_name;
	iamw_alarm_state state;
	int64_t timestamp_ms; /* when the child entered `state` */
} iamw__triggering_child;

/* Optional extras for the EventBridge and Lambda renderers; pass NULL for
 * "none". Every NULL member means "absent / derive it". */
typedef struct iamw__event_options {
	/* EventBridge top-level id. NULL: a GUID derived from a hash of alarm
	 * ARN + StateChangeTime + new state (iamw__event_guid). */
	const char *event_id;
	/* configuration.metrics[0].id of a metric alarm. NULL: a GUID derived
	 * from alarm ARN + AlarmConfigurationUpdatedTimestamp, so it is stable
	 * across state changes and changes when the alarm is updated. */
	const char *metric_id;
	/* state.actionsSuppressedBy ("WaitPeriod", "ExtensionPeriod", "Alarm")
	 * and state.actionsSuppressedReason (composites only; ignored for
	 * metric alarms). */
	const char *actions_suppressed_by;
	const char *actions_suppressed_reason;
	/* The same for previousState (the Lambda sample shows them there). */
	const char *prev_actions_suppressed_by;
	const char *prev_actions_suppressed_reason;
	/* state.evaluationState, e.g. "PARTIAL_DATA" (metric alarms only). */
	const char *evaluation_state;
} iamw__event_options;


/* Append a GUID formatted 8-4-4-4-12 in lower-case hex, derived from a
 * 128-bit non-cryptographic hash of the n bytes at data (see notify.c). */
void iamw__buf_add_guid(iamw__buf *b, const char *data, size_t n);

/* SNS Message of a metric alarm (§4.1), exact key order and renderings. */
int iamw__render_sns_metric(const iamw__metric_alarm_def *def, const iamw__state_change *chg,
                            const iamw__account *acct, iamw__buf *out);

/* SNS Message of a composite alarm (§4.3 plus the 2022+ keys, see notify.c). */
int iamw__render_sns_composite(const iamw__composite_alarm_def *def, const iamw__state_change *chg,
                               const iamw__account *acct, const iamw__triggering_child *children,
                               size_t n_children, iamw__buf *out);

/* SNS Subject: `ALARM: "name" in US East (N. Virginia)`, at most 100
 * characters (UTF-16 code units, as Java counts); a longer name is cut on a
 * character boundary and "..." is put inside the quotes. */
int iamw__render_sns_subject(iamw_alarm_state new_state, const char *alarm_name,
                             const char *region_code, iamw__buf *out);

/* EventBridge "CloudWatch Alarm State Change" events (§4.5). */
int iamw__render_eventbridge_metric(const iamw__metric_alarm_def *def,
                                    const iamw__state_change *chg, const iamw__account *acct,
                                    const iamw__event_options *opt, iamw__buf *out);
int iamw__render_eventbridge_composite(const iamw__composite_alarm_def *def,
                                       const iamw__state_change *chg, const iamw__account *acct,
                                       const iamw__event_options *opt, iamw__buf *out);

/* Lambda alarm-action payloads (§4.4); opt->event_id is not used. */
int iamw__render_lambda_metric(const iamw__metric_alarm_def *def, const iamw__state_change *chg,
                               const iamw__account *acct, const iamw__event_options *opt,
                               iamw__buf *out);
int iamw__render_lambda_composite(const iamw__composite_alarm_def *def,
                                  const iamw__state_change *chg, const iamw__account *acct,
                                  const iamw__event_options *opt, iamw__buf *out);

/* One terminal line, no colour and no trailing newline:
 * `2024-11-26T10:05:00Z ALARM  <name>  INSUFFICIENT_DATA -> ALARM  <reason>`.
 * Control characters in name and reason become spaces so that the result
 * stays one line and cannot carry terminal escape sequences. */
int iamw__render_text(const char *alarm_name, const iamw__state_change *chg, iamw__buf *out);

#endif /* IAMW_NOTIFY_H */
