"""Contract drift: compare two captured responses, or one against the profile.

A capture is a JSON file (a ``chat.completion`` body, or a fixture ``probe`` saved), JSON lines,
or a raw SSE transcript (``data: {...}`` lines; ``[DONE]`` and comments are skipped). Lines that
are not JSON are counted and reported, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatcontract.contract.profile import Profile
from chatcontract.drift.shape import Change, ChangeKind, Shape, diff_shapes, merge_shapes, shape_of
from chatcontract.errors import UsageError
from chatcontract.inputs import loads, read_bytes

MAX_BYTES = 16 * 1024 * 1024  # a response body or one stream transcript


@dataclass
class Capture:
    path: str
    shape: Shape
    kind: str  # "completion" or "stream"
    documents: int
    bad_lines: int = 0
    bad_examples: list[str] = field(default_factory=list)
    sse: bool = False  # a raw SSE transcript (``data:`` lines), so its terminator can be checked
    done: bool = False  # the transcript held ``data: [DONE]``
    finish_reasons: list[str] = field(default_factory=list)  # non-null finish_reason values seen


@dataclass
class _Lines:
    docs: list[Any] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    sse: bool = False
    done: bool = False


def _parse_lines(text: str) -> _Lines:
    out = _Lines()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith((":", "event:", "id:", "retry:")):
            continue
        if line.startswith("data:"):
            out.sse = True
            line = line[5:].strip()
            if line == "[DONE]":
                out.done = True
                continue
        try:
            out.docs.append(loads(line))
        except ValueError:
            out.bad.append(line[:80])
    return out


_RESPONSE_KEYS = frozenset({"choices", "object", "error", "id"})
_ATTEMPT_KEYS = frozenset({"started_at", "attempt_number", "http_method", "route_template", "schema_version"})


def _refuse_non_capture(p: Path, objects: list[dict[str, Any]]) -> None:
    """A log or trace is not a response capture: one line saying what it looks like instead."""
    first = objects[0]
    if len(_ATTEMPT_KEYS & first.keys()) >= 2:
        raise UsageError(f"{p}: an attempts log, not a response capture (review logs with 'chatcontract review')")
    if ("log" in first and isinstance(first["log"], dict)) or "resourceSpans" in first:
        kind = "an OTLP trace" if "resourceSpans" in first else "a HAR capture"
        raise UsageError(f"{p}: {kind}, not a response capture (review it with 'chatcontract review')")
    if not any(_RESPONSE_KEYS & o.keys() for o in objects):
        raise UsageError(f"{p}: no chat response in it (expected a chat.completion body, chunks or an SSE transcript)")


def _finish_reasons(objects: list[dict[str, Any]]) -> list[str]:
    found = []
    for o in objects:
        choices = o.get("choices")
        for c in choices if isinstance(choices, list) else []:
            if isinstance(c, dict) and isinstance(c.get("finish_reason"), str):
                found.append(c["finish_reason"])
    return found


def load_capture(path: str | Path) -> Capture:
    """Read one capture; a file that holds no JSON document at all is a usage error."""
    p = Path(path)
    data = read_bytes(p, "capture", limit=MAX_BYTES)
    if b"\x00" in data[:4096]:
        raise UsageError(f"{p}: binary file, expected JSON, JSON lines or an SSE transcript")
    text = data.decode("utf-8", errors="replace")
    try:
        lines = _Lines(docs=[loads(text)])
    except ValueError:
        lines = _parse_lines(text)
    objects = [d for d in lines.docs if isinstance(d, dict)]
    bad = len(lines.bad) + len(lines.docs) - len(objects)
    if not objects:
        raise UsageError(f"{p}: no JSON object found (expected a response body, JSON lines or SSE)")
    _refuse_non_capture(p, objects)
    is_stream = lines.sse or len(objects) > 1 or objects[0].get("object") == "chat.completion.chunk"
    return Capture(
        path=str(p),
        shape=merge_shapes([shape_of(d) for d in objects]),
        kind="stream" if is_stream else "completion",
        documents=len(objects),
        bad_lines=bad,
        bad_examples=lines.bad[:3],
        sse=lines.sse,
        done=lines.done,
        finish_reasons=_finish_reasons(objects),
    )


def stream_end_problems(capture: Capture, profile: Profile) -> list[str]:
    """How a streamed capture failed to end as the profile says a stream ends (breaking drift):
    no chunk carried a finish_reason, or an SSE transcript had no terminator the profile requires."""
    if capture.kind != "stream":
        return []
    problems = []
    if not capture.finish_reasons:
        problems.append("the stream ended without a finish_reason (a cut stream, not a complete answer)")
    terminator = profile.assumptions.stream_terminator.value
    if capture.sse and terminator == "[DONE]" and not capture.done:
        problems.append("the SSE transcript has no data: [DONE] terminator, which the profile requires")
    return problems


def required_paths(profile: Profile, kind: str) -> list[str]:
    """Paths the parser needs, from the profile's ``response_fields`` assumption."""
    paths = [f"$.{name}" for name in profile.assumptions.response_fields.value]
    if kind == "stream":
        return [*(p for p in paths if p != "$.created"), "$.choices[].delta", "$.choices[].finish_reason"]
    return [*paths, "$.choices[].message", "$.choices[].message.content", "$.choices[].finish_reason"]


def _lookup(shape: Shape, path: str) -> Shape | None:
    node: Shape | None = shape
    for part in path.removeprefix("$.").split("."):
        name, is_list = (part[:-2], True) if part.endswith("[]") else (part, False)
        if not isinstance(node, dict) or name not in node:
            return None
        node = node[name]
        if is_list:
            if not isinstance(node, list) or not node:
                return None
            node = node[0]
    return node


@dataclass
class DriftReport:
    baseline: Capture | None
    current: Capture
    profile: str
    changes: list[Change]
    missing_required: list[str]
    stream_end: list[str] = field(default_factory=list)

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    @property
    def has_breaking(self) -> bool:
        return bool(self.breaking or self.missing_required or self.stream_end)

    def to_dict(self) -> dict[str, Any]:
        def cap(c: Capture | None) -> dict[str, Any] | None:
            if c is None:
                return None
            return {"path": c.path, "kind": c.kind, "documents": c.documents, "bad_lines": c.bad_lines}

        return {
            "profile": self.profile,
            "baseline": cap(self.baseline),
            "current": cap(self.current),
            "breaking": self.has_breaking,
            "missing_required": self.missing_required,
            "stream_end": self.stream_end,
            "changes": [
                {"path": c.path, "kind": c.kind.value, "before": c.before, "after": c.after, "breaking": c.breaking}
                for c in self.changes
            ],
        }


def _is_breaking(change: Change, required: list[str]) -> bool:
    if change.kind is ChangeKind.ADDED:
        return False
    prefixes = (change.path + ".", change.path + "[]")
    return any(req == change.path or req.startswith(prefixes) for req in required)


def compare(current: Capture, profile: Profile, baseline: Capture | None = None) -> DriftReport:
    """Differences from ``baseline`` (if any) and required fields missing from ``current``."""
    required = required_paths(profile, current.kind)
    changes: list[Change] = []
    if baseline is not None:
        if baseline.kind != current.kind:
            raise UsageError(f"cannot compare a {baseline.kind} capture with a {current.kind} capture")
        changes = [
            Change(c.path, c.kind, c.before, c.after, breaking=_is_breaking(c, required))
            for c in diff_shapes(baseline.shape, current.shape)
        ]
    missing = [p for p in required if _lookup(current.shape, p) is None]
    return DriftReport(baseline, current, profile.name, changes, missing, stream_end_problems(current, profile))
