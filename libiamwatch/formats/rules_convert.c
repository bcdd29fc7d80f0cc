/* SPDX-License-Identifier: MIT */
/*
 * rules_convert.c - normalise the three rule-file formats a user may hand to
 * the engine (a native rules document, a CloudFormation template in JSON, and
 * `terraform show -json` output) into the rules document of PutMetricFilter,
 * PutMetricAlarm and PutCompositeAlarm request objects.
 *
 * The converters reshape and resolve; they do not validate field values,
 * which the request readers do later with CloudWatch's own wording. What they
 * do check is every JSON type they touch, so that any input, however wrong,
 * ends in an error naming the resource and property rather than a crash.
 *
 * CloudFormation values may be intrinsic functions. Those whose result is
 * fixed by the template alone (Ref, Fn::GetAtt, Fn::Sub, Fn::Join,
 * Fn::Select, Fn::Split, Fn::FindInMap) are evaluated, with pseudo parameters
 * taken from the caller's context and parameters from their Default.
 * Anything that depends on a deployment (Fn::ImportValue, conditions,
 * parameters without a Default, SSM parameter types) is refused with
 * IAMW_EUNSUPPORTED rather than guessed. Physical names CloudFormation would
 * generate are replaced by the logical id, so references stay consistent
 * within one conversion.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "formats/rules_convert.h"

#define SRC "rules"
/* Intrinsic functions nest and references chain (an alarm's name may be a
 * Fn::Sub over another resource's name). A template can write a cycle, and a
 * programmatically built cJSON tree can be arbitrarily deep, so recursion is
 * bounded; no real template comes near this. */
#define MAX_DEPTH 64
/* Longest ${name} in a Fn::Sub string; logical ids are at most 255 bytes. */
#define MAX_SUB_NAME 512

/* The three lists of a rules document. */
static const char *const native_keys[] = {"metricFilters", "metricAlarms", "compositeAlarms"};

/* ------------------------------------------------------------ context */

typedef struct conv {
	iamw_error *err;
	const char *what;      /* logical id or terraform address being converted */
	const char *prop;      /* its property or attribute, or NULL */
	const char *prop_word; /* "property" (CloudFormation) or "attribute" (terraform) */
	char prop_buf[128];    /* for nested names such as MetricTransformations[0].Unit */
	/* CloudFormation */
	const cJSON *resources, *parameters, *mappings;
	const char *account, *region, *partition;
	/* terraform plans: after_unknown of the resource being converted */
	const cJSON *unknown;
	/* where each definition came from (NULL: not wanted) */
	cJSON *locs;
} conv;

static int fail(conv *c, int code, const char *fmt, ...) IAMW_PRINTF(3, 4);
static int fail(conv *c, int code, const char *fmt, ...)
{
	char msg[IAMW_ERROR_TEXT_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->what && c->prop)
		return iamw__error_set(c->err, code, IAMW_NO_OFFSET, 0, SRC,
		                       "resource '%.60s' %s '%.60s': %s", c->what, c->prop_word,
		                       c->prop, msg);
	if (c->what)
		return iamw__error_set(c->err, code, IAMW_NO_OFFSET, 0, SRC, "resource '%.60s': %s",
		                       c->what, msg);
	return iamw__error_set(c->err, code, IAMW_NO_OFFSET, 0, SRC, "%s", msg);
}

static int oom(conv *c)
{
	return iamw__error_set(c->err, IAMW_ENOMEM, IAMW_NO_OFFSET, 0, SRC, "out of memory");
}

/* The member named key, or NULL when absent or JSON null: every format uses
 * null for "not given". */
static const cJSON *member(const cJSON *obj, const char *key)
{
	if (!cJSON_IsObject(obj))
		return NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return (v && !cJSON_IsNull(v)) ? v : NULL;
}

static const char *string_member(const cJSON *obj, const char *key)
{
	const cJSON *v = member(obj, key);
	return (cJSON_IsString(v) && v->valuestring) ? v->valuestring : NULL;
}

/* Add item (which may be NULL after a failed cJSON_Create*) to obj or arr,
 * taking ownership either way. */
static int put(conv *c, cJSON *obj, const char *key, cJSON *item)
{
	if (!item)
		return oom(c);
	if (!cJSON_AddItemToObject(obj, key, item)) {
		cJSON_Delete(item);
		return oom(c);
	}
	return IAMW_OK;
}

static int push(conv *c, cJSON *arr, cJSON *item)
{
	if (!item)
		return oom(c);
	if (!cJSON_AddItemToArray(arr, item)) {
		cJSON_Delete(item);
		return oom(c);
	}
	return IAMW_OK;
}

/* Record where the definition just pushed onto the list `key` came from. */
static int locate(conv *c, const char *key, const char *fmt, ...) IAMW_PRINTF(3, 4);
static int locate(conv *c, const char *key, const char *fmt, ...)
{
	if (!c->locs)
		return IAMW_OK;
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	return push(c, cJSON_GetObjectItemCaseSensitive(c->locs, key), cJSON_CreateString(text));
}

static cJSON *new_string_buf(const iamw__buf *b)
{
	return b->oom ? NULL : cJSON_CreateString(b->data ? b->data : "");
}

/* ASCII-only case-insensitive equality: locale must not matter. */
static int ascii_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
		char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
		if (x != y)
			return 0;
	}
	return *a == *b;
}

/* Append a scalar as text, the way CloudFormation turns a number or boolean
 * into a string property. */
