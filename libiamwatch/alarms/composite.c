/* SPDX-License-Identifier: MIT */
/*
 * composite.c - composite alarms: a recursive-descent parser for AlarmRule
 * (tokens from alarm_rule.re) into a small AST, evaluation against the
 * children's states, reference-cycle detection over a set of composites, the
 * composite's state logic with CloudWatch's StateReason / StateReasonData
 * texts, the ActionsSuppressor state machine (driven by the caller's clock)
 * and the PutCompositeAlarm definition reader.
 *
 * Decisions where CloudWatch is undocumented (docs/semantics.md):
 *  D-1  Precedence NOT > AND > OR; AND/OR left-associative. Keywords are
 *       upper case only; a lower/mixed-case keyword is a syntax error that
 *       names the keyword.
 *  D-2  Bare child names are runs of bytes other than blanks (space, tab,
 *       CR, LF), '(' , ')', '"' and control bytes. Names with blanks or
 *       parentheses must be quoted. Inside ALARM(...) any word counts as a
 *       name, keywords included: ALARM(TRUE) names an alarm called "TRUE".
 *  D-3  Quoted names: "..." with \" and \\ as the only escapes (any other
 *       backslash sequence is an error); control bytes are not allowed;
 *       "" is an error (empty name).
 *  D-4  An argument starting with "arn:" must be an alarm ARN
 *       arn:<partition>:cloudwatch:<region>:<account>:alarm:<name> with
 *       non-empty fields; the child is identified by <name> (so Name and its
 *       ARN are the same child). The ARN as written is kept.
 *  D-5  Limits: rule 1..10240 bytes (ETOOLONG at offset 10240); at most 100
 *       distinct children (ELIMIT at the argument of the 101st); at most 500
 *       elements = child references + TRUE/FALSE + grouping parenthesis pairs
 *       (ELIMIT at the 501st); nesting of grouping parentheses and NOT
 *       operators together at most 64 (EDEPTH at the 65th); a child name is
 *       1..255 characters (ELIMIT).
 *  D-6  Errors: first error wins; offset = the offending token's first byte,
 *       or the rule length for an unexpected end; source "rule".
 *  D-7  triggeringAlarms lists the children that decide the rule's value:
 *       a reference decides itself; NOT passes through; a TRUE AND / FALSE OR
 *       is decided by all its operands; a FALSE AND by its FALSE operands; a
 *       TRUE OR by its TRUE operands. Ordered newest state first (matches the
 *       AWS samples), ties in rule order. A child named by ARN is reported
 *       with that ARN, others with an ARN in the composite's account/region.
 *  D-8  A child-caused change is stamped with the child's state time (the
 *       AWS sample has identical times); creation/update with now_ms. An
 *       update that changes the state says "was updated and its alarm rule
 *       evaluates to X" (by analogy with the creation text).
 *  D-9  Suppression: see the state machine below.
 *  D-11 AT_LEAST(threshold, [NOT] STATE, (child, child, ...)) as the CDK
 *       renders it: threshold is a count 1..n of the listed children or a
 *       percentage 1%..100% (at least ceil(p * n / 100) children); children
 *       are names or ARNs separated by commas (so bare names cannot hold a
 *       comma: quote them). Its triggering children are those that satisfy
 *       the condition when it holds, and those that do not when it fails.
 *  D-10 PutCompositeAlarm: a suppressor without periods gets 60 s each (the
 *       value AWS suggests and CDK defaults to); periods are integers
 *       0..2^31-1 and need a suppressor; action ARNs of EC2 (arn:aws:automate:)
 *       or Auto Scaling are rejected; a rule that references the composite
 *       itself is a cycle.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alarms/composite.h"

#define NONE ((size_t)-1)

typedef enum rkind { RN_TRUE, RN_FALSE, RN_STATE, RN_NOT, RN_AND, RN_OR, RN_AT_LEAST } rkind;

typedef struct rnode {
	rkind kind;
	iamw_alarm_state state; /* RN_STATE; RN_AT_LEAST: the state counted */
	int negate;             /* RN_AT_LEAST: count children NOT in the state */
	unsigned threshold;     /* RN_AT_LEAST: a count, or a percentage when percent */
	int percent;
	size_t ref;             /* RN_STATE: index into refs */
	char *arg;              /* RN_STATE: argument as written, unescaped */
	size_t first, last;     /* children (NOT: one; AND/OR: two or more) */
	size_t next;            /* sibling */
	size_t offset;
} rnode;

typedef struct rref {
	char *name; /* alarm name */
	char *arn;  /* ARN as first written, or NULL */
	size_t offset;
} rref;

struct iamw__rule {
	char *src;
	size_t len;
	rnode *nodes;
	size_t n_nodes, cap_nodes;
	rref *refs;
	size_t n_refs, cap_refs;
	size_t root;
	size_t n_elements;
};

/* ---------------------------------------------------------------- parser */

typedef struct parser {
	iamw__rule *r;
	const char *src;
	size_t len;
	iamw__rule_token tok;
	unsigned depth;
	iamw_error *err;
	int rc;
} parser;

static int fail(parser *p, int code, size_t offset, size_t length, const char *fmt, ...)
    IAMW_PRINTF(5, 6);

