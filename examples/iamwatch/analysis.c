/* SPDX-License-Identifier: MIT */
/*
 * analysis.c - knowledge sets, pattern conditions, typical CloudTrail records
 * and the corpus-based inclusion test shared by `iamwatch lint` and
 * `iamwatch check`. See analysis.h and docs/lint-check.md.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "packs.h"

/* ------------------------------------------------------------ small utils */

void sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p)
			return;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		sb_add(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big)
		return;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_add(b, big, (size_t)n);
	free(big);
}

char *sb_take(sbuf *b)
{
	char *s = b->s ? b->s : calloc(1, 1);
	b->s = NULL;
	b->n = b->cap = 0;
	return s;
}

size_t edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b);
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	size_t *row = malloc((lb + 1) * sizeof *row);
	if (!row)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0], best = i;
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t v = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < v)
				v = row[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			prev = cur;
			if (v < best)
				best = v;
		}
		if (best > cap) {
			free(row);
			return cap + 1;
		}
	}
	size_t d = row[lb];
	free(row);
	return d > cap ? cap + 1 : d;
}

/* ------------------------------------------------------------ string sets */

int strset_add(strset *s, const char *str, size_t len)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	char *c = malloc(len + 1);
	if (!c)
		return -1;
	memcpy(c, str, len);
	c[len] = '\0';
	s->v[s->n++] = c;
	s->sorted = 0;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strset_sort(strset *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof *s->v, cmp_str);
	size_t o = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (o && strcmp(s->v[o - 1], s->v[i]) == 0)
			free(s->v[i]);
		else
			s->v[o++] = s->v[i];
	}
	s->n = o;
	s->sorted = 1;
}

