/* SPDX-License-Identifier: MIT */
/*
 * parser.c - hand-written recursive-descent parser turning filter pattern
 * text into the AST of ast.h. The family is chosen from the first non-blank
 * byte (filter-patterns.md §1.0); each family has its own productions below,
 * each function headed by its grammar rule. The first error wins: it is
 * recorded with its code, byte offset and message, and every caller returns.
 */
#include <stdio.h>
#include <string.h>

#include "lang/ast.h"
#include "lang/lexer.h"

typedef struct parser {
	iamw_pattern *p;
	iamw__lexer lx;
	iamw__token tok; /* current token (whitespace skipped in expression mode) */
	size_t prev_end; /* end of the token before tok */
	int term_mode;
	unsigned depth;
	iamw_error *err;
	int failed;
	/* selectors collected for JSON extraction */
	const iamw__selector *sels[64];
	size_t n_sels;
} parser;

#define SRC(ps) ((ps)->lx.src)

static int fail(parser *ps, int code, size_t off, size_t len, const char *fmt, ...)
    IAMW_PRINTF(5, 6);

static int fail(parser *ps, int code, size_t off, size_t len, const char *fmt, ...)
{
	if (ps->failed)
		return code;
	ps->failed = code;
	if (ps->err) {
		char text[IAMW_ERROR_TEXT_LEN];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(text, sizeof text, fmt, ap);
		va_end(ap);
		iamw__error_set(ps->err, code, off, len, "pattern", "%s", text);
	}
	return code;
}

static int oom(parser *ps)
{
	return fail(ps, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "out of memory");
}

