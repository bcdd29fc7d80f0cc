/* SPDX-License-Identifier: MIT */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H
#include <stddef.h>
#include <stdint.h>
/* cJSON-parse every line of buf; counts lines and lines that parsed. */
void bench_floor(const char *buf, size_t len, uint64_t *events, uint64_t *parsed);
#endif
