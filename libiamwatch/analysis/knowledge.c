/* SPDX-License-Identifier: MIT */
/*
 * knowledge.c - builds the CloudTrail knowledge from the lists embedded in
 * the library (packs/knowledge/): one word or one "eventSource
 * eventName" pair per line, '#' comments, and "X.*" lines in the list of
 * often absent fields standing for everything below X. The result is a set
 * of sorted string sets, searched by binary search and never changed again,
 * so one iamw_knowledge serves any number of threads.
 */
#include <string.h>

#include "analysis/knowledge.h"
#include "packs/packs.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Add the words of each line of a knowledge file: with `second`, lines of
 * two words add the first to `first` and the second to `second`; without,
 * the first word goes to `first`, or to `prefixes` when it ends in ".*". */
static int read_list(const char *name, iamw__strset *first, iamw__strset *second,
                     iamw__strset *prefixes)
{
	const iamw__embedded *f = iamw__knowledge_file(name);
	if (!f)
		return IAMW_ENOTFOUND;
	const char *p = f->data, *end = f->data + f->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *q = p;
		while (q < le && is_space(*q))
			q++;
		if (q < le && *q != '#') {
			const char *w1 = q;
			while (q < le && !is_space(*q))
				q++;
			size_t l1 = (size_t)(q - w1);
			while (q < le && (*q == ' ' || *q == '\t'))
				q++;
			const char *w2 = q;
			while (q < le && !is_space(*q))
				q++;
			size_t l2 = (size_t)(q - w2);
			if (l2 && *w2 == '#')
				l2 = 0;
			int rc = IAMW_OK;
			if (second) {
				if (l2 && !(rc = iamw__strset_add(first, w1, l1)))
					rc = iamw__strset_add(second, w2, l2);
			} else if (prefixes && l1 > 2 && w1[l1 - 2] == '.' && w1[l1 - 1] == '*') {
				rc = iamw__strset_add(prefixes, w1, l1 - 2);
			} else {
				rc = iamw__strset_add(first, w1, l1);
			}
			if (rc)
				return rc;
		}
		p = nl ? nl + 1 : end;
	}
	return IAMW_OK;
}

static int add_pair(iamw_knowledge *k, const char *source, const char *name)
{
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__buf_addf(&b, "%s %s", source, name);
	int rc = iamw__strset_add_buf(&k->pairs, &b);
	iamw__buf_free(&b);
	if (!rc)
		rc = iamw__strset_add(&k->pair_names, name, strlen(name));
	return rc;
}

static int build(iamw_knowledge *k)
{
	iamw__strset pair_sources = {0};
	int rc = read_list("event-names.txt", &pair_sources, &k->names, NULL);
	if (!rc)
		rc = read_list("iam-mutating.txt", &k->iam_names, NULL, NULL);
	if (!rc)
		rc = read_list("iam-readonly.txt", &k->iam_names, NULL, NULL);
	if (!rc)
		rc = read_list("event-sources.txt", &k->sources, NULL, NULL);
	if (!rc)
		rc = read_list("often-absent-fields.txt", &k->absent, NULL, &k->absent_prefix);
	for (size_t i = 0; !rc && i < pair_sources.n; i++) {
		rc = iamw__strset_add(&k->sources, pair_sources.v[i], strlen(pair_sources.v[i]));
		if (!rc)
			rc = add_pair(k, pair_sources.v[i], k->names.v[i]);
	}
	for (size_t i = 0; !rc && i < k->iam_names.n; i++)
		rc = add_pair(k, "iam.amazonaws.com", k->iam_names.v[i]);
	size_t n_iam = k->iam_names.n;
	for (size_t i = 0; !rc && i < n_iam; i++)
		rc = iamw__strset_add(&k->names, k->iam_names.v[i], strlen(k->iam_names.v[i]));
	iamw__strset_free(&pair_sources);
	iamw__strset_sort(&k->names);
	iamw__strset_sort(&k->iam_names);
	iamw__strset_sort(&k->sources);
	iamw__strset_sort(&k->absent);
	iamw__strset_sort(&k->absent_prefix);
	iamw__strset_sort(&k->pairs);
	iamw__strset_sort(&k->pair_names);
	return rc;
}

