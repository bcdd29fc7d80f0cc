/* SPDX-License-Identifier: MIT */
/*
 * regex.c - CloudWatch's regex dialect (the %...% form of a filter pattern):
 * parsing with byte-exact error offsets, compilation to an automaton, an
 * unanchored search that runs in time linear in the subject, and the
 * literal fragments the prefilter uses to skip events cheaply.
 *
 * The dialect has no groups, so a regex is a list of branches and each branch
 * is a straight sequence of pieces. After {m,n} is expanded by copying, every
 * piece copy becomes one "slot" of a position (Glushkov) automaton: a slot
 * either consumes one byte from a set or is a zero-width anchor, and may be
 * optional (skippable) and/or repeatable (may consume again). Each branch ends
 * in an accepting slot. Because following a slot only ever leads to the next
 * one (or back to itself), a set of live slots steps with shifts and a single
 * carry-propagating add per 64-bit word; no follow sets are stored.
 *
 * At compile time the set automaton is also determinised over byte classes,
 * up to a fixed table budget; the search then costs one table load per byte.
 * Regexes whose DFA would exceed the budget are searched with the bit-set
 * simulation instead, which is still linear (at most 64 words per byte).
 */
#include <stdint.h>
#include <string.h>

#include "common/private.h"
#include "lang/regex.h"

/* Slots (piece copies plus one accepting slot per branch) allowed after
 * expanding repetition. AWS refuses regexes that evaluate too slowly (R-7);
 * we refuse ones whose automaton is too big, which also bounds the search's
 * scratch so that it always fits on the stack. */
#define RX_MAX_SLOTS 4096
#define RX_MAX_WORDS (RX_MAX_SLOTS / 64)
/* Repetition counts saturate here while parsing so that digits cannot
 * overflow; anything this big fails the slot limit anyway. */
#define RX_COUNT_SAT 1000000
/* DFA budget: transitions (states x byte classes) and states. Overridable
 * so that tests can force the bit-set simulation (define it to 0). */
#ifndef IAMW_REGEX_DFA_MAX_ENTRIES
#define IAMW_REGEX_DFA_MAX_ENTRIES 32768
#endif
#define RX_DFA_MAX_STATES 2048
#define RX_UNBOUNDED      SIZE_MAX

enum { P_SET, P_BOL, P_EOL };

struct piece {
	uint64_t set[4]; /* bytes the atom matches (P_SET) */
	size_t min, max; /* repetition; max == RX_UNBOUNDED for no maximum */
	size_t off;      /* offset of the atom in the regex body */
	unsigned char kind;
	unsigned char quantified;
};

/* Masks over slots, stored one after another in iamw__regex.masks, followed
 * by one "consumes this byte class" row per byte class. The N* masks say which
 * slots may be skipped: ordinary optional slots everywhere, '^' slots only at
 * offset 0, '$' slots only at the end of the subject. */
enum { M_START, M_ACC, M_REP, M_KEEP, M_NMID, M_NSTART, M_NEND, M_NBOTH, M_COUNT };

struct iamw__regex {
	size_t words;      /* 64-bit words per slot set */
	unsigned nclasses; /* byte equivalence classes */
	unsigned char cls[256];
	uint64_t *masks;
	/* DFA (NULL when over budget). Entries hold "state * nclasses" so the
	 * search indexes without multiplying; state 0 is the absorbing accept. */
	uint32_t *dfa;
	unsigned char *dfa_end; /* per state: accepts at the end of the subject */
	uint32_t dfa_start;
	int match_all;   /* matches at offset 0 of every subject */
	int empty_match; /* matches the empty subject */
	size_t nlits;
	size_t *lit_off, *lit_len;
	char *lit_buf;
};

struct parser {
	const char *src;
	size_t len;
	size_t base;
	iamw_error *err;
	struct piece *pieces;
	size_t npieces;
	size_t *branch_end; /* piece index one past each branch's last piece */
	size_t nbranches;
	size_t slots;
};

/* ---------------------------------------------------------------- byte sets */

static void set_add(uint64_t *s, unsigned b)
{
	s[b >> 6] |= UINT64_C(1) << (b & 63);
}

static int set_has(const uint64_t *s, unsigned b)
{
	return (int)((s[b >> 6] >> (b & 63)) & 1);
}

