/* SPDX-License-Identifier: MIT */
/*
 * records.c - the push decoder of CloudTrail records (iamwatch/records.h):
 * bytes in, in pieces of any size; records and problems out, in stream
 * order, the same however the bytes were split.
 *
 * A stream goes through three stages. Detection holds the first bytes until
 * they decide the layout (the rules are in the public header); the decision
 * only ever looks at the first max_bytes + 1 bytes, and once a prefix decides
 * it, every longer prefix decides the same, so it cannot depend on where the
 * pieces were cut. Then the stream is cut into texts: NDJSON into lines, a
 * document into its top-level values. A text that lies inside one piece is
 * walked where it lies; only a text cut by the end of a piece is copied,
 * and never more than max_bytes of it. Each complete text is then walked
 * (formats/record_walk.c) into records and problems.
 *
 * A document's top-level values are found by a loose scanner that follows
 * strings and counts brackets: on valid JSON it ends a value exactly where
 * the strict skipper does, and on invalid JSON the strict skipper meets the
 * error inside what the loose scanner took. After a syntax error in a
 * document nothing later can be trusted to be where it seems, so the rest of
 * the stream is skipped (and said so); an NDJSON line loses only itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "formats/record_walk.h"
#include "formats/records.h"

enum { S_DETECT, S_LINES, S_DOC, S_SKIP, S_STOPPED };
/* Detection results. */
enum { D_UNDECIDED, D_EMPTY, D_LINES, D_DOC, D_NOTJSON };
/* The loose scanner's kinds of top-level value. */
enum { U_CONTAINER, U_STRING, U_NUMBER, U_LITERAL, U_ONE };
/* Its number states: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
enum { N_START, N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP };
/* scan_value() results. */
enum { V_MORE, V_END, V_OVER };

/* Buffers larger than this are released at the end of a stream rather than
 * kept for the next, so one huge document does not pin its memory. */
#define KEEP_BYTES ((size_t)8 << 20)

struct iamw_decoder {
	size_t max_bytes;
	iamw_record_cb on_record; /* set by iamw_decoder_set_callbacks */
	iamw_problem_cb on_problem;
	void *payload;
	iamw_record_cb run_record; /* those of the running call */
	iamw_problem_cb run_problem;
	void *run_payload;
	int in_callback;
	iamw_decoder_stats stats;

	/* The stream. */
	int state;
	uint64_t pos;      /* stream offset of the next byte not yet accounted for */
	uint64_t line;     /* its line */
	uint64_t col;      /* its column (document mode) */
	uint64_t value_no; /* top-level values seen */
	char *held;        /* detection prefix, or the text cut by a piece's end */
	size_t held_len, held_cap;
	char *aux; /* the detection prefix while it is replayed */
	size_t aux_cap;

	uint64_t fed; /* bytes of the stream fed so far */

	/* NDJSON: an over-long line being dropped, and its bytes so far. */
	int skipping;
	uint64_t skip_len;

	/* Document: the value being scanned. */
	int in_value;
	size_t v_len; /* its bytes so far */
	uint64_t v_off, v_line, v_col;
	int v_kind;
	uint64_t v_depth;
	int v_in_str, v_esc;
	int v_num;
	const char *v_lit;

	iamw__jstack stack;
	char *scratch;
	size_t scratch_cap;
};

/* ---- callbacks ------------------------------------------------------------- */

static int emit_record(void *ctx, const iamw_record *rec)
{
	iamw_decoder *d = ctx;
	d->stats.records++;
	if (!d->run_record)
		return 0;
	d->in_callback = 1;
	int rc = d->run_record(rec, d->run_payload);
	d->in_callback = 0;
	return rc;
}

static int emit_problem(void *ctx, const iamw_record_problem *p)
{
	iamw_decoder *d = ctx;
	d->stats.problems++;
	if (!d->run_problem)
		return 0;
	d->in_callback = 1;
	int rc = d->run_problem(p, d->run_payload);
	d->in_callback = 0;
	return rc;
}