int strset_has(const strset *s, const char *str)
{
	if (!s->n)
		return 0;
	return bsearch(&str, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

void strset_free(strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------- knowledge */

/* Calls fn for each non-comment line's words (up to 2). */
static int each_line(const char *name, strset *first, strset *second, strset *prefixes)
{
	const iamw__embedded *f = knowledge_file(name);
	if (!f)
		return -1;
	const char *p = f->data, *end = f->data + f->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *q = p;
		while (q < le && isspace((unsigned char)*q))
			q++;
		if (q < le && *q != '#') {
			const char *w1 = q;
			while (q < le && !isspace((unsigned char)*q))
				q++;
			size_t l1 = (size_t)(q - w1);
			while (q < le && (*q == ' ' || *q == '\t'))
				q++;
			const char *w2 = q;
			while (q < le && !isspace((unsigned char)*q))
				q++;
			size_t l2 = (size_t)(q - w2);
			if (l2 && *w2 == '#')
				l2 = 0;
			if (second && l2) {
				strset_add(first, w1, l1);
				strset_add(second, w2, l2);
			} else if (!second) {
				if (prefixes && l1 > 2 && w1[l1 - 2] == '.' && w1[l1 - 1] == '*')
					strset_add(prefixes, w1, l1 - 2);
				else
					strset_add(first, w1, l1);
			}
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int knowledge_load(knowledge *k)
{
	memset(k, 0, sizeof *k);
	strset pair_sources = {0};
	int rc = 0;
	rc |= each_line("event-names.txt", &pair_sources, &k->names, NULL);
	rc |= each_line("iam-mutating.txt", &k->iam_names, NULL, NULL);
	rc |= each_line("iam-readonly.txt", &k->iam_names, NULL, NULL);
	rc |= each_line("event-sources.txt", &k->sources, NULL, NULL);
	rc |= each_line("often-absent-fields.txt", &k->absent, NULL, &k->absent_prefix);
	for (size_t i = 0; i < pair_sources.n; i++) {
		char buf[600];
		strset_add(&k->sources, pair_sources.v[i], strlen(pair_sources.v[i]));
		int n = snprintf(buf, sizeof buf, "%s %s", pair_sources.v[i], k->names.v[i]);
		strset_add(&k->pairs, buf, (size_t)n);
		strset_add(&k->pair_names, k->names.v[i], strlen(k->names.v[i]));
	}
	for (size_t i = 0; i < k->iam_names.n; i++) {
		char buf[600];
		int n = snprintf(buf, sizeof buf, "iam.amazonaws.com %s", k->iam_names.v[i]);
		strset_add(&k->pairs, buf, (size_t)n);
		strset_add(&k->pair_names, k->iam_names.v[i], strlen(k->iam_names.v[i]));
	}
	for (size_t i = 0; i < k->iam_names.n; i++)
		strset_add(&k->names, k->iam_names.v[i], strlen(k->iam_names.v[i]));
	strset_free(&pair_sources);
	strset_sort(&k->names);
	strset_sort(&k->iam_names);
	strset_sort(&k->sources);
	strset_sort(&k->absent);
	strset_sort(&k->absent_prefix);
	strset_sort(&k->pairs);
	strset_sort(&k->pair_names);
	return rc ? -1 : 0;
}

void knowledge_free(knowledge *k)
{
	strset_free(&k->names);
	strset_free(&k->iam_names);
	strset_free(&k->sources);
	strset_free(&k->absent);
	strset_free(&k->absent_prefix);
	strset_free(&k->pairs);
	strset_free(&k->pair_names);
}

int knowledge_often_absent(const knowledge *k, const char *sel)
{
	if (!sel || strncmp(sel, "$.", 2) != 0)
		return 0;
	const char *path = sel + 2;
	if (strset_has(&k->absent, path))
		return 1;
	char buf[512];
	snprintf(buf, sizeof buf, "%s", path);
	/* any "X.*" line where X is a proper prefix of path at a '.' or '[' */
	for (size_t i = strlen(buf); i > 0; i--) {
		if (buf[i] == '.' || buf[i] == '[') {
			char c = buf[i];
			buf[i] = '\0';
			int hit = strset_has(&k->absent_prefix, buf);
			buf[i] = c;
			if (hit)
				return 1;
		}
	}
	return 0;
}

int field_always_present(const char *sel)
{
	static const char *const always[] = {"$.eventVersion", "$.eventTime", "$.eventSource",
	                                     "$.eventName", "$.awsRegion", "$.sourceIPAddress",
	                                     "$.eventType", "$.userIdentity", "$.userIdentity.type",
	                                     NULL};
	for (size_t i = 0; sel && always[i]; i++)
		if (strcmp(sel, always[i]) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------- conditions */

static char *dupz(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *c = malloc(n + 1);
	if (c)
		memcpy(c, s, n + 1);
	return c;
}

static int collect_cb(const iamw_condition *c, void *payload)
{
	cond_list *l = payload;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		cond *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return IAMW_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	cond *d = &l->v[l->n++];
	memset(d, 0, sizeof *d);
	d->field = dupz(c->field);
	d->op = c->op;
	d->kind = c->value_kind;
	d->value = dupz(c->value);
	d->lw = c->leading_wildcard;
	d->tw = c->trailing_wildcard;
	d->offset = c->offset;
	d->length = c->length;
	d->depth = c->depth;
	return 0;
}

int conds_collect(const iamw_pattern *p, cond_list *out)
{
	memset(out, 0, sizeof *out);
	int rc = iamw_pattern_foreach_condition(p, collect_cb, out);
	return rc < 0 ? rc : 0;
}

void conds_free(cond_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].field);
		free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

int cond_value_span(const char *src, const cond *c, size_t *voff, size_t *vlen, int *quoted)
{
	size_t i = c->offset, end = c->offset + c->length;
	size_t n = strlen(src);
	if (end > n)
		return -1;
	/* the selector or field name: skip "['...']" brackets, stop at an operator */
	while (i < end && !strchr("=!<> \t", src[i])) {
		if (src[i] == '[' && i + 1 < end && src[i + 1] == '\'') {
			const char *q = strstr(src + i + 2, "']");
			if (!q || (size_t)(q - src) >= end)
				return -1;
			i = (size_t)(q - src) + 2;
			continue;
		}
		i++;
	}
	while (i < end && (src[i] == ' ' || src[i] == '\t'))
		i++;
	if (i >= end || !strchr("=!<>", src[i]))
		return -1;
	while (i < end && strchr("=!<>", src[i]))
		i++;
	while (i < end && (src[i] == ' ' || src[i] == '\t'))
		i++;
	size_t e = end;
	while (e > i && (src[e - 1] == ' ' || src[e - 1] == '\t'))
		e--;
	if (e <= i)
		return -1;
	*voff = i;
	*vlen = e - i;
	*quoted = src[i] == '"';
	return 0;
}

/* --------------------------------------------------------- typical events */

static const char *const typical_labels[] = {
    "a read-only EC2 DescribeInstances call", "a successful ConsoleLogin",
    "an S3 GetObject data event", "an IAM ListUsers call",
    "an STS AssumeRole call by an AWS service", "a KMS Decrypt call",
};

static const char *const typical_json[] = {
    "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\",\"principalId\":"
    "\"AIDAEXAMPLE1\",\"arn\":\"arn:aws:iam::123456789012:user/alice\",\"accountId\":"
    "\"123456789012\",\"accessKeyId\":\"AKIAEXAMPLE1\",\"userName\":\"alice\"},\"eventTime\":"
    "\"2024-05-01T10:00:00Z\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":"
    "\"DescribeInstances\",\"awsRegion\":\"us-east-2\",\"sourceIPAddress\":\"198.51.100.7\","
    "\"userAgent\":\"aws-cli/2.15.0\",\"requestParameters\":{\"maxResults\":5},"
    "\"responseElements\":null,\"requestID\":\"r-0001\",\"eventID\":\"e-0001\",\"readOnly\":true,"
    "\"eventType\":\"AwsApiCall\",\"managementEvent\":true,\"recipientAccountId\":"
    "\"123456789012\",\"eventCategory\":\"Management\"}",

    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"principalId\":"
    "\"AIDAEXAMPLE2\",\"arn\":\"arn:aws:iam::123456789012:user/bob\",\"accountId\":"
    "\"123456789012\",\"userName\":\"bob\"},\"eventTime\":\"2024-05-01T10:01:00Z\","
    "\"eventSource\":\"signin.amazonaws.com\",\"eventName\":\"ConsoleLogin\",\"awsRegion\":"
    "\"us-east-1\",\"sourceIPAddress\":\"203.0.113.9\",\"userAgent\":\"Mozilla/5.0\","
    "\"requestParameters\":null,\"responseElements\":{\"ConsoleLogin\":\"Success\"},"
    "\"additionalEventData\":{\"LoginTo\":\"https://console.aws.amazon.com/\","
    "\"MobileVersion\":\"No\",\"MFAUsed\":\"Yes\"},\"eventID\":\"e-0002\",\"readOnly\":false,"
    "\"eventType\":\"AwsConsoleSignIn\",\"managementEvent\":true,\"recipientAccountId\":"
    "\"123456789012\",\"eventCategory\":\"Management\"}",

    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"AssumedRole\",\"principalId\":"
    "\"AROAEXAMPLE3:app\",\"arn\":\"arn:aws:sts::123456789012:assumed-role/app/i-0abc\","
    "\"accountId\":\"123456789012\",\"accessKeyId\":\"ASIAEXAMPLE3\"},\"eventTime\":"
    "\"2024-05-01T10:02:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\","
    "\"awsRegion\":\"eu-west-1\",\"sourceIPAddress\":\"10.0.1.23\",\"userAgent\":"
    "\"aws-sdk-java/1.12\",\"requestParameters\":{\"bucketName\":\"data\",\"key\":\"a.csv\"},"
    "\"responseElements\":null,\"additionalEventData\":{\"SignatureVersion\":\"SigV4\","
    "\"bytesTransferredOut\":1024},\"requestID\":\"r-0003\",\"eventID\":\"e-0003\","
    "\"readOnly\":true,\"resources\":[{\"type\":\"AWS::S3::Object\",\"ARN\":"
    "\"arn:aws:s3:::data/a.csv\"}],\"eventType\":\"AwsApiCall\",\"managementEvent\":false,"
    "\"recipientAccountId\":\"123456789012\",\"eventCategory\":\"Data\"}",

    "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"AssumedRole\",\"principalId\":"
    "\"AROAEXAMPLE4:carol\",\"arn\":\"arn:aws:sts::123456789012:assumed-role/Admin/carol\","
    "\"accountId\":\"123456789012\",\"accessKeyId\":\"ASIAEXAMPLE4\",\"sessionContext\":{"
    "\"attributes\":{\"creationDate\":\"2024-05-01T09:00:00Z\",\"mfaAuthenticated\":"
    "\"false\"}}},\"eventTime\":\"2024-05-01T10:03:00Z\",\"eventSource\":\"iam.amazonaws.com\","
    "\"eventName\":\"ListUsers\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":"
    "\"192.0.2.44\",\"userAgent\":\"console.amazonaws.com\",\"requestParameters\":null,"
    "\"responseElements\":null,\"requestID\":\"r-0004\",\"eventID\":\"e-0004\",\"readOnly\":true,"
    "\"eventType\":\"AwsApiCall\",\"managementEvent\":true,\"recipientAccountId\":"
    "\"123456789012\",\"eventCategory\":\"Management\",\"sessionCredentialFromConsole\":"
    "\"true\"}",

    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"AWSService\",\"invokedBy\":"
    "\"ec2.amazonaws.com\"},\"eventTime\":\"2024-05-01T10:04:00Z\",\"eventSource\":"
    "\"sts.amazonaws.com\",\"eventName\":\"AssumeRole\",\"awsRegion\":\"us-east-1\","
    "\"sourceIPAddress\":\"ec2.amazonaws.com\",\"userAgent\":\"ec2.amazonaws.com\","
    "\"requestParameters\":{\"roleArn\":\"arn:aws:iam::123456789012:role/app\","
    "\"roleSessionName\":\"i-0abc\"},\"responseElements\":{\"credentials\":{\"accessKeyId\":"
    "\"ASIAEXAMPLE5\"}},\"requestID\":\"r-0005\",\"eventID\":\"e-0005\",\"readOnly\":true,"
    "\"resources\":[{\"ARN\":\"arn:aws:iam::123456789012:role/app\",\"type\":"
    "\"AWS::IAM::Role\"}],\"eventType\":\"AwsApiCall\",\"managementEvent\":true,"
    "\"recipientAccountId\":\"123456789012\",\"sharedEventID\":\"s-0005\",\"eventCategory\":"
    "\"Management\"}",

    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"AssumedRole\",\"principalId\":"
    "\"AROAEXAMPLE6:lambda\",\"arn\":\"arn:aws:sts::123456789012:assumed-role/fn/lambda\","
    "\"accountId\":\"123456789012\",\"accessKeyId\":\"ASIAEXAMPLE6\",\"invokedBy\":"
    "\"lambda.amazonaws.com\"},\"eventTime\":\"2024-05-01T10:05:00Z\",\"eventSource\":"
    "\"kms.amazonaws.com\",\"eventName\":\"Decrypt\",\"awsRegion\":\"ap-southeast-2\","
    "\"sourceIPAddress\":\"lambda.amazonaws.com\",\"userAgent\":\"lambda.amazonaws.com\","
    "\"requestParameters\":{\"encryptionAlgorithm\":\"SYMMETRIC_DEFAULT\"},"
    "\"responseElements\":null,\"requestID\":\"r-0006\",\"eventID\":\"e-0006\",\"readOnly\":true,"
    "\"resources\":[{\"type\":\"AWS::KMS::Key\",\"ARN\":"
    "\"arn:aws:kms:ap-southeast-2:123456789012:key/k1\"}],\"eventType\":\"AwsApiCall\","
    "\"managementEvent\":true,\"recipientAccountId\":\"123456789012\",\"eventCategory\":"
    "\"Management\"}",
};

size_t typical_record_count(void)
{
	return sizeof typical_json / sizeof typical_json[0];
}

const char *typical_record(size_t i, const char **label)
{
	if (i >= typical_record_count())
		return NULL;
	if (label)
		*label = typical_labels[i];
	return typical_json[i];
}

int typical_matches(const iamw_pattern *p, iamw_match *m, size_t *matched)
{
	size_t k = 0;
	for (size_t i = 0; i < typical_record_count(); i++) {
		int r = iamw_pattern_match_text(p, typical_json[i], IAMW_NUL_TERMINATED, m);
		if (r < 0)
			return r;
		k += (size_t)r;
	}
	*matched = k;
	return 0;
}

/* ------------------------------------------------------ generated corpus */

enum { GV_ABSENT, GV_NULL, GV_TRUE, GV_FALSE, GV_STRING, GV_NUMBER };

typedef struct gval {
	int type;
	char *text;  /* GV_STRING / GV_NUMBER */
	char *label; /* how the reference wrote it, when literal */
	int literal; /* a value the reference names */
	size_t refc, failc;
} gval;

typedef struct gfield {
	char *sel;
	gval *v;
	size_t n, cap;
} gfield;

typedef struct gspace {
	gfield *f;
	size_t n, cap;
} gspace;

#define OTHER_VALUE "iamw-other-value"
#define FILL "Iamw"

static gfield *space_field(gspace *s, const char *sel)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->f[i].sel, sel) == 0)
			return &s->f[i];
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		gfield *f = realloc(s->f, cap * sizeof *f);
		if (!f)
			return NULL;
		s->f = f;
		s->cap = cap;
	}
	gfield *f = &s->f[s->n++];
	memset(f, 0, sizeof *f);
	f->sel = dupz(sel);
	return f;
}

static void field_value(gfield *f, int type, const char *text, const char *label, int literal)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		gval *v = &f->v[i];
		if (v->type == type && ((!v->text && !text) || (v->text && text && !strcmp(v->text, text)))) {
			if (literal && !v->literal) {
				v->literal = 1;
				free(v->label);
				v->label = dupz(label);
			}
			return;
		}
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		gval *v = realloc(f->v, cap * sizeof *v);
		if (!v)
			return;
		f->v = v;
		f->cap = cap;
	}
	gval *v = &f->v[f->n++];
	memset(v, 0, sizeof *v);
	v->type = type;
	v->text = dupz(text);
	v->literal = literal;
	v->label = literal ? dupz(label) : NULL;
}