static int append_text(conv *c, const cJSON *v, const char *where, iamw__buf *b)
{
	if (cJSON_IsString(v) && v->valuestring) {
		iamw__buf_adds(b, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		char num[64];
		iamw__fmt_shortest(v->valuedouble, num, sizeof num);
		iamw__buf_adds(b, num);
	} else if (cJSON_IsBool(v)) {
		iamw__buf_adds(b, cJSON_IsTrue(v) ? "true" : "false");
	} else {
		return fail(c, IAMW_EJSON, "%s needs a string, got %s", where,
		            cJSON_IsArray(v)    ? "a list"
		            : cJSON_IsObject(v) ? "an object"
		                                : "no value");
	}
	return b->oom ? oom(c) : IAMW_OK;
}

/* ------------------------------------------------------------ value coercion */

typedef enum vtype {
	T_STRING,  /* string; numbers and booleans become their text */
	T_NAME,    /* T_STRING, defaulting to the logical id (CloudFormation names) */
	T_NUMBER,  /* number; numeric strings are converted */
	T_BOOL,    /* boolean; "true"/"false" strings are converted */
	T_STRINGS, /* list of strings */
	T_DIMS_NV, /* [{Name, Value}] -> [{Name, Value}] */
	T_DIMS_KV, /* [{Key, Value}] -> {key: value} */
	T_MAP,     /* {key: value} -> {key: value} */
	T_MAP_NV   /* {key: value} -> [{Name, Value}] sorted by name */
} vtype;

enum {
	F_REQUIRED = 1u << 0,
	F_EMPTY_ABSENT = 1u << 1, /* "", [] and {} mean "not given" (terraform) */
	F_ZERO_ABSENT = 1u << 2   /* 0 and false mean "not given" (terraform) */
};

static int coerce_string(conv *c, const cJSON *v, cJSON **out)
{
	if (cJSON_IsString(v) && v->valuestring) {
		*out = cJSON_CreateString(v->valuestring);
		return *out ? IAMW_OK : oom(c);
	}
	if (!cJSON_IsNumber(v) && !cJSON_IsBool(v))
		return fail(c, IAMW_EJSON, "must be a string");
	iamw__buf b;
	iamw__buf_init(&b);
	int rc = append_text(c, v, "value", &b);
	if (rc == IAMW_OK && !(*out = new_string_buf(&b)))
		rc = oom(c);
	iamw__buf_free(&b);
	return rc;
}

static int cmp_member_name(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

static int coerce_dims(conv *c, const cJSON *v, vtype t, cJSON **out)
{
	int rc = IAMW_OK;
	if (!cJSON_IsArray(v))
		return fail(c, IAMW_EJSON, "must be a list of {%s, Value} objects",
		            t == T_DIMS_KV ? "Key" : "Name");
	cJSON *r = t == T_DIMS_KV ? cJSON_CreateObject() : cJSON_CreateArray();
	if (!r)
		return oom(c);
	for (const cJSON *it = v->child; it && !rc; it = it->next) {
		const cJSON *k = member(it, t == T_DIMS_KV ? "Key" : "Name");
		const cJSON *val = member(it, "Value");
		cJSON *ks = NULL, *vs = NULL;
		if (!cJSON_IsObject(it)) {
			rc = fail(c, IAMW_EJSON, "must be a list of {%s, Value} objects",
			          t == T_DIMS_KV ? "Key" : "Name");
		} else if (!k || !val) {
			rc = fail(c, IAMW_EVALIDATION, "each dimension needs a %s and a Value",
			          t == T_DIMS_KV ? "Key" : "Name");
		} else if (!(rc = coerce_string(c, k, &ks)) && !(rc = coerce_string(c, val, &vs))) {
			if (t == T_DIMS_KV) {
				if (cJSON_GetObjectItemCaseSensitive(r, ks->valuestring)) {
					rc = fail(c, IAMW_EVALIDATION,
					          "duplicate dimension '%.60s'", ks->valuestring);
				} else {
					rc = put(c, r, ks->valuestring, vs);
					vs = NULL;
				}
			} else {
				/* put() and push() own what they are given, even
				 * when they fail. */
				cJSON *d = cJSON_CreateObject();
				if (!(rc = push(c, r, d))) {
					rc = put(c, d, "Name", ks);
					ks = NULL;
					if (!rc) {
						rc = put(c, d, "Value", vs);
						vs = NULL;
					}
				}
			}
		}
		cJSON_Delete(ks);
		cJSON_Delete(vs);
	}
	if (rc) {
		cJSON_Delete(r);
		return rc;
	}
	*out = r;
	return IAMW_OK;
}

static int coerce_map(conv *c, const cJSON *v, vtype t, cJSON **out)
{
	if (!cJSON_IsObject(v))
		return fail(c, IAMW_EJSON, "must be a map of names to strings");
	size_t n = 0;
	for (const cJSON *it = v->child; it; it = it->next) {
		if (!it->string)
			return fail(c, IAMW_EJSON, "must be a map of names to strings");
		n++;
	}
	/* Sorted by name: terraform maps have no order of their own, and a fixed
	 * one makes the output reproducible. */
	const cJSON **items = iamw__calloc(n, sizeof *items);
	if (!items)
		return oom(c);
	n = 0;
	for (const cJSON *it = v->child; it; it = it->next)
		items[n++] = it;
	qsort(items, n, sizeof *items, cmp_member_name);
	int rc = IAMW_OK;
	cJSON *r = t == T_MAP ? cJSON_CreateObject() : cJSON_CreateArray();
	if (!r)
		rc = oom(c);
	for (size_t i = 0; i < n && !rc; i++) {
		cJSON *vs = NULL;
		if (!cJSON_IsString(items[i]) && !cJSON_IsNumber(items[i]) &&
		    !cJSON_IsBool(items[i])) {
			rc = fail(c, IAMW_EJSON, "'%.60s' must map to a string", items[i]->string);
		} else if (!(rc = coerce_string(c, items[i], &vs))) {
			if (t == T_MAP) {
				rc = put(c, r, items[i]->string, vs);
			} else {
				cJSON *d = cJSON_CreateObject();
				if (!d) {
					cJSON_Delete(vs);
					rc = oom(c);
				} else if ((rc = push(c, r, d)) ||
				           (rc = put(c, d, "Name",
				                     cJSON_CreateString(items[i]->string)))) {
					cJSON_Delete(vs);
				} else {
					rc = put(c, d, "Value", vs);
				}
			}
		}
	}
	iamw__free(items);
	if (rc) {
		cJSON_Delete(r);
		return rc;
	}
	*out = r;
	return IAMW_OK;
}

/* Convert a resolved value to type t. *out is NULL (with IAMW_OK) when flags
 * say the value means "not given". */
static int coerce(conv *c, const cJSON *v, vtype t, unsigned flags, cJSON **out)
{
	*out = NULL;
	if ((flags & F_EMPTY_ABSENT) &&
	    ((cJSON_IsString(v) && v->valuestring && !v->valuestring[0]) ||
	     ((cJSON_IsArray(v) || cJSON_IsObject(v)) && !v->child)))
		return IAMW_OK;
	if ((flags & F_ZERO_ABSENT) &&
	    ((cJSON_IsNumber(v) && v->valuedouble == 0) || cJSON_IsFalse(v)))
		return IAMW_OK;
	switch (t) {
	case T_STRING:
	case T_NAME: return coerce_string(c, v, out);
	case T_NUMBER: {
		double d;
		if (cJSON_IsNumber(v)) {
			d = v->valuedouble;
		} else if (cJSON_IsString(v) && v->valuestring) {
			/* CloudFormation takes "300" for a number; the filter
			 * pattern grammar's number syntax is the strict subset of
			 * what strtod accepts that templates actually use. */
			if (!iamw__parse_number(v->valuestring, strlen(v->valuestring), &d))
				return fail(c, IAMW_EVALIDATION, "'%.40s' is not a number",
				            v->valuestring);
		} else {
			return fail(c, IAMW_EJSON, "must be a number");
		}
		*out = cJSON_CreateNumber(d);
		return *out ? IAMW_OK : oom(c);
	}
	case T_BOOL:
		if (cJSON_IsBool(v)) {
			*out = cJSON_CreateBool(cJSON_IsTrue(v));
		} else if (cJSON_IsString(v) && v->valuestring &&
		           (ascii_ieq(v->valuestring, "true") ||
		            ascii_ieq(v->valuestring, "false"))) {
			*out = cJSON_CreateBool(ascii_ieq(v->valuestring, "true"));
		} else {
			return fail(c, IAMW_EJSON, "must be true or false");
		}
		return *out ? IAMW_OK : oom(c);
	case T_STRINGS: {
		if (!cJSON_IsArray(v))
			return fail(c, IAMW_EJSON, "must be a list of strings");
		cJSON *r = cJSON_CreateArray();
		if (!r)
			return oom(c);
		for (const cJSON *it = v->child; it; it = it->next) {
			cJSON *s = NULL;
			int rc = cJSON_IsString(it) || cJSON_IsNumber(it)
			             ? coerce_string(c, it, &s)
			             : fail(c, IAMW_EJSON, "must be a list of strings");
			if (!rc)
				rc = push(c, r, s);
			if (rc) {
				cJSON_Delete(r);
				return rc;
			}
		}
		*out = r;
		return IAMW_OK;
	}
	case T_DIMS_NV:
	case T_DIMS_KV: return coerce_dims(c, v, t, out);
	case T_MAP:
	case T_MAP_NV: return coerce_map(c, v, t, out);
	}
	return fail(c, IAMW_EJSON, "unexpected value");
}

/* ------------------------------------------------------------ CloudFormation: intrinsics */

static int cfn_resolve(conv *c, const cJSON *v, int depth, cJSON **out);

static int is_pseudo(const char *name)
{
	return strncmp(name, "AWS::", 5) == 0;
}

static int cfn_pseudo(conv *c, const char *name, cJSON **out)
{
	iamw__buf b;
	iamw__buf_init(&b);
	if (strcmp(name, "AWS::NoValue") == 0) {
		*out = NULL;
		return IAMW_OK;
	} else if (strcmp(name, "AWS::Region") == 0) {
		iamw__buf_adds(&b, c->region);
	} else if (strcmp(name, "AWS::AccountId") == 0) {
		iamw__buf_adds(&b, c->account);
	} else if (strcmp(name, "AWS::Partition") == 0) {
		iamw__buf_adds(&b, c->partition);
	} else if (strcmp(name, "AWS::StackName") == 0) {
		iamw__buf_adds(&b, IAMW__RULES_STACK_NAME);
	} else if (strcmp(name, "AWS::StackId") == 0) {
		iamw__buf_addf(&b,
		               "arn:%s:cloudformation:%s:%s:stack/%s/"
		               "00000000-0000-0000-0000-000000000000",
		               c->partition, c->region, c->account, IAMW__RULES_STACK_NAME);
	} else if (strcmp(name, "AWS::URLSuffix") == 0) {
		iamw__buf_adds(&b, strcmp(c->partition, "aws-cn") == 0 ? "amazonaws.com.cn"
		                                                       : "amazonaws.com");
	} else if (strcmp(name, "AWS::NotificationARNs") == 0) {
		*out = cJSON_CreateArray();
		return *out ? IAMW_OK : oom(c);
	} else {
		return fail(c, IAMW_EUNSUPPORTED, "pseudo parameter %.60s is not supported", name);
	}
	*out = new_string_buf(&b);
	iamw__buf_free(&b);
	return *out ? IAMW_OK : oom(c);
}

static int cfn_parameter(conv *c, const char *name, const cJSON *p, cJSON **out)
{
	if (!cJSON_IsObject(p))
		return fail(c, IAMW_EJSON, "parameter '%.60s' must be an object", name);
	const char *type = string_member(p, "Type");
	if (type && strncmp(type, "AWS::SSM::Parameter::", 21) == 0)
		return fail(c, IAMW_EUNSUPPORTED,
		            "parameter '%.60s' is read from SSM at deployment", name);
	const cJSON *def = member(p, "Default");
	if (!def)
		return fail(c, IAMW_EUNSUPPORTED,
		            "parameter '%.60s' has no Default and no value is given offline", name);
	int list =
	    type && (strcmp(type, "CommaDelimitedList") == 0 || strncmp(type, "List<", 5) == 0);
	if (list && cJSON_IsString(def) && def->valuestring) {
		/* CloudFormation splits list parameters on commas and trims each
		 * member. */
		cJSON *r = cJSON_CreateArray();
		if (!r)
			return oom(c);
		const char *s = def->valuestring;
		for (;;) {
			const char *e = strchr(s, ',');
			size_t n = e ? (size_t)(e - s) : strlen(s);
			const char *a = s, *z = s + n;
			while (a < z && (*a == ' ' || *a == '\t'))
				a++;
			while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
				z--;
			char *item = iamw__strndup(a, (size_t)(z - a));
			int rc = item ? push(c, r, cJSON_CreateString(item)) : oom(c);
			iamw__free(item);
			if (rc) {
				cJSON_Delete(r);
				return rc;
			}
			if (!e)
				break;
			s = e + 1;
		}
		*out = r;
		return IAMW_OK;
	}
	if (!cJSON_IsString(def) && !cJSON_IsNumber(def) && !cJSON_IsBool(def) &&
	    !cJSON_IsArray(def))
		return fail(c, IAMW_EJSON, "parameter '%.60s' Default must be a string", name);
	*out = cJSON_Duplicate(def, 1);
	return *out ? IAMW_OK : oom(c);
}

/* Resource types a Ref or Fn::GetAtt may name, with the property holding the
 * physical name (CloudFormation generates one when it is absent; the logical
 * id stands in for it here). */
static const struct {
	const char *type;
	const char *name_prop;
} cfn_named[] = {
	{"AWS::SNS::Topic", "TopicName"},
	{"AWS::SQS::Queue", "QueueName"},
	{"AWS::Logs::LogGroup", "LogGroupName"},
	{"AWS::Logs::MetricFilter", "FilterName"},
	{"AWS::CloudWatch::Alarm", "AlarmName"},
	{"AWS::CloudWatch::CompositeAlarm", "AlarmName"},
	{"AWS::Lambda::Function", "FunctionName"},
};

/* Ref (attr NULL) or Fn::GetAtt of resource id. */
static int cfn_attr(conv *c, const char *id, const char *attr, int depth, cJSON **out)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(c->resources, id);
	if (!res)
		return fail(c, IAMW_EVALIDATION, "unresolved reference to '%.60s'", id);
	const char *type = string_member(res, "Type");
	if (!cJSON_IsObject(res) || !type)
		return fail(c, IAMW_EJSON, "resource '%.60s' needs a Type", id);
	const char *name_prop = NULL;
	for (size_t i = 0; i < sizeof cfn_named / sizeof cfn_named[0]; i++)
		if (strcmp(type, cfn_named[i].type) == 0)
			name_prop = cfn_named[i].name_prop;
	if (!name_prop)
		return fail(c, IAMW_EUNSUPPORTED,
		            "%s of a %.60s resource ('%.60s') is not supported",
		            attr ? "Fn::GetAtt" : "Ref", type, id);

	/* The physical name: the name property when given, else the logical id. */
	iamw__buf name;
	iamw__buf_init(&name);
	const cJSON *props = member(res, "Properties");
	const cJSON *np = member(props, name_prop);
	int rc = IAMW_OK;
	if (np) {
		cJSON *r = NULL;
		rc = cfn_resolve(c, np, depth + 1, &r);
		if (!rc && r && !cJSON_IsNull(r))
			rc = append_text(c, r, name_prop, &name);
		else if (!rc)
			iamw__buf_adds(&name, id);
		cJSON_Delete(r);
	} else {
		iamw__buf_adds(&name, id);
	}
	if (!rc && name.oom)
		rc = oom(c);
	if (rc) {
		iamw__buf_free(&name);
		return rc;
	}
	const char *n = name.data ? name.data : "";

	iamw__buf b;
	iamw__buf_init(&b);
	int known = 1;
	if (strcmp(type, "AWS::SNS::Topic") == 0) {
		/* The topic's only string attributes are its ARN (Ref, TopicArn;
		 * "Arn" is accepted as the obvious spelling) and its name. */
		if (!attr || !strcmp(attr, "TopicArn") || !strcmp(attr, "Arn"))
			iamw__buf_addf(&b, "arn:%s:sns:%s:%s:%s", c->partition, c->region,
			               c->account, n);
		else if (!strcmp(attr, "TopicName"))
			iamw__buf_adds(&b, n);
		else
			known = 0;
	} else if (strcmp(type, "AWS::SQS::Queue") == 0) {
		if (!attr || !strcmp(attr, "QueueUrl"))
			iamw__buf_addf(&b, "https://sqs.%s.%s/%s/%s", c->region,
			               strcmp(c->partition, "aws-cn") == 0 ? "amazonaws.com.cn"
			                                                   : "amazonaws.com",
			               c->account, n);
		else if (!strcmp(attr, "Arn"))
			iamw__buf_addf(&b, "arn:%s:sqs:%s:%s:%s", c->partition, c->region,
			               c->account, n);
		else if (!strcmp(attr, "QueueName"))
			iamw__buf_adds(&b, n);
		else
			known = 0;
	} else if (strcmp(type, "AWS::Logs::LogGroup") == 0) {
		/* CloudFormation's LogGroup Arn ends in ":*". */
		if (!attr)
			iamw__buf_adds(&b, n);
		else if (!strcmp(attr, "Arn"))
			iamw__buf_addf(&b, "arn:%s:logs:%s:%s:log-group:%s:*", c->partition,
			               c->region, c->account, n);
		else
			known = 0;
	} else if (strcmp(type, "AWS::Lambda::Function") == 0) {
		if (!attr)
			iamw__buf_adds(&b, n);
		else if (!strcmp(attr, "Arn"))
			iamw__buf_addf(&b, "arn:%s:lambda:%s:%s:function:%s", c->partition,
			               c->region, c->account, n);
		else
			known = 0;
	} else if (strcmp(type, "AWS::Logs::MetricFilter") == 0) {
		if (!attr)
			iamw__buf_adds(&b, n);
		else
			known = 0;
	} else { /* metric and composite alarms */
		if (!attr)
			iamw__buf_adds(&b, n);
		else if (!strcmp(attr, "Arn"))
			iamw__buf_addf(&b, "arn:%s:cloudwatch:%s:%s:alarm:%s", c->partition,
			               c->region, c->account, n);
		else
			known = 0;
	}
	iamw__buf_free(&name);
	if (!known) {
		iamw__buf_free(&b);
		return fail(c, IAMW_EUNSUPPORTED, "Fn::GetAtt %.60s.%.40s is not supported", id,
		            attr);
	}
	*out = new_string_buf(&b);
	iamw__buf_free(&b);
	return *out ? IAMW_OK : oom(c);
}

/* Ref: pseudo parameter, template parameter or logical id. */
static int cfn_ref(conv *c, const char *name, int depth, cJSON **out)
{
	*out = NULL;
	if (is_pseudo(name))
		return cfn_pseudo(c, name, out);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(c->parameters, name);
	if (p)
		return cfn_parameter(c, name, p, out);
	return cfn_attr(c, name, NULL, depth, out);
}

/* Resolve v to a string into b (for Fn::Sub, Fn::Join, Fn::FindInMap keys). */
static int cfn_text(conv *c, const cJSON *v, const char *where, int depth, iamw__buf *b)
{
	cJSON *r = NULL;
	int rc = cfn_resolve(c, v, depth, &r);
	if (!rc)
		rc = append_text(c, r, where, b);
	cJSON_Delete(r);
	return rc;
}

static int cfn_sub(conv *c, const cJSON *arg, int depth, cJSON **out)
{
	const cJSON *text = arg, *vars = NULL;
	if (cJSON_IsArray(arg)) {
		text = arg->child;
		vars = text ? text->next : NULL;
		if (cJSON_GetArraySize(arg) != 2 || !cJSON_IsObject(vars))
			return fail(c, IAMW_EJSON,
			            "Fn::Sub needs a string or [string, {variables}]");
	}
	if (!cJSON_IsString(text) || !text->valuestring)
		return fail(c, IAMW_EJSON, "Fn::Sub needs a string or [string, {variables}]");
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__buf_adds(&b, "");
	int rc = IAMW_OK;
	const char *s = text->valuestring;
	while (!rc && *s) {
		const char *d = strstr(s, "${");
		if (!d) {
			iamw__buf_adds(&b, s);
			break;
		}
		iamw__buf_add(&b, s, (size_t)(d - s));
		if (d[2] == '!') { /* ${!Literal} writes ${Literal} */
			iamw__buf_adds(&b, "${");
			s = d + 3;
			continue;
		}
		const char *e = strchr(d + 2, '}');
		size_t n = e ? (size_t)(e - (d + 2)) : 0;
		if (!e || n == 0 || n >= MAX_SUB_NAME) {
			rc = fail(c, IAMW_EVALIDATION, "Fn::Sub: malformed ${...} in '%.60s'",
			          text->valuestring);
			break;
		}
		char name[MAX_SUB_NAME];
		memcpy(name, d + 2, n);
		name[n] = '\0';
		const cJSON *var = vars ? cJSON_GetObjectItemCaseSensitive(vars, name) : NULL;
		cJSON *val = NULL;
		char *dot = strchr(name, '.');
		if (var) {
			rc = cfn_resolve(c, var, depth + 1, &val);
		} else if (dot && !is_pseudo(name)) {
			/* ${LogicalId.Attribute} is Fn::GetAtt; logical ids and
			 * parameter names cannot contain dots. */
			*dot = '\0';
			rc = cfn_attr(c, name, dot + 1, depth + 1, &val);
		} else {
			rc = cfn_ref(c, name, depth + 1, &val);
		}
		if (!rc)
			rc = append_text(c, val, "Fn::Sub variable", &b);
		cJSON_Delete(val);
		s = e + 1;
	}
	if (!rc && !(*out = new_string_buf(&b)))
		rc = oom(c);
	iamw__buf_free(&b);
	return rc;
}

static int cfn_join(conv *c, const cJSON *arg, int depth, cJSON **out)
{
	const cJSON *sep = cJSON_IsArray(arg) ? arg->child : NULL;
	if (cJSON_GetArraySize(arg) != 2 || !cJSON_IsString(sep) || !sep->valuestring)
		return fail(c, IAMW_EJSON, "Fn::Join needs [delimiter, [values]]");
	cJSON *list = NULL;
	int rc = cfn_resolve(c, sep->next, depth + 1, &list);
	if (!rc && !cJSON_IsArray(list))
		rc = fail(c, IAMW_EJSON, "Fn::Join needs [delimiter, [values]]");
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__buf_adds(&b, "");
	for (const cJSON *it = rc ? NULL : list->child; it && !rc; it = it->next) {
		if (it != list->child)
			iamw__buf_adds(&b, sep->valuestring);
		rc = append_text(c, it, "Fn::Join value", &b);
	}
	if (!rc && !(*out = new_string_buf(&b)))
		rc = oom(c);
	iamw__buf_free(&b);
	cJSON_Delete(list);
	return rc;
}

static int cfn_select(conv *c, const cJSON *arg, int depth, cJSON **out)
{
	if (!cJSON_IsArray(arg) || cJSON_GetArraySize(arg) != 2)
		return fail(c, IAMW_EJSON, "Fn::Select needs [index, [values]]");
	cJSON *idx = NULL, *list = NULL, *num = NULL;
	int rc = cfn_resolve(c, arg->child, depth + 1, &idx);
	if (!rc)
		rc = idx ? coerce(c, idx, T_NUMBER, 0, &num)
		         : fail(c, IAMW_EJSON, "Fn::Select needs an index");
	if (!rc)
		rc = cfn_resolve(c, arg->child->next, depth + 1, &list);
	if (!rc && !cJSON_IsArray(list))
		rc = fail(c, IAMW_EJSON, "Fn::Select needs [index, [values]]");
	if (!rc) {
		double d = num->valuedouble;
		int size = cJSON_GetArraySize(list);
		if (!(d >= 0 && d < (double)size) || d != (double)(int)d)
			rc = fail(c, IAMW_EVALIDATION, "Fn::Select index out of range");
		else if (!(*out = cJSON_Duplicate(cJSON_GetArrayItem(list, (int)d), 1)))
			rc = oom(c);
	}
	cJSON_Delete(idx);
	cJSON_Delete(num);
	cJSON_Delete(list);
	return rc;
}

static int cfn_split(conv *c, const cJSON *arg, int depth, cJSON **out)
{
	const cJSON *delim = cJSON_IsArray(arg) ? arg->child : NULL;
	if (cJSON_GetArraySize(arg) != 2 || !cJSON_IsString(delim) || !delim->valuestring ||
	    !delim->valuestring[0])
		return fail(c, IAMW_EJSON, "Fn::Split needs [delimiter, string]");
	iamw__buf src;
	iamw__buf_init(&src);
	iamw__buf_adds(&src, "");
	int rc = cfn_text(c, delim->next, "Fn::Split", depth + 1, &src);
	cJSON *r = rc ? NULL : cJSON_CreateArray();
	if (!rc && !r)
		rc = oom(c);
	size_t dl = strlen(delim->valuestring);
	for (const char *s = src.data; !rc;) {
		const char *e = strstr(s, delim->valuestring);
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char *item = iamw__strndup(s, n);
		rc = item ? push(c, r, cJSON_CreateString(item)) : oom(c);
		iamw__free(item);
		if (!e)
			break;
		s = e + dl;
	}
	iamw__buf_free(&src);
	if (rc) {
		cJSON_Delete(r);
		return rc;
	}
	*out = r;
	return IAMW_OK;
}

static int cfn_find_in_map(conv *c, const cJSON *arg, int depth, cJSON **out)
{
	if (!cJSON_IsArray(arg) || cJSON_GetArraySize(arg) != 3)
		return fail(c, IAMW_EJSON, "Fn::FindInMap needs [map, key, key]");
	iamw__buf k[3];
	int rc = IAMW_OK, i = 0;
	for (const cJSON *it = arg->child; it; it = it->next, i++) {
		iamw__buf_init(&k[i]);
		iamw__buf_adds(&k[i], "");
		if (!rc)
			rc = cfn_text(c, it, "Fn::FindInMap", depth + 1, &k[i]);
	}
	if (!rc) {
		const cJSON *m = member(c->mappings, k[0].data);
		const cJSON *v = member(member(m, k[1].data), k[2].data);
		if (!v)
			rc = fail(c, IAMW_EVALIDATION,
			          "Fn::FindInMap: no %.40s/%.40s/%.40s in Mappings", k[0].data,
			          k[1].data, k[2].data);
		else
			rc = cfn_resolve(c, v, depth + 1, out);
	}
	for (i = 0; i < 3; i++)
		iamw__buf_free(&k[i]);
	return rc;
}

static int cfn_getatt(conv *c, const cJSON *arg, int depth, cJSON **out)
{
	/* [id, attribute] as in JSON templates; "id.attribute" as the YAML short
	 * form would write it. */
	if (cJSON_IsString(arg) && arg->valuestring) {
		const char *dot = strchr(arg->valuestring, '.');
		if (!dot)
			return fail(c, IAMW_EJSON, "Fn::GetAtt needs [logicalId, attribute]");
		char *id = iamw__strndup(arg->valuestring, (size_t)(dot - arg->valuestring));
		if (!id)
			return oom(c);
		int rc = cfn_attr(c, id, dot + 1, depth + 1, out);
		iamw__free(id);
		return rc;
	}
	const cJSON *id = cJSON_IsArray(arg) ? arg->child : NULL;
	if (cJSON_GetArraySize(arg) != 2 || !cJSON_IsString(id) || !id->valuestring)
		return fail(c, IAMW_EJSON, "Fn::GetAtt needs [logicalId, attribute]");
	cJSON *attr = NULL;
	int rc = cfn_resolve(c, id->next, depth + 1, &attr);
	if (!rc && (!cJSON_IsString(attr) || !attr->valuestring))
		rc = fail(c, IAMW_EJSON, "Fn::GetAtt needs [logicalId, attribute]");
	if (!rc)
		rc = cfn_attr(c, id->valuestring, attr->valuestring, depth + 1, out);
	cJSON_Delete(attr);
	return rc;
}

static int cfn_intrinsic(conv *c, const char *fn, const cJSON *arg, int depth, cJSON **out)
{
	if (strcmp(fn, "Ref") == 0) {
		if (!cJSON_IsString(arg) || !arg->valuestring)
			return fail(c, IAMW_EJSON, "Ref needs a name");
		return cfn_ref(c, arg->valuestring, depth, out);
	}
	if (strcmp(fn, "Fn::GetAtt") == 0)
		return cfn_getatt(c, arg, depth, out);
	if (strcmp(fn, "Fn::Sub") == 0)
		return cfn_sub(c, arg, depth, out);
	if (strcmp(fn, "Fn::Join") == 0)
		return cfn_join(c, arg, depth, out);
	if (strcmp(fn, "Fn::Select") == 0)
		return cfn_select(c, arg, depth, out);
	if (strcmp(fn, "Fn::Split") == 0)
		return cfn_split(c, arg, depth, out);
	if (strcmp(fn, "Fn::FindInMap") == 0)
		return cfn_find_in_map(c, arg, depth, out);
	/* Fn::ImportValue (another stack), Fn::If (conditions depend on
	 * deployment parameters), Fn::GetAZs, Fn::Base64, Fn::Cidr, ... */
	return fail(c, IAMW_EUNSUPPORTED, "%.40s cannot be resolved offline", fn);
}

/* Resolve a template value: intrinsic functions are evaluated, lists and
 * objects resolved member by member. *out is a new value, or NULL for
 * AWS::NoValue, which drops the property or list element as CloudFormation
 * does. */
static int cfn_resolve(conv *c, const cJSON *v, int depth, cJSON **out)
{
	*out = NULL;
	if (depth > MAX_DEPTH)
		return fail(c, IAMW_EVALIDATION, "references nested too deeply or circular");
	if (!v)
		return fail(c, IAMW_EJSON, "missing value");
	if (cJSON_IsObject(v) && v->child && !v->child->next && v->child->string &&
	    (strcmp(v->child->string, "Ref") == 0 || strncmp(v->child->string, "Fn::", 4) == 0))
		return cfn_intrinsic(c, v->child->string, v->child, depth, out);
	if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		int arr = cJSON_IsArray(v);
		cJSON *r = arr ? cJSON_CreateArray() : cJSON_CreateObject();
		if (!r)
			return oom(c);
		for (const cJSON *it = v->child; it; it = it->next) {
			cJSON *x = NULL;
			int rc = (!arr && !it->string)
			             ? fail(c, IAMW_EJSON, "object member without a name")
			             : cfn_resolve(c, it, depth + 1, &x);
			if (!rc && x)
				rc = arr ? push(c, r, x) : put(c, r, it->string, x);
			if (rc) {
				cJSON_Delete(r);
				return rc;
			}
		}
		*out = r;
		return IAMW_OK;
	}
	if (!cJSON_IsString(v) && !cJSON_IsNumber(v) && !cJSON_IsBool(v) && !cJSON_IsNull(v))
		return fail(c, IAMW_EJSON, "not a JSON value");
	if (cJSON_IsString(v) && !v->valuestring)
		return fail(c, IAMW_EJSON, "not a JSON value");
	*out = cJSON_Duplicate(v, 0);
	return *out ? IAMW_OK : oom(c);
}

