/* SPDX-License-Identifier: MIT */
/*
 * projection.h - partial parsing of JSON events (docs/performance.md).
 *
 * A JSON pattern whose every selector starts with a property name ($.a...,
 * not $.* or $[0]) only ever looks at a few members of the event.
 * Projection copies the first occurrence of each of those members into a
 * small object text that is parsed and evaluated instead of the whole
 * event: {"a":<value as written>,...}, and for a path of names such as
 * $.a.b.c, only the members along it ({"a":{"b":{"c":<as written>}}}; a
 * value that is not an object is copied as written).
 *
 * "No match" on the projected object is final; "match" is final only when
 * the whole event passes a strict check that cJSON certainly accepts it
 * (json_check.h), and is confirmed on the full parse otherwise. That keeps it exact without
 * having to reproduce cJSON's acceptance of malformed text:
 *  - for text cJSON accepts, the projected members are byte-identical
 *    copies of the subtrees the full evaluation would reach (first
 *    occurrence wins, as in cJSON's lookup), so both evaluations agree;
 *  - for text cJSON refuses, the full evaluation cannot match anyway.
 * Keys holding a backslash or a control byte are not compared (escapes can
 * spell any name): such events are not projected.
 */
#ifndef IAMW_PROJECTION_H
#define IAMW_PROJECTION_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "lang/ast.h"

/* Most names one scan looks for (compared against every top-level key). */
#define IAMW__PROJECTION_MAX_NAMES 64

struct iamw__plevel;

/* A member name to look for. Its value is copied as written when whole is
 * set or sub is NULL; otherwise, when it is an object, only the members
 * named in sub are copied (recursively), e.g. {"userIdentity":{"type":..}}
 * for $.userIdentity.type. */
typedef struct iamw__pname {
	const char *s;
	size_t len;
	int whole;
	struct iamw__plevel *sub;
} iamw__pname;

typedef struct iamw__plevel {
	iamw__pname *names;
	size_t n, cap;
} iamw__plevel;

/* Where a member's value was found in the event (len 0: absent). */
typedef struct iamw__pspan {
	size_t off;
	size_t len;
} iamw__pspan;

typedef struct iamw__projection {
	iamw__pname *names; /* distinct, borrowed from the pattern's arena */
	size_t n;
} iamw__projection;

/* The projection of a compiled pattern: NULL (and IAMW_OK) when the
 * pattern is not a JSON pattern or some selector does not start with a
 * property name. Returns IAMW_OK or IAMW_ENOMEM. The names borrow from the
 * pattern, which must outlive the projection. */
int iamw__projection_build(iamw__projection **out, const iamw_pattern *p);
void iamw__projection_free(iamw__projection *pr);

/* Add the names of pr (if not NULL) and of extra (may be NULL) to the
 * growable set (names, n, cap), without duplicates. IAMW_OK or IAMW_ENOMEM. */
int iamw__projection_merge(iamw__pname **names, size_t *n, size_t *cap, const iamw__projection *pr,
                           const char *extra);

/* Scan the object in text[0..len) for the first member named names[i]
 * (for every i), and write {"name":value,...} with the members found into
 * out[0..cap). spans (k entries, may be NULL) receive where each value
 * lies in text. Names with a sub-list are projected into (see
 * iamw__pname). Returns 1 when projected (*out_len set), 0 when the text
 * cannot be projected: not an object, a raw NUL byte anywhere, a key with
 * an escape or a control byte, broken structure, or a projection longer
 * than cap (len + 2 always suffices). */
int iamw__project(const char *text, size_t len, const iamw__pname *names, size_t k, char *out,
                  size_t cap, size_t *out_len, iamw__pspan *spans);

/* iamw__project over the names whose bit is set in want (at most 64 names):
 * the engine projects only what its remaining candidates read. */
int iamw__project_masked(const char *text, size_t len, const iamw__pname *names, size_t k,
                         uint64_t want, char *out, size_t cap, size_t *out_len,
                         iamw__pspan *spans);

/* The first top-level member called name, found by the same scan: 1 with
 * *span set, 0 when absent or the text cannot be projected. */
int iamw__project_member(const char *text, size_t len, const char *name, iamw__pspan *span);


/*
 * One projection for every filter of an engine: the union of their names
 * (at most IAMW__PROJECTION_MAX_NAMES), scanned once per event. Patterns
 * are borrowed and must outlive the set; the set is immutable.
 */
typedef struct iamw__projection_set {
	iamw__pname *names;
	size_t n_names;
	const iamw_pattern **patterns; /* NULL where a pattern has no projection */
	uint64_t *masks;               /* per pattern: the names it reads (bits) */
	size_t names_cap;
	size_t n_patterns;
	long extra_index; /* index of the extra name in names, or -1 */
} iamw__projection_set;

/* *out is NULL (IAMW_OK) when no pattern can be projected or the names are
 * too many. extra (may be NULL) is one more member to locate, such as
 * "eventTime". IAMW_OK or IAMW_ENOMEM. */
int iamw__projection_set_build(iamw__projection_set **out, const iamw_pattern *const *patterns,
                               size_t n, const char *extra);
void iamw__projection_set_free(iamw__projection_set *s);

/* Also copy, for pattern i, the members that the selectors sels[0..k) read
 * (a metric filter's value and dimensions), so that they resolve on the
 * projection as on the event. Returns 1 when they were added, 0 when some
 * selector does not start with a property name, pattern i has no
 * projection, or the names would be too many (the set is then unchanged),
 * or IAMW_ENOMEM. */
int iamw__projection_set_add_paths(iamw__projection_set *s, size_t i,
                                   const iamw__selector *const *sels, size_t k);


#endif /* IAMW_PROJECTION_H */
