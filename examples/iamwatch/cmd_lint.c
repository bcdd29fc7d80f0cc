/* SPDX-License-Identifier: MIT */
/*
 * cmd_lint.c - `iamwatch lint`: reads the pattern or the rules file, lets the
 * library lint it (iamw_lint_pattern / iamw_lint_rules) and prints the
 * findings with a caret under the offending bytes, or as one JSON document.
 * The codes are listed in docs/lint-check.md.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "packs.h"

static const char usage[] =
    "Usage: iamwatch lint [--json] (--pattern PATTERN | --rules NAME|FILE)\n"
    "\n"
    "Check filter patterns: errors (with the byte offset and a caret) for patterns\n"
    "that do not compile or rules that CloudWatch would refuse, and warnings for\n"
    "patterns that are valid but almost certainly wrong:\n"
    "\n"
    "  W-unknown-event-name       $.eventName / $.eventSource equal to no known name\n"
    "  W-mixed-and-or             && and || mixed at one level without parentheses\n"
    "  W-ne-often-absent          != on a field CloudTrail often omits\n"
    "  W-matches-nearly-everything  the pattern matches every typical CloudTrail record\n"
    "  W-quota                    more than 5 regex filters / 100 filters per log group\n"
    "  W-needs-quoting            bare value that should be quoted (info), or a term\n"
    "                             pattern that was meant as JSON\n"
    "  W-hyphenated-term          ORDER-ITEM-1 unquoted: read as ORDER -ITEM -1\n"
    "\n"
    "  --pattern PATTERN  lint one pattern\n"
    "  --rules NAME|FILE  lint every metric filter of a built-in pack (iam-changes, cis,\n"
    "                     cis@1.2 ... cis@7.0), rules document, CloudFormation JSON\n"
    "                     template or `terraform show -json` output\n"
    "  --json             {\"patterns\":[{\"filter\",\"pattern\",\"errors\",\"warnings\"}]}\n"
    "\n"
    "Exit status: 0 clean (info notes only), 1 warnings, 2 errors.\n";

/* The findings, gathered as the --json document (also what the text is
 * printed from). */
typedef struct report {
	cJSON *root, *patterns, *errors, *current;
	size_t counts[4]; /* by iamw_lint_severity */
} report;

/* Add item to arr (or, with a key, to an object); 0 when out of memory. */
static int put(cJSON *to, const char *key, cJSON *item)
{
	if (item && (key ? cJSON_AddItemToObject(to, key, item) : cJSON_AddItemToArray(to, item)))
		return 1;
	cJSON_Delete(item);
	return 0;
}

static cJSON *text_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static int on_target(const iamw_lint_target *t, void *payload)
{
	report *r = payload;
	cJSON *o = cJSON_CreateObject();
	r->current = o;
	int ok = put(r->patterns, NULL, o) &&
	         put(o, "filter", cJSON_CreateString(t->filter ? t->filter : "-")) &&
	         put(o, "pattern", cJSON_CreateString(t->pattern)) &&
	         put(o, "errors", cJSON_CreateArray()) && put(o, "warnings", cJSON_CreateArray());
	return ok ? 0 : IAMW_ENOMEM;
}

static int on_finding(const iamw_lint_finding *f, void *payload)
{
	report *r = payload;
	int err = f->severity == IAMW_LINT_ERROR, doc = f->index == IAMW_LINT_NO_PATTERN;
	r->counts[f->severity & 3]++;
	cJSON *o = cJSON_CreateObject();
	int ok =
	    put(doc ? r->errors : cJSON_GetObjectItem(r->current, err ? "errors" : "warnings"),
	        NULL, o) &&
	    put(o, "code", cJSON_CreateString(f->code)) &&
	    (err || put(o, "severity", cJSON_CreateString(iamw_lint_severity_name(f->severity)))) &&
	    put(o, "offset",
	        cJSON_CreateNumber(f->offset == IAMW_NO_OFFSET ? 0 : (double)f->offset)) &&
	    put(o, "length", cJSON_CreateNumber((double)f->length)) &&
	    put(o, "message", cJSON_CreateString(f->message)) &&
	    (err || put(o, "suggestion", text_or_null(f->suggestion))) &&
	    (!doc || (put(o, "definition", text_or_null(f->filter)) &&
	              put(o, "location", text_or_null(f->location))));
	return ok ? 0 : IAMW_ENOMEM;
}

static const char *str(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
}

