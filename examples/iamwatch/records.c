/* SPDX-License-Identifier: MIT */
/*
 * records.c - reads what a user points `iamwatch scan` at into the
 * library's record decoder: files found under directories, files, standard
 * input, plain or gzip (zlib's transparent gz* reader), in blocks.
 * Everything about the layout of the data is the decoder's; this file only
 * knows about paths, and about the ways reading a file can fail.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "records.h"

#define BLOCK     ((unsigned)1 << 20)
#define MAX_DEPTH 256

/* Append s (taken; NULL means out of memory). */
static int add(path_list *l, char *s)
{
	if (s && l->n == l->cap) {
		char **v = realloc(l->v, (l->cap * 2 + 16) * sizeof *v);
		if (!v) {
			free(s);
			return -1;
		}
		l->v = v;
		l->cap = l->cap * 2 + 16;
	}
	if (!s)
		return -1;
	l->v[l->n++] = s;
	return 0;
}

void path_list_free(path_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int not_dots(const struct dirent *e)
{
	return strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name); /* byte-wise, whatever the locale */
}

typedef struct walk {
	path_list *out;
	unsigned long long *problems;
	int *file_errors;
	struct stat up[MAX_DEPTH]; /* the directories being walked, for loops */
} walk;

static void refuse(walk *w, const char *path, const char *why)
{
	fprintf(stderr, "iamwatch scan: %s: %s\n", path, why);
	(*w->problems)++;
	*w->file_errors = 1;
}

static int expand(walk *w, const char *path, size_t depth)
{
	struct stat st;
	struct dirent **names;
	int n = 0, rc = 0;
	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return add(w->out, strdup(path)); /* read (or reported) as given */
	for (size_t i = 0; i < depth; i++)
		if (w->up[i].st_dev == st.st_dev && w->up[i].st_ino == st.st_ino) {
			refuse(w, path,
			       "directory loop (symbolic link to an enclosing directory); skipped");
			return 0;
		}
	if (depth == MAX_DEPTH || (n = scandir(path, &names, not_dots, by_name)) < 0) {
		refuse(w, path, n < 0 ? strerror(errno) : "directories nested too deeply; skipped");
		return 0;
	}
	w->up[depth] = st;
	size_t plen = strlen(path);
	const char *sep = plen > 0 && path[plen - 1] != '/' ? "/" : "";
	for (int i = 0; i < n; i++) {
		char *sub = rc ? NULL : malloc(plen + 2 + strlen(names[i]->d_name));
		if (sub)
			sprintf(sub, "%s%s%s", path, sep, names[i]->d_name);
		free(names[i]);
		if (!sub || stat(sub, &st) != 0 || S_ISREG(st.st_mode)) {
			rc = rc ? rc : add(w->out, sub); /* takes sub */
			continue;
		}
		if (S_ISDIR(st.st_mode))
			rc = expand(w, sub, depth + 1);
		else /* a FIFO or device inside a tree could block or never end */
			refuse(w, sub, "not a regular file; skipped");
		free(sub);
	}
	free(names);
	return rc;
}

int expand_paths(path_list *l, char *const *paths, size_t n, unsigned long long *problems,
                 int *file_errors)
{
	walk w = {l, problems, file_errors, {{0}}};
	int rc = n ? 0 : add(l, strdup("-"));
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = expand(&w, paths[i], 0);
	return rc;
}

int read_records(iamw_decoder *d, const char *path, unsigned long long *bytes)
{
	errno = 0;
	int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : -1;
	gzFile gz = fd >= 0 ? gzdopen(fd, "rb") : strcmp(path, "-") ? gzopen(path, "rb") : NULL;
	if (!gz && fd >= 0)
		close(fd);
	if (!gz)
		return iamw_decoder_fail(d, errno ? strerror(errno) : "cannot open");
	char *buf = malloc(BLOCK);
	const char *failure = buf ? NULL : "out of memory";
	unsigned long long total = 0;
	int rc = 0, n = 0, zerr;
	gzbuffer(gz, 256 * 1024);
	while (!failure && rc == 0 && (n = gzread(gz, buf, BLOCK)) > 0) {
		total += (unsigned long long)n;
		rc = iamw_decoder_feed(d, buf, (size_t)n);
	}
	const char *msg = gzerror(gz, &zerr); /* valid until gzclose */
	size_t plen = strlen(path);
	int empty_gz = !total && gzdirect(gz) && plen >= 3 && !strcmp(path + plen - 3, ".gz");
	/* zlib says Z_BUF_ERROR when a gzip stream stops mid-way, and reads a
	 * 0-byte .gz (cut before its header) as an empty plain file */
	if (rc == 0 && !failure)
		failure = n < 0 ? (zerr == Z_ERRNO ? strerror(errno) : msg)
		          : zerr == Z_BUF_ERROR || empty_gz ? "unexpected end of compressed data"
		                                            : NULL;
	if (rc == 0)
		rc = failure ? iamw_decoder_fail(d, failure) : iamw_decoder_finish(d);
	else /* stopped: the abandoned stream ends quietly (always IAMW_OK) */
		(void)iamw_decoder_finish(d);
	*bytes += total;
	free(buf);
	(void)gzclose(gz); /* a read error was reported above */
	return rc;
}

void print_record_problem(const char *file, const iamw_record_problem *p)
{
	if (p->line)
		fprintf(stderr, "iamwatch scan: %s:%llu: skipped: %s\n", file,
		        (unsigned long long)p->line, p->message);
	else
		fprintf(stderr, "iamwatch scan: %s: %s\n", file, p->message);
}