IAMW_PRINTF(7, 8)
static int report(iamw_decoder *d, int code, int fatal, uint64_t line, uint64_t column,
                  uint64_t offset, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	iamw_record_problem p;
	memset(&p, 0, sizeof p);
	p.code = code;
	p.fatal = fatal;
	p.line = line;
	p.column = column;
	p.offset = offset;
	p.message = msg;
	return emit_problem(d, &p);
}

/* ---- buffers ------------------------------------------------------------- */

static int hold(iamw_decoder *d, const char *b, size_t n)
{
	if (!n)
		return IAMW_OK;
	if (d->held_cap - d->held_len < n) {
		size_t cap = d->held_cap ? d->held_cap : 4096;
		while (cap - d->held_len < n)
			cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
		char *p = iamw__realloc(d->held, cap);
		if (!p)
			return IAMW_ENOMEM;
		d->held = p;
		d->held_cap = cap;
	}
	memcpy(d->held + d->held_len, b, n);
	d->held_len += n;
	return IAMW_OK;
}

static void reset_stream(iamw_decoder *d)
{
	d->state = S_DETECT;
	d->pos = 0;
	d->line = 1;
	d->col = 1;
	d->value_no = 0;
	d->fed = 0;
	d->held_len = 0;
	d->skipping = 0;
	d->in_value = 0;
	if (d->held_cap > KEEP_BYTES) {
		iamw__free(d->held);
		d->held = NULL;
		d->held_cap = 0;
	}
	if (d->aux_cap > KEEP_BYTES) {
		iamw__free(d->aux);
		d->aux = NULL;
		d->aux_cap = 0;
	}
	if (d->scratch_cap > KEEP_BYTES) {
		iamw__free(d->scratch);
		d->scratch = NULL;
		d->scratch_cap = 0;
	}
	if (d->stack.cap > KEEP_BYTES)
		iamw__jstack_free(&d->stack);
}

/* ---- texts --------------------------------------------------------------- */

static void walk_init(iamw_decoder *d, iamw__walk *w, const char *s, size_t n)
{
	memset(w, 0, sizeof *w);
	w->on_record = emit_record;
	w->on_problem = emit_problem;
	w->ctx = d;
	w->stack = &d->stack;
	w->scratch = &d->scratch;
	w->scratch_cap = &d->scratch_cap;
	w->value_no = &d->value_no;
	w->max_bytes = d->max_bytes;
	w->s = s;
	w->n = n;
}

/* One NDJSON line (without its '\n') at d->pos, numbered d->line.
 * *cause_reported: the walk reported the stream's failure `cause`. */
static int line_text(iamw_decoder *d, const char *s, size_t n, const char *cause,
                     int *cause_reported)
{
	if (n > d->max_bytes)
		return report(d, IAMW_ELIMIT, 0, d->line, 0, d->pos,
		              "line is longer than %zu bytes; skipped", d->max_bytes);
	size_t len = n && s[n - 1] == '\r' ? n - 1 : n;
	size_t first = iamw__json_ws(s, len, 0);
	if (first == len)
		return 0; /* blank lines separate nothing and hold nothing */
	iamw__walk w;
	walk_init(d, &w, s, len);
	w.offset = d->pos;
	w.line = d->line;
	w.column = 1;
	w.line_mode = 1;
	w.cause = cause;
	w.cause_offset = d->fed;
	int rc = iamw__walk_text(&w, first);
	if (cause_reported)
		*cause_reported = w.cause_reported;
	return rc;
}

/* One top-level value of a document (or the first max_bytes bytes of one,
 * when cut): afterwards the stream position is just past it, and a syntax
 * error skips the rest of the stream. */