static void print_finding(const char *source, const cJSON *p, const cJSON *f, const char *sev)
{
	const char *pattern = str(p, "pattern");
	iamw_error e = {0};
	e.offset = (size_t)cJSON_GetNumberValue(cJSON_GetObjectItem(f, "offset"));
	e.length = (size_t)cJSON_GetNumberValue(cJSON_GetObjectItem(f, "length"));
	printf("%s:%s: %s[%s] at offset %zu: %s\n", source, str(p, "filter"), sev, str(f, "code"),
	       e.offset, str(f, "message"));
	size_t need = iamw_error_format(&e, pattern, IAMW_NUL_TERMINATED, NULL, 0);
	char *buf = malloc(need + 1);
	if (buf && iamw_error_format(&e, pattern, IAMW_NUL_TERMINATED, buf, need + 1) == need &&
	    strchr(buf, '\n'))
		printf("%s\n", strchr(buf, '\n') + 1);
	free(buf);
	if (str(f, "suggestion"))
		printf("  suggestion: %s\n", str(f, "suggestion"));
}

static void print_human(const report *r, const char *source)
{
	const cJSON *f, *p;
	cJSON_ArrayForEach(f, r->errors)
	{
		if (str(f, "definition"))
			printf("%s:%s: error[%s] (%s): %s\n", source, str(f, "definition"),
			       str(f, "code"), str(f, "location") ? str(f, "location") : "-",
			       str(f, "message"));
		else
			printf("%s: error[%s]: %s\n", source, str(f, "code"), str(f, "message"));
	}
	cJSON_ArrayForEach(p, r->patterns)
	{
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(p, "errors"))
		    print_finding(source, p, f, "error");
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(p, "warnings"))
		    print_finding(source, p, f, str(f, "severity"));
	}
	size_t n = (size_t)cJSON_GetArraySize(r->patterns), e = r->counts[IAMW_LINT_ERROR];
	size_t w = r->counts[IAMW_LINT_WARNING], i = r->counts[IAMW_LINT_INFO];
	printf("%zu pattern%s: %zu error%s, %zu warning%s, %zu note%s\n", n, n == 1 ? "" : "s", e,
	       e == 1 ? "" : "s", w, w == 1 ? "" : "s", i, i == 1 ? "" : "s");
}

int cmd_lint(int argc, char **argv)
{
	static const struct option opts[] = {{"pattern", required_argument, NULL, 'p'},
	                                     {"rules", required_argument, NULL, 'r'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *pattern = NULL, *rules = NULL;
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:r:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pattern = optarg; break;
		case 'r': rules = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return EXIT_TROUBLE;
		}
	}
	if ((!pattern) == (!rules) || optind != argc) {
		fprintf(stderr, "iamwatch lint: give exactly one of --pattern or --rules\n\n%s",
		        usage);
		return EXIT_TROUBLE;
	}
	char *data = NULL, label[512] = "<pattern>", errmsg[600];
	size_t len = 0;
	int is_static = 1;
	if (rules && rules_resolve(rules, &data, &len, &is_static, label, sizeof label, errmsg,
	                           sizeof errmsg) < 0) {
		fprintf(stderr, "iamwatch lint: %s\n", errmsg);
		return EXIT_TROUBLE;
	}
	report r = {cJSON_CreateObject(), NULL, NULL, NULL, {0}};
	iamw_lint_options o;
	iamw_error err = {IAMW_ENOMEM, IAMW_NO_OFFSET, 0, "lint", "out of memory"};
	int rc = IAMW_ENOMEM;
	if (r.root && put(r.root, "source", cJSON_CreateString(label)) &&
	    (r.patterns = cJSON_AddArrayToObject(r.root, "patterns")) &&
	    (r.errors = cJSON_AddArrayToObject(r.root, "errors")))
		rc = iamw_lint_options_init(&o, IAMW_LINT_OPTIONS_VERSION);
	o.origin = label;
	o.on_finding = on_finding;
	o.on_target = on_target;
	o.payload = &r;
	if (rc == IAMW_OK)
		rc = pattern ? iamw_lint_pattern(NULL, pattern, IAMW_NUL_TERMINATED, &o, &err)
		             : iamw_lint_rules(NULL, data, len, &o, &err);
	int status = EXIT_TROUBLE;
	if (rc != IAMW_OK) {
		print_error("iamwatch lint", &err, NULL);
	} else {
		char *s = json ? cJSON_Print(r.root) : NULL;
		if (json && s)
			printf("%s\n", s);
		else if (!json)
			print_human(&r, label);
		cJSON_free(s);
		status = r.counts[IAMW_LINT_ERROR] ? 2 : r.counts[IAMW_LINT_WARNING] ? 1 : 0;
		if (json && !s)
			status = EXIT_TROUBLE; /* out of memory */
	}
	cJSON_Delete(r.root);
	if (!is_static)
		free(data);
	return status;
}
