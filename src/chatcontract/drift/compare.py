"""Contract drift: compare two captured responses, or one against the profile.

A capture is a JSON file (a ``chat.completion`` body, or a fixture ``probe`` saved), JSON lines,
or a raw SSE transcript (``data: {...}`` lines; ``[DONE]`` and comments are skipped). Lines that
are not JSON are counted and reported, never dropped silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatcontract.contract.profile import Profile
from chatcontract.drift.shape import Change, ChangeKind, Shape, diff_shapes, merge_shapes, shape_of
from chatcontract.errors import UsageError

MAX_BYTES = 256 * 1024 * 1024


@dataclass
class Capture:
    path: str
    shape: Shape
    kind: str  # "completion" or "stream"
    documents: int
    bad_lines: int = 0
    bad_examples: list[str] = field(default_factory=list)


def _parse_lines(text: str) -> tuple[list[Any], int, list[str]]:
    docs: list[Any] = []
    bad: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith((":", "event:", "id:", "retry:")):
            continue
        if line.startswith("data:"):
            line = line[5:].strip()
            if line == "[DONE]":
                continue
        try:
            docs.append(json.loads(line))
        except ValueError:
            bad.append(line[:80])
    return docs, len(bad), bad[:3]


def load_capture(path: str | Path) -> Capture:
    """Read one capture; a file that holds no JSON document at all is a usage error."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise UsageError(f"{p}: capture larger than {MAX_BYTES // (1024 * 1024)} MiB")
        data = p.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{p}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{p}: cannot read: {exc.strerror or exc}") from None
    if b"\x00" in data[:4096]:
        raise UsageError(f"{p}: binary file, expected JSON, JSON lines or an SSE transcript")
    text = data.decode("utf-8", errors="replace")
    try:
        doc = json.loads(text)
        docs, bad, examples = [doc], 0, list[str]()
    except ValueError:
        docs, bad, examples = _parse_lines(text)
    objects = [d for d in docs if isinstance(d, dict)]
    bad += len(docs) - len(objects)
    if not objects:
        raise UsageError(f"{p}: no JSON object found (expected a response body, JSON lines or SSE)")
    is_stream = len(objects) > 1 or objects[0].get("object") == "chat.completion.chunk"
    return Capture(
        path=str(p),
        shape=merge_shapes([shape_of(d) for d in objects]),
        kind="stream" if is_stream else "completion",
        documents=len(objects),
        bad_lines=bad,
        bad_examples=examples,
    )


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

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    @property
    def has_breaking(self) -> bool:
        return bool(self.breaking or self.missing_required)

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
    return DriftReport(baseline, current, profile.name, changes, missing)
