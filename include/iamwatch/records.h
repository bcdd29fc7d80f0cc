/* SPDX-License-Identifier: MIT */
/*
 * iamwatch/records.h - CloudTrail records out of whatever they were stored
 * in: a push decoder that is fed bytes (already decompressed: gzip stays
 * with the caller) and hands out each record with its position, and the
 * glue that replays records through an engine.
 *
 * The layout is detected from the content, never from a name: CloudTrail S3
 * delivery files {"Records":[...]} (pretty-printed or on one line), NDJSON
 * (one record per line), concatenated JSON values, JSON arrays of records,
 * CloudWatch Logs exports (`aws logs filter-log-events` output
 * {"events":[{"message":"<record as a string>","timestamp":...}]}),
 * CloudWatch Logs subscription messages ({"messageType":"DATA_MESSAGE",
 * "logEvents":[...]}; a CONTROL_MESSAGE carries no records), single log
 * events {"message":...,"timestamp":...}, and EventBridge "AWS API Call via
 * CloudTrail" events (the record is their "detail", also inside a log
 * message); a leading UTF-8 byte order mark is skipped.
 *
 * Detection, from the first non-blank byte of a stream: '[' is a document;
 * '{' is NDJSON when the first line holds one complete value (and no second
 * value starts on it), or when the value continues on the next line without
 * having opened "Records", "events" or "logEvents" while that next line is a
 * complete object by itself (an NDJSON file whose first line is broken);
 * otherwise a document. A stream starting with anything else is NDJSON if
 * its next non-blank line starts with '{', and "not JSON objects" else.
 * NDJSON is decoded line by line, each complete line during the feed that
 * completes it; a document is decoded top-level value by top-level value,
 * each as soon as it is complete. Results never depend on how the bytes are
 * split into feeds.
 *
 * Records are handed out as their exact bytes in the input (no parse and
 * re-serialisation), so that an engine matches what was logged; only records
 * inside CloudWatch Logs messages, which are JSON strings holding JSON, are
 * unescaped. Nothing is dropped silently: every malformed line, value of the
 * wrong shape or truncated document is a problem with its position, and
 * everything valid around it still comes out.
 *
 * Part of the public API; include <iamwatch.h>, which states the rules on
 * ownership, errors, threads and time once for every header.
 */
#ifndef IAMWATCH_RECORDS_H
#define IAMWATCH_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "iamwatch/common.h"
#include "iamwatch/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* The decoder                                                              */
/* ------------------------------------------------------------------------ */

/** A push decoder of CloudTrail records. Mutable: one thread at a time. */
typedef struct iamw_decoder iamw_decoder;

/** The innermost container a record came from. */
typedef enum iamw_record_container {
	/** A top-level value: an NDJSON line, one of concatenated values, a
	 *  single CloudWatch Logs event or EventBridge event. */
	IAMW_CONTAINER_NONE = 0,
	/** An element of a CloudTrail "Records" array (S3 delivery file). */
	IAMW_CONTAINER_RECORDS = 1,
	/** An element of a top-level JSON array. */
	IAMW_CONTAINER_ARRAY = 2,
	/** An element of "events" (`aws logs filter-log-events` output). */
	IAMW_CONTAINER_EVENTS = 3,
	/** An element of "logEvents" (CloudWatch Logs subscription message). */
	IAMW_CONTAINER_LOG_EVENTS = 4
} iamw_record_container;

/** iamw_record flags. */
enum {
	/** The record was the "message" string of a CloudWatch Logs event and
	 *  was unescaped: json is not a span of the input bytes. */
	IAMW_RECORD_LOG_MESSAGE = 1u << 0,
	/** The record was the "detail" of an EventBridge "AWS API Call via
	 *  CloudTrail" event. */
	IAMW_RECORD_EVENTBRIDGE = 1u << 1
};

/** One CloudTrail record, valid only during the record callback. */
typedef struct iamw_record {
	const char *json;         /**< the record's JSON text (an object); not NUL-terminated */
	size_t len;               /**< its length in bytes */
	uint64_t line;            /**< 1-based line of the record's first byte in the stream
	                               (of the "message" string for IAMW_RECORD_LOG_MESSAGE) */
	uint64_t index;           /**< 0-based element number in its Records / events /
	                               logEvents / array; for IAMW_CONTAINER_NONE the 0-based
	                               number of the top-level value (NDJSON line) in the stream */
	uint64_t offset;          /**< byte offset of that first byte in the stream */
	int64_t log_timestamp_ms; /**< the CloudWatch Logs event "timestamp" when the
	                               format carries one, else IAMW_NO_TIME */
	iamw_record_container container; /**< where it came from */
	uint32_t flags;                  /**< IAMW_RECORD_* */
} iamw_record;