static void space_free(gspace *s)
{
	for (size_t i = 0; i < s->n; i++) {
		for (size_t j = 0; j < s->f[i].n; j++) {
			free(s->f[i].v[j].text);
			free(s->f[i].v[j].label);
		}
		free(s->f[i].v);
		free(s->f[i].sel);
	}
	free(s->f);
	memset(s, 0, sizeof *s);
}

/* Add the values one pattern's conditions call for. */
static void space_add_conds(gspace *s, const cond_list *l, int is_ref)
{
	for (size_t i = 0; i < l->n; i++) {
		const cond *c = &l->v[i];
		if (!c->field || c->field[0] != '$')
			continue; /* terms and delimited fields: not a record field */
		gfield *f = space_field(s, c->field);
		if (!f)
			return;
		char buf[1200];
		switch (c->op) {
		case IAMW_OP_IS_NULL: field_value(f, GV_NULL, NULL, NULL, 0); break;
		case IAMW_OP_IS_TRUE:
		case IAMW_OP_IS_FALSE:
			field_value(f, GV_TRUE, NULL, NULL, 0);
			field_value(f, GV_FALSE, NULL, NULL, 0);
			break;
		case IAMW_OP_NOT_EXISTS: field_value(f, GV_ABSENT, NULL, NULL, 0); break;
		default:
			if (c->kind == IAMW_VALUE_STRING && c->value) {
				int lit = is_ref && (c->op == IAMW_OP_EQ || c->op == IAMW_OP_NE);
				snprintf(buf, sizeof buf, "%s%s%s", c->lw ? "*" : "", c->value,
				         c->tw ? "*" : "");
				char *label = dupz(buf);
				field_value(f, GV_STRING, c->value, label, lit);
				if (c->lw) {
					snprintf(buf, sizeof buf, FILL "%s", c->value);
					field_value(f, GV_STRING, buf, label, lit);
				}
				if (c->tw) {
					snprintf(buf, sizeof buf, "%s" FILL, c->value);
					field_value(f, GV_STRING, buf, label, lit);
				}
				if (c->lw && c->tw) {
					snprintf(buf, sizeof buf, FILL "%s" FILL, c->value);
					field_value(f, GV_STRING, buf, label, lit);
				}
				free(label);
			} else if (c->kind == IAMW_VALUE_NUMBER && c->value) {
				int lit = is_ref && (c->op == IAMW_OP_EQ || c->op == IAMW_OP_NE);
				double d = strtod(c->value, NULL);
				field_value(f, GV_NUMBER, c->value, c->value, lit);
				snprintf(buf, sizeof buf, "%.17g", d + 1);
				field_value(f, GV_NUMBER, buf, NULL, 0);
				snprintf(buf, sizeof buf, "%.17g", d - 1);
				field_value(f, GV_NUMBER, buf, NULL, 0);
			}
			/* ANY ('*'): OTHER_VALUE below is "some value"; REGEX: not generated */
			break;
		}
	}
}