static void set_range(uint64_t *s, unsigned lo, unsigned hi)
{
	for (unsigned b = lo; b <= hi; b++)
		set_add(s, b);
}

static void set_invert(uint64_t *s)
{
	for (int i = 0; i < 4; i++)
		s[i] = ~s[i];
}

static unsigned set_count(const uint64_t *s)
{
	unsigned n = 0;
	for (unsigned b = 0; b < 256; b++)
		n += (unsigned)set_has(s, b);
	return n;
}

static int set_single(const uint64_t *s)
{
	if (set_count(s) != 1)
		return -1;
	for (unsigned b = 0; b < 256; b++)
		if (set_has(s, b))
			return (int)b;
	return -1;
}

/* The \d \s \w families. \s is exactly what the AWS page lists: tab, space and
 * newline. The upper-case forms are complements over all 256 byte values. */
static void set_escape_class(uint64_t *s, unsigned char e)
{
	uint64_t t[4] = {0, 0, 0, 0};
	switch (e | 0x20) {
	case 'd': set_range(t, '0', '9'); break;
	case 's':
		set_add(t, '\t');
		set_add(t, ' ');
		set_add(t, '\n');
		break;
	default: /* 'w' */
		set_range(t, 'a', 'z');
		set_range(t, 'A', 'Z');
		set_range(t, '0', '9');
		set_add(t, '_');
		break;
	}
	if (e >= 'A' && e <= 'Z')
		set_invert(t);
	for (int i = 0; i < 4; i++)
		s[i] |= t[i];
}

/* ---------------------------------------------------------------- parsing */

static int is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A-15: the documented symbols plus space and tab, which AWS's own examples
 * and production patterns use. */
static int is_allowed(unsigned char c)
{
	return is_alnum(c) || (c != '\0' && strchr(":_#=@/;,- \t^$?[]{}|\\*+.", c) != NULL);
}

/* IAMW_EREGEX at src[at], reported relative to the whole filter pattern. */
static int rx_error(struct parser *p, size_t at, size_t length, const char *msg)
{
	return iamw__error_set(p->err, IAMW_EREGEX, p->base + at, length, "pattern", "%s", msg);
}

/* The service words this "Invalid character(s) in term"; the hint names
 * the \xhh escape the AWS page recommends for such characters. */
static int err_char(struct parser *p, size_t at)
{
	unsigned char c = (unsigned char)p->src[at];
	size_t off = p->base + at;
	if (c == '(' || c == ')')
		return iamw__error_set(
		    p->err, IAMW_EREGEX, off, 1, "pattern",
		    "Invalid character(s) in term: '%c' is not allowed in a regular "
		    "expression (groups are not supported); use \\x%02X to match it",
		    c, (unsigned)c);
	if (c > 0x20 && c < 0x7f)
		return iamw__error_set(
		    p->err, IAMW_EREGEX, off, 1, "pattern",
		    "Invalid character(s) in term: '%c' is not allowed in a regular "
		    "expression; use \\x%02X to match it",
		    c, (unsigned)c);
	if (c >= 0x80)
		return iamw__error_set(
		    p->err, IAMW_EREGEX, off, 1, "pattern",
		    "Invalid character(s) in term: byte 0x%02X is not allowed in a "
		    "regular expression (multi-byte characters are not supported); "
		    "use \\x%02X per byte",
		    (unsigned)c, (unsigned)c);
	return iamw__error_set(
	    p->err, IAMW_EREGEX, off, 1, "pattern",
	    "Invalid character(s) in term: control byte 0x%02X is not allowed in "
	    "a regular expression; use \\x%02X to match it",
	    (unsigned)c, (unsigned)c);
}

/* src[*i] is a backslash. Adds what the escape matches to set and reports the
 * byte in *single when it stands for exactly one (so it may bound a range),
 * else -1. An escaped disallowed character is still an error: AWS rejects
 * "\(" as well as "(" (MoJ PR #5137). */
