/* SPDX-License-Identifier: MIT */
/*
 * iamwatch/common.h - what every part of the API shares: the export macro,
 * length and offset sentinels, the version, memory release, status codes and
 * the error record. Include <iamwatch.h>, which states the rules on
 * ownership, errors, threads and time once for every header.
 */
#ifndef IAMWATCH_COMMON_H
#define IAMWATCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define IAMW_API __declspec(dllexport)
#elif defined(__GNUC__)
#define IAMW_API __attribute__((visibility("default")))
#else
#define IAMW_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Pass as a length to mean "the string is NUL-terminated". */
#define IAMW_NUL_TERMINATED ((size_t)-1)
/** An error offset that does not point at any byte of the input. */
#define IAMW_NO_OFFSET ((size_t)-1)

/* ------------------------------------------------------------------------ */
/* Version and memory                                                       */
/* ------------------------------------------------------------------------ */

#define IAMW_VERSION_MAJOR 0
#define IAMW_VERSION_MINOR 1
#define IAMW_VERSION_PATCH 0

/**
 * The version of the loaded library as (major << 16) | (minor << 8) | patch.
 * Bindings compare it with the version they were written for.
 * Thread-safety: safe from any thread.
 */
IAMW_API unsigned iamw_version(void);

/**
 * The version of the loaded library as a static string, e.g. "0.1.0".
 * Ownership: static storage, never freed. Thread-safety: safe from any thread.
 */
IAMW_API const char *iamw_version_string(void);

/**
 * Release a buffer that the library allocated for the caller.
 * @param[in] ptr buffer from iamw_pattern_dump() and friends; NULL is a no-op.
 * Ownership: takes ownership of ptr. Thread-safety: safe from any thread.
 */
IAMW_API void iamw_free(void *ptr);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/** Result codes. Values are pinned: new codes are only appended. */
typedef enum iamw_status {
	IAMW_OK = 0,
	IAMW_ENOMEM = -1,        /**< out of memory */
	IAMW_EINVAL = -2,        /**< misuse: NULL handle, bad enum, bad option */
	IAMW_ESYNTAX = -3,       /**< pattern or definition text did not parse */
	IAMW_ETOOLONG = -4,      /**< pattern longer than 1024 bytes */
	IAMW_EDEPTH = -5,        /**< parentheses nested deeper than the limit */
	IAMW_EWILDCARDS = -6,    /**< more than 3 wildcard selectors in a pattern */
	IAMW_ESELWILDCARD = -7,  /**< more than 1 wildcard in one property selector */
	IAMW_EREGEX = -8,        /**< invalid regular expression */
	IAMW_EREGEXCOUNT = -9,   /**< more than 2 regular expressions in a pattern */
	IAMW_EUNSUPPORTED = -10, /**< a construct CloudWatch documents as unsupported */
	IAMW_EJSON = -11,        /**< input needed to be JSON (of a given shape) and was not */
	IAMW_ENOTFOUND = -12,    /**< unknown name (alarm, metric, extracted value) */
	IAMW_EEXISTS = -13,      /**< name already in use */
	IAMW_ESTATE = -14,       /**< saved state corrupt or of an unknown version */
	IAMW_EBUSY = -15,        /**< re-entrant call from a callback */
	IAMW_ELIMIT = -16,       /**< a size or count limit other than the above */
	IAMW_EVALIDATION = -17   /**< a definition violates a PutMetricFilter/PutMetricAlarm rule */
} iamw_status;

/**
 * Static English text for a status code; never NULL (unknown codes get
 * "unknown error").
 * Ownership: static storage. Thread-safety: safe from any thread.
 */
IAMW_API const char *iamw_strerror(int code);

/**
 * Short stable name of a status code ("ESYNTAX", "ETOOLONG", ...); never NULL.
 * Ownership: static storage. Thread-safety: safe from any thread.
 */
IAMW_API const char *iamw_status_name(int code);

#define IAMW_ERROR_TEXT_LEN 160
#define IAMW_ERROR_SOURCE_LEN 64

/**
 * Details of a failure, filled by functions that parse text. Caller-allocated;
 * on success the function sets code = IAMW_OK and offset = IAMW_NO_OFFSET.
 */
typedef struct iamw_error {
	int code;     /**< IAMW_OK or a negative iamw_status */
	size_t offset; /**< byte offset into the text named by `source`, or IAMW_NO_OFFSET */
	size_t length; /**< bytes of the offending token; 0 if unknown */
	char source[IAMW_ERROR_SOURCE_LEN]; /**< which input: "pattern", "rule", ... */
	char text[IAMW_ERROR_TEXT_LEN];     /**< NUL-terminated message, no newline */
} iamw_error;

/**
 * Render an error as "<source>:<offset>: <text>" followed by the input line
 * and a caret line pointing at the offset (when the offset applies).
 * @param[in] err   the error
 * @param[in] input the text that was parsed (may be NULL: no excerpt)
 * @param[in] len   its length, or IAMW_NUL_TERMINATED
 * @param[out] buf  destination (may be NULL when size is 0)
 * @param[in] size  size of buf
 * @return the number of bytes the full rendering needs, excluding the NUL
 *         (like snprintf); the output is truncated and NUL-terminated.
 * Ownership: writes into the caller's buffer. Thread-safety: reentrant.
 */
IAMW_API size_t iamw_error_format(const iamw_error *err, const char *input, size_t len, char *buf,
                                  size_t size);

#ifdef __cplusplus
}
#endif

#endif /* IAMWATCH_COMMON_H */
