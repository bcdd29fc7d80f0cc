/* SPDX-License-Identifier: MIT */
/*
 * fuzz-records.c - libFuzzer target: the CloudTrail record decoder
 * (iamwatch/records.h) over arbitrary bytes: S3 Records documents, NDJSON,
 * CloudWatch Logs exports and subscription messages, EventBridge envelopes,
 * and whatever lies between them.
 *
 * Input: byte 0 holds flags, byte 1 the split, the rest is the stream.
 *   flags & 3: max_bytes (0: the default, 1: 64, 2: 4096, 3: 65536)
 *   flags & 4: end the stream with iamw_decoder_fail() instead of _finish()
 *   split:     the stream is fed in pieces of 1 .. split + 1 bytes, sizes
 *              drawn from a generator seeded with the split byte
 *
 * Checks (abort() on violation): the pieces give exactly the records and
 * problems of one feed; every record is an object's text, with a line >= 1
 * and an offset inside the stream, the line agreeing with the offset, and,
 * unless unescaped from a log message, the stream's own bytes there; every
 * problem has a negative status and a message, and line 0 only for the
 * failure; the counters add up; a callback that stops a feed stops it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamwatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-records: %s\n", what);
	abort();
}

typedef struct run {
	const uint8_t *in; /* the stream */
	size_t len;
	uint64_t hash; /* of everything handed out, in order */
	uint64_t records, problems;
	uint64_t cur_pos, cur_line; /* line lookups */
	int failing;
	int stop_at; /* stop (return 7) at this record, 0: never */
} run;

static void mix(run *r, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		r->hash = (r->hash ^ b[i]) * 1099511628211ull;
}

static uint64_t line_of(run *r, uint64_t offset)
{
	if (offset < r->cur_pos) {
		r->cur_pos = 0;
		r->cur_line = 1;
	}
	for (; r->cur_pos < offset; r->cur_pos++)
		r->cur_line += r->in[r->cur_pos] == '\n';
	return r->cur_line;
}

static int on_record(const iamw_record *rec, void *payload)
{
	run *r = payload;
	r->records++;
	if (!rec->json || rec->len < 2 || rec->json[0] != '{' || rec->json[rec->len - 1] != '}')
		fail("a record that is not an object's text");
	if (rec->line < 1 || rec->offset >= r->len || rec->line != line_of(r, rec->offset))
		fail("a record without its position");
	if (!(rec->flags & IAMW_RECORD_LOG_MESSAGE) &&
	    (rec->len > r->len - rec->offset || memcmp(r->in + rec->offset, rec->json, rec->len)))
		fail("a record that is not the stream's bytes at its offset");
	if ((rec->flags & IAMW_RECORD_LOG_MESSAGE) && r->in[rec->offset] != '"')
		fail("a log message record not at its message");
	uint64_t v[6] = {rec->line,
	                 rec->index,
	                 rec->offset,
	                 (uint64_t)rec->log_timestamp_ms,
	                 (uint64_t)rec->container,
	                 rec->flags};
	mix(r, v, sizeof v);
	mix(r, rec->json, rec->len);
	return r->stop_at && r->records == (uint64_t)r->stop_at ? 7 : 0;
}

static int on_problem(const iamw_record_problem *p, void *payload)
{
	run *r = payload;
	r->problems++;
	if (p->code >= 0 || !p->message || !p->message[0])
		fail("a problem without a status or a message");
	if (p->offset > r->len || (p->line == 0 && !(r->failing && p->fatal)))
		fail("a problem without its position");
	if (p->line && p->line != line_of(r, p->offset))
		fail("a problem whose line and offset disagree");
	uint64_t v[5] = {(uint64_t)p->code, (uint64_t)p->fatal, p->line, p->column, p->offset};
	mix(r, v, sizeof v);
	mix(r, p->message, strlen(p->message));
	return 0;
}

/* Decode the stream in pieces of up to `split` bytes (0: one feed). */
static uint64_t decode(run *r, size_t max_bytes, unsigned split, int failing)
{
	iamw_decoder_options o;
	iamw_decoder *d;
	if (iamw_decoder_options_init(&o, IAMW_DECODER_OPTIONS_VERSION) != IAMW_OK)
		fail("options");
	if (max_bytes)
		o.max_bytes = max_bytes;
	if (iamw_decoder_new(&d, &o) != IAMW_OK)
		return 0; /* out of memory: nothing to check */
	r->hash = 1469598103934665603ull;
	r->records = r->problems = 0;
	r->cur_pos = 0;
	r->cur_line = 1;
	r->failing = failing;
	if (iamw_decoder_set_callbacks(d, on_record, on_problem, r) != IAMW_OK)
		fail("callbacks");
	unsigned seed = split;
	int rc = IAMW_OK;
	for (size_t i = 0; i < r->len && rc == IAMW_OK;) {
		size_t n = r->len - i;
		if (split) {
			seed = seed * 1103515245u + 12345u;
			size_t k = 1 + (seed >> 16) % (split + 1);
			n = k < n ? k : n;
		}
		rc = iamw_decoder_feed(d, r->in + i, n);
		i += n;
	}
	/* a stop in a feed abandons the stream; one in its end ends it anyway */
	if (rc == 7 &&
	    (iamw_decoder_feed(d, "{}", 2) != IAMW_EINVAL || iamw_decoder_finish(d) != IAMW_OK))
		fail("a stopped stream goes on");
	if (rc == IAMW_OK)
		rc = failing ? iamw_decoder_fail(d, "cut") : iamw_decoder_finish(d);
	if (rc == 7) {
		const uint8_t *in = r->in;
		size_t len = r->len;
		r->stop_at = 0;
		r->in = (const uint8_t *)"{}";
		r->len = 2;
		r->cur_pos = 0;
		r->cur_line = 1;
		if (iamw_decoder_feed(d, "{}", 2) != IAMW_OK || iamw_decoder_finish(d) != IAMW_OK)
			fail("no new stream after a stopped one");
		r->in = in;
		r->len = len;
	} else if (rc == IAMW_ENOMEM) {
		iamw_decoder_free(d);
		return 0;
	} else if (rc != IAMW_OK) {
		fail("a feed failed");
	}
	iamw_decoder_stats st;
	if (iamw_decoder_get_stats(d, &st) != IAMW_OK || st.records != r->records ||
	    st.problems != r->problems || st.streams != (rc == 7 ? 2u : 1u) ||
	    st.bytes > r->len + (rc == 7 ? 2u : 0u))
		fail("counters disagree");
	iamw_decoder_free(d);
	return r->hash;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t limits[] = {0, 64, 4096, 65536};
	if (size < 2)
		return 0;
	run r;
	memset(&r, 0, sizeof r);
	r.in = data + 2;
	r.len = size - 2;
	size_t max_bytes = limits[data[0] & 3];
	int failing = (data[0] & 4) != 0;
	uint64_t whole = decode(&r, max_bytes, 0, failing);
	uint64_t records = r.records;
	uint64_t pieces = decode(&r, max_bytes, data[1], failing);
	if (whole && pieces && (whole != pieces || records != r.records))
		fail("the pieces disagree with one feed");
	uint64_t bytes = decode(&r, max_bytes, 1, failing);
	if (whole && bytes && whole != bytes)
		fail("byte by byte disagrees with one feed");
	if (records) { /* stop at the first record */
		r.stop_at = 1;
		decode(&r, max_bytes, data[1], failing);
		if (r.records != 1 + (r.stop_at == 0)) /* + the "{}" of the next stream */
			fail("a stopping callback did not stop the feed");
	}
	return 0;
}
