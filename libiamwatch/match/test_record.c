/* SPDX-License-Identifier: MIT */
/*
 * test_record.c - TestMetricFilter's answer for one matching message: the
 * MetricFilterMatchRecord {"eventNumber":N,"eventMessage":"...",
 * "extractedValues":{...}} that `aws logs test-metric-filter` prints, built
 * from a match scratch. `iamwatch test` and the Python binding both print
 * these, so the JSON is written in one place, always valid UTF-8.
 */
#include <inttypes.h>
#include <string.h>

#include "match/eval.h"

int iamw_match_render_test_record(const iamw_match *m, uint64_t event_number, const char *message,
                                  size_t len, char **out, size_t *out_len)
{
	if (!m || !out || (!message && len))
		return IAMW_EINVAL;
	if (len == IAMW_NUL_TERMINATED)
		len = strlen(message);
	iamw__buf b;
	iamw__buf_init(&b);
	iamw__buf_addf(&b, "{\"eventNumber\":%" PRIu64 ",\"eventMessage\":", event_number);
	iamw__buf_add_json_text(&b, message ? message : "", len);
	iamw__buf_adds(&b, ",\"extractedValues\":{");
	const char *name, *value;
	size_t vlen;
	for (size_t i = 0; iamw_match_value(m, i, &name, &value, &vlen) == 1; i++) {
		if (i)
			iamw__buf_addc(&b, ',');
		iamw__buf_add_json_text(&b, name, strlen(name));
		iamw__buf_addc(&b, ':');
		iamw__buf_add_json_text(&b, value, vlen);
	}
	iamw__buf_adds(&b, "}}");
	return iamw__buf_steal(&b, out, out_len);
}