static void space_finish(gspace *s)
{
	for (size_t i = 0; i < s->n; i++) {
		gfield *f = &s->f[i];
		field_value(f, GV_STRING, OTHER_VALUE, NULL, 0);
		if (!field_always_present(f->sel))
			field_value(f, GV_ABSENT, NULL, NULL, 0);
	}
}

/* The record every generated record starts from (fields not constrained by
 * either pattern keep these values). */
static const char base_record[] =
    "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\",\"principalId\":"
    "\"AIDAEXAMPLE\",\"arn\":\"arn:aws:iam::123456789012:user/alice\",\"accountId\":"
    "\"123456789012\",\"accessKeyId\":\"AKIAEXAMPLE\",\"userName\":\"alice\"},\"eventTime\":"
    "\"2024-05-01T10:00:00Z\",\"eventSource\":\"iamw-service.amazonaws.com\",\"eventName\":"
    "\"IamwOperation\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"198.51.100.7\","
    "\"userAgent\":\"aws-cli/2.15.0\",\"requestParameters\":null,\"responseElements\":null,"
    "\"requestID\":\"r-1\",\"eventID\":\"e-1\",\"readOnly\":false,\"eventType\":\"AwsApiCall\","
    "\"managementEvent\":true,\"recipientAccountId\":\"123456789012\",\"eventCategory\":"
    "\"Management\"}";