static int fail(parser *p, int code, size_t offset, size_t length, const char *fmt, ...)
{
	if (p->rc)
		return p->rc;
	char text[IAMW_ERROR_TEXT_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	p->rc = code;
	iamw__error_set(p->err, code, offset, length, "rule", "%s", text);
	return code;
}

static void advance(parser *p)
{
	p->tok = iamw__rule_lex(p->src, p->len, p->tok.offset + p->tok.length);
}

static int is_word(iamw__rule_tok_kind k)
{
	return k >= IAMW__RT_ALARM && k <= IAMW__RT_NAME;
}

/* The token's text for a message: 'text', cut at 40 bytes. */
static void quote_tok(const parser *p, const iamw__rule_token *t, char *buf, size_t size)
{
	if (t->kind == IAMW__RT_EOF) {
		snprintf(buf, size, "end of rule");
		return;
	}
	if (t->kind == IAMW__RT_STRING) {
		snprintf(buf, size, "a quoted name");
		return;
	}
	int n = t->length > 40 ? 40 : (int)t->length;
	snprintf(buf, size, "'%.*s'%s", n, p->src + t->offset, t->length > 40 ? "..." : "");
}

/* Report a token the lexer could not form; returns 1 when t is one. */
static int lex_error(parser *p, const iamw__rule_token *t)
{
	size_t end = t->offset + t->length;
	unsigned char c;
	switch (t->kind) {
	case IAMW__RT_INVALID:
		c = (unsigned char)p->src[t->offset];
		if (c == 0)
			fail(p, IAMW_ESYNTAX, t->offset, 1, "invalid NUL byte in the alarm rule");
		else
			fail(p, IAMW_ESYNTAX, t->offset, 1,
			     "invalid control byte 0x%02x in the alarm rule", c);
		return 1;
	case IAMW__RT_BAD_ESCAPE:
		if (end >= p->len) {
			fail(p, IAMW_ESYNTAX, t->offset, t->length, "unterminated quoted name");
			return 1;
		}
		c = (unsigned char)p->src[end];
		if (c > 0x20 && c < 0x7f)
			fail(
			    p, IAMW_ESYNTAX, end - 1, 2,
			    "invalid escape '\\%c' in quoted name (only \\\" and \\\\ are escapes)",
			    c);
		else
			fail(p, IAMW_ESYNTAX, end - 1, 1,
			     "invalid escape in quoted name (only \\\" and \\\\ are escapes)");
		return 1;
	case IAMW__RT_UNTERMINATED:
		if (end >= p->len) {
			fail(p, IAMW_ESYNTAX, t->offset, t->length, "unterminated quoted name");
			return 1;
		}
		c = (unsigned char)p->src[end];
		if (c == 0)
			fail(p, IAMW_ESYNTAX, end, 1, "invalid NUL byte in quoted name");
		else
			fail(p, IAMW_ESYNTAX, end, 1, "invalid control byte 0x%02x in quoted name",
			     c);
		return 1;
	default: return 0;
	}
}

/* A NAME that is a keyword in another case: report it; returns 1 if so. */
static int miscased_keyword(parser *p, const iamw__rule_token *t)
{
	static const char *const kws[] = {"AND",  "OR",    "NOT",     "ALARM", "OK", "INSUFFICIENT_DATA",
	                                  "TRUE", "FALSE", "AT_LEAST"};
	if (t->kind != IAMW__RT_NAME)
		return 0;
	for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++) {
		size_t n = strlen(kws[i]);
		if (n != t->length)
			continue;
		size_t j = 0;
		for (; j < n; j++) {
			char c = p->src[t->offset + j];
			if (c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			if (c != kws[i][j])
				break;
		}
		if (j == n) {
			fail(p, IAMW_ESYNTAX, t->offset, t->length,
			     "unknown keyword '%.*s' (%s are upper case)", (int)t->length,
			     p->src + t->offset, i < 3 ? "operators" : "keywords");
			return 1;
		}
	}
	return 0;
}

static size_t new_node(parser *p, rkind kind, size_t offset)
{
	iamw__rule *r = p->r;
	if (r->n_nodes == r->cap_nodes) {
		size_t cap = r->cap_nodes ? r->cap_nodes * 2 : 16;
		rnode *nn = iamw__realloc(r->nodes, cap * sizeof *nn);
		if (!nn) {
			fail(p, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "out of memory");
			return NONE;
		}
		r->nodes = nn;
		r->cap_nodes = cap;
	}
	rnode *n = &r->nodes[r->n_nodes];
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->ref = NONE;
	n->first = n->last = n->next = NONE;
	n->offset = offset;
	return r->n_nodes++;
}

static void append_child(iamw__rule *r, size_t parent, size_t child)
{
	rnode *pn = &r->nodes[parent];
	if (pn->last == NONE)
		pn->first = child;
	else
		r->nodes[pn->last].next = child;
	pn->last = child;
}

static int count_element(parser *p, const iamw__rule_token *t)
{
	if (++p->r->n_elements > IAMW_RULE_MAX_ELEMENTS)
		return fail(p, IAMW_ELIMIT, t->offset, t->length,
		            "more than %d elements in the alarm rule", IAMW_RULE_MAX_ELEMENTS);
	return 0;
}

static size_t utf8_chars(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

/* For "arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>" return
 * the offset of <name>, or 0 when s is not of that shape. */
static size_t arn_name_offset(const char *s, size_t n)
{
	if (n < 4 || memcmp(s, "arn:", 4) != 0)
		return 0;
	size_t field_start[6], field_len[6];
	size_t i = 4;
	for (int f = 0; f < 5; f++) {
		field_start[f] = i;
		while (i < n && s[i] != ':')
			i++;
		if (i >= n)
			return 0;
		field_len[f] = i - field_start[f];
		if (field_len[f] == 0)
			return 0;
		i++;
	}
	/* fields: partition, service, region, account, resource type */
	if (field_len[1] != 10 || memcmp(s + field_start[1], "cloudwatch", 10) != 0)
		return 0;
	if (field_len[4] != 5 || memcmp(s + field_start[4], "alarm", 5) != 0)
		return 0;
	if (i >= n)
		return 0;
	return i;
}

/* Reduce "arn:...:alarm:Name" to "Name"; other text is returned as is. */
static const char *reduce_name(const char *s)
{
	size_t off = arn_name_offset(s, strlen(s));
	return s + off;
}

/* Register child argument arg (NUL-terminated, owned by the caller) that
 * starts at offset/length in the source; returns the ref index or NONE. */
static size_t add_ref(parser *p, const char *arg, size_t offset, size_t length)
{
	iamw__rule *r = p->r;
	size_t alen = strlen(arg);
	if (alen == 0) {
		fail(p, IAMW_ESYNTAX, offset, length, "empty alarm name");
		return NONE;
	}
	const char *name = arg;
	int is_arn = alen >= 4 && memcmp(arg, "arn:", 4) == 0;
	if (is_arn) {
		size_t off = arn_name_offset(arg, alen);
		if (!off) {
			fail(p, IAMW_ESYNTAX, offset, length,
			     "malformed alarm ARN (expected arn:<partition>:cloudwatch:<region>:"
			     "<account>:alarm:<name>)");
			return NONE;
		}
		name = arg + off;
	}
	size_t nlen = strlen(name);
	if (utf8_chars(name, nlen) > IAMW_ALARM_NAME_MAX) {
		fail(p, IAMW_ELIMIT, offset, length, "alarm name longer than %d characters",
		     IAMW_ALARM_NAME_MAX);
		return NONE;
	}
	for (size_t i = 0; i < r->n_refs; i++)
		if (strcmp(r->refs[i].name, name) == 0) {
			if (is_arn && !r->refs[i].arn) {
				r->refs[i].arn = iamw__strndup(arg, alen);
				if (!r->refs[i].arn) {
					fail(p, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "out of memory");
					return NONE;
				}
			}
			return i;
		}
	if (r->n_refs == IAMW_RULE_MAX_CHILDREN) {
		fail(p, IAMW_ELIMIT, offset, length, "more than %d child alarms in the alarm rule",
		     IAMW_RULE_MAX_CHILDREN);
		return NONE;
	}
	if (r->n_refs == r->cap_refs) {
		size_t cap = r->cap_refs ? r->cap_refs * 2 : 8;
		rref *nr = iamw__realloc(r->refs, cap * sizeof *nr);
		if (!nr) {
			fail(p, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "out of memory");
			return NONE;
		}
		r->refs = nr;
		r->cap_refs = cap;
	}
	rref *rf = &r->refs[r->n_refs];
	rf->name = iamw__strndup(name, nlen);
	rf->arn = is_arn ? iamw__strndup(arg, alen) : NULL;
	rf->offset = offset;
	if (!rf->name || (is_arn && !rf->arn)) {
		iamw__free(rf->name);
		iamw__free(rf->arn);
		fail(p, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "out of memory");
		return NONE;
	}
	return r->n_refs++;
}

/* The argument text of a child token: a word as is, a quoted name with its
 * quotes and escapes removed. */
static char *arg_text(parser *p, const iamw__rule_token *t)
{
	const char *s = p->src + t->offset;
	if (t->kind != IAMW__RT_STRING)
		return iamw__strndup(s, t->length);
	char *out = iamw__malloc(t->length);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 1; i + 1 < t->length; i++) {
		if (s[i] == '\\')
			i++;
		out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

static size_t parse_or(parser *p);

/* state_call = ("ALARM" | "OK" | "INSUFFICIENT_DATA") "(" child ")"
 * child      = bare-name | keyword | quoted-name */
static size_t parse_state_call(parser *p)
{
	iamw__rule_token kw = p->tok;
	const char *fn = iamw__rule_tok_name(kw.kind);
	iamw_alarm_state st = kw.kind == IAMW__RT_ALARM ? IAMW_STATE_ALARM
	                      : kw.kind == IAMW__RT_OK  ? IAMW_STATE_OK
	                                                : IAMW_STATE_INSUFFICIENT_DATA;
	advance(p);
	if (p->tok.kind != IAMW__RT_LPAREN) {
		if (lex_error(p, &p->tok))
			return NONE;
		fail(p, IAMW_ESYNTAX, p->tok.kind == IAMW__RT_EOF ? p->len : p->tok.offset,
		     p->tok.length, "expected '(' after %s", fn);
		return NONE;
	}
	advance(p);
	iamw__rule_token a = p->tok;
	if (lex_error(p, &a))
		return NONE;
	if (a.kind == IAMW__RT_EOF) {
		fail(p, IAMW_ESYNTAX, p->len, 0,
		     "expected an alarm name after '%s(' but found end of rule", fn);
		return NONE;
	}
	if (a.kind == IAMW__RT_RPAREN) {
		fail(p, IAMW_ESYNTAX, a.offset, a.length, "expected an alarm name in %s()", fn);
		return NONE;
	}
	if (a.kind == IAMW__RT_LPAREN) {
		fail(p, IAMW_ESYNTAX, a.offset, a.length,
		     "unexpected '(' in an alarm name (quote names that contain parentheses)");
		return NONE;
	}
	/* a is a word or a quoted name */
	if (count_element(p, &a))
		return NONE;
	char *arg = arg_text(p, &a);
	if (!arg) {
		fail(p, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "out of memory");
		return NONE;
	}
	size_t ref = add_ref(p, arg, a.offset, a.length);
	size_t n = ref == NONE ? NONE : new_node(p, RN_STATE, kw.offset);
	if (n == NONE) {
		iamw__free(arg);
		return NONE;
	}
	p->r->nodes[n].state = st;
	p->r->nodes[n].ref = ref;
	p->r->nodes[n].arg = arg;
	advance(p);
	if (p->tok.kind == IAMW__RT_RPAREN) {
		advance(p);
		return n;
	}
	if (lex_error(p, &p->tok))
		return NONE;
	if (p->tok.kind == IAMW__RT_EOF)
		fail(p, IAMW_ESYNTAX, p->len, 0,
		     "expected ')' to close '%s(' but found end of rule", fn);
	else if (p->tok.kind == IAMW__RT_LPAREN)
		fail(p, IAMW_ESYNTAX, p->tok.offset, p->tok.length,
		     "unexpected '(' in an alarm name (quote names that contain parentheses)");
	else if (is_word(p->tok.kind) || p->tok.kind == IAMW__RT_STRING)
		fail(p, IAMW_ESYNTAX, p->tok.offset, p->tok.length,
		     "expected ')' after the alarm name (quote names that contain spaces)");
	else if (p->tok.kind == IAMW__RT_COMMA)
		fail(p, IAMW_ESYNTAX, p->tok.offset, p->tok.length,
		     "expected ')' after the alarm name (quote names that contain commas)");
	return NONE;
}

/* Expect token kind k; report what came instead (about `what`). */
static int expect(parser *p, iamw__rule_tok_kind k, const char *what)
{
	if (p->tok.kind == k) {
		advance(p);
		return 0;
	}
	if (lex_error(p, &p->tok) || miscased_keyword(p, &p->tok))
		return -1;
	char found[64];
	quote_tok(p, &p->tok, found, sizeof found);
	fail(p, IAMW_ESYNTAX, p->tok.kind == IAMW__RT_EOF ? p->len : p->tok.offset,
	     p->tok.length, "expected %s but found %s", what, found);
	return -1;
}

/* A child reference inside AT_LEAST's list: a RN_STATE node of the state
 * counted. */
static size_t parse_listed_child(parser *p, iamw_alarm_state st, size_t at_offset)
{
	iamw__rule_token a = p->tok;
	if (lex_error(p, &a))
		return NONE;
	if (!(is_word(a.kind) || a.kind == IAMW__RT_STRING)) {
		expect(p, IAMW__RT_NAME, "an alarm name");
		return NONE;
	}
	if (count_element(p, &a))
		return NONE;
	char *arg = arg_text(p, &a);
	if (!arg) {
		fail(p, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "out of memory");
		return NONE;
	}
	size_t ref = add_ref(p, arg, a.offset, a.length);
	size_t n = ref == NONE ? NONE : new_node(p, RN_STATE, at_offset);
	if (n == NONE) {
		iamw__free(arg);
		return NONE;
	}
	p->r->nodes[n].state = st;
	p->r->nodes[n].ref = ref;
	p->r->nodes[n].arg = arg;
	advance(p);
	return n;
}

/* at_least  = "AT_LEAST" "(" threshold "," ["NOT"] state "," "(" child { "," child } ")" ")"
 * threshold = digits | digits "%"
 * state     = "ALARM" | "OK" | "INSUFFICIENT_DATA" */
static size_t parse_at_least(parser *p)
{
	iamw__rule_token kw = p->tok;
	advance(p);
	if (expect(p, IAMW__RT_LPAREN, "'(' after AT_LEAST"))
		return NONE;
	iamw__rule_token th = p->tok;
	unsigned long value = 0;
	int percent = 0;
	size_t i = 0;
	const char *s = p->src + th.offset;
	if (th.kind == IAMW__RT_NAME)
		while (i < th.length && s[i] >= '0' && s[i] <= '9' && value <= 100000)
			value = value * 10 + (unsigned long)(s[i++] - '0');
	if (i > 0 && i + 1 == th.length && s[i] == '%') {
		percent = 1;
		i++;
	}
	if (th.kind != IAMW__RT_NAME || i == 0 || i != th.length) {
		if (!lex_error(p, &th))
			fail(p, IAMW_ESYNTAX, th.kind == IAMW__RT_EOF ? p->len : th.offset, th.length,
			     "AT_LEAST needs a count or a percentage first (AT_LEAST(2, ALARM, (a, b)) "
			     "or AT_LEAST(50%%, ALARM, (a, b)))");
		return NONE;
	}
	if (percent && (value < 1 || value > 100)) {
		fail(p, IAMW_ESYNTAX, th.offset, th.length,
		     "an AT_LEAST percentage is from 1%% to 100%%");
		return NONE;
	}
	advance(p);
	if (expect(p, IAMW__RT_COMMA, "',' after the AT_LEAST threshold"))
		return NONE;
	int negate = 0;
	if (p->tok.kind == IAMW__RT_NOT) {
		negate = 1;
		advance(p);
	}
	iamw_alarm_state st;
	switch (p->tok.kind) {
	case IAMW__RT_ALARM: st = IAMW_STATE_ALARM; break;
	case IAMW__RT_OK: st = IAMW_STATE_OK; break;
	case IAMW__RT_INSUFFICIENT_DATA: st = IAMW_STATE_INSUFFICIENT_DATA; break;
	default:
		expect(p, IAMW__RT_ALARM, "ALARM, OK or INSUFFICIENT_DATA in AT_LEAST");
		return NONE;
	}
	advance(p);
	if (expect(p, IAMW__RT_COMMA, "',' after the AT_LEAST state") ||
	    expect(p, IAMW__RT_LPAREN, "'(' opening AT_LEAST's list of alarms"))
		return NONE;
	size_t n = new_node(p, RN_AT_LEAST, kw.offset);
	if (n == NONE)
		return NONE;
	p->r->nodes[n].state = st;
	p->r->nodes[n].negate = negate;
	p->r->nodes[n].threshold = (unsigned)value;
	p->r->nodes[n].percent = percent;
	unsigned listed = 0;
	for (;;) {
		size_t c = parse_listed_child(p, st, kw.offset);
		if (c == NONE)
			return NONE;
		append_child(p->r, n, c);
		listed++;
		if (p->tok.kind != IAMW__RT_COMMA)
			break;
		advance(p);
	}
	if (expect(p, IAMW__RT_RPAREN, "',' or ')' in AT_LEAST's list of alarms") ||
	    expect(p, IAMW__RT_RPAREN, "')' closing AT_LEAST"))
		return NONE;
	if (!percent && (value < 1 || value > listed)) {
		fail(p, IAMW_ESYNTAX, th.offset, th.length,
		     "an AT_LEAST count is from 1 to the number of alarms listed (%u)", listed);
		return NONE;
	}
	return n;
}

/* The token cannot start an operand: report why. */
static void bad_operand(parser *p)
{
	const iamw__rule_token *t = &p->tok;
	char what[64];
	if (lex_error(p, t) || miscased_keyword(p, t))
		return;
	switch (t->kind) {
	case IAMW__RT_EOF:
		fail(p, IAMW_ESYNTAX, p->len, 0,
		     "expected ALARM, OK, INSUFFICIENT_DATA, AT_LEAST, TRUE, FALSE, NOT or '(' but "
		     "found end of rule");
		return;
	case IAMW__RT_RPAREN: fail(p, IAMW_ESYNTAX, t->offset, t->length, "unexpected ')'"); return;
	case IAMW__RT_AND:
	case IAMW__RT_OR:
		fail(p, IAMW_ESYNTAX, t->offset, t->length, "unexpected %s (missing operand)",
		     iamw__rule_tok_name(t->kind));
		return;
	default:
		quote_tok(p, t, what, sizeof what);
		fail(p, IAMW_ESYNTAX, t->offset, t->length,
		     "unexpected %s: alarm names go inside ALARM(), OK() or INSUFFICIENT_DATA()",
		     what);
		return;
	}
}

/* primary = "TRUE" | "FALSE" | "(" or_expr ")" | state_call */
static size_t parse_primary(parser *p)
{
	iamw__rule_token t = p->tok;
	size_t n;
	switch (t.kind) {
	case IAMW__RT_TRUE:
	case IAMW__RT_FALSE:
		if (count_element(p, &t))
			return NONE;
		n = new_node(p, t.kind == IAMW__RT_TRUE ? RN_TRUE : RN_FALSE, t.offset);
		if (n != NONE)
			advance(p);
		return n;
	case IAMW__RT_ALARM:
	case IAMW__RT_OK:
	case IAMW__RT_INSUFFICIENT_DATA: return parse_state_call(p);
	case IAMW__RT_AT_LEAST: return parse_at_least(p);
	case IAMW__RT_LPAREN:
		if (p->depth >= IAMW_RULE_MAX_DEPTH) {
			fail(p, IAMW_EDEPTH, t.offset, t.length,
			     "parentheses and NOT nested deeper than %d", IAMW_RULE_MAX_DEPTH);
			return NONE;
		}
		if (count_element(p, &t))
			return NONE;
		p->depth++;
		advance(p);
		n = parse_or(p);
		p->depth--;
		if (n == NONE)
			return NONE;
		if (p->tok.kind == IAMW__RT_RPAREN) {
			advance(p);
			return n;
		}
		if (p->tok.kind == IAMW__RT_EOF) {
			fail(p, IAMW_ESYNTAX, p->len, 0,
			     "unbalanced parentheses: '(' at offset %zu is not closed", t.offset);
			return NONE;
		}
		if (!lex_error(p, &p->tok) && !miscased_keyword(p, &p->tok)) {
			char what[64];
			quote_tok(p, &p->tok, what, sizeof what);
			fail(p, IAMW_ESYNTAX, p->tok.offset, p->tok.length,
			     "expected AND, OR or ')' but found %s", what);
		}
		return NONE;
	default: bad_operand(p); return NONE;
	}
}

/* unary = "NOT" unary | primary */
static size_t parse_unary(parser *p)
{
	if (p->tok.kind != IAMW__RT_NOT)
		return parse_primary(p);
	iamw__rule_token t = p->tok;
	if (p->depth >= IAMW_RULE_MAX_DEPTH) {
		fail(p, IAMW_EDEPTH, t.offset, t.length,
		     "parentheses and NOT nested deeper than %d", IAMW_RULE_MAX_DEPTH);
		return NONE;
	}
	p->depth++;
	advance(p);
	size_t c = parse_unary(p);
	p->depth--;
	if (c == NONE)
		return NONE;
	size_t n = new_node(p, RN_NOT, t.offset);
	if (n != NONE)
		append_child(p->r, n, c);
	return n;
}

/* and_expr = unary { "AND" unary } */
static size_t parse_and(parser *p)
{
	size_t left = parse_unary(p);
	if (left == NONE || p->tok.kind != IAMW__RT_AND)
		return left;
	size_t n = new_node(p, RN_AND, p->r->nodes[left].offset);
	if (n == NONE)
		return NONE;
	append_child(p->r, n, left);
	while (p->tok.kind == IAMW__RT_AND) {
		advance(p);
		size_t right = parse_unary(p);
		if (right == NONE)
			return NONE;
		append_child(p->r, n, right);
	}
	return n;
}

/* or_expr = and_expr { "OR" and_expr } */
static size_t parse_or(parser *p)
{
	size_t left = parse_and(p);
	if (left == NONE || p->tok.kind != IAMW__RT_OR)
		return left;
	size_t n = new_node(p, RN_OR, p->r->nodes[left].offset);
	if (n == NONE)
		return NONE;
	append_child(p->r, n, left);
	while (p->tok.kind == IAMW__RT_OR) {
		advance(p);
		size_t right = parse_and(p);
		if (right == NONE)
			return NONE;
		append_child(p->r, n, right);
	}
	return n;
}

/* rule = or_expr EOF */
static int parse_rule(parser *p)
{
	advance(p);
	if (p->tok.kind == IAMW__RT_EOF)
		return fail(p, IAMW_ESYNTAX, p->len, 0, "empty alarm rule");
	size_t n = parse_or(p);
	if (n == NONE)
		return p->rc;
	if (p->tok.kind == IAMW__RT_EOF) {
		p->r->root = n;
		return 0;
	}
	if (p->tok.kind == IAMW__RT_RPAREN)
		return fail(p, IAMW_ESYNTAX, p->tok.offset, p->tok.length,
		            "unexpected ')' (unbalanced parentheses)");
	if (!lex_error(p, &p->tok) && !miscased_keyword(p, &p->tok)) {
		char what[64];
		quote_tok(p, &p->tok, what, sizeof what);
		fail(p, IAMW_ESYNTAX, p->tok.offset, p->tok.length,
		     "expected AND, OR or end of rule but found %s", what);
	}
	return p->rc;
}

void iamw__rule_free(iamw__rule *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_nodes; i++)
		iamw__free(r->nodes[i].arg);
	for (size_t i = 0; i < r->n_refs; i++) {
		iamw__free(r->refs[i].name);
		iamw__free(r->refs[i].arn);
	}
	iamw__free(r->nodes);
	iamw__free(r->refs);
	iamw__free(r->src);
	iamw__free(r);
}

int iamw__rule_compile(iamw__rule **out, const char *text, size_t len, iamw_error *err)
{
	iamw__error_clear(err);
	if (!out)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "rule", "no output");
	*out = NULL;
	if (!text)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "rule", "no rule text");
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(text);
	if (len > IAMW_RULE_MAX_LEN)
		return iamw__error_set(
		    err, IAMW_ETOOLONG, IAMW_RULE_MAX_LEN, len - IAMW_RULE_MAX_LEN, "rule",
		    "alarm rule longer than %d bytes (%zu)", IAMW_RULE_MAX_LEN, len);
	iamw__rule *r = iamw__calloc(1, sizeof *r);
	if (!r || !(r->src = iamw__strndup(text, len))) {
		iamw__free(r);
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "rule",
		                       "out of memory");
	}
	r->len = len;
	r->root = NONE;
	parser p;
	memset(&p, 0, sizeof p);
	p.r = r;
	p.src = r->src;
	p.len = len;
	p.err = err;
	/* tok.offset/length 0: the first advance() lexes from 0 */
	int rc = parse_rule(&p);
	if (rc) {
		iamw__rule_free(r);
		return rc;
	}
	*out = r;
	return IAMW_OK;
}

