/* SPDX-License-Identifier: MIT */
/*
 * fuzz-state.c - libFuzzer target: saved engine state from an untrusted
 * file, restored into an engine holding the IAM-change and a composite
 * rule. Checks (abort() on violation): a rejected state leaves the engine
 * exactly as it was (its own saved state is unchanged, byte for byte); an
 * accepted one can be saved again, and that save restores to the same bytes.
 * The same input is also merged as a partial state (iamw_engine_merge_state)
 * into an engine that holds one event: refused, it changes nothing;
 * accepted, the engine saves, restores and replays its clock.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamwatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules[] =
    "{\"metricFilters\":[{\"filterName\":\"f\",\"filterPattern\":\"{ $.eventSource = "
    "\\\"iam.amazonaws.com\\\" }\",\"metricTransformations\":[{\"metricName\":\"m\","
    "\"metricNamespace\":\"ns\",\"metricValue\":\"1\",\"defaultValue\":0}]}],"
    "\"metricAlarms\":[{\"AlarmName\":\"A\",\"MetricName\":\"m\",\"Namespace\":\"ns\","
    "\"Statistic\":\"Sum\",\"Period\":300,\"EvaluationPeriods\":3,\"DatapointsToAlarm\":2,"
    "\"Threshold\":1,\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\"},"
    "{\"AlarmName\":\"B\",\"MetricName\":\"m\",\"Namespace\":\"ns\",\"ExtendedStatistic\":"
    "\"p90\",\"Period\":60,\"EvaluationPeriods\":1,\"Threshold\":1,\"ComparisonOperator\":"
    "\"GreaterThanThreshold\"}],\"compositeAlarms\":[{\"AlarmName\":\"C\",\"AlarmRule\":"
    "\"ALARM(A) OR ALARM(B)\",\"ActionsSuppressor\":\"B\",\"ActionsSuppressorWaitPeriod\":60,"
    "\"ActionsSuppressorExtensionPeriod\":60}]}";

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-state: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	iamw_engine *e;
	if (iamw_engine_new(&e, NULL) != IAMW_OK)
		return 0;
	if (iamw_engine_load_rules(e, rules, sizeof rules - 1, NULL) != IAMW_OK)
		fail("rules");
	char *before, *after;
	size_t lb, la;
	if (iamw_engine_save_state(e, &before, &lb) != IAMW_OK)
		fail("save");
	iamw_error err;
	int rc = iamw_engine_restore_state(e, (const char *)data, size, &err);
	if (iamw_engine_save_state(e, &after, &la) != IAMW_OK)
		fail("save after restore");
	if (rc != IAMW_OK) {
		if (err.code != rc || !err.text[0])
			fail("error contract");
		if (la != lb || memcmp(before, after, la) != 0)
			fail("a rejected state changed the engine");
	} else {
		iamw_engine *f;
		char *again;
		size_t lg;
		if (iamw_engine_new(&f, NULL) != IAMW_OK ||
		    iamw_engine_load_rules(f, rules, sizeof rules - 1, NULL) != IAMW_OK ||
		    iamw_engine_restore_state(f, after, la, NULL) != IAMW_OK ||
		    iamw_engine_save_state(f, &again, &lg) != IAMW_OK || lg != la ||
		    memcmp(again, after, la) != 0)
			fail("accepted state does not round-trip");
		/* The engine keeps working from the restored state: a day more of
		 * evaluations. (The cost of advancing is one pass per evaluation time
		 * while ingested data is within reach, for saved and live data alike;
		 * a far jump from an arbitrary restored clock would measure that, not
		 * robustness. docs/security.md.) */
		int64_t clock = iamw_engine_clock(f);
		iamw_engine_advance(f, clock == IAMW_NO_TIME ? 1688990400000 : clock + 86400000);
		iamw_free(again);
		iamw_engine_free(f);
	}
	iamw_free(before);
	iamw_free(after);
	iamw_engine_free(e);

	/* merge_state */
	static const char event[] = "{\"eventTime\":\"2023-07-10T11:42:18Z\",\"eventSource\":"
	                            "\"iam.amazonaws.com\",\"eventName\":\"CreateUser\"}";
	if (iamw_engine_new(&e, NULL) != IAMW_OK)
		return 0;
	if (iamw_engine_load_rules(e, rules, sizeof rules - 1, NULL) != IAMW_OK ||
	    iamw_engine_ingest_text(e, event, sizeof event - 1, IAMW_NO_TIME) != 1 ||
	    iamw_engine_save_state(e, &before, &lb) != IAMW_OK)
		fail("merge set-up");
	rc = iamw_engine_merge_state(e, (const char *)data, size, &err);
	if (iamw_engine_save_state(e, &after, &la) != IAMW_OK)
		fail("save after merge");
	if (rc != IAMW_OK) {
		if (err.code != rc || !err.text[0])
			fail("merge error contract");
		if (la != lb || memcmp(before, after, la) != 0)
			fail("a rejected merge changed the engine");
	} else {
		iamw_engine *f;
		if (iamw_engine_new(&f, NULL) != IAMW_OK ||
		    iamw_engine_load_rules(f, rules, sizeof rules - 1, NULL) != IAMW_OK ||
		    iamw_engine_restore_state(f, after, la, NULL) != IAMW_OK)
			fail("merged state does not restore");
		/* bounded: the replay runs over the merged event time range, which a
		 * hostile state may make long; one day is plenty to exercise it */
		if (iamw_engine_latest_event_time(f) - iamw_engine_earliest_event_time(f) < 86400000)
			iamw_engine_replay_clock(f, 0);
		iamw_engine_free(f);
	}
	iamw_free(before);
	iamw_free(after);
	iamw_engine_free(e);
	return 0;
}
