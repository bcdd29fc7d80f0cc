/* SPDX-License-Identifier: MIT */
/*
 * packs.c - the built-in rule packs by name: "iam-changes" (every IAM
 * configuration change, docs/iam-changes.md) and the CIS AWS Foundations
 * monitoring controls of each benchmark version, "cis@1.2" ... "cis@7.0",
 * with "cis" naming the newest (docs/cis.md). Each pack is a rules document
 * ({"metricFilters", "metricAlarms", "compositeAlarms"}); CIS packs also
 * list their "controls" with the reference patterns coverage checks use.
 */
#include <string.h>

#include "iamwatch.h"
#include "packs/packs.h"

static const iamw__embedded *find(const iamw__embedded *table, const char *name)
{
	for (const iamw__embedded *p = table; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

const iamw__embedded *iamw__knowledge_file(const char *name)
{
	return name ? find(iamw__builtin_knowledge, name) : NULL;
}

size_t iamw_pack_count(void)
{
	size_t n = 0;
	while (iamw__builtin_packs[n].name)
		n++;
	return n;
}

const char *iamw_pack_name(size_t i)
{
	return i < iamw_pack_count() ? iamw__builtin_packs[i].name : NULL;
}

const char *iamw_pack_resolve(const char *name)
{
	if (!name)
		return NULL;
	if (strcmp(name, "cis") == 0)
		name = IAMW__CIS_DEFAULT;
	const iamw__embedded *p = find(iamw__builtin_packs, name);
	return p ? p->name : NULL;
}

int iamw_pack_get(const char *name, const char **data, size_t *len)
{
	const char *canonical = iamw_pack_resolve(name);
	if (!canonical)
		return 0;
	const iamw__embedded *p = find(iamw__builtin_packs, canonical);
	if (data)
		*data = p->data;
	if (len)
		*len = p->len;
	return 1;
}