/* ------------------------------------------------------------ field tables */

typedef struct field {
	const char *in;  /* template property / terraform attribute */
	const char *out; /* request member */
	vtype type;
	unsigned flags;
} field;

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Any true in a terraform after_unknown value: the attribute, or part of
 * it, is computed during apply. */
static int tf_any_unknown(const cJSON *u, int depth)
{
	if (!u || depth > MAX_DEPTH)
		return 0;
	if (cJSON_IsTrue(u))
		return 1;
	for (const cJSON *it = (cJSON_IsArray(u) || cJSON_IsObject(u)) ? u->child : NULL; it;
	     it = it->next)
		if (tf_any_unknown(it, depth + 1))
			return 1;
	return 0;
}

static void set_prop(conv *c, const char *prefix, const char *name)
{
	if (prefix) {
		snprintf(c->prop_buf, sizeof c->prop_buf, "%s.%s", prefix, name);
		c->prop = c->prop_buf;
	} else {
		c->prop = name;
	}
}

/* Copy the fields of src into dst. With cfn, values are template values to
 * resolve first; otherwise they are taken as they are. prefix names the
 * enclosing property in messages (NULL at the top level). */
static int copy_fields(conv *c, const cJSON *src, cJSON *dst, const field *f, size_t n, int cfn,
                       const char *prefix)
{
	for (size_t i = 0; i < n; i++) {
		set_prop(c, prefix, f[i].in);
		if (c->unknown &&
		    tf_any_unknown(cJSON_GetObjectItemCaseSensitive(c->unknown, f[i].in), 0))
			return fail(c, IAMW_EUNSUPPORTED, "the value is not known until apply");
		const cJSON *raw = member(src, f[i].in);
		cJSON *res = NULL, *val = NULL;
		int rc = IAMW_OK;
		if (raw && cfn) {
			rc = cfn_resolve(c, raw, 0, &res);
			raw = (res && !cJSON_IsNull(res)) ? res : NULL;
		}
		if (!rc && raw)
			rc = coerce(c, raw, f[i].type, f[i].flags, &val);
		cJSON_Delete(res);
		if (rc)
			return rc;
		if (!val) {
			if (f[i].type == T_NAME)
				val = cJSON_CreateString(c->what);
			else if (f[i].flags & F_REQUIRED)
				return fail(c, IAMW_EVALIDATION, "a value is required");
			else
				continue;
		}
		if ((rc = put(c, dst, f[i].out, val)))
			return rc;
	}
	return IAMW_OK;
}