/** Something that could not be decoded, valid only during the problem callback. */
typedef struct iamw_record_problem {
	/** IAMW_EJSON: not JSON, or JSON of a shape that holds no record;
	 *  IAMW_ELIMIT: a line or value over max_bytes, containers nested too
	 *  deeply; from iamw_engine_ingest_bytes(), also the engine's refusal of
	 *  a record (see `record`). */
	int code;
	/** 1 when records may have been lost: the rest of the line or of the
	 *  stream after this point could not be read (a syntax error inside a
	 *  container of records, a truncated document, a value over max_bytes,
	 *  iamw_decoder_fail()). 0 when exactly the line, value or element named
	 *  was skipped, or the stream is not JSON at all. */
	int fatal;
	uint64_t line;       /**< 1-based line; 0 when the problem concerns the stream as a
	                          whole (iamw_decoder_fail()) */
	uint64_t column;     /**< 1-based byte column in that line (a byte order mark not
	                          counted); 0 when the problem concerns the whole line */
	uint64_t offset;     /**< byte offset in the stream where the problem was found */
	const char *message; /**< NUL-terminated English text, no newline; positions
	                          inside it ("at column N") repeat line and column */
	/** The record the engine refused (iamw_engine_ingest_bytes() only), else NULL. */
	const iamw_record *record;
} iamw_record_problem;

/**
 * Callback receiving each record in stream order.
 * @return 0 to go on; nonzero stops the feed, which returns that value.
 */
typedef int (*iamw_record_cb)(const iamw_record *rec, void *payload);

/**
 * Callback receiving each problem, in stream order with the records.
 * @return 0 to go on; nonzero stops the feed, which returns that value.
 */
typedef int (*iamw_problem_cb)(const iamw_record_problem *problem, void *payload);

typedef struct iamw_decoder_options {
	unsigned version; /**< IAMW_DECODER_OPTIONS_VERSION */
	/** The largest line or top-level value held in memory; 0 = 512 MiB. A
	 *  longer NDJSON line is skipped (and reported) without being held; of a
	 *  longer document value the records in its first max_bytes bytes come
	 *  out, and the rest of the stream is skipped (and reported). */
	size_t max_bytes;
} iamw_decoder_options;

/** The current options version. */
#define IAMW_DECODER_OPTIONS_VERSION 1
/** The default max_bytes: 512 MiB. */
#define IAMW_DECODER_DEFAULT_MAX_BYTES ((size_t)512 << 20)

/**
 * Fill opts with the defaults for the given options version (1; for FFI,
 * which cannot expand macros).
 * @return IAMW_OK, or IAMW_EINVAL for a NULL opts or an unknown version
 * Ownership: writes into the caller's struct. Thread-safety: reentrant.
 */
IAMW_API int iamw_decoder_options_init(iamw_decoder_options *opts, unsigned version);

/**
 * Create a decoder, ready for the first stream.
 * @param[out] out  the decoder
 * @param[in]  opts NULL for the defaults
 * @return IAMW_OK, IAMW_EINVAL (NULL out, unknown version), IAMW_ENOMEM
 * Ownership: the caller frees *out with iamw_decoder_free(); opts is borrowed.
 * Thread-safety: reentrant.
 */
IAMW_API int iamw_decoder_new(iamw_decoder **out, const iamw_decoder_options *opts);

/**
 * Free a decoder; NULL is a no-op. Not from inside one of its callbacks.
 * Ownership: takes ownership of decoder.
 * Thread-safety: one thread at a time per decoder.
 */
IAMW_API void iamw_decoder_free(iamw_decoder *decoder);

/**
 * Set the callbacks (either may be NULL: records or problems are then only
 * counted) and the payload passed to both.
 * @return IAMW_OK, IAMW_EINVAL for a NULL decoder, IAMW_EBUSY from a callback
 * Ownership: payload is borrowed for as long as it is set.
 * Thread-safety: one thread at a time per decoder.
 */
IAMW_API int iamw_decoder_set_callbacks(iamw_decoder *decoder, iamw_record_cb on_record,
                                        iamw_problem_cb on_problem, void *payload);

