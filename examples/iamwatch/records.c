/* SPDX-License-Identifier: MIT */
/*
 * records.c - reads CloudTrail records out of whatever a user points
 * `iamwatch scan` at: files (plain or gzip, through zlib's transparent gz*
 * reader), directories walked in sorted order, or standard input.
 *
 * Each file's layout is detected from its first bytes: a file whose first
 * non-blank line is a complete JSON value is read line by line (NDJSON,
 * streamed, constant memory per line); anything else (a pretty-printed
 * CloudTrail delivery file, a JSON array, `aws logs` output) is read whole and
 * walked as a sequence of JSON values. Every value, line or array element is
 * then classified by its keys: a CloudTrail "Records" file, a CloudWatch Logs
 * export ("events") or subscription message ("logEvents"), an EventBridge
 * envelope ("detail-type" + "detail"), a single CloudWatch Logs event
 * ("message"), or else a record itself.
 *
 * Records are handed out as their exact bytes in the input (no parse and
 * re-serialise) so that the engine matches what was logged. To find their
 * extent a small iterative JSON skipper validates the syntax without
 * building a tree; it keeps its nesting in a heap stack so deep nesting cannot
 * overflow the C stack. Only CloudWatch Logs messages, which are JSON strings
 * holding JSON, are unescaped into a scratch buffer.
 *
 * After a JSON syntax error nothing later in the same text can be trusted to
 * be where it seems, so the rest of that line (NDJSON) or file (whole
 * document) is skipped and said so; the records before the error still come
 * out. Values of the wrong shape are reported and skipped one by one.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "records.h"

#define BLOCK ((size_t)1 << 20)
#define DEFAULT_MAX_BYTES ((size_t)512 << 20)

enum { M_NONE, M_DETECT, M_LINES, M_DOC };
/* Frame kinds: a document's sequence of top-level values, or the elements
 * of an array (what they must be depends on where the array came from). */
enum { F_SEQ, F_ARRAY, F_RECORDS, F_EVENTS, F_LOGEVENTS };

#ifdef __GNUC__
#define PRINTF_LIKE(a, b) __attribute__((format(printf, a, b)))
#else
#define PRINTF_LIKE(a, b)
#endif

/* ---- JSON skipping ---------------------------------------------------- */

typedef struct jerr {
	size_t pos;
	const char *msg;
	int ch;         /* the offending byte for "unexpected character", else -1 */
	int incomplete; /* the text ended inside the value (more input might fix it) */
} jerr;

