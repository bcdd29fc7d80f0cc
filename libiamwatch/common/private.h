/* SPDX-License-Identifier: MIT */
/*
 * iamw-private.h - declarations shared between the library's source files.
 * Nothing here is exported: the shared library's version script only lets
 * iamw_* symbols out, and internal helpers use the iamw__ prefix.
 */
#ifndef IAMW_PRIVATE_H
#define IAMW_PRIVATE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "iamwatch.h"

#if defined(__GNUC__)
#define IAMW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define IAMW_PRINTF(a, b)
#endif

/* Pattern length limit: PutMetricFilter's filterPattern is 0..1024. */
#define IAMW_MAX_PATTERN_LEN 1024
/* Parenthesis nesting limit. A 1024-byte pattern could nest ~500 deep; the
 * recursive-descent parser must not let input choose its stack depth, and no
 * real pattern nests beyond a handful of levels. */
#define IAMW_MAX_DEPTH 64
/* CloudWatch quotas (filter-patterns.md R-6, J-10). */
#define IAMW_MAX_REGEX_PER_PATTERN 2
#define IAMW_MAX_WILDCARD_SELECTORS 3

/* ---------------------------------------------------------------- alloc */
void *iamw__malloc(size_t n);
void *iamw__calloc(size_t n, size_t size);
void *iamw__realloc(void *p, size_t n);
void iamw__free(void *p);
char *iamw__strndup(const char *s, size_t n);
#ifdef IAMW_FAULT_INJECTION
/* Fault-injection builds only (tests/test-oom.c): the n-th allocation from
 * now on this thread fails (n <= 0 disarms); whether one failed since; and
 * the countdown step itself, for cJSON hooks a test installs (1 = fail). */
void iamw__fault_arm(long n);
int iamw__fault_fired(void);
int iamw__fault_next(void);
#endif

/* ---------------------------------------------------------------- errors */
/* Fill err (if not NULL) and return code. */
int iamw__error_set(iamw_error *err, int code, size_t offset, size_t length, const char *source,
                    const char *fmt, ...) IAMW_PRINTF(6, 7);
void iamw__error_clear(iamw_error *err);

/* ---------------------------------------------------------------- buffer */
/* A growable string. On allocation failure `oom` is set and later appends are
 * ignored, so builders check once at the end. data is always NUL-terminated
 * once anything was appended. */
typedef struct iamw__buf {
	char *data;
	size_t len;
	size_t cap;
	int oom;
} iamw__buf;

void iamw__buf_init(iamw__buf *b);
void iamw__buf_free(iamw__buf *b);
void iamw__buf_reset(iamw__buf *b); /* len = 0, keeps memory */
void iamw__buf_add(iamw__buf *b, const char *s, size_t n);
void iamw__buf_adds(iamw__buf *b, const char *s);
void iamw__buf_addc(iamw__buf *b, char c);
void iamw__buf_addf(iamw__buf *b, const char *fmt, ...) IAMW_PRINTF(2, 3);
/* Append s as a JSON string literal (quotes and escapes added). */
void iamw__buf_add_json_string(iamw__buf *b, const char *s, size_t n);
/* The same for text that may hold invalid UTF-8 (log messages, records):
 * each byte that is not part of a valid UTF-8 sequence becomes \ufffd, so
 * the output is always valid JSON. */
void iamw__buf_add_json_text(iamw__buf *b, const char *s, size_t n);
/* Length of the valid UTF-8 sequence at s[0..n) (1..4), or 0 if invalid. */
size_t iamw__utf8_sequence(const unsigned char *s, size_t n);
/* Hand the data to the caller (iamw_free), leaving b empty. Returns IAMW_OK
 * or IAMW_ENOMEM (then b is freed). */
int iamw__buf_steal(iamw__buf *b, char **out, size_t *out_len);

/* ---------------------------------------------------------------- numbers */
/* Parse a number in the filter pattern grammar: sign? digits (. digits)?
 * ([eE] sign? digits)?  over exactly n bytes. Locale-independent.
 * Returns 1 and sets *out on success, 0 if the text is not such a number. */
int iamw__parse_number(const char *s, size_t n, double *out);
/* Parse any decimal floating text strtod would accept in the C locale
 * (used for metric values extracted from events), over exactly n bytes,
 * allowing surrounding blanks. Returns 1 on success. */
int iamw__parse_double_c(const char *s, size_t n, double *out);
/* Java Double.toString() rendering ("1.0", "0.0666851903306472", "1.0E7"),
 * as CloudWatch prints values and thresholds. Returns bytes written (< size). */
size_t iamw__fmt_java_double(double v, char *buf, size_t size);
/* Shortest round-trip rendering without a forced ".0" ("404", "0.001",
 * "1e+21"): the text a JSON number compares as. */
size_t iamw__fmt_shortest(double v, char *buf, size_t size);

/* ---------------------------------------------------------------- time */
/* "2024-07-16T13:13:00.000+0000" (CloudWatch StateReasonData / SNS). */
size_t iamw__fmt_time_cw(int64_t ms, char *buf, size_t size);
/* "26/11/24 10:05:00" (StateReason datapoint stamps). */
size_t iamw__fmt_time_reason(int64_t ms, char *buf, size_t size);
/* "2019-10-02T17:04:40Z" (EventBridge top-level time, CloudTrail eventTime). */
size_t iamw__fmt_time_iso_s(int64_t ms, char *buf, size_t size);
/* "Friday 22 July, 2022 15:57:45 UTC" (composite alarm reasons). */
size_t iamw__fmt_time_long(int64_t ms, char *buf, size_t size);
/* Parse an ISO 8601 UTC timestamp: YYYY-MM-DDTHH:MM:SS[.fff][Z|+0000|+00:00].
 * Returns 1 and *out_ms on success. */
int iamw__parse_time_iso(const char *s, size_t n, int64_t *out_ms);

#endif /* IAMW_PRIVATE_H */
