/* SPDX-License-Identifier: MIT */
/*
 * floor.c - the benchmark floor: cJSON parse of every line of a block,
 * nothing else (no matching). Linked into bench-match ("bench-match floor").
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <string.h>

#include "floor.h"

void bench_floor(const char *buf, size_t len, uint64_t *events, uint64_t *parsed)
{
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		if (end > pos) {
			cJSON *t = cJSON_ParseWithLength(buf + pos, end - pos);
			*parsed += t != NULL;
			cJSON_Delete(t);
			(*events)++;
		}
		pos = end + 1;
	}
}