static int jfail(jerr *e, size_t pos, const char *msg, int ch, int incomplete)
{
	e->pos = pos;
	e->msg = msg;
	e->ch = ch;
	e->incomplete = incomplete;
	return -1;
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const char *s, size_t n, size_t p)
{
	while (p < n && is_ws((unsigned char)s[p]))
		p++;
	return p;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* s[p] is '"'. Bytes inside strings are not checked (invalid UTF-8 and
 * control characters are the JSON parser's business), except a raw newline:
 * a JSON string cannot span lines, and treating it as the end lets a broken
 * NDJSON line be told from a document that continues on the next line. */
static int skip_string(const char *s, size_t n, size_t p, size_t *end, jerr *e)
{
	size_t start = p++;
	for (;;) {
		while (p < n && s[p] != '"' && s[p] != '\\' && s[p] != '\n')
			p++;
		if (p >= n)
			return jfail(e, start, "unterminated string", -1, 1);
		if (s[p] == '"') {
			*end = p + 1;
			return 0;
		}
		if (s[p] == '\n')
			return jfail(e, start, "unterminated string", -1, 0);
		if (++p >= n)
			return jfail(e, start, "unterminated string", -1, 1);
		switch (s[p]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p++;
			break;
		case 'u':
			for (size_t k = 1; k <= 4; k++) {
				if (p + k >= n)
					return jfail(e, start, "unterminated string", -1, 1);
				if (!isxdigit((unsigned char)s[p + k]))
					return jfail(e, p - 1, "invalid \\u escape in string", -1, 0);
			}
			p += 5;
			break;
		default:
			return jfail(e, p - 1, "invalid escape in string", -1, 0);
		}
	}
}

static int skip_number(const char *s, size_t n, size_t p, size_t *end, jerr *e)
{
	size_t start = p;
	if (s[p] == '-')
		p++;
	if (p >= n)
		return jfail(e, start, "incomplete number", -1, 1);
	if (s[p] == '0')
		p++;
	else if (is_digit(s[p]))
		while (p < n && is_digit(s[p]))
			p++;
	else
		return jfail(e, start, "invalid number", -1, 0);
	if (p < n && s[p] == '.') {
		if (++p >= n)
			return jfail(e, start, "incomplete number", -1, 1);
		if (!is_digit(s[p]))
			return jfail(e, start, "invalid number", -1, 0);
		while (p < n && is_digit(s[p]))
			p++;
	}
	if (p < n && (s[p] == 'e' || s[p] == 'E')) {
		p++;
		if (p < n && (s[p] == '+' || s[p] == '-'))
			p++;
		if (p >= n)
			return jfail(e, start, "incomplete number", -1, 1);
		if (!is_digit(s[p]))
			return jfail(e, start, "invalid number", -1, 0);
		while (p < n && is_digit(s[p]))
			p++;
	}
	*end = p;
	return 0;
}

static int skip_literal(const char *s, size_t n, size_t p, size_t *end, jerr *e)
{
	const char *lit = s[p] == 't' ? "true" : s[p] == 'f' ? "false" : "null";
	size_t len = strlen(lit);
	for (size_t k = 0; k < len; k++) {
		if (p + k >= n)
			return jfail(e, p, "incomplete literal", -1, 1);
		if (s[p + k] != lit[k])
			return jfail(e, p, "invalid literal", -1, 0);
	}
	*end = p + len;
	return 0;
}

/* Skip the JSON value starting at or after s[p] (leading white space allowed);
 * *end is the offset just past it. Iterative: the open brackets live in
 * r->stack, one byte per level. */
static int json_skip(record_reader *r, const char *s, size_t n, size_t p, size_t *end, jerr *e)
{
	enum { VALUE, KEY, AFTER } state = VALUE;
	size_t depth = 0;
	for (;;) {
		if (state == AFTER && depth == 0) {
			*end = p; /* not past trailing white space: spans are exact */
			return 0;
		}
		p = skip_ws(s, n, p);
		if (p >= n)
			return jfail(e, p, "unexpected end of input", -1, 1);
		char c = s[p];
		if (state == KEY) {
			if (c != '"')
				return jfail(e, p, "expected a string key", -1, 0);
			if (skip_string(s, n, p, &p, e) < 0)
				return -1;
			p = skip_ws(s, n, p);
			if (p >= n)
				return jfail(e, p, "unexpected end of input", -1, 1);
			if (s[p] != ':')
				return jfail(e, p, "expected ':'", -1, 0);
			p++;
			state = VALUE;
			continue;
		}
		if (state == AFTER) {
			unsigned char open = r->stack[depth - 1];
			char close = open == '{' ? '}' : ']';
			if (c == ',') {
				p++;
				state = open == '{' ? KEY : VALUE;
			} else if (c == close) {
				p++;
				depth--;
			} else {
				return jfail(e, p, open == '{' ? "expected ',' or '}'" : "expected ',' or ']'",
				             -1, 0);
			}
			continue;
		}
		/* VALUE */
		switch (c) {
		case '{':
		case '[':
			if (depth == r->stack_cap) {
				size_t cap = r->stack_cap ? r->stack_cap * 2 : 256;
				unsigned char *st = realloc(r->stack, cap);
				if (!st)
					return jfail(e, p, "out of memory (nesting too deep)", -1, 0);
				r->stack = st;
				r->stack_cap = cap;
			}
			r->stack[depth++] = (unsigned char)c;
			p = skip_ws(s, n, p + 1);
			if (p < n && s[p] == (c == '{' ? '}' : ']')) {
				p++;
				depth--;
				state = AFTER;
			} else {
				state = c == '{' ? KEY : VALUE;
			}
			continue;
		case '"':
			if (skip_string(s, n, p, &p, e) < 0)
				return -1;
			break;
		case 't': case 'f': case 'n':
			if (skip_literal(s, n, p, &p, e) < 0)
				return -1;
			break;
		default:
			if (c == '-' || is_digit(c)) {
				if (skip_number(s, n, p, &p, e) < 0)
					return -1;
				break;
			}
			return jfail(e, p, "unexpected character", (unsigned char)c, 0);
		}
		state = AFTER;
	}
}

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
		size_t off;
	} keys[] = {
		{"Records", offsetof(objinfo, records)},
		{"events", offsetof(objinfo, events)},
		{"logEvents", offsetof(objinfo, log_events)},
		{"messageType", offsetof(objinfo, message_type)},
		{"detail", offsetof(objinfo, detail)},
		{"detail-type", offsetof(objinfo, detail_type)},
		{"message", offsetof(objinfo, message)},
		{"timestamp", offsetof(objinfo, timestamp)},
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strlen(keys[i].name) == n && memcmp(keys[i].name, k, n) == 0)
			return (span *)((char *)oi + keys[i].off);
	return NULL;
}

/* Validate the object at s[p] == '{' while noting where the interesting
 * members are. On error the members seen so far are still filled in (a
 * span's start is set before its value is skipped), so that a truncated
 * Records file can still hand out the records before the damage. */
static int scan_object(record_reader *r, const char *s, size_t n, size_t p, objinfo *oi, jerr *e)
{
	memset(oi, 0, sizeof *oi);
	p = skip_ws(s, n, p + 1);
	if (p < n && s[p] == '}') {
		oi->end = p + 1;
		return 0;
	}
	for (;;) {
		if (p >= n)
			return jfail(e, p, "unexpected end of input", -1, 1);
		if (s[p] != '"')
			return jfail(e, p, "expected a string key", -1, 0);
		size_t ks = p + 1;
		if (skip_string(s, n, p, &p, e) < 0)
			return -1;
		span *slot = key_slot(oi, s + ks, p - 1 - ks);
		p = skip_ws(s, n, p);
		if (p >= n)
			return jfail(e, p, "unexpected end of input", -1, 1);
		if (s[p] != ':')
			return jfail(e, p, "expected ':'", -1, 0);
		p = skip_ws(s, n, p + 1);
		if (slot) {
			slot->present = 1;
			slot->start = slot->end = p;
		}
		if (json_skip(r, s, n, p, &p, e) < 0)
			return -1;
		if (slot)
			slot->end = p;
		p = skip_ws(s, n, p);
		if (p >= n)
			return jfail(e, p, "unexpected end of input", -1, 1);
		if (s[p] == ',') {
			p = skip_ws(s, n, p + 1);
			continue;
		}
		if (s[p] == '}') {
			oi->end = p + 1;
			return 0;
		}
		return jfail(e, p, "expected ',' or '}'", -1, 0);
	}
}

static const char *json_type(char c)
{
	switch (c) {
	case '{': return "an object";
	case '[': return "an array";
	case '"': return "a string";
	case 't': case 'f': return "a boolean";
	case 'n': return "null";
	default: return "a number";
	}
}

static void describe(const jerr *e, char *buf, size_t size)
{
	if (e->ch < 0)
		snprintf(buf, size, "%s", e->msg);
	else if (e->ch > 0x20 && e->ch < 0x7f)
		snprintf(buf, size, "%s '%c'", e->msg, e->ch);
	else
		snprintf(buf, size, "%s (byte 0x%02x)", e->msg, (unsigned)e->ch);
}