/**
 * Feed the next bytes of the current stream. Every record and problem that
 * these bytes complete is delivered before the call returns; the bytes of
 * an incomplete line or value are copied and kept (at most max_bytes).
 * After a callback stopped a feed, or after IAMW_ENOMEM, the rest of the
 * stream is abandoned: later feeds return IAMW_EINVAL until
 * iamw_decoder_finish().
 * @param[in] buf bytes (any content; NUL bytes included); may be NULL when len is 0
 * @return IAMW_OK, the nonzero value a callback returned, IAMW_ENOMEM,
 *         IAMW_EINVAL (NULL decoder or buffer, an abandoned stream), IAMW_EBUSY
 *         (from one of this decoder's callbacks)
 * Ownership: buf is borrowed for the call; record and problem pointers live
 * during their callback only.
 * Thread-safety: one thread at a time per decoder.
 */
IAMW_API int iamw_decoder_feed(iamw_decoder *decoder, const void *buf, size_t len);

/**
 * End of the stream: decode what is held (a last line without a newline, a
 * document value still open), report a truncated document, and make the
 * decoder ready for a new stream (positions and value numbers start again;
 * the counters of iamw_decoder_get_stats() go on). An abandoned stream ends
 * without further callbacks.
 * @return IAMW_OK, the nonzero value a callback returned, IAMW_ENOMEM,
 *         IAMW_EINVAL, IAMW_EBUSY; the decoder is ready for a new stream in
 *         every case but IAMW_EINVAL and IAMW_EBUSY
 * Ownership: record and problem pointers live during their callback only.
 * Thread-safety: one thread at a time per decoder.
 */
IAMW_API int iamw_decoder_finish(iamw_decoder *decoder);

/**
 * End of a stream whose source failed (a truncated gzip file, a read
 * error): as iamw_decoder_finish(), except that an incomplete last line or
 * value is not reported as truncated: the records complete before the cut
 * come out, and then `cause` is reported once as a fatal problem (IAMW_EJSON)
 * concerning the stream as a whole (line 0).
 * @param[in] cause the message, e.g. "unexpected end of compressed data";
 *            NULL for "the input ended before its end"
 * @return as iamw_decoder_finish()
 * Ownership: cause is borrowed for the call.
 * Thread-safety: one thread at a time per decoder.
 */
IAMW_API int iamw_decoder_fail(iamw_decoder *decoder, const char *cause);

/** Decoder counters, over every stream since iamw_decoder_new(). */
typedef struct iamw_decoder_stats {
	uint64_t streams;  /**< streams ended (iamw_decoder_finish() / iamw_decoder_fail()) */
	uint64_t bytes;    /**< bytes fed */
	uint64_t records;  /**< records delivered */
	uint64_t problems; /**< problems delivered */
} iamw_decoder_stats;

/**
 * Read the counters.
 * @param[out] out the counters
 * @return IAMW_OK, or IAMW_EINVAL for a NULL argument
 * Ownership: writes into the caller's struct.
 * Thread-safety: one thread at a time per decoder.
 */
IAMW_API int iamw_decoder_get_stats(const iamw_decoder *decoder, iamw_decoder_stats *out);

/* ------------------------------------------------------------------------ */
/* Counting the records that match a pattern                                */
/* ------------------------------------------------------------------------ */

/** The payload of iamw_pattern_count_record(). */
typedef struct iamw_record_matches {
	const iamw_pattern *pattern; /**< the pattern (borrowed) */
	iamw_match *match;           /**< match scratch, or NULL */
	uint64_t records;            /**< records seen */
	uint64_t matched;            /**< records that matched */
	uint64_t too_large;          /**< records over the match object's event size limit
	                                  (IAMW_DEFAULT_MAX_EVENT_SIZE), not matched */
} iamw_record_matches;

/**
 * A ready-made iamw_record_cb: matches each record against
 * counter->pattern (as iamw_pattern_match_text()) and counts. Passed to
 * iamw_decoder_set_callbacks() with an iamw_record_matches as the payload, it
 * counts the matching records of a stream without a call per record into
 * the caller (bindings pass its address).
 * @param[in]     rec     the record
 * @param[in,out] counter an iamw_record_matches
 * @return 0 (the feed goes on), or IAMW_EINVAL (no pattern) / IAMW_ENOMEM,
 *         which stop the feed
 * Ownership: both borrowed for the call.
 * Thread-safety: one thread at a time per counter (and match object).
 */
