/* SPDX-License-Identifier: MIT */
/*
 * packs.c - resolving the --rules argument to a built-in pack or a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "packs.h"

static const struct embedded_file *find_pack(const char *name)
{
	for (const struct embedded_file *p = builtin_packs; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

const struct embedded_file *knowledge_file(const char *name)
{
	for (const struct embedded_file *p = builtin_knowledge; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

int rules_resolve(const char *arg, char **data, size_t *len, int *is_static, char *label,
                  size_t label_size, char *errmsg, size_t errsize)
{
	char name[64];
	if (strcmp(arg, "cis") == 0)
		snprintf(name, sizeof name, "cis@%s", CIS_DEFAULT_VERSION);
	else
		snprintf(name, sizeof name, "%s", arg);
	const struct embedded_file *p = find_pack(name);
	if (p) {
		*data = (char *)p->data;
		*len = p->len;
		*is_static = 1;
		snprintf(label, label_size, "%s", name);
		return 0;
	}
	if (strncmp(arg, "cis@", 4) == 0 || strcmp(arg, "iam-changes") == 0) {
		size_t o = (size_t)snprintf(errmsg, errsize, "unknown rule pack '%s'; built-in packs:", arg);
		for (p = builtin_packs; p->name && o < errsize; p++)
			o += (size_t)snprintf(errmsg + o, errsize - o, " %s", p->name);
		return -1;
	}
	*is_static = 0;
	snprintf(label, label_size, "%s", arg);
	return slurp_file(arg, data, len, errmsg, errsize);
}
