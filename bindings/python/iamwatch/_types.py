# SPDX-License-Identifier: MIT
"""ctypes mirrors of the public structs and opaque handles of include/iamwatch.h.

Every Structure here must match the C declaration field for field; C enums
are declared as ``c_int`` (their storage on every ABI the library targets).
"""

import ctypes
from ctypes import c_char, c_char_p, c_int, c_int64, c_size_t, c_uint, c_uint32, c_uint64, c_void_p

#: IAMW_NUL_TERMINATED / IAMW_NO_OFFSET: (size_t)-1
SIZE_MAX = ctypes.c_size_t(-1).value
NUL_TERMINATED = SIZE_MAX
NO_OFFSET = SIZE_MAX
#: IAMW_NO_TIME: INT64_MIN
NO_TIME = -(2 ** 63)

ERROR_TEXT_LEN = 160
ERROR_SOURCE_LEN = 64
ENGINE_OPTIONS_VERSION = 2
DECODER_OPTIONS_VERSION = 1

# --------------------------------------------------------------- opaque handles


class Pattern_(ctypes.Structure):
    """struct iamw_pattern (opaque)."""


class Match_(ctypes.Structure):
    """struct iamw_match (opaque)."""


class MetricFilter_(ctypes.Structure):
    """struct iamw_metric_filter (opaque)."""


class Aggregator_(ctypes.Structure):
    """struct iamw_aggregator (opaque)."""


class Engine_(ctypes.Structure):
    """struct iamw_engine (opaque)."""


class Notification_(ctypes.Structure):
    """struct iamw_notification (opaque; valid only during the callback)."""


class Knowledge_(ctypes.Structure):
    """struct iamw_knowledge (opaque)."""


class Coverage_(ctypes.Structure):
    """struct iamw_coverage (opaque)."""
class Decoder_(ctypes.Structure):
    """struct iamw_decoder (opaque)."""


PatternP = ctypes.POINTER(Pattern_)
MatchP = ctypes.POINTER(Match_)
MetricFilterP = ctypes.POINTER(MetricFilter_)
AggregatorP = ctypes.POINTER(Aggregator_)
EngineP = ctypes.POINTER(Engine_)
NotificationP = ctypes.POINTER(Notification_)
KnowledgeP = ctypes.POINTER(Knowledge_)
CoverageP = ctypes.POINTER(Coverage_)
DecoderP = ctypes.POINTER(Decoder_)

# --------------------------------------------------------------- public structs


class Error(ctypes.Structure):
    """struct iamw_error."""

    _fields_ = [
        ("code", c_int),
        ("offset", c_size_t),
        ("length", c_size_t),
        ("source", c_char * ERROR_SOURCE_LEN),
        ("text", c_char * ERROR_TEXT_LEN),
    ]


#: IAMW_LOAD_ERROR_FIELD_LEN
LOAD_ERROR_FIELD_LEN = 256


class LoadError(ctypes.Structure):
    """struct iamw_load_error."""

    _fields_ = [
        ("error", Error),
        ("origin", c_char * LOAD_ERROR_FIELD_LEN),
        ("kind", c_char * 32),
        ("name", c_char * LOAD_ERROR_FIELD_LEN),
        ("path", c_char * LOAD_ERROR_FIELD_LEN),
    ]


class Condition(ctypes.Structure):
    """struct iamw_condition."""

    _fields_ = [
        ("field", c_char_p),
        ("op", c_int),
        ("value_kind", c_int),
        ("value", c_char_p),
        ("leading_wildcard", c_int),
        ("trailing_wildcard", c_int),
        ("offset", c_size_t),
        ("length", c_size_t),
        ("depth", c_uint),
    ]


class EngineOptions(ctypes.Structure):
    """struct iamw_engine_options."""

    _fields_ = [
        ("version", c_uint),
        ("account_id", c_char_p),
        ("region", c_char_p),
        ("time_source", c_int),
        ("evaluation_range", c_uint),
        ("storage_period_ms", c_int64),
        ("max_dimension_sets", c_size_t),
        ("flags", c_uint32),
        # version 2
        ("replay_delay_ms", c_int64),
    ]


class EngineStats(ctypes.Structure):
    """struct iamw_engine_stats."""

    _fields_ = [
        ("events", c_uint64),
        ("not_json", c_uint64),
        ("untimed", c_uint64),
        ("late", c_uint64),
        ("notifications", c_uint64),
    ]


class IngestReport(ctypes.Structure):
    """struct iamw_ingest_report."""

    _fields_ = [
        ("lines", c_size_t),
        ("events", c_size_t),
        ("errors", c_size_t),
        ("first_error_line", c_size_t),
        ("first_error", c_int),
        ("matches", c_size_t),
        ("notifications", c_size_t),
    ]


class Record(ctypes.Structure):
    """struct iamw_record (valid only during the record callback)."""

    _fields_ = [
        ("json", c_void_p),  # not NUL-terminated: read with string_at(json, len)
        ("len", c_size_t),
        ("line", c_uint64),
        ("index", c_uint64),
        ("offset", c_uint64),
        ("log_timestamp_ms", c_int64),
        ("container", c_int),
        ("flags", c_uint32),
    ]


