/* SPDX-License-Identifier: MIT */
/*
 * packs.h - the rule packs and knowledge files built into the iamwatch
 * program (embedded at build time by embed.py), and rule-file loading
 * shared by scan, lint and check.
 */
#ifndef IAMWATCH_PACKS_H
#define IAMWATCH_PACKS_H

#include <stddef.h>

struct embedded_file {
	const char *name; /* "iam-changes", "cis@7.0"; knowledge: "iam-mutating.txt" */
	const char *data;
	size_t len;
};

extern const struct embedded_file builtin_packs[];
extern const struct embedded_file builtin_knowledge[];

/* The newest CIS version, which the bare name "cis" selects. */
#define CIS_DEFAULT_VERSION "7.0"

/* Resolve NAME or FILE from --rules: "iam-changes", "cis", "cis@3.0" pick a
 * built-in pack; anything else is read as a file (rules document,
 * CloudFormation JSON or terraform show -json). On success *data is
 * malloc'ed (or a static pack when *is_static) and *label names the source
 * for messages. Returns 0, or -1 with a message in errmsg. */
int rules_resolve(const char *arg, char **data, size_t *len, int *is_static, char *label,
                  size_t label_size, char *errmsg, size_t errsize);

/* A knowledge file by name, or NULL. */
const struct embedded_file *knowledge_file(const char *name);

#endif