const char *iamw__rule_source(const iamw__rule *r)
{
	return r ? r->src : NULL;
}

size_t iamw__rule_source_len(const iamw__rule *r)
{
	return r ? r->len : 0;
}

size_t iamw__rule_ref_count(const iamw__rule *r)
{
	return r ? r->n_refs : 0;
}

const char *iamw__rule_ref_name(const iamw__rule *r, size_t i)
{
	return r && i < r->n_refs ? r->refs[i].name : NULL;
}

const char *iamw__rule_ref_arn(const iamw__rule *r, size_t i)
{
	return r && i < r->n_refs ? r->refs[i].arn : NULL;
}

size_t iamw__rule_ref_offset(const iamw__rule *r, size_t i)
{
	return r && i < r->n_refs ? r->refs[i].offset : IAMW_NO_OFFSET;
}

size_t iamw__rule_ref_find(const iamw__rule *r, const char *name_or_arn)
{
	if (!r || !name_or_arn)
		return NONE;
	const char *name = reduce_name(name_or_arn);
	for (size_t i = 0; i < r->n_refs; i++)
		if (strcmp(r->refs[i].name, name) == 0)
			return i;
	return NONE;
}

size_t iamw__rule_element_count(const iamw__rule *r)
{
	return r ? r->n_elements : 0;
}