/* ------------------------------------------------------------ CloudFormation: resources */

static const field cfn_filter_head[] = {
	{"FilterName", "filterName", T_NAME, 0},
	{"LogGroupName", "logGroupName", T_STRING, F_REQUIRED},
	{"FilterPattern", "filterPattern", T_STRING, F_REQUIRED},
};
static const field cfn_filter_tail[] = {
	{"FieldSelectionCriteria", "fieldSelectionCriteria", T_STRING, 0},
	{"EmitSystemFieldDimensions", "emitSystemFieldDimensions", T_STRINGS, 0},
	{"ApplyOnTransformedLogs", "applyOnTransformedLogs", T_BOOL, 0},
};
static const field cfn_transform[] = {
	{"MetricName", "metricName", T_STRING, F_REQUIRED},
	{"MetricNamespace", "metricNamespace", T_STRING, F_REQUIRED},
	{"MetricValue", "metricValue", T_STRING, F_REQUIRED},
	{"DefaultValue", "defaultValue", T_NUMBER, 0},
	{"Dimensions", "dimensions", T_DIMS_KV, 0},
	{"Unit", "unit", T_STRING, 0},
};
static const field cfn_alarm[] = {
	{"AlarmName", "AlarmName", T_NAME, 0},
	{"AlarmDescription", "AlarmDescription", T_STRING, 0},
	{"ActionsEnabled", "ActionsEnabled", T_BOOL, 0},
	{"OKActions", "OKActions", T_STRINGS, 0},
	{"AlarmActions", "AlarmActions", T_STRINGS, 0},
	{"InsufficientDataActions", "InsufficientDataActions", T_STRINGS, 0},
	{"MetricName", "MetricName", T_STRING, 0},
	{"Namespace", "Namespace", T_STRING, 0},
	{"Statistic", "Statistic", T_STRING, 0},
	{"ExtendedStatistic", "ExtendedStatistic", T_STRING, 0},
	{"Dimensions", "Dimensions", T_DIMS_NV, 0},
	{"Period", "Period", T_NUMBER, 0},
	{"Unit", "Unit", T_STRING, 0},
	{"EvaluationPeriods", "EvaluationPeriods", T_NUMBER, F_REQUIRED},
	{"DatapointsToAlarm", "DatapointsToAlarm", T_NUMBER, 0},
	{"Threshold", "Threshold", T_NUMBER, 0},
	{"ComparisonOperator", "ComparisonOperator", T_STRING, F_REQUIRED},
	{"TreatMissingData", "TreatMissingData", T_STRING, 0},
	{"EvaluateLowSampleCountPercentile", "EvaluateLowSampleCountPercentile", T_STRING, 0},
};
static const field cfn_composite[] = {
	{"AlarmName", "AlarmName", T_NAME, 0},
	{"AlarmDescription", "AlarmDescription", T_STRING, 0},
	{"AlarmRule", "AlarmRule", T_STRING, F_REQUIRED},
	{"ActionsEnabled", "ActionsEnabled", T_BOOL, 0},
	{"AlarmActions", "AlarmActions", T_STRINGS, 0},
	{"OKActions", "OKActions", T_STRINGS, 0},
	{"InsufficientDataActions", "InsufficientDataActions", T_STRINGS, 0},
	{"ActionsSuppressor", "ActionsSuppressor", T_STRING, 0},
	{"ActionsSuppressorWaitPeriod", "ActionsSuppressorWaitPeriod", T_NUMBER, 0},
	{"ActionsSuppressorExtensionPeriod", "ActionsSuppressorExtensionPeriod", T_NUMBER, 0},
};

