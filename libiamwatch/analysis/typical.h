/* SPDX-License-Identifier: MIT */
/*
 * typical.h - a handful of CloudTrail records of the most common kinds, built
 * from scratch (no corpus needed), against which a pattern is "nearly
 * everything" when it matches them all.
 */
#ifndef IAMW_ANALYSIS_TYPICAL_H
#define IAMW_ANALYSIS_TYPICAL_H

#include <stddef.h>

#include "iamwatch.h"

/* The records: a read-only EC2 Describe, a successful ConsoleLogin, an S3
 * GetObject data event, an IAM ListUsers, an STS AssumeRole by a service and
 * a KMS Decrypt. */
size_t iamw__typical_count(void);
/* Record i as JSON text, and (when label is not NULL) what it is; NULL when
 * i is out of range. Static storage. */
const char *iamw__typical_record(size_t i, const char **label);
/* How many of the records p matches. Returns IAMW_OK or a negative status. */
int iamw__typical_matches(const iamw_pattern *p, iamw_match *m, size_t *matched);

#endif /* IAMW_ANALYSIS_TYPICAL_H */