/* ------------------------------------------------------------ evaluation */

static int eval_node(const iamw__rule *r, size_t i, const iamw_alarm_state *states);

/* Whether AT_LEAST node n holds: enough listed children satisfy it. */
static int eval_at_least(const iamw__rule *r, const rnode *n, const iamw_alarm_state *states)
{
	unsigned listed = 0, satisfied = 0;
	for (size_t c = n->first; c != NONE; c = r->nodes[c].next) {
		listed++;
		satisfied += (unsigned)(eval_node(r, c, states) != n->negate);
	}
	/* a percentage asks for at least that share: ceil(p * listed / 100) */
	unsigned need = n->percent ? (n->threshold * listed + 99) / 100 : n->threshold;
	return satisfied >= need;
}

static int eval_node(const iamw__rule *r, size_t i, const iamw_alarm_state *states)
{
	const rnode *n = &r->nodes[i];
	switch (n->kind) {
	case RN_AT_LEAST: return eval_at_least(r, n, states);
	case RN_TRUE: return 1;
	case RN_FALSE: return 0;
	case RN_STATE: return states[n->ref] == n->state;
	case RN_NOT: return !eval_node(r, n->first, states);
	case RN_AND:
		for (size_t c = n->first; c != NONE; c = r->nodes[c].next)
			if (!eval_node(r, c, states))
				return 0;
		return 1;
	case RN_OR:
		for (size_t c = n->first; c != NONE; c = r->nodes[c].next)
			if (eval_node(r, c, states))
				return 1;
		return 0;
	}
	return 0;
}

