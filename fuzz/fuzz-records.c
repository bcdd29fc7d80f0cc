/* SPDX-License-Identifier: MIT */
/*
 * fuzz-records.c - libFuzzer target: the iamwatch program's CloudTrail input
 * reader (examples/iamwatch/records.c) over arbitrary file contents: S3
 * Records documents, NDJSON, CloudWatch Logs exports, EventBridge envelopes,
 * gzip or not. The bytes are written to an anonymous in-memory file and read
 * back through its /proc path.
 *
 * Checks (abort() on violation): every record lies within what was read, is
 * a JSON object's text (starts with '{', ends with '}'), carries a line >= 1
 * and the file name; problems carry a message; the counters add up; the
 * reader always reaches the end.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-records: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-records", 0);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	const char *paths[1] = {path};
	record_reader r;
	if (record_reader_open(&r, paths, 1) != 0) {
		close(fd);
		return 0;
	}
	r.max_bytes = 1u << 24;
	record rec;
	record_problem prob;
	int k;
	unsigned long long records = 0, problems = 0, steps = 0;
	while ((k = record_reader_next(&r, &rec, &prob)) != 0) {
		if (++steps > 10 * (size + 10))
			fail("the reader does not reach the end");
		if (k < 0) {
			if (!prob.message[0])
				fail("a problem without a message");
			problems++;
			continue;
		}
		records++;
		if (!rec.json || rec.len < 2 || rec.json[0] != '{' || rec.json[rec.len - 1] != '}')
			fail("a record that is not an object's text");
		if (rec.line < 1 || !rec.file)
			fail("a record without its position");
	}
	if (r.records != records || r.problems != problems)
		fail("counters disagree");
	record_reader_close(&r);
	close(fd);
	return 0;
}