static int parse_escape(struct parser *p, size_t *i, uint64_t *set, int *single)
{
	size_t at = *i;
	if (at + 1 >= p->len)
		return rx_error(p, at, 1, "regular expression ends with a lone '\\'");
	unsigned char e = (unsigned char)p->src[at + 1];
	if (!is_allowed(e))
		return err_char(p, at + 1);
	*single = -1;
	switch (e) {
	case 'd':
	case 'D':
	case 's':
	case 'S':
	case 'w':
	case 'W':
		set_escape_class(set, e);
		*i = at + 2;
		return IAMW_OK;
	case 'x': {
		int hi = at + 2 < p->len ? hex_value((unsigned char)p->src[at + 2]) : -1;
		int lo = at + 3 < p->len ? hex_value((unsigned char)p->src[at + 3]) : -1;
		if (hi < 0 || lo < 0) {
			size_t n = p->len - at < 4 ? p->len - at : 4;
			return rx_error(p, at, n,
			                "'\\x' must be followed by two hex digits (\\x3A)");
		}
		*single = hi * 16 + lo;
		set_add(set, (unsigned)*single);
		*i = at + 4;
		return IAMW_OK;
	}
	default: break;
	}
	if (is_alnum(e)) {
		return iamw__error_set(p->err, IAMW_EREGEX, p->base + at, 2, "pattern",
		                       "unknown escape '\\%c' (supported: \\d \\D \\s \\S \\w \\W "
		                       "\\xhh, and '\\' before a symbol)",
		                       e);
	}
	*single = e;
	set_add(set, e);
	*i = at + 2;
	return IAMW_OK;
}

/* One class item that may bound a range: a literal byte or a one-byte escape.
 * Returns the byte, or -1 with *rc set. */
static int class_item(struct parser *p, size_t *j, uint64_t *set, int *rc)
{
	unsigned char c = (unsigned char)p->src[*j];
	int single = -1;
	*rc = IAMW_OK;
	if (!is_allowed(c)) {
		*rc = err_char(p, *j);
		return -1;
	}
	if (c == '[') {
		/* Java would read this as a nested class union; refuse rather than
		 * guess which reading AWS uses. */
		*rc = rx_error(p, *j, 1, "'[' inside a character class must be escaped as \\[");
		return -1;
	}
	if (c == '\\') {
		*rc = parse_escape(p, j, set, &single);
		return *rc ? -1 : single;
	}
	(*j)++;
	set_add(set, c);
	return c;
}

static int parse_class(struct parser *p, size_t *i, uint64_t *set)
{
	size_t open = *i, j = open + 1, first;
	int negate = 0, rc;
	if (j < p->len && p->src[j] == '^') {
		negate = 1;
		j++;
	}
	first = j;
	for (;;) {
		if (j >= p->len)
			return rx_error(p, open, p->len - open,
			                "unterminated character class: '[' has no closing ']'");
		unsigned char c = (unsigned char)p->src[j];
		if (c == ']') {
			if (j == first)
				return rx_error(p, open, j - open + 1,
				                "empty character class; use \\] for a literal ']'");
			break;
		}
		if (c == '-' && j != first && j + 1 < p->len && p->src[j + 1] != ']')
			/* After a range or a \d-style escape: neither a range nor
			 * unambiguously literal. */
			return rx_error(p, j, 1,
			                "ambiguous '-' in character class; escape it as \\-");
		size_t item = j;
		uint64_t one[4] = {0, 0, 0, 0};
		int lo = class_item(p, &j, one, &rc);
		if (rc)
			return rc;
		for (int k = 0; k < 4; k++)
			set[k] |= one[k];
		if (lo < 0 || j + 1 >= p->len || p->src[j] != '-' || p->src[j + 1] == ']')
			continue;
		size_t hi_at = j + 1;
		j = hi_at;
		int hi = class_item(p, &j, one, &rc);
		if (rc)
			return rc;
		if (hi < 0)
			return rx_error(p, hi_at, j - hi_at,
			                "a class escape such as \\d cannot end a range");
		if (lo > hi)
			return rx_error(p, item, j - item,
			                "invalid range in character class: start is after end");
		set_range(set, (unsigned)lo, (unsigned)hi);
	}
	if (negate)
		set_invert(set);
	*i = j + 1;
	return IAMW_OK;
}

static size_t parse_count(const char *s, size_t len, size_t *j, int *seen)
{
	size_t v = 0;
	*seen = 0;
	while (*j < len && s[*j] >= '0' && s[*j] <= '9') {
		v = v * 10 + (size_t)(s[*j] - '0');
		if (v > RX_COUNT_SAT)
			v = RX_COUNT_SAT;
		*seen = 1;
		(*j)++;
	}
	return v;
}

