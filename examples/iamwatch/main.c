/* SPDX-License-Identifier: MIT */
/*
 * main.c - the iamwatch program: dispatches to its subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "Usage: iamwatch COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "CloudWatch Logs metric filters, metrics and alarms, offline.\n"
    "\n"
    "Commands:\n"
    "  scan    replay CloudTrail logs through metric filters and alarms; print notifications\n"
    "  lint    report errors and likely mistakes in filter patterns and rules\n"
    "  check   decide whether rules cover each CIS monitoring control (filter and alarm)\n"
    "  test    test a filter pattern against log event messages (TestMetricFilter)\n"
    "\n"
    "Run `iamwatch COMMAND --help` for a command's options.\n"
    "Options: --help, --version\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_TROUBLE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("iamwatch %s (libiamwatch %s)\n", IAMWATCH_CLI_VERSION, iamw_version_string());
		return 0;
	}
	if (strcmp(cmd, "test") == 0)
		return cmd_test(argc - 1, argv + 1);
	if (strcmp(cmd, "scan") == 0)
		return cmd_scan(argc - 1, argv + 1);
	if (strcmp(cmd, "lint") == 0)
		return cmd_lint(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	fprintf(stderr, "iamwatch: unknown command '%s'\n\n%s", cmd, usage);
	return EXIT_TROUBLE;
}