static int value_text(iamw_decoder *d, const char *s, size_t n, int cut, const char *cause,
                      int *cause_reported)
{
	iamw__walk w;
	walk_init(d, &w, s, n);
	w.offset = d->v_off;
	w.line = d->v_line;
	w.column = d->v_col;
	w.cut = cut;
	w.cause = cause;
	w.cause_offset = d->fed;
	int rc = 0;
	/* A container cut short still hands out the records before the cut,
	 * and its walk ends in the limit; a scalar holds none, and its first
	 * max_bytes bytes may even read as a shorter value. */
	if (!cut || d->v_kind == U_CONTAINER)
		rc = iamw__walk_text(&w, 0);
	if (cause_reported)
		*cause_reported = w.cause_reported;
	if (rc == 0 && cut && !w.lost)
		rc = report(d, IAMW_ELIMIT, 1, d->v_line, d->v_col, d->v_off,
		            "JSON value is larger than %zu bytes; rest of file skipped",
		            d->max_bytes);
	if (w.lost || cut)
		d->state = S_SKIP;
	/* move the position past the value */
	uint64_t nl = 0;
	size_t last = 0;
	for (const char *p = s, *end = s + n; (p = memchr(p, '\n', (size_t)(end - p))); p++) {
		nl++;
		last = (size_t)(p - s) + 1;
	}
	d->pos = d->v_off + n;
	d->line = d->v_line + nl;
	d->col = nl ? (uint64_t)(n - last) + 1 : d->v_col + n;
	d->in_value = 0;
	d->held_len = 0;
	return rc;
}

/* ---- NDJSON ---------------------------------------------------------------- */

static int long_line(iamw_decoder *d)
{
	return report(d, IAMW_ELIMIT, 0, d->line, 0, d->pos,
	              "line is longer than %zu bytes; skipped", d->max_bytes);
}

/* Account for a line of n bytes and its '\n'. */
static void next_line(iamw_decoder *d, uint64_t n)
{
	d->pos += n + 1;
	d->line++;
}

/* Lines of b[0..n). d->pos and d->line are those of the current line's
 * start. A line cut by the end of the piece is held; one that grows over
 * max_bytes is dropped as it arrives and reported at its end. */
static int lines_piece(iamw_decoder *d, const char *b, size_t n)
{
	size_t i = 0;
	int rc;
	while (i < n) {
		const char *nl = memchr(b + i, '\n', n - i);
		size_t seg = nl ? (size_t)(nl - (b + i)) : n - i;
		if (!d->skipping && seg > d->max_bytes - d->held_len) {
			d->skipping = 1;
			d->skip_len = d->held_len;
			d->held_len = 0;
		}
		if (d->skipping) {
			d->skip_len += seg;
			if (!nl)
				return 0;
			d->skipping = 0;
			rc = long_line(d);
			next_line(d, d->skip_len);
		} else if (!nl) {
			return hold(d, b + i, seg);
		} else if (d->held_len) {
			if ((rc = hold(d, b + i, seg)) != IAMW_OK)
				return rc;
			size_t len = d->held_len;
			d->held_len = 0;
			rc = line_text(d, d->held, len, NULL, NULL);
			next_line(d, len);
		} else {
			rc = line_text(d, b + i, seg, NULL, NULL);
			next_line(d, seg);
		}
		if (rc != 0)
			return rc;
		i += seg + 1;
	}
	return 0;
}

/* ---- documents -------------------------------------------------------------- */

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void begin_value(iamw_decoder *d, char c)
{
	d->in_value = 1;
	d->v_len = 0;
	d->v_off = d->pos;
	d->v_line = d->line;
	d->v_col = d->col;
	d->v_depth = 0;
	d->v_in_str = d->v_esc = 0;
	d->v_num = N_START;
	d->v_lit = NULL;
	if (c == '{' || c == '[') {
		d->v_kind = U_CONTAINER;
	} else if (c == '"') {
		d->v_kind = U_STRING;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		d->v_kind = U_NUMBER;
	} else if (c == 't' || c == 'f' || c == 'n') {
		d->v_kind = U_LITERAL;
		d->v_lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
	} else {
		d->v_kind = U_ONE;
	}
}

/* The next number state after c, or -1 when c cannot continue the number. */
static int number_step(int st, char c)
{
	int digit = c >= '0' && c <= '9';
	int e = c == 'e' || c == 'E';
	switch (st) {
	case N_START: return c == '-' ? N_MINUS : c == '0' ? N_ZERO : digit ? N_INT : -1;
	case N_MINUS: return c == '0' ? N_ZERO : digit ? N_INT : -1;
	case N_ZERO: return c == '.' ? N_DOT : e ? N_E : -1;
	case N_INT: return digit ? N_INT : c == '.' ? N_DOT : e ? N_E : -1;
	case N_DOT: return digit ? N_FRAC : -1;
	case N_FRAC: return digit ? N_FRAC : e ? N_E : -1;
	case N_E: return (c == '+' || c == '-') ? N_ESIGN : digit ? N_EXP : -1;
	case N_ESIGN: return digit ? N_EXP : -1;
	default: return digit ? N_EXP : -1;
	}
}

