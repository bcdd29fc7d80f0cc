/* SPDX-License-Identifier: MIT */
/*
 * cmd_test.c - `iamwatch test`: CloudWatch's TestMetricFilter offline. Each
 * input line (or each string of a JSON array with --json-messages) is one log
 * event message; the output is TestMetricFilter's response JSON, streamed.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "Usage: iamwatch test --pattern PATTERN [--json-messages] [--count] [--zero-based] [FILE...]\n"
    "\n"
    "Test a CloudWatch Logs filter pattern against log event messages, like\n"
    "`aws logs test-metric-filter`. Each line of each FILE (or of standard input;\n"
    "gzip files are read transparently) is one message. With --json-messages each\n"
    "FILE holds a JSON array of strings (TestMetricFilter's logEventMessages).\n"
    "\n"
    "Prints {\"matches\":[{\"eventNumber\":N,\"eventMessage\":...,\"extractedValues\":{...}}]}\n"
    "with 1-based event numbers (0-based with --zero-based), or only the number of\n"
    "matches with --count.\n"
    "\n"
    "Exit status: 0 at least one match, 1 none, 2 invalid pattern or unreadable input.\n";

typedef struct test_run {
	const iamw_pattern *pattern;
	iamw_match *match;
	int count_only;
	unsigned long long number; /* next event number */
	unsigned long long matches;
	int trouble;
} test_run;

static int one_message(test_run *t, const char *msg, size_t len)
{
	unsigned long long number = t->number++;
	int r = iamw_pattern_match_text(t->pattern, msg, len, t->match);
	if (r < 0) {
		fprintf(stderr, "iamwatch test: event %llu: %s\n", number, iamw_strerror(r));
		t->trouble = 1;
		return 0;
	}
	if (r == 0)
		return 0;
	if (!t->count_only) {
		char *record;
		size_t n;
		if (iamw_match_render_test_record(t->match, number, msg, len, &record, &n) != IAMW_OK) {
			fprintf(stderr, "iamwatch test: event %llu: out of memory\n", number);
			t->trouble = 1;
			return 0;
		}
		if (t->matches)
			putchar(',');
		fwrite(record, 1, n, stdout);
		iamw_free(record);
	}
	t->matches++;
	return 0;
}

static int json_messages(test_run *t, const char *path)
{
	char *data;
	size_t len;
	char errmsg[300];
	if (slurp_file(path, &data, &len, errmsg, sizeof errmsg) < 0) {
		fprintf(stderr, "iamwatch test: %s\n", errmsg);
		return -1;
	}
	const char *end = NULL;
	cJSON *arr = cJSON_ParseWithLengthOpts(data, len, &end, 0);
	if (!arr || !cJSON_IsArray(arr)) {
		size_t off = arr ? 0 : (size_t)(end ? end - data : 0);
		fprintf(stderr, "iamwatch test: %s:%zu: expected a JSON array of strings\n", path, off);
		cJSON_Delete(arr);
		free(data);
		return -1;
	}
	int rc = 0;
	int i = 0;
	for (const cJSON *it = arr->child; it; it = it->next, i++) {
		if (!cJSON_IsString(it)) {
			fprintf(stderr, "iamwatch test: %s: element %d is not a string\n", path, i);
			rc = -1;
			break;
		}
		one_message(t, it->valuestring, strlen(it->valuestring));
	}
	cJSON_Delete(arr);
	free(data);
	return rc;
}

static int line_messages(test_run *t, const char *path)
{
	line_reader r;
	if (line_reader_open(&r, path) < 0) {
		fprintf(stderr, "iamwatch test: %s\n", r.errmsg);
		return -1;
	}
	const char *line;
	size_t len;
	int rc;
	while ((rc = line_reader_next(&r, &line, &len)) == 1)
		one_message(t, line, len);
	if (rc < 0)
		fprintf(stderr, "iamwatch test: %s\n", r.errmsg);
	line_reader_close(&r);
	return rc < 0 ? -1 : 0;
}

int cmd_test(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"pattern", required_argument, NULL, 'p'}, {"json-messages", no_argument, NULL, 'j'},
	    {"count", no_argument, NULL, 'c'},         {"zero-based", no_argument, NULL, 'z'},
	    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
	const char *pattern_text = NULL;
	int json = 0, zero = 0;
	test_run t;
	memset(&t, 0, sizeof t);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:cjh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pattern_text = optarg; break;
		case 'j': json = 1; break;
		case 'c': t.count_only = 1; break;
		case 'z': zero = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return EXIT_TROUBLE;
		}
	}
	if (!pattern_text) {
		fprintf(stderr, "iamwatch test: --pattern is required\n\n%s", usage);
		return EXIT_TROUBLE;
	}
	iamw_error err;
	iamw_pattern *pattern;
	if (iamw_pattern_compile(&pattern, pattern_text, IAMW_NUL_TERMINATED, 0, &err) != IAMW_OK) {
		print_error("iamwatch test", &err, pattern_text);
		return EXIT_TROUBLE;
	}
	if (iamw_match_new(&t.match) != IAMW_OK) {
		iamw_pattern_free(pattern);
		fprintf(stderr, "iamwatch test: out of memory\n");
		return EXIT_TROUBLE;
	}
	t.pattern = pattern;
	t.number = zero ? 0 : 1;
	if (!t.count_only)
		fputs("{\"matches\":[", stdout);
	int nfiles = argc - optind;
	for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
		const char *path = nfiles ? argv[optind + i] : "-";
		int rc = json ? json_messages(&t, path) : line_messages(&t, path);
		if (rc < 0)
			t.trouble = 1;
	}
	if (t.count_only)
		printf("%llu\n", t.matches);
	else
		fputs("]}\n", stdout);
	iamw_match_free(t.match);
	iamw_pattern_free(pattern);
	if (t.trouble)
		return EXIT_TROUBLE;
	return t.matches ? EXIT_MATCH : EXIT_NOMATCH;
}