static int cfn_metric_filter(conv *c, const cJSON *props, cJSON *obj)
{
	int rc;
	if ((rc = copy_fields(c, props, obj, cfn_filter_head, N(cfn_filter_head), 1, NULL)))
		return rc;
	c->prop = "MetricTransformations";
	const cJSON *raw = member(props, "MetricTransformations");
	cJSON *mts = NULL, *arr = NULL;
	if (!raw)
		return fail(c, IAMW_EVALIDATION, "a value is required");
	if ((rc = cfn_resolve(c, raw, 0, &mts)))
		return rc;
	if (!cJSON_IsArray(mts)) {
		rc = fail(c, IAMW_EJSON, "must be a list of MetricTransformation objects");
	} else if (!(arr = cJSON_CreateArray())) {
		rc = oom(c);
	} else if (!(rc = put(c, obj, "metricTransformations", arr))) {
		int i = 0;
		for (const cJSON *it = mts->child; it && !rc; it = it->next, i++) {
			char prefix[48];
			snprintf(prefix, sizeof prefix, "MetricTransformations[%d]", i);
			cJSON *mt = cJSON_CreateObject();
			if (!cJSON_IsObject(it)) {
				cJSON_Delete(mt);
				c->prop = "MetricTransformations";
				rc = fail(c, IAMW_EJSON,
				          "must be a list of MetricTransformation objects");
			} else if (!(rc = push(c, arr, mt))) {
				rc = copy_fields(c, it, mt, cfn_transform, N(cfn_transform), 0,
				                 prefix);
			}
		}
	}
	cJSON_Delete(mts);
	if (rc)
		return rc;
	return copy_fields(c, props, obj, cfn_filter_tail, N(cfn_filter_tail), 1, NULL);
}