/* Quote a token for messages, shortened and with control bytes hidden. */
static void tok_text(parser *ps, iamw__token t, char *out, size_t size)
{
	size_t n = t.length;
	if (t.kind == IAMW_TOK_EOF) {
		snprintf(out, size, "end of pattern");
		return;
	}
	if (n > 24)
		n = 24;
	size_t o = 0;
	out[o++] = '\'';
	for (size_t i = 0; i < n && o + 5 < size; i++) {
		unsigned char c = (unsigned char)SRC(ps)[t.offset + i];
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (t.length > n && o + 4 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '\'';
	out[o] = '\0';
}

static int unexpected(parser *ps, const char *expected)
{
	char t[64];
	tok_text(ps, ps->tok, t, sizeof t);
	if (ps->tok.kind == IAMW_TOK_UNTERMINATED)
		return fail(ps, IAMW_ESYNTAX, ps->tok.offset, 1, "unterminated quoted string");
	if (ps->tok.kind == IAMW_TOK_UNTERMINATED_REGEX)
		return fail(ps, IAMW_ESYNTAX, ps->tok.offset, 1,
		            "unterminated regular expression (missing closing '%%')");
	return fail(ps, IAMW_ESYNTAX, ps->tok.offset, ps->tok.length ? ps->tok.length : 0,
	            "expected %s, found %s", expected, t);
}

static void next_expr(parser *ps)
{
	ps->prev_end = ps->tok.offset + ps->tok.length;
	do
		ps->tok = iamw__lex_expr(&ps->lx);
	while (ps->tok.kind == IAMW_TOK_WS);
}

static int enter(parser *ps, size_t off)
{
	if (++ps->depth > IAMW_MAX_DEPTH)
		return fail(ps, IAMW_EDEPTH, off, 1, "parentheses nested deeper than %d levels",
		            IAMW_MAX_DEPTH);
	return 0;
}

/* Unescape a quoted string body: \" and \\ are escapes, any other backslash
 * stays literal (filter-patterns.md §1.5). */
static char *unquote(parser *ps, iamw__token t, size_t *len_out)
{
	const char *s = SRC(ps) + t.offset + 1;
	size_t n = t.length - 2;
	char *d = iamw__arena_alloc(&ps->p->arena, n + 1);
	if (!d)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\'))
			i++;
		d[o++] = s[i];
	}
	d[o] = '\0';
	*len_out = o;
	return d;
}

/* ------------------------------------------------------------------ values */

static int compile_regex(parser *ps, iamw__token t, iamw__regex **out)
{
	if (ps->p->n_regexes >= IAMW_MAX_REGEX_PER_PATTERN)
		return fail(ps, IAMW_EREGEXCOUNT, t.offset, t.length,
		            "a filter pattern may contain at most %d regular expressions",
		            IAMW_MAX_REGEX_PER_PATTERN);
	int rc = iamw__regex_compile(out, SRC(ps) + t.offset + 1, t.length - 2, t.offset + 1,
	                             ps->err);
	if (rc != IAMW_OK) {
		ps->failed = rc;
		return rc;
	}
	ps->p->regexes[ps->p->n_regexes++] = *out;
	return 0;
}

/* Split leading/trailing '*' wildcards off a string value (J-6: only the
 * first and last characters are special; inner stars are literal). */
static void set_string_value(iamw__value *v, char *s, size_t n)
{
	if (n == 1 && s[0] == '*') {
		v->kind = IAMW__VAL_STAR;
		v->text = s;
		v->len = 1;
		return;
	}
	v->kind = IAMW__VAL_STRING;
	if (n && s[0] == '*') {
		v->lead_star = 1;
		s++;
		n--;
	}
	if (n && s[n - 1] == '*') {
		v->trail_star = 1;
		n--;
	}
	/* The arena copy is ours: terminate the text where its stars begin. */
	s[n] = '\0';
	v->text = s;
	v->len = n;
}

/* value -> NUMBER | STRING | BARE | REGEX | keyword-as-text */
static int parse_value(parser *ps, iamw__cmp_op op, iamw__value *v)
{
	iamw__token t = ps->tok;
	const char *s = SRC(ps) + t.offset;
	switch (t.kind) {
	case IAMW_TOK_NUMBER:
		v->kind = IAMW__VAL_NUMBER;
		v->text = iamw__arena_strndup(&ps->p->arena, s, t.length);
		v->len = t.length;
		if (!v->text)
			return oom(ps);
		if (!iamw__parse_number(s, t.length, &v->num))
			return fail(ps, IAMW_ESYNTAX, t.offset, t.length, "invalid number");
		break;
	case IAMW_TOK_STRING: {
		size_t n;
		char *d = unquote(ps, t, &n);
		if (!d)
			return oom(ps);
		set_string_value(v, d, n);
		break;
	}
	case IAMW_TOK_BARE:
	case IAMW_TOK_KW_IS:
	case IAMW_TOK_KW_NOT:
	case IAMW_TOK_KW_NULL:
	case IAMW_TOK_KW_TRUE:
	case IAMW_TOK_KW_FALSE:
	case IAMW_TOK_KW_EXISTS:
	case IAMW_TOK_TERM: {
		char *d = iamw__arena_strndup(&ps->p->arena, s, t.length);
		if (!d)
			return oom(ps);
		set_string_value(v, d, t.length);
		break;
	}
	case IAMW_TOK_REGEX:
		v->kind = IAMW__VAL_REGEX;
		v->text = iamw__arena_strndup(&ps->p->arena, s + 1, t.length - 2);
		v->len = t.length - 2;
		if (!v->text)
			return oom(ps);
		if (compile_regex(ps, t, &v->re))
			return ps->failed;
		break;
	default:
		return unexpected(ps, "a value");
	}
	if (op != IAMW__OP_EQ && op != IAMW__OP_NE && v->kind != IAMW__VAL_NUMBER)
		return fail(ps, IAMW_ESYNTAX, t.offset, t.length,
		            "the operators <, <=, > and >= need a number");
	v->offset = t.offset;
	v->length = t.length;
	v->quoted = t.kind == IAMW_TOK_STRING;
	next_expr(ps);
	return 0;
}

static int cmp_op_of(iamw__tok_kind k, iamw__cmp_op *op)
{
	switch (k) {
	case IAMW_TOK_EQ: *op = IAMW__OP_EQ; return 1;
	case IAMW_TOK_NE: *op = IAMW__OP_NE; return 1;
	case IAMW_TOK_LT: *op = IAMW__OP_LT; return 1;
	case IAMW_TOK_LE: *op = IAMW__OP_LE; return 1;
	case IAMW_TOK_GT: *op = IAMW__OP_GT; return 1;
	case IAMW_TOK_GE: *op = IAMW__OP_GE; return 1;
	default: return 0;
	}
}

static iamw__node *new_node(parser *ps, iamw__node_kind kind)
{
	iamw__node *n = iamw__arena_alloc(&ps->p->arena, sizeof *n);
	if (!n)
		oom(ps);
	else
		n->kind = kind;
	return n;
}

/* Append kid to an AND/OR node's list, growing it in the arena. */
static int add_kid(parser *ps, iamw__node *parent, iamw__node *kid)
{
	if ((parent->n_kids & (parent->n_kids - 1)) == 0) {
		size_t cap = parent->n_kids ? parent->n_kids * 2 : 2;
		iamw__node **k = iamw__arena_alloc(&ps->p->arena, cap * sizeof *k);
		if (!k)
			return oom(ps);
		if (parent->n_kids)
			memcpy(k, parent->kids, parent->n_kids * sizeof *k);
		parent->kids = k;
	}
	parent->kids[parent->n_kids++] = kid;
	return 0;
}

/* ------------------------------------------------------------------ JSON */

/* Why the selector-like text at s[0..n) (starting with '$') is not one,
 * for the forms other JSONPath dialects accept and CloudWatch documents
 * otherwise (docs/semantics.md J-13). */
static const char *selector_hint(const char *s, size_t n)
{
	/* look at the whole selector as written, up to a blank or an operator:
	 * the lexer stops its token at the first character it cannot take */
	size_t end = 0;
	while (s[end] && !strchr(" \t\r\n=!<>()&|}", s[end]))
		end++;
	n = end > n ? end : n;
	if (n >= 2 && s[1] == '[')
		return "a bracket key follows '$.': write $.['key'] (the documented form)";
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] == '[' && s[i + 1] == '"')
			return "bracket keys are written with single quotes: .['key']";
		if ((unsigned char)s[i] >= 0x80)
			return "property names are ASCII letters, digits, '_' and '-'; other "
			       "characters need the bracket form .['name']";
	}
	return "invalid property selector (use $.name, [n], .*, [*] or .['key'])";
}