int iamw__rule_eval_states(const iamw__rule *r, const iamw_alarm_state *states, size_t n,
                           int *out_true)
{
	if (!r || !out_true || n != r->n_refs || (n && !states))
		return IAMW_EINVAL;
	*out_true = eval_node(r, r->root, states);
	return IAMW_OK;
}

/* Look every child up once. */
static int lookup_all(const iamw__rule *r, iamw__rule_lookup_fn lookup, void *payload,
                      iamw_alarm_state *states, int64_t *times, iamw_error *err)
{
	for (size_t i = 0; i < r->n_refs; i++) {
		iamw_alarm_state st = IAMW_STATE_INSUFFICIENT_DATA;
		int64_t t = 0;
		int rc = lookup(r->refs[i].name, payload, &st, &t);
		if (rc < 0)
			return iamw__error_set(err, rc, r->refs[i].offset, 0, "rule",
			                       "looking up child alarm '%s' failed",
			                       r->refs[i].name);
		if (rc == 0)
			return iamw__error_set(
			    err, IAMW_ENOTFOUND, r->refs[i].offset,
			    strlen(r->refs[i].arn ? r->refs[i].arn : r->refs[i].name), "rule",
			    "unknown child alarm '%s'", r->refs[i].name);
		if (st != IAMW_STATE_OK && st != IAMW_STATE_ALARM &&
		    st != IAMW_STATE_INSUFFICIENT_DATA)
			return iamw__error_set(err, IAMW_EINVAL, r->refs[i].offset, 0, "rule",
			                       "child alarm '%s' has an invalid state",
			                       r->refs[i].name);
		states[i] = st;
		times[i] = t;
	}
	return IAMW_OK;
}

int iamw__rule_eval(const iamw__rule *r, iamw__rule_lookup_fn lookup, void *payload, int *out_true,
                    iamw_error *err)
{
	iamw__error_clear(err);
	if (!r || !lookup || !out_true)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "rule",
		                       "invalid argument");
	iamw_alarm_state states[IAMW_RULE_MAX_CHILDREN];
	int64_t times[IAMW_RULE_MAX_CHILDREN];
	int rc = lookup_all(r, lookup, payload, states, times, err);
	if (rc)
		return rc;
	*out_true = eval_node(r, r->root, states);
	return IAMW_OK;
}

static void mark_witnesses(const iamw__rule *r, size_t i, const iamw_alarm_state *states,
                           unsigned char *mark)
{
	const rnode *n = &r->nodes[i];
	int v;
	switch (n->kind) {
	case RN_TRUE:
	case RN_FALSE: return;
	case RN_STATE: mark[n->ref] = 1; return;
	case RN_NOT: mark_witnesses(r, n->first, states, mark); return;
	case RN_AT_LEAST:
		/* it holds because of the children that satisfy it, and fails
		 * because of those that do not */
		v = eval_node(r, i, states);
		for (size_t c = n->first; c != NONE; c = r->nodes[c].next)
			if ((eval_node(r, c, states) != n->negate) == v)
				mark_witnesses(r, c, states, mark);
		return;
	case RN_AND:
	case RN_OR:
		v = eval_node(r, i, states);
		/* all operands decide a TRUE AND / FALSE OR; otherwise only the
		 * operands with the node's value */
		for (size_t c = n->first; c != NONE; c = r->nodes[c].next)
			if ((n->kind == RN_AND) == v || eval_node(r, c, states) == v)
				mark_witnesses(r, c, states, mark);
		return;
	}
}

int iamw__rule_witnesses(const iamw__rule *r, const iamw_alarm_state *states, const int64_t *times,
                         size_t n, size_t *out_idx, size_t *n_out)
{
	if (!r || n != r->n_refs || !n_out || (n && (!states || !times || !out_idx)))
		return IAMW_EINVAL;
	unsigned char mark[IAMW_RULE_MAX_CHILDREN];
	memset(mark, 0, sizeof mark);
	mark_witnesses(r, r->root, states, mark);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!mark[i])
			continue;
		/* insertion: newest first, ties keep rule order */
		size_t j = k;
		while (j > 0 && times[out_idx[j - 1]] < times[i]) {
			out_idx[j] = out_idx[j - 1];
			j--;
		}
		out_idx[j] = i;
		k++;
	}
	*n_out = k;
	return IAMW_OK;
}

/* ------------------------------------------------------------------ dump */

static void dump_name(iamw__buf *b, const char *s)
{
	iamw__buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			iamw__buf_addc(b, '\\');
		iamw__buf_addc(b, *s);
	}
	iamw__buf_addc(b, '"');
}

static void dump_node(const iamw__rule *r, size_t i, iamw__buf *b)
{
	const rnode *n = &r->nodes[i];
	switch (n->kind) {
	case RN_TRUE: iamw__buf_adds(b, "true"); return;
	case RN_FALSE: iamw__buf_adds(b, "false"); return;
	case RN_STATE:
		iamw__buf_adds(b, n->state == IAMW_STATE_ALARM ? "(alarm "
		                  : n->state == IAMW_STATE_OK  ? "(ok "
		                                               : "(insufficient-data ");
		dump_name(b, n->arg);
		iamw__buf_addc(b, ')');
		return;
	case RN_NOT:
		iamw__buf_adds(b, "(not ");
		dump_node(r, n->first, b);
		iamw__buf_addc(b, ')');
		return;
	case RN_AT_LEAST:
		iamw__buf_addf(b, "(at-least %u%s %s%s", n->threshold, n->percent ? "%" : "",
		               n->negate ? "not-" : "",
		               n->state == IAMW_STATE_ALARM ? "alarm"
		               : n->state == IAMW_STATE_OK  ? "ok"
		                                            : "insufficient-data");
		for (size_t c = n->first; c != NONE; c = r->nodes[c].next) {
			iamw__buf_addc(b, ' ');
			dump_name(b, r->nodes[c].arg);
		}
		iamw__buf_addc(b, ')');
		return;
	case RN_AND:
	case RN_OR:
		iamw__buf_adds(b, n->kind == RN_AND ? "(and" : "(or");
		for (size_t c = n->first; c != NONE; c = r->nodes[c].next) {
			iamw__buf_addc(b, ' ');
			dump_node(r, c, b);
		}
		iamw__buf_addc(b, ')');
		return;
	}
}

