# SPDX-License-Identifier: MIT
"""Python bindings for libiamwatch (pure ctypes, no compiled extension).

libiamwatch evaluates Amazon CloudWatch Logs metric filter patterns, metric
filters, metric alarms and composite alarms offline. This package wraps the
whole public C API (``include/iamwatch.h``):

* :class:`Pattern` - a compiled filter pattern (immutable, share across threads),
  with :meth:`Pattern.matches`, :meth:`Pattern.test` (TestMetricFilter output)
  and batch calls that cross into C once per buffer
  (:meth:`Pattern.count_lines`, :meth:`Pattern.filter_lines`,
  :meth:`Pattern.count_file`, :meth:`Pattern.filter_file`);
* :class:`Match` - per-thread match scratch holding the extracted values;
* :class:`MetricFilter` - a PutMetricFilter definition;
* :class:`Aggregator` - mergeable, serialisable metric store;
* :class:`Engine` - metric filters -> metrics -> alarms -> :class:`Notification`;
* :func:`read_records` - the CloudTrail records of a file, bytes or stream in
  any layout (S3 delivery files, NDJSON, CloudWatch Logs, EventBridge), gzip
  or not (:mod:`iamwatch.records`).

Errors: :class:`PatternError` (a ``ValueError``) for patterns that do not
compile, :class:`IamwatchError` for every other failure; both carry
``code`` (:class:`Status`), ``name``, ``message``, ``offset``, ``length`` and
``caret()``.

Ownership: every owning object has ``close()`` and is a context manager; a
``__del__`` frees it otherwise. Buffers the library allocates are copied into
``bytes``/``str`` and released with ``iamw_free`` at once.

Times are milliseconds since the Unix epoch (``int``).
"""

import ctypes
import dataclasses
import enum
import gzip
import json
import os
import threading
import weakref
from collections import deque
from ctypes import byref, c_double, c_int, c_size_t, c_uint64, c_void_p
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, Union

from . import _types as _T
from . import records as _records
from ._ffi import (BINDING_VERSION, IamwatchError, PatternError, Status, lib as _lib,
                   set_library_file, take_buffer as _take)
from .analysis import (Knowledge, Severity, Finding, lint, CoverageStatus, ControlResult,
                       CoverageReport, Coverage, check)
from .records import (Container, Decoder, DecoderStats, Problem, Record, RecordError,
                      RecordReader, RecordWarning, ReplayReport, read_records)

__all__ = [
    "version", "version_info", "set_library_file", "strerror", "status_name", "normalize_rules",
    "Status", "IamwatchError", "PatternError",
    "PatternKind", "ConditionOp", "ValueKind", "Condition", "Pattern", "Match",
    "MetricFilter", "Aggregator",
    "AlarmState", "TimeSource", "RenderFormat", "Engine", "EngineStats", "IngestReport",
    "FilterInfo", "AlarmInfo", "Notification",
    "NO_TIME", "DEFAULT_MAX_EVENT_SIZE",
    "packs", "pack", "pack_text", "resolve_pack",
    "Knowledge", "Severity", "Finding", "lint",
    "CoverageStatus", "ControlResult", "CoverageReport", "Coverage", "check",
    "read_records", "RecordReader", "Record", "Problem", "Container", "RecordWarning",
    "RecordError", "Decoder", "DecoderStats", "ReplayReport",
]

__version__ = "%d.%d.%d" % BINDING_VERSION

#: IAMW_NO_TIME (INT64_MIN); the Python API uses ``None`` instead.
NO_TIME = _T.NO_TIME
#: IAMW_DEFAULT_MAX_EVENT_SIZE: the largest event matched by default (1 MB).
DEFAULT_MAX_EVENT_SIZE = 1048576

Event = Union[str, bytes, bytearray, memoryview, Dict[str, Any]]
JsonInput = Union[str, bytes, bytearray, Dict[str, Any], List[Any]]

# =================================================================== helpers


def version() -> str:
    """The loaded library's version string (``iamw_version_string``), e.g. ``"0.1.0"``.

    Loading the library checks that its major version matches the bindings'
    (:data:`iamwatch._ffi.BINDING_VERSION`); a mismatch raises ``ImportError``.
    """
    return _lib().iamw_version_string().decode()