/* selector -> '$' step+ ;  step -> '.' name | '.' '*' | '[' n ']' | '[' '*' ']'
 *                                 | '.' '[' "'" key "'" ']'                     */
static int parse_selector(parser *ps, iamw__selector **out)
{
	iamw__token t = ps->tok;
	const char *s = SRC(ps) + t.offset;
	size_t n = t.length;
	iamw__selector *sel = iamw__arena_alloc(&ps->p->arena, sizeof *sel);
	if (!sel)
		return oom(ps);
	/* Count steps first: every step starts with '.' or '[' outside quotes. */
	size_t cap = 0;
	for (size_t i = 1; i < n; i++) {
		if (s[i] == '\'') {
			i++;
			while (i < n && s[i] != '\'')
				i++;
		} else if (s[i] == '.' || s[i] == '[') {
			cap++;
			if (s[i] == '.' && i + 1 < n && s[i + 1] == '[')
				i++;
		}
	}
	if (cap == 0 && SRC(ps)[t.offset + n] == '[')
		return fail(ps, IAMW_ESYNTAX, t.offset, t.length, "%s", selector_hint(s, n));
	if (cap == 0 || s[1] != '.')
		return fail(ps, IAMW_ESYNTAX, t.offset, t.length,
		            "a property selector starts with '$.' followed by a property name");
	sel->steps = iamw__arena_alloc(&ps->p->arena, cap * sizeof *sel->steps);
	if (!sel->steps)
		return oom(ps);
	size_t i = 1;
	while (i < n) {
		iamw__step *st = &sel->steps[sel->n_steps++];
		size_t at = t.offset + i;
		if (s[i] == '.' && i + 1 < n && s[i + 1] == '[') {
			size_t k0 = i + 3, k = k0;
			while (s[k] != '\'')
				k++;
			st->kind = IAMW__STEP_NAME;
			st->bracket = 1;
			st->name = iamw__arena_strndup(&ps->p->arena, s + k0, k - k0);
			st->name_len = k - k0;
			i = k + 2;
		} else if (s[i] == '.' && s[i + 1] == '*') {
			st->kind = IAMW__STEP_ANY_FIELD;
			i += 2;
		} else if (s[i] == '.') {
			size_t k0 = i + 1, k = k0;
			while (k < n && s[k] != '.' && s[k] != '[')
				k++;
			st->kind = IAMW__STEP_NAME;
			st->name = iamw__arena_strndup(&ps->p->arena, s + k0, k - k0);
			st->name_len = k - k0;
			i = k;
		} else if (s[i + 1] == '*') {
			st->kind = IAMW__STEP_ANY_ELEMENT;
			i += 3;
		} else {
			size_t k = i + 1, idx = 0;
			while (s[k] != ']') {
				if (idx > (size_t)1e12)
					return fail(ps, IAMW_ESYNTAX, at, k - i + 1, "array index too large");
				idx = idx * 10 + (size_t)(s[k] - '0');
				k++;
			}
			st->kind = IAMW__STEP_INDEX;
			st->index = idx;
			i = k + 1;
		}
		if (st->kind == IAMW__STEP_NAME && !st->name)
			return oom(ps);
		if (st->kind == IAMW__STEP_ANY_FIELD || st->kind == IAMW__STEP_ANY_ELEMENT) {
			sel->wildcards++;
			if (sel->wildcards > 1)
				return fail(ps, IAMW_ESELWILDCARD, at, 2,
				            "a property selector may contain only one wildcard");
			if (++ps->p->n_wildcard_selectors > IAMW_MAX_WILDCARD_SELECTORS)
				return fail(ps, IAMW_EWILDCARDS, at, 2,
				            "a filter pattern may contain at most %d wildcard selectors",
				            IAMW_MAX_WILDCARD_SELECTORS);
		}
	}
	sel->text = iamw__arena_strndup(&ps->p->arena, s, n);
	if (!sel->text)
		return oom(ps);
	if (ps->n_sels < sizeof ps->sels / sizeof ps->sels[0])
		ps->sels[ps->n_sels++] = sel;
	*out = sel;
	next_expr(ps);
	return 0;
}

