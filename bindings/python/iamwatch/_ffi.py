# SPDX-License-Identifier: MIT
"""Loading libiamwatch and declaring its functions (STYLE.md section 3.10).

Discovery order, first hit wins:

1. :func:`set_library_file` called before the first use;
2. the ``IAMWATCH_LIBRARY`` environment variable;
3. the bundled library: ``libiamwatch.so`` next to this file, which the wheel
   built at the repository root (``pip install .``, meson-python) carries;
4. ``ctypes.util.find_library("iamwatch")``;
5. the soname ``libiamwatch.so.0`` (the dynamic loader searches).

Every :class:`OSError` met on the way is collected into one
:class:`ImportError`. The library is loaded lazily, on the first call of
:func:`lib`, and its major version is checked against the binding's.

Every function of the public headers (``include/iamwatch.h`` and
``include/iamwatch/*.h``) is declared in :data:`FUNCTIONS`
as ``(name, argtypes, restype, errcheck)``; ``restype`` is set for every
function (the ctypes default ``int`` would truncate pointers).
"""

import ctypes
import ctypes.util
import enum
import os
import threading
from ctypes import (POINTER, c_char, c_char_p, c_double, c_int, c_int64, c_size_t, c_uint,
                    c_uint32, c_uint64, c_void_p)

from . import _types as T

#: The C API version this binding was written for (IAMW_VERSION_*).
BINDING_VERSION = (0, 1, 0)


class Status(enum.IntEnum):
    """``iamw_status``: the library's result codes (pinned values)."""

    OK = 0
    ENOMEM = -1
    EINVAL = -2
    ESYNTAX = -3
    ETOOLONG = -4
    EDEPTH = -5
    EWILDCARDS = -6
    ESELWILDCARD = -7
    EREGEX = -8
    EREGEXCOUNT = -9
    EUNSUPPORTED = -10
    EJSON = -11
    ENOTFOUND = -12
    EEXISTS = -13
    ESTATE = -14
    EBUSY = -15
    ELIMIT = -16
    EVALIDATION = -17


def _status(code):
    try:
        return Status(code)
    except ValueError:  # a code newer than this binding
        return code


class IamwatchError(Exception):
    """A libiamwatch call failed.

    Attributes:
        code: the :class:`Status` (a plain ``int`` for codes newer than the binding).
        name: the short stable name of the code (``"ESYNTAX"``).
        message: the library's message (``iamw_error.text``, or the
            ``iamw_strerror`` text when the call has no error details).
        offset: byte offset into :attr:`input` (or ``None``).
        length: bytes of the offending token (0 if unknown).
        source: which input the offset refers to (``"pattern"``, ``"rules"``,
            ``"alarm"``, ...; ``""`` when the call has no error details).
        input: the text the offset refers to, when the binding knows it.
    """

    def __init__(self, code, message=None, *, offset=None, length=0, source="", input=None,
                 function=None):
        self.code = _status(code)
        self.message = message or _strerror(code)
        self.offset = offset
        self.length = length
        self.source = source
        self.input = input
        self.function = function
        #: for rules loading: the origin (file name) the caller gave, or None
        self.origin = None
        #: for rules loading: the :class:`LoadLocation` of the failing definition, or None
        self.definition = None
        self._raw = None  # the iamw_error copy, for caret()
        super().__init__(self._describe())

    @property
    def name(self):
        return _status_name(int(self.code))

    def _describe(self):
        where = ""
        if self.source:
            where = self.source + (":%d" % self.offset if self.offset is not None else "") + ": "
        return "%s%s (%s)" % (where, self.message, _status_name(int(self.code)))

    def caret(self):
        """The ``iamw_error_format`` rendering: ``"<source>:<offset>: <text>"``
        then, when the offset applies and the input is known, the input line
        and a caret line under the offending bytes."""
        raw = self._raw
        if raw is None:
            raw = T.Error()
            raw.code = int(self.code)
            raw.offset = T.NO_OFFSET if self.offset is None else self.offset
            raw.length = self.length
            raw.source = self.source.encode()[:T.ERROR_SOURCE_LEN - 1]
            raw.text = self.message.encode()[:T.ERROR_TEXT_LEN - 1]
        return format_error(raw, self.input)


