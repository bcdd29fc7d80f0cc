/* SPDX-License-Identifier: MIT */
/*
 * metric_filter.h - a metric filter: a compiled pattern plus its one metric
 * transformation (PutMetricFilter). Immutable once built.
 */
#ifndef IAMW_METRIC_FILTER_H
#define IAMW_METRIC_FILTER_H

#include <cjson/cJSON.h>

#include "lang/ast.h"
#include "common/account.h"
#include "match/eval.h"
#include "metrics/dimension.h"

#define IAMW__MF_MAX_DIMENSIONS 3

typedef enum iamw__ref_kind {
	IAMW__REF_CONSTANT,  /* a number (metricValue) or literal text (dimension) */
	IAMW__REF_SELECTOR,  /* $.a.b[0] against the JSON event */
	IAMW__REF_FIELD,     /* $name / $N from a space-delimited match */
	IAMW__REF_ACCOUNT,   /* @aws.account (emitSystemFieldDimensions) */
	IAMW__REF_REGION     /* @aws.region */
} iamw__ref_kind;

typedef struct iamw__ref {
	iamw__ref_kind kind;
	double number;               /* CONSTANT metricValue */
	const char *text;            /* CONSTANT dimension text, or FIELD name with '$' */
	const iamw__selector *sel;   /* SELECTOR */
} iamw__ref;

struct iamw_metric_filter {
	char *filter_name;
	char *log_group_name; /* may be NULL */
	iamw_pattern *pattern;
	char *metric_name;
	char *metric_namespace;
	char *metric_value_text;
	iamw__ref value;
	int has_default_value;
	double default_value;
	char *unit; /* NULL = None */
	size_t n_dimensions;
	char *dimension_names[IAMW__MF_MAX_DIMENSIONS];
	char *dimension_texts[IAMW__MF_MAX_DIMENSIONS];
	iamw__ref dimensions[IAMW__MF_MAX_DIMENSIONS];
};

/* Why a matching event produced no data point. */
typedef enum iamw__mf_skip {
	IAMW__MF_POINT = 0,
	IAMW__MF_SKIP_VALUE_MISSING,
	IAMW__MF_SKIP_VALUE_NOT_NUMBER,
	IAMW__MF_SKIP_DIMENSION_MISSING
} iamw__mf_skip;

typedef struct iamw__mf_result {
	iamw__mf_skip skip;
	double value;
	iamw__dimension dims[IAMW__MF_MAX_DIMENSIONS]; /* values borrowed until the next call */
	size_t n_dims;
	char textbuf[IAMW__MF_MAX_DIMENSIONS][64];     /* number renderings */
} iamw__mf_result;

int iamw__metric_filter_from_cjson(iamw_metric_filter **out, const cJSON *obj, iamw_error *err);

/* Apply to one event: 1 matched (out says whether a data point results),
 * 0 no match, <0 error. tree may be NULL (not JSON); raw is required. */
int iamw__metric_filter_apply(const iamw_metric_filter *f, const cJSON *tree, const char *raw,
                              size_t raw_len, const iamw__account *acct, iamw_match *m,
                              iamw__mf_result *out);

#endif /* IAMW_METRIC_FILTER_H */
