/* SPDX-License-Identifier: MIT */
/*
 * aggregator_api.h - the public aggregator handle: a wrapper around the
 * internal aggregator, so the engine can hand out a read-only view of its own.
 */
#ifndef IAMW_AGGREGATOR_API_H
#define IAMW_AGGREGATOR_API_H

#include "metrics/aggregator.h"

struct iamw_aggregator {
	iamw__aggregator *impl;
	int owned; /* 0: a view of an engine's aggregator */
};

#endif
