/* SPDX-License-Identifier: MIT */
/*
 * cli.h - shared pieces of the iamwatch command-line program: input readers
 * and helpers for printing errors. The program is a thin layer over the
 * public libiamwatch API; it holds no matching logic of its own.
 */
#ifndef IAMWATCH_CLI_H
#define IAMWATCH_CLI_H

#include <stddef.h>
#include <stdio.h>

#include <zlib.h>

#include "iamwatch.h"

/* Exit statuses shared by every subcommand (grep-like for `test`). */
enum { EXIT_MATCH = 0, EXIT_NOMATCH = 1, EXIT_TROUBLE = 2, EXIT_ALARM = 3 };

/* A line-oriented reader over a plain or gzip file (zlib reads both) or
 * stdin. Lines are returned without their "\n" or "\r\n"; the pointer stays
 * valid until the next call. */
typedef struct line_reader {
	gzFile gz;
	const char *name;
	char *buf;
	size_t cap;
	size_t start; /* first unread byte */
	size_t end;   /* end of valid bytes */
	int eof;
	int error;
	char errmsg[256];
	unsigned long long line_no;
} line_reader;

/* Open path ("-" = stdin). Returns 0, or -1 with a message in r->errmsg. */
int line_reader_open(line_reader *r, const char *path);
/* 1 = a line, 0 = end of input, -1 = read error (message in r->errmsg). */
int line_reader_next(line_reader *r, const char **line, size_t *len);
void line_reader_close(line_reader *r);

/* Read a whole (possibly gzip) file into memory. Returns 0 or -1 with errmsg. */
int slurp_file(const char *path, char **data, size_t *len, char *errmsg, size_t errsize);

/* Print an iamw_error with its caret excerpt to stderr. */
void print_error(const char *prog, const iamw_error *err, const char *input);

/* JSON string output to a FILE. */
void fput_json_string(FILE *f, const char *s, size_t n);

int cmd_test(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_check(int argc, char **argv);

#endif
