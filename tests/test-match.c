/* SPDX-License-Identifier: MIT */
/*
 * test-match.c - matching through the public API: extracted values, the
 * parsed-tree entry point agreeing with the text entry point on the real
 * CloudTrail corpus, an independent oracle for the IAM-change pattern, use
 * of one compiled pattern from several threads, and hostile events.
 * The corpus directory comes from the IAMW_CORPUS_DIR environment variable
 * (set by meson to ../shared/data/cloudtrail) and the bundled sample from
 * IAMW_SAMPLE.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "iamw-test.h"

#define IAM_CHANGES                                                                                \
	"{ ($.eventSource = \"iam.amazonaws.com\") && (($.eventName = \"Create*\") || "            \
	"($.eventName = \"Delete*\") || ($.eventName = \"Put*\") || ($.eventName = \"Attach*\") " \
	"|| ($.eventName = \"Detach*\") || ($.eventName = \"Update*\") || ($.eventName = "        \
	"\"Add*\") || ($.eventName = \"Remove*\")) }"

/* ------------------------------------------------------------------ corpus */

typedef struct corpus {
	char **lines;
	size_t *lens;
	size_t n, cap;
} corpus;

static void corpus_add_file(corpus *c, const char *path)
{
	gzFile gz = gzopen(path, "rb");
	ck_assert_msg(gz != NULL, "cannot open %s", path);
	static char line[1 << 20];
	while (gzgets(gz, line, sizeof line)) {
		size_t n = strlen(line);
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 1024;
			c->lines = realloc(c->lines, c->cap * sizeof *c->lines);
			c->lens = realloc(c->lens, c->cap * sizeof *c->lens);
		}
		c->lines[c->n] = strndup(line, n);
		c->lens[c->n] = n;
		c->n++;
	}
	gzclose(gz);
}

static void corpus_load_dir(corpus *c, const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "corpus directory %s missing", dir);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		/* Labels are not CloudTrail records. */
		if (n > 10 && strcmp(e->d_name + n - 10, ".ndjson.gz") == 0 &&
		    !strstr(e->d_name, "labels")) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			corpus_add_file(c, path);
		}
	}
	closedir(d);
}

static void corpus_free(corpus *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->lines[i]);
	free(c->lines);
	free(c->lens);
}

static iamw_pattern *compile(const char *text)
{
	iamw_pattern *p;
	iamw_error err;
	int rc = iamw_pattern_compile(&p, text, IAMW_NUL_TERMINATED, 0, &err);
	ck_assert_msg(rc == IAMW_OK, "compile '%s': %s", text, err.text);
	return p;
}

/* ------------------------------------------------------------------ tests */

START_TEST(extracted_values)
{
	iamw_pattern *p = compile("[ip, server, username, timestamp, request, status_code, bytes > 1000]");
	iamw_match *m;
	ck_assert_int_eq(iamw_match_new(&m), IAMW_OK);
	const char *ev = "127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html "
	                 "HTTP/1.0\" 404 1534";
	ck_assert_int_eq(iamw_pattern_match_text(p, ev, IAMW_NUL_TERMINATED, m), 1);
	ck_assert_uint_eq(iamw_match_value_count(m), 7);
	const char *v, *name;
	size_t len;
	ck_assert_int_eq(iamw_match_get(m, "$server", &v, &len), 1);
	ck_assert_str_eq(v, "Prod");
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(iamw_match_get(m, "$bytes", &v, NULL), 1);
	ck_assert_str_eq(v, "1534");
	ck_assert_int_eq(iamw_match_get(m, "$request", &v, NULL), 1);
	ck_assert_str_eq(v, "GET /index.html HTTP/1.0");
	ck_assert_int_eq(iamw_match_value(m, 0, &name, &v, NULL), 1);
	ck_assert_str_eq(name, "$ip");
	ck_assert_int_eq(iamw_match_value(m, 7, &name, &v, NULL), 0);
	ck_assert_int_eq(iamw_match_get(m, "$nope", &v, NULL), 0);
	/* A failed match leaves no values behind. */
	ck_assert_int_eq(iamw_pattern_match_text(p, "a b", 3, m), 0);
	ck_assert_uint_eq(iamw_match_value_count(m), 0);
	/* A match without scratch still answers. */
	ck_assert_int_eq(iamw_pattern_match_text(p, ev, IAMW_NUL_TERMINATED, NULL), 1);
	iamw_pattern_free(p);
	iamw_match_free(m);
}
END_TEST