/* condition -> selector ( cmp_op value | 'IS' ('NULL'|'TRUE'|'FALSE') | 'NOT' 'EXISTS' ) */
static int parse_condition(parser *ps, iamw__node **out)
{
	if (ps->tok.kind != IAMW_TOK_SELECTOR) {
		if ((ps->tok.kind == IAMW_TOK_BARE || ps->tok.kind == IAMW_TOK_TERM) &&
		    SRC(ps)[ps->tok.offset] == '$')
			return fail(ps, IAMW_ESYNTAX, ps->tok.offset, ps->tok.length, "%s",
			            selector_hint(SRC(ps) + ps->tok.offset, ps->tok.length));
		if (ps->tok.kind == IAMW_TOK_BARE || ps->tok.kind == IAMW_TOK_TERM ||
		    (ps->tok.kind >= IAMW_TOK_KW_IS && ps->tok.kind <= IAMW_TOK_KW_EXISTS))
			return fail(ps, IAMW_ESYNTAX, ps->tok.offset, ps->tok.length,
			            "a property selector must start with '$.'");
		return unexpected(ps, "a property selector ($.field) or '('");
	}
	size_t start = ps->tok.offset;
	iamw__selector *sel = NULL;
	if (parse_selector(ps, &sel))
		return ps->failed;
	iamw__node *n = NULL;
	iamw__cmp_op op;
	if (cmp_op_of(ps->tok.kind, &op)) {
		next_expr(ps);
		n = new_node(ps, IAMW__NODE_CMP);
		if (!n)
			return ps->failed;
		n->op = op;
		if (parse_value(ps, op, &n->val))
			return ps->failed;
	} else if (ps->tok.kind == IAMW_TOK_KW_IS) {
		size_t is_off = ps->tok.offset;
		next_expr(ps);
		iamw__node_kind k;
		if (ps->tok.kind == IAMW_TOK_KW_NULL)
			k = IAMW__NODE_IS_NULL;
		else if (ps->tok.kind == IAMW_TOK_KW_TRUE)
			k = IAMW__NODE_IS_TRUE;
		else if (ps->tok.kind == IAMW_TOK_KW_FALSE)
			k = IAMW__NODE_IS_FALSE;
		else if (ps->tok.kind == IAMW_TOK_KW_NOT)
			return fail(ps, IAMW_EUNSUPPORTED, is_off, ps->tok.offset + ps->tok.length - is_off,
			            "'IS NOT' is not supported by CloudWatch; use NOT EXISTS or !=");
		else
			return unexpected(ps, "NULL, TRUE or FALSE after IS");
		next_expr(ps);
		n = new_node(ps, k);
	} else if (ps->tok.kind == IAMW_TOK_KW_NOT) {
		next_expr(ps);
		if (ps->tok.kind != IAMW_TOK_KW_EXISTS)
			return unexpected(ps, "EXISTS after NOT");
		next_expr(ps);
		n = new_node(ps, IAMW__NODE_NOT_EXISTS);
	} else if (ps->tok.kind == IAMW_TOK_KW_EXISTS) {
		return fail(ps, IAMW_EUNSUPPORTED, ps->tok.offset, ps->tok.length,
		            "'EXISTS' is not supported by CloudWatch; use = * or NOT EXISTS");
	} else {
		return unexpected(ps, "a comparison operator, IS or NOT EXISTS");
	}
	if (!n)
		return ps->failed;
	n->sel = sel;
	n->offset = start;
	n->length = ps->prev_end - start;
	*out = n;
	return 0;
}

static int parse_or(parser *ps, iamw__node **out);

/* primary -> '(' or_expr ')' | condition */
static int parse_primary(parser *ps, iamw__node **out)
{
	if (ps->tok.kind == IAMW_TOK_LPAREN) {
		size_t open = ps->tok.offset;
		if (enter(ps, open))
			return ps->failed;
		next_expr(ps);
		if (parse_or(ps, out))
			return ps->failed;
		if (ps->tok.kind != IAMW_TOK_RPAREN)
			return unexpected(ps, "')'");
		ps->depth--;
		(*out)->grouped = 1;
		next_expr(ps);
		return 0;
	}
	return parse_condition(ps, out);
}

/* A left-associative chain  sub { op sub }  shared by the && and || levels
 * of JSON and space-delimited expressions; a chain of one is just sub. */
typedef int (*sub_fn)(parser *ps, void *ctx, iamw__node **out);

