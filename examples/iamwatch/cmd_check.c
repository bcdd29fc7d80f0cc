/* SPDX-License-Identifier: MIT */
/*
 * cmd_check.c - `iamwatch check`: reads the rules files, lets the library
 * decide the coverage of each CIS monitoring control (iamw_coverage_*), and
 * prints the table or the JSON document. docs/lint-check.md describes the
 * method and its limits.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "packs.h"

static const char usage[] =
    "Usage: iamwatch check [--benchmark cis@VERSION] [--json] RULES...\n"
    "\n"
    "Decide, for each CIS AWS Foundations Benchmark monitoring control, whether the\n"
    "rules cover it semantically: a metric filter whose pattern matches every event\n"
    "the control's reference pattern matches (a broader filter covers), and an alarm\n"
    "on its metric that fires on a single match within 300 s with an SNS action.\n"
    "\n"
    "RULES are rules documents, CloudFormation JSON templates, `terraform show -json`\n"
    "output or built-in pack names (iam-changes, cis, cis@1.2 ... cis@7.0); several\n"
    "combine.\n"
    "\n"
    "  --benchmark cis@VERSION  the benchmark version (default cis@" CIS_DEFAULT_VERSION ")\n"
    "  --json                   one JSON document instead of the table\n"
    "\n"
    "Exit status: 0 every control covered, 1 otherwise, 2 unreadable or invalid rules.\n";

static int add_rules(iamw_coverage *c, const char *arg)
{
	char *data, label[512], errmsg[600];
	size_t len;
	int is_static;
	if (rules_resolve(arg, &data, &len, &is_static, label, sizeof label, errmsg,
	                  sizeof errmsg) < 0) {
		fprintf(stderr, "iamwatch check: %s\n", errmsg);
		return -1;
	}
	iamw_error err;
	int rc = iamw_coverage_add_rules(c, data, len, label, &err);
	if (rc != IAMW_OK)
		fprintf(stderr, "iamwatch check: %s: %s: %s\n", label, iamw_status_name(err.code),
		        err.text);
	if (!is_static)
		free(data);
	return rc == IAMW_OK ? 0 : -1;
}

static void print_table(const iamw_coverage *c)
{
	size_t n = iamw_coverage_control_count(c), counts[4] = {0};
	int sampled = 0;
	printf("CIS AWS Foundations Benchmark v%s: %zu controls; rules:",
	       iamw_coverage_benchmark_version(c), n);
	for (size_t i = 0; i < iamw_coverage_rules_count(c); i++)
		printf(" %s", iamw_coverage_rules_origin(c, i));
	printf("\n\n%-8s %-22s %s\n", "CONTROL", "STATUS", "FILTER -> ALARM");
	for (size_t i = 0; i < n; i++) {
		const iamw_coverage_control *r = iamw_coverage_control_at(c, i);
		printf("%-8s %-22s %s%s%s\n", r->id, iamw_coverage_status_name(r->status),
		       r->filter ? r->filter : "-", r->filter ? " -> " : "",
		       r->filter ? (r->alarm ? r->alarm : "(no alarm)") : "");
		for (size_t j = 0; j < r->n_reasons; j++)
			printf("%-8s   - %s\n", "", r->reasons[j]);
		for (size_t j = 0; j < r->n_notes; j++)
			printf("%-8s   note: %s\n", "", r->notes[j]);
		counts[r->status & 3]++;
		sampled |= !r->exhaustive;
	}
	printf("\n%zu covered, %zu covered with problems, %zu missing (of %zu)\n",
	       counts[IAMW_COVERAGE_COVERED], counts[IAMW_COVERAGE_PROBLEMS],
	       counts[IAMW_COVERAGE_MISSING], n);
	if (sampled)
		printf("note: some pattern comparisons sampled the generated records (pairwise "
		       "and random, fixed seed) instead of enumerating them all\n");
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {{"benchmark", required_argument, NULL, 'b'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *bench = "cis@" CIS_DEFAULT_VERSION;
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "b:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'b': bench = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return EXIT_TROUBLE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "iamwatch check: no RULES given\n\n%s", usage);
		return EXIT_TROUBLE;
	}
	iamw_coverage *cov = NULL;
	iamw_error err;
	if (iamw_coverage_new(&cov, bench, &err) != IAMW_OK) {
		fprintf(stderr, "iamwatch check: %s\n", err.text);
		return EXIT_TROUBLE;
	}
	int status = EXIT_TROUBLE, rc = IAMW_OK;
	for (int i = optind; i < argc && rc == IAMW_OK; i++)
		rc = add_rules(cov, argv[i]);
	if (rc == IAMW_OK && (rc = iamw_coverage_run(cov)) != IAMW_OK)
		fprintf(stderr, "iamwatch check: %s\n", iamw_strerror(rc));
	char *doc = NULL;
	if (rc == IAMW_OK && json && (rc = iamw_coverage_json(cov, &doc, NULL)) == IAMW_OK)
		printf("%s\n", doc);
	else if (rc == IAMW_OK && !json)
		print_table(cov);
	if (rc == IAMW_OK) {
		status = 0;
		for (size_t i = 0; i < iamw_coverage_control_count(cov); i++)
			if (iamw_coverage_control_at(cov, i)->status != IAMW_COVERAGE_COVERED)
				status = 1;
	}
	iamw_free(doc);
	iamw_coverage_free(cov);
	return status;
}