IAMW_API int iamw_pattern_count_record(const iamw_record *rec, void *counter);

/* ------------------------------------------------------------------------ */
/* Replaying records through an engine                                      */
/* ------------------------------------------------------------------------ */

/**
 * Ingest one decoded record: its CloudWatch Logs timestamp when it carries
 * one, else IAMW_NO_TIME (the engine then reads eventTime, or refuses the
 * record). With IAMW_INGEST_ADVANCE the clock then moves to the latest event
 * time ingested minus the engine's replay_delay_ms (iamw_engine_options),
 * delivering the notifications that makes.
 * @param[in] flags 0 or IAMW_INGEST_ADVANCE
 * @return the number of metric filters that matched (>= 0); IAMW_EJSON (no
 *         usable time) or IAMW_ELIMIT (over 1 MB) when the engine refused the
 *         record, which changes nothing; or an error that stops a replay:
 *         IAMW_EINVAL, IAMW_ENOMEM, IAMW_EBUSY (from a callback)
 * Ownership: rec is borrowed for the call.
 * Thread-safety: one thread at a time per engine; from a callback: EBUSY.
 */
IAMW_API int iamw_engine_ingest_record(iamw_engine *engine, const iamw_record *rec, uint32_t flags);

/** What iamw_engine_ingest_bytes() did. */
typedef struct iamw_replay_report {
	uint64_t records;       /**< records decoded */
	uint64_t events;        /**< records ingested */
	uint64_t refused;       /**< records the engine refused (no time, over 1 MB) */
	uint64_t problems;      /**< problems of the input */
	uint64_t fatal;         /**< of those, fatal ones */
	uint64_t matches;       /**< metric filter matches, summed */
	uint64_t notifications; /**< notifications delivered (with IAMW_INGEST_ADVANCE) */
	/* The first refused record or problem of the input, in stream order. */
	int first_code;                          /**< its status; IAMW_OK when there was none */
	int first_fatal;                         /**< its fatal flag */
	uint64_t first_line;                     /**< its line (0: the stream as a whole) */
	uint64_t first_column;                   /**< its column (0: unknown) */
	char first_message[IAMW_ERROR_TEXT_LEN]; /**< its message, NUL-terminated */
} iamw_replay_report;

/**
 * Feed a block of a stream through a decoder into an engine, in one call
 * (bindings cross into C once per block, not per record): every record
 * decoded is ingested as by iamw_engine_ingest_record(). Records the engine
 * refuses are reported through the decoder's problem callback, with
 * `record` set and the message `iamwatch scan` prints ("not a CloudTrail
 * record with an eventTime", or the status text); problems of the input go
 * to that callback as usual. The decoder's record callback is not called.
 * @param[in] flags 0 or IAMW_INGEST_ADVANCE
 * @param[out] report what this call did (may be NULL); overwritten
 * @return IAMW_OK; a negative status that stopped the replay (IAMW_ENOMEM,
 *         IAMW_EBUSY, IAMW_EINVAL), or the nonzero value the problem
 *         callback returned; the decoder's stream is then abandoned as by a
 *         stopped iamw_decoder_feed()
 * Ownership: buf is borrowed for the call.
 * Thread-safety: one thread at a time per engine and decoder.
 */
IAMW_API int iamw_engine_ingest_bytes(iamw_engine *engine, iamw_decoder *decoder, const void *buf,
                                      size_t len, uint32_t flags, iamw_replay_report *report);

/**
 * End the decoder's stream into an engine: iamw_decoder_finish(), or
 * iamw_decoder_fail(cause) when cause is not NULL, with the records that
 * flushes ingested as by iamw_engine_ingest_bytes().
 * @param[in] flags 0 or IAMW_INGEST_ADVANCE
 * @param[in] cause NULL at the normal end of the stream, else why its source failed
 * @param[out] report what this call did (may be NULL); overwritten
 * @return as iamw_engine_ingest_bytes(); the decoder is ready for a new
 *         stream unless the result is IAMW_EINVAL or IAMW_EBUSY
 * Ownership: cause is borrowed for the call.
 * Thread-safety: one thread at a time per engine and decoder.
 */
IAMW_API int iamw_engine_ingest_finish(iamw_engine *engine, iamw_decoder *decoder, uint32_t flags,
                                       const char *cause, iamw_replay_report *report);

#ifdef __cplusplus
}
#endif

#endif /* IAMWATCH_RECORDS_H */