/* Decode the JSON string s[0..n) (quotes included, already validated) into
 * r->scratch. Lone surrogates become U+FFFD; other bytes pass unchanged. */
static int unescape(record_reader *r, const char *s, size_t n, size_t *outlen)
{
	if (r->scratch_cap < n + 1) {
		char *b = realloc(r->scratch, n + 1);
		if (!b)
			return -1;
		r->scratch = b;
		r->scratch_cap = n + 1;
	}
	char *o = r->scratch;
	size_t i = 1, end = n - 1;
	while (i < end) {
		const char *bs = memchr(s + i, '\\', end - i);
		size_t plain = bs ? (size_t)(bs - (s + i)) : end - i;
		memcpy(o, s + i, plain);
		o += plain;
		i += plain;
		if (i >= end)
			break;
		char c = s[i + 1];
		i += 2;
		switch (c) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned long cp = strtoul((char[5]){s[i], s[i + 1], s[i + 2], s[i + 3], 0}, NULL, 16);
			i += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= end && s[i] == '\\' && s[i + 1] == 'u') {
				unsigned long lo = strtoul(
				    (char[5]){s[i + 2], s[i + 3], s[i + 4], s[i + 5], 0}, NULL, 16);
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					i += 6;
				}
			}
			if (cp >= 0xD800 && cp < 0xE000)
				cp = 0xFFFD;
			if (cp < 0x80) {
				*o++ = (char)cp;
			} else if (cp < 0x800) {
				*o++ = (char)(0xC0 | (cp >> 6));
				*o++ = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				*o++ = (char)(0xE0 | (cp >> 12));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
				*o++ = (char)(0x80 | (cp & 0x3F));
			} else {
				*o++ = (char)(0xF0 | (cp >> 18));
				*o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
				*o++ = (char)(0x80 | (cp & 0x3F));
			}
			break;
		}
		default: *o++ = c; break; /* '"', '\\', '/' */
		}
	}
	*o = '\0';
	*outlen = (size_t)(o - r->scratch);
	return 0;
}

/* A CloudWatch Logs "timestamp": milliseconds since the epoch, a JSON number. */
static int parse_timestamp(const char *s, const span *v, int64_t *ms)
{
	size_t n = v->end - v->start;
	if (!v->present || n == 0 || n > 40 || !(s[v->start] == '-' || is_digit(s[v->start])))
		return 0;
	char buf[48];
	memcpy(buf, s + v->start, n);
	buf[n] = '\0';
	if (strcspn(buf, ".eE") == n) {
		errno = 0;
		long long x = strtoll(buf, NULL, 10);
		if (errno)
			return 0;
		*ms = x;
		return 1;
	}
	double d = strtod(buf, NULL);
	if (!(d > -9.2e18 && d < 9.2e18))
		return 0;
	*ms = (int64_t)d;
	return 1;
}

/* ---- the input source: gzread with our own buffer -------------------- */
/* input.c's line_reader is not used because format detection must look at
 * the first lines without consuming them, a whole-document read must keep the
 * exact bytes (including "\r"), and over-long lines must be skipped rather
 * than buffered. */

static void src_errmsg(rr_src *s)
{
	int zerr;
	const char *msg = gzerror(s->gz, &zerr);
	snprintf(s->errmsg, sizeof s->errmsg, "%s", zerr == Z_ERRNO ? strerror(errno) : msg);
}

/* Read more into the buffer. Returns bytes read, 0 at end of data, -1 read
 * error (s->err, s->errmsg), -2 when the unconsumed bytes already exceed
 * max_bytes and the buffer is full (so it is not grown further). */
static int src_fill(record_reader *r)
{
	rr_src *s = &r->src;
	if (s->err)
		return -1;
	if (s->eof)
		return 0;
	if (s->start > 0) {
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->end -= s->start;
		s->start = 0;
	}
	if (s->end == s->cap) {
		if (s->end > r->max_bytes)
			return -2;
		size_t cap = s->cap * 2;
		char *b = realloc(s->buf, cap + 1);
		if (!b) {
			snprintf(s->errmsg, sizeof s->errmsg, "out of memory");
			s->err = 1;
			return -1;
		}
		s->buf = b;
		s->cap = cap;
	}
	size_t want = s->cap - s->end;
	if (want > (size_t)1 << 30)
		want = (size_t)1 << 30;
	int n = gzread(s->gz, s->buf + s->end, (unsigned)want);
	if (n < 0) {
		src_errmsg(s);
		s->err = 1;
		return -1;
	}
	if (n == 0) {
		int zerr;
		gzerror(s->gz, &zerr);
		if (zerr == Z_BUF_ERROR) {
			/* zlib's way of saying the gzip stream stopped mid-way */
			snprintf(s->errmsg, sizeof s->errmsg, "unexpected end of compressed data");
			s->err = 1;
			return -1;
		}
		s->eof = 1;
		return 0;
	}
	s->end += (size_t)n;
	s->total += (unsigned long long)n;
	r->bytes += (unsigned long long)n;
	return n;
}

/* Next line without its "\n" / "\r\n". 1 = a line, 0 = end of data,
 * -1 = read error, -2 = a line longer than max_bytes, skipped. */
