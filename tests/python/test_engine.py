# SPDX-License-Identifier: MIT
"""Engine: rules, definitions, ingest, clock, notifications, callbacks, state."""

import json
import os
import unittest

import iamw_testutil as U
import iamwatch
from iamwatch import (AlarmState, Engine, IamwatchError, IngestReport, Notification,
                      PatternError, Status)

T0 = 1700000000000 - 1700000000000 % 60000
FILTER = {"filterName": "errors", "filterPattern": "ERROR",
          "metricTransformations": [{"metricName": "Errors", "metricNamespace": "App",
                                     "metricValue": "1"}]}
ALARM = {"AlarmName": "errors-alarm", "MetricName": "Errors", "Namespace": "App",
         "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 1,
         "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
         "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:topic"]}
COMPOSITE = {"AlarmName": "any", "AlarmRule": 'ALARM("errors-alarm")'}


def small_engine(**kw):
    e = Engine(**kw)
    e.put_metric_filter(FILTER)
    e.put_metric_alarm(json.dumps(ALARM))
    e.put_composite_alarm(json.dumps(COMPOSITE).encode())
    return e


class TestEngineBasics(unittest.TestCase):
    def test_definitions_and_queries(self):
        with small_engine(account_id="111122223333", region="eu-west-1") as e:
            self.assertEqual([f.name for f in e.filters()], ["errors"])
            self.assertEqual([a.name for a in e.alarms()], ["errors-alarm"])
            self.assertEqual([(c.name, c.composite) for c in e.composites()], [("any", True)])
            self.assertIs(e.alarm_state("errors-alarm"), AlarmState.INSUFFICIENT_DATA)
            with self.assertRaises(KeyError):
                e.alarm_state("missing")
            self.assertIsNone(e.clock)
            self.assertIsNone(e.latest_event_time)
            self.assertEqual(e.ingest("ERROR boom", T0 + 1000), 1)
            self.assertEqual(e.ingest(b"all fine", T0 + 2000), 0)
            self.assertEqual(e.latest_event_time, T0 + 2000)
            self.assertEqual(e.filters()[0].matches, 1)
            self.assertEqual(e.filters()[0].points, 1)
            self.assertEqual(e.stats.events, 2)
            self.assertEqual(e.aggregator.get("App", "Errors", "Sum", T0, 60000), 1.0)
            e.advance(T0 + 2000)
            self.assertEqual(e.clock, T0 + 2000)
            n = e.advance(T0 + 120000)
            self.assertGreaterEqual(n, 1)
            self.assertIs(e.alarm_state("errors-alarm"), AlarmState.ALARM)
            self.assertIs(e.alarm_state("any"), AlarmState.ALARM)
            notes = list(e.notifications())
            self.assertEqual(len(notes), n)
            self.assertEqual(list(e.notifications()), [])  # drained
            alarm = [x for x in notes if x.alarm_name == "errors-alarm" and
                     x.new_state is AlarmState.ALARM][0]
            self.assertIsInstance(alarm, Notification)
            self.assertFalse(alarm.is_composite)
            self.assertIs(alarm.old_state, AlarmState.INSUFFICIENT_DATA)
            self.assertTrue(alarm.actions_run)
            self.assertEqual(alarm.actions, ("arn:aws:sns:us-east-1:123456789012:topic",))
            sns = json.loads(alarm.sns)
            self.assertEqual(sns["AlarmName"], "errors-alarm")
            self.assertEqual(sns["NewStateValue"], "ALARM")
            self.assertEqual(sns["AWSAccountId"], "111122223333")
            self.assertEqual(json.loads(alarm.eventbridge)["detail-type"],
                             "CloudWatch Alarm State Change")
            self.assertIn("errors-alarm", alarm.text)
            self.assertIn("errors-alarm", alarm.sns_subject)
            self.assertTrue(alarm.lambda_payload)
            self.assertTrue(alarm.reason)
            self.assertIsNotNone(alarm.reason_data)
            self.assertTrue(any(x.is_composite for x in notes))
            self.assertEqual(str(AlarmState.ALARM), "ALARM")
            e.drain()
            self.assertIs(e.alarm_state("errors-alarm"), AlarmState.OK)

    def test_rules_inputs(self):
        doc = {"metricFilters": [FILTER], "metricAlarms": [ALARM], "compositeAlarms": [COMPOSITE]}
        for rules in (doc, json.dumps(doc), json.dumps(doc).encode(), [doc]):
            with Engine(rules) as e:
                self.assertEqual(len(e.alarms()), 1)
        with Engine() as e:
            e.load_rules_file(os.path.join(U.RULES_DIR, "iam-changes.json"))
            e.load_rules(U.rules("cis-7.0"))
            self.assertEqual(len(e.filters()), 3 + 15)

    def test_normalize_rules(self):
        src = os.path.join(U.ROOT, "tests", "data", "rules", "cis-cloudformation.json")
        exp = os.path.join(U.ROOT, "tests", "data", "rules", "cis-cloudformation.expected.json")
        if not os.path.exists(src):
            self.skipTest("no fixture")
        with open(src) as f, open(exp) as g:
            got = iamwatch.normalize_rules(f.read(), account_id="111122223333",
                                           region="eu-west-1")
            self.assertEqual(got, json.load(g))
        with self.assertRaises(IamwatchError) as cm:
            iamwatch.normalize_rules('{"a":')
        self.assertEqual(cm.exception.offset, 4)
        self.assertIn("^", cm.exception.caret())

    def test_definition_errors(self):
        with Engine() as e:
            with self.assertRaises(IamwatchError) as cm:
                e.put_metric_alarm({"AlarmName": "a"})
            self.assertEqual(cm.exception.code, Status.EVALIDATION)
            with self.assertRaises(PatternError) as cm:
                e.put_metric_filter(dict(FILTER, filterPattern="{ $.a = "))
            self.assertEqual(cm.exception.pattern, "{ $.a = ")
            self.assertEqual(cm.exception.offset, 8)
            with self.assertRaises(IamwatchError) as cm:
                e.load_rules('{"metricFilters": [}')
            self.assertEqual(cm.exception.code, Status.EJSON)
            self.assertEqual(cm.exception.source, "rules")
            self.assertEqual(cm.exception.offset, 19)
            self.assertTrue(cm.exception.caret().endswith("^"))
            # all or nothing
            with self.assertRaises(IamwatchError):
                e.load_rules({"metricFilters": [FILTER, dict(FILTER, filterName="x",
                                                             filterPattern="[")]})
            self.assertEqual(e.filters(), [])
            with self.assertRaises(IamwatchError) as cm:
                e.ingest('{"no": "time"}')
            self.assertEqual(cm.exception.code, Status.EJSON)

    def test_ingest_lines_report(self):
        with small_engine(time_source="caller") as e:
            # caller time source needs timestamps: NDJSON lines without eventTime are refused
            rep = e.ingest_lines(b"ERROR a\n\nfine\n", advance=False)
            self.assertIsInstance(rep, IngestReport)
            self.assertEqual(rep.lines, 3)
            self.assertEqual(rep.events + rep.errors, 2)
        with small_engine() as e:
            rep = e.ingest_lines(b'{"eventTime":"2023-01-01T00:00:00Z","m":"ERROR"}\nnot json\n')
            self.assertEqual(rep.events, 1)
            self.assertEqual(rep.errors, 1)
            self.assertEqual(rep.first_error_line, 1)
            self.assertIs(rep.first_error, Status.EJSON)
            self.assertEqual(rep.matches, 1)

    def test_time_source_validation(self):
        with self.assertRaises(ValueError):
            Engine(time_source="wall")

    def test_close(self):
        e = small_engine()
        agg = e.aggregator
        self.assertTrue(agg.read_only)
        with self.assertRaises(TypeError):
            agg.add("App", "Errors", T0, 1)
        with self.assertRaises(TypeError):
            agg.merge(iamwatch.Aggregator())
        with e:
            pass
        self.assertTrue(e.closed)
        with self.assertRaises(ValueError):
            agg.to_bytes()
        with self.assertRaises(ValueError):
            e.advance(T0)
        e.close()


