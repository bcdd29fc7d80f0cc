/* SPDX-License-Identifier: MIT */
/*
 * rules_convert.h - turn the rule files a user may hand to the engine into
 * libiamwatch's "rules document":
 *
 *   {"metricFilters":   [PutMetricFilter request objects],
 *    "metricAlarms":    [PutMetricAlarm request objects],
 *    "compositeAlarms": [PutCompositeAlarm request objects]}
 *
 * Accepted inputs: a rules document itself (deep-copied after a shape check),
 * a CloudFormation template in JSON (AWS::Logs::MetricFilter,
 * AWS::CloudWatch::Alarm and AWS::CloudWatch::CompositeAlarm resources, with
 * the intrinsic functions that can be resolved without a deployment), and
 * `terraform show -json` output for a state or a plan
 * (aws_cloudwatch_log_metric_filter, aws_cloudwatch_metric_alarm,
 * aws_cloudwatch_composite_alarm). Internal: nothing here is exported.
 *
 * The converters only reshape and resolve; field values are validated later
 * by the readers of each request (metric_filter.c, alarm_def.c, composite.c).
 * Errors carry source "rules", offset IAMW_NO_OFFSET and a message naming the
 * resource (logical id or terraform address) and the property.
 */
#ifndef IAMW_RULES_CONVERT_H
#define IAMW_RULES_CONVERT_H

#include "common/private.h"

struct cJSON;

typedef enum {
	IAMW__RULES_NATIVE = 1,
	IAMW__RULES_CLOUDFORMATION,
	IAMW__RULES_TERRAFORM
} iamw__rules_format;

/* Values for CloudFormation pseudo parameters and the ARNs built from them.
 * NULL members (or a NULL context) mean the defaults 123456789012 and
 * us-east-1. AWS::StackName is always "iamwatch" (no deployment exists). */
typedef struct iamw__rules_context {
	const char *account_id;
	const char *region;
} iamw__rules_context;

#define IAMW__RULES_DEFAULT_ACCOUNT "123456789012"
#define IAMW__RULES_DEFAULT_REGION  "us-east-1"
#define IAMW__RULES_STACK_NAME      "iamwatch"

/* Which of the three formats doc is. Returns IAMW_OK and sets *out, or
 * IAMW_EJSON when doc is none of them (IAMW_EINVAL when out is NULL).
 * iamw__rules_normalize() words the corresponding message. */
int iamw__rules_detect(const struct cJSON *doc, iamw__rules_format *out);

/* Convert doc (any of the three formats) into a new rules document that the
 * caller frees with cJSON_Delete(). On failure *out is NULL and err (may be
 * NULL) says why: IAMW_EJSON (wrong shape or type), IAMW_EUNSUPPORTED (a
 * construct that cannot be resolved offline: metric math, Fn::ImportValue,
 * Fn::If, values unknown until apply, ...), IAMW_EVALIDATION (an invalid
 * reference or value), IAMW_ENOMEM. ctx may be NULL. */
int iamw__rules_normalize(const struct cJSON *doc, const iamw__rules_context *ctx,
                          struct cJSON **out, iamw_error *err);

/* iamw__rules_normalize(), and when locations is not NULL *locations
 * receives a new object (the caller frees it with cJSON_Delete()) holding,
 * for each of the three lists, where each converted definition came from:
 * "metricFilters[3]" in a rules document, "Resources.<LogicalId>" in a
 * CloudFormation template, the resource address ("module.a.aws_..._alarm.x")
 * in terraform output. On failure *locations is NULL. */
int iamw__rules_normalize_located(const struct cJSON *doc, const iamw__rules_context *ctx,
                                  struct cJSON **out, struct cJSON **locations,
                                  iamw_error *err);

#endif /* IAMW_RULES_CONVERT_H */