static int src_line(record_reader *r, const char **line, size_t *len)
{
	rr_src *s = &r->src;
	size_t scanned = 0; /* bytes already known to hold no '\n' */
	for (;;) {
		char *from = s->buf + s->start;
		char *nl = memchr(from + scanned, '\n', s->end - s->start - scanned);
		if (nl || (s->eof && s->end > s->start)) {
			size_t n = nl ? (size_t)(nl - from) : s->end - s->start;
			s->start += n + (nl ? 1 : 0);
			s->line_no++;
			if (n > r->max_bytes)
				return -2;
			if (n && from[n - 1] == '\r')
				n--;
			*line = from;
			*len = n;
			return 1;
		}
		if (s->eof)
			return 0;
		scanned = s->end - s->start;
		int got = src_fill(r);
		if (got == -1)
			return -1;
		if (got == -2)
			break;
	}
	/* Too long to hold: drop bytes until the end of the line. */
	s->line_no++;
	for (;;) {
		s->start = s->end;
		int got = src_fill(r);
		if (got < 0)
			return -1;
		if (got == 0)
			return -2;
		char *nl = memchr(s->buf + s->start, '\n', s->end - s->start);
		if (nl) {
			s->start = (size_t)(nl - s->buf) + 1;
			return -2;
		}
	}
}

/* Find the end of the line holding offset off (relative to s->start) without
 * consuming anything. 1 = *nl is the '\n' offset; 0 = no '\n' before the end
 * of data (*nl = data length); <0 as src_fill, or -2 when the line is longer
 * than max_bytes. */
static int peek_line_end(record_reader *r, size_t off, size_t *nl)
{
	rr_src *s = &r->src;
	size_t scanned = off;
	for (;;) {
		const char *from = s->buf + s->start;
		const char *p = memchr(from + scanned, '\n', s->end - s->start - scanned);
		if (p) {
			*nl = (size_t)(p - from);
			return 1;
		}
		if (s->eof) {
			*nl = s->end - s->start;
			return 0;
		}
		if (s->end - s->start > r->max_bytes)
			return -2;
		scanned = s->end - s->start;
		int got = src_fill(r);
		if (got < 0)
			return got;
	}
}

/* First non-white byte at or after off. 1 = found (*at), 0 = none, <0 error. */
static int peek_nonblank(record_reader *r, size_t off, size_t *at)
{
	rr_src *s = &r->src;
	for (;;) {
		off = skip_ws(s->buf + s->start, s->end - s->start, off);
		if (off < s->end - s->start) {
			*at = off;
			return 1;
		}
		if (s->eof)
			return 0;
		if (s->end - s->start > r->max_bytes)
			return -2;
		int got = src_fill(r);
		if (got < 0)
			return got;
	}
}

/* ---- problems and records ---------------------------------------------- */

PRINTF_LIKE(4, 5)
static int problem(record_reader *r, record_problem *p, unsigned long long line, const char *fmt, ...)
{
	p->file = r->cur_path;
	p->line = line;
	p->fatal = line == 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof p->message, fmt, ap);
	va_end(ap);
	r->problems++;
	return -1;
}

void record_problem_print(FILE *f, const char *prefix, const record_problem *p)
{
	if (p->line)
		fprintf(f, "%s%s%s:%llu: %s\n", prefix ? prefix : "", prefix ? ": " : "",
		        p->file ? p->file : "?", p->line, p->message);
	else
		fprintf(f, "%s%s%s: %s\n", prefix ? prefix : "", prefix ? ": " : "",
		        p->file ? p->file : "?", p->message);
}

/* Line of r->text[pos]. Positions are asked for mostly in increasing order,
 * so a cursor makes this linear over a whole document. */
static unsigned long long line_at(record_reader *r, size_t pos)
{
	if (pos < r->cur_pos) {
		r->cur_pos = 0;
		r->cur_line = r->text_line;
	}
	while (r->cur_pos < pos) {
		const char *nl = memchr(r->text + r->cur_pos, '\n', pos - r->cur_pos);
		if (!nl) {
			r->cur_pos = pos;
			break;
		}
		r->cur_line++;
		r->cur_pos = (size_t)(nl - r->text) + 1;
	}
	return r->cur_line;
}

static size_t column_at(const record_reader *r, size_t pos)
{
	size_t b = pos;
	while (b > 0 && r->text[b - 1] != '\n')
		b--;
	return pos - b + 1;
}

/* A syntax error in r->text: nothing after it can be located reliably, so
 * every frame over this text is dropped (the rest of the line or file). */
static int syntax_problem(record_reader *r, record_problem *p, const jerr *e)
{
	/* inside an array of records (a Records document on one line, a JSON
	 * array): the records after the error in this text are lost too */
	int in_array = 0;
	for (size_t i = 0; i < r->n_frames; i++)
		in_array |= r->frames[i].kind != F_SEQ;
	r->n_frames = 0;
	if (e->incomplete && r->mode == M_DOC && r->src.err) {
		/* the document ends early because the file does: say why */
		r->src.err = 0;
		return problem(r, p, 0, "%s", r->src.errmsg);
	}
	char what[96];
	describe(e, what, sizeof what);
	unsigned long long line = line_at(r, e->pos);
	size_t col = column_at(r, e->pos);
	if (r->mode == M_DOC) {
		/* the rest of a document cannot be read: like a truncated gzip
		 * file, the records before the error count and scan fails */
		int rc = problem(r, p, line, "%s: %s at column %zu; rest of file skipped",
		                 e->incomplete ? "truncated JSON document" : "invalid JSON", what, col);
		p->fatal = 1;
		return rc;
	}
	if (in_array) {
		int rc = problem(r, p, line, "invalid JSON: %s at column %zu; rest of line skipped", what,
		                 col);
		p->fatal = 1;
		return rc;
	}
	return problem(r, p, line, "not a JSON object: %s at column %zu", what, col);
}

