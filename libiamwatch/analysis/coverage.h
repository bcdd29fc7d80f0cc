/* SPDX-License-Identifier: MIT */
/*
 * coverage.h - the state of a coverage check (include/iamwatch/coverage.h)
 * shared by the check itself (coverage.c) and its JSON rendering
 * (coverage_json.c).
 */
#ifndef IAMW_ANALYSIS_COVERAGE_H
#define IAMW_ANALYSIS_COVERAGE_H

#include <cjson/cJSON.h>

#include "analysis/strset.h"

/* One rules file: its definitions as the engine parsed them, and the
 * normalised request texts they came from (to put into simulation
 * engines). */
typedef struct iamw__cov_source {
	char *origin;      /* "" when none was given */
	iamw_engine *defs; /* the file alone, loaded and validated */
	cJSON *doc;        /* the normalised rules document */
} iamw__cov_source;

/* The result of one control; pub points into the other members. */
typedef struct iamw__cov_result {
	iamw_coverage_control pub;
	iamw__strset reasons, notes, witnesses;
} iamw__cov_result;

struct iamw_coverage {
	char *benchmark; /* "cis@7.0" */
	char *version;   /* "7.0" */
	cJSON *pack;     /* the benchmark pack (its "controls") */
	const cJSON *controls;
	size_t n_controls;
	iamw_knowledge *k;
	iamw__cov_source *sources;
	size_t n_sources;
	iamw__cov_result *results; /* n_controls of them after a run, else NULL */
};

#endif /* IAMW_ANALYSIS_COVERAGE_H */
