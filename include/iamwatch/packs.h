/* SPDX-License-Identifier: MIT */
/*
 * iamwatch/packs.h - the rule packs built into the library: "iam-changes"
 * (every IAM configuration change, IAM policy changes, IAM credential
 * changes) and the CIS AWS Foundations Benchmark monitoring controls of each
 * version, "cis@1.2" ... "cis@7.0", where "cis" names the newest. A pack is
 * a rules document ({"metricFilters":[...], "metricAlarms":[...],
 * "compositeAlarms":[...]}) as iamw_engine_load_rules() reads it; CIS packs
 * also carry "version" and "controls" (each with "id", "title" and the
 * "referencePatterns" the benchmark gives). Include <iamwatch.h>, which
 * states the rules on ownership, errors, threads and time.
 */
#ifndef IAMWATCH_PACKS_H
#define IAMWATCH_PACKS_H

#include <stddef.h>

#include "iamwatch/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The number of built-in packs.
 * Thread-safety: safe from any thread (packs are constant data).
 */
IAMW_API size_t iamw_pack_count(void);

/**
 * The canonical name of pack i ("iam-changes", "cis@1.2", ...), in a stable
 * order (CIS versions ascending), or NULL when i is out of range.
 * Ownership: static storage. Thread-safety: safe from any thread.
 */
IAMW_API const char *iamw_pack_name(size_t i);

/**
 * The canonical name a pack name selects ("cis" -> "cis@7.0"), or NULL for
 * a name that is no built-in pack.
 * Ownership: static storage. Thread-safety: safe from any thread.
 */
IAMW_API const char *iamw_pack_resolve(const char *name);

/**
 * A built-in pack's rules document.
 * @param[in]  name a pack name, canonical or an alias ("cis")
 * @param[out] data the JSON text (NUL-terminated; may be NULL)
 * @param[out] len  its length in bytes (may be NULL)
 * @return 1 found, 0 no such pack
 * Ownership: static storage, never freed. Thread-safety: safe from any thread.
 */
IAMW_API int iamw_pack_get(const char *name, const char **data, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* IAMWATCH_PACKS_H */
