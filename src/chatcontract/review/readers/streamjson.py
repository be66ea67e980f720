"""Streaming JSON: objects at chosen paths of one large document, without loading it whole.

HAR files and OTLP/JSON exports are single documents that may be larger than memory;
:func:`objects_at` walks the parse events (ijson) and builds only the sub-objects under the
given prefixes, yielding each as soon as it is complete.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import IO, Any

import ijson


class TruncatedDocumentError(Exception):
    """The document ended early or is not valid JSON after some point."""


def objects_at(stream: IO[bytes], prefixes: frozenset[str],
               marks: frozenset[str] = frozenset()) -> Iterator[tuple[str, Any]]:
    """``(prefix, object)`` for each complete value found under one of ``prefixes``, and
    ``(mark, None)`` where an object starts at one of ``marks`` (without building it)."""
    builder: ijson.ObjectBuilder | None = None
    active: str | None = None
    depth = 0
    try:
        for prefix, event, value in ijson.parse(stream, use_float=True, multiple_values=True):
            if builder is None:
                if event == "start_map" and prefix in marks:
                    yield prefix, None
                if prefix in prefixes and event in ("start_map", "start_array"):
                    builder, active, depth = ijson.ObjectBuilder(), prefix, 0
                elif prefix in prefixes and event not in ("end_map", "end_array", "map_key"):
                    yield prefix, value
                    continue
                else:
                    continue
            builder.event(event, value)
            if event in ("start_map", "start_array"):
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
                if depth == 0:
                    assert active is not None
                    yield active, builder.value
                    builder, active = None, None
    except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError, ValueError, EOFError, OSError,
            zlib.error) as exc:  # a gzip stream that is cut or corrupt ends the document too
        raise TruncatedDocumentError(str(exc).splitlines()[0][:200] if str(exc) else "invalid JSON") from None
