/* SPDX-License-Identifier: MIT */
/*
 * dimension.h - a metric dimension (name and value), owned by whatever holds
 * it: aggregator keys, metric filter outputs and alarm definitions.
 */
#ifndef IAMW_METRICS_DIMENSION_H
#define IAMW_METRICS_DIMENSION_H

typedef struct iamw__dimension {
	char *name;
	char *value;
} iamw__dimension;

#endif /* IAMW_METRICS_DIMENSION_H */