/* {m} {m,} {,n} {m,n} {,}: the grammar of 1.2, no blanks inside. */
static int parse_braces(struct parser *p, size_t at, size_t *end, size_t *min, size_t *max)
{
	size_t j = at + 1, n = 0;
	int have_m, have_n = 0, comma = 0;
	size_t m = parse_count(p->src, p->len, &j, &have_m);
	if (j < p->len && p->src[j] == ',') {
		comma = 1;
		j++;
		n = parse_count(p->src, p->len, &j, &have_n);
	}
	if (j >= p->len || p->src[j] != '}' || (!have_m && !comma))
		return rx_error(p, at, 1,
		                "'{' does not start a quantifier {m}, {m,}, {,n} or {m,n}; "
		                "use \\{ for a literal '{'");
	*min = have_m ? m : 0;
	*max = comma ? (have_n ? n : RX_UNBOUNDED) : m;
	*end = j + 1;
	if (*max < *min)
		return rx_error(p, at, *end - at,
		                "invalid quantifier: the minimum is greater than the maximum");
	return IAMW_OK;
}

static int too_big(struct parser *p, size_t at, size_t length)
{
	return iamw__error_set(p->err, IAMW_ELIMIT, p->base + at, length, "pattern",
	                       "regular expression too large: more than %d automaton states "
	                       "after expanding repetition",
	                       RX_MAX_SLOTS);
}

static int parse_quantifier(struct parser *p, size_t *i, size_t branch_first)
{
	size_t at = *i, end = at + 1, min = 0, max = 0;
	int rc;
	char c = p->src[at];
	if (c == '{') {
		rc = parse_braces(p, at, &end, &min, &max);
		if (rc)
			return rc;
	} else {
		min = c == '+' ? 1 : 0;
		max = c == '?' ? 1 : RX_UNBOUNDED;
	}
	if (p->npieces == branch_first)
		return rx_error(
		    p, at, end - at,
		    "quantifier has nothing to repeat; escape it to match it literally");
	struct piece *last = &p->pieces[p->npieces - 1];
	if (last->kind != P_SET)
		return iamw__error_set(p->err, IAMW_EREGEX, p->base + at, end - at, "pattern",
		                       "a quantifier cannot follow the anchor '%c'",
		                       last->kind == P_BOL ? '^' : '$');
	if (last->quantified)
		return rx_error(
		    p, at, end - at,
		    "quantifier follows another quantifier; lazy, possessive and nested "
		    "repetition are not supported");
	size_t copies = max != RX_UNBOUNDED ? max : (min ? min : 1);
	p->slots--; /* the atom was counted once when it was parsed */
	if (copies > RX_MAX_SLOTS - p->slots)
		return too_big(p, at, end - at);
	p->slots += copies;
	last->min = min;
	last->max = max;
	last->quantified = 1;
	*i = end;
	return IAMW_OK;
}

static int parse(struct parser *p)
{
	size_t i = 0, branch_first = 0;
	int rc;
	if (p->len == 0)
		return rx_error(p, 0, 0, "empty regular expression");
	/* Each branch's accepting slot is counted when the branch opens, so
	 * that the limit is reported at the piece that overflows it. */
	p->slots = 1;
	for (;;) {
		if (i == p->len || p->src[i] == '|') {
			if (p->npieces == branch_first) {
				size_t bar = i == p->len ? i - 1 : i;
				return rx_error(
				    p, bar, 1,
				    "empty alternative: '|' needs an expression on both sides");
			}
			p->branch_end[p->nbranches++] = p->npieces;
			if (i == p->len)
				return IAMW_OK;
			if (p->slots >= RX_MAX_SLOTS)
				return too_big(p, i, 1);
			p->slots++; /* the next branch's accepting slot */
			i++;
			branch_first = p->npieces;
			continue;
		}
		unsigned char c = (unsigned char)p->src[i];
		if (!is_allowed(c))
			return err_char(p, i);
		if (c == '*' || c == '+' || c == '?' || c == '{') {
			rc = parse_quantifier(p, &i, branch_first);
			if (rc)
				return rc;
			continue;
		}
		struct piece *pc = &p->pieces[p->npieces];
		memset(pc, 0, sizeof *pc);
		pc->off = i;
		pc->min = pc->max = 1;
		pc->kind = P_SET;
		switch (c) {
		case '}':
		case ']':
			return iamw__error_set(p->err, IAMW_EREGEX, p->base + i, 1, "pattern",
			                       "unmatched '%c'; use \\%c to match it", c, c);
		case '[':
			rc = parse_class(p, &i, pc->set);
			if (rc)
				return rc;
			break;
		case '\\': {
			int single;
			rc = parse_escape(p, &i, pc->set, &single);
			if (rc)
				return rc;
			break;
		}
		case '.':
			set_invert(pc->set);
			i++;
			break;
		case '^':
			pc->kind = P_BOL;
			i++;
			break;
		case '$':
			pc->kind = P_EOL;
			i++;
			break;
		default:
			set_add(pc->set, c);
			i++;
			break;
		}
		if (p->slots >= RX_MAX_SLOTS)
			return too_big(p, pc->off, i - pc->off);
		p->slots++;
		p->npieces++;
	}
}

