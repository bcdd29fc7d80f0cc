/* SPDX-License-Identifier: MIT */
/*
 * bench-match.c - one benchmark driver for bench/run.sh.
 *
 *   bench-match floor   FILE               cJSON parse of every line, nothing else (floor.c)
 *   bench-match naive   FILE PATTERN       iamw_pattern_scan_lines, IAMW_COMPILE_NO_PREFILTER
 *   bench-match match   FILE PATTERN       iamw_pattern_scan_lines, default (prefilter)
 *   bench-match engine  FILE RULES [advance]  iamw_engine_load_rules + ingest_lines
 *   bench-match stream  - RULES            engine with IAMW_INGEST_ADVANCE over stdin, once
 *   bench-match engine-naive FILE RULES    the same with IAMW_ENGINE_NO_PREFILTER (every
 *                                          event parsed, every filter evaluated)
 *
 * FILE is read in 8 MiB blocks (whole lines are handed on; the tail is
 * carried over), so memory stays flat whatever the input size. Each case
 * runs once as a warm-up and then REPS (default 5, env BENCH_REPS) times in
 * the same process; the output is one line of key=value pairs:
 *   case=... bytes=N events=N matches=N median_s=X min_s=X mb_s=X ev_s=X maxrss_kb=N
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "floor.h"
#include "iamwatch.h"

#define BLOCK (8u << 20)

typedef struct ctx {
	const char *mode;
	iamw_pattern *pattern;
	iamw_match *match;
	iamw_engine *engine;
	const char *rules;
	size_t rules_len;
	uint32_t ingest_flags;
	uint64_t events, matches, bytes;
} ctx;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench-match: %s\n", what);
	exit(2);
}

static void process(ctx *c, const char *buf, size_t len)
{
	c->bytes += len;
	if (strcmp(c->mode, "floor") == 0) {
		bench_floor(buf, len, &c->events, &c->matches);
	} else if (c->pattern) {
		size_t n_matches = 0, n_lines = 0;
		if (iamw_pattern_scan_lines(c->pattern, buf, len, c->match, NULL, 0, &n_matches,
		                            &n_lines))
			die("scan_lines failed");
		c->matches += n_matches;
		c->events += n_lines;
	} else {
		iamw_ingest_report rep;
		int rc = iamw_engine_ingest_lines(c->engine, buf, len, c->ingest_flags, &rep);
		if (rc)
			die(iamw_strerror(rc));
		c->matches += rep.matches;
		c->events += rep.events;
	}
}

static void setup_engine(ctx *c)
{
	iamw_engine_free(c->engine);
	c->engine = NULL;
	if (!c->rules)
		return;
	iamw_error err;
	iamw_engine_options o;
	iamw_engine_options_init(&o, IAMW_ENGINE_OPTIONS_VERSION);
	if (!strcmp(c->mode, "engine-naive"))
		o.flags = IAMW_ENGINE_NO_PREFILTER;
	if (iamw_engine_new(&c->engine, &o))
		die("engine_new");
	if (iamw_engine_load_rules(c->engine, c->rules, c->rules_len, &err)) {
		fprintf(stderr, "rules: %s\n", err.text);
		exit(2);
	}
}

/* One pass over the input in blocks of whole lines. */
static void run_once(ctx *c, int fd, char *buf)
{
	size_t have = 0;
	for (;;) {
		ssize_t r = read(fd, buf + have, BLOCK - have);
		if (r < 0)
			die("read");
		if (r == 0)
			break;
		have += (size_t)r;
		/* hand on every complete line */
		const char *last_nl = memrchr(buf, '\n', have);
		if (!last_nl) {
			if (have == BLOCK)
				die("line longer than the block");
			continue;
		}
		size_t done = (size_t)(last_nl - buf) + 1;
		process(c, buf, done);
		memmove(buf, buf + done, have - done);
		have -= done;
	}
	if (have)
		process(c, buf, have);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: bench-match floor|naive|match|engine|stream FILE [PATTERN|RULES] [advance]");
	ctx c;
	memset(&c, 0, sizeof c);
	c.mode = argv[1];
	const char *file = argv[2];
	int reps = getenv("BENCH_REPS") ? atoi(getenv("BENCH_REPS")) : 5;
	if (reps < 1)
		reps = 1;
	iamw_error err;
	if (!strcmp(c.mode, "naive") || !strcmp(c.mode, "match")) {
		if (argc < 4)
			die("pattern needed");
		uint32_t flags = !strcmp(c.mode, "naive") ? IAMW_COMPILE_NO_PREFILTER : 0;
		if (iamw_pattern_compile(&c.pattern, argv[3], IAMW_NUL_TERMINATED, flags, &err)) {
			fprintf(stderr, "pattern: %s\n", err.text);
			return 2;
		}
		if (iamw_match_new(&c.match))
			die("match_new");
	} else if (!strcmp(c.mode, "engine") || !strcmp(c.mode, "engine-naive") ||
	           !strcmp(c.mode, "stream")) {
		if (argc < 4)
			die("rules needed");
		FILE *f = fopen(argv[3], "rb");
		if (!f)
			die("cannot open rules");
		static char rules[1 << 20];
		c.rules_len = fread(rules, 1, sizeof rules - 1, f);
		fclose(f);
		c.rules = rules;
		if (!strcmp(c.mode, "stream") || (argc > 4 && !strcmp(argv[4], "advance")))
			c.ingest_flags = IAMW_INGEST_ADVANCE;
	} else if (strcmp(c.mode, "floor") != 0) {
		die("unknown mode");
	}
	char *buf = malloc(BLOCK);
	if (!buf)
		die("oom");
	int stream = !strcmp(c.mode, "stream") || !strcmp(file, "-");
	int runs = stream ? 1 : reps + 1;
	double *times = calloc((size_t)runs, sizeof *times);
	uint64_t events = 0, matches = 0, bytes = 0;
	for (int i = 0; i < runs; i++) {
		int fd = stream ? 0 : open(file, O_RDONLY);
		if (fd < 0)
			die("cannot open input");
		if (c.rules)
			setup_engine(&c);
		c.events = c.matches = c.bytes = 0;
		double t0 = now();
		run_once(&c, fd, buf);
		times[i] = now() - t0;
		if (!stream)
			close(fd);
		events = c.events;
		matches = c.matches;
		bytes = c.bytes;
	}
	/* the first run is the warm-up (unless streaming once) */
	double *timed = stream ? times : times + 1;
	int n = stream ? 1 : reps;
	qsort(timed, (size_t)n, sizeof *timed, cmp_double);
	double med = n % 2 ? timed[n / 2] : (timed[n / 2 - 1] + timed[n / 2]) / 2;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("case=%s bytes=%llu events=%llu matches=%llu median_s=%.6f min_s=%.6f mb_s=%.1f "
	       "ev_s=%.0f maxrss_kb=%ld\n",
	       c.mode, (unsigned long long)bytes, (unsigned long long)events,
	       (unsigned long long)matches, med, timed[0], (double)bytes / 1048576.0 / med,
	       (double)events / med, ru.ru_maxrss);
	iamw_engine_free(c.engine);
	iamw_pattern_free(c.pattern);
	iamw_match_free(c.match);
	free(times);
	free(buf);
	return 0;
}