static int number_accepts(int st)
{
	return st == N_ZERO || st == N_INT || st == N_FRAC || st == N_EXP;
}

/* Scan the value in progress over b[0..n), consuming at most `room` bytes;
 * *used is what was consumed. V_END: the value ends there (a number ends
 * before the byte that cannot continue it, which is not consumed; a broken
 * number or literal ends after the offending byte, for the strict skipper
 * to name); V_MORE: all n consumed; V_OVER: it needs more than room. */
static int scan_value(iamw_decoder *d, const char *b, size_t n, size_t room, size_t *used)
{
	size_t k = 0;
	int rc = V_MORE;
	while (k < n) {
		char c = b[k];
		if (d->v_kind == U_NUMBER) {
			int next = number_step(d->v_num, c);
			if (next < 0 && number_accepts(d->v_num)) {
				rc = V_END;
				break;
			}
			if (k == room) {
				rc = V_OVER;
				break;
			}
			k++;
			if (next < 0) {
				rc = V_END;
				break;
			}
			d->v_num = next;
			continue;
		}
		if (k == room) {
			rc = V_OVER;
			break;
		}
		k++;
		if (d->v_kind == U_ONE) {
			rc = V_END;
			break;
		}
		if (d->v_kind == U_LITERAL) {
			if (c != *d->v_lit || !*++d->v_lit) {
				rc = V_END;
				break;
			}
			continue;
		}
		/* containers and strings */
		if (d->v_in_str) {
			if (d->v_esc) {
				d->v_esc = 0;
			} else if (c == '\\') {
				d->v_esc = 1;
			} else if (c == '"') {
				d->v_in_str = 0;
				if (d->v_kind == U_STRING) {
					rc = V_END;
					break;
				}
			} else if (c == '\n') {
				/* strings do not span lines: the strict skipper says so */
				rc = V_END;
				break;
			} else {
				/* the bulk of a string: on to the next byte that matters */
				size_t lim = n < room ? n : room;
				while (k < lim && b[k] != '"' && b[k] != '\\' && b[k] != '\n')
					k++;
			}
		} else if (c == '"') {
			d->v_in_str = 1;
		} else if (c == '{' || c == '[') {
			d->v_depth++;
		} else if ((c == '}' || c == ']') && --d->v_depth == 0) {
			rc = V_END;
			break;
		}
	}
	*used = k;
	return rc;
}

/* Top-level values of b[0..n). d->pos, d->line and d->col are those of b[0]
 * (or of the value in progress). */
static int doc_piece(iamw_decoder *d, const char *b, size_t n)
{
	size_t i = 0;
	int rc;
	while (i < n && d->state == S_DOC) {
		if (!d->in_value) {
			while (i < n && is_ws((unsigned char)b[i])) {
				if (b[i] == '\n') {
					d->line++;
					d->col = 1;
				} else {
					d->col++;
				}
				d->pos++;
				i++;
			}
			if (i == n)
				break;
			begin_value(d, b[i]);
		}
		size_t used;
		int st = scan_value(d, b + i, n - i, d->max_bytes - d->v_len, &used);
		d->v_len += used;
		if (st == V_MORE)
			return hold(d, b + i, used);
		if (d->held_len) {
			if ((rc = hold(d, b + i, used)) != IAMW_OK)
				return rc;
			rc = value_text(d, d->held, d->held_len, st == V_OVER, NULL, NULL);
		} else {
			rc = value_text(d, b + i, used, st == V_OVER, NULL, NULL);
		}
		if (rc != 0)
			return rc;
		i += used;
	}
	return 0;
}

static int mode_piece(iamw_decoder *d, const char *b, size_t n)
{
	switch (d->state) {
	case S_LINES: return lines_piece(d, b, n);
	case S_DOC: return doc_piece(d, b, n);
	default: return 0; /* S_SKIP */
	}
}

/* ---- detection ------------------------------------------------------------ */

