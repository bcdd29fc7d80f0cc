# SPDX-License-Identifier: MIT
"""CloudTrail records out of whatever they were stored in (``iamwatch/records.h``).

The library's push decoder finds the records whatever the layout, detected
from the content: CloudTrail S3 delivery files ``{"Records": [...]}``,
NDJSON, concatenated JSON, JSON arrays, CloudWatch Logs exports and
subscription messages, single log events and EventBridge "AWS API Call via
CloudTrail" events. Sources are paths, ``bytes`` or binary file objects;
gzip is recognised by its magic bytes and decompressed here, block by
block, so memory stays bounded whatever the file size.

* :func:`read_records` yields :class:`Record` objects.
* :class:`Decoder` is the decoder itself, for bytes that arrive piece by piece.
* ``Engine.ingest_file`` and ``Pattern.count_file`` (in :mod:`iamwatch`) run
  files through the decoder in C, one call per block.

Problems (a malformed line, a value of the wrong shape, a truncated
document or gzip file) are :class:`Problem` objects with their position.
Nothing is dropped silently: see :func:`read_records` for where they go.
"""

import ctypes
import dataclasses
import enum
import json
import os
import warnings
import zlib
from collections import deque
from ctypes import byref
from typing import Any, Callable, Iterator, List, Optional, Union

from . import _types as _T
from ._ffi import IamwatchError, Status, lib as _lib

__all__ = [
    "Container", "Record", "Problem", "RecordWarning", "RecordError", "Decoder", "DecoderStats",
    "RecordReader", "read_records", "ReplayReport",
]

#: IAMW_DECODER_DEFAULT_MAX_BYTES: the largest line or top-level value held (512 MiB).
DEFAULT_MAX_BYTES = 512 << 20
#: Bytes read from a source at a time (before decompression).
DEFAULT_BLOCK_SIZE = 1 << 20
#: The cause reported for a gzip stream that stops mid-way, as ``iamwatch scan`` says it.
GZIP_CUT = "unexpected end of compressed data"

Source = Union[str, os.PathLike, bytes, bytearray, memoryview, Any]


class Container(enum.IntEnum):
    """``iamw_record_container``: the innermost container a record came from."""

    NONE = 0        #: a top-level value: an NDJSON line, a single log or EventBridge event
    RECORDS = 1     #: an element of a CloudTrail ``"Records"`` array
    ARRAY = 2       #: an element of a top-level JSON array
    EVENTS = 3      #: an element of ``"events"`` (``aws logs filter-log-events``)
    LOG_EVENTS = 4  #: an element of ``"logEvents"`` (CloudWatch Logs subscription)


_LOG_MESSAGE = 1
_EVENTBRIDGE = 2


@dataclasses.dataclass(frozen=True)
class Record:
    """One CloudTrail record, as its exact JSON text in the input.

    ``line`` is 1-based (of the record's first byte, or of the CloudWatch
    Logs message holding it), ``index`` 0-based within its container (else
    the number of the top-level value), ``offset`` the byte offset in the
    decompressed stream; ``log_timestamp`` the CloudWatch Logs timestamp in
    ms when the format carries one."""

    json: bytes
    line: int
    index: int
    offset: int
    log_timestamp: Optional[int]
    container: Container
    flags: int

    @property
    def text(self) -> str:
        """The JSON text as ``str`` (invalid UTF-8 replaced)."""
        return self.json.decode("utf-8", "replace")

    def data(self) -> Any:
        """The record parsed (``json.loads``): usually a ``dict``."""
        return json.loads(self.json)

    @property
    def from_log_message(self) -> bool:
        """Unescaped from a CloudWatch Logs ``message`` string (so not a span of the input)."""
        return bool(self.flags & _LOG_MESSAGE)

    @property
    def from_eventbridge(self) -> bool:
        """The ``detail`` of an EventBridge "AWS API Call via CloudTrail" event."""
        return bool(self.flags & _EVENTBRIDGE)

    @classmethod
    def _from_c(cls, r) -> "Record":
        ts = r.log_timestamp_ms
        try:
            container = Container(r.container)
        except ValueError:  # pragma: no cover - a container newer than the binding
            container = r.container
        return cls(ctypes.string_at(r.json, r.len) if r.len else b"", r.line, r.index, r.offset,
                   None if ts == _T.NO_TIME else ts, container, r.flags)