static int parse_chain(parser *ps, void *ctx, iamw__tok_kind op, iamw__node_kind kind, sub_fn sub,
                       iamw__node **out)
{
	iamw__node *first;
	if (sub(ps, ctx, &first))
		return ps->failed;
	if (ps->tok.kind != op) {
		*out = first;
		return 0;
	}
	iamw__node *n = new_node(ps, kind);
	if (!n || add_kid(ps, n, first))
		return ps->failed;
	n->op_offset = ps->tok.offset;
	while (ps->tok.kind == op) {
		next_expr(ps);
		iamw__node *k;
		if (sub(ps, ctx, &k) || add_kid(ps, n, k))
			return ps->failed;
	}
	*out = n;
	return 0;
}

static int primary_sub(parser *ps, void *ctx, iamw__node **out)
{
	(void)ctx;
	return parse_primary(ps, out);
}

/* and_expr -> primary { '&&' primary } */
static int parse_and(parser *ps, void *ctx, iamw__node **out)
{
	return parse_chain(ps, ctx, IAMW_TOK_AND, IAMW__NODE_AND, primary_sub, out);
}

/* or_expr -> and_expr { '||' and_expr } */
static int parse_or(parser *ps, iamw__node **out)
{
	return parse_chain(ps, NULL, IAMW_TOK_OR, IAMW__NODE_OR, parse_and, out);
}

/* json_pattern -> '{' or_expr '}' */
static int parse_json(parser *ps)
{
	next_expr(ps); /* '{' */
	next_expr(ps);
	if (ps->tok.kind == IAMW_TOK_RBRACE)
		return fail(ps, IAMW_ESYNTAX, ps->tok.offset, 1, "empty JSON filter pattern");
	if (parse_or(ps, &ps->p->root))
		return ps->failed;
	if (ps->tok.kind != IAMW_TOK_RBRACE) {
		if (ps->tok.kind == IAMW_TOK_RPAREN)
			return fail(ps, IAMW_ESYNTAX, ps->tok.offset, 1, "unbalanced ')'");
		return unexpected(ps, "'&&', '||' or '}'");
	}
	next_expr(ps);
	if (ps->tok.kind != IAMW_TOK_EOF)
		return unexpected(ps, "end of pattern after '}'");
	ps->p->selectors = iamw__arena_alloc(&ps->p->arena, (ps->n_sels + 1) * sizeof(void *));
	if (!ps->p->selectors)
		return oom(ps);
	memcpy(ps->p->selectors, ps->sels, ps->n_sels * sizeof(void *));
	ps->p->n_selectors = ps->n_sels;
	return 0;
}

/* ------------------------------------------------------------------ delimited */

static int is_field_name(const char *s, size_t n)
{
	if (!n)
		return 0;
	int digits_only = 1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		         c == '_' || c == '-';
		if (!ok)
			return 0;
		if (!(c >= '0' && c <= '9'))
			digits_only = 0;
	}
	/* An all-digit name would collide with the positional names $1, $2, ... */
	return !digits_only;
}

static int is_name_token(const iamw__token *t)
{
	return t->kind == IAMW_TOK_BARE || t->kind == IAMW_TOK_NUMBER ||
	       (t->kind >= IAMW_TOK_KW_IS && t->kind <= IAMW_TOK_KW_EXISTS);
}

typedef struct field_ctx {
	const char *name;
	size_t name_len;
	size_t name_off;
} field_ctx;

static int check_field_name(parser *ps, field_ctx *fc)
{
	iamw__token t = ps->tok;
	const char *s = SRC(ps) + t.offset;
	if (!is_name_token(&t) || !is_field_name(s, t.length)) {
		if (is_name_token(&t))
			return fail(ps, IAMW_ESYNTAX, t.offset, t.length,
			            "invalid field name (letters, digits, '_' and '-'; not only digits)");
		return unexpected(ps, "a field name");
	}
	if (!fc->name) {
		fc->name = s;
		fc->name_len = t.length;
		fc->name_off = t.offset;
	} else if (fc->name_len != t.length || memcmp(fc->name, s, t.length) != 0) {
		return fail(ps, IAMW_ESYNTAX, t.offset, t.length,
		            "every condition in one field must name that field ('%.*s')",
		            (int)(fc->name_len > 40 ? 40 : fc->name_len), fc->name);
	}
	next_expr(ps);
	return 0;
}

static int parse_f_or(parser *ps, field_ctx *fc, iamw__node **out);