/* The end of the line holding p: the '\n' offset, or n (*found = 0). */
static size_t line_end(const char *s, size_t n, size_t p, int *found)
{
	const char *nl = memchr(s + p, '\n', n - p);
	*found = nl != NULL;
	return nl ? (size_t)(nl - s) : n;
}

/* Decide the layout from the prefix s[0..n) (at most max_bytes + 1 bytes
 * after any byte order mark). eof: the stream ends there; full: the prefix
 * is as long as detection looks. Returns D_* or IAMW_ENOMEM; *at is the
 * first non-blank byte. Once a prefix decides, every longer one decides the
 * same. */
static int detect(iamw_decoder *d, const char *s, size_t n, int eof, int full, size_t *at)
{
	int rc, found;
	size_t p = iamw__json_ws(s, n, 0);
	*at = p;
	if (p == n) /* blank so far: a document skips blanks without holding them */
		return eof ? D_EMPTY : full ? D_DOC : D_UNDECIDED;
	char c = s[p];
	if (c == '[')
		return D_DOC;
	size_t nl = line_end(s, n, p, &found);
	if (c != '{') {
		/* Not JSON objects at all (a README, a zip file) is one problem, not
		 * one per line; but an NDJSON stream whose first line is damaged
		 * still has a second line that starts an object. */
		size_t p2 = found ? iamw__json_ws(s, n, nl) : n;
		if (p2 == n)
			return eof || full ? D_NOTJSON : D_UNDECIDED;
		return s[p2] == '{' ? D_LINES : D_NOTJSON;
	}
	if (!found && !eof)
		return full ? D_LINES : D_UNDECIDED; /* too long to hold: NDJSON reports it */
	size_t end;
	iamw__jerr e;
	rc = iamw__json_skip(&d->stack, s, nl, p, &end, &e);
	if (rc == IAMW_ENOMEM)
		return rc;
	if (rc == IAMW_OK) {
		/* complete on its first line: NDJSON, unless more values follow on
		 * the same line (concatenated JSON, as Firehose writes) */
		end = iamw__json_ws(s, nl, end);
		return end < nl && (s[end] == '{' || s[end] == '[') ? D_DOC : D_LINES;
	}
	if (!e.incomplete)
		return D_LINES; /* a broken line: NDJSON reports it */
	/* It continues on the next line: a pretty-printed document, unless the
	 * next line is a complete object by itself and this one did not open a
	 * container (then this is an NDJSON stream whose first line is broken). */
	rc = iamw__walk_opens_container(&d->stack, s, nl, p);
	if (rc < 0)
		return rc;
	if (rc)
		return D_DOC;
	size_t p2 = iamw__json_ws(s, n, nl);
	if (p2 == n)
		return eof || full ? D_DOC : D_UNDECIDED;
	if (s[p2] != '{')
		return D_DOC;
	size_t nl2 = line_end(s, n, p2, &found);
	if (!found && !eof)
		return full ? D_DOC : D_UNDECIDED;
	rc = iamw__json_skip(&d->stack, s, nl2, p2, &end, &e);
	if (rc == IAMW_ENOMEM)
		return rc;
	return rc == IAMW_OK && iamw__json_ws(s, nl2, end) == nl2 ? D_LINES : D_DOC;
}

/* Run detection over the prefix s[0..n) of the stream and, once it decides,
 * enter the mode, reporting a stream that is not JSON (*stop: what the
 * problem callback returned). Returns D_UNDECIDED, the decision (*skip:
 * where a byte order mark ends), or IAMW_ENOMEM. */
