/* SPDX-License-Identifier: MIT */
/*
 * replay.c - replaying decoded CloudTrail records through the engine
 * (iamwatch/records.h), as `iamwatch scan` does: each record is ingested at
 * its CloudWatch Logs timestamp when it carries one (else the engine reads
 * its eventTime), and the clock follows the events at the engine's
 * replay_delay_ms behind the latest, so that records arriving that late
 * still land in their data points.
 *
 * iamw_engine_ingest_bytes() and iamw_engine_ingest_finish() run a whole
 * block through the decoder in one call, for bindings that should not cross
 * into C once per record; records the engine refuses are reported beside
 * the input's problems, so the caller sees exactly what `iamwatch scan`
 * prints.
 */
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "formats/records.h"

/* latest event time - replay delay, without going below the clock's range
 * (the delay is at most 7 days, checked by iamw_engine_new). */
static int64_t replay_clock(const iamw_engine *e)
{
	if (e->latest_event_ms < INT64_MIN + 1 + e->replay_delay_ms)
		return INT64_MIN + 1;
	return e->latest_event_ms - e->replay_delay_ms;
}

/* Ingest rec; *notes: notifications the advance delivered. */
static int ingest_one(iamw_engine *e, const iamw_record *rec, uint32_t flags, int *notes)
{
	*notes = 0;
	int m = iamw_engine_ingest_text(e, rec->json, rec->len, rec->log_timestamp_ms);
	if (m < 0 || !(flags & IAMW_INGEST_ADVANCE))
		return m;
	int n = iamw_engine_advance(e, replay_clock(e));
	if (n < 0)
		return n;
	*notes = n;
	return m;
}

int iamw_engine_ingest_record(iamw_engine *e, const iamw_record *rec, uint32_t flags)
{
	int notes;
	if (!e || !rec || (!rec->json && rec->len) || (flags & ~(uint32_t)IAMW_INGEST_ADVANCE))
		return IAMW_EINVAL;
	return ingest_one(e, rec, flags, &notes);
}

/* ---- a block through a decoder -------------------------------------------------------- */

typedef struct replay {
	iamw_engine *e;
	uint32_t flags;
	iamw_replay_report rep;
	iamw_problem_cb problem_cb; /* the decoder's own */
	void *payload;
} replay;

static int note_problem(replay *r, const iamw_record_problem *p)
{
	if (r->rep.first_code == IAMW_OK) {
		r->rep.first_code = p->code;
		r->rep.first_fatal = p->fatal;
		r->rep.first_line = p->line;
		r->rep.first_column = p->column;
		snprintf(r->rep.first_message, sizeof r->rep.first_message, "%s", p->message);
	}
	return r->problem_cb ? r->problem_cb(p, r->payload) : 0;
}

static int on_problem(const iamw_record_problem *p, void *payload)
{
	replay *r = payload;
	r->rep.problems++;
	if (p->fatal)
		r->rep.fatal++;
	return note_problem(r, p);
}

static int on_record(const iamw_record *rec, void *payload)
{
	replay *r = payload;
	int notes;
	r->rep.records++;
	int m = ingest_one(r->e, rec, r->flags, &notes);
	if (m == IAMW_EJSON || m == IAMW_ELIMIT) {
		/* refused, nothing changed: reported as `iamwatch scan` does */
		iamw_record_problem p;
		memset(&p, 0, sizeof p);
		p.code = m;
		p.line = rec->line;
		p.offset = rec->offset;
		p.message = m == IAMW_EJSON ? "not a CloudTrail record with an eventTime"
		                            : iamw_strerror(m);
		p.record = rec;
		r->rep.refused++;
		return note_problem(r, &p);
	}
	if (m < 0)
		return m; /* out of memory, or a call from a callback: the replay stops */
	r->rep.events++;
	r->rep.matches += (uint64_t)m;
	r->rep.notifications += (uint64_t)notes;
	return 0;
}

static int run(iamw_engine *e, iamw_decoder *d, const void *buf, size_t len, iamw__decoder_end end,
               const char *cause, uint32_t flags, iamw_replay_report *report)
{
	replay r;
	memset(&r, 0, sizeof r);
	if (report)
		*report = r.rep;
	if (!e || !d || (flags & ~(uint32_t)IAMW_INGEST_ADVANCE))
		return IAMW_EINVAL;
	if (e->in_callback)
		return IAMW_EBUSY;
	r.e = e;
	r.flags = flags;
	iamw_record_cb unused;
	iamw__decoder_callbacks(d, &unused, &r.problem_cb, &r.payload);
	int rc = iamw__decoder_run(d, buf, len, end, cause, on_record, on_problem, &r);
	if (report)
		*report = r.rep;
	return rc;
}

int iamw_engine_ingest_bytes(iamw_engine *e, iamw_decoder *d, const void *buf, size_t len,
                             uint32_t flags, iamw_replay_report *report)
{
	return run(e, d, buf, len, IAMW__DECODER_MORE, NULL, flags, report);
}

int iamw_engine_ingest_finish(iamw_engine *e, iamw_decoder *d, uint32_t flags, const char *cause,
                              iamw_replay_report *report)
{
	return run(e, d, NULL, 0, cause ? IAMW__DECODER_FAIL : IAMW__DECODER_FINISH, cause, flags,
	           report);
}