START_TEST(json_extract_flag)
{
	iamw_pattern *p;
	ck_assert_int_eq(iamw_pattern_compile(&p, "{ $.latency = * && $.a[*] = 1 }",
	                                      IAMW_NUL_TERMINATED, IAMW_COMPILE_JSON_EXTRACT, NULL),
	                 IAMW_OK);
	iamw_match *m;
	iamw_match_new(&m);
	ck_assert_int_eq(iamw_pattern_match_text(p, "{\"latency\": 50, \"a\": [1]}",
	                                         IAMW_NUL_TERMINATED, m),
	                 1);
	const char *v;
	ck_assert_int_eq(iamw_match_get(m, "$.latency", &v, NULL), 1);
	ck_assert_str_eq(v, "50");
	/* Wildcard selectors name no single value, so they are not reported. */
	ck_assert_uint_eq(iamw_match_value_count(m), 1);
	iamw_pattern_free(p);
	/* Without the flag, TestMetricFilter's {}. */
	p = compile("{ $.latency = * }");
	ck_assert_int_eq(iamw_pattern_match_text(p, "{\"latency\": 50}", IAMW_NUL_TERMINATED, m), 1);
	ck_assert_uint_eq(iamw_match_value_count(m), 0);
	iamw_pattern_free(p);
	iamw_match_free(m);
}
END_TEST

START_TEST(number_lexemes_with_tree)
{
	iamw_pattern *p = compile("{ $.a = \"400\" }");
	const char *ev = "{\"a\": 400.0}";
	cJSON *tree = cJSON_Parse(ev);
	/* With the raw text the lexeme "400.0" is compared ... */
	ck_assert_int_eq(iamw_pattern_match_text(p, ev, IAMW_NUL_TERMINATED, NULL), 0);
	ck_assert_int_eq(iamw_pattern_match_json(p, tree, ev, strlen(ev), NULL), 0);
	/* ... without it, the shortest rendering "400". */
	ck_assert_int_eq(iamw_pattern_match_json(p, tree, NULL, 0, NULL), 1);
	cJSON_Delete(tree);
	iamw_pattern_free(p);
}
END_TEST

START_TEST(event_size_limit)
{
	iamw_pattern *p = compile("x");
	iamw_match *m;
	iamw_match_new(&m);
	size_t big = IAMW_DEFAULT_MAX_EVENT_SIZE + 1;
	char *ev = malloc(big);
	memset(ev, 'x', big);
	ck_assert_int_eq(iamw_pattern_match_text(p, ev, big, m), IAMW_ELIMIT);
	ck_assert_int_eq(iamw_pattern_match_text(p, ev, big - 1, m), 1);
	ck_assert_int_eq(iamw_match_set_max_event_size(m, 10), IAMW_OK);
	ck_assert_int_eq(iamw_pattern_match_text(p, ev, 11, m), IAMW_ELIMIT);
	ck_assert_int_eq(iamw_pattern_match_text(p, ev, 10, m), 1);
	free(ev);
	iamw_match_free(m);
	iamw_pattern_free(p);
}
END_TEST