static int cfn_metric_alarm(conv *c, const cJSON *props, cJSON *obj)
{
	/* Metric math and anomaly detection alarms have no single metric to
	 * evaluate; refusing beats silently dropping the alarm. */
	if (member(props, "Metrics")) {
		c->prop = "Metrics";
		return fail(c, IAMW_EUNSUPPORTED, "metric math alarms are not supported");
	}
	if (member(props, "ThresholdMetricId")) {
		c->prop = "ThresholdMetricId";
		return fail(c, IAMW_EUNSUPPORTED, "anomaly detection alarms are not supported");
	}
	return copy_fields(c, props, obj, cfn_alarm, N(cfn_alarm), 1, NULL);
}

static int cfn_convert(conv *c, const cJSON *doc, cJSON *out)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(doc, "Resources");
	if (!cJSON_IsObject(res))
		return fail(c, IAMW_EJSON, "a CloudFormation template needs a Resources object");
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(doc, "Parameters");
	const cJSON *maps = cJSON_GetObjectItemCaseSensitive(doc, "Mappings");
	if ((params && !cJSON_IsObject(params)) || (maps && !cJSON_IsObject(maps)))
		return fail(c, IAMW_EJSON, "%s must be an object",
		            params && !cJSON_IsObject(params) ? "Parameters" : "Mappings");
	c->resources = res;
	c->parameters = params;
	c->mappings = maps;
	c->prop_word = "property";
	cJSON *filters = cJSON_GetObjectItemCaseSensitive(out, "metricFilters");
	cJSON *alarms = cJSON_GetObjectItemCaseSensitive(out, "metricAlarms");
	cJSON *composites = cJSON_GetObjectItemCaseSensitive(out, "compositeAlarms");

	/* Resources in template order; a resource guarded by a Condition is
	 * converted all the same, since conditions depend on deployment inputs. */
	for (const cJSON *r = res->child; r; r = r->next) {
		c->what = r->string ? r->string : "";
		c->prop = NULL;
		const char *type = string_member(r, "Type");
		if (!cJSON_IsObject(r) || !type)
			return fail(c, IAMW_EJSON,
			            "a resource must be an object with a Type string");
		cJSON *dst;
		if (strcmp(type, "AWS::Logs::MetricFilter") == 0)
			dst = filters;
		else if (strcmp(type, "AWS::CloudWatch::Alarm") == 0)
			dst = alarms;
		else if (strcmp(type, "AWS::CloudWatch::CompositeAlarm") == 0)
			dst = composites;
		else
			continue;
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(r, "Properties");
		if (props && !cJSON_IsObject(props)) {
			c->prop = "Properties";
			return fail(c, IAMW_EJSON, "must be an object");
		}
		cJSON *obj = cJSON_CreateObject();
		int rc = push(c, dst, obj);
		if (!rc)
			rc = locate(c, dst == filters  ? "metricFilters"
			               : dst == alarms ? "metricAlarms"
			                               : "compositeAlarms",
			            "Resources.%s", c->what);
		if (rc)
			return rc;
		if (dst == filters)
			rc = cfn_metric_filter(c, props, obj);
		else if (dst == alarms)
			rc = cfn_metric_alarm(c, props, obj);
		else
			rc = copy_fields(c, props, obj, cfn_composite, N(cfn_composite), 1, NULL);
		if (rc)
			return rc;
	}
	return IAMW_OK;
}

/* ------------------------------------------------------------ terraform */

/* Terraform reports unset optionals as null, "", 0 or an empty collection,
 * depending on the provider's schema; F_EMPTY_ABSENT / F_ZERO_ABSENT map them
 * to "not given". 0 is only "not given" where the API does not accept 0
 * (Period, DatapointsToAlarm); "missing" is a real TreatMissingData value. */
