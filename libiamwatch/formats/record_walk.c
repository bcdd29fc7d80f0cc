/* SPDX-License-Identifier: MIT */
/*
 * record_walk.c - what one complete text holds: an NDJSON line, or one
 * top-level value of a document. Every value is classified by its keys: a
 * CloudTrail "Records" file, a CloudWatch Logs export ("events") or
 * subscription message ("logEvents"; a CONTROL_MESSAGE holds nothing), an
 * EventBridge envelope ("detail-type" + "detail"), a single CloudWatch Logs
 * event ("message"), or else a record itself. Arrays are walked element by
 * element in frames (at most IAMW__WALK_MAX_FRAMES deep), each element
 * classified by the array it came from.
 *
 * Records are handed out as their exact bytes in the text; only CloudWatch
 * Logs messages, JSON strings holding JSON, are unescaped into a scratch
 * buffer. After a JSON syntax error nothing later in the text can be trusted
 * to be where it seems, so the rest of it is lost and said so (in a document
 * the stream decoder then skips the rest of the stream); the records before
 * the error still come out, even from inside the broken container. Values of
 * the wrong shape are reported and skipped one by one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "formats/record_walk.h"

/* Frame kinds are the containers records come from. */
enum {
	F_TOP = IAMW_CONTAINER_NONE,
	F_RECORDS = IAMW_CONTAINER_RECORDS,
	F_ARRAY = IAMW_CONTAINER_ARRAY,
	F_EVENTS = IAMW_CONTAINER_EVENTS,
	F_LOGEVENTS = IAMW_CONTAINER_LOG_EVENTS
};

/* Messages are short: positions and a few quoted bytes. */
#define MESSAGE_LEN 256

typedef struct span {
	size_t start, end;
	int present;
} span;

/* The top-level keys that decide what an object is. */
typedef struct objinfo {
	span records, events, log_events, message_type, detail, detail_type, message, timestamp;
	size_t end; /* just past the closing '}' */
} objinfo;

