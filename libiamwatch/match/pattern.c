/* SPDX-License-Identifier: MIT */
/*
 * pattern.c - the public life cycle of a compiled filter pattern: compile
 * (copy the source, parse it into the arena), accessors, dumps, free.
 */
#include <string.h>

#include "lang/ast.h"
#include "match/prefilter.h"
#include "match/projection.h"

void iamw_pattern_free(iamw_pattern *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n_regexes; i++)
		iamw__regex_free(p->regexes[i]);
	iamw__prefilter_free(p->prefilter); /* prefilter */
	iamw__projection_free(p->projection);
	iamw__arena_free(&p->arena);
	iamw__free(p->source);
	iamw__free(p);
}

int iamw_pattern_compile(iamw_pattern **out, const char *text, size_t len, uint32_t flags,
                         iamw_error *err)
{
	iamw__error_clear(err);
	if (!out)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "pattern", "out is NULL");
	*out = NULL;
	if (!text && len && len != IAMW_NUL_TERMINATED)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "pattern", "text is NULL");
	if (!text)
		text = "";
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(text);
	if (flags & ~(uint32_t)(IAMW_COMPILE_JSON_EXTRACT | IAMW_COMPILE_NO_PREFILTER))
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, "pattern",
		                       "unknown compile flags 0x%x", (unsigned)flags);
	if (len > IAMW_MAX_PATTERN_LEN)
		return iamw__error_set(
		    err, IAMW_ETOOLONG, IAMW_MAX_PATTERN_LEN, len - IAMW_MAX_PATTERN_LEN, "pattern",
		    "Member must have length less than or equal to %d (pattern is %zu bytes)",
		    IAMW_MAX_PATTERN_LEN, len);
	/* No form of the language has a NUL byte; the lexer's sentinel must
	 * not mistake one for the end of the pattern. */
	const char *nul = memchr(text, '\0', len);
	if (nul)
		return iamw__error_set(err, IAMW_ESYNTAX, (size_t)(nul - text), 1, "pattern",
		                       "a filter pattern cannot contain a NUL byte");
	iamw_pattern *p = iamw__calloc(1, sizeof *p);
	if (!p)
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "pattern", "out of memory");
	p->flags = flags;
	p->source = iamw__strndup(text, len);
	p->source_len = len;
	if (!p->source) {
		iamw__free(p);
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "pattern", "out of memory");
	}
	int rc = iamw__parse_pattern(p, err);
	if (rc != IAMW_OK) {
		iamw_pattern_free(p);
		return rc;
	}
	/* --- prefilter: required literals (prefilter.h) --- */
	if (!(flags & IAMW_COMPILE_NO_PREFILTER) &&
	    (iamw__prefilter_build(&p->prefilter, p) || iamw__projection_build(&p->projection, p))) {
		iamw_pattern_free(p);
		return iamw__error_set(err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "pattern", "out of memory");
	}
	/* --- end prefilter --- */
	iamw__error_clear(err);
	*out = p;
	return IAMW_OK;
}

iamw_pattern_kind iamw_pattern_kind_of(const iamw_pattern *p)
{
	return p ? p->kind : IAMW_PATTERN_TERMS;
}

const char *iamw_pattern_source(const iamw_pattern *p)
{
	return p ? p->source : NULL;
}

unsigned iamw_pattern_regex_count(const iamw_pattern *p)
{
	return p ? p->n_regexes : 0;
}

unsigned iamw_pattern_wildcard_selector_count(const iamw_pattern *p)
{
	return p ? p->n_wildcard_selectors : 0;
}

int iamw_pattern_dump(const iamw_pattern *p, char **out, size_t *out_len)
{
	if (!p || !out)
		return IAMW_EINVAL;
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__dump_pattern(p, &b);
	return iamw__buf_steal(&b, out, out_len);
}

int iamw_pattern_canonical(const iamw_pattern *p, char **out, size_t *out_len)
{
	if (!p || !out)
		return IAMW_EINVAL;
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__canonical_pattern(p, &b);
	return iamw__buf_steal(&b, out, out_len);
}