int iamw__rule_dump(const iamw__rule *r, iamw__buf *out)
{
	if (!r || !out)
		return IAMW_EINVAL;
	dump_node(r, r->root, out);
	return out->oom ? IAMW_ENOMEM : IAMW_OK;
}

/* ---------------------------------------------------------------- cycles */

typedef struct name_idx {
	const char *name;
	size_t idx;
} name_idx;

static int cmp_name_idx(const void *a, const void *b)
{
	const name_idx *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Index of the first entry named name, or NONE. */
static size_t find_entry(const name_idx *sorted, size_t n, const char *name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(sorted[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(sorted[lo].name, name) == 0 ? sorted[lo].idx : NONE;
}

int iamw__rule_check_cycles(const iamw__rule_set_entry *set, size_t n, iamw__buf *path,
                            iamw_error *err)
{
	iamw__error_clear(err);
	if (n == 0)
		return IAMW_OK;
	if (!set)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "rule",
		                       "invalid argument");
	name_idx *sorted = iamw__malloc(n * sizeof *sorted);
	unsigned char *color = iamw__calloc(n, 1);
	size_t *stack = iamw__malloc(n * sizeof *stack);
	size_t *edge = iamw__malloc(n * sizeof *edge);
	int rc = IAMW_OK;
	if (!sorted || !color || !stack || !edge) {
		rc = iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "rule", "out of memory");
		goto done;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (set[i].name) {
			sorted[m].name = reduce_name(set[i].name);
			sorted[m].idx = i;
			m++;
		}
	qsort(sorted, m, sizeof *sorted, cmp_name_idx);
	for (size_t s = 0; s < n && rc == IAMW_OK; s++) {
		if (color[s] || !set[s].name)
			continue;
		size_t top = 0;
		stack[0] = s;
		edge[0] = 0;
		color[s] = 1;
		while (top != NONE) {
			size_t u = stack[top];
			const iamw__rule *ru = set[u].rule;
			if (!ru || edge[top] >= ru->n_refs) {
				color[u] = 2;
				top = top == 0 ? NONE : top - 1;
				continue;
			}
			size_t v = find_entry(sorted, m, ru->refs[edge[top]++].name);
			if (v == NONE || color[v] == 2)
				continue;
			if (color[v] == 1) {
				size_t from = 0;
				while (stack[from] != v)
					from++;
				iamw__buf b;
				iamw__buf_init(&b);
				for (size_t k = from; k <= top; k++) {
					iamw__buf_adds(&b, reduce_name(set[stack[k]].name));
					iamw__buf_adds(&b, " -> ");
				}
				iamw__buf_adds(&b, reduce_name(set[v].name));
				if (b.oom) {
					iamw__buf_free(&b);
					rc = iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0,
					                     "rule", "out of memory");
					goto done;
				}
				rc = iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0,
				                     "rule", "composite alarm rule cycle: %s",
				                     b.data);
				if (path)
					iamw__buf_add(path, b.data, b.len);
				iamw__buf_free(&b);
				goto done;
			}
			color[v] = 1;
			top++;
			stack[top] = v;
			edge[top] = 0;
		}
	}
done:
	iamw__free(sorted);
	iamw__free(color);
	iamw__free(stack);
	iamw__free(edge);
	return rc;
}

/* ----------------------------------------------------- state and reasons */

static const char *state_name(iamw_alarm_state s)
{
	switch (s) {
	case IAMW_STATE_OK: return "OK";
	case IAMW_STATE_ALARM: return "ALARM";
	case IAMW_STATE_INSUFFICIENT_DATA: return "INSUFFICIENT_DATA";
	}
	return "INSUFFICIENT_DATA";
}

iamw_alarm_state iamw__composite_state_for(int rule_true)
{
	return rule_true ? IAMW_STATE_ALARM : IAMW_STATE_OK;
}

void iamw__composite_add_arn(iamw__buf *b, const iamw__account *acct, const char *name)
{
	if (!name)
		name = "";
	if (strncmp(name, "arn:", 4) == 0) {
		iamw__buf_adds(b, name);
		return;
	}
	const char *region = acct && acct->region ? acct->region : "us-east-1";
	const char *account = acct && acct->account_id ? acct->account_id : "123456789012";
	iamw__buf_addf(b, "arn:aws:cloudwatch:%s:%s:alarm:", region, account);
	iamw__buf_adds(b, name);
}

void iamw__composite_reason_child(iamw__buf *b, const iamw__account *acct, const char *child,
                                  iamw_alarm_state state, int64_t state_time_ms)
{
	char when[64];
	iamw__fmt_time_long(state_time_ms, when, sizeof when);
	iamw__composite_add_arn(b, acct, child);
	iamw__buf_addf(b, " transitioned to %s at %s", state_name(state), when);
}

void iamw__composite_reason_config(iamw__buf *b, const iamw__account *acct, const char *name,
                                   int updated, iamw_alarm_state state)
{
	iamw__composite_add_arn(b, acct, name);
	iamw__buf_addf(b, " was %s and its alarm rule evaluates to %s",
	               updated ? "updated" : "created", state_name(state));
}

void iamw__composite_reason_data(iamw__buf *b, const iamw__account *acct,
                                 const iamw__composite_child *children, size_t n)
{
	iamw__buf arn;
	iamw__buf_init(&arn);
	iamw__buf_adds(b, "{\"triggeringAlarms\":[");
	for (size_t i = 0; i < n; i++) {
		char ts[40];
		iamw__fmt_time_cw(children[i].state_time_ms, ts, sizeof ts);
		iamw__buf_reset(&arn);
		iamw__composite_add_arn(&arn, acct, children[i].name);
		if (arn.oom) {
			b->oom = 1;
			break;
		}
		if (i)
			iamw__buf_addc(b, ',');
		iamw__buf_adds(b, "{\"arn\":");
		iamw__buf_add_json_string(b, arn.data ? arn.data : "", arn.len);
		iamw__buf_addf(b, ",\"state\":{\"value\":\"%s\",\"timestamp\":\"%s\"}}",
		               state_name(children[i].state), ts);
	}
	iamw__buf_adds(b, "]}");
	iamw__buf_free(&arn);
}

static char *dup_or_null(const char *s, int *oom)
{
	if (!s)
		return NULL;
	char *d = iamw__strndup(s, strlen(s));
	if (!d)
		*oom = 1;
	return d;
}

void iamw__composite_state_change_clear(iamw__state_change *c)
{
	if (!c)
		return;
	iamw__free(c->reason);
	iamw__free(c->reason_data);
	iamw__free(c->old_reason);
	iamw__free(c->old_reason_data);
	memset(c, 0, sizeof *c);
}