static span *key_slot(objinfo *oi, const char *k, size_t n)
{
	static const struct {
		const char *name;
		size_t len, off;
	} keys[] = {
	    {"Records", 7, offsetof(objinfo, records)},
	    {"events", 6, offsetof(objinfo, events)},
	    {"logEvents", 9, offsetof(objinfo, log_events)},
	    {"messageType", 11, offsetof(objinfo, message_type)},
	    {"detail", 6, offsetof(objinfo, detail)},
	    {"detail-type", 11, offsetof(objinfo, detail_type)},
	    {"message", 7, offsetof(objinfo, message)},
	    {"timestamp", 9, offsetof(objinfo, timestamp)},
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (keys[i].len == n && memcmp(keys[i].name, k, n) == 0)
			return (span *)((char *)oi + keys[i].off);
	return NULL;
}

static int syntax(iamw__jerr *e, size_t pos, const char *msg, int incomplete)
{
	e->pos = pos;
	e->msg = msg;
	e->ch = -1;
	e->incomplete = incomplete;
	return IAMW_EJSON;
}

/* Validate the object at s[p] == '{' while noting where the interesting
 * members are. On error the members seen so far are still filled in (a
 * span's start is set before its value is skipped), so that a truncated
 * Records file can still hand out the records before the damage.
 * IAMW_OK, IAMW_EJSON (e filled) or IAMW_ENOMEM. */
static int scan_object(iamw__jstack *st, const char *s, size_t n, size_t p, objinfo *oi,
                       iamw__jerr *e)
{
	int rc;
	memset(oi, 0, sizeof *oi);
	p = iamw__json_ws(s, n, p + 1);
	if (p < n && s[p] == '}') {
		oi->end = p + 1;
		return IAMW_OK;
	}
	for (;;) {
		if (p >= n)
			return syntax(e, p, "unexpected end of input", 1);
		if (s[p] != '"')
			return syntax(e, p, "expected a string key", 0);
		size_t ks = p + 1;
		if ((rc = iamw__json_skip_string(s, n, p, &p, e)) != IAMW_OK)
			return rc;
		span *slot = key_slot(oi, s + ks, p - 1 - ks);
		p = iamw__json_ws(s, n, p);
		if (p >= n)
			return syntax(e, p, "unexpected end of input", 1);
		if (s[p] != ':')
			return syntax(e, p, "expected ':'", 0);
		p = iamw__json_ws(s, n, p + 1);
		if (slot) {
			slot->present = 1;
			slot->start = slot->end = p;
		}
		if ((rc = iamw__json_skip(st, s, n, p, &p, e)) != IAMW_OK)
			return rc;
		if (slot)
			slot->end = p;
		p = iamw__json_ws(s, n, p);
		if (p >= n)
			return syntax(e, p, "unexpected end of input", 1);
		if (s[p] == ',') {
			p = iamw__json_ws(s, n, p + 1);
			continue;
		}
		if (s[p] == '}') {
			oi->end = p + 1;
			return IAMW_OK;
		}
		return syntax(e, p, "expected ',' or '}'", 0);
	}
}

/* A CloudWatch Logs "timestamp": milliseconds since the epoch, a JSON number.
 * Returns IAMW_NO_TIME when there is none or it does not fit. */
static int64_t parse_timestamp(const char *s, const span *v)
{
	size_t n = v->end - v->start;
	const char *t = s + v->start;
	if (!v->present || n == 0 || !(t[0] == '-' || (t[0] >= '0' && t[0] <= '9')))
		return IAMW_NO_TIME;
	size_t i = t[0] == '-';
	uint64_t x = 0;
	while (i < n && t[i] >= '0' && t[i] <= '9') {
		unsigned d = (unsigned)(t[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return IAMW_NO_TIME;
		x = x * 10 + d;
		i++;
	}
	if (i == n) { /* an integer, the usual case */
		if (t[0] == '-')
			return x <= (uint64_t)INT64_MAX ? -(int64_t)x : IAMW_NO_TIME;
		return x <= (uint64_t)INT64_MAX ? (int64_t)x : IAMW_NO_TIME;
	}
	double d;
	if (!iamw__parse_double_c(t, n, &d) || !(d > -9.2e18 && d < 9.2e18))
		return IAMW_NO_TIME;
	return (int64_t)d;
}

/* ---- positions ---------------------------------------------------------- */

/* Line of s[pos]. Positions are asked for mostly in increasing order, so a
 * cursor makes this linear over a whole document. */
static uint64_t line_at(iamw__walk *w, size_t pos)
{
	if (pos < w->cur_pos) {
		w->cur_pos = 0;
		w->cur_line = w->line;
	}
	while (w->cur_pos < pos) {
		const char *nl = memchr(w->s + w->cur_pos, '\n', pos - w->cur_pos);
		if (!nl) {
			w->cur_pos = pos;
			break;
		}
		w->cur_line++;
		w->cur_pos = (size_t)(nl - w->s) + 1;
	}
	return w->cur_line;
}

static uint64_t column_at(const iamw__walk *w, size_t pos)
{
	size_t b = pos;
	while (b > 0 && w->s[b - 1] != '\n')
		b--;
	return b == 0 ? w->column + pos : (uint64_t)(pos - b) + 1;
}

/* ---- output ------------------------------------------------------------- */

/* Report a problem at s[pos] (line 0, column 0: the stream's failure when
 * pos is SIZE_MAX; column 0 alone when whole_line). Returns what the
 * callback returned. */
IAMW_PRINTF(6, 7)
static int problem_at(iamw__walk *w, size_t pos, int code, int fatal, int whole_line,
                      const char *fmt, ...)
{
	char msg[MESSAGE_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	iamw_record_problem p;
	memset(&p, 0, sizeof p);
	p.code = code;
	p.fatal = fatal;
	p.message = msg;
	if (pos == SIZE_MAX) {
		p.offset = w->cause_offset;
	} else {
		p.line = line_at(w, pos);
		p.column = whole_line ? 0 : column_at(w, pos);
		p.offset = w->offset + pos;
	}
	return w->on_problem(w->ctx, &p);
}

static const char *frame_name(int kind)
{
	switch (kind) {
	case F_RECORDS: return "Records";
	case F_EVENTS: return "events";
	case F_LOGEVENTS: return "logEvents";
	default: return "array";
	}
}

/* A syntax error in the text: nothing after it can be located reliably, so
 * every frame over the text is dropped (the rest of the line or stream). */
static int syntax_problem(iamw__walk *w, const iamw__jerr *e)
{
	/* inside an array of records (a Records document on one line, a JSON
	 * array): the records after the error in this text are lost too */
	int in_array = w->n_frames > 0;
	w->n_frames = 0;
	w->lost = 1;
	if (e->incomplete && w->cause) {
		/* the text ends early because the stream does: say why, once */
		w->cause_reported = 1;
		return problem_at(w, SIZE_MAX, IAMW_EJSON, 1, 0, "%s", w->cause);
	}
	if (e->incomplete && w->cut)
		return problem_at(w, 0, IAMW_ELIMIT, 1, 0,
		                  "JSON value is larger than %zu bytes; rest of file skipped",
		                  w->max_bytes);
	char what[96];
	iamw__json_describe(e, what, sizeof what);
	uint64_t col = column_at(w, e->pos);
	if (!w->line_mode)
		/* the rest of a document cannot be read: like a truncated gzip
		 * file, the records before the error count and the stream fails */
		return problem_at(w, e->pos, IAMW_EJSON, 1, 0,
		                  "%s: %s at column %llu; rest of file skipped",
		                  e->incomplete ? "truncated JSON document" : "invalid JSON", what,
		                  (unsigned long long)col);
	if (in_array)
		return problem_at(w, e->pos, IAMW_EJSON, 1, 0,
		                  "invalid JSON: %s at column %llu; rest of line skipped", what,
		                  (unsigned long long)col);
	return problem_at(w, e->pos, IAMW_EJSON, 0, 0, "not a JSON object: %s at column %llu", what,
	                  (unsigned long long)col);
}

/* Hand out a record: json[0..len) is a span of the text at pos, or (for a
 * log message) the scratch buffer, positioned at the message string. */
static int yield(iamw__walk *w, const char *json, size_t len, size_t pos, uint64_t index, int kind,
                 uint32_t flags, int64_t log_ts)
{
	iamw_record r;
	r.json = json;
	r.len = len;
	r.line = line_at(w, pos);
	r.index = index;
	r.offset = w->offset + pos;
	r.log_timestamp_ms = log_ts;
	r.container = (iamw_record_container)kind;
	r.flags = flags;
	return w->on_record(w->ctx, &r);
}

/* ---- shapes -------------------------------------------------------------- */

/* The EventBridge event at s (members in oi): its "detail" is the record.
 * at: where the record is said to be in the text (the detail, or the log
 * message holding the event). */
static int envelope(iamw__walk *w, const char *s, const objinfo *oi, size_t at, uint64_t index,
                    int kind, uint32_t flags, int64_t log_ts)
{
	const span *dt = &oi->detail_type, *d = &oi->detail;
	static const char tail[] = "via CloudTrail\"";
	size_t dtn = dt->end - dt->start;
	if (s[dt->start] != '"' || dtn < sizeof tail ||
	    memcmp(s + dt->end - (sizeof tail - 1), tail, sizeof tail - 1) != 0) {
		int shown = dtn > 80 ? 80 : (int)dtn;
		return problem_at(w, at, IAMW_EJSON, 0, 0,
		                  "EventBridge event is not from CloudTrail (detail-type %.*s)",
		                  shown, s + dt->start);
	}
	if (s[d->start] != '{')
		return problem_at(w, at, IAMW_EJSON, 0, 0,
		                  "EventBridge \"detail\" is %s, not a JSON object",
		                  iamw__json_type(s[d->start]));
	return yield(w, s + d->start, d->end - d->start, at, index, kind,
	             flags | IAMW_RECORD_EVENTBRIDGE, log_ts);
}

/* A CloudWatch Logs event: its "message" string holds the record (or an
 * EventBridge envelope, as an EventBridge -> CloudWatch Logs target writes). */
static int log_event(iamw__walk *w, const char *s, const objinfo *oi, int kind, uint64_t index)
{
	char where[48] = "";
	if (kind != F_TOP)
		snprintf(where, sizeof where, "%s[%llu]: ", frame_name(kind),
		         (unsigned long long)index);
	size_t at = oi->message.start;
	size_t mlen;
	int rc =
	    iamw__json_unescape(s + at, oi->message.end - at, w->scratch, w->scratch_cap, &mlen);
	if (rc != IAMW_OK)
		return rc;
	const char *m = *w->scratch;
	size_t q = iamw__json_ws(m, mlen, 0);
	iamw__jerr e;
	objinfo inner;
	char what[96];
	if (q >= mlen)
		return problem_at(w, at, IAMW_EJSON, 0, 0,
		                  "%smessage is not a JSON object: it is empty", where);
	if (m[q] != '{') {
		size_t vend;
		rc = iamw__json_skip(w->stack, m, mlen, q, &vend, &e);
		if (rc == IAMW_ENOMEM)
			return rc;
		if (rc == IAMW_OK)
			return problem_at(w, at, IAMW_EJSON, 0, 0,
			                  "%smessage is not a JSON object: found %s", where,
			                  iamw__json_type(m[q]));
		iamw__json_describe(&e, what, sizeof what);
		return problem_at(w, at, IAMW_EJSON, 0, 0,
		                  "%smessage is not a JSON object: %s at byte %zu", where, what,
		                  e.pos + 1);
	}
	rc = scan_object(w->stack, m, mlen, q, &inner, &e);
	if (rc == IAMW_ENOMEM)
		return rc;
	if (rc != IAMW_OK) {
		iamw__json_describe(&e, what, sizeof what);
		return problem_at(w, at, IAMW_EJSON, 0, 0,
		                  "%smessage is not a JSON object: %s at byte %zu", where, what,
		                  e.pos + 1);
	}
	size_t after = iamw__json_ws(m, mlen, inner.end);
	if (after < mlen)
		return problem_at(
		    w, at, IAMW_EJSON, 0, 0,
		    "%smessage is not a JSON object: unexpected text after it at byte %zu", where,
		    after + 1);
	if (inner.records.present || inner.events.present || inner.log_events.present)
		return problem_at(w, at, IAMW_EJSON, 0, 0,
		                  "%smessage holds a container of records, not a record", where);
	int64_t ts = parse_timestamp(s, &oi->timestamp);
	if (inner.detail.present && inner.detail_type.present)
		return envelope(w, m, &inner, at, index, kind, IAMW_RECORD_LOG_MESSAGE, ts);
	return yield(w, m + q, inner.end - q, at, index, kind, IAMW_RECORD_LOG_MESSAGE, ts);
}

/* Start walking the array whose '[' is at s[open] as a frame. pending: the
 * text is known to be malformed at pending->pos, reported when the walk gets
 * there (the elements before it still come out). */
static int push_array(iamw__walk *w, int kind, size_t open, const iamw__jerr *pending)
{
	if (w->n_frames == IAMW__WALK_MAX_FRAMES) {
		if (pending)
			return syntax_problem(w, pending);
		return problem_at(w, open, IAMW_ELIMIT, 0, 0,
		                  "containers nested too deeply; skipped");
	}
	iamw__walk_frame *f = &w->frames[w->n_frames++];
	memset(f, 0, sizeof *f);
	f->pos = open + 1;
	f->kind = kind;
	if (pending) {
		f->has_pending = 1;
		f->pending = *pending;
	}
	return 0;
}

/* Decide what the valid object s[start..oi->end) is and act on it: hand out
 * a record, report a problem, push a frame for its array, or nothing (a
 * CONTROL_MESSAGE). kind is the frame the object came from. */
static int act_object(iamw__walk *w, size_t start, const objinfo *oi, int kind, uint64_t index)
{
	const char *s = w->s;
	if (kind == F_EVENTS || kind == F_LOGEVENTS) {
		if (!oi->message.present || s[oi->message.start] != '"')
			return problem_at(w, start, IAMW_EJSON, 0, 0,
			                  "%s[%llu] has no \"message\" string", frame_name(kind),
			                  (unsigned long long)index);
		return log_event(w, s, oi, kind, index);
	}
	const span *arr = NULL;
	int akind = 0;
	if (oi->records.present) {
		arr = &oi->records;
		akind = F_RECORDS;
	} else if (oi->log_events.present || oi->message_type.present) {
		static const char control[] = "\"CONTROL_MESSAGE\"";
		const span *mt = &oi->message_type;
		if (mt->present && mt->end - mt->start == sizeof control - 1 &&
		    memcmp(s + mt->start, control, sizeof control - 1) == 0)
			return 0; /* CloudWatch Logs' health check: carries no records */
		if (!oi->log_events.present)
			return problem_at(
			    w, start, IAMW_EJSON, 0, 0,
			    "CloudWatch Logs subscription message has no \"logEvents\"");
		arr = &oi->log_events;
		akind = F_LOGEVENTS;
	} else if (oi->events.present) {
		arr = &oi->events;
		akind = F_EVENTS;
	}
	if (arr) {
		if (s[arr->start] != '[')
			return problem_at(w, arr->start, IAMW_EJSON, 0, 0,
			                  "\"%s\" is %s, not an array", frame_name(akind),
			                  iamw__json_type(s[arr->start]));
		return push_array(w, akind, arr->start, NULL);
	}
	if (oi->detail.present && oi->detail_type.present)
		return envelope(w, s, oi, oi->detail.start, index, kind, 0, IAMW_NO_TIME);
	if (oi->message.present && s[oi->message.start] == '"')
		return log_event(w, s, oi, kind, index);
	return yield(w, s + start, oi->end - start, start, index, kind, 0, IAMW_NO_TIME);
}

/* The top-level value at s[pos]: in line mode it must fill the line. */
static int top_value(iamw__walk *w, size_t pos)
{
	const char *s = w->s;
	size_t n = w->n;
	uint64_t index = (*w->value_no)++;
	char c = s[pos];
	iamw__jerr e;
	size_t end;
	int rc;
	if (c == '{') {
		objinfo oi;
		rc = scan_object(w->stack, s, n, pos, &oi, &e);
		if (rc == IAMW_ENOMEM)
			return rc;
		if (rc != IAMW_OK) {
			/* a container broken after its array began: hand out the
			 * records before the damage first */
			const span *arr = oi.records.present      ? &oi.records
			                  : oi.log_events.present ? &oi.log_events
			                  : oi.events.present     ? &oi.events
			                                          : NULL;
			int akind = oi.records.present      ? F_RECORDS
			            : oi.log_events.present ? F_LOGEVENTS
			                                    : F_EVENTS;
			if (arr && s[arr->start] == '[' && e.pos > arr->start &&
			    !oi.message_type.present)
				return push_array(w, akind, arr->start, &e);
			return syntax_problem(w, &e);
		}
		if (w->line_mode) {
			size_t after = iamw__json_ws(s, n, oi.end);
			if (after < n)
				return problem_at(
				    w, after, IAMW_EJSON, 0, 0,
				    "not a JSON object: unexpected text after it at column %llu",
				    (unsigned long long)column_at(w, after));
		}
		return act_object(w, pos, &oi, F_TOP, index);
	}
	rc = iamw__json_skip(w->stack, s, n, pos, &end, &e);
	if (rc == IAMW_ENOMEM)
		return rc;
	if (rc != IAMW_OK) {
		if (c == '[')
			return push_array(w, F_ARRAY, pos, &e);
		return syntax_problem(w, &e);
	}
	if (w->line_mode) {
		size_t after = iamw__json_ws(s, n, end);
		if (after < n)
			return problem_at(
			    w, after, IAMW_EJSON, 0, 0,
			    "not a JSON object: unexpected text after %s at column %llu",
			    iamw__json_type(c), (unsigned long long)column_at(w, after));
	}
	if (c == '[')
		return push_array(w, F_ARRAY, pos, NULL);
	return problem_at(w, pos, IAMW_EJSON, 0, 0, "not a JSON object: found %s",
	                  iamw__json_type(c));
}

/* Take one step in the innermost frame: one element, or its end. */
static int frame_step(iamw__walk *w)
{
	iamw__walk_frame *f = &w->frames[w->n_frames - 1];
	const char *s = w->s;
	size_t n = w->n;
	size_t pos = iamw__json_ws(s, n, f->pos);
	iamw__jerr e;
	int rc;
	if (pos < n && s[pos] == ']') {
		w->n_frames--;
		if (f->has_pending) {
			iamw__jerr pe = f->pending;
			return syntax_problem(w, &pe);
		}
		return 0;
	}
	if (f->started) {
		if (pos >= n) {
			syntax(&e, pos, "unexpected end of input", 1);
			return syntax_problem(w, &e);
		}
		if (s[pos] != ',') {
			syntax(&e, pos, "expected ',' or ']'", 0);
			return syntax_problem(w, &e);
		}
		pos = iamw__json_ws(s, n, pos + 1);
	}
	f->started = 1;
	uint64_t index = f->index++;
	int kind = f->kind;
	if (pos >= n) {
		syntax(&e, pos, "unexpected end of input", 1);
		return syntax_problem(w, &e);
	}
	if (s[pos] == '{') {
		objinfo oi;
		rc = scan_object(w->stack, s, n, pos, &oi, &e);
		if (rc == IAMW_ENOMEM)
			return rc;
		if (rc != IAMW_OK)
			return syntax_problem(w, &e);
		f->pos = oi.end;
		return act_object(w, pos, &oi, kind, index);
	}
	size_t end;
	rc = iamw__json_skip(w->stack, s, n, pos, &end, &e);
	if (rc == IAMW_ENOMEM)
		return rc;
	if (rc != IAMW_OK)
		return syntax_problem(w, &e);
	f->pos = end;
	return problem_at(w, pos, IAMW_EJSON, 0, 0, "%s[%llu] is %s, not a JSON object",
	                  frame_name(kind), (unsigned long long)index, iamw__json_type(s[pos]));
}

int iamw__walk_opens_container(iamw__jstack *st, const char *s, size_t n, size_t p)
{
	objinfo oi;
	iamw__jerr e;
	if (scan_object(st, s, n, p, &oi, &e) == IAMW_ENOMEM)
		return IAMW_ENOMEM;
	return oi.records.present || oi.events.present || oi.log_events.present;
}

int iamw__walk_text(iamw__walk *w, size_t pos)
{
	w->lost = 0;
	w->cause_reported = 0;
	w->cur_pos = 0;
	w->cur_line = w->line;
	w->n_frames = 0;
	int rc = top_value(w, pos);
	while (rc == 0 && w->n_frames)
		rc = frame_step(w);
	return rc;
}