typedef struct step {
	int is_index;
	char name[256];
	int index;
} step;

static size_t parse_selector(const char *sel, step *steps, size_t max)
{
	size_t n = 0;
	const char *p = sel;
	if (*p == '$')
		p++;
	while (*p && n < max) {
		step *st = &steps[n];
		memset(st, 0, sizeof *st);
		if (p[0] == '.' && p[1] == '[' && p[2] == '\'') {
			const char *q = strstr(p + 3, "']");
			if (!q)
				return 0;
			snprintf(st->name, sizeof st->name, "%.*s", (int)(q - (p + 3)), p + 3);
			p = q + 2;
		} else if (p[0] == '.') {
			p++;
			size_t k = strcspn(p, ".[");
			if (k == 1 && *p == '*')
				snprintf(st->name, sizeof st->name, "iamwAny");
			else
				snprintf(st->name, sizeof st->name, "%.*s", (int)k, p);
			p += k;
		} else if (p[0] == '[') {
			st->is_index = 1;
			st->index = p[1] == '*' ? 0 : atoi(p + 1);
			if (st->index > 64)
				st->index = 64;
			const char *q = strchr(p, ']');
			if (!q)
				return 0;
			p = q + 1;
		} else {
			return 0;
		}
		n++;
	}
	return n;
}