class TestCallbacks(unittest.TestCase):
    def test_callback_and_queue(self):
        seen = []
        with small_engine(queue=False) as e:
            @e.on_notification
            def cb(n):
                seen.append(n.alarm_name)
            e.ingest("ERROR", T0)
            e.advance(T0)
            e.advance(T0 + 120000)
            self.assertIn("errors-alarm", seen)
            self.assertEqual(list(e.notifications()), [])
            e.on_notification(None)
            before = len(seen)
            e.drain()
            self.assertEqual(len(seen), before)

    def test_exception_reraised_after_advance(self):
        class Boom(Exception):
            pass

        calls = []
        with small_engine() as e:
            def cb(n):
                calls.append(n)
                raise Boom(n.alarm_name)
            e.on_notification(cb)
            e.ingest("ERROR", T0)
            e.advance(T0)
            with self.assertRaises(Boom):
                e.advance(T0 + 120000)
            # the C call completed: every notification was delivered and queued
            self.assertEqual(len(list(e.notifications())), len(calls))
            self.assertGreaterEqual(len(calls), 2)
            self.assertEqual(e.clock, T0 + 120000)
            with self.assertRaises(Boom):
                e.drain()
            e.on_notification(None)
            e.advance(T0 + 10 ** 9)  # no exception any more

    def test_exception_reraised_after_ingest_lines(self):
        with small_engine() as e:
            e.on_notification(lambda n: 1 / 0)
            lines = b"\n".join(json.dumps({"eventTime": "2023-01-01T00:%02d:00Z" % i,
                                           "m": "ERROR"}).encode() for i in range(5))
            with self.assertRaises(ZeroDivisionError):
                e.ingest_lines(lines, advance=True)

    def test_reentrant_call_is_busy(self):
        errors = []
        with small_engine() as e:
            def cb(n):
                try:
                    e.advance(T0 + 10 ** 7)
                except IamwatchError as x:
                    errors.append(x.code)
                try:
                    e.close()
                except IamwatchError as x:
                    errors.append(x.code)
            e.on_notification(cb)
            e.ingest("ERROR", T0)
            e.advance(T0)
            e.advance(T0 + 120000)
        self.assertIn(Status.EBUSY, errors)
        self.assertTrue(all(c == Status.EBUSY for c in errors))


