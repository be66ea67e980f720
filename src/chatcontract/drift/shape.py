"""Response shapes and the differences between two of them.

A *shape* is what a JSON document looks like with its values taken away: objects keep their
keys, arrays the union of their items' shapes, scalars become a type name. Two captures of the
same endpoint (a fixture saved by ``probe`` last month and one saved today, or a raw response)
are compared shape to shape; a field the profile says the parser needs that disappears, or
changes type, is breaking drift.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Shape = str | dict[str, Any] | list[Any]

# Fields whose text ``shape_of_body`` replaced by ``{"chars": N}`` in saved fixtures.
_TEXT_FIELDS = frozenset({"content", "text", "arguments", "input", "prompt", "refusal"})


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


def _merge(a: Shape, b: Shape) -> Shape:
    """One shape covering both ``a`` and ``b`` (array items, stream chunks)."""
    if a == b:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        merged = dict(a)
        for key, value in b.items():
            merged[key] = _merge(merged[key], value) if key in merged else value
        return merged
    if isinstance(a, list) and isinstance(b, list):
        if not a or not b:
            return a or b
        return [_merge(a[0], b[0])]
    names = sorted(set(_names(a)) | set(_names(b)))
    return "|".join(names)


def _names(shape: Shape) -> list[str]:
    if isinstance(shape, str):
        return shape.split("|")
    return ["object" if isinstance(shape, dict) else "array"]


def shape_of(doc: Any, *, key: str | None = None) -> Shape:
    """The shape of a JSON value (text fields saved as ``{"chars": N}`` count as strings)."""
    if isinstance(doc, Mapping):
        if key in _TEXT_FIELDS and set(doc) == {"chars"}:
            return "string"
        return {str(k): shape_of(v, key=str(k)) for k, v in doc.items()}
    if isinstance(doc, Sequence) and not isinstance(doc, str | bytes):
        items: Shape | None = None
        for item in doc:
            s = shape_of(item, key=key)
            items = s if items is None else _merge(items, s)
        return [] if items is None else [items]
    return _scalar(doc)


def merge_shapes(shapes: Sequence[Shape]) -> Shape:
    """One shape for many documents (e.g. every chunk of a stream)."""
    result: Shape | None = None
    for s in shapes:
        result = s if result is None else _merge(result, s)
    return {} if result is None else result


class ChangeKind(StrEnum):
    REMOVED = "removed"
    ADDED = "added"
    TYPE_CHANGED = "type_changed"


@dataclass(frozen=True)
class Change:
    path: str
    kind: ChangeKind
    before: str | None
    after: str | None
    breaking: bool = False

    def describe(self) -> str:
        if self.kind is ChangeKind.REMOVED:
            return f"{self.path}: field removed (was {self.before})"
        if self.kind is ChangeKind.ADDED:
            return f"{self.path}: field added ({self.after})"
        return f"{self.path}: type changed from {self.before} to {self.after}"


def _label(shape: Shape) -> str:
    return "|".join(_names(shape))


def diff_shapes(before: Shape, after: Shape, path: str = "$") -> list[Change]:
    """Every difference between two shapes, outermost first."""
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[Change] = []
        for key in before:
            sub = f"{path}.{key}"
            if key not in after:
                changes.append(Change(sub, ChangeKind.REMOVED, _label(before[key]), None))
            else:
                changes.extend(diff_shapes(before[key], after[key], sub))
        changes.extend(
            Change(f"{path}.{key}", ChangeKind.ADDED, None, _label(after[key])) for key in after if key not in before
        )
        return changes
    if isinstance(before, list) and isinstance(after, list):
        if before and after:
            return diff_shapes(before[0], after[0], f"{path}[]")
        return []
    if _label(before) != _label(after):
        # A value that was sometimes null and is now always a type (or back) is not a new type.
        if set(_names(before)) - {"null"} == set(_names(after)) - {"null"}:
            return []
        return [Change(path, ChangeKind.TYPE_CHANGED, _label(before), _label(after))]
    return []