static int decide(iamw_decoder *d, const char *s, size_t n, int eof, size_t *skip, int *stop)
{
	static const char bom[] = "\xEF\xBB\xBF";
	*stop = 0;
	if (!n)
		s = ""; /* nothing held yet: no pointer arithmetic on NULL */
	size_t b = 0;
	if (n >= 3 && memcmp(s, bom, 3) == 0)
		b = 3;
	else if (n < 3 && !eof && memcmp(s, bom, n) == 0)
		return D_UNDECIDED;
	size_t cap = d->max_bytes + 1;
	size_t len = n - b > cap ? cap : n - b;
	size_t at;
	int r = detect(d, s + b, len, eof && n - b <= cap, n - b >= cap, &at);
	if (r < 0 || (r == D_UNDECIDED && !eof))
		return r;
	if (r == D_UNDECIDED) /* every rule decides at the end; should one not, read on */
		r = D_DOC;
	*skip = b;
	d->pos = b;
	d->state = r == D_LINES ? S_LINES : r == D_DOC ? S_DOC : S_SKIP;
	if (r != D_NOTJSON)
		return r;
	uint64_t line = 1;
	size_t bol = 0;
	for (size_t i = 0; i < at; i++) {
		if (s[b + i] == '\n') {
			line++;
			bol = i + 1;
		}
	}
	unsigned char c = (unsigned char)s[b + at];
	if (c > 0x20 && c < 0x7f)
		*stop = report(d, IAMW_EJSON, 0, line, at - bol + 1, b + at,
		               "not JSON objects (starts with '%c'); file skipped", c);
	else
		*stop = report(d, IAMW_EJSON, 0, line, at - bol + 1, b + at,
		               "not JSON objects (starts with byte 0x%02x); file skipped", c);
	return r;
}

/* The held detection prefix, once decided: decoded as the first piece. */
static int replay_held(iamw_decoder *d, size_t skip)
{
	char *p = d->held;
	size_t n = d->held_len, cap = d->held_cap;
	d->held = d->aux;
	d->held_cap = d->aux_cap;
	d->held_len = 0;
	d->aux = p;
	d->aux_cap = cap;
	return n > skip ? mode_piece(d, p + skip, n - skip) : 0;
}

static int detect_piece(iamw_decoder *d, const char *b, size_t n)
{
	size_t skip;
	int stop, r;
	if (!d->held_len) {
		/* decide on the piece where it lies when it can */
		r = decide(d, b, n, 0, &skip, &stop);
		if (r < 0)
			return r;
		if (r == D_UNDECIDED)
			return hold(d, b, n); /* less than max_bytes + 4 */
		return stop ? stop : mode_piece(d, b + skip, n - skip);
	}
	size_t limit = d->max_bytes + 4; /* a byte order mark and max_bytes + 1 */
	size_t take = n < limit - d->held_len ? n : limit - d->held_len;
	if ((r = hold(d, b, take)) != IAMW_OK)
		return r;
	r = decide(d, d->held, d->held_len, 0, &skip, &stop);
	if (r < 0)
		return r;
	if (r == D_UNDECIDED)
		return 0; /* everything was taken: a full prefix decides */
	if (stop)
		return stop;
	if ((r = replay_held(d, skip)) != 0)
		return r;
	return mode_piece(d, b + take, n - take);
}

/* ---- end of a stream ------------------------------------------------------------- */

static int end_stream(iamw_decoder *d, const char *cause)
{
	int rc = 0, reported = 0, stop;
	size_t skip;
	if (d->state == S_DETECT) {
		rc = decide(d, d->held, d->held_len, 1, &skip, &stop);
		if (rc >= 0)
			rc = stop ? stop : replay_held(d, skip);
	}
	if (rc == 0 && d->state == S_LINES) {
		if (d->skipping) {
			d->skipping = 0;
			rc = long_line(d);
		} else if (d->held_len) {
			size_t len = d->held_len;
			d->held_len = 0;
			rc = line_text(d, d->held, len, cause, &reported);
		}
	} else if (rc == 0 && d->state == S_DOC && d->in_value) {
		rc = value_text(d, d->held, d->held_len, 0, cause, &reported);
	}
	if (rc == 0 && cause && !reported)
		rc = report(d, IAMW_EJSON, 1, 0, 0, d->fed, "%s", cause);
	return rc;
}

/* ---- API ---------------------------------------------------------------------- */

int iamw_decoder_options_init(iamw_decoder_options *opts, unsigned version)
{
	if (!opts || version != 1)
		return IAMW_EINVAL;
	memset(opts, 0, sizeof *opts);
	opts->version = version;
	opts->max_bytes = IAMW_DECODER_DEFAULT_MAX_BYTES;
	return IAMW_OK;
}

