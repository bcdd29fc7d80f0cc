/* SPDX-License-Identifier: MIT */
/* records.h - the input side of `iamwatch scan`: paths expanded into files,
 * and each file, plain or gzip, fed to the library's record decoder
 * (iamwatch/records.h), which finds the CloudTrail records in any layout. */
#ifndef IAMWATCH_CLI_RECORDS_H
#define IAMWATCH_CLI_RECORDS_H

#include "iamwatch.h"

typedef struct path_list {
	char **v;
	size_t n, cap;
} path_list;

/* Append the files named by paths[0..n) to l (none: "-", standard input),
 * walking directories recursively in byte-wise name order, so that --state
 * records each file as done, not the directory. A directory loop, an
 * unreadable directory and what in a tree is no regular file are reported,
 * counted in *problems and set *file_errors. Returns 0, or -1 (no memory). */
int expand_paths(path_list *l, char *const *paths, size_t n, unsigned long long *problems,
                 int *file_errors);
void path_list_free(path_list *l);

/* Feed the file at path ("-" = standard input; plain or gzip) through d as
 * one stream, ended by iamw_decoder_finish(), or by iamw_decoder_fail() when
 * the file cannot be opened or its data ends early (the decoder reports the
 * cause). *bytes grows by the bytes read. Returns 0, or the nonzero value
 * the decoder returned (a callback stopped it, or a negative iamw_status). */
int read_records(iamw_decoder *d, const char *path, unsigned long long *bytes);

/* Print "iamwatch scan: FILE:LINE: skipped: MSG" (line 0: "FILE: MSG") to stderr. */
void print_record_problem(const char *file, const iamw_record_problem *p);

#endif /* IAMWATCH_CLI_RECORDS_H */
