/* SPDX-License-Identifier: MIT */
/*
 * iamwatch.h - the public API of libiamwatch: this umbrella includes every
 * part (the headers in include/iamwatch/), and states the rules they all follow.
 *
 * libiamwatch evaluates Amazon CloudWatch Logs metric filter patterns, metric
 * filters, metric alarms and composite alarms offline, with CloudWatch's
 * semantics (see docs/semantics.md for every point where a reading was chosen).
 *
 * Global rules, stated once:
 *
 *  - Ownership. `iamw_X **out` constructors give the caller an object that it
 *    frees with `iamw_X_free()`; on failure `*out` is set to NULL. Every
 *    `_free` accepts NULL. Pointers returned as values are borrowed: they live
 *    as long as the object they came from, or "until the next call on that
 *    object" where a function says so. Buffers the library allocates for the
 *    caller (dumps, rendered JSON, saved state) are released with iamw_free()
 *    and nothing else. `const struct cJSON *` arguments are borrowed for the
 *    duration of the call only.
 *
 *  - Errors. Fallible functions return 0 (IAMW_OK) or a negative iamw_status.
 *    Queries return 1 (found / matched), 0 (not) or a negative iamw_status.
 *    Functions that parse text take a caller-allocated `iamw_error *err`
 *    (may be NULL) that receives the code, the byte offset into the parsed
 *    text and a message. There is no global or thread-local "last error".
 *
 *  - Threads. The library has no mutable global state. Compiled objects
 *    (iamw_pattern) are immutable and may be used from any number of threads
 *    at once. Scratch objects (iamw_match) belong to one thread at a time.
 *
 *  - Time. The library never reads the clock; every time is a parameter.
 */
#ifndef IAMWATCH_H
#define IAMWATCH_H

#include "iamwatch/common.h"  /* version, memory, status codes, iamw_error */
#include "iamwatch/pattern.h" /* filter patterns */
#include "iamwatch/metrics.h" /* metric filters, alarm enumerations, aggregation */
#include "iamwatch/engine.h"  /* filters -> metrics -> alarms -> notifications */
#include "iamwatch/packs.h"   /* built-in rule packs */
#include "iamwatch/lint.h"    /* CloudTrail knowledge, the pattern and rules linter */
#include "iamwatch/coverage.h" /* CIS coverage of a set of rules */
#include "iamwatch/records.h" /* CloudTrail records out of files and streams, replayed */

#endif /* IAMWATCH_H */