static int yield(record_reader *r, record *out, const char *json, size_t len,
                 unsigned long long line, unsigned long long index)
{
	out->json = json;
	out->len = len;
	out->file = r->cur_path;
	out->line = line;
	out->index = index;
	out->log_timestamp_ms = 0;
	out->has_log_timestamp = 0;
	return 1;
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

/* The EventBridge event at s (members in oi): its "detail" is the record. */
static int envelope(record_reader *r, record *out, record_problem *p, const char *s,
                    const objinfo *oi, unsigned long long line, unsigned long long index)
{
	const span *dt = &oi->detail_type, *d = &oi->detail;
	static const char tail[] = "via CloudTrail\"";
	size_t dtn = dt->end - dt->start;
	if (s[dt->start] != '"' || dtn < sizeof tail ||
	    memcmp(s + dt->end - (sizeof tail - 1), tail, sizeof tail - 1) != 0) {
		int shown = dtn > 80 ? 80 : (int)dtn;
		return problem(r, p, line, "EventBridge event is not from CloudTrail (detail-type %.*s)",
		               shown, s + dt->start);
	}
	if (s[d->start] != '{')
		return problem(r, p, line, "EventBridge \"detail\" is %s, not a JSON object",
		               json_type(s[d->start]));
	return yield(r, out, s + d->start, d->end - d->start, line, index);
}

/* A CloudWatch Logs event: its "message" string holds the record (or an
 * EventBridge envelope, as an EventBridge -> CloudWatch Logs target writes). */
static int log_event(record_reader *r, record *out, record_problem *p, const char *s,
                     const objinfo *oi, int kind, unsigned long long index)
{
	char where[48] = "";
	if (kind != F_SEQ)
		snprintf(where, sizeof where, "%s[%llu]: ", frame_name(kind), index);
	unsigned long long line = line_at(r, oi->message.start);
	size_t mlen;
	if (unescape(r, s + oi->message.start, oi->message.end - oi->message.start, &mlen) < 0)
		return problem(r, p, line, "%sout of memory", where);
	const char *m = r->scratch;
	size_t q = skip_ws(m, mlen, 0);
	jerr e;
	objinfo inner;
	char what[96];
	if (q >= mlen)
		return problem(r, p, line, "%smessage is not a JSON object: it is empty", where);
	if (m[q] != '{') {
		size_t vend;
		if (json_skip(r, m, mlen, q, &vend, &e) == 0)
			return problem(r, p, line, "%smessage is not a JSON object: found %s", where,
			               json_type(m[q]));
		describe(&e, what, sizeof what);
		return problem(r, p, line, "%smessage is not a JSON object: %s at byte %zu", where,
		               what, e.pos + 1);
	}
	if (scan_object(r, m, mlen, q, &inner, &e) < 0) {
		describe(&e, what, sizeof what);
		return problem(r, p, line, "%smessage is not a JSON object: %s at byte %zu", where,
		               what, e.pos + 1);
	}
	size_t after = skip_ws(m, mlen, inner.end);
	if (after < mlen)
		return problem(r, p, line,
		               "%smessage is not a JSON object: unexpected text after it at byte %zu",
		               where, after + 1);
	int rc;
	if (inner.records.present || inner.events.present || inner.log_events.present)
		return problem(r, p, line, "%smessage holds a container of records, not a record",
		               where);
	if (inner.detail.present && inner.detail_type.present)
		rc = envelope(r, out, p, m, &inner, line, index);
	else
		rc = yield(r, out, m + q, inner.end - q, line, index);
	if (rc == 1)
		out->has_log_timestamp = parse_timestamp(s, &oi->timestamp, &out->log_timestamp_ms);
	return rc;
}

/* Start walking the array value v as a frame. pending: the enclosing text is
 * known to be malformed at e->pos, reported when the walk gets there. */
static int push_array(record_reader *r, record_problem *p, int kind, const char *s, size_t n,
                      const span *v, const jerr *pending)
{
	if (r->n_frames == RR_MAX_FRAMES) {
		if (pending)
			return syntax_problem(r, p, pending);
		return problem(r, p, line_at(r, v->start), "containers nested too deeply; skipped");
	}
	rr_frame *f = &r->frames[r->n_frames++];
	memset(f, 0, sizeof *f);
	f->buf = s;
	f->pos = v->start + 1;
	f->end = n;
	f->kind = kind;
	if (pending) {
		f->has_pending = 1;
		f->pending_pos = pending->pos;
		f->pending_msg = pending->msg;
		f->pending_ch = pending->ch;
		f->pending_incomplete = pending->incomplete;
	}
	return 2;
}

/* Decide what the valid object s[start..oi->end) is and act on it:
 * 1 = a record in *out, -1 = a problem, 2 = nothing yet (a frame was pushed,
 * or a CONTROL_MESSAGE). kind is the frame the object came from. */
static int act_object(record_reader *r, record *out, record_problem *p, const char *s, size_t n,
                      size_t start, const objinfo *oi, int kind, unsigned long long index)
{
	unsigned long long line = line_at(r, start);
	if (kind == F_EVENTS || kind == F_LOGEVENTS) {
		if (!oi->message.present || s[oi->message.start] != '"')
			return problem(r, p, line, "%s[%llu] has no \"message\" string", frame_name(kind),
			               index);
		return log_event(r, out, p, s, oi, kind, index);
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
			return 2; /* CloudWatch Logs' health check: carries no records */
		if (!oi->log_events.present)
			return problem(r, p, line, "CloudWatch Logs subscription message has no \"logEvents\"");
		arr = &oi->log_events;
		akind = F_LOGEVENTS;
	} else if (oi->events.present) {
		arr = &oi->events;
		akind = F_EVENTS;
	}
	if (arr) {
		if (s[arr->start] != '[')
			return problem(r, p, line_at(r, arr->start), "\"%s\" is %s, not an array",
			               frame_name(akind), json_type(s[arr->start]));
		return push_array(r, p, akind, s, n, arr, NULL);
	}
	if (oi->detail.present && oi->detail_type.present)
		return envelope(r, out, p, s, oi, line_at(r, oi->detail.start), index);
	if (oi->message.present && s[oi->message.start] == '"')
		return log_event(r, out, p, s, oi, kind, index);
	return yield(r, out, s + start, oi->end - start, line, index);
}

/* A top-level value of r->text at s[pos]: an NDJSON line (whole = the value
 * must fill the line) or one value of a document. *next = just past it. */
static int top_value(record_reader *r, record *out, record_problem *p, const char *s, size_t n,
                     size_t pos, int whole, size_t *next)
{
	unsigned long long index = r->value_no++;
	char c = s[pos];
	jerr e;
	size_t end;
	if (c == '{') {
		objinfo oi;
		if (scan_object(r, s, n, pos, &oi, &e) < 0) {
			/* a container broken after its array began: hand out the
			 * records before the damage first */
			const span *arr = oi.records.present    ? &oi.records
			                  : oi.log_events.present ? &oi.log_events
			                  : oi.events.present     ? &oi.events
			                                          : NULL;
			int akind = oi.records.present ? F_RECORDS
			            : oi.log_events.present ? F_LOGEVENTS
			                                    : F_EVENTS;
			if (arr && s[arr->start] == '[' && e.pos > arr->start && !oi.message_type.present)
				return push_array(r, p, akind, s, n, arr, &e);
			return syntax_problem(r, p, &e);
		}
		end = oi.end;
		*next = end;
		if (whole) {
			size_t after = skip_ws(s, n, end);
			if (after < n)
				return problem(r, p, line_at(r, after),
				               "not a JSON object: unexpected text after it at column %zu",
				               column_at(r, after));
		}
		return act_object(r, out, p, s, n, pos, &oi, F_SEQ, index);
	}
	if (json_skip(r, s, n, pos, &end, &e) < 0) {
		if (c == '[')
			return push_array(r, p, F_ARRAY, s, n, &(span){pos, pos, 1}, &e);
		return syntax_problem(r, p, &e);
	}
	*next = end;
	if (whole) {
		size_t after = skip_ws(s, n, end);
		if (after < n)
			return problem(r, p, line_at(r, after),
			               "not a JSON object: unexpected text after %s at column %zu",
			               json_type(c), column_at(r, after));
	}
	if (c == '[')
		return push_array(r, p, F_ARRAY, s, n, &(span){pos, end, 1}, NULL);
	return problem(r, p, line_at(r, pos), "not a JSON object: found %s", json_type(c));
}

/* Take one step in the innermost frame. 1 / -1 / 2 as act_object. */
static int frame_step(record_reader *r, record *out, record_problem *p)
{
	rr_frame *f = &r->frames[r->n_frames - 1];
	const char *s = f->buf;
	size_t n = f->end;
	size_t pos = skip_ws(s, n, f->pos);
	jerr e;
	if (f->kind == F_SEQ) {
		if (pos >= n) {
			r->n_frames--;
			return 2;
		}
		f->pos = n; /* in case the value is not understood: nothing after it is */
		return top_value(r, out, p, s, n, pos, 0, &f->pos);
	}
	if (pos < n && s[pos] == ']') {
		r->n_frames--;
		if (f->has_pending) {
			jerr pe = {f->pending_pos, f->pending_msg, f->pending_ch, f->pending_incomplete};
			return syntax_problem(r, p, &pe);
		}
		return 2;
	}
	if (f->started) {
		if (pos >= n)
			return syntax_problem(r, p, &(jerr){pos, "unexpected end of input", -1, 1});
		if (s[pos] != ',')
			return syntax_problem(r, p, &(jerr){pos, "expected ',' or ']'", -1, 0});
		pos = skip_ws(s, n, pos + 1);
	}
	f->started = 1;
	unsigned long long index = f->index++;
	if (pos >= n)
		return syntax_problem(r, p, &(jerr){pos, "unexpected end of input", -1, 1});
	if (s[pos] == '{') {
		objinfo oi;
		if (scan_object(r, s, n, pos, &oi, &e) < 0)
			return syntax_problem(r, p, &e);
		f->pos = oi.end;
		return act_object(r, out, p, s, n, pos, &oi, f->kind, index);
	}
	size_t end;
	if (json_skip(r, s, n, pos, &end, &e) < 0)
		return syntax_problem(r, p, &e);
	f->pos = end;
	return problem(r, p, line_at(r, pos), "%s[%llu] is %s, not a JSON object",
	               frame_name(f->kind), index, json_type(s[pos]));
}

/* ---- files ------------------------------------------------------------- */

static void close_file(record_reader *r)
{
	if (r->src.gz)
		gzclose(r->src.gz);
	r->src.gz = NULL;
	/* do not keep a huge document's buffer around for the next small file */
	if (r->src.cap > 8 * BLOCK) {
		free(r->src.buf);
		r->src.buf = NULL;
		r->src.cap = 0;
	}
	r->file_open = 0;
	r->mode = M_NONE;
	r->n_frames = 0;
	r->text = NULL;
	r->text_len = 0;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void set_text(record_reader *r, const char *t, size_t n, unsigned long long line)
{
	r->text = t;
	r->text_len = n;
	r->text_line = line;
	r->cur_pos = 0;
	r->cur_line = line;
}

/* Look at the start of a freshly opened file and choose M_LINES or M_DOC.
 * Returns 2, or -1 with a problem (the file is then closed). */
static int detect(record_reader *r, record_problem *p)
{
	rr_src *s = &r->src;
	while (s->end - s->start < 3 && !s->eof && !s->err)
		if (src_fill(r) < 0)
			break;
	if (s->end - s->start >= 3 && memcmp(s->buf + s->start, "\xEF\xBB\xBF", 3) == 0)
		s->start += 3; /* a UTF-8 byte order mark, as some Windows tools write */
	size_t at, nl;
	int rc = peek_nonblank(r, 0, &at);
	if (rc == 0 || rc == -1) {
		/* zlib reads a 0-byte file as plain and empty; named .gz, it is a
		 * gzip file cut off before its header */
		if (rc == 0 && s->total == 0 && gzdirect(s->gz) && has_suffix(r->cur_path, ".gz"))
			snprintf(s->errmsg, sizeof s->errmsg, "unexpected end of compressed data");
		else if (rc == 0)
			goto empty;
		close_file(r);
		return problem(r, p, 0, "%s", s->errmsg);
	}
	r->mode = M_LINES;
	if (rc < 0)
		return 2;
	char c = s->buf[s->start + at];
	if (c == '[') {
		r->mode = M_DOC;
	} else if (c != '{') {
		/* Not JSON objects at all (a README, a zip file) is one problem, not
		 * one per line; but an NDJSON file whose first line is damaged still
		 * has a second line that starts an object. */
		size_t at2;
		const char *b = s->buf + s->start;
		const char *eol = memchr(b + at, '\n', s->end - s->start - at); /* no reading on */
		if (eol && peek_nonblank(r, (size_t)(eol - b), &at2) == 1 &&
		    s->buf[s->start + at2] == '{')
			return 2;
		unsigned long long line = 1;
		for (size_t i = 0; i < at; i++)
			line += s->buf[s->start + i] == '\n';
		close_file(r);
		if (c > 0x20 && c < 0x7f)
			return problem(r, p, line, "not JSON objects (starts with '%c'); file skipped", c);
		return problem(r, p, line, "not JSON objects (starts with byte 0x%02x); file skipped",
		               (unsigned)(unsigned char)c);
	} else {
		rc = peek_line_end(r, at, &nl);
		if (rc < 0)
			return 2; /* the line reader will report it */
		const char *b = s->buf + s->start;
		size_t end;
		jerr e;
		if (json_skip(r, b, nl, at, &end, &e) == 0) {
			/* complete on its first line: NDJSON, unless more values follow
			 * on the same line (concatenated JSON, as Firehose writes) */
			end = skip_ws(b, nl, end);
			if (end < nl && (b[end] == '{' || b[end] == '['))
				r->mode = M_DOC;
		} else if (e.incomplete) {
			/* continues on the next line: a pretty-printed document, unless
			 * the next line is a complete object by itself and this one did
			 * not open a container (then this is an NDJSON file whose first
			 * line is broken) */
			r->mode = M_DOC;
			objinfo oi;
			scan_object(r, b, nl, at, &oi, &e); /* fails: only the keys matter */
			int opens_container = oi.records.present || oi.events.present || oi.log_events.present;
			size_t at2, nl2;
			if (!opens_container && peek_nonblank(r, nl, &at2) == 1 &&
			    s->buf[s->start + at2] == '{' &&
			    peek_line_end(r, at2, &nl2) >= 0) {
				b = s->buf + s->start;
				if (json_skip(r, b, nl2, at2, &end, &e) == 0 &&
				    skip_ws(b, nl2, end) == nl2)
					r->mode = M_LINES;
			}
		}
	}
	if (r->mode == M_LINES)
		return 2;
	/* A whole document: read it all (CloudTrail files are small; capped). */
	for (;;) {
		if (s->end - s->start > r->max_bytes) {
			close_file(r);
			return problem(r, p, 0, "file is larger than %zu bytes; skipped", r->max_bytes);
		}
		rc = src_fill(r);
		if (rc == 0 || rc == -1)
			break; /* a read error is reported where the data runs out */
	}
	if (s->end - s->start > r->max_bytes) {
		close_file(r);
		return problem(r, p, 0, "file is larger than %zu bytes; skipped", r->max_bytes);
	}
	set_text(r, s->buf + s->start, s->end - s->start, 1);
	rr_frame *f = &r->frames[0];
	memset(f, 0, sizeof *f);
	f->buf = r->text;
	f->end = r->text_len;
	f->kind = F_SEQ;
	r->n_frames = 1;
	return 2;
empty:
	close_file(r);
	return 2;
}

/* Advance the open file by one line or finish it. 1 / -1 / 2. */
static int file_step(record_reader *r, record *out, record_problem *p)
{
	if (r->mode == M_DETECT)
		return detect(r, p);
	if (r->mode == M_DOC) {
		/* all frames done: the document is finished */
		int err = r->src.err;
		close_file(r);
		if (err)
			return problem(r, p, 0, "%s", r->src.errmsg);
		return 2;
	}
	const char *line;
	size_t len;
	int rc = src_line(r, &line, &len);
	if (rc == 0) {
		close_file(r);
		return 2;
	}
	if (rc == -1) {
		close_file(r);
		return problem(r, p, 0, "%s", r->src.errmsg);
	}
	if (rc == -2)
		return problem(r, p, r->src.line_no, "line is longer than %zu bytes; skipped",
		               r->max_bytes);
	size_t pos = skip_ws(line, len, 0);
	if (pos == len)
		return 2; /* blank lines separate nothing and hold nothing */
	set_text(r, line, len, r->src.line_no);
	size_t next;
	return top_value(r, out, p, line, len, pos, 1, &next);
}

static int open_file(record_reader *r, record_problem *p, int is_stdin)
{
	rr_src *s = &r->src;
	if (!s->buf) {
		s->buf = malloc(BLOCK + 1);
		if (!s->buf)
			return problem(r, p, 0, "out of memory");
		s->cap = BLOCK;
	}
	errno = 0;
	if (is_stdin) {
		int fd = dup(STDIN_FILENO);
		s->gz = fd < 0 ? NULL : gzdopen(fd, "rb");
		if (!s->gz && fd >= 0)
			close(fd);
	} else {
		s->gz = gzopen(r->cur_path, "rb");
	}
	if (!s->gz)
		return problem(r, p, 0, "%s", errno ? strerror(errno) : "cannot open");
	gzbuffer(s->gz, 256 * 1024);
	s->start = s->end = 0;
	s->eof = s->err = 0;
	s->errmsg[0] = '\0';
	s->line_no = 0;
	s->total = 0;
	r->files++;
	r->file_open = 1;
	r->mode = M_DETECT;
	r->value_no = 0;
	r->n_frames = 0;
	return 2;
}

/* ---- paths and directories ------------------------------------------- */

static int set_path(record_reader *r, char *owned)
{
	free(r->cur_path);
	r->cur_path = owned;
	return owned ? 0 : -1;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b); /* compares as unsigned char */
}

static void pop_dir(record_reader *r)
{
	rr_dir *d = &r->dirs[--r->n_dirs];
	for (size_t i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	free(d->path);
}

static int push_dir(record_reader *r, record_problem *p, const struct stat *st)
{
	/* stat follows symbolic links, so a link to an ancestor would recurse
	 * forever: refuse any directory already open above this one */
	for (size_t i = 0; i < r->n_dirs; i++)
		if (r->dirs[i].dev == st->st_dev && r->dirs[i].ino == st->st_ino)
			return problem(r, p, 0, "directory loop (symbolic link to an enclosing directory); skipped");
	if (r->n_dirs == r->cap_dirs) {
		size_t cap = r->cap_dirs ? r->cap_dirs * 2 : 8;
		rr_dir *dirs = realloc(r->dirs, cap * sizeof *dirs);
		if (!dirs)
			return problem(r, p, 0, "out of memory");
		r->dirs = dirs;
		r->cap_dirs = cap;
	}
	DIR *dir = opendir(r->cur_path);
	if (!dir)
		return problem(r, p, 0, "%s", strerror(errno));
	rr_dir d = {.dev = st->st_dev, .ino = st->st_ino};
	size_t cap = 0;
	int err = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(dir);
		if (!de) {
			err = errno;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (d.n == cap) {
			cap = cap ? cap * 2 : 16;
			char **names = realloc(d.names, cap * sizeof *names);
			if (!names) {
				err = ENOMEM;
				break;
			}
			d.names = names;
		}
		if (!(d.names[d.n] = strdup(de->d_name))) {
			err = ENOMEM;
			break;
		}
		d.n++;
	}
	closedir(dir);
	d.path = strdup(r->cur_path);
	if (err || !d.path) {
		for (size_t i = 0; i < d.n; i++)
			free(d.names[i]);
		free(d.names);
		free(d.path);
		return problem(r, p, 0, "%s", strerror(err ? err : ENOMEM));
	}
	if (d.n)
		qsort(d.names, d.n, sizeof *d.names, cmp_names);
	r->dirs[r->n_dirs++] = d;
	return 2;
}

static char *join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	int slash = a > 0 && dir[a - 1] != '/';
	char *s = malloc(a + (size_t)slash + b + 1);
	if (!s)
		return NULL;
	memcpy(s, dir, a);
	if (slash)
		s[a] = '/';
	memcpy(s + a + (size_t)slash, name, b + 1);
	return s;
}

/* Move on to the next file to read: 2 = opened, -1 = problem, 0 = no more. */
static int next_path(record_reader *r, record_problem *p)
{
	struct stat st;
	for (;;) {
		if (r->n_dirs) {
			rr_dir *d = &r->dirs[r->n_dirs - 1];
			if (d->i == d->n) {
				pop_dir(r);
				continue;
			}
			if (set_path(r, join(d->path, d->names[d->i++])) < 0)
				return problem(r, p, 0, "out of memory");
			if (stat(r->cur_path, &st) < 0)
				return problem(r, p, 0, "%s", strerror(errno));
			if (S_ISDIR(st.st_mode)) {
				if (push_dir(r, p, &st) < 0)
					return -1;
				continue;
			}
			/* a FIFO or device inside a tree could block or never end */
			if (!S_ISREG(st.st_mode))
				return problem(r, p, 0, "not a regular file; skipped");
			return open_file(r, p, 0);
		}
		if (r->path_i == r->n_paths)
			return 0;
		const char *path = r->paths[r->path_i++];
		if (strcmp(path, "-") == 0) {
			if (set_path(r, strdup("<stdin>")) < 0)
				return problem(r, p, 0, "out of memory");
			return open_file(r, p, 1);
		}
		if (set_path(r, strdup(path)) < 0)
			return problem(r, p, 0, "out of memory");
		if (stat(path, &st) < 0)
			return problem(r, p, 0, "%s", strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			if (push_dir(r, p, &st) < 0)
				return -1;
			continue;
		}
		/* named explicitly: read whatever it is (a pipe from <(...) too) */
		return open_file(r, p, 0);
	}
}

/* ---- public API -------------------------------------------------------- */

int record_reader_open(record_reader *r, const char *const *paths, size_t n_paths)
{
	memset(r, 0, sizeof *r);
	r->paths = paths;
	r->n_paths = n_paths;
	r->max_bytes = DEFAULT_MAX_BYTES;
	return 0;
}

int record_reader_next(record_reader *r, record *out, record_problem *problem_out)
{
	for (;;) {
		int rc;
		if (r->n_frames)
			rc = frame_step(r, out, problem_out);
		else if (r->file_open)
			rc = file_step(r, out, problem_out);
		else if ((rc = next_path(r, problem_out)) == 0)
			return 0;
		if (rc == 1) {
			r->records++;
			return 1;
		}
		if (rc == -1)
			return -1;
	}
}

void record_reader_close(record_reader *r)
{
	close_file(r);
	while (r->n_dirs)
		pop_dir(r);
	free(r->dirs);
	free(r->cur_path);
	free(r->src.buf);
	free(r->stack);
	free(r->scratch);
	memset(r, 0, sizeof *r);
}