class RecordProblem(ctypes.Structure):
    """struct iamw_record_problem (valid only during the problem callback)."""

    _fields_ = [
        ("code", c_int),
        ("fatal", c_int),
        ("line", c_uint64),
        ("column", c_uint64),
        ("offset", c_uint64),
        ("message", c_char_p),
        ("record", ctypes.POINTER(Record)),
    ]


class DecoderOptions(ctypes.Structure):
    """struct iamw_decoder_options."""

    _fields_ = [("version", c_uint), ("max_bytes", c_size_t)]


class DecoderStats(ctypes.Structure):
    """struct iamw_decoder_stats."""

    _fields_ = [
        ("streams", c_uint64),
        ("bytes", c_uint64),
        ("records", c_uint64),
        ("problems", c_uint64),
    ]


class RecordMatches(ctypes.Structure):
    """struct iamw_record_matches (the payload of iamw_pattern_count_record)."""

    _fields_ = [
        ("pattern", PatternP),
        ("match", MatchP),
        ("records", c_uint64),
        ("matched", c_uint64),
        ("too_large", c_uint64),
    ]


class ReplayReport(ctypes.Structure):
    """struct iamw_replay_report."""

    _fields_ = [
        ("records", c_uint64),
        ("events", c_uint64),
        ("refused", c_uint64),
        ("problems", c_uint64),
        ("fatal", c_uint64),
        ("matches", c_uint64),
        ("notifications", c_uint64),
        ("first_code", c_int),
        ("first_fatal", c_int),
        ("first_line", c_uint64),
        ("first_column", c_uint64),
        ("first_message", c_char * ERROR_TEXT_LEN),
    ]


class Dimension(ctypes.Structure):
    """struct iamw_dimension (strings borrowed for the call)."""

    _fields_ = [("name", c_char_p), ("value", c_char_p)]


#: iamw_condition_cb: int (*)(const iamw_condition *, void *)
CONDITION_CB = ctypes.CFUNCTYPE(c_int, ctypes.POINTER(Condition), ctypes.c_void_p)
#: iamw_notify_cb: void (*)(const iamw_notification *, void *)
NOTIFY_CB = ctypes.CFUNCTYPE(None, NotificationP, ctypes.c_void_p)


# --------------------------------------------------------------- lint

LINT_OPTIONS_VERSION = 1
#: IAMW_LINT_NO_PATTERN: (size_t)-1
LINT_NO_PATTERN = SIZE_MAX


class LintTarget(ctypes.Structure):
    """struct iamw_lint_target."""

    _fields_ = [
        ("index", c_size_t),
        ("pattern", c_char_p),
        ("pattern_len", c_size_t),
        ("filter", c_char_p),
        ("location", c_char_p),
        ("log_group", c_char_p),
        ("origin", c_char_p),
    ]


class LintFinding(ctypes.Structure):
    """struct iamw_lint_finding."""

    _fields_ = [
        ("code", c_char_p),
        ("severity", c_int),
        ("status", c_int),
        ("index", c_size_t),
        ("offset", c_size_t),
        ("length", c_size_t),
        ("pattern", ctypes.c_void_p),  # may hold NUL bytes: read pattern_len bytes
        ("pattern_len", c_size_t),
        ("filter", c_char_p),
        ("location", c_char_p),
        ("origin", c_char_p),
        ("message", c_char_p),
        ("suggestion", c_char_p),
    ]


#: iamw_lint_finding_cb: int (*)(const iamw_lint_finding *, void *)
LINT_FINDING_CB = ctypes.CFUNCTYPE(c_int, ctypes.POINTER(LintFinding), ctypes.c_void_p)
#: iamw_lint_target_cb: int (*)(const iamw_lint_target *, void *)
LINT_TARGET_CB = ctypes.CFUNCTYPE(c_int, ctypes.POINTER(LintTarget), ctypes.c_void_p)


class LintOptions(ctypes.Structure):
    """struct iamw_lint_options."""

    _fields_ = [
        ("version", c_uint),
        ("origin", c_char_p),
        ("on_finding", LINT_FINDING_CB),
        ("on_target", LINT_TARGET_CB),
        ("payload", ctypes.c_void_p),
        ("account_id", c_char_p),
        ("region", c_char_p),
    ]


# --------------------------------------------------------------- coverage


class CoverageControl(ctypes.Structure):
    """struct iamw_coverage_control (borrowed from the coverage object)."""

    _fields_ = [
        ("id", c_char_p),
        ("title", c_char_p),
        ("status", c_int),
        ("filter", c_char_p),
        ("filter_origin", c_char_p),
        ("alarm", c_char_p),
        ("alarm_origin", c_char_p),
        ("reasons", ctypes.POINTER(c_char_p)),
        ("n_reasons", c_size_t),
        ("notes", ctypes.POINTER(c_char_p)),
        ("n_notes", c_size_t),
        ("witnesses", ctypes.POINTER(c_char_p)),
        ("n_witnesses", c_size_t),
        ("records", c_size_t),
        ("exhaustive", c_int),
    ]
#: iamw_record_cb: int (*)(const iamw_record *, void *)
RECORD_CB = ctypes.CFUNCTYPE(c_int, ctypes.POINTER(Record), ctypes.c_void_p)
#: iamw_problem_cb: int (*)(const iamw_record_problem *, void *)
PROBLEM_CB = ctypes.CFUNCTYPE(c_int, ctypes.POINTER(RecordProblem), ctypes.c_void_p)