static const field tf_filter_head[] = {
	{"name", "filterName", T_STRING, F_REQUIRED},
	{"log_group_name", "logGroupName", T_STRING, F_REQUIRED},
	{"pattern", "filterPattern", T_STRING, F_REQUIRED},
};
static const field tf_filter_tail[] = {
	{"apply_on_transformed_logs", "applyOnTransformedLogs", T_BOOL, F_ZERO_ABSENT},
};
static const field tf_transform[] = {
	{"name", "metricName", T_STRING, F_REQUIRED},
	{"namespace", "metricNamespace", T_STRING, F_REQUIRED},
	{"value", "metricValue", T_STRING, F_REQUIRED},
	{"default_value", "defaultValue", T_NUMBER, F_EMPTY_ABSENT},
	{"dimensions", "dimensions", T_MAP, F_EMPTY_ABSENT},
	{"unit", "unit", T_STRING, F_EMPTY_ABSENT},
};
static const field tf_alarm[] = {
	{"alarm_name", "AlarmName", T_STRING, F_REQUIRED},
	{"alarm_description", "AlarmDescription", T_STRING, F_EMPTY_ABSENT},
	{"actions_enabled", "ActionsEnabled", T_BOOL, 0},
	{"ok_actions", "OKActions", T_STRINGS, F_EMPTY_ABSENT},
	{"alarm_actions", "AlarmActions", T_STRINGS, F_EMPTY_ABSENT},
	{"insufficient_data_actions", "InsufficientDataActions", T_STRINGS, F_EMPTY_ABSENT},
	{"metric_name", "MetricName", T_STRING, F_EMPTY_ABSENT},
	{"namespace", "Namespace", T_STRING, F_EMPTY_ABSENT},
	{"statistic", "Statistic", T_STRING, F_EMPTY_ABSENT},
	{"extended_statistic", "ExtendedStatistic", T_STRING, F_EMPTY_ABSENT},
	{"dimensions", "Dimensions", T_MAP_NV, F_EMPTY_ABSENT},
	{"period", "Period", T_NUMBER, F_ZERO_ABSENT},
	{"unit", "Unit", T_STRING, F_EMPTY_ABSENT},
	{"evaluation_periods", "EvaluationPeriods", T_NUMBER, F_REQUIRED},
	{"datapoints_to_alarm", "DatapointsToAlarm", T_NUMBER, F_ZERO_ABSENT},
	{"threshold", "Threshold", T_NUMBER, 0},
	{"comparison_operator", "ComparisonOperator", T_STRING, F_REQUIRED},
	{"treat_missing_data", "TreatMissingData", T_STRING, F_EMPTY_ABSENT},
	{"evaluate_low_sample_count_percentiles", "EvaluateLowSampleCountPercentile", T_STRING,
	 F_EMPTY_ABSENT},
};
static const field tf_composite[] = {
	{"alarm_name", "AlarmName", T_STRING, F_REQUIRED},
	{"alarm_description", "AlarmDescription", T_STRING, F_EMPTY_ABSENT},
	{"alarm_rule", "AlarmRule", T_STRING, F_REQUIRED},
	{"actions_enabled", "ActionsEnabled", T_BOOL, 0},
	{"alarm_actions", "AlarmActions", T_STRINGS, F_EMPTY_ABSENT},
	{"ok_actions", "OKActions", T_STRINGS, F_EMPTY_ABSENT},
	{"insufficient_data_actions", "InsufficientDataActions", T_STRINGS, F_EMPTY_ABSENT},
};
static const field tf_suppressor[] = {
	{"alarm", "ActionsSuppressor", T_STRING, F_REQUIRED},
	{"wait_period", "ActionsSuppressorWaitPeriod", T_NUMBER, 0},
	{"extension_period", "ActionsSuppressorExtensionPeriod", T_NUMBER, 0},
};

/* A nested block (metric_transformation, actions_suppressor): a list of
 * objects. Unknown parts of a plan are refused as a whole. */
static int tf_block(conv *c, const cJSON *values, const char *key, const cJSON **out)
{
	c->prop = key;
	*out = NULL;
	if (c->unknown && tf_any_unknown(cJSON_GetObjectItemCaseSensitive(c->unknown, key), 0))
		return fail(c, IAMW_EUNSUPPORTED, "the value is not known until apply");
	const cJSON *b = member(values, key);
	if (!b)
		return IAMW_OK;
	if (!cJSON_IsArray(b))
		return fail(c, IAMW_EJSON, "must be a list of blocks");
	for (const cJSON *it = b->child; it; it = it->next)
		if (!cJSON_IsObject(it))
			return fail(c, IAMW_EJSON, "must be a list of blocks");
	*out = b;
	return IAMW_OK;
}

static int tf_metric_filter(conv *c, const cJSON *v, cJSON *obj)
{
	int rc;
	const cJSON *mts;
	cJSON *arr;
	if ((rc = copy_fields(c, v, obj, tf_filter_head, N(tf_filter_head), 0, NULL)) ||
	    (rc = tf_block(c, v, "metric_transformation", &mts)))
		return rc;
	if (!mts || !mts->child)
		return fail(c, IAMW_EVALIDATION, "a value is required");
	if (!(arr = cJSON_CreateArray()) || (rc = put(c, obj, "metricTransformations", arr)))
		return arr ? rc : oom(c);
	const cJSON *unknown = c->unknown;
	c->unknown = NULL; /* checked for the whole block by tf_block */
	int i = 0;
	for (const cJSON *it = mts->child; it && !rc; it = it->next, i++) {
		char prefix[48];
		snprintf(prefix, sizeof prefix, "metric_transformation[%d]", i);
		cJSON *mt = cJSON_CreateObject();
		if (!(rc = push(c, arr, mt)))
			rc = copy_fields(c, it, mt, tf_transform, N(tf_transform), 0, prefix);
	}
	c->unknown = unknown;
	if (rc)
		return rc;
	return copy_fields(c, v, obj, tf_filter_tail, N(tf_filter_tail), 0, NULL);
}

static int tf_metric_alarm(conv *c, const cJSON *v, cJSON *obj)
{
	const cJSON *mq = member(v, "metric_query");
	const char *tmid = string_member(v, "threshold_metric_id");
	c->prop = "metric_query";
	if ((mq && (!cJSON_IsArray(mq) || mq->child)) ||
	    (c->unknown &&
	     tf_any_unknown(cJSON_GetObjectItemCaseSensitive(c->unknown, "metric_query"), 0)))
		return fail(c, IAMW_EUNSUPPORTED, "metric math alarms are not supported");
	c->prop = "threshold_metric_id";
	if ((tmid && tmid[0]) || (member(v, "threshold_metric_id") && !tmid))
		return fail(c, IAMW_EUNSUPPORTED, "anomaly detection alarms are not supported");
	return copy_fields(c, v, obj, tf_alarm, N(tf_alarm), 0, NULL);
}

static int tf_composite_alarm(conv *c, const cJSON *v, cJSON *obj)
{
	int rc;
	const cJSON *sup;
	if ((rc = copy_fields(c, v, obj, tf_composite, N(tf_composite), 0, NULL)) ||
	    (rc = tf_block(c, v, "actions_suppressor", &sup)))
		return rc;
	if (!sup || !sup->child)
		return IAMW_OK;
	if (sup->child->next)
		return fail(c, IAMW_EVALIDATION, "at most one actions_suppressor block is allowed");
	const cJSON *unknown = c->unknown;
	c->unknown = NULL;
	rc = copy_fields(c, sup->child, obj, tf_suppressor, N(tf_suppressor), 0,
	                 "actions_suppressor[0]");
	c->unknown = unknown;
	return rc;
}

/* after_unknown of the planned change at address, if doc is a plan. */
static const cJSON *tf_after_unknown(const cJSON *changes, const char *address)
{
	for (const cJSON *rc = cJSON_IsArray(changes) ? changes->child : NULL; rc; rc = rc->next) {
		const char *a = string_member(rc, "address");
		if (a && strcmp(a, address) == 0)
			return member(member(rc, "change"), "after_unknown");
	}
	return NULL;
}

