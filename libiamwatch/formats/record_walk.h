/* SPDX-License-Identifier: MIT */
/*
 * record_walk.h - what one complete text holds (formats/record_walk.c): an
 * NDJSON line or one top-level value of a document, walked into CloudTrail
 * records and problems. The stream around it (detection, lines, limits) is
 * formats/records.c.
 */
#ifndef IAMW_RECORD_WALK_H
#define IAMW_RECORD_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "common/private.h"
#include "formats/json_skip.h"

/* Containers nested inside one text (a Records document inside a JSON
 * array inside a ...): four, one frame each. */
#define IAMW__WALK_MAX_FRAMES 4

typedef struct iamw__walk_frame {
	size_t pos; /* next unread byte */
	int kind;
	int started; /* an element was read, so a ',' must come next */
	uint64_t index;
	int has_pending; /* the enclosing text is known to be malformed at pending */
	iamw__jerr pending;
} iamw__walk_frame;

typedef struct iamw__walk {
	/* Set by the caller. Callbacks return 0 to go on; anything else stops
	 * the walk and is returned by iamw__walk_text(). */
	int (*on_record)(void *ctx, const iamw_record *rec);
	int (*on_problem)(void *ctx, const iamw_record_problem *p);
	void *ctx;
	iamw__jstack *stack; /* the skipper's nesting stack (kept by the caller) */
	char **scratch;      /* unescaped CloudWatch Logs messages (kept by the caller) */
	size_t *scratch_cap;
	uint64_t *value_no; /* top-level values seen in the stream */
	size_t max_bytes;   /* for messages */
	const char *s;      /* the text */
	size_t n;
	uint64_t offset; /* stream position of s[0] */
	uint64_t line;
	uint64_t column;
	int line_mode;         /* the text is an NDJSON line: the value must fill it, and a
	                          syntax error loses the rest of the line, not of the stream */
	int cut;               /* the text is the first max_bytes bytes of a longer value */
	const char *cause;     /* the stream's source failed right after the text, */
	uint64_t cause_offset; /* which ended at this stream offset */

	/* Results. */
	int lost;           /* a syntax error lost the rest of the text (and of the
	                       stream, in a document) */
	int cause_reported; /* the truncation was reported as `cause` */

	/* Private. */
	size_t cur_pos; /* line lookups: a cursor, positions mostly increase */
	uint64_t cur_line;
	iamw__walk_frame frames[IAMW__WALK_MAX_FRAMES];
	size_t n_frames;
} iamw__walk;

/* For format detection: 1 when the object at s[p] == '{', valid or not,
 * has begun a "Records", "events" or "logEvents" member within s[0..n),
 * else 0; or IAMW_ENOMEM. */
int iamw__walk_opens_container(iamw__jstack *st, const char *s, size_t n, size_t p);

/* Walk the text from its first non-blank byte at pos. Returns 0, the value
 * a callback stopped with, or IAMW_ENOMEM. */
int iamw__walk_text(iamw__walk *w, size_t pos);

#endif /* IAMW_RECORD_WALK_H */