int iamw__composite_evaluate(const iamw__composite_eval_in *in, iamw__state_change *out,
                             iamw_error *err)
{
	iamw__error_clear(err);
	if (!in || !in->rule || !in->name || !in->lookup || !out)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "composite",
		                       "invalid argument");
	const iamw__rule *r = in->rule;
	iamw_alarm_state states[IAMW_RULE_MAX_CHILDREN];
	int64_t times[IAMW_RULE_MAX_CHILDREN];
	int rc = lookup_all(r, in->lookup, in->payload, states, times, err);
	if (rc)
		return rc;
	iamw_alarm_state next = iamw__composite_state_for(eval_node(r, r->root, states));
	if (next == in->current)
		return 0;

	iamw__buf reason, data;
	iamw__buf_init(&reason);
	iamw__buf_init(&data);
	int64_t when = in->now_ms;
	if (in->trigger) {
		size_t k = iamw__rule_ref_find(r, in->trigger);
		iamw_alarm_state ts;
		int64_t tt;
		const char *shown = in->trigger;
		if (k != NONE) {
			ts = states[k];
			tt = times[k];
			if (r->refs[k].arn)
				shown = r->refs[k].arn;
		} else {
			/* not in the rule (a stale notification): ask for it directly */
			rc = in->lookup(reduce_name(in->trigger), in->payload, &ts, &tt);
			if (rc <= 0)
				return iamw__error_set(err, rc < 0 ? rc : IAMW_ENOTFOUND,
				                       IAMW_NO_OFFSET, 0, "composite",
				                       "unknown child alarm '%s'", in->trigger);
		}
		when = tt;
		iamw__composite_reason_child(&reason, in->account, shown, ts, tt);
	} else {
		iamw__composite_reason_config(&reason, in->account, in->name,
		                              in->current != IAMW_STATE_INSUFFICIENT_DATA, next);
	}
	size_t idx[IAMW_RULE_MAX_CHILDREN], nw = 0;
	iamw__composite_child kids[IAMW_RULE_MAX_CHILDREN];
	iamw__rule_witnesses(r, states, times, r->n_refs, idx, &nw);
	for (size_t i = 0; i < nw; i++) {
		const rref *rf = &r->refs[idx[i]];
		kids[i].name = rf->arn ? rf->arn : rf->name;
		kids[i].state = states[idx[i]];
		kids[i].state_time_ms = times[idx[i]];
	}
	iamw__composite_reason_data(&data, in->account, kids, nw);

	iamw__state_change c;
	memset(&c, 0, sizeof c);
	int oom = reason.oom || data.oom;
	c.old_state = in->current;
	c.new_state = next;
	c.time_ms = when;
	c.old_state_time_ms = in->current_since_ms;
	c.reason = dup_or_null(reason.oom ? NULL : reason.data, &oom);
	c.reason_data = dup_or_null(data.oom ? NULL : data.data, &oom);
	c.old_reason = dup_or_null(in->current_reason, &oom);
	c.old_reason_data = dup_or_null(in->current_reason_data, &oom);
	iamw__buf_free(&reason);
	iamw__buf_free(&data);
	if (oom) {
		iamw__composite_state_change_clear(&c);
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "composite",
		                       "out of memory");
	}
	*out = c;
	return 1;
}

/* ----------------------------------------------------------- suppression
 *
 * States: NONE (actions run), WAIT (composite entered ALARM, waiting up to
 * WaitPeriod for the suppressor), ALARM (suppressor in ALARM), EXTENSION
 * (suppressor left ALARM less than ExtensionPeriod ago). Transitions:
 *   composite change, suppressor in ALARM   -> ALARM, actions held
 *   composite change during WAIT            -> WAIT restarted, actions held
 *   composite change during EXTENSION       -> held (period not restarted)
 *   composite -> ALARM in NONE, wait > 0    -> WAIT, actions held
 *   other composite change in NONE          -> actions run now
 *   suppressor -> ALARM (any state)         -> ALARM (wait/extension cancelled)
 *   suppressor leaves ALARM, extension > 0  -> EXTENSION
 *   suppressor leaves ALARM, extension = 0  -> NONE, held actions run
 *   clock reaches the end of WAIT/EXTENSION -> NONE, held actions run
 * "Held actions run" means: if any state change happened while suppressed,
 * the actions of the composite's *current* state run once.
 */

static void result_init(const iamw__suppression *s, iamw__suppression_result *r)
{
	memset(r, 0, sizeof *r);
	r->state = s->composite_state;
	r->expired_state = s->composite_state;
}

static int close_expired(iamw__suppression *s, int64_t now_ms)
{
	if ((s->by == IAMW__SUPPRESSED_WAIT_PERIOD || s->by == IAMW__SUPPRESSED_EXTENSION_PERIOD) &&
	    now_ms >= s->until_ms) {
		s->by = IAMW__SUPPRESSED_NONE;
		if (s->pending) {
			s->pending = 0;
			return 1;
		}
	}
	return 0;
}

void iamw__suppression_init(iamw__suppression *s, const iamw__composite_alarm_def *def,
                            iamw_alarm_state suppressor_state)
{
	memset(s, 0, sizeof *s);
	s->composite_state = IAMW_STATE_INSUFFICIENT_DATA;
	s->suppressor_state = suppressor_state;
	if (!def || !def->actions_suppressor)
		return;
	s->has_suppressor = 1;
	s->wait_ms = def->actions_suppressor_wait_period_s * 1000;
	s->extension_ms = def->actions_suppressor_extension_period_s * 1000;
	if (suppressor_state == IAMW_STATE_ALARM)
		s->by = IAMW__SUPPRESSED_ALARM;
}

void iamw__suppression_on_composite_change(iamw__suppression *s, iamw_alarm_state new_state,
                                           int64_t now_ms, iamw__suppression_result *r)
{
	result_init(s, r);
	r->run_expired = close_expired(s, now_ms);
	s->composite_state = new_state;
	r->state = new_state;
	if (!s->has_suppressor) {
		r->run_actions = 1;
		return;
	}
	switch (s->by) {
	case IAMW__SUPPRESSED_ALARM:
	case IAMW__SUPPRESSED_EXTENSION_PERIOD: s->pending = 1; break;
	case IAMW__SUPPRESSED_WAIT_PERIOD:
		s->until_ms = now_ms + s->wait_ms;
		s->pending = 1;
		break;
	case IAMW__SUPPRESSED_NONE:
		if (new_state == IAMW_STATE_ALARM && s->wait_ms > 0) {
			s->by = IAMW__SUPPRESSED_WAIT_PERIOD;
			s->until_ms = now_ms + s->wait_ms;
			s->pending = 1;
		} else {
			r->run_actions = 1;
		}
		break;
	}
	r->suppressed_by = s->by;
}

void iamw__suppression_on_suppressor_change(iamw__suppression *s, iamw_alarm_state sup_state,
                                            int64_t now_ms, iamw__suppression_result *r)
{
	result_init(s, r);
	r->run_expired = close_expired(s, now_ms);
	iamw_alarm_state old = s->suppressor_state;
	s->suppressor_state = sup_state;
	if (!s->has_suppressor)
		return;
	if (sup_state == IAMW_STATE_ALARM && old != IAMW_STATE_ALARM) {
		s->by = IAMW__SUPPRESSED_ALARM;
	} else if (sup_state != IAMW_STATE_ALARM && old == IAMW_STATE_ALARM &&
	           s->by == IAMW__SUPPRESSED_ALARM) {
		if (s->extension_ms > 0) {
			s->by = IAMW__SUPPRESSED_EXTENSION_PERIOD;
			s->until_ms = now_ms + s->extension_ms;
		} else {
			s->by = IAMW__SUPPRESSED_NONE;
			if (s->pending) {
				s->pending = 0;
				r->run_actions = 1;
			}
		}
	}
	r->suppressed_by = s->by;
}

void iamw__suppression_tick(iamw__suppression *s, int64_t now_ms, iamw__suppression_result *r)
{
	result_init(s, r);
	r->run_actions = close_expired(s, now_ms);
	r->suppressed_by = s->by;
}

int iamw__suppression_deadline(const iamw__suppression *s, int64_t *deadline_ms)
{
	if (s->by == IAMW__SUPPRESSED_WAIT_PERIOD || s->by == IAMW__SUPPRESSED_EXTENSION_PERIOD) {
		if (deadline_ms)
			*deadline_ms = s->until_ms;
		return 1;
	}
	return 0;
}

const char *iamw__suppressed_by_name(iamw__suppressed_by by)
{
	switch (by) {
	case IAMW__SUPPRESSED_WAIT_PERIOD: return "WaitPeriod";
	case IAMW__SUPPRESSED_EXTENSION_PERIOD: return "ExtensionPeriod";
	case IAMW__SUPPRESSED_ALARM: return "Alarm";
	case IAMW__SUPPRESSED_NONE: break;
	}
	return NULL;
}