/* f_primary -> '(' f_or ')' | name cmp_op value */
static int parse_f_primary(parser *ps, field_ctx *fc, iamw__node **out)
{
	if (ps->tok.kind == IAMW_TOK_LPAREN) {
		if (enter(ps, ps->tok.offset))
			return ps->failed;
		next_expr(ps);
		if (parse_f_or(ps, fc, out))
			return ps->failed;
		if (ps->tok.kind != IAMW_TOK_RPAREN)
			return unexpected(ps, "')'");
		ps->depth--;
		(*out)->grouped = 1;
		next_expr(ps);
		return 0;
	}
	size_t start = ps->tok.offset;
	if (check_field_name(ps, fc))
		return ps->failed;
	iamw__cmp_op op;
	if (!cmp_op_of(ps->tok.kind, &op))
		return unexpected(ps, "a comparison operator");
	next_expr(ps);
	iamw__node *n = new_node(ps, IAMW__NODE_CMP);
	if (!n)
		return ps->failed;
	n->op = op;
	if (parse_value(ps, op, &n->val))
		return ps->failed;
	n->offset = start;
	n->length = ps->prev_end - start;
	*out = n;
	return 0;
}

static int f_primary_sub(parser *ps, void *ctx, iamw__node **out)
{
	return parse_f_primary(ps, ctx, out);
}

/* f_and -> f_primary { '&&' f_primary } */
static int parse_f_and(parser *ps, void *ctx, iamw__node **out)
{
	return parse_chain(ps, ctx, IAMW_TOK_AND, IAMW__NODE_AND, f_primary_sub, out);
}

/* f_or -> f_and { '||' f_and } */
static int parse_f_or(parser *ps, field_ctx *fc, iamw__node **out)
{
	return parse_chain(ps, fc, IAMW_TOK_OR, IAMW__NODE_OR, parse_f_and, out);
}

/* field -> '...' | <empty> | name | f_or */
static int parse_field(parser *ps, iamw__field *f)
{
	iamw__tok_kind k = ps->tok.kind;
	if (k == IAMW_TOK_COMMA || k == IAMW_TOK_RBRACKET) {
		f->kind = IAMW__FIELD_ANON;
		return 0;
	}
	if (k == IAMW_TOK_ELLIPSIS) {
		if (ps->p->ellipsis >= 0)
			return fail(ps, IAMW_ESYNTAX, ps->tok.offset, 3,
			            "'...' may appear only once in a space-delimited pattern");
		f->kind = IAMW__FIELD_ELLIPSIS;
		next_expr(ps);
		return 0;
	}
	field_ctx fc = {0};
	/* A lone name followed by ',' or ']' is an unconstrained field; anything
	 * else is a condition expression over that one field. */
	if (is_name_token(&ps->tok)) {
		iamw__lexer save = ps->lx;
		iamw__token name_tok = ps->tok;
		next_expr(ps);
		int lone = ps->tok.kind == IAMW_TOK_COMMA || ps->tok.kind == IAMW_TOK_RBRACKET;
		ps->lx = save;
		ps->tok = name_tok;
		if (lone) {
			if (check_field_name(ps, &fc))
				return ps->failed;
			goto named;
		}
	}
	if (parse_f_or(ps, &fc, &f->cond))
		return ps->failed;
named:
	f->kind = IAMW__FIELD_NAMED;
	f->name = iamw__arena_strndup(&ps->p->arena, fc.name, fc.name_len);
	f->name_len = fc.name_len;
	if (!f->name)
		return oom(ps);
	for (size_t i = 0; i < ps->p->n_fields; i++) {
		const iamw__field *o = &ps->p->fields[i];
		if (o->kind == IAMW__FIELD_NAMED && o->name_len == f->name_len &&
		    memcmp(o->name, f->name, f->name_len) == 0)
			return fail(ps, IAMW_ESYNTAX, fc.name_off, fc.name_len, "duplicate field name '%s'",
			            f->name);
	}
	return 0;
}

/* delimited -> '[' [ field { ',' field } ] ']' */
static int parse_delimited(parser *ps)
{
	next_expr(ps); /* '[' */
	next_expr(ps);
	ps->p->ellipsis = -1;
	if (ps->tok.kind == IAMW_TOK_RBRACKET)
		goto close;
	size_t cap = 8;
	ps->p->fields = iamw__arena_alloc(&ps->p->arena, cap * sizeof *ps->p->fields);
	if (!ps->p->fields)
		return oom(ps);
	for (;;) {
		if (ps->p->n_fields == cap) {
			iamw__field *nf = iamw__arena_alloc(&ps->p->arena, cap * 2 * sizeof *nf);
			if (!nf)
				return oom(ps);
			memcpy(nf, ps->p->fields, cap * sizeof *nf);
			ps->p->fields = nf;
			cap *= 2;
		}
		iamw__field *f = &ps->p->fields[ps->p->n_fields];
		if (parse_field(ps, f))
			return ps->failed;
		if (f->kind == IAMW__FIELD_ELLIPSIS)
			ps->p->ellipsis = (long)ps->p->n_fields;
		ps->p->n_fields++;
		if (ps->tok.kind == IAMW_TOK_COMMA) {
			next_expr(ps);
			continue;
		}
		if (ps->tok.kind == IAMW_TOK_RBRACKET)
			break;
		return unexpected(ps, "',' or ']'");
	}
close:
	next_expr(ps);
	if (ps->tok.kind != IAMW_TOK_EOF)
		return unexpected(ps, "end of pattern after ']'");
	return 0;
}