@dataclasses.dataclass(frozen=True)
class Problem:
    """Something that could not be decoded (or, from ``Engine.ingest_file``, a
    record the engine refused: ``record`` is set).

    ``line`` is 1-based, 0 for a problem of the whole stream (a truncated gzip
    file); ``column`` 1-based, 0 when unknown; ``fatal`` says that records
    may have been lost (the rest of a line or stream could not be read)."""

    code: Status
    fatal: bool
    line: int
    column: int
    offset: int
    message: str
    record: Optional[Record] = None
    source: str = ""

    def __str__(self):
        where = self.source or "<input>"
        if self.line:
            return "%s:%d: %s" % (where, self.line, self.message)
        return "%s: %s" % (where, self.message)

    @classmethod
    def _from_c(cls, p, source: str) -> "Problem":
        try:
            code = Status(p.code)
        except ValueError:  # pragma: no cover
            code = p.code
        rec = Record._from_c(p.record.contents) if p.record else None
        return cls(code, bool(p.fatal), p.line, p.column, p.offset,
                   (p.message or b"").decode("utf-8", "replace"), rec, source)


class RecordWarning(UserWarning):
    """A problem that lost only what it names (a line, a value, an element);
    ``problem`` holds it."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class RecordError(IamwatchError):
    """A stream lost records (a truncated or broken document, a cut gzip
    file): raised by :func:`read_records` after every readable record was
    yielded. ``problem`` is the first fatal problem, ``problems`` all of them."""

    def __init__(self, problems: List[Problem]):
        self.problems = list(problems)
        self.problem = self.problems[0]
        super().__init__(self.problem.code, str(self.problem), function="iamw_decoder_feed")


@dataclasses.dataclass(frozen=True)
class DecoderStats:
    """``iamw_decoder_stats``: counters over every stream of a decoder."""

    streams: int
    bytes: int
    records: int
    problems: int


# --------------------------------------------------------------------- sources


def _raw_blocks(source: Source, block_size: int) -> Iterator[Union[bytes, memoryview]]:
    """The bytes of a source, block by block. A file is read into one reused
    buffer: a block is valid until the next is asked for."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source).cast("B")
        for i in range(0, len(view), block_size):
            yield view[i:i + block_size]
        return
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            yield from _raw_blocks(f, block_size)
        return
    if not hasattr(source, "read"):
        raise TypeError("a source is a path, bytes or a binary file object, not %s"
                        % type(source).__name__)
    if hasattr(source, "readinto"):
        buf = memoryview(bytearray(block_size))
        while True:
            n = source.readinto(buf)
            if not n:
                return
            yield buf[:n]
    while True:
        block = source.read(block_size)
        if not block:
            return
        if not isinstance(block, (bytes, bytearray)):
            raise TypeError("the file object must be opened in binary mode")
        yield block


def _c_bytes(block: Union[bytes, bytearray, memoryview]):
    """A block as a c_char_p argument, without a copy when it is writable."""
    if isinstance(block, bytes):
        return block
    view = memoryview(block)
    if view.readonly:
        return view.tobytes()
    return (ctypes.c_char * len(view)).from_buffer(view)