/* ---------------------------------------------------------------- automaton */

static uint64_t *mask(const iamw__regex *re, int m)
{
	return re->masks + (size_t)m * re->words;
}

static void bit_set(uint64_t *m, size_t slot)
{
	m[slot >> 6] |= UINT64_C(1) << (slot & 63);
}

/* Adds every slot reachable from `in` by skipping skippable slots (mask n).
 * Skips only move forward, so one carry-propagating pass suffices: adding
 * (in & n) to n turns each run of skippable slots that is entered at slot k
 * into k..end-of-run plus the slot after it. Returns whether an accepting
 * slot is live. */
static int closure(const iamw__regex *re, const uint64_t *in, const uint64_t *n, uint64_t *out)
{
	const uint64_t *acc = mask(re, M_ACC), *keep = mask(re, M_KEEP);
	uint64_t carry = 0, any = 0;
	for (size_t w = 0; w < re->words; w++) {
		uint64_t t = in[w] | carry;
		uint64_t sum = n[w] + (t & n[w]);
		carry = sum < n[w];
		out[w] = (t | (sum ^ n[w])) & keep[w];
		any |= out[w] & acc[w];
	}
	return any != 0;
}

/* One byte of unanchored search, not at offset 0: consume a byte of class
 * k, restart every branch, then skip what may be skipped mid-subject. */
static int step(const iamw__regex *re, const uint64_t *d, unsigned k, uint64_t *out)
{
	const uint64_t *b = re->masks + (M_COUNT + (size_t)k) * re->words;
	const uint64_t *rep = mask(re, M_REP), *start = mask(re, M_START);
	const uint64_t *n = mask(re, M_NMID), *acc = mask(re, M_ACC), *keep = mask(re, M_KEEP);
	uint64_t shift_carry = 0, carry = 0, any = 0;
	for (size_t w = 0; w < re->words; w++) {
		uint64_t s = d[w] & b[w];
		uint64_t t = (s << 1) | shift_carry | (s & rep[w]) | start[w] | carry;
		shift_carry = s >> 63;
		uint64_t sum = n[w] + (t & n[w]);
		carry = sum < n[w];
		out[w] = (t | (sum ^ n[w])) & keep[w];
		any |= out[w] & acc[w];
	}
	return any != 0;
}

/* Partition the 256 byte values into classes that every atom treats alike,
 * so DFA rows and consume masks are per class rather than per byte. */
static void byte_classes(iamw__regex *re, const struct parser *p, unsigned char *rep)
{
	unsigned n = 1;
	memset(re->cls, 0, sizeof re->cls);
	for (size_t i = 0; i < p->npieces && n < 256; i++) {
		const struct piece *pc = &p->pieces[i];
		int map[512];
		unsigned nn = 0;
		if (pc->kind != P_SET)
			continue;
		for (int k = 0; k < 512; k++)
			map[k] = -1;
		for (unsigned b = 0; b < 256; b++) {
			unsigned key = re->cls[b] * 2u + (unsigned)set_has(pc->set, b);
			if (map[key] < 0)
				map[key] = (int)nn++;
			re->cls[b] = (unsigned char)map[key];
		}
		n = nn;
	}
	re->nclasses = n;
	for (unsigned b = 256; b-- > 0;)
		rep[re->cls[b]] = (unsigned char)b;
}

