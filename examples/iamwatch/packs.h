/* SPDX-License-Identifier: MIT */
/*
 * packs.h - resolving the --rules argument (a built-in pack of the library,
 * or a file) for scan, lint and check.
 */
#ifndef IAMWATCH_CLI_PACKS_H
#define IAMWATCH_CLI_PACKS_H

#include <stddef.h>

/* The newest CIS version, which the bare name "cis" selects. */
#define CIS_DEFAULT_VERSION "7.0"

/* Resolve NAME or FILE from --rules: a built-in pack name (iamw_pack_get)
 * or else a file (rules document, CloudFormation JSON or terraform show
 * -json). On success *data is malloc'ed (or a static pack when *is_static)
 * and *label names the source for messages. Returns 0, or -1 with a message
 * in errmsg. */
int rules_resolve(const char *arg, char **data, size_t *len, int *is_static, char *label,
                  size_t label_size, char *errmsg, size_t errsize);

#endif