const char *iamw__suppressed_reason(iamw__suppressed_by by)
{
	switch (by) {
	case IAMW__SUPPRESSED_WAIT_PERIOD: return "Actions suppressed by WaitPeriod";
	case IAMW__SUPPRESSED_EXTENSION_PERIOD: return "Actions suppressed by ExtensionPeriod";
	case IAMW__SUPPRESSED_ALARM: return "Actions suppressed by Alarm";
	case IAMW__SUPPRESSED_NONE: break;
	}
	return NULL;
}

/* ------------------------------------------------------ PutCompositeAlarm */

static int def_fail(iamw_error *err, int code, const char *fmt, const char *member)
    IAMW_PRINTF(3, 0);

/* fmt holds one %s for the member name. */
static int def_fail(iamw_error *err, int code, const char *fmt, const char *member)
{
	char text[IAMW_ERROR_TEXT_LEN];
	snprintf(text, sizeof text, fmt, member);
	return iamw__error_set(err, code, IAMW_NO_OFFSET, 0, "composite", "%s", text);
}

/* Optional string member with a length range in characters. */
static int get_string(const cJSON *obj, const char *key, size_t min, size_t max, int required,
                      char **out, iamw_error *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!it || cJSON_IsNull(it)) {
		if (required)
			return def_fail(err, IAMW_EVALIDATION, "%s is required", key);
		return IAMW_OK;
	}
	if (!cJSON_IsString(it) || !it->valuestring)
		return def_fail(err, IAMW_EJSON, "%s must be a string", key);
	size_t n = strlen(it->valuestring);
	size_t chars = utf8_chars(it->valuestring, n);
	if (chars < min || chars > max) {
		char text[IAMW_ERROR_TEXT_LEN];
		snprintf(text, sizeof text, "%s must be %zu to %zu characters long", key, min, max);
		return iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, "composite", "%s",
		                       text);
	}
	*out = iamw__strndup(it->valuestring, n);
	if (!*out)
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "composite",
		                       "out of memory");
	return IAMW_OK;
}

static int get_actions(const cJSON *obj, const char *key, iamw__string_list *out, iamw_error *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!it || cJSON_IsNull(it))
		return IAMW_OK;
	if (!cJSON_IsArray(it))
		return def_fail(err, IAMW_EJSON, "%s must be an array of strings", key);
	int n = cJSON_GetArraySize(it);
	if (n > 5)
		return def_fail(err, IAMW_EVALIDATION, "%s can have at most 5 actions", key);
	if (n == 0)
		return IAMW_OK;
	out->items = iamw__calloc((size_t)n, sizeof *out->items);
	if (!out->items)
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "composite",
		                       "out of memory");
	const cJSON *a;
	cJSON_ArrayForEach(a, it)
	{
		if (!cJSON_IsString(a) || !a->valuestring)
			return def_fail(err, IAMW_EJSON, "%s must be an array of strings", key);
		size_t len = strlen(a->valuestring);
		size_t chars = utf8_chars(a->valuestring, len);
		if (chars < 1 || chars > 1024)
			return def_fail(err, IAMW_EVALIDATION,
			                "each of %s must be 1 to 1024 characters", key);
		if (strncmp(a->valuestring, "arn:aws:automate:", 17) == 0 ||
		    strstr(a->valuestring, ":autoscaling:"))
			return def_fail(
			    err, IAMW_EVALIDATION,
			    "%s: composite alarms cannot have EC2 or Auto Scaling actions", key);
		out->items[out->n] = iamw__strndup(a->valuestring, len);
		if (!out->items[out->n])
			return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "composite",
			                       "out of memory");
		out->n++;
	}
	return IAMW_OK;
}

/* Optional integer member in 0..2^31-1; *present set when given. */
static int get_period(const cJSON *obj, const char *key, int64_t *out, int *present,
                      iamw_error *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	*present = 0;
	if (!it || cJSON_IsNull(it))
		return IAMW_OK;
	if (!cJSON_IsNumber(it))
		return def_fail(err, IAMW_EJSON, "%s must be a number", key);
	double v = it->valuedouble;
	if (!(v >= 0 && v <= 2147483647.0) || v != (double)(int64_t)v)
		return def_fail(err, IAMW_EVALIDATION, "%s must be an integer from 0 to 2147483647",
		                key);
	*out = (int64_t)v;
	*present = 1;
	return IAMW_OK;
}

void iamw__composite_alarm_def_free(iamw__composite_alarm_def *d)
{
	if (!d)
		return;
	iamw__free(d->name);
	iamw__free(d->description);
	iamw__string_list_free(&d->ok_actions);
	iamw__string_list_free(&d->alarm_actions);
	iamw__string_list_free(&d->insufficient_data_actions);
	iamw__free(d->alarm_rule);
	iamw__free(d->actions_suppressor);
	memset(d, 0, sizeof *d);
}

int iamw__composite_alarm_def_from_json(const cJSON *obj, iamw__composite_alarm_def *out,
                                        iamw_error *err)
{
	iamw__error_clear(err);
	if (!out)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "composite",
		                       "invalid argument");
	memset(out, 0, sizeof *out);
	if (!obj || !cJSON_IsObject(obj))
		return iamw__error_set(err, IAMW_EJSON, IAMW_NO_OFFSET, 0, "composite",
		                       "PutCompositeAlarm input must be a JSON object");
	iamw__composite_alarm_def d;
	memset(&d, 0, sizeof d);
	d.actions_enabled = 1;
	int rc, has_wait = 0, has_ext = 0;
	if ((rc = get_string(obj, "AlarmName", 1, IAMW_ALARM_NAME_MAX, 1, &d.name, err)) ||
	    (rc = get_string(obj, "AlarmDescription", 0, 1024, 0, &d.description, err)) ||
	    (rc = get_string(obj, "AlarmRule", 0, (size_t)-1, 1, &d.alarm_rule, err)) ||
	    (rc = get_actions(obj, "AlarmActions", &d.alarm_actions, err)) ||
	    (rc = get_actions(obj, "OKActions", &d.ok_actions, err)) ||
	    (rc = get_actions(obj, "InsufficientDataActions", &d.insufficient_data_actions, err)) ||
	    (rc = get_string(obj, "ActionsSuppressor", 1, 1600, 0, &d.actions_suppressor, err)) ||
	    (rc = get_period(obj, "ActionsSuppressorWaitPeriod",
	                     &d.actions_suppressor_wait_period_s, &has_wait, err)) ||
	    (rc = get_period(obj, "ActionsSuppressorExtensionPeriod",
	                     &d.actions_suppressor_extension_period_s, &has_ext, err)))
		goto fail;
	const cJSON *ae = cJSON_GetObjectItemCaseSensitive(obj, "ActionsEnabled");
	if (ae && !cJSON_IsNull(ae)) {
		if (!cJSON_IsBool(ae)) {
			rc = def_fail(err, IAMW_EJSON, "%s must be a boolean", "ActionsEnabled");
			goto fail;
		}
		d.actions_enabled = cJSON_IsTrue(ae);
	}
	if (!d.actions_suppressor && (has_wait || has_ext)) {
		rc = def_fail(err, IAMW_EVALIDATION, "%s requires ActionsSuppressor",
		              has_wait ? "ActionsSuppressorWaitPeriod"
		                       : "ActionsSuppressorExtensionPeriod");
		goto fail;
	}
	if (d.actions_suppressor) {
		if (!has_wait)
			d.actions_suppressor_wait_period_s = 60;
		if (!has_ext)
			d.actions_suppressor_extension_period_s = 60;
	}
	iamw__rule *rule = NULL;
	rc = iamw__rule_compile(&rule, d.alarm_rule, IAMW_NUL_TERMINATED, err);
	if (rc)
		goto fail;
	if (iamw__rule_ref_find(rule, d.name) != NONE) {
		iamw__rule_free(rule);
		rc = iamw__error_set(err, IAMW_EVALIDATION, IAMW_NO_OFFSET, 0, "composite",
		                     "composite alarm rule cycle: %s -> %s", d.name, d.name);
		goto fail;
	}
	iamw__rule_free(rule);
	*out = d;
	return IAMW_OK;
fail:
	iamw__composite_alarm_def_free(&d);
	return rc;
}