static int build_nfa(iamw__regex *re, const struct parser *p)
{
	unsigned char rep[256];
	size_t slot = 0, pi = 0;
	byte_classes(re, p, rep);
	re->words = (p->slots + 63) / 64;
	re->masks = iamw__calloc((M_COUNT + re->nclasses) * re->words, sizeof(uint64_t));
	if (!re->masks)
		return IAMW_ENOMEM;
	uint64_t *start = mask(re, M_START), *acc = mask(re, M_ACC), *rp = mask(re, M_REP);
	uint64_t *keep = mask(re, M_KEEP), *nmid = mask(re, M_NMID), *nstart = mask(re, M_NSTART);
	uint64_t *nend = mask(re, M_NEND), *nboth = mask(re, M_NBOTH);
	for (size_t br = 0; br < p->nbranches; br++) {
		bit_set(start, slot);
		for (; pi < p->branch_end[br]; pi++) {
			const struct piece *pc = &p->pieces[pi];
			if (pc->kind != P_SET) {
				/* Anchors never consume; '^' slots are only ever
				 * passed at offset 0, so they are dropped from live
				 * sets afterwards (KEEP) to keep DFA states few. */
				bit_set(pc->kind == P_BOL ? nstart : nend, slot);
				bit_set(nboth, slot);
				if (pc->kind == P_EOL)
					bit_set(keep, slot);
				slot++;
				continue;
			}
			size_t copies = pc->max != RX_UNBOUNDED ? pc->max : (pc->min ? pc->min : 1);
			for (size_t c = 0; c < copies; c++, slot++) {
				bit_set(keep, slot);
				for (unsigned k = 0; k < re->nclasses; k++)
					if (set_has(pc->set, rep[k]))
						bit_set(re->masks +
						            (M_COUNT + (size_t)k) * re->words,
						        slot);
				if (pc->max == RX_UNBOUNDED && c + 1 == copies)
					bit_set(rp, slot);
				if (c >= pc->min) {
					bit_set(nmid, slot);
					bit_set(nstart, slot);
					bit_set(nend, slot);
					bit_set(nboth, slot);
				}
			}
		}
		bit_set(acc, slot);
		bit_set(keep, slot);
		slot++;
	}
	return IAMW_OK;
}

static uint64_t hash_words(const uint64_t *s, size_t n)
{
	uint64_t h = UINT64_C(0x9E3779B97F4A7C15);
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= UINT64_C(0xFF51AFD7ED558CCD);
		h ^= h >> 32;
	}
	return h;
}

struct dfa_build {
	size_t words, nstates, cap;
	uint64_t *sets;
	uint32_t *table; /* hash of state ids, 0 = empty (state 0 is never hashed) */
	size_t table_mask;
};

/* Returns the state id for set s, adding it if new; 0 when over budget or
 * out of memory (the caller then gives up on the DFA). */
static uint32_t dfa_intern(struct dfa_build *b, const uint64_t *s, size_t max_states)
{
	size_t h = (size_t)hash_words(s, b->words) & b->table_mask;
	for (;; h = (h + 1) & b->table_mask) {
		uint32_t id = b->table[h];
		if (!id)
			break;
		if (!memcmp(b->sets + id * b->words, s, b->words * sizeof *s))
			return id;
	}
	if (b->nstates >= max_states)
		return 0;
	if (b->nstates == b->cap) {
		size_t ncap = b->cap * 2;
		uint64_t *ns = iamw__realloc(b->sets, ncap * b->words * sizeof *ns);
		if (!ns)
			return 0;
		b->sets = ns;
		b->cap = ncap;
	}
	uint32_t id = (uint32_t)b->nstates++;
	memcpy(b->sets + id * b->words, s, b->words * sizeof *s);
	b->table[h] = id;
	return id;
}

/* Subset construction over the slot automaton. The DFA is an optimisation
 * only: when it would exceed its budget, or memory runs short, the regex is
 * searched with the bit-set simulation, so failures here are not errors. */
