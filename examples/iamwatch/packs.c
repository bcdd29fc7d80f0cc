/* SPDX-License-Identifier: MIT */
/*
 * packs.c - resolving the --rules argument to a built-in pack or a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "packs.h"

int rules_resolve(const char *arg, char **data, size_t *len, int *is_static, char *label,
                  size_t label_size, char *errmsg, size_t errsize)
{
	const char *d;
	if (iamw_pack_get(arg, &d, len)) {
		*data = (char *)d;
		*is_static = 1;
		snprintf(label, label_size, "%s", iamw_pack_resolve(arg));
		return 0;
	}
	if (strncmp(arg, "cis@", 4) == 0 || strcmp(arg, "iam-changes") == 0) {
		size_t o = (size_t)snprintf(errmsg, errsize, "unknown rule pack '%s'; built-in packs:", arg);
		for (size_t i = 0; i < iamw_pack_count() && o < errsize; i++)
			o += (size_t)snprintf(errmsg + o, errsize - o, " %s", iamw_pack_name(i));
		return -1;
	}
	*is_static = 0;
	snprintf(label, label_size, "%s", arg);
	return slurp_file(arg, data, len, errmsg, errsize);
}
