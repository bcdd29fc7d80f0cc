/* SPDX-License-Identifier: MIT */
/*
 * error.c - status code names and texts, filling iamw_error, and rendering an
 * error with an excerpt of the input and a caret under the offending byte.
 */
#include <stdio.h>
#include <string.h>

#include "common/private.h"

static const struct {
	int code;
	const char *name;
	const char *text;
} status_table[] = {
	{IAMW_OK, "OK", "success"},
	{IAMW_ENOMEM, "ENOMEM", "out of memory"},
	{IAMW_EINVAL, "EINVAL", "invalid argument"},
	{IAMW_ESYNTAX, "ESYNTAX", "syntax error"},
	{IAMW_ETOOLONG, "ETOOLONG", "pattern longer than 1024 bytes"},
	{IAMW_EDEPTH, "EDEPTH", "nesting too deep"},
	{IAMW_EWILDCARDS, "EWILDCARDS", "more than 3 wildcard selectors in the pattern"},
	{IAMW_ESELWILDCARD, "ESELWILDCARD", "more than 1 wildcard in a property selector"},
	{IAMW_EREGEX, "EREGEX", "invalid regular expression"},
	{IAMW_EREGEXCOUNT, "EREGEXCOUNT", "more than 2 regular expressions in the pattern"},
	{IAMW_EUNSUPPORTED, "EUNSUPPORTED", "unsupported construct"},
	{IAMW_EJSON, "EJSON", "invalid JSON input"},
	{IAMW_ENOTFOUND, "ENOTFOUND", "not found"},
	{IAMW_EEXISTS, "EEXISTS", "already exists"},
	{IAMW_ESTATE, "ESTATE", "invalid saved state"},
	{IAMW_EBUSY, "EBUSY", "re-entrant call from a callback"},
	{IAMW_ELIMIT, "ELIMIT", "limit exceeded"},
	{IAMW_EVALIDATION, "EVALIDATION", "validation error"},
};

const char *iamw_strerror(int code)
{
	for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
		if (status_table[i].code == code)
			return status_table[i].text;
	return "unknown error";
}

const char *iamw_status_name(int code)
{
	for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
		if (status_table[i].code == code)
			return status_table[i].name;
	return "EUNKNOWN";
}

void iamw__error_clear(iamw_error *err)
{
	if (!err)
		return;
	err->code = IAMW_OK;
	err->offset = IAMW_NO_OFFSET;
	err->length = 0;
	err->source[0] = '\0';
	err->text[0] = '\0';
}

int iamw__error_set(iamw_error *err, int code, size_t offset, size_t length, const char *source,
                    const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	err->offset = offset;
	err->length = length;
	snprintf(err->source, sizeof err->source, "%s", source ? source : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof err->text, fmt, ap);
	va_end(ap);
	return code;
}

size_t iamw_error_format(const iamw_error *err, const char *input, size_t len, char *buf,
                         size_t size)
{
	iamw__buf b;
	iamw__buf_init(&b);
	if (!err) {
		iamw__buf_adds(&b, "(no error)");
	} else if (err->offset == IAMW_NO_OFFSET) {
		iamw__buf_addf(&b, "%s: %s", err->source[0] ? err->source : "error", err->text);
	} else {
		iamw__buf_addf(&b, "%s:%zu: %s", err->source[0] ? err->source : "input", err->offset,
		               err->text);
	}
	if (err && input && err->offset != IAMW_NO_OFFSET) {
		if (len == IAMW_NUL_TERMINATED)
			len = strlen(input);
		size_t off = err->offset > len ? len : err->offset;
		/* Show the line holding the offset; control bytes become spaces so the
		 * caret stays aligned on a terminal. */
		size_t start = off, end = off;
		while (start > 0 && input[start - 1] != '\n')
			start--;
		while (end < len && input[end] != '\n')
			end++;
		iamw__buf_adds(&b, "\n  ");
		for (size_t i = start; i < end; i++) {
			unsigned char c = (unsigned char)input[i];
			iamw__buf_addc(&b, (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
		}
		iamw__buf_adds(&b, "\n  ");
		for (size_t i = start; i < off; i++) {
			unsigned char c = (unsigned char)input[i];
			/* UTF-8 continuation bytes take no column. */
			if ((c & 0xC0) != 0x80)
				iamw__buf_addc(&b, ' ');
		}
		iamw__buf_addc(&b, '^');
		size_t n = err->length;
		if (off + n > end)
			n = end > off ? end - off : 0;
		for (size_t i = 1; i < n; i++)
			iamw__buf_addc(&b, '~');
	}
	size_t need = b.oom ? 0 : b.len;
	if (size > 0) {
		size_t n = need < size - 1 ? need : size - 1;
		if (n)
			memcpy(buf, b.data, n);
		buf[n] = '\0';
	}
	iamw__buf_free(&b);
	return need;
}