/* ------------------------------------------------------------------ terms */

static int is_blank_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* term_pattern -> item { WS item } ;  item -> ('?' | '-')? (TERM | STRING) */
static int parse_terms(parser *ps)
{
	size_t cap = 0;
	unsigned optional = 0, others = 0;
	iamw__token t = iamw__lex_term(&ps->lx);
	for (;;) {
		while (t.kind == IAMW_TOK_WS)
			t = iamw__lex_term(&ps->lx);
		if (t.kind == IAMW_TOK_EOF)
			break;
		iamw__term_kind kind = IAMW__TERM_REQUIRED;
		size_t prefix_start = t.offset;
		if (t.kind == IAMW_TOK_QMARK || t.kind == IAMW_TOK_MINUS) {
			kind = t.kind == IAMW_TOK_QMARK ? IAMW__TERM_OPTIONAL : IAMW__TERM_EXCLUDED;
			iamw__token prefix = t;
			t = iamw__lex_term(&ps->lx);
			if (t.kind != IAMW_TOK_TERM && t.kind != IAMW_TOK_STRING) {
				ps->tok = t;
				if (t.kind == IAMW_TOK_WS || t.kind == IAMW_TOK_EOF)
					return fail(ps, IAMW_ESYNTAX, prefix.offset, 1,
					            "'%c' must be followed directly by a term",
					            SRC(ps)[prefix.offset]);
				if (t.kind == IAMW_TOK_REGEX)
					return fail(ps, IAMW_EUNSUPPORTED, t.offset, t.length,
					            "a regular expression must be the whole filter pattern");
				return unexpected(ps, "a term or a quoted phrase");
			}
		}
		iamw__term term = {kind, 0, 0, 0, NULL, 0};
		term.offset = prefix_start;
		if (t.kind == IAMW_TOK_TERM) {
			term.text = iamw__arena_strndup(&ps->p->arena, SRC(ps) + t.offset, t.length);
			term.len = t.length;
			if (!term.text)
				return oom(ps);
		} else if (t.kind == IAMW_TOK_STRING) {
			char *d = unquote(ps, t, &term.len);
			if (!d)
				return oom(ps);
			term.text = d;
			term.quoted = 1;
		} else if (t.kind == IAMW_TOK_REGEX || t.kind == IAMW_TOK_UNTERMINATED_REGEX) {
			if (t.kind == IAMW_TOK_REGEX)
				return fail(ps, IAMW_EUNSUPPORTED, t.offset, t.length,
				            "a regular expression must be the whole filter pattern");
			ps->tok = t;
			return unexpected(ps, "a term");
		} else if (t.kind == IAMW_TOK_INVALID) {
			unsigned char c = (unsigned char)SRC(ps)[t.offset];
			if (c >= 0x20 && c < 0x7f)
				return fail(ps, IAMW_ESYNTAX, t.offset, 1,
				            "'%c' is not allowed in an unquoted term; enclose the term in double quotes",
				            c);
			return fail(ps, IAMW_ESYNTAX, t.offset, 1,
			            "byte 0x%02x is not allowed in an unquoted term; enclose the term in double quotes",
			            c);
		} else {
			ps->tok = t;
			return unexpected(ps, "a term");
		}
		term.length = t.offset + t.length - term.offset;
		/* Items are separated by blanks, except that a '-' right after a
		 * term starts an exclusion: CloudWatch accepts "ORDER-ITEM-1" and
		 * finds nothing with it, as "ORDER -ITEM -1" finds nothing in an
		 * event that holds ORDER-ITEM-1 (docs/semantics.md A-4; lint warns
		 * W-hyphenated-term). */
		iamw__token after = iamw__lex_term(&ps->lx);
		if (after.kind != IAMW_TOK_WS && after.kind != IAMW_TOK_EOF &&
		    after.kind != IAMW_TOK_MINUS) {
			unsigned char c = (unsigned char)SRC(ps)[after.offset];
			if (c >= 0x20 && c < 0x7f)
				return fail(ps, IAMW_ESYNTAX, after.offset, 1,
				            "'%c' is not allowed in an unquoted term; enclose the term in double quotes",
				            c);
			return fail(ps, IAMW_ESYNTAX, after.offset, 1,
			            "byte 0x%02x is not allowed in an unquoted term; enclose the term in double quotes",
			            c);
		}
		t = after;
		/* A blank or empty phrase is in every event: it constrains nothing
		 * so it is dropped whatever its prefix. */
		if (term.quoted && is_blank_text(term.text, term.len))
			continue;
		if (ps->p->n_terms == cap) {
			cap = cap ? cap * 2 : 4;
			iamw__term *nt = iamw__arena_alloc(&ps->p->arena, cap * sizeof *nt);
			if (!nt)
				return oom(ps);
			if (ps->p->n_terms)
				memcpy(nt, ps->p->terms, ps->p->n_terms * sizeof *nt);
			ps->p->terms = nt;
		}
		ps->p->terms[ps->p->n_terms++] = term;
		if (kind == IAMW__TERM_OPTIONAL)
			optional++;
		else
			others++;
	}
	/* T-5: only when every item is a ? item do they form an OR; mixed with
	 * other items the ? items are ignored (A-2 default). */
	ps->p->any_of = optional > 0 && others == 0;
	return 0;
}