int iamw_decoder_new(iamw_decoder **out, const iamw_decoder_options *opts)
{
	if (!out)
		return IAMW_EINVAL;
	*out = NULL;
	size_t max = IAMW_DECODER_DEFAULT_MAX_BYTES;
	if (opts) {
		/* room for the detection prefix and a byte order mark on top */
		if (opts->version != 1 || opts->max_bytes > SIZE_MAX / 2)
			return IAMW_EINVAL;
		if (opts->max_bytes)
			max = opts->max_bytes;
	}
	iamw_decoder *d = iamw__calloc(1, sizeof *d);
	if (!d)
		return IAMW_ENOMEM;
	d->max_bytes = max;
	reset_stream(d);
	*out = d;
	return IAMW_OK;
}

void iamw_decoder_free(iamw_decoder *d)
{
	if (!d)
		return;
	iamw__free(d->held);
	iamw__free(d->aux);
	iamw__free(d->scratch);
	iamw__jstack_free(&d->stack);
	iamw__free(d);
}

int iamw_decoder_set_callbacks(iamw_decoder *d, iamw_record_cb on_record,
                               iamw_problem_cb on_problem, void *payload)
{
	if (!d)
		return IAMW_EINVAL;
	if (d->in_callback)
		return IAMW_EBUSY;
	d->on_record = on_record;
	d->on_problem = on_problem;
	d->payload = payload;
	return IAMW_OK;
}

void iamw__decoder_callbacks(const iamw_decoder *d, iamw_record_cb *on_record,
                             iamw_problem_cb *on_problem, void **payload)
{
	*on_record = d->on_record;
	*on_problem = d->on_problem;
	*payload = d->payload;
}

int iamw__decoder_run(iamw_decoder *d, const void *buf, size_t len, iamw__decoder_end end,
                      const char *cause, iamw_record_cb on_record, iamw_problem_cb on_problem,
                      void *payload)
{
	if (!d || (!buf && len))
		return IAMW_EINVAL;
	if (d->in_callback)
		return IAMW_EBUSY;
	if (end == IAMW__DECODER_MORE && d->state == S_STOPPED)
		return IAMW_EINVAL;
	d->run_record = on_record;
	d->run_problem = on_problem;
	d->run_payload = payload;
	int rc = 0;
	if (len && d->state != S_STOPPED) {
		d->stats.bytes += len;
		d->fed += len;
		switch (d->state) {
		case S_DETECT: rc = detect_piece(d, buf, len); break;
		case S_SKIP: break;
		default: rc = mode_piece(d, buf, len); break;
		}
		if (rc != 0)
			d->state = S_STOPPED; /* the rest of the stream is abandoned */
	}
	if (end != IAMW__DECODER_MORE) {
		if (d->state != S_STOPPED) {
			if (end == IAMW__DECODER_FAIL && !cause)
				cause = "the input ended before its end";
			rc = end_stream(d, end == IAMW__DECODER_FAIL ? cause : NULL);
		}
		d->stats.streams++;
		reset_stream(d);
	}
	d->run_record = NULL;
	d->run_problem = NULL;
	d->run_payload = NULL;
	return rc;
}

int iamw_decoder_feed(iamw_decoder *d, const void *buf, size_t len)
{
	if (!d)
		return IAMW_EINVAL;
	return iamw__decoder_run(d, buf, len, IAMW__DECODER_MORE, NULL, d->on_record, d->on_problem,
	                         d->payload);
}

int iamw_decoder_finish(iamw_decoder *d)
{
	if (!d)
		return IAMW_EINVAL;
	return iamw__decoder_run(d, NULL, 0, IAMW__DECODER_FINISH, NULL, d->on_record,
	                         d->on_problem, d->payload);
}

int iamw_decoder_fail(iamw_decoder *d, const char *cause)
{
	if (!d)
		return IAMW_EINVAL;
	return iamw__decoder_run(d, NULL, 0, IAMW__DECODER_FAIL, cause, d->on_record, d->on_problem,
	                         d->payload);
}

int iamw_decoder_get_stats(const iamw_decoder *d, iamw_decoder_stats *out)
{
	if (!d || !out)
		return IAMW_EINVAL;
	*out = d->stats;
	return IAMW_OK;
}
