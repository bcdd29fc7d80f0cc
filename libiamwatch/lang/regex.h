/* SPDX-License-Identifier: MIT */
/*
 * regex.h - CloudWatch's regular expression dialect (%...% in filter
 * patterns), compiled to an automaton that searches in time linear in the
 * subject length. See ../docs/semantics.md "Regular expressions".
 */
#ifndef IAMW_REGEX_H
#define IAMW_REGEX_H

#include <stddef.h>

#include "iamwatch.h"

typedef struct iamw__regex iamw__regex;

/*
 * Compile the text between the two '%' delimiters.
 *   src, len     the regex body (no surrounding '%'), need not be NUL-terminated
 *   base_offset  byte offset of src[0] inside the whole filter pattern, added
 *                to every offset reported in err (source "pattern")
 * Returns IAMW_OK, IAMW_EREGEX (invalid syntax or character, with the offset
 * of the offending byte), IAMW_ELIMIT (automaton too large) or IAMW_ENOMEM.
 * The compiled object is immutable: iamw__regex_search may run on it from
 * many threads at once.
 */
int iamw__regex_compile(iamw__regex **out, const char *src, size_t len, size_t base_offset,
                        iamw_error *err);

void iamw__regex_free(iamw__regex *re);

/*
 * Unanchored search (CloudWatch semantics: '^' and '$' anchor to the start
 * and end of the subject). Returns 1 if some substring matches, 0 if none,
 * IAMW_ENOMEM if scratch memory could not be had. Linear time in len.
 */
int iamw__regex_search(const iamw__regex *re, const char *subject, size_t len);

/*
 * Literal fragments for the prefilter: fills *out with up to max_out byte
 * strings (pointers into memory owned by re) such that every subject the
 * regex matches contains at least one of them; returns their count, or 0 if
 * no such set exists (e.g. the regex can match with no fixed bytes).
 */
size_t iamw__regex_required_literals(const iamw__regex *re, const char **out, size_t *out_len,
                                     size_t max_out);

#endif /* IAMW_REGEX_H */