def version_info() -> Tuple[int, int, int]:
    """The loaded library's version (``iamw_version``) as ``(major, minor, patch)``."""
    v = _lib().iamw_version()
    return ((v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF)


def strerror(code: int) -> str:
    """Static English text for a status code (``iamw_strerror``)."""
    return _lib().iamw_strerror(int(code)).decode()


def status_name(code: int) -> str:
    """Short stable name of a status code (``iamw_status_name``), e.g. ``"ESYNTAX"``."""
    return _lib().iamw_status_name(int(code)).decode()


def normalize_rules(rules: "JsonInput", *, account_id: Optional[str] = None,
                    region: Optional[str] = None) -> Dict[str, Any]:
    """Convert a rules file (rules document, CloudFormation template in JSON or
    ``terraform show -json`` output) into a rules document
    (``iamw_rules_normalize``), resolving the CloudFormation intrinsics that can
    be resolved offline (Ref, Fn::Sub, Fn::GetAtt, Fn::Join, parameter defaults,
    pseudo parameters from ``account_id``/``region``). Returns the parsed document."""
    data = _json_bytes(rules)
    out, n = c_void_p(), c_size_t()
    err = _T.Error()
    _lib().iamw_rules_normalize(data, len(data), None if account_id is None else _bytes(account_id),
                                None if region is None else _bytes(region), byref(out), byref(n),
                                byref(err))
    return json.loads(_take(out, n.value))


# =================================================================== rule packs


def packs() -> List[str]:
    """The names of the built-in rule packs (``iam-changes``, ``cis@1.2`` ...
    ``cis@7.0``), in the library's order. ``cis`` is an alias of the newest
    CIS version (:func:`resolve_pack`)."""
    L = _lib()
    return [L.iamw_pack_name(i).decode() for i in range(L.iamw_pack_count())]


def resolve_pack(name: str) -> Optional[str]:
    """The canonical name a pack name selects (``"cis"`` -> ``"cis@7.0"``), or
    ``None`` when ``name`` is no built-in pack."""
    r = _lib().iamw_pack_resolve(_bytes(name))
    return r.decode() if r is not None else None


def pack(name: str) -> Dict[str, Any]:
    """A built-in pack's rules document, parsed (``metricFilters``,
    ``metricAlarms``, ``compositeAlarms``; CIS packs also ``version`` and
    ``controls``). Raises :class:`KeyError` for an unknown name."""
    return json.loads(pack_text(name))


def pack_text(name: str) -> bytes:
    """A built-in pack's rules document as the JSON bytes the library holds."""
    data, n = c_void_p(), c_size_t()
    if not _lib().iamw_pack_get(_bytes(name), byref(data), byref(n)):
        raise KeyError("unknown rule pack %r; built-in packs: %s" % (name, ", ".join(packs())))
    return ctypes.string_at(data.value, n.value)


def _bytes(x) -> bytes:
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode("utf-8")
    if isinstance(x, (bytearray, memoryview)):
        return bytes(x)
    raise TypeError("expected str or bytes, not %s" % type(x).__name__)


def _event_bytes(event: Event) -> bytes:
    """An event as bytes; a dict is serialised compactly (``separators=(",", ":")``).

    ``ensure_ascii=False`` keeps non-ASCII text as UTF-8, as CloudTrail writes it,
    so term patterns see the characters and not ``\\uXXXX`` escapes.
    """
    if isinstance(event, dict):
        return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return _bytes(event)


def _json_bytes(doc: JsonInput) -> bytes:
    if isinstance(doc, (dict, list)):
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return _bytes(doc)


def _str(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "replace")


def _time_in(t: Optional[int]) -> int:
    return _T.NO_TIME if t is None else int(t)


def _time_out(t: int) -> Optional[int]:
    return None if t == _T.NO_TIME else t


def _dims(dimensions: Optional[Dict[str, str]]):
    """(array, count, keepalive) for an iamw_dimension list."""
    if not dimensions:
        return None, 0
    items = list(dimensions.items())
    arr = (_T.Dimension * len(items))()
    for i, (k, v) in enumerate(items):
        arr[i].name = _bytes(k)
        arr[i].value = _bytes(v)
    return arr, len(items)


class _Owner:
    """Base of the objects owning a C handle: close(), context manager, __del__."""

    _h = None
    _free = None

    def _handle(self):
        h = self._h
        if h is None:
            raise ValueError("%s is closed" % type(self).__name__)
        return h

    @property
    def closed(self) -> bool:
        return self._h is None

    def close(self) -> None:
        """Free the C object (idempotent). The object is unusable afterwards."""
        h, self._h = self._h, None
        if h is not None and self._free is not None:
            self._free(h)

    def __enter__(self):
        self._handle()
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # Shutdown-safe: the free function was captured at creation, so no
        # module global is needed; never raise from a finaliser.
        try:
            self.close()
        except Exception:
            pass


# =================================================================== patterns


class PatternKind(enum.IntEnum):
    """``iamw_pattern_kind``: the family of a pattern."""

    TERMS = 1
    JSON = 2
    DELIMITED = 3
    REGEX = 4


class ConditionOp(enum.IntEnum):
    """``iamw_condition_op``: the operator of one condition."""

    EQ = 1
    NE = 2
    LT = 3
    LE = 4
    GT = 5
    GE = 6
    IS_NULL = 7
    IS_TRUE = 8
    IS_FALSE = 9
    NOT_EXISTS = 10
    TERM_REQUIRED = 11
    TERM_OPTIONAL = 12
    TERM_EXCLUDED = 13
    REGEX_SEARCH = 14


class ValueKind(enum.IntEnum):
    """``iamw_value_kind``: what a condition compares with."""

    NONE = 0
    NUMBER = 1
    STRING = 2
    ANY = 3
    REGEX = 4


def _enum(cls, v):
    try:
        return cls(v)
    except ValueError:
        return v


@dataclasses.dataclass(frozen=True)
class Condition:
    """One condition of a compiled pattern (``iamw_condition``), copied."""

    field: Optional[str]
    op: ConditionOp
    value_kind: ValueKind
    value: Optional[str]
    leading_wildcard: bool
    trailing_wildcard: bool
    offset: int
    length: int
    depth: int


class Match(_Owner):
    """Match scratch (``iamw_match``): holds the extracted values of the last match.

    A scratch object belongs to one thread at a time. :class:`Pattern` methods
    use a per-thread scratch of their own unless one is passed, so most code
    never creates one; pass one to read the values of the last match::

        with iamwatch.Match() as m:
            if pattern.matches(line, match=m):
                print(m.values())
    """

    def __init__(self, max_event_size: int = 0):
        L = _lib()
        h = _T.MatchP()
        L.iamw_match_new(byref(h))
        self._free = L.iamw_match_free
        self._h = h
        if max_event_size:
            self.set_max_event_size(max_event_size)

    def set_max_event_size(self, max_bytes: int) -> None:
        """Largest event accepted (``iamw_match_set_max_event_size``); 0 = 1 MB."""
        _lib().iamw_match_set_max_event_size(self._handle(), max_bytes)

    def __len__(self) -> int:
        """Number of values extracted by the last successful match."""
        return _lib().iamw_match_value_count(self._handle())

    def values(self) -> Dict[str, str]:
        """The extracted values of the last successful match, in event field order
        (``{"$size": "1534", "$1": "127.0.0.1", ...}``)."""
        L = _lib()
        h = self._handle()
        out = {}
        name = ctypes.c_char_p()
        val = c_void_p()
        n = c_size_t()
        for i in range(L.iamw_match_value_count(h)):
            if L.iamw_match_value(h, i, byref(name), byref(val), byref(n)) == 1:
                out[_str(name.value)] = ctypes.string_at(val.value, n.value).decode(
                    "utf-8", "replace") if val.value else ""
        return out

    def get(self, name: str) -> Optional[str]:
        """One extracted value by name (``"$size"``, ``"$7"``, ``"$.latency"``) or None."""
        val = c_void_p()
        n = c_size_t()
        if _lib().iamw_match_get(self._handle(), _bytes(name), byref(val), byref(n)) != 1:
            return None
        return ctypes.string_at(val.value, n.value).decode("utf-8", "replace") if val.value else ""


_tls = threading.local()


def _scratch() -> Match:
    m = getattr(_tls, "match", None)
    if m is None or m.closed:
        m = _tls.match = Match()
    return m


def _read_blocks(path, block_size: int) -> Iterator[Tuple[bytearray, int]]:
    """Blocks of whole lines of a file (gzip detected by its magic bytes), as
    (buffer, length) pairs over one reused buffer: the bytes are read straight
    into it and handed to C without a copy. A block is valid until the next."""
    with open(path, "rb") as raw:
        f = gzip.GzipFile(fileobj=raw) if raw.peek(2)[:2] == b"\x1f\x8b" else raw
        buf = bytearray(block_size)
        view = memoryview(buf)
        have = 0
        while True:
            if have == len(buf):  # a line longer than the buffer: grow it
                view.release()
                buf.extend(bytes(len(buf)))
                view = memoryview(buf)
            n = f.readinto(view[have:])
            if not n:
                break
            have += n
            cut = buf.rfind(b"\n", 0, have)
            if cut < 0:
                continue
            yield buf, cut + 1
            rest = have - (cut + 1)
            buf[:rest] = buf[cut + 1:have]  # the partial last line moves to the front
            have = rest
        if have:
            yield buf, have
        view.release()


class Pattern(_Owner):
    """A compiled CloudWatch Logs filter pattern (``iamw_pattern``).

    Immutable: one pattern may be used by any number of threads at once; each
    call uses its own match scratch (per thread) unless ``match=`` is given.

    >>> p = Pattern('[..., size]')
    >>> p.test(['127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /a HTTP/1.0" 200 1534'])
    ... # doctest: +SKIP

    Raises :class:`PatternError` when the text does not compile.
    """

    def __init__(self, text: Union[str, bytes], *, json_extract: bool = False):
        L = _lib()
        data = _bytes(text)
        h = _T.PatternP()
        err = _T.Error()
        L.iamw_pattern_compile(byref(h), data, len(data), 1 if json_extract else 0, byref(err))
        self._free = L.iamw_pattern_free
        self._owner = None
        self._h = h

    @classmethod
    def _borrowed(cls, handle, owner) -> "Pattern":
        """A view of a pattern owned by another object (kept alive by the view)."""
        obj = cls.__new__(cls)
        obj._free = None
        obj._owner = owner
        obj._h = handle
        return obj

    def _handle(self):
        if self._owner is not None and self._owner.closed:
            raise ValueError("the object owning this pattern is closed")
        return super()._handle()

    def __repr__(self):
        if self._h is None:
            return "<iamwatch.Pattern (closed)>"
        return "<iamwatch.Pattern %s %r>" % (self.kind.name, self.source)

    # ---------------------------------------------------------- introspection

    @property
    def kind(self) -> PatternKind:
        """The pattern family (``iamw_pattern_kind_of``)."""
        return _enum(PatternKind, _lib().iamw_pattern_kind_of(self._handle()))

    @property
    def source(self) -> str:
        """The text the pattern was compiled from."""
        return _str(_lib().iamw_pattern_source(self._handle()))

    def dump(self) -> str:
        """The compiled AST as a canonical S-expression (``iamw_pattern_dump``)."""
        out, n = c_void_p(), c_size_t()
        _lib().iamw_pattern_dump(self._handle(), byref(out), byref(n))
        return _take(out, n.value).decode("utf-8", "replace")

    def canonical(self) -> str:
        """The pattern in canonical filter pattern syntax (``iamw_pattern_canonical``)."""
        out, n = c_void_p(), c_size_t()
        _lib().iamw_pattern_canonical(self._handle(), byref(out), byref(n))
        return _take(out, n.value).decode("utf-8", "replace")

    @property
    def regex_count(self) -> int:
        """Number of regular expressions in the pattern."""
        return _lib().iamw_pattern_regex_count(self._handle())

    @property
    def wildcard_selector_count(self) -> int:
        """Number of wildcard selectors (``$.a[*]``, ``$.*``) in the pattern."""
        return _lib().iamw_pattern_wildcard_selector_count(self._handle())

    def conditions(self) -> List[Condition]:
        """Every condition in source order (``iamw_pattern_foreach_condition``)."""
        out: List[Condition] = []
        failure: List[BaseException] = []

        def visit(cp, _payload):
            try:
                c = cp.contents
                out.append(Condition(
                    field=_str(c.field), op=_enum(ConditionOp, c.op),
                    value_kind=_enum(ValueKind, c.value_kind), value=_str(c.value),
                    leading_wildcard=bool(c.leading_wildcard),
                    trailing_wildcard=bool(c.trailing_wildcard),
                    offset=c.offset, length=c.length, depth=c.depth))
                return 0
            except BaseException as e:  # cannot cross C: stop the walk, re-raise below
                failure.append(e)
                return 1

        cb = _T.CONDITION_CB(visit)
        _lib().iamw_pattern_foreach_condition(self._handle(), cb, None)
        if failure:
            raise failure[0]
        return out

    # ---------------------------------------------------------- matching

    def matches(self, event: Event, *, match: Optional[Match] = None) -> bool:
        """Whether one log event message matches (``iamw_pattern_match_text``).

        ``event`` is a str, bytes or a dict (serialised as compact JSON). Pass
        ``match`` to read the extracted values afterwards. Raises
        :class:`IamwatchError` (``ELIMIT``) for an event over the size limit.
        """
        data = _event_bytes(event)
        m = match if match is not None else _scratch()
        return _lib().iamw_pattern_match_text(self._handle(), data, len(data), m._handle()) == 1

    def extract(self, event: Event) -> Optional[Dict[str, str]]:
        """The extracted values when ``event`` matches, else None."""
        m = _scratch()
        return m.values() if self.matches(event, match=m) else None

    def test(self, messages: Iterable[Event]) -> Dict[str, List[Dict[str, Any]]]:
        """TestMetricFilter: ``{"matches": [{"eventNumber": 1, "eventMessage": ...,
        "extractedValues": {...}}]}`` for the matching messages (1-based numbers)."""
        m = _scratch()
        h = self._handle()
        L = _lib()
        found = []
        for i, msg in enumerate(messages, 1):
            data = _event_bytes(msg)
            if L.iamw_pattern_match_text(h, data, len(data), m._handle()) == 1:
                out, n = c_void_p(), c_size_t()
                L.iamw_match_render_test_record(m._handle(), i, data, len(data), byref(out),
                                                byref(n))
                found.append(json.loads(_take(out, n.value)))
        return {"matches": found}

    # ---------------------------------------------------------- batch

    def _scan(self, data, capacity: int, length: Optional[int] = None):
        h = self._handle()
        m = _scratch()
        n_matches, n_lines = c_size_t(), c_size_t()
        arr = (c_size_t * capacity)() if capacity else None
        if length is None:
            length = len(data)
        if isinstance(data, bytearray):  # zero-copy view of a reused buffer
            data = (ctypes.c_char * len(data)).from_buffer(data)
        _lib().iamw_pattern_scan_lines(h, data, length, m._handle(), arr, capacity,
                                       byref(n_matches), byref(n_lines))
        return arr, n_matches.value, n_lines.value

    def count_lines(self, data: Union[bytes, bytearray, memoryview]) -> int:
        """Number of matching lines of a buffer (NDJSON or text; lines end at
        ``\\n``, a trailing ``\\r`` is dropped), in one call into C."""
        return self._scan(_bytes(data), 0)[1]

    def filter_lines(self, data: Union[bytes, bytearray, memoryview]) -> List[int]:
        """The 0-based numbers of the matching lines of a buffer, in one call into C."""
        data = _bytes(data)
        arr, n, _ = self._scan(data, data.count(b"\n") + 1)
        return arr[:n]

    def count_file(self, path: Union[str, os.PathLike], *, block_size: int = 8 << 20,
                   on_problem: Optional[Callable[[Problem], Any]] = None) -> int:
        """Number of CloudTrail records of a file (or bytes, or a binary file
        object) that match, in every layout :func:`read_records` reads, gzip
        recognised by its magic bytes. Decoded and matched in C, one call per
        block of ``block_size`` bytes. Problems go where :func:`read_records`
        sends them (``on_problem``, else warnings and :class:`RecordError`)."""
        return _records.count_matching(self._handle(), _scratch()._handle(), path, block_size,
                                       on_problem)

    def filter_file(self, path: Union[str, os.PathLike], *,
                    block_size: int = 8 << 20) -> List[int]:
        """The 0-based numbers of the matching lines of a file (gzip read transparently)."""
        out: List[int] = []
        base = 0
        for buf, length in _read_blocks(path, block_size):
            arr, n, lines = self._scan(buf, buf.count(b"\n", 0, length) + 1, length)
            out.extend(base + i for i in arr[:n])
            base += lines
        return out


# =================================================================== metric filters


class MetricFilter(_Owner):
    """A metric filter (``iamw_metric_filter``): a compiled pattern plus its metric
    transformation, validated with PutMetricFilter's rules. Immutable."""

    def __init__(self):
        raise TypeError("use MetricFilter.from_json()")

    @classmethod
    def from_json(cls, definition: JsonInput) -> "MetricFilter":
        """Build from a PutMetricFilter request body (str, bytes or dict)::

            MetricFilter.from_json({"filterName": "f", "filterPattern": "{ $.a = 1 }",
                "metricTransformations": [{"metricName": "m", "metricNamespace": "ns",
                                           "metricValue": "1"}]})
        """
        L = _lib()
        data = _json_bytes(definition)
        h = _T.MetricFilterP()
        err = _T.Error()
        L.iamw_metric_filter_from_json(byref(h), data, len(data), byref(err))
        obj = cls.__new__(cls)
        obj._free = L.iamw_metric_filter_free
        obj._h = h
        return obj

    @property
    def name(self) -> str:
        return _str(_lib().iamw_metric_filter_name(self._handle()))

    @property
    def pattern(self) -> Pattern:
        """The compiled pattern (a view that keeps this filter alive; do not close it)."""
        return Pattern._borrowed(_lib().iamw_metric_filter_pattern(self._handle()), self)

    @property
    def metric_name(self) -> str:
        return _str(_lib().iamw_metric_filter_metric_name(self._handle()))

    @property
    def metric_namespace(self) -> str:
        return _str(_lib().iamw_metric_filter_metric_namespace(self._handle()))

    def __repr__(self):
        if self._h is None:
            return "<iamwatch.MetricFilter (closed)>"
        return "<iamwatch.MetricFilter %r -> %s/%s>" % (self.name, self.metric_namespace,
                                                       self.metric_name)


# =================================================================== aggregation


class Aggregator(_Owner):
    """A mergeable, serialisable store of metric data points per period
    (``iamw_aggregator``). Mutable: one thread at a time.

    ``Engine.aggregator`` returns a read-only view of an engine's aggregator:
    it is never freed by Python and becomes unusable when the engine closes.
    """

    def __init__(self, period_ms: int = 60000, max_dimension_sets: int = 0):
        L = _lib()
        h = _T.AggregatorP()
        L.iamw_aggregator_new(byref(h), period_ms, max_dimension_sets)
        self._free = L.iamw_aggregator_free
        self._engine = None
        self._h = h

    @classmethod
    def _view(cls, handle, engine) -> "Aggregator":
        obj = cls.__new__(cls)
        obj._free = None
        obj._engine = engine
        obj._h = handle
        return obj

    @property
    def read_only(self) -> bool:
        """True for the view returned by :attr:`Engine.aggregator`."""
        return self._engine is not None

    def _handle(self):
        if self._engine is not None and self._engine.closed:
            raise ValueError("the engine owning this aggregator is closed")
        return super()._handle()

    def _mutable(self):
        if self._engine is not None:
            raise TypeError("an engine's aggregator is a read-only view")
        return self._handle()

    def close(self) -> None:
        """Free the aggregator (a view is only detached, never freed)."""
        if self._engine is not None:
            self._h = None
            return
        super().close()

    @classmethod
    def from_bytes(cls, data: Union[bytes, str]) -> "Aggregator":
        """Rebuild from :meth:`to_bytes` output (``iamw_aggregator_restore``).
        Corrupt input raises :class:`IamwatchError` (``ESTATE``)."""
        L = _lib()
        raw = _bytes(data)
        h = _T.AggregatorP()
        err = _T.Error()
        L.iamw_aggregator_restore(byref(h), raw, len(raw), byref(err))
        obj = cls.__new__(cls)
        obj._free = L.iamw_aggregator_free
        obj._engine = None
        obj._h = h
        return obj

    def to_bytes(self) -> bytes:
        """Serialise to versioned JSON (``iamw_aggregator_save``)."""
        out, n = c_void_p(), c_size_t()
        _lib().iamw_aggregator_save(self._handle(), byref(out), byref(n))
        return _take(out, n.value)

    def copy(self) -> "Aggregator":
        """An independent, owning copy (also of a read-only view)."""
        return Aggregator.from_bytes(self.to_bytes())

    def add(self, namespace: str, metric: str, timestamp_ms: int, value: float, *,
            dimensions: Optional[Dict[str, str]] = None, unit: Optional[str] = None) -> bool:
        """Add one data point (``iamw_aggregator_add``). ``unit`` None means "None".

        Returns False when the dimension cap refused the point (it is counted
        in :attr:`overflow`); raises :class:`IamwatchError` for a bad value or time.
        """
        arr, n = _dims(dimensions)
        rc = _lib().iamw_aggregator_add(self._mutable(), _bytes(namespace), _bytes(metric), arr, n,
                                        None if unit is None else _bytes(unit), int(timestamp_ms),
                                        float(value))
        if rc == Status.ELIMIT:
            return False
        if rc < 0:
            raise IamwatchError(rc, function="iamw_aggregator_add")
        return True

    def get_with_count(self, namespace: str, metric: str, statistic: str, start_ms: int,
                       period_ms: int, dimensions: Optional[Dict[str, str]] = None,
                       unit: Optional[str] = None) -> Tuple[Optional[float], float]:
        """As :meth:`get`, returning ``(value or None, sample_count)``."""
        arr, n = _dims(dimensions)
        value, count = c_double(), c_double()
        rc = _lib().iamw_aggregator_get(self._handle(), _bytes(namespace), _bytes(metric), arr, n,
                                        None if unit is None else _bytes(unit), int(start_ms),
                                        int(period_ms), _bytes(statistic), byref(value),
                                        byref(count))
        return (value.value if rc == 1 else None), count.value

    def get(self, namespace: str, metric: str, statistic: str, start_ms: int, period_ms: int,
            dimensions: Optional[Dict[str, str]] = None,
            unit: Optional[str] = None) -> Optional[float]:
        """A statistic over ``[start_ms, start_ms + period_ms)`` (``iamw_aggregator_get``).

        ``statistic``: "SampleCount", "Sum", "Average", "Minimum", "Maximum" or an
        extended statistic ("p99", "tm90", "IQM", "PR(:300)", ...). ``unit`` None
        merges every unit. Returns None when there is no value; raises
        :class:`IamwatchError` (``EINVAL``) for an unknown statistic or a
        misaligned period.
        """
        return self.get_with_count(namespace, metric, statistic, start_ms, period_ms,
                                   dimensions, unit)[0]

    def merge(self, other: "Aggregator") -> None:
        """self := self merged with other (same storage period; all or nothing)."""
        _lib().iamw_aggregator_merge(self._mutable(), other._handle())

    def prune(self, cutoff_ms: int) -> None:
        """Drop every period that ends at or before ``cutoff_ms``."""
        _lib().iamw_aggregator_prune(self._mutable(), int(cutoff_ms))

    @property
    def overflow(self) -> int:
        """Data points refused by the dimension cap so far."""
        return _lib().iamw_aggregator_overflow(self._handle())

    def __repr__(self):
        kind = "view" if self._engine is not None else "owner"
        return "<iamwatch.Aggregator %s%s>" % (kind, " (closed)" if self._h is None else "")


# =================================================================== engine


class AlarmState(enum.IntEnum):
    """``iamw_alarm_state`` (StateValue); ``str()`` gives the AWS name."""

    INSUFFICIENT_DATA = 0
    OK = 1
    ALARM = 2

    def __str__(self):
        return self.name


class TimeSource(enum.IntEnum):
    """``iamw_time_source``: which timestamp places an event in a period."""

    EVENT = 0   #: CloudTrail's eventTime (the caller's timestamp when absent)
    CALLER = 1  #: always the timestamp passed to ingest


class RenderFormat(enum.IntEnum):
    """``iamw_render_format``."""

    SNS = 1
    SNS_SUBJECT = 2
    EVENTBRIDGE = 3
    LAMBDA = 4
    TEXT = 5


@dataclasses.dataclass(frozen=True)
class Notification:
    """An alarm state change, copied (with every rendering) during the callback.

    ``sns`` is the SNS Message JSON body, ``sns_subject`` its Subject line,
    ``eventbridge`` the "CloudWatch Alarm State Change" event, ``lambda_payload``
    the Lambda alarm action payload and ``text`` one readable line.
    """

    alarm_name: str
    is_composite: bool
    old_state: AlarmState
    new_state: AlarmState
    time_ms: int
    reason: str
    reason_data: Optional[str]
    actions_run: bool
    actions: Tuple[str, ...]
    sns: str
    sns_subject: str
    eventbridge: str
    lambda_payload: str
    text: str

    @classmethod
    def _from_c(cls, n) -> "Notification":
        L = _lib()

        def render(fmt):
            out, size = c_void_p(), c_size_t()
            L.iamw_notification_render(n, int(fmt), byref(out), byref(size))
            return _take(out, size.value).decode("utf-8", "replace")

        return cls(
            alarm_name=_str(L.iamw_notification_alarm_name(n)),
            is_composite=bool(L.iamw_notification_is_composite(n)),
            old_state=_enum(AlarmState, L.iamw_notification_old_state(n)),
            new_state=_enum(AlarmState, L.iamw_notification_new_state(n)),
            time_ms=L.iamw_notification_time(n),
            reason=_str(L.iamw_notification_reason(n)) or "",
            reason_data=_str(L.iamw_notification_reason_data(n)),
            actions_run=bool(L.iamw_notification_actions_run(n)),
            actions=tuple(_str(L.iamw_notification_action(n, i))
                          for i in range(L.iamw_notification_action_count(n))),
            sns=render(RenderFormat.SNS),
            sns_subject=render(RenderFormat.SNS_SUBJECT),
            eventbridge=render(RenderFormat.EVENTBRIDGE),
            lambda_payload=render(RenderFormat.LAMBDA),
            text=render(RenderFormat.TEXT),
        )


@dataclasses.dataclass(frozen=True)
class IngestReport:
    """What :meth:`Engine.ingest_lines` did (``iamw_ingest_report``)."""

    lines: int
    events: int
    errors: int
    first_error_line: Optional[int]  #: 0-based, None without errors
    first_error: Optional[Status]
    matches: int
    notifications: int


@dataclasses.dataclass(frozen=True)
class EngineStats:
    """Engine-wide counters (``iamw_engine_stats``)."""

    events: int
    not_json: int
    untimed: int
    late: int
    notifications: int


@dataclasses.dataclass(frozen=True)
class FilterInfo:
    """A metric filter of an engine with its counters."""

    name: str
    matches: int
    points: int
    skipped: int


@dataclasses.dataclass(frozen=True)
class AlarmInfo:
    """A metric or composite alarm of an engine with its current state."""

    name: str
    state: AlarmState
    composite: bool


def _make_trampoline(wself):
    """The C callback; holds the engine weakly (no reference cycle)."""

    def trampoline(n, _payload):
        self = wself()
        if self is None:
            return
        self._in_callback = True
        try:
            note = Notification._from_c(n)
            if self._queue is not None:
                self._queue.append(note)
            cb = self._callback
            if cb is not None:
                cb(note)
        except BaseException as e:  # cannot cross C: re-raised after the C call returns
            if self._pending is None:
                self._pending = e
        finally:
            self._in_callback = False

    return _T.NOTIFY_CB(trampoline)


class Engine(_Owner):
    """Metric filters, metric alarms and composite alarms over one log group
    (``iamw_engine``), fed events and driven by a caller-supplied clock.
    Mutable: one thread at a time.

    ``rules`` is loaded with :meth:`load`: a built-in pack name
    (``Engine(rules="iam-changes")``), a rules document or file, or a list of
    them (``Engine(rules=["iam-changes", "cis@3.0"])``).
    Notifications are queued for :meth:`notifications` (``queue=False`` turns
    the queue off) and passed to the callback set with :meth:`on_notification`.
    An exception raised by the callback is stored and re-raised when the C call
    that delivered the notification (:meth:`advance`, :meth:`drain`,
    :meth:`ingest_lines`) returns; the remaining notifications of that call are
    still queued and passed to the callback.
    """

    def __init__(self, rules=None, *, account_id: Optional[str] = None,
                 region: Optional[str] = None, time_source: Union[str, TimeSource] = "event",
                 evaluation_range: int = 0, storage_period_ms: int = 0,
                 max_dimension_sets: int = 0, replay_delay_ms: Optional[int] = None,
                 queue: bool = True):
        L = _lib()
        opts = _T.EngineOptions()
        L.iamw_engine_options_init(byref(opts), _T.ENGINE_OPTIONS_VERSION)
        if account_id is not None:
            opts.account_id = _bytes(account_id)
        if region is not None:
            opts.region = _bytes(region)
        if isinstance(time_source, str):
            try:
                time_source = {"event": TimeSource.EVENT, "caller": TimeSource.CALLER}[time_source]
            except KeyError:
                raise ValueError("time_source must be 'event' or 'caller'") from None
        opts.time_source = int(time_source)
        opts.evaluation_range = evaluation_range
        opts.storage_period_ms = storage_period_ms
        opts.max_dimension_sets = max_dimension_sets
        if replay_delay_ms is not None:
            opts.replay_delay_ms = replay_delay_ms
        h = _T.EngineP()
        L.iamw_engine_new(byref(h), byref(opts))  # strings are copied
        self._free = L.iamw_engine_free
        self._h = h
        self._queue: Optional[deque] = deque() if queue else None
        self._callback: Optional[Callable[[Notification], Any]] = None
        self._pending: Optional[BaseException] = None
        self._in_callback = False
        self._cb = _make_trampoline(weakref.ref(self))  # kept referenced while registered
        L.iamw_engine_set_notify_cb(h, self._cb, None)
        if rules is not None:
            for doc in (rules if isinstance(rules, (list, tuple)) else [rules]):
                self.load(doc)

    def close(self) -> None:
        """Free the engine; not allowed from inside a notification callback."""
        if self._in_callback:
            raise IamwatchError(Status.EBUSY, "Engine.close() from a notification callback")
        super().close()

    def _run(self, fn, *args):
        """Call into C; re-raise an exception a callback raised meanwhile."""
        self._pending = None
        try:
            return fn(*args)
        finally:
            exc, self._pending = self._pending, None
            if exc is not None:
                raise exc

    # ---------------------------------------------------------- definitions

    def _put(self, fn, doc: JsonInput) -> None:
        data = _json_bytes(doc)
        err = _T.Error()
        fn(self._handle(), data, len(data), byref(err))

    def load_rules(self, rules: JsonInput, *, origin: Optional[str] = None) -> None:
        """Load a rules document ``{"metricFilters": [...], "metricAlarms": [...],
        "compositeAlarms": [...]}``, a CloudFormation template (JSON) or
        ``terraform show -json`` output. Definitions replace those of the same
        name; all or nothing. Raises :class:`PatternError`/:class:`IamwatchError`
        with the offset into the text named by ``source``, the ``origin`` given
        here (e.g. the file name) and the failing :attr:`~IamwatchError.definition`
        (kind, name and path in the document)."""
        data = _json_bytes(rules)
        err = _T.LoadError()
        _lib().iamw_engine_load_rules_from(self._handle(), data, len(data),
                                           None if origin is None else _bytes(origin), byref(err))

    def load_pack(self, name: str) -> None:
        """Load a built-in rule pack by name (``"iam-changes"``, ``"cis"``,
        ``"cis@3.0"``; :func:`packs` lists them)."""
        err = _T.Error()
        _lib().iamw_engine_load_pack(self._handle(), _bytes(name), byref(err))

    def load(self, rules: Union[JsonInput, os.PathLike]) -> None:
        """Load rules from whatever names them: a built-in pack name, a rules
        document, CloudFormation template or terraform JSON as text, bytes or
        a parsed ``dict``, or the path of such a file (``str`` or
        ``os.PathLike``). A ``str`` is a pack name when :func:`resolve_pack`
        knows it, JSON text when it starts with ``{``, and a path otherwise."""
        if isinstance(rules, os.PathLike):
            self.load_rules_file(rules)
        elif isinstance(rules, str) and resolve_pack(rules) is not None:
            self.load_pack(rules)
        elif isinstance(rules, str) and not rules.lstrip().startswith("{"):
            self.load_rules_file(rules)
        else:
            self.load_rules(rules)

    def load_rules_file(self, path: Union[str, os.PathLike]) -> None:
        """:meth:`load_rules` with the contents of a file."""
        with open(path, "rb") as f:
            self.load_rules(f.read(), origin=os.fspath(path))

    def put_metric_filter(self, definition: JsonInput) -> None:
        """Create or replace a metric filter from its PutMetricFilter request JSON."""
        self._put(_lib().iamw_engine_put_metric_filter, definition)

    def put_metric_alarm(self, definition: JsonInput) -> None:
        """Create or replace a metric alarm from its PutMetricAlarm request JSON."""
        self._put(_lib().iamw_engine_put_metric_alarm, definition)

    def put_composite_alarm(self, definition: JsonInput) -> None:
        """Create or replace a composite alarm from its PutCompositeAlarm request JSON."""
        self._put(_lib().iamw_engine_put_composite_alarm, definition)

    # ---------------------------------------------------------- notifications

    def on_notification(self, callback: Optional[Callable[[Notification], Any]]):
        """Set the callback receiving each :class:`Notification` (None removes it).
        Returns the callback, so it can be used as a decorator. The callback runs
        on the thread calling :meth:`advance`/:meth:`drain`/:meth:`ingest_lines`
        and must not call back into this engine (``EBUSY``)."""
        self._handle()
        self._callback = callback
        return callback

    def notifications(self) -> Iterator[Notification]:
        """Iterate over the queued notifications, removing them from the queue."""
        q = self._queue
        while q:
            yield q.popleft()

    # ---------------------------------------------------------- events and time

    def ingest(self, event: Event, timestamp_ms: Optional[int] = None) -> int:
        """Feed one event (``iamw_engine_ingest_text``); returns how many metric
        filters matched. ``timestamp_ms`` None needs the record's eventTime
        (``EJSON`` otherwise). The clock is not advanced."""
        data = _event_bytes(event)
        return self._run(_lib().iamw_engine_ingest_text, self._handle(), data, len(data),
                         _time_in(timestamp_ms))

    def ingest_lines(self, data: Union[bytes, bytearray, memoryview, str],
                     advance: bool = True) -> IngestReport:
        """Ingest every non-blank line of an NDJSON buffer in one call into C.

        With ``advance`` the clock follows each event's time (a replay of a
        time-ordered log, as ``iamwatch scan`` does) and notifications are
        delivered; without it only the metric data is recorded."""
        raw = _bytes(data)
        rep = _T.IngestReport()
        self._run(_lib().iamw_engine_ingest_lines, self._handle(), raw, len(raw),
                  1 if advance else 0, byref(rep))
        return IngestReport(lines=rep.lines, events=rep.events, errors=rep.errors,
                            first_error_line=rep.first_error_line if rep.errors else None,
                            first_error=_enum(Status, rep.first_error) if rep.errors else None,
                            matches=rep.matches, notifications=rep.notifications)

    def ingest_file(self, path: Union[str, os.PathLike], advance: bool = True, *,
                    block_size: int = 8 << 20) -> ReplayReport:
        """Ingest the CloudTrail records of a file (or bytes, or a binary file
        object) in any layout :func:`read_records` reads, gzip recognised by
        its magic bytes, crossing into C once per block
        (``iamw_engine_ingest_bytes``). With ``advance`` the clock follows
        the events at ``replay_delay_ms`` behind the latest, as ``iamwatch
        scan --delay`` does. Returns a :class:`ReplayReport`: events, refused
        records, and every problem with its position (not raised)."""
        return _records.ingest(self._handle(), self._run, path, advance, block_size)

    def advance(self, now_ms: int) -> int:
        """Move the clock to ``now_ms``, evaluating every alarm at each evaluation
        time up to it; returns the number of notifications delivered. The first
        call only sets the clock. The clock never goes back."""
        return self._run(_lib().iamw_engine_advance, self._handle(), int(now_ms))

    def replay_clock(self, drain: bool = True) -> int:
        """Advance the clock over the events held (ingested with
        ``advance=False``, or merged with :meth:`merge_state`) as a
        time-ordered replay would have, then (``drain``) until every alarm
        settled; returns the number of notifications. Equals ``iamwatch scan``
        of the same records in time order."""
        return self._run(_lib().iamw_engine_replay_clock, self._handle(), 1 if drain else 0)

    def drain(self) -> int:
        """Advance past the last data point until no alarm can change any more;
        returns the number of notifications delivered."""
        return self._run(_lib().iamw_engine_drain, self._handle())

    @property
    def clock(self) -> Optional[int]:
        """The clock in ms, or None before the first :meth:`advance`."""
        return _time_out(_lib().iamw_engine_clock(self._handle()))

    @property
    def latest_event_time(self) -> Optional[int]:
        """The latest event time ingested, or None."""
        return _time_out(_lib().iamw_engine_latest_event_time(self._handle()))

    # ---------------------------------------------------------- queries

    @property
    def earliest_event_time(self) -> Optional[int]:
        """The earliest event time ingested (or merged), ms; None before any."""
        return _time_out(_lib().iamw_engine_earliest_event_time(self._handle()))

    def merge_aggregator(self, aggregator: "Aggregator") -> None:
        """Merge metric data points (same storage period) into the engine's
        aggregator; event times and counters are not touched (see
        :meth:`merge_state`)."""
        _lib().iamw_engine_merge_aggregator(self._handle(), aggregator._handle())

    def merge_state(self, state: Union[bytes, str, Dict[str, Any]]) -> None:
        """Merge a partial engine's :meth:`save_state` (same rules, clock never
        advanced) into this one: metric data, earliest/latest event times and
        counters. The reduce step of a scan split across workers; afterwards
        :meth:`replay_clock` evaluates as one time-ordered replay would."""
        data = json.dumps(state).encode() if isinstance(state, dict) else _bytes(state)
        err = _T.Error()
        _lib().iamw_engine_merge_state(self._handle(), data, len(data), byref(err))

    def alarm_state(self, name: str) -> AlarmState:
        """Current state of a metric or composite alarm; KeyError if unknown."""
        st = c_int()
        if _lib().iamw_engine_alarm_state(self._handle(), _bytes(name), byref(st)) != 1:
            raise KeyError(name)
        return _enum(AlarmState, st.value)

    def filters(self) -> List[FilterInfo]:
        """The metric filters with their counters (events matched, data points
        published, matches that published nothing)."""
        L, h = _lib(), self._handle()
        out = []
        m, p, s = c_uint64(), c_uint64(), c_uint64()
        for i in range(L.iamw_engine_filter_count(h)):
            L.iamw_engine_filter_counts(h, i, byref(m), byref(p), byref(s))
            out.append(FilterInfo(_str(L.iamw_engine_filter_name(h, i)), m.value, p.value,
                                  s.value))
        return out

    def alarms(self) -> List[AlarmInfo]:
        """The metric alarms with their current states."""
        L, h = _lib(), self._handle()
        names = [_str(L.iamw_engine_alarm_name(h, i)) for i in range(L.iamw_engine_alarm_count(h))]
        return [AlarmInfo(n, self.alarm_state(n), False) for n in names]

    def composites(self) -> List[AlarmInfo]:
        """The composite alarms with their current states."""
        L, h = _lib(), self._handle()
        names = [_str(L.iamw_engine_composite_name(h, i))
                 for i in range(L.iamw_engine_composite_count(h))]
        return [AlarmInfo(n, self.alarm_state(n), True) for n in names]

    @property
    def stats(self) -> EngineStats:
        """Engine-wide counters."""
        s = _T.EngineStats()
        _lib().iamw_engine_get_stats(self._handle(), byref(s))
        return EngineStats(s.events, s.not_json, s.untimed, s.late, s.notifications)

    @property
    def aggregator(self) -> Aggregator:
        """The engine's aggregator as a read-only view (never freed by Python;
        unusable once the engine is closed). Use ``.copy()`` for an owning copy."""
        return Aggregator._view(_lib().iamw_engine_aggregator(self._handle()), self)

    # ---------------------------------------------------------- state

    def save_state(self) -> bytes:
        """The runtime state as versioned JSON (``iamw_engine_save_state``);
        definitions are not included."""
        out, n = c_void_p(), c_size_t()
        _lib().iamw_engine_save_state(self._handle(), byref(out), byref(n))
        return _take(out, n.value)

    def load_state(self, state: Union[bytes, str, Dict[str, Any]]) -> None:
        """Restore :meth:`save_state` output into an engine holding the same
        definitions; ``ESTATE`` (nothing changed) for corrupt or foreign state."""
        data = _json_bytes(state)
        err = _T.Error()
        _lib().iamw_engine_restore_state(self._handle(), data, len(data), byref(err))

    def __repr__(self):
        if self._h is None:
            return "<iamwatch.Engine (closed)>"
        L = _lib()
        return "<iamwatch.Engine filters=%d alarms=%d composites=%d clock=%r>" % (
            L.iamw_engine_filter_count(self._h), L.iamw_engine_alarm_count(self._h),
            L.iamw_engine_composite_count(self._h), self.clock)