@unittest.skipUnless(os.path.exists(U.INVICTUS), "no invictus corpus file")
class TestState(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rules = [U.rules("iam-changes"), U.rules("cis-7.0")]
        cls.lines = U.lines(U.read_corpus(U.INVICTUS))

    def run_split(self, cut):
        notes = []
        with Engine(self.rules) as a:
            a.ingest_lines(b"\n".join(self.lines[:cut]))
            notes += list(a.notifications())
            state = a.save_state()
        with Engine(self.rules) as b:
            b.load_state(state)
            self.assertEqual(b.save_state(), state)  # round trip
            b.ingest_lines(b"\n".join(self.lines[cut:]))
            b.drain()
            notes += list(b.notifications())
            return notes, b.save_state(), b.stats

    def test_split_run_equals_single_run(self):
        with Engine(self.rules) as e:
            e.ingest_lines(b"\n".join(self.lines))
            e.drain()
            single = list(e.notifications())
            single_state, single_stats = e.save_state(), e.stats
        self.assertTrue(single)
        for cut in (1, len(self.lines) // 3, len(self.lines) // 2, len(self.lines) - 1):
            with self.subTest(cut=cut):
                notes, state, stats = self.run_split(cut)
                self.assertEqual(notes, single)
                self.assertEqual(stats, single_stats)
                self.assertEqual(json.loads(state), json.loads(single_state))

    def test_load_state_errors(self):
        with Engine(self.rules) as e:
            with self.assertRaises(IamwatchError) as cm:
                e.load_state(b"garbage")
            self.assertEqual(cm.exception.code, Status.ESTATE)
            with Engine() as other:  # state for alarms this engine does not define
                other.load_rules(self.rules[0])
                with self.assertRaises(IamwatchError):
                    other.load_state(e.save_state())


if __name__ == "__main__":
    unittest.main()


class TestPacks(unittest.TestCase):
    """The built-in packs come from the library, inside any install."""

    def test_list_and_resolve(self):
        names = iamwatch.packs()
        self.assertIn("iam-changes", names)
        self.assertIn("cis@7.0", names)
        self.assertEqual(iamwatch.resolve_pack("cis"), "cis@7.0")
        self.assertIsNone(iamwatch.resolve_pack("cis@0.1"))
        doc = iamwatch.pack("cis@3.0")
        self.assertEqual(doc["version"], "3.0")
        self.assertTrue(doc["controls"])
        with self.assertRaises(KeyError):
            iamwatch.pack("nope")

    def test_engine_by_pack_name(self):
        with Engine(rules="iam-changes") as e:
            self.assertEqual(len(e.filters()), len(iamwatch.pack("iam-changes")["metricFilters"]))
        with Engine(rules=["iam-changes", "cis@3.0"]) as e:
            n = len(iamwatch.pack("iam-changes")["metricFilters"]) + \
                len(iamwatch.pack("cis@3.0")["metricFilters"])
            self.assertEqual(len(e.filters()), n)
        with Engine() as e:
            with self.assertRaises(iamwatch.IamwatchError) as cm:
                e.load_pack("cis@0.1")
            self.assertEqual(cm.exception.code, iamwatch.Status.ENOTFOUND)

    def test_engine_by_path(self):
        import pathlib
        path = pathlib.Path(U.RULES_DIR) / "iam-changes.json"
        with Engine(rules=path) as a, Engine(rules=str(path)) as b, Engine(rules="iam-changes") as c:
            self.assertEqual([f.name for f in a.filters()], [f.name for f in c.filters()])
            self.assertEqual([f.name for f in b.filters()], [f.name for f in c.filters()])


class TestLoadErrors(unittest.TestCase):
    """A rules load error names its file, definition and location."""

    def test_definition_named(self):
        doc = {"metricAlarms": [
            {"AlarmName": "fine", "MetricName": "m", "Namespace": "ns", "Statistic": "Sum",
             "Period": 300, "EvaluationPeriods": 1, "Threshold": 1,
             "ComparisonOperator": "GreaterThanThreshold"},
            {"AlarmName": "broken", "MetricName": "m", "Namespace": "ns", "Statistic": "Sum",
             "Period": 7, "EvaluationPeriods": 1, "Threshold": 1,
             "ComparisonOperator": "GreaterThanThreshold"}]}
        with Engine() as e:
            with self.assertRaises(IamwatchError) as cm:
                e.load_rules(doc, origin="alarms.json")
            exc = cm.exception
            self.assertEqual(exc.origin, "alarms.json")
            self.assertEqual(exc.definition.kind, "metricAlarm")
            self.assertEqual(exc.definition.name, "broken")
            self.assertEqual(exc.definition.path, "metricAlarms[1]")
            self.assertIn("alarms.json: metricAlarm 'broken' (metricAlarms[1])", str(exc))
            self.assertEqual(e.alarms(), [])  # all or nothing

    def test_file_origin_and_pattern_offset(self):
        import tempfile
        doc = {"metricFilters": [{"filterName": "f", "filterPattern": "{ $.a = }",
                                  "metricTransformations": [{"metricName": "m",
                                                             "metricNamespace": "ns",
                                                             "metricValue": "1"}]}]}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(doc, f)
        try:
            with Engine() as e, self.assertRaises(iamwatch.PatternError) as cm:
                e.load(f.name)
            self.assertEqual(cm.exception.origin, f.name)
            self.assertEqual(cm.exception.definition.path, "metricFilters[0]")
            self.assertEqual(cm.exception.offset, 8)
        finally:
            os.unlink(f.name)