static cJSON *make_value(const gval *v)
{
	switch (v->type) {
	case GV_NULL: return cJSON_CreateNull();
	case GV_TRUE: return cJSON_CreateTrue();
	case GV_FALSE: return cJSON_CreateFalse();
	case GV_NUMBER: {
		/* keep the lexeme: a raw number as written */
		cJSON *n = cJSON_CreateRaw(v->text);
		return n;
	}
	default: return cJSON_CreateString(v->text ? v->text : "");
	}
}

static cJSON *child_of(cJSON *node, const step *st)
{
	if (st->is_index)
		return cJSON_IsArray(node) ? cJSON_GetArrayItem(node, st->index) : NULL;
	return cJSON_IsObject(node) ? cJSON_GetObjectItemCaseSensitive(node, st->name) : NULL;
}

static void put_child(cJSON *node, const step *st, cJSON *item)
{
	if (st->is_index) {
		while (cJSON_GetArraySize(node) < st->index)
			cJSON_AddItemToArray(node, cJSON_CreateNull());
		if (cJSON_GetArraySize(node) > st->index)
			cJSON_ReplaceItemInArray(node, st->index, item);
		else
			cJSON_AddItemToArray(node, item);
	} else {
		if (cJSON_GetObjectItemCaseSensitive(node, st->name))
			cJSON_ReplaceItemInObjectCaseSensitive(node, st->name, item);
		else
			cJSON_AddItemToObject(node, st->name, item);
	}
}