/* regex_pattern -> WS* '%' body '%' WS* */
static int parse_regex_pattern(parser *ps)
{
	iamw__token t = iamw__lex_term(&ps->lx);
	while (t.kind == IAMW_TOK_WS)
		t = iamw__lex_term(&ps->lx);
	if (t.kind != IAMW_TOK_REGEX) {
		ps->tok = t;
		return unexpected(ps, "a regular expression");
	}
	if (compile_regex(ps, t, &ps->p->regex))
		return ps->failed;
	iamw__token after = iamw__lex_term(&ps->lx);
	while (after.kind == IAMW_TOK_WS)
		after = iamw__lex_term(&ps->lx);
	if (after.kind != IAMW_TOK_EOF)
		return fail(ps, IAMW_EUNSUPPORTED, after.offset, after.length,
		            "a regular expression must be the whole filter pattern");
	return 0;
}

/* ------------------------------------------------------------------ dispatch */

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int iamw__parse_pattern(iamw_pattern *p, iamw_error *err)
{
	parser ps;
	memset(&ps, 0, sizeof ps);
	ps.p = p;
	ps.err = err;
	ps.lx.src = p->source;
	ps.lx.len = p->source_len;
	p->ellipsis = -1;

	size_t first = 0;
	while (first < p->source_len && is_ws(p->source[first]))
		first++;
	size_t last = p->source_len;
	while (last > first && is_ws(p->source[last - 1]))
		last--;

	if (first == p->source_len) {
		p->kind = IAMW_PATTERN_TERMS; /* empty or blank: every event matches */
		return 0;
	}
	ps.lx.pos = first;
	char c = p->source[first];
	if (c == '{') {
		p->kind = IAMW_PATTERN_JSON;
		if (p->source[last - 1] != '}')
			return fail(&ps, IAMW_ESYNTAX, p->source_len, 0,
			            "If a filter pattern starts with '{' it must end with '}'");
		ps.lx.pos = first;
		parse_json(&ps);
	} else if (c == '[') {
		p->kind = IAMW_PATTERN_DELIMITED;
		if (p->source[last - 1] != ']')
			return fail(&ps, IAMW_ESYNTAX, p->source_len, 0,
			            "If a filter pattern starts with '[' it must end with ']'");
		parse_delimited(&ps);
	} else if (c == '%') {
		p->kind = IAMW_PATTERN_REGEX;
		parse_regex_pattern(&ps);
	} else {
		p->kind = IAMW_PATTERN_TERMS;
		parse_terms(&ps);
	}
	return ps.failed;
}

/* ------------------------------------------------------------------ selectors alone */

int iamw__compile_selector(iamw_pattern *host, const char *text, size_t len,
                           const iamw__selector **out, iamw_error *err, const char *source)
{
	parser ps;
	memset(&ps, 0, sizeof ps);
	ps.p = host;
	char *copy = iamw__arena_strndup(&host->arena, text, len);
	if (!copy)
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, source, "out of memory");
	ps.lx.src = copy;
	ps.lx.len = len;
	ps.tok = iamw__lex_expr(&ps.lx);
	if (ps.tok.kind != IAMW_TOK_SELECTOR || ps.tok.length != len)
		return iamw__error_set(err, IAMW_EVALIDATION, 0, len, source,
		                       "'%.*s' is not a property selector like $.field or $.a.b[0]",
		                       (int)(len > 60 ? 60 : len), text);
	iamw_error local;
	ps.err = &local;
	unsigned saved = host->n_wildcard_selectors;
	iamw__selector *sel = NULL;
	int rc = parse_selector(&ps, &sel);
	host->n_wildcard_selectors = saved;
	if (rc)
		return iamw__error_set(err, rc, local.offset, local.length, source, "%s", local.text);
	if (sel->wildcards)
		return iamw__error_set(err, IAMW_EVALIDATION, 0, len, source,
		                       "a wildcard selector does not name one value");
	*out = sel;
	return IAMW_OK;
}
