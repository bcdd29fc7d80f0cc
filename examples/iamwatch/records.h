/* SPDX-License-Identifier: MIT */
/*
 * records.h - the input side of `iamwatch scan`: turns files, directories and
 * standard input into one stream of CloudTrail records, whatever shape they
 * were stored in (CloudTrail S3 delivery files, NDJSON, CloudWatch Logs
 * exports and subscription messages, EventBridge envelopes; plain or gzip).
 * The format is detected from each file's content, never from its name.
 *
 * Nothing is dropped silently: every malformed line, unreadable file or
 * record of the wrong shape comes back as a problem, and reading then goes on
 * with whatever follows it.
 */
#ifndef IAMWATCH_PROGRAM_RECORDS_H
#define IAMWATCH_PROGRAM_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <zlib.h>

/* One CloudTrail record. Every pointer stays valid until the next call to
 * record_reader_next() or record_reader_close(). */
typedef struct record {
	const char *json;             /* the record's exact JSON text (an object); not NUL-terminated */
	size_t len;
	const char *file;             /* path as given/walked; "<stdin>" for "-" */
	unsigned long long line;      /* 1-based line of the record's first byte in its file */
	unsigned long long index;     /* 0-based element number within its Records/events/
	                                 logEvents/JSON array; otherwise the 0-based number of
	                                 the top-level value (NDJSON line) within its file */
	int64_t log_timestamp_ms;     /* CloudWatch Logs event timestamp ... */
	int has_log_timestamp;        /* ... when the input carried one */
} record;

/* Something that could not be read. line is 0 when the problem concerns a
 * whole file (cannot open it, truncated gzip, too large). */
typedef struct record_problem {
	const char *file;
	unsigned long long line;
	int fatal; /* the rest of the file could not be read (scan exits 2) */
	char message[256];
} record_problem;

/* Private state below; only the counters and max_bytes are for callers. */
typedef struct rr_src {
	gzFile gz;
	char *buf;
	size_t cap;
	size_t start; /* first unconsumed byte */
	size_t end;   /* end of valid bytes */
	int eof;
	int err;       /* a read error ended the data; errmsg says which */
	char errmsg[160];
	unsigned long long line_no; /* lines consumed so far */
	unsigned long long total;   /* bytes read from this file */
} rr_src;

typedef struct rr_dir {
	char *path;
	char **names;
	size_t n, i;
	dev_t dev;
	ino_t ino;
} rr_dir;

typedef struct rr_frame {
	const char *buf;
	size_t pos;  /* next unread byte */
	size_t end;  /* end of the text the frame may look at */
	int kind;
	int started; /* an element was read, so a ',' must come next */
	unsigned long long index;
	int has_pending;     /* the enclosing value is known to be malformed at pending_pos */
	size_t pending_pos;
	const char *pending_msg;
	int pending_ch;
	int pending_incomplete;
} rr_frame;

#define RR_MAX_FRAMES 4

typedef struct record_reader {
	/* Counters, updated as reading goes. */
	unsigned long long files;    /* files opened and read */
	unsigned long long bytes;    /* bytes of (uncompressed) input read */
	unsigned long long records;  /* records returned */
	unsigned long long problems; /* problems returned */
	/* Largest line or whole-file document held in memory (default 512 MiB);
	 * may be lowered after record_reader_open(). */
	size_t max_bytes;

	/* private */
	const char *const *paths;
	size_t n_paths, path_i;
	rr_dir *dirs;
	size_t n_dirs, cap_dirs;
	char *cur_path;   /* the file being read, or the last path a problem was about */
	int file_open;
	int mode;         /* detection state / format of the open file */
	rr_src src;
	/* the text frames look at: an NDJSON line or a whole document */
	const char *text;
	size_t text_len;
	unsigned long long text_line;  /* line number of text[0] */
	size_t cur_pos;                /* cache for position -> line lookups */
	unsigned long long cur_line;
	unsigned long long value_no;   /* top-level values seen in this file */
	rr_frame frames[RR_MAX_FRAMES];
	size_t n_frames;
	unsigned char *stack; /* nesting stack of the JSON skipper */
	size_t stack_cap;
	char *scratch;        /* unescaped CloudWatch Logs messages */
	size_t scratch_cap;
} record_reader;

/* Prepare to read paths in order ("-" = standard input; a directory is walked
 * recursively in byte-wise name order). paths must outlive the reader.
 * Returns 0, or -1 if out of memory. Problems with the paths themselves are
 * reported by record_reader_next(). */
int record_reader_open(record_reader *r, const char *const *paths, size_t n_paths);

/* 1 = a record in *out; 0 = end of all input; -1 = a problem in *problem
 * (the caller reports it and calls again: reading continues after it). */
int record_reader_next(record_reader *r, record *out, record_problem *problem);

void record_reader_close(record_reader *r);

/* Print "prefix: file:line: message\n" (or "prefix: file: message\n"). */
void record_problem_print(FILE *f, const char *prefix, const record_problem *p);

#endif