static void build_dfa(iamw__regex *re)
{
	uint64_t cur[RX_MAX_WORDS], next[RX_MAX_WORDS];
	size_t ncls = re->nclasses;
	size_t max_states = IAMW_REGEX_DFA_MAX_ENTRIES / ncls;
	if (max_states > RX_DFA_MAX_STATES)
		max_states = RX_DFA_MAX_STATES;
	if (max_states < 2)
		return;
	struct dfa_build b = {re->words, 1, 16, NULL, NULL, 0};
	size_t tsize = 1;
	while (tsize < max_states * 2)
		tsize *= 2;
	b.table_mask = tsize - 1;
	b.table = iamw__calloc(tsize, sizeof *b.table);
	b.sets = iamw__calloc(b.cap * b.words, sizeof *b.sets);
	uint32_t *tr = iamw__malloc(max_states * ncls * sizeof *tr);
	unsigned char *end = iamw__calloc(max_states, 1);
	if (!b.table || !b.sets || !tr || !end)
		goto fail;
	closure(re, mask(re, M_START), mask(re, M_NSTART), cur);
	if (!dfa_intern(&b, cur, max_states))
		goto fail;
	for (size_t k = 0; k < ncls; k++)
		tr[k] = 0;
	end[0] = 1;
	for (size_t s = 1; s < b.nstates; s++) {
		/* b.sets may move while interning, so work on a copy */
		memcpy(cur, b.sets + s * b.words, b.words * sizeof *cur);
		end[s] = (unsigned char)closure(re, cur, mask(re, M_NEND), next);
		for (size_t k = 0; k < ncls; k++) {
			uint32_t to = 0;
			if (!step(re, cur, (unsigned)k, next)) {
				to = dfa_intern(&b, next, max_states);
				if (!to)
					goto fail;
			}
			tr[s * ncls + k] = (uint32_t)(to * ncls);
		}
	}
	re->dfa = tr;
	re->dfa_end = end;
	re->dfa_start = (uint32_t)ncls;
	iamw__free(b.table);
	iamw__free(b.sets);
	return;
fail:
	iamw__free(b.table);
	iamw__free(b.sets);
	iamw__free(tr);
	iamw__free(end);
}

/* ---------------------------------------------------------------- literals */

/* Per branch, the longest run of bytes every match of the branch contains
 * contiguously: single-byte atoms with a fixed count extend the run, a
 * variable count with a minimum >= 1 contributes its minimum and ends the run,
 * anything else ends it. Anchors are zero-width and do not break a run. */
static int build_literals(iamw__regex *re, const struct parser *p)
{
	size_t total = 0, pi = 0;
	for (size_t i = 0; i < p->npieces; i++)
		if (p->pieces[i].kind == P_SET && p->pieces[i].max != RX_UNBOUNDED)
			total += p->pieces[i].max;
		else
			total += p->pieces[i].min + 1;
	char *run = iamw__malloc(total + 1);
	re->lit_buf = iamw__malloc(total + 1);
	re->lit_off = iamw__calloc(p->nbranches, sizeof *re->lit_off);
	re->lit_len = iamw__calloc(p->nbranches, sizeof *re->lit_len);
	if (!run || !re->lit_buf || !re->lit_off || !re->lit_len) {
		iamw__free(run);
		return IAMW_ENOMEM;
	}
	size_t used = 0;
	for (size_t br = 0; br < p->nbranches; br++) {
		size_t cur = 0, best = 0, best_at = used;
		for (; pi <= p->branch_end[br]; pi++) {
			const struct piece *pc = pi < p->branch_end[br] ? &p->pieces[pi] : NULL;
			int b = -1;
			if (pc && pc->kind != P_SET)
				continue;
			if (pc && pc->min > 0)
				b = set_single(pc->set);
			if (b >= 0) {
				memset(run + cur, b, pc->min);
				cur += pc->min;
				if (pc->max == pc->min)
					continue;
			}
			if (cur > best) {
				memcpy(re->lit_buf + used, run, cur);
				best = cur;
				best_at = used;
			}
			cur = 0;
		}
		pi = p->branch_end[br];
		if (best == 0) {
			re->nlits = 0;
			iamw__free(run);
			return IAMW_OK;
		}
		re->lit_off[re->nlits] = best_at;
		re->lit_len[re->nlits] = best;
		re->nlits++;
		used += best;
	}
	iamw__free(run);
	/* A literal that contains another is implied by it; dropping the longer
	 * one keeps the set complete and spares the prefilter a search. */
	for (size_t i = 0; i < re->nlits; i++) {
		for (size_t j = 0; j < re->nlits; j++) {
			if (i == j || re->lit_len[j] > re->lit_len[i])
				continue;
			if (re->lit_len[j] == re->lit_len[i] && j > i)
				continue;
			const char *hay = re->lit_buf + re->lit_off[i];
			const char *needle = re->lit_buf + re->lit_off[j];
			size_t hl = re->lit_len[i], nl = re->lit_len[j];
			int found = 0;
			for (size_t k = 0; k + nl <= hl && !found; k++)
				found = !memcmp(hay + k, needle, nl);
			if (found) {
				re->nlits--;
				memmove(re->lit_off + i, re->lit_off + i + 1,
				        (re->nlits - i) * sizeof *re->lit_off);
				memmove(re->lit_len + i, re->lit_len + i + 1,
				        (re->nlits - i) * sizeof *re->lit_len);
				i--;
				break;
			}
		}
	}
	return IAMW_OK;
}