static void set_path(cJSON *root, const char *sel, const gval *v)
{
	step steps[16];
	size_t n = parse_selector(sel, steps, 16);
	if (!n)
		return;
	cJSON *node = root;
	for (size_t i = 0; i + 1 < n; i++) {
		cJSON *c = child_of(node, &steps[i]);
		int want_array = steps[i + 1].is_index;
		if (!c || (want_array ? !cJSON_IsArray(c) : !cJSON_IsObject(c))) {
			if (v->type == GV_ABSENT)
				return; /* nothing to remove */
			c = want_array ? cJSON_CreateArray() : cJSON_CreateObject();
			put_child(node, &steps[i], c);
		}
		node = c;
	}
	const step *last = &steps[n - 1];
	if (v->type == GV_ABSENT) {
		if (last->is_index) {
			if (cJSON_IsArray(node) && cJSON_GetArraySize(node) > last->index)
				cJSON_DeleteItemFromArray(node, last->index);
		} else if (cJSON_IsObject(node)) {
			cJSON_DeleteItemFromObjectCaseSensitive(node, last->name);
		}
		return;
	}
	put_child(node, last, make_value(v));
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

#define EXHAUSTIVE_CAP 20000u
#define SAMPLE_RANDOM 4000u
#define SAMPLE_MAX 30000u

static const knowledge *g_knowledge;

void inclusion_set_knowledge(const knowledge *k)
{
	g_knowledge = k;
}

typedef struct runner {
	const iamw_pattern *ref, *cand;
	iamw_match *m;
	gspace *s;
	cJSON *base;
	int quick;
	size_t *first_fail; /* value index per field of the first counterexample */
	int have_fail;
	inclusion *out;
	int error;
	long src_field, name_field; /* indexes of $.eventSource / $.eventName, or -1 */
} runner;

/* A known event name with a source it never has: not a real record. */
static int impossible(const runner *r, const size_t *idx)
{
	if (!g_knowledge || r->src_field < 0 || r->name_field < 0)
		return 0;
	const gval *src = &r->s->f[r->src_field].v[idx[r->src_field]];
	const gval *name = &r->s->f[r->name_field].v[idx[r->name_field]];
	if (src->type != GV_STRING || name->type != GV_STRING)
		return 0;
	if (!strset_has(&g_knowledge->pair_names, name->text))
		return 0;
	char buf[2100];
	snprintf(buf, sizeof buf, "%s %s", src->text, name->text);
	return !strset_has(&g_knowledge->pairs, buf);
}

/* Evaluate one combination (value index per field). Returns 1 to stop. */
static int run_one(runner *r, const size_t *idx)
{
	if (impossible(r, idx))
		return 0;
	cJSON *rec = cJSON_Duplicate(r->base, 1);
	if (!rec) {
		r->error = IAMW_ENOMEM;
		return 1;
	}
	for (size_t i = 0; i < r->s->n; i++)
		set_path(rec, r->s->f[i].sel, &r->s->f[i].v[idx[i]]);
	char *text = cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	if (!text) {
		r->error = IAMW_ENOMEM;
		return 1;
	}
	r->out->records++;
	int a = iamw_pattern_match_text(r->ref, text, IAMW_NUL_TERMINATED, r->m);
	int b = a > 0 ? iamw_pattern_match_text(r->cand, text, IAMW_NUL_TERMINATED, r->m) : 0;
	cJSON_free(text);
	if (a < 0 || b < 0) {
		r->error = a < 0 ? a : b;
		return 1;
	}
	if (!a)
		return 0;
	r->out->ref_matches++;
	if (b)
		r->out->both_matches++;
	for (size_t i = 0; i < r->s->n; i++) {
		r->s->f[i].v[idx[i]].refc++;
		if (!b)
			r->s->f[i].v[idx[i]].failc++;
	}
	if (!b && !r->have_fail) {
		r->have_fail = 1;
		memcpy(r->first_fail, idx, r->s->n * sizeof *idx);
	}
	return !b && r->quick;
}

static void describe_value(sbuf *b, const gval *v)
{
	switch (v->type) {
	case GV_ABSENT: sb_printf(b, "(absent)"); break;
	case GV_NULL: sb_printf(b, "null"); break;
	case GV_TRUE: sb_printf(b, "true"); break;
	case GV_FALSE: sb_printf(b, "false"); break;
	case GV_NUMBER: sb_printf(b, "%s", v->text); break;
	default:
		if (strcmp(v->text, OTHER_VALUE) == 0)
			sb_printf(b, "(another value)");
		else
			sb_printf(b, "\"%s\"", v->text);
	}
}


/* For the first literal value of field f that carries label j's text: how
 * many reference records it had (rc) and how many of them the candidate
 * failed (fc). 0 when an earlier value has the same label. */
static int label_counts(const gfield *f, size_t j, size_t *rc, size_t *fc)
{
	for (size_t k = 0; k < j; k++)
		if (f->v[k].literal && !strcmp(f->v[k].label, f->v[j].label))
			return 0;
	*rc = *fc = 0;
	for (size_t k = j; k < f->n; k++)
		if (f->v[k].literal && !strcmp(f->v[k].label, f->v[j].label)) {
			*rc += f->v[k].refc;
			*fc += f->v[k].failc;
		}
	return 1;
}

static char *make_reason(runner *r)
{
	gspace *s = r->s;
	sbuf b = {0};
	/* per field: the literal labels of the reference, and those for which the
	 * candidate fails on every record the reference matches */
	size_t best = (size_t)-1, best_missing = 0, best_relevant = 0;
	for (size_t i = 0; i < s->n; i++) {
		gfield *f = &s->f[i];
		size_t relevant = 0, missing = 0;
		for (size_t j = 0; j < f->n; j++) {
			if (!f->v[j].literal)
				continue;
			size_t rc, fc;
			if (!label_counts(f, j, &rc, &fc))
				continue;
			if (rc) {
				relevant++;
				if (fc == rc)
					missing++;
			}
		}
		if (missing && (best == (size_t)-1 || relevant > best_relevant)) {
			best = i;
			best_missing = missing;
			best_relevant = relevant;
		}
	}
	if (best != (size_t)-1) {
		gfield *f = &s->f[best];
		sb_printf(&b, "pattern matches only %zu of the %zu %s values of the reference: ",
		          best_relevant - best_missing, best_relevant, f->sel);
		size_t listed = 0;
		for (size_t j = 0; j < f->n; j++) {
			if (!f->v[j].literal)
				continue;
			size_t rc, fc;
			if (!label_counts(f, j, &rc, &fc))
				continue;
			if (rc && fc == rc)
				sb_printf(&b, "%s%s", listed++ ? ", " : "", f->v[j].label);
		}
		sb_printf(&b, " missing");
	} else {
		sb_printf(&b, "pattern misses %zu of the %zu generated events the reference matches",
		          r->out->ref_matches - r->out->both_matches, r->out->ref_matches);
	}
	if (r->have_fail) {
		sb_printf(&b, "; e.g. no match for {");
		for (size_t i = 0; i < s->n; i++) {
			sb_printf(&b, "%s%s=", i ? ", " : "", s->f[i].sel);
			describe_value(&b, &s->f[i].v[r->first_fail[i]]);
		}
		sb_printf(&b, "}");
	}
	if (!r->out->exhaustive)
		sb_printf(&b, " (sampled %zu of %zu combinations)", r->out->records,
		          r->out->combinations);
	return sb_take(&b);
}

int inclusion_check(const iamw_pattern *ref, const iamw_pattern *cand, iamw_match *m, int quick,
                    inclusion *out)
{
	memset(out, 0, sizeof *out);
	cond_list lr, lc;
	int rc = conds_collect(ref, &lr);
	if (rc < 0)
		return rc;
	rc = conds_collect(cand, &lc);
	if (rc < 0) {
		conds_free(&lr);
		return rc;
	}
	gspace s = {0};
	space_add_conds(&s, &lr, 1);
	space_add_conds(&s, &lc, 0);
	space_finish(&s);
	/* realistic sources: for each event name the patterns mention, every
	 * eventSource it is known under (so that e.g. organizations.amazonaws.com
	 * CreatePolicy is generated when a pattern restricts to IAM) */
	if (g_knowledge) {
		gfield *src = NULL, *name = NULL;
		for (size_t i = 0; i < s.n; i++) {
			if (!strcmp(s.f[i].sel, "$.eventSource"))
				src = &s.f[i];
			else if (!strcmp(s.f[i].sel, "$.eventName"))
				name = &s.f[i];
		}
		for (size_t j = 0; src && name && j < name->n; j++) {
			if (name->v[j].type != GV_STRING)
				continue;
			const char *nm = name->v[j].text;
			size_t ln = strlen(nm);
			for (size_t q = 0; q < g_knowledge->pairs.n; q++) {
				const char *pr = g_knowledge->pairs.v[q];
				const char *sp = strchr(pr, ' ');
				if (sp && !strcmp(sp + 1, nm) && strlen(sp + 1) == ln) {
					char buf[600];
					snprintf(buf, sizeof buf, "%.*s", (int)(sp - pr), pr);
					field_value(src, GV_STRING, buf, NULL, 0);
				}
			}
		}
	}
	conds_free(&lr);
	conds_free(&lc);

	runner r;
	memset(&r, 0, sizeof r);
	r.ref = ref;
	r.cand = cand;
	r.m = m;
	r.s = &s;
	r.quick = quick;
	r.out = out;
	r.base = cJSON_Parse(base_record);
	r.src_field = r.name_field = -1;
	for (size_t i = 0; i < s.n; i++) {
		if (!strcmp(s.f[i].sel, "$.eventSource"))
			r.src_field = (long)i;
		else if (!strcmp(s.f[i].sel, "$.eventName"))
			r.name_field = (long)i;
	}
	size_t nf = s.n;
	size_t *idx = calloc(nf + 1, sizeof *idx);
	r.first_fail = calloc(nf + 1, sizeof *idx);
	if (!r.base || !idx || !r.first_fail) {
		rc = IAMW_ENOMEM;
		goto done;
	}
	size_t product = 1;
	for (size_t i = 0; i < nf; i++) {
		if (product > SIZE_MAX / (s.f[i].n + 1))
			product = SIZE_MAX;
		else
			product *= s.f[i].n;
	}
	out->combinations = product;
	if (product <= EXHAUSTIVE_CAP) {
		out->exhaustive = 1;
		for (;;) {
			if (run_one(&r, idx))
				break;
			size_t i = 0;
			while (i < nf && ++idx[i] == s.f[i].n)
				idx[i++] = 0;
			if (i == nf)
				break;
		}
	} else {
		/* pairwise coverage of every two fields' values, then random
		 * combinations; fixed seed so that runs are reproducible */
		uint64_t seed = 0x9E3779B97F4A7C15ull;
		int stop = 0;
		for (size_t a = 0; a < nf && !stop; a++)
			for (size_t b2 = a + 1; b2 < nf && !stop; b2++)
				for (size_t va = 0; va < s.f[a].n && !stop; va++)
					for (size_t vb = 0; vb < s.f[b2].n && !stop; vb++) {
						for (size_t i = 0; i < nf; i++)
							idx[i] = (size_t)(rng_next(&seed) % s.f[i].n);
						idx[a] = va;
						idx[b2] = vb;
						stop = run_one(&r, idx) || out->records >= SAMPLE_MAX;
					}
		for (size_t k = 0; k < SAMPLE_RANDOM && !stop; k++) {
			for (size_t i = 0; i < nf; i++)
				idx[i] = (size_t)(rng_next(&seed) % s.f[i].n);
			stop = run_one(&r, idx);
		}
	}
	if (r.error) {
		rc = r.error;
		goto done;
	}
	out->included = !r.have_fail;
	if (!quick && r.have_fail)
		out->reason = make_reason(&r);
	rc = 0;
done:
	free(idx);
	free(r.first_fail);
	cJSON_Delete(r.base);
	space_free(&s);
	return rc;
}

void inclusion_free(inclusion *r)
{
	free(r->reason);
	r->reason = NULL;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s);
	char *c = malloc(n + 1);
	if (c)
		memcpy(c, s, n + 1);
	return c;
}
