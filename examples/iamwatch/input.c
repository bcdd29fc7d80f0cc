/* SPDX-License-Identifier: MIT */
/*
 * input.c - reads log input for the iamwatch program: plain or gzip files
 * (zlib's gzread passes uncompressed data through), in large blocks, handing
 * out lines in place so that scanning does not copy every line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define BLOCK (1u << 20)

int line_reader_open(line_reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->name = path;
	if (strcmp(path, "-") == 0) {
		r->name = "<stdin>";
		r->gz = gzdopen(dup(STDIN_FILENO), "rb");
	} else {
		/* zlib reads an empty file as empty data; a .gz file must at least
		 * hold a gzip header, as `scan` also requires. */
		size_t n = strlen(path);
		struct stat st;
		if (n > 3 && strcmp(path + n - 3, ".gz") == 0 && stat(path, &st) == 0 &&
		    st.st_size == 0) {
			snprintf(r->errmsg, sizeof r->errmsg, "%s: unexpected end of compressed data",
			         r->name);
			return -1;
		}
		r->gz = gzopen(path, "rb");
	}
	if (!r->gz) {
		snprintf(r->errmsg, sizeof r->errmsg, "%s: %s", r->name,
		         errno ? strerror(errno) : "cannot open");
		return -1;
	}
	gzbuffer(r->gz, 256 * 1024);
	r->cap = BLOCK;
	r->buf = malloc(r->cap + 1);
	if (!r->buf) {
		gzclose(r->gz);
		r->gz = NULL;
		snprintf(r->errmsg, sizeof r->errmsg, "%s: out of memory", r->name);
		return -1;
	}
	return 0;
}

static int fill(line_reader *r)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		size_t cap = r->cap * 2;
		char *b = realloc(r->buf, cap + 1);
		if (!b) {
			snprintf(r->errmsg, sizeof r->errmsg, "%s: out of memory (line longer than %zu bytes)",
			         r->name, r->cap);
			r->error = 1;
			return -1;
		}
		r->buf = b;
		r->cap = cap;
	}
	int want = (int)(r->cap - r->end > (size_t)1 << 30 ? (size_t)1 << 30 : r->cap - r->end);
	int n = gzread(r->gz, r->buf + r->end, (unsigned)want);
	if (n < 0) {
		int zerr;
		const char *msg = gzerror(r->gz, &zerr);
		snprintf(r->errmsg, sizeof r->errmsg, "%s: %s", r->name,
		         zerr == Z_ERRNO ? strerror(errno) : msg);
		r->error = 1;
		return -1;
	}
	if (n == 0) {
		int zerr;
		gzerror(r->gz, &zerr);
		if (zerr == Z_BUF_ERROR) {
			snprintf(r->errmsg, sizeof r->errmsg, "%s: unexpected end of compressed data",
			         r->name);
			r->error = 1;
			return -1;
		}
		r->eof = 1;
	}
	r->end += (size_t)n;
	return n;
}

int line_reader_next(line_reader *r, const char **line, size_t *len)
{
	if (r->error)
		return -1;
	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl || (r->eof && r->end > r->start)) {
			size_t n = nl ? (size_t)(nl - (r->buf + r->start)) : r->end - r->start;
			*line = r->buf + r->start;
			r->start += n + (nl ? 1 : 0);
			if (n && (*line)[n - 1] == '\r')
				n--;
			*len = n;
			r->line_no++;
			return 1;
		}
		if (r->eof)
			return 0;
		if (fill(r) < 0)
			return -1;
	}
}

void line_reader_close(line_reader *r)
{
	if (r->gz)
		gzclose(r->gz);
	free(r->buf);
	memset(r, 0, sizeof *r);
}

int slurp_file(const char *path, char **data, size_t *len, char *errmsg, size_t errsize)
{
	line_reader r;
	if (line_reader_open(&r, path) < 0) {
		snprintf(errmsg, errsize, "%s", r.errmsg);
		return -1;
	}
	while (!r.eof) {
		if (fill(&r) < 0) {
			snprintf(errmsg, errsize, "%s", r.errmsg);
			line_reader_close(&r);
			return -1;
		}
	}
	r.buf[r.end] = '\0';
	*data = r.buf;
	*len = r.end;
	r.buf = NULL;
	line_reader_close(&r);
	return 0;
}

void print_error(const char *prog, const iamw_error *err, const char *input)
{
	size_t need = iamw_error_format(err, input, IAMW_NUL_TERMINATED, NULL, 0);
	char *buf = malloc(need + 1);
	if (!buf) {
		fprintf(stderr, "%s: %s\n", prog, err->text);
		return;
	}
	iamw_error_format(err, input, IAMW_NUL_TERMINATED, buf, need + 1);
	fprintf(stderr, "%s: %s: %s\n", prog, iamw_status_name(err->code), buf);
	free(buf);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	unsigned cp = c & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* JSON text must be UTF-8: bytes that are not valid UTF-8 are written as
 * U+FFFD, one per byte. */
void fput_json_string(FILE *f, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	putc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			size_t k = utf8_seq((const unsigned char *)s + i, n - i);
			if (!k) {
				fputs("\\ufffd", f);
				continue;
			}
			fwrite(s + i, 1, k, f);
			i += k - 1;
			continue;
		}
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20) {
				fputs("\\u00", f);
				putc(hex[c >> 4], f);
				putc(hex[c & 15], f);
			} else {
				putc(c, f);
			}
		}
	}
	putc('"', f);
}