static int tf_module(conv *c, const cJSON *mod, const cJSON *changes, cJSON *out, int depth)
{
	char addr[256];
	if (depth > MAX_DEPTH)
		return fail(c, IAMW_EJSON, "modules nested too deeply");
	if (!cJSON_IsObject(mod))
		return fail(c, IAMW_EJSON, "a module must be an object");
	const cJSON *res = member(mod, "resources");
	if (res && !cJSON_IsArray(res))
		return fail(c, IAMW_EJSON, "a module's resources must be a list");
	for (const cJSON *r = res ? res->child : NULL; r; r = r->next) {
		c->what = NULL;
		c->prop = NULL;
		c->unknown = NULL;
		if (!cJSON_IsObject(r))
			return fail(c, IAMW_EJSON, "a resource must be an object");
		const char *type = string_member(r, "type");
		const char *name = string_member(r, "name");
		const char *mode = string_member(r, "mode");
		const char *address = string_member(r, "address");
		if (!type)
			return fail(c, IAMW_EJSON, "a resource needs a type string");
		if (!address) {
			snprintf(addr, sizeof addr, "%s.%s", type, name ? name : "?");
			address = addr;
		}
		c->what = address;
		if (mode && strcmp(mode, "managed") != 0)
			continue; /* data sources define nothing */
		cJSON *dst;
		int kind;
		if (strcmp(type, "aws_cloudwatch_log_metric_filter") == 0)
			kind = 0, dst = cJSON_GetObjectItemCaseSensitive(out, "metricFilters");
		else if (strcmp(type, "aws_cloudwatch_metric_alarm") == 0)
			kind = 1, dst = cJSON_GetObjectItemCaseSensitive(out, "metricAlarms");
		else if (strcmp(type, "aws_cloudwatch_composite_alarm") == 0)
			kind = 2, dst = cJSON_GetObjectItemCaseSensitive(out, "compositeAlarms");
		else
			continue;
		const cJSON *values = member(r, "values");
		if (!cJSON_IsObject(values)) {
			c->prop = "values";
			return fail(c, IAMW_EJSON, "must be an object");
		}
		c->unknown = tf_after_unknown(changes, address);
		cJSON *obj = cJSON_CreateObject();
		int rc = push(c, dst, obj);
		if (!rc)
			rc = locate(c, native_keys[kind], "%s", address);
		if (!rc)
			rc = kind == 0   ? tf_metric_filter(c, values, obj)
			     : kind == 1 ? tf_metric_alarm(c, values, obj)
			                 : tf_composite_alarm(c, values, obj);
		if (rc)
			return rc;
	}
	c->what = NULL;
	c->prop = NULL;
	const cJSON *kids = member(mod, "child_modules");
	if (kids && !cJSON_IsArray(kids))
		return fail(c, IAMW_EJSON, "child_modules must be a list");
	for (const cJSON *k = kids ? kids->child : NULL; k; k = k->next) {
		int rc = tf_module(c, k, changes, out, depth + 1);
		if (rc)
			return rc;
	}
	return IAMW_OK;
}

static int tf_convert(conv *c, const cJSON *doc, cJSON *out)
{
	c->prop_word = "attribute";
	/* A plan's result is planned_values; a state's is values. A state with no
	 * resources has neither. */
	const cJSON *values = member(doc, "planned_values");
	const cJSON *changes = NULL;
	if (values)
		changes = member(doc, "resource_changes");
	else
		values = member(doc, "values");
	if (!values)
		return IAMW_OK;
	if (!cJSON_IsObject(values))
		return fail(c, IAMW_EJSON, "values must be an object");
	const cJSON *root = member(values, "root_module");
	if (!root)
		return IAMW_OK;
	return tf_module(c, root, changes, out, 0);
}

/* ------------------------------------------------------------ native */

static int native_check(conv *c, const cJSON *doc)
{
	for (size_t k = 0; k < N(native_keys); k++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, native_keys[k]);
		if (!a)
			continue;
		if (!cJSON_IsArray(a))
			return fail(c, IAMW_EJSON, "%s must be a list of objects", native_keys[k]);
		int i = 0;
		for (const cJSON *it = a->child; it; it = it->next, i++)
			if (!cJSON_IsObject(it))
				return fail(c, IAMW_EJSON, "%s[%d] must be an object",
				            native_keys[k], i);
	}
	return IAMW_OK;
}

/* ------------------------------------------------------------ entry points */

int iamw__rules_detect(const cJSON *doc, iamw__rules_format *out)
{
	if (!out)
		return IAMW_EINVAL;
	if (!cJSON_IsObject(doc))
		return IAMW_EJSON;
	for (size_t k = 0; k < N(native_keys); k++)
		if (cJSON_GetObjectItemCaseSensitive(doc, native_keys[k])) {
			*out = IAMW__RULES_NATIVE;
			return IAMW_OK;
		}
	if (cJSON_GetObjectItemCaseSensitive(doc, "Resources") ||
	    cJSON_GetObjectItemCaseSensitive(doc, "AWSTemplateFormatVersion")) {
		*out = IAMW__RULES_CLOUDFORMATION;
		return IAMW_OK;
	}
	/* terraform show -json always writes format_version, and for an empty
	 * state nothing else. */
	const cJSON *fv = cJSON_GetObjectItemCaseSensitive(doc, "format_version");
	if (cJSON_IsString(fv)) {
		*out = IAMW__RULES_TERRAFORM;
		return IAMW_OK;
	}
	return IAMW_EJSON;
}

static const char *pick(const char *s, const char *def)
{
	return (s && s[0]) ? s : def;
}

/* Native documents: each definition is where it already is. */
static int native_locations(conv *c, const cJSON *doc)
{
	for (size_t k = 0; k < N(native_keys); k++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, native_keys[k]);
		int i = 0;
		for (const cJSON *it = a ? a->child : NULL; it; it = it->next, i++) {
			int rc = locate(c, native_keys[k], "%s[%d]", native_keys[k], i);
			if (rc)
				return rc;
		}
	}
	return IAMW_OK;
}

int iamw__rules_normalize(const cJSON *doc, const iamw__rules_context *ctx, cJSON **out,
                          iamw_error *err)
{
	return iamw__rules_normalize_located(doc, ctx, out, NULL, err);
}

static int normalize(conv *c, const cJSON *doc, const iamw__rules_context *ctx, cJSON **out);

int iamw__rules_normalize_located(const cJSON *doc, const iamw__rules_context *ctx, cJSON **out,
                                  cJSON **locations, iamw_error *err)
{
	iamw__error_clear(err);
	conv c;
	memset(&c, 0, sizeof c);
	c.err = err;
	if (!out)
		return iamw__error_set(err, IAMW_EINVAL, IAMW_NO_OFFSET, 0, SRC,
		                       "invalid argument");
	*out = NULL;
	if (locations) {
		*locations = NULL;
		c.locs = cJSON_CreateObject();
		if (!c.locs)
			return oom(&c);
		for (size_t k = 0; k < N(native_keys); k++) {
			int rc = put(&c, c.locs, native_keys[k], cJSON_CreateArray());
			if (rc) {
				cJSON_Delete(c.locs);
				return rc;
			}
		}
	}
	int rc = normalize(&c, doc, ctx, out);
	if (rc || !locations)
		cJSON_Delete(c.locs);
	else
		*locations = c.locs;
	return rc;
}

static int normalize(conv *c, const cJSON *doc, const iamw__rules_context *ctx, cJSON **out)
{
	iamw__rules_format fmt;
	if (iamw__rules_detect(doc, &fmt) != IAMW_OK)
		return fail(c, IAMW_EJSON,
		            "not a rules document (metricFilters/metricAlarms/compositeAlarms), "
		            "CloudFormation template (Resources) or terraform show -json output");
	c->account = pick(ctx ? ctx->account_id : NULL, IAMW__RULES_DEFAULT_ACCOUNT);
	c->region = pick(ctx ? ctx->region : NULL, IAMW__RULES_DEFAULT_REGION);
	c->partition = strncmp(c->region, "cn-", 3) == 0       ? "aws-cn"
	               : strncmp(c->region, "us-gov-", 7) == 0 ? "aws-us-gov"
	                                                       : "aws";
	int rc;
	if (fmt == IAMW__RULES_NATIVE) {
		if ((rc = native_check(c, doc)) || (rc = native_locations(c, doc)))
			return rc;
		*out = cJSON_Duplicate(doc, 1);
		return *out ? IAMW_OK : oom(c);
	}
	cJSON *r = cJSON_CreateObject();
	if (!r)
		return oom(c);
	for (size_t k = 0; k < N(native_keys); k++)
		if ((rc = put(c, r, native_keys[k], cJSON_CreateArray()))) {
			cJSON_Delete(r);
			return rc;
		}
	rc = fmt == IAMW__RULES_CLOUDFORMATION ? cfn_convert(c, doc, r) : tf_convert(c, doc, r);
	if (rc) {
		cJSON_Delete(r);
		return rc;
	}
	*out = r;
	return IAMW_OK;
}