class LoadLocation(tuple):
    """Which definition of a rules document a load error concerns:
    ``kind`` (``"metricFilter"``, ``"metricAlarm"``, ``"compositeAlarm"``),
    ``name`` (filterName / AlarmName) and ``path`` (``"metricAlarms[2]"``,
    ``"Resources.<logical id>"``, a terraform address)."""

    __slots__ = ()

    def __new__(cls, kind, name, path):
        return tuple.__new__(cls, (kind, name, path))

    kind = property(lambda self: self[0])
    name = property(lambda self: self[1])
    path = property(lambda self: self[2])

    def __repr__(self):
        return "LoadLocation(kind=%r, name=%r, path=%r)" % tuple(self)


class PatternError(IamwatchError, ValueError):
    """A filter pattern did not compile (``ESYNTAX``, ``ETOOLONG``, ``EDEPTH``,
    ``EWILDCARDS``, ``ESELWILDCARD``, ``EREGEX``, ``EREGEXCOUNT``,
    ``EUNSUPPORTED``, ...). :attr:`offset`/:attr:`length` are byte offsets into
    :attr:`pattern` (``None`` when a rules document held the pattern and the
    binding cannot tell which one)."""

    @property
    def pattern(self):
        return self.input


def format_error(err, input_text=None):
    """Render an :class:`_types.Error` with ``iamw_error_format``."""
    L = lib()
    data = None
    if input_text is not None:
        data = input_text.encode() if isinstance(input_text, str) else bytes(input_text)
    n = L.iamw_error_format(ctypes.byref(err), data, len(data) if data is not None else 0, None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    L.iamw_error_format(ctypes.byref(err), data, len(data) if data is not None else 0, buf, n + 1)
    return buf.raw[:n].decode("utf-8", "replace")


def _strerror(code):
    try:
        return lib().iamw_strerror(int(code)).decode()
    except Exception:  # pragma: no cover - only while the library is unusable
        return "error %d" % code


def _status_name(code):
    try:
        return lib().iamw_status_name(int(code)).decode()
    except Exception:  # pragma: no cover
        return str(code)


# --------------------------------------------------------------- errcheck


def check_status(result, func, args):
    """errcheck: a negative return raises :class:`IamwatchError`."""
    if result < 0:
        raise IamwatchError(result, function=func.__name__)
    return result


#: For functions taking an iamw_error: which error source names the text in args[1].
_NATURAL_SOURCE = {
    "iamw_pattern_compile": ("pattern",),
    "iamw_metric_filter_from_json": ("metricFilter",),
    "iamw_engine_put_metric_filter": ("metricFilter",),
    "iamw_engine_put_metric_alarm": ("alarm",),
    "iamw_engine_put_composite_alarm": ("composite",),
    "iamw_engine_load_rules": ("rules",),
    "iamw_rules_normalize": ("rules",),
    "iamw_aggregator_restore": ("aggregator", "state", ""),
    "iamw_engine_restore_state": ("state", ""),
    "iamw_engine_merge_state": ("state", ""),
    "iamw_engine_load_rules_from": ("rules",),
    "iamw_coverage_add_rules": ("rules",),
}


def _pattern_inside(doc):
    """The filterPattern of a single PutMetricFilter body (for error carets)."""
    import json
    try:
        obj = json.loads(doc)
    except ValueError:
        return None
    if isinstance(obj, dict) and isinstance(obj.get("filterPattern"), str):
        return obj["filterPattern"]
    return None


def error_from_struct(err, func_name, text):
    """Build the exception for a filled iamw_error; text is the bytes parsed."""
    code = err.code if err.code < 0 else Status.EINVAL
    source = err.source.decode("utf-8", "replace")
    message = err.text.decode("utf-8", "replace")
    offset = None if err.offset == T.NO_OFFSET else err.offset
    input_text = None
    if text is not None:
        decoded = bytes(text).decode("utf-8", "replace")
        if source in _NATURAL_SOURCE.get(func_name, ()):
            input_text = decoded
        elif source == "pattern" and func_name in ("iamw_metric_filter_from_json",
                                                   "iamw_engine_put_metric_filter"):
            input_text = _pattern_inside(decoded)
    cls = PatternError if source == "pattern" or func_name == "iamw_pattern_compile" else IamwatchError
    exc = cls(code, message, offset=offset, length=err.length, source=source, input=input_text,
              function=func_name)
    raw = T.Error()
    ctypes.memmove(ctypes.byref(raw), ctypes.byref(err), ctypes.sizeof(T.Error))
    exc._raw = raw
    return exc


def _arg_obj(a):
    """The ctypes object behind a byref()/pointer() argument."""
    obj = getattr(a, "_obj", None)  # byref() gives a CArgObject with _obj
    if obj is not None:
        return obj
    if isinstance(a, ctypes._Pointer):
        return a.contents if a else None
    return a


def check_error(result, func, args):
    """errcheck for functions whose last argument is ``iamw_error *err``."""
    if result < 0:
        err = _arg_obj(args[-1])
        if err is None or not isinstance(err, T.Error):
            raise IamwatchError(result, function=func.__name__)
        text = args[0] if func.__name__ == "iamw_rules_normalize" else args[1]
        raise error_from_struct(err, func.__name__, text)
    return result


def check_load_error(result, func, args):
    """errcheck for iamw_engine_load_rules_from: the exception names the
    definition that failed (:attr:`IamwatchError.definition`)."""
    if result < 0:
        le = _arg_obj(args[-1])
        if le is None or not isinstance(le, T.LoadError):
            raise IamwatchError(result, function=func.__name__)
        exc = error_from_struct(le.error, func.__name__, args[1])
        exc.origin = le.origin.decode("utf-8", "replace") or None
        kind = le.kind.decode("utf-8", "replace")
        exc.definition = LoadLocation(kind, le.name.decode("utf-8", "replace"),
                                      le.path.decode("utf-8", "replace")) if kind else None
        n = lib().iamw_load_error_format(ctypes.byref(le), None, 0)
        buf = ctypes.create_string_buffer(n + 1)
        lib().iamw_load_error_format(ctypes.byref(le), buf, n + 1)
        exc.args = (buf.raw[:n].decode("utf-8", "replace"),)
        raise exc
    return result


# --------------------------------------------------------------- function table

_S = POINTER(c_size_t)
_OUTBUF = POINTER(c_void_p)
_P, _M, _F, _A, _E, _N = T.PatternP, T.MatchP, T.MetricFilterP, T.AggregatorP, T.EngineP, T.NotificationP
_K, _C = T.KnowledgeP, T.CoverageP
_D = T.DecoderP
_ERR = POINTER(T.Error)
_DIMS = POINTER(T.Dimension)

FUNCTIONS = [
    # version and memory
    ("iamw_version", [], c_uint, None),
    ("iamw_version_string", [], c_char_p, None),
    ("iamw_free", [c_void_p], None, None),
    # errors
    ("iamw_strerror", [c_int], c_char_p, None),
    ("iamw_status_name", [c_int], c_char_p, None),
    ("iamw_error_format", [_ERR, c_char_p, c_size_t, POINTER(c_char), c_size_t], c_size_t, None),
    # patterns
    ("iamw_pattern_compile", [POINTER(_P), c_char_p, c_size_t, c_uint32, _ERR], c_int, check_error),
    ("iamw_pattern_free", [_P], None, None),
    ("iamw_pattern_kind_of", [_P], c_int, None),
    ("iamw_pattern_source", [_P], c_char_p, None),
    ("iamw_pattern_dump", [_P, _OUTBUF, _S], c_int, check_status),
    ("iamw_pattern_canonical", [_P, _OUTBUF, _S], c_int, check_status),
    ("iamw_pattern_regex_count", [_P], c_uint, None),
    ("iamw_pattern_wildcard_selector_count", [_P], c_uint, None),
    ("iamw_pattern_foreach_condition", [_P, T.CONDITION_CB, c_void_p], c_int, None),
    ("iamw_pattern_scan_lines", [_P, c_char_p, c_size_t, _M, _S, c_size_t, _S, _S], c_int,
     check_status),
    ("iamw_match_new", [POINTER(_M)], c_int, check_status),
    ("iamw_match_free", [_M], None, None),
    ("iamw_match_set_max_event_size", [_M, c_size_t], c_int, check_status),
    ("iamw_pattern_match_text", [_P, c_char_p, c_size_t, _M], c_int, check_status),
    # struct cJSON * cannot be built from Python; declared for completeness.
    ("iamw_pattern_match_json", [_P, c_void_p, c_char_p, c_size_t, _M], c_int, check_status),
    ("iamw_match_value_count", [_M], c_size_t, None),
    ("iamw_match_value", [_M, c_size_t, POINTER(c_char_p), POINTER(c_void_p), _S], c_int, None),
    ("iamw_match_get", [_M, c_char_p, POINTER(c_void_p), _S], c_int, None),
    ("iamw_match_render_test_record", [_M, c_uint64, c_char_p, c_size_t, _OUTBUF, _S], c_int,
     check_status),
    # metric filters
    ("iamw_metric_filter_from_json", [POINTER(_F), c_char_p, c_size_t, _ERR], c_int, check_error),
    ("iamw_metric_filter_free", [_F], None, None),
    ("iamw_metric_filter_name", [_F], c_char_p, None),
    ("iamw_metric_filter_pattern", [_F], _P, None),
    ("iamw_metric_filter_metric_name", [_F], c_char_p, None),
    ("iamw_metric_filter_metric_namespace", [_F], c_char_p, None),
    # aggregation
    ("iamw_aggregator_new", [POINTER(_A), c_int64, c_size_t], c_int, check_status),
    ("iamw_aggregator_free", [_A], None, None),
    ("iamw_aggregator_add", [_A, c_char_p, c_char_p, _DIMS, c_size_t, c_char_p, c_int64, c_double],
     c_int, None),  # checked by the caller: IAMW_ELIMIT is not an exception
    ("iamw_aggregator_get", [_A, c_char_p, c_char_p, _DIMS, c_size_t, c_char_p, c_int64, c_int64,
                             c_char_p, POINTER(c_double), POINTER(c_double)], c_int, check_status),
    ("iamw_aggregator_merge", [_A, _A], c_int, check_status),
    ("iamw_aggregator_prune", [_A, c_int64], None, None),
    ("iamw_aggregator_overflow", [_A], c_uint64, None),
    ("iamw_aggregator_save", [_A, _OUTBUF, _S], c_int, check_status),
    ("iamw_aggregator_restore", [POINTER(_A), c_char_p, c_size_t, _ERR], c_int, check_error),
    # engine
    ("iamw_engine_options_init", [POINTER(T.EngineOptions), c_uint], c_int, check_status),
    ("iamw_engine_new", [POINTER(_E), POINTER(T.EngineOptions)], c_int, check_status),
    ("iamw_engine_free", [_E], None, None),
    ("iamw_engine_load_rules", [_E, c_char_p, c_size_t, _ERR], c_int, check_error),
    ("iamw_engine_load_pack", [_E, c_char_p, _ERR], c_int, check_error),
    ("iamw_engine_load_rules_from", [_E, c_char_p, c_size_t, c_char_p, POINTER(T.LoadError)],
     c_int, check_load_error),
    ("iamw_load_error_format", [POINTER(T.LoadError), POINTER(c_char), c_size_t], c_size_t, None),
    ("iamw_rules_normalize", [c_char_p, c_size_t, c_char_p, c_char_p, _OUTBUF, _S, _ERR], c_int,
     check_error),
    ("iamw_engine_put_metric_filter", [_E, c_char_p, c_size_t, _ERR], c_int, check_error),
    ("iamw_engine_put_metric_alarm", [_E, c_char_p, c_size_t, _ERR], c_int, check_error),
    ("iamw_engine_put_composite_alarm", [_E, c_char_p, c_size_t, _ERR], c_int, check_error),
    ("iamw_engine_set_notify_cb", [_E, T.NOTIFY_CB, c_void_p], c_int, check_status),
    ("iamw_engine_ingest_text", [_E, c_char_p, c_size_t, c_int64], c_int, check_status),
    ("iamw_engine_ingest_json", [_E, c_void_p, c_char_p, c_size_t, c_int64], c_int, check_status),
    ("iamw_engine_ingest_lines", [_E, c_char_p, c_size_t, c_uint32, POINTER(T.IngestReport)], c_int,
     check_status),
    ("iamw_engine_advance", [_E, c_int64], c_int, check_status),
    ("iamw_engine_drain", [_E], c_int, check_status),
    ("iamw_engine_replay_clock", [_E, c_uint32], c_int, check_status),
    ("iamw_engine_clock", [_E], c_int64, None),
    ("iamw_engine_latest_event_time", [_E], c_int64, None),
    ("iamw_engine_earliest_event_time", [_E], c_int64, None),
    ("iamw_engine_merge_aggregator", [_E, _A], c_int, check_status),
    ("iamw_engine_merge_state", [_E, c_char_p, c_size_t, _ERR], c_int, check_error),
    ("iamw_engine_alarm_state", [_E, c_char_p, POINTER(c_int)], c_int, None),
    ("iamw_engine_filter_count", [_E], c_size_t, None),
    ("iamw_engine_filter_name", [_E, c_size_t], c_char_p, None),
    ("iamw_engine_filter_counts", [_E, c_size_t, POINTER(c_uint64), POINTER(c_uint64),
                                   POINTER(c_uint64)], c_int, None),
    ("iamw_engine_alarm_count", [_E], c_size_t, None),
    ("iamw_engine_alarm_name", [_E, c_size_t], c_char_p, None),
    ("iamw_engine_composite_count", [_E], c_size_t, None),
    ("iamw_engine_composite_name", [_E, c_size_t], c_char_p, None),
    ("iamw_engine_get_stats", [_E, POINTER(T.EngineStats)], c_int, check_status),
    ("iamw_engine_aggregator", [_E], _A, None),
    ("iamw_engine_save_state", [_E, _OUTBUF, _S], c_int, check_status),
    ("iamw_engine_restore_state", [_E, c_char_p, c_size_t, _ERR], c_int, check_error),
    # notifications
    ("iamw_notification_alarm_name", [_N], c_char_p, None),
    ("iamw_notification_is_composite", [_N], c_int, None),
    ("iamw_notification_old_state", [_N], c_int, None),
    ("iamw_notification_new_state", [_N], c_int, None),
    ("iamw_notification_time", [_N], c_int64, None),
    ("iamw_notification_reason", [_N], c_char_p, None),
    ("iamw_notification_reason_data", [_N], c_char_p, None),
    ("iamw_notification_actions_run", [_N], c_int, None),
    ("iamw_notification_action_count", [_N], c_size_t, None),
    ("iamw_notification_action", [_N, c_size_t], c_char_p, None),
    ("iamw_notification_render", [_N, c_int, _OUTBUF, _S], c_int, check_status),
    ("iamw_alarm_state_name", [c_int], c_char_p, None),
    # CloudTrail records (the decoder), replayed through an engine. The feed
    # calls return what a callback stopped with (> 0): checked by the caller.
    ("iamw_decoder_options_init", [POINTER(T.DecoderOptions), c_uint], c_int, check_status),
    ("iamw_decoder_new", [POINTER(_D), POINTER(T.DecoderOptions)], c_int, check_status),
    ("iamw_decoder_free", [_D], None, None),
    ("iamw_decoder_set_callbacks", [_D, T.RECORD_CB, T.PROBLEM_CB, c_void_p], c_int, check_status),
    ("iamw_decoder_feed", [_D, c_char_p, c_size_t], c_int, check_status),
    ("iamw_decoder_finish", [_D], c_int, check_status),
    ("iamw_decoder_fail", [_D, c_char_p], c_int, check_status),
    ("iamw_decoder_get_stats", [_D, POINTER(T.DecoderStats)], c_int, check_status),
    # a C record callback, passed by address to iamw_decoder_set_callbacks
    ("iamw_pattern_count_record", [POINTER(T.Record), c_void_p], c_int, None),
    ("iamw_engine_ingest_record", [_E, POINTER(T.Record), c_uint32], c_int, check_status),
    ("iamw_engine_ingest_bytes", [_E, _D, c_char_p, c_size_t, c_uint32, POINTER(T.ReplayReport)],
     c_int, check_status),
    ("iamw_engine_ingest_finish", [_E, _D, c_uint32, c_char_p, POINTER(T.ReplayReport)], c_int,
     check_status),
    # built-in rule packs
    ("iamw_pack_count", [], c_size_t, None),
    ("iamw_pack_name", [c_size_t], c_char_p, None),
    ("iamw_pack_resolve", [c_char_p], c_char_p, None),
    ("iamw_pack_get", [c_char_p, POINTER(c_void_p), _S], c_int, None),
    # CloudTrail knowledge and lint
    ("iamw_knowledge_new", [POINTER(_K)], c_int, check_status),
    ("iamw_knowledge_free", [_K], None, None),
    ("iamw_knowledge_event_known", [_K, c_char_p, c_char_p], c_int, check_status),
    ("iamw_lint_severity_name", [c_int], c_char_p, None),
    ("iamw_lint_options_init", [POINTER(T.LintOptions), c_uint], c_int, check_status),
    # the callbacks' own exceptions are re-raised by the caller (analysis.py)
    ("iamw_lint_pattern", [_K, c_char_p, c_size_t, POINTER(T.LintOptions), _ERR], c_int, None),
    ("iamw_lint_rules", [_K, c_char_p, c_size_t, POINTER(T.LintOptions), _ERR], c_int, None),
    # CIS coverage
    ("iamw_coverage_status_name", [c_int], c_char_p, None),
    ("iamw_coverage_new", [POINTER(_C), c_char_p, _ERR], c_int, check_error),
    ("iamw_coverage_free", [_C], None, None),
    ("iamw_coverage_add_rules", [_C, c_char_p, c_size_t, c_char_p, _ERR], c_int, check_error),
    ("iamw_coverage_run", [_C], c_int, check_status),
    ("iamw_coverage_benchmark", [_C], c_char_p, None),
    ("iamw_coverage_benchmark_version", [_C], c_char_p, None),
    ("iamw_coverage_rules_count", [_C], c_size_t, None),
    ("iamw_coverage_rules_origin", [_C, c_size_t], c_char_p, None),
    ("iamw_coverage_control_count", [_C], c_size_t, None),
    ("iamw_coverage_control_at", [_C, c_size_t], POINTER(T.CoverageControl), None),
    ("iamw_coverage_json", [_C, _OUTBUF, _S], c_int, check_status),
]

# --------------------------------------------------------------- loading

_lock = threading.Lock()
_library_file = None
_lib = None


def set_library_file(path):
    """Use the library at ``path``. Must be called before the first use."""
    global _library_file
    with _lock:
        if _lib is not None:
            raise RuntimeError("libiamwatch is already loaded; call set_library_file() "
                               "before the first use of iamwatch")
        _library_file = os.fspath(path)


#: The library a wheel installs inside the package (libiamwatch/meson.build, -Dpython=true).
BUNDLED_LIBRARY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libiamwatch.so")


def _candidates():
    if _library_file is not None:
        yield "set_library_file()", _library_file
    env = os.environ.get("IAMWATCH_LIBRARY")
    if env:
        yield "IAMWATCH_LIBRARY", env
    if os.path.exists(BUNDLED_LIBRARY):  # absent from the package over a system library
        yield "bundled", BUNDLED_LIBRARY
    found = ctypes.util.find_library("iamwatch")
    if found:
        yield 'find_library("iamwatch")', found
    yield "soname", "libiamwatch.so.0"


def _register(cdll):
    for name, argtypes, restype, errcheck in FUNCTIONS:
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            raise ImportError("%s: symbol %s not found: the iamwatch bindings are newer than "
                              "this libiamwatch" % (cdll._name, name)) from None
        fn.argtypes = argtypes
        fn.restype = restype
        if errcheck is not None:
            fn.errcheck = errcheck


def _check_version(cdll):
    v = cdll.iamw_version()
    major, minor = (v >> 16) & 0xFF, (v >> 8) & 0xFF
    if major != BINDING_VERSION[0] or (major == 0 and minor < BINDING_VERSION[1]):
        raise ImportError("%s is libiamwatch %d.%d.%d; these bindings need %d.%d or a later "
                          "compatible version" % (cdll._name, major, minor, v & 0xFF,
                                                  BINDING_VERSION[0], BINDING_VERSION[1]))


def load():
    """Load and check the library (idempotent); returns the ``ctypes.CDLL``."""
    global _lib
    with _lock:
        if _lib is not None:
            return _lib
        errors = []
        for how, path in _candidates():
            try:
                cdll = ctypes.CDLL(path)
            except OSError as e:
                errors.append("%s (%s): %s" % (path, how, e))
                continue
            _register(cdll)
            _check_version(cdll)
            _lib = cdll
            return _lib
        raise ImportError("libiamwatch not found; tried:\n  " + "\n  ".join(errors) +
                          "\nSet IAMWATCH_LIBRARY or call iamwatch.set_library_file().")


def lib():
    """The loaded library (loads it on first use)."""
    return _lib if _lib is not None else load()


def take_buffer(ptr, n):
    """Copy a library-allocated buffer and release it with ``iamw_free``."""
    try:
        return ctypes.string_at(ptr.value, n) if ptr.value else b""
    finally:
        if ptr.value:
            lib().iamw_free(ptr)