class _Blocks:
    """The decompressed blocks of a source (each valid until the next) (gzip recognised by its magic
    bytes, concatenated members allowed); ``failure`` says afterwards why
    the data ended early, or is None."""

    def __init__(self, source: Source, block_size: int):
        if block_size < 2:
            raise ValueError("block_size must be at least 2")
        self.source = source
        self.block_size = block_size
        self.failure: Optional[str] = None

    def __iter__(self) -> Iterator[bytes]:
        raw = _raw_blocks(self.source, self.block_size)
        head = next(raw, b"")
        if len(head) < 2:  # a source giving less than the magic at a time
            head = bytes(head)
            for block in raw:
                head += bytes(block)
                if len(head) >= 2:
                    break
        if bytes(head[:2]) != b"\x1f\x8b":
            if len(head):
                yield head
            yield from raw
            return
        yield from self._gunzip(_chain(head, raw))

    def _gunzip(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """Gzip members one after another, at most block_size bytes out per
        step; bytes after a member that do not start another are ignored,
        as zlib's gzread (and so ``iamwatch scan``) ignores them."""
        d, started, after = zlib.decompressobj(31), False, None
        for chunk in chunks:
            if after is not None:  # between members: does another follow?
                after += chunk
                if len(after) < 2:
                    continue
                if after[:2] != b"\x1f\x8b":
                    return
                chunk, after = after, None
            more = True  # call again while input is left or the output was cut at the limit
            while more:
                started = started or bool(chunk)
                try:
                    out = d.decompress(chunk, self.block_size)
                except zlib.error as e:
                    self.failure = "invalid compressed data (%s)" % e
                    return
                if out:
                    yield out
                if not d.eof:
                    chunk = d.unconsumed_tail
                    more = bool(chunk) or len(out) == self.block_size
                    continue
                rest, d, started = d.unused_data, zlib.decompressobj(31), False
                if len(rest) >= 2 and rest[:2] != b"\x1f\x8b":
                    return
                if len(rest) < 2:
                    after, more = rest, False
                else:
                    chunk, more = rest, True
        if started:
            self.failure = GZIP_CUT


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _source_name(source: Source) -> str:
    """How problems name the source: the path, the file object's name, or
    ``<bytes>`` / ``<stream>``."""
    if isinstance(source, (str, os.PathLike)):
        return os.fsdecode(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<stream>"


class _Policy:
    """Where problems go: to ``on_problem`` when given; else each is kept in
    ``problems``, one that lost only what it names is warned about, and the
    fatal ones are raised together by :meth:`end`."""

    def __init__(self, on_problem: Optional[Callable[[Problem], Any]]):
        self.on_problem = on_problem
        self.problems: List[Problem] = []
        self.fatal: List[Problem] = []

    def handle(self, problem: Problem) -> None:
        self.problems.append(problem)
        if self.on_problem is not None:
            self.on_problem(problem)
        elif problem.fatal:
            self.fatal.append(problem)
        else:  # stacklevel 4: the caller iterating or calling count_file
            warnings.warn(RecordWarning(problem), stacklevel=4)

    def end(self) -> None:
        if self.fatal and self.on_problem is None:
            raise RecordError(self.fatal)


# --------------------------------------------------------------------- the decoder


class Decoder:
    """The push decoder (``iamw_decoder``): feed it bytes in pieces of any size
    (decompressed), get back the records and problems they complete, in
    stream order; the result never depends on how the bytes were split.

    >>> with Decoder() as d:  # doctest: +SKIP
    ...     items = d.feed(b'{"Records": [{"eventName": "A"}]}') + d.finish()

    :meth:`feed`, :meth:`finish` and :meth:`fail` return lists of
    :class:`Record` and :class:`Problem`. After :meth:`finish` (or
    :meth:`fail`, for a source that failed) the decoder reads a new stream.
    One thread at a time."""

    def __init__(self, max_bytes: int = 0, *, source_name: str = "<input>"):
        L = _lib()
        opts = _T.DecoderOptions()
        L.iamw_decoder_options_init(byref(opts), _T.DECODER_OPTIONS_VERSION)
        if max_bytes:
            opts.max_bytes = max_bytes
        h = _T.DecoderP()
        L.iamw_decoder_new(byref(h), byref(opts))
        self._h = h
        self._free = L.iamw_decoder_free
        self.source_name = source_name
        items: deque = deque()
        failure: List[BaseException] = []
        self._items, self._failure = items, failure

        def on_record(r, _payload):
            try:
                items.append(Record._from_c(r.contents))
                return 0
            except BaseException as e:  # cannot cross C: stop the feed, re-raise after
                failure.append(e)
                return 1

        def on_problem(p, _payload):
            try:
                items.append(Problem._from_c(p.contents, source_name))
                return 0
            except BaseException as e:
                failure.append(e)
                return 1

        self._cbs = (_T.RECORD_CB(on_record), _T.PROBLEM_CB(on_problem))  # kept referenced
        L.iamw_decoder_set_callbacks(h, self._cbs[0], self._cbs[1], None)

    def _handle(self):
        if self._h is None:
            raise ValueError("I/O operation on a closed iamwatch.Decoder")
        return self._h

    def _call(self, fn, *args) -> List[Union[Record, Problem]]:
        try:
            fn(self._handle(), *args)
            if self._failure:
                raise self._failure[0]
            return list(self._items)
        finally:
            self._items.clear()
            self._failure.clear()

    def feed(self, data: Union[bytes, bytearray, memoryview]) -> List[Union[Record, Problem]]:
        """Feed the next bytes of the stream; returns what they complete."""
        n = memoryview(data).nbytes
        return self._call(_lib().iamw_decoder_feed, _c_bytes(data), n)

    def finish(self) -> List[Union[Record, Problem]]:
        """End of the stream: decodes what is held, reports a truncated document."""
        return self._call(_lib().iamw_decoder_finish)

    def fail(self, cause: Optional[str] = None) -> List[Union[Record, Problem]]:
        """End of a stream whose source failed: the records complete before the
        cut, then ``cause`` once as a fatal problem of the whole stream."""
        return self._call(_lib().iamw_decoder_fail,
                          None if cause is None else cause.encode("utf-8", "replace"))

    @property
    def stats(self) -> DecoderStats:
        s = _T.DecoderStats()
        _lib().iamw_decoder_get_stats(self._handle(), byref(s))
        return DecoderStats(s.streams, s.bytes, s.records, s.problems)

    @property
    def closed(self) -> bool:
        return self._h is None

    def close(self) -> None:
        h, self._h = self._h, None
        if h is not None:
            self._free(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


# --------------------------------------------------------------------- reading


class RecordReader:
    """The iterator :func:`read_records` returns; ``problems`` lists every
    problem met so far, ``stats`` the decoder's counters."""

    def __init__(self, source: Source, *, on_problem: Optional[Callable[[Problem], Any]] = None,
                 max_bytes: int = 0, block_size: int = DEFAULT_BLOCK_SIZE):
        self._policy = _Policy(on_problem)
        self.problems = self._policy.problems
        self._decoder = Decoder(max_bytes, source_name=_source_name(source))
        self._blocks = _Blocks(source, block_size)
        self._gen = self._run()

    def __iter__(self):
        return self

    def __next__(self) -> Record:
        return next(self._gen)

    @property
    def stats(self) -> DecoderStats:
        return self._decoder.stats

    def close(self) -> None:
        self._gen.close()
        self._decoder.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _run(self) -> Iterator[Record]:
        dec = self._decoder
        try:
            for block in self._blocks:
                for item in dec.feed(block):
                    if isinstance(item, Record):
                        yield item
                    else:
                        self._policy.handle(item)
            failure = self._blocks.failure
            for item in dec.fail(failure) if failure else dec.finish():
                if isinstance(item, Record):
                    yield item
                else:
                    self._policy.handle(item)
        finally:
            dec.close()
        self._policy.end()


def read_records(source: Source, *, on_problem: Optional[Callable[[Problem], Any]] = None,
                 max_bytes: int = 0, block_size: int = DEFAULT_BLOCK_SIZE) -> RecordReader:
    """Iterate over the CloudTrail records of ``source``: a path (``str`` or
    ``os.PathLike``), ``bytes``, or a binary file object; gzip is recognised
    by its magic bytes and read block by block (``block_size`` bytes at a
    time), so memory stays bounded (at most ``max_bytes``, 512 MiB by
    default, of one line or top-level JSON value is held).

    Problems are never silent. With ``on_problem``, each :class:`Problem` is
    passed to it, in stream order with the records, and nothing else happens.
    Without, every problem is kept in the reader's ``problems`` list; one
    that lost only what it names is also issued as a :class:`RecordWarning`
    (``warnings`` module), and when any problem was fatal (records lost: a
    truncated document or gzip file) a :class:`RecordError` is raised after
    the last readable record was yielded.

    >>> for rec in read_records("AWSLogs/.../file.json.gz"):  # doctest: +SKIP
    ...     print(rec.line, rec.data()["eventName"])
    """
    return RecordReader(source, on_problem=on_problem, max_bytes=max_bytes,
                        block_size=block_size)


# --------------------------------------------------------------------- C loops per block


def _problem_collector(problems: List[Problem], failure: List[BaseException], source_name: str):
    def on_problem(p, _payload):
        try:
            problems.append(Problem._from_c(p.contents, source_name))
            return 0
        except BaseException as e:  # cannot cross C: stop, re-raise after
            failure.append(e)
            return 1

    return _T.PROBLEM_CB(on_problem)


def count_matching(pattern_h, match_h, source: Source, block_size: int,
                   on_problem: Optional[Callable[[Problem], Any]] = None) -> int:
    """Pattern.count_file: the records of ``source`` that match, counted in C
    (the decoder's record callback is iamw_pattern_count_record itself), so
    Python runs once per block, not per record. Problems as read_records;
    records too large to match are one more (not fatal) problem."""
    L = _lib()
    name = _source_name(source)
    policy = _Policy(on_problem)
    with Decoder(source_name=name) as dec:
        problems: List[Problem] = []
        failure: List[BaseException] = []
        counter = _T.RecordMatches(pattern_h, match_h, 0, 0, 0)
        count_cb = _T.RECORD_CB(ctypes.cast(L.iamw_pattern_count_record, ctypes.c_void_p).value)
        problem_cb = _problem_collector(problems, failure, name)
        L.iamw_decoder_set_callbacks(dec._handle(), count_cb, problem_cb, byref(counter))

        def step(rc):
            if failure:
                raise failure[0]
            if rc:
                raise IamwatchError(rc, function="iamw_decoder_feed")
            for p in problems:
                policy.handle(p)
            problems.clear()

        blocks = _Blocks(source, block_size)
        for block in blocks:
            step(L.iamw_decoder_feed(dec._handle(), _c_bytes(block), len(block)))
        cause = blocks.failure
        step(L.iamw_decoder_fail(dec._handle(), cause.encode()) if cause
             else L.iamw_decoder_finish(dec._handle()))
    if counter.too_large:
        policy.handle(Problem(Status.ELIMIT, False, 0, 0, 0, "%d records over the event size "
                              "limit (1 MB) were not matched" % counter.too_large, None, name))
    policy.end()
    return counter.matched


@dataclasses.dataclass(frozen=True)
class ReplayReport:
    """What ``Engine.ingest_file`` did (``iamw_replay_report``, summed over
    the blocks): ``problems`` holds, in stream order, the problems of the
    input and the records the engine refused (``record`` set), as
    ``iamwatch scan`` reports them; ``skipped`` is their number, the
    program's "skipped" count."""

    records: int
    events: int
    refused: int
    problems: List[Problem]
    matches: int
    notifications: int

    @property
    def skipped(self) -> int:
        return len(self.problems)

    @property
    def fatal(self) -> bool:
        """Records were lost (``iamwatch scan`` exits with 2)."""
        return any(p.fatal for p in self.problems)


def ingest(engine_h, run, source: Source, advance: bool, block_size: int,
           max_bytes: int = 0) -> ReplayReport:
    """Engine.ingest_file: each block through the decoder into the engine in
    one call (iamw_engine_ingest_bytes), the end with iamw_engine_ingest_finish.
    ``run`` calls into C and re-raises what a notification callback raised."""
    L = _lib()
    name = _source_name(source)
    flags = 1 if advance else 0  # IAMW_INGEST_ADVANCE
    tot = dict(records=0, events=0, refused=0, matches=0, notifications=0)
    with Decoder(max_bytes, source_name=name) as dec:
        problems: List[Problem] = []
        failure: List[BaseException] = []
        problem_cb = _problem_collector(problems, failure, name)
        L.iamw_decoder_set_callbacks(dec._handle(), _T.RECORD_CB(), problem_cb, None)
        rep = _T.ReplayReport()

        def add(rc):
            if failure:
                raise failure[0]
            if rc:
                raise IamwatchError(rc, function="iamw_engine_ingest_bytes")
            for k in tot:
                tot[k] += getattr(rep, k)

        blocks = _Blocks(source, block_size)
        for block in blocks:
            add(run(L.iamw_engine_ingest_bytes, engine_h, dec._handle(), _c_bytes(block),
                    len(block), flags, byref(rep)))
        cause = blocks.failure
        add(run(L.iamw_engine_ingest_finish, engine_h, dec._handle(), flags,
                cause.encode() if cause else None, byref(rep)))
    return ReplayReport(problems=problems, **tot)