/* ---------------------------------------------------------------- API */

void iamw__regex_free(iamw__regex *re)
{
	if (!re)
		return;
	iamw__free(re->masks);
	iamw__free(re->dfa);
	iamw__free(re->dfa_end);
	iamw__free(re->lit_off);
	iamw__free(re->lit_len);
	iamw__free(re->lit_buf);
	iamw__free(re);
}

int iamw__regex_compile(iamw__regex **out, const char *src, size_t len, size_t base_offset,
                        iamw_error *err)
{
	uint64_t tmp[RX_MAX_WORDS];
	int rc;
	if (!out || (!src && len))
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "pattern",
		                       "no regular expression given");
	*out = NULL;
	struct parser p = {src, len, base_offset, err, NULL, 0, NULL, 0, 0};
	p.pieces = iamw__malloc((len ? len : 1) * sizeof *p.pieces);
	p.branch_end = iamw__malloc((len + 1) * sizeof *p.branch_end);
	iamw__regex *re = iamw__calloc(1, sizeof *re);
	if (!p.pieces || !p.branch_end || !re) {
		rc = iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "pattern",
		                     "out of memory");
		goto done;
	}
	rc = parse(&p);
	if (rc)
		goto done;
	rc = build_nfa(re, &p);
	if (!rc)
		rc = build_literals(re, &p);
	if (rc) {
		rc = iamw__error_set(err, rc, IAMW_NO_OFFSET, 0, "pattern", "out of memory");
		goto done;
	}
	re->match_all = closure(re, mask(re, M_START), mask(re, M_NSTART), tmp);
	re->empty_match = closure(re, mask(re, M_START), mask(re, M_NBOTH), tmp);
	if (!re->match_all)
		build_dfa(re);
	iamw__error_clear(err);
	*out = re;
	re = NULL;
done:
	iamw__regex_free(re);
	iamw__free(p.pieces);
	iamw__free(p.branch_end);
	return rc;
}

int iamw__regex_search(const iamw__regex *re, const char *subject, size_t len)
{
	const unsigned char *s = (const unsigned char *)subject;
	if (re->match_all)
		return 1;
	if (len == 0)
		return re->empty_match;
	if (re->dfa) {
		const uint32_t *tr = re->dfa;
		const unsigned char *cls = re->cls;
		uint32_t st = re->dfa_start;
		size_t i = 0;
		/* The accept state absorbs, so checking every fourth byte is
		 * enough. */
		for (; i + 4 <= len; i += 4) {
			st = tr[st + cls[s[i]]];
			st = tr[st + cls[s[i + 1]]];
			st = tr[st + cls[s[i + 2]]];
			st = tr[st + cls[s[i + 3]]];
			if (!st)
				return 1;
		}
		for (; i < len; i++)
			st = tr[st + cls[s[i]]];
		return st == 0 || re->dfa_end[st / re->nclasses];
	}
	/* RX_MAX_SLOTS bounds the scratch at 1 KiB, so no allocation is needed
	 * and the search cannot fail. */
	uint64_t a[RX_MAX_WORDS], b[RX_MAX_WORDS];
	uint64_t *cur = a, *next = b;
	closure(re, mask(re, M_START), mask(re, M_NSTART), cur);
	for (size_t i = 0; i < len; i++) {
		if (step(re, cur, re->cls[s[i]], next))
			return 1;
		uint64_t *t = cur;
		cur = next;
		next = t;
	}
	return closure(re, cur, mask(re, M_NEND), next);
}

size_t iamw__regex_required_literals(const iamw__regex *re, const char **out, size_t *out_len,
                                     size_t max_out)
{
	if (re->nlits == 0 || re->nlits > max_out)
		return 0;
	for (size_t i = 0; i < re->nlits; i++) {
		out[i] = re->lit_buf + re->lit_off[i];
		out_len[i] = re->lit_len[i];
	}
	return re->nlits;
}