int iamw_knowledge_new(iamw_knowledge **out)
{
	if (!out)
		return IAMW_EINVAL;
	*out = NULL;
	iamw_knowledge *k = iamw__calloc(1, sizeof *k);
	if (!k)
		return IAMW_ENOMEM;
	int rc = build(k);
	if (rc) {
		iamw_knowledge_free(k);
		/* the lists are built in; only memory can run out */
		return rc == IAMW_ENOTFOUND ? IAMW_ENOMEM : rc;
	}
	*out = k;
	return IAMW_OK;
}

void iamw_knowledge_free(iamw_knowledge *k)
{
	if (!k)
		return;
	iamw__strset_free(&k->names);
	iamw__strset_free(&k->iam_names);
	iamw__strset_free(&k->sources);
	iamw__strset_free(&k->absent);
	iamw__strset_free(&k->absent_prefix);
	iamw__strset_free(&k->pairs);
	iamw__strset_free(&k->pair_names);
	iamw__free(k);
}

int iamw__knowledge_pair_known(const iamw_knowledge *k, const char *event_source,
                               const char *event_name)
{
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__buf_addf(&b, "%s %s", event_source, event_name);
	int hit = !b.oom && iamw__strset_has(&k->pairs, b.data);
	iamw__buf_free(&b);
	return hit;
}

int iamw_knowledge_event_known(const iamw_knowledge *k, const char *event_source,
                               const char *event_name)
{
	if (!k || (!event_source && !event_name))
		return IAMW_EINVAL;
	if (!event_source)
		return iamw__strset_has(&k->names, event_name);
	if (!event_name)
		return iamw__strset_has(&k->sources, event_source);
	return iamw__knowledge_pair_known(k, event_source, event_name);
}

int iamw__knowledge_name_paired(const iamw_knowledge *k, const char *event_name)
{
	return iamw__strset_has(&k->pair_names, event_name);
}

int iamw__knowledge_sources_of(const iamw_knowledge *k, const char *event_name,
                               int (*fn)(const char *source, size_t len, void *payload),
                               void *payload)
{
	size_t ln = strlen(event_name);
	for (size_t i = 0; i < k->pairs.n; i++) {
		const char *pr = k->pairs.v[i];
		const char *sp = strchr(pr, ' ');
		if (sp && strlen(sp + 1) == ln && memcmp(sp + 1, event_name, ln) == 0) {
			int r = fn(pr, (size_t)(sp - pr), payload);
			if (r)
				return r;
		}
	}
	return 0;
}

int iamw__knowledge_often_absent(const iamw_knowledge *k, const char *sel)
{
	if (!sel || strncmp(sel, "$.", 2) != 0)
		return 0;
	const char *path = sel + 2;
	if (iamw__strset_has(&k->absent, path))
		return 1;
	/* any "X.*" line where X is a proper prefix of path ending at '.' or '[' */
	size_t n = strlen(path);
	char buf[IAMW_MAX_PATTERN_LEN + 1]; /* a selector is part of a pattern */
	if (n >= sizeof buf)
		return 0;
	memcpy(buf, path, n + 1);
	int hit = 0;
	for (size_t i = n; i > 0 && !hit; i--) {
		if (buf[i] == '.' || buf[i] == '[') {
			char c = buf[i];
			buf[i] = '\0';
			hit = iamw__strset_has(&k->absent_prefix, buf);
			buf[i] = c;
		}
	}
	return hit;
}

int iamw__field_always_present(const char *sel)
{
	static const char *const always[] = {
	    "$.eventVersion", "$.eventTime",    "$.eventSource",
	    "$.eventName",    "$.awsRegion",    "$.sourceIPAddress",
	    "$.eventType",    "$.userIdentity", "$.userIdentity.type"};
	for (size_t i = 0; sel && i < sizeof always / sizeof always[0]; i++)
		if (strcmp(sel, always[i]) == 0)
			return 1;
	return 0;
}