START_TEST(hostile_events)
{
	iamw_pattern *t = compile("ERROR");
	iamw_pattern *j = compile("{ $.a = 1 }");
	iamw_pattern *d = compile("[a, b = \"x*\"]");
	/* NUL bytes and invalid UTF-8 are ordinary bytes. */
	const char nul[] = "abc\0ERROR\xff\xfe";
	ck_assert_int_eq(iamw_pattern_match_text(t, nul, sizeof nul - 1, NULL), 1);
	ck_assert_int_eq(iamw_pattern_match_text(j, "{\"a\":1,\xff}", 9, NULL), 0);
	ck_assert_int_eq(iamw_pattern_match_text(d, "1 x\0y", 5, NULL), 1);
	/* Deep JSON nesting is refused by cJSON and simply does not match. */
	size_t depth = 100000;
	char *deep = malloc(2 * depth + 16);
	size_t n = 0;
	deep[n++] = '{';
	memcpy(deep + n, "\"a\":", 4);
	n += 4;
	for (size_t i = 0; i < depth; i++)
		deep[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	ck_assert_int_eq(iamw_pattern_match_text(j, deep, n, NULL), 0);
	free(deep);
	/* CRLF: the CR is not part of the JSON or of the last field. */
	ck_assert_int_eq(iamw_pattern_match_text(j, "{\"a\":1}\r\n", 9, NULL), 1);
	iamw_match *m;
	iamw_match_new(&m);
	ck_assert_int_eq(iamw_pattern_match_text(d, "1 xy\r\n", 6, m), 1);
	const char *v;
	ck_assert_int_eq(iamw_match_get(m, "$b", &v, NULL), 1);
	ck_assert_str_eq(v, "xy");
	iamw_match_free(m);
	iamw_pattern_free(t);
	iamw_pattern_free(j);
	iamw_pattern_free(d);
}
END_TEST

/* Independent oracle for the IAM-change pattern, written against cJSON
 * directly: it shares no code with the pattern evaluator. */
static int oracle_iam_change(const char *line, size_t len)
{
	cJSON *t = cJSON_ParseWithLength(line, len);
	if (!t)
		return 0;
	const cJSON *src = cJSON_GetObjectItemCaseSensitive(t, "eventSource");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(t, "eventName");
	static const char *const prefixes[] = {"Create", "Delete", "Put",    "Attach",
	                                       "Detach", "Update", "Add", "Remove"};
	int r = 0;
	if (cJSON_IsString(src) && strcmp(src->valuestring, "iam.amazonaws.com") == 0 &&
	    cJSON_IsString(name)) {
		for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
			if (strncmp(name->valuestring, prefixes[i], strlen(prefixes[i])) == 0)
				r = 1;
	}
	cJSON_Delete(t);
	return r;
}

START_TEST(bundled_sample_iam_changes)
{
	const char *sample = getenv("IAMW_SAMPLE");
	ck_assert_ptr_nonnull(sample);
	corpus c = {0};
	corpus_add_file(&c, sample);
	ck_assert_uint_eq(c.n, 310);
	iamw_pattern *p = compile(IAM_CHANGES);
	size_t matches = 0;
	for (size_t i = 0; i < c.n; i++) {
		int r = iamw_pattern_match_text(p, c.lines[i], c.lens[i], NULL);
		ck_assert_int_ge(r, 0);
		ck_assert_int_eq(r, oracle_iam_change(c.lines[i], c.lens[i]));
		matches += (size_t)r;
	}
	/* jq 'select(.eventSource=="iam.amazonaws.com" and (.eventName|test("^(Create|...)")))' */
	ck_assert_uint_eq(matches, 10);
	iamw_pattern_free(p);
	corpus_free(&c);
}
END_TEST

static const char *const corpus_patterns[] = {
    IAM_CHANGES,
    "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "
    "\"AwsServiceEvent\" }",
    "{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }",
    "{ ($.eventName = \"ConsoleLogin\") && ($.additionalEventData.MFAUsed != \"Yes\") }",
    "{ $.requestParameters.* = * && $.resources[*].type = \"AWS::S3::Bucket\" }",
    "{ $.sourceIPAddress = %^0[0-9]+\\.% }",
    "AccessDenied -\"s3.amazonaws.com\"",
    "%Create(User|Role)%" /* invalid on purpose: skipped below */,
    "[a, b, ...]",
};

START_TEST(tree_and_text_agree_on_corpus)
{
	const char *dir = getenv("IAMW_CORPUS_DIR");
	ck_assert_ptr_nonnull(dir);
	corpus c = {0};
	corpus_load_dir(&c, dir);
	ck_assert_uint_ge(c.n, 34000);
	iamw_match *m;
	iamw_match_new(&m);
	size_t iam = 0;
	for (size_t k = 0; k < sizeof corpus_patterns / sizeof corpus_patterns[0]; k++) {
		iamw_pattern *p;
		if (iamw_pattern_compile(&p, corpus_patterns[k], IAMW_NUL_TERMINATED, 0, NULL) != IAMW_OK)
			continue;
		for (size_t i = 0; i < c.n; i++) {
			int a = iamw_pattern_match_text(p, c.lines[i], c.lens[i], m);
			cJSON *tree = cJSON_ParseWithLength(c.lines[i], c.lens[i]);
			int b = iamw_pattern_match_json(p, tree, c.lines[i], c.lens[i], m);
			cJSON_Delete(tree);
			ck_assert_msg(a >= 0 && a == b, "pattern %zu line %zu: text %d tree %d", k, i, a, b);
			if (k == 0) {
				ck_assert_int_eq(a, oracle_iam_change(c.lines[i], c.lens[i]));
				iam += (size_t)a;
			}
		}
		iamw_pattern_free(p);
	}
	/* 85 + 42 + 8 + 10 by jq over the four files that hold IAM changes. */
	ck_assert_uint_eq(iam, 145);
	iamw_match_free(m);
	corpus_free(&c);
}
END_TEST

typedef struct thread_job {
	const corpus *c;
	iamw_pattern *const *patterns;
	size_t n_patterns;
	size_t counts[16];
} thread_job;

static void *thread_main(void *arg)
{
	thread_job *job = arg;
	iamw_match *m;
	if (iamw_match_new(&m) != IAMW_OK)
		return NULL;
	for (size_t k = 0; k < job->n_patterns; k++)
		for (size_t i = 0; i < job->c->n; i++)
			if (iamw_pattern_match_text(job->patterns[k], job->c->lines[i], job->c->lens[i],
			                            m) == 1)
				job->counts[k]++;
	iamw_match_free(m);
	return job;
}

START_TEST(shared_pattern_four_threads)
{
	const char *sample = getenv("IAMW_SAMPLE");
	corpus c = {0};
	corpus_add_file(&c, sample);
	iamw_pattern *ps[4] = {compile(IAM_CHANGES), compile("[a, b, ...]"),
	                       compile("{ $.sourceIPAddress = %^0[0-9]+\\.% }"),
	                       compile("?CreateUser ?DeleteTrail")};
	thread_job single = {&c, ps, 4, {0}};
	thread_main(&single);
	pthread_t th[4];
	thread_job jobs[4];
	for (int t = 0; t < 4; t++) {
		jobs[t] = (thread_job){&c, ps, 4, {0}};
		ck_assert_int_eq(pthread_create(&th[t], NULL, thread_main, &jobs[t]), 0);
	}
	for (int t = 0; t < 4; t++) {
		pthread_join(th[t], NULL);
		for (int k = 0; k < 4; k++)
			ck_assert_uint_eq(jobs[t].counts[k], single.counts[k]);
	}
	ck_assert_uint_eq(single.counts[0], 10);
	for (int k = 0; k < 4; k++)
		iamw_pattern_free(ps[k]);
	corpus_free(&c);
}
END_TEST

typedef struct cond_log {
	char text[2048];
} cond_log;

static int log_condition(const iamw_condition *c, void *payload)
{
	cond_log *l = payload;
	size_t n = strlen(l->text);
	snprintf(l->text + n, sizeof l->text - n, "[%s op%d v%d:%s%s%s @%zu+%zu d%u]",
	         c->field ? c->field : "-", (int)c->op, (int)c->value_kind,
	         c->leading_wildcard ? "*" : "", c->value ? c->value : "-",
	         c->trailing_wildcard ? "*" : "", c->offset, c->length, c->depth);
	return 0;
}

START_TEST(conditions_walk)
{
	cond_log l = {""};
	iamw_pattern *p = compile("{ ($.eventSource = \"iam.amazonaws.com\") && ($.eventName = Create* "
	                          "|| $.x NOT EXISTS) }");
	ck_assert_int_eq(iamw_pattern_foreach_condition(p, log_condition, &l), IAMW_OK);
	ck_assert_str_eq(l.text, "[$.eventSource op1 v2:iam.amazonaws.com @3+35 d1]"
	                         "[$.eventName op1 v2:Create* @44+21 d2]"
	                         "[$.x op10 v0:- @69+14 d2]");
	iamw_pattern_free(p);
	l.text[0] = '\0';
	p = compile("ERROR -\"x y\" ?z");
	iamw_pattern_foreach_condition(p, log_condition, &l);
	ck_assert_str_eq(l.text, "[- op11 v2:ERROR @0+5 d0][- op13 v2:x y @6+6 d0][- op12 v2:z @13+2 d0]");
	iamw_pattern_free(p);
	l.text[0] = '\0';
	p = compile("[ip, code = 4* && code != 404]");
	iamw_pattern_foreach_condition(p, log_condition, &l);
	ck_assert_str_eq(l.text, "[code op1 v2:4* @5+9 d1][code op2 v1:404 @18+11 d1]");
	iamw_pattern_free(p);
}
END_TEST

START_TEST(scan_lines_batch)
{
	iamw_pattern *p = compile("ERROR");
	const char buf[] = "ok\nERROR 1\r\n\nmore ERROR\nlast";
	size_t lines[4], n, total;
	ck_assert_int_eq(iamw_pattern_scan_lines(p, buf, sizeof buf - 1, NULL, lines, 4, &n, &total),
	                 IAMW_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(total, 5);
	ck_assert_uint_eq(lines[0], 1);
	ck_assert_uint_eq(lines[1], 3);
	/* Capacity smaller than the matches: the count is still complete. */
	ck_assert_int_eq(iamw_pattern_scan_lines(p, buf, sizeof buf - 1, NULL, lines, 1, &n, NULL),
	                 IAMW_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(iamw_pattern_scan_lines(p, buf, sizeof buf - 1, NULL, NULL, 1, &n, NULL),
	                 IAMW_EINVAL);
	iamw_pattern_free(p);
}
END_TEST

/* TestMetricFilter records: the example of the CloudWatch API reference,
 * and messages with quotes, control bytes and invalid UTF-8 still give
 * valid JSON (cJSON parses it back to the same values, U+FFFD for bad
 * bytes). */
START_TEST(test_records)
{
	iamw_pattern *p;
	iamw_match *m;
	ck_assert_int_eq(iamw_pattern_compile(&p, "[..., status_code=200, size]", IAMW_NUL_TERMINATED,
	                                      0, NULL),
	                 IAMW_OK);
	ck_assert_int_eq(iamw_match_new(&m), IAMW_OK);
	const char *msg = "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /apache_pb.gif "
	                  "HTTP/1.0\" 200 1534";
	ck_assert_int_eq(iamw_pattern_match_text(p, msg, IAMW_NUL_TERMINATED, m), 1);
	char *out;
	size_t n;
	ck_assert_int_eq(iamw_match_render_test_record(m, 1, msg, IAMW_NUL_TERMINATED, &out, &n),
	                 IAMW_OK);
	ck_assert_uint_eq(strlen(out), n);
	ck_assert_str_eq(out, "{\"eventNumber\":1,\"eventMessage\":\"127.0.0.1 - frank "
	                      "[10/Oct/2000:13:25:15 -0700] \\\"GET /apache_pb.gif HTTP/1.0\\\" 200 "
	                      "1534\",\"extractedValues\":{\"$1\":\"127.0.0.1\",\"$2\":\"-\",\"$3\":"
	                      "\"frank\",\"$4\":\"10/Oct/2000:13:25:15 -0700\",\"$5\":\"GET "
	                      "/apache_pb.gif HTTP/1.0\",\"$status_code\":\"200\",\"$size\":\"1534\"}}");
	iamw_free(out);
	/* invalid UTF-8 and control bytes in the message and in a value */
	const char bad[] = "x \"q\xff\x01\" 200 \xc3\xa9\xe2\x82";
	ck_assert_int_eq(iamw_pattern_match_text(p, bad, sizeof bad - 1, m), 1);
	ck_assert_int_eq(iamw_match_render_test_record(m, 7, bad, sizeof bad - 1, &out, &n), IAMW_OK);
	cJSON *j = cJSON_Parse(out);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(cJSON_GetObjectItem(j, "eventNumber")->valueint, 7);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "eventMessage")->valuestring,
	                 "x \"q\xef\xbf\xbd\x01\" 200 \xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
	const cJSON *vals = cJSON_GetObjectItem(j, "extractedValues");
	ck_assert_str_eq(cJSON_GetObjectItem(vals, "$size")->valuestring,
	                 "\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd");
	cJSON_Delete(j);
	iamw_free(out);
	ck_assert_int_eq(iamw_match_render_test_record(NULL, 1, "", 0, &out, &n), IAMW_EINVAL);
	iamw_match_free(m);
	iamw_pattern_free(p);
}
END_TEST

static Suite *match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("api");
	tcase_add_test(tc, extracted_values);
	tcase_add_test(tc, test_records);
	tcase_add_test(tc, json_extract_flag);
	tcase_add_test(tc, number_lexemes_with_tree);
	tcase_add_test(tc, event_size_limit);
	tcase_add_test(tc, hostile_events);
	tcase_add_test(tc, conditions_walk);
	tcase_add_test(tc, scan_lines_batch);
	suite_add_tcase(s, tc);
	tc = tcase_create("corpus");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, bundled_sample_iam_changes);
	tcase_add_test(tc, tree_and_text_agree_on_corpus);
	tcase_add_test(tc, shared_pattern_four_threads);
	suite_add_tcase(s, tc);
	return s;
}

IAMW_TEST_MAIN(match_suite)
