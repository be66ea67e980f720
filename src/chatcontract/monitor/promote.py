"""The fallback promotion check: a fallback's answers against the primary's stored fixtures.

Before traffic is promoted to a fallback route, the fallback is probed and its answers are
compared shape to shape with what the primary's ``probe --out`` stored: the happy answer with
``fixtures/happy.response.json`` and the stream's chunks with ``fixtures/stream.chunks.jsonl``,
each also against the profile (fields the parser needs, ``finish_reason``, usage). A field the
primary's fixture has that the fallback lacks, a field that changed type, a stream that does not
end as the profile says, and any probe case the fallback failed (an error envelope missing on a
refusal, say) break the caller. A comparison that has nothing to compare (no stream fixture from
the primary) is said so as a note and decides nothing.

The result is written as ``promotion.json``; :func:`load_promotion` reads it back for
``Route(last_check=...)``, which refuses a fallback whose last check failed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from chatcontract.contract.profile import Profile
from chatcontract.drift.compare import Capture, compare, load_capture, stream_end_problems
from chatcontract.drift.shape import ChangeKind, merge_shapes, shape_of
from chatcontract.errors import UsageError
from chatcontract.inputs import loads, read_bytes
from chatcontract.probe.render import HAPPY_FIXTURE, STREAM_FIXTURE
from chatcontract.probe.results import CaseResult, ProbeRun
from chatcontract.record import Result

FIXTURE = Path(HAPPY_FIXTURE).name
STREAM = Path(STREAM_FIXTURE).name
SCHEMA = "chatcontract.promotion/1"


@dataclass
class Promotion:
    """Whether the fallback may take the primary's traffic, and every difference that says no."""

    primary_fixture: str
    differences: list[str] = field(default_factory=list)
    checked: bool = True
    model: str | None = None  # the fallback's model, as probed
    target: str | None = None  # the fallback's base URL or label (no secrets)
    notes: list[str] = field(default_factory=list)
    checked_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def ok(self) -> bool:
        return self.checked and not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "ok": self.ok, **asdict(self)}


@dataclass(frozen=True)
class PrimaryFixtures:
    """The primary's stored fixtures, read (and so checked) before the fallback is probed."""

    happy: Capture
    stream: Capture | None  # None: the primary's probe stored no stream fixture

    @property
    def path(self) -> str:
        return self.happy.path


def primary_fixture(path: Path) -> Path:
    """The primary's fixture: ``path`` itself, or ``fixtures/happy.response.json`` under it."""
    for candidate in (path, path / FIXTURE, path / "fixtures" / FIXTURE):
        if candidate.is_file():
            return candidate
    raise UsageError(f"--promote-from {path}: no {FIXTURE} (run `probe --out DIR` on the primary first)")


def load_primary(path: Path) -> PrimaryFixtures:
    """The primary's happy fixture and, beside it, its stream fixture (a bad file: a usage error)."""
    happy = primary_fixture(path)
    stream = happy.parent / STREAM
    return PrimaryFixtures(load_capture(happy), load_capture(stream) if stream.is_file() else None)


def _compare(current: Capture, baseline: Capture, profile: Profile, what: str) -> list[str]:
    report = compare(current, profile, baseline)
    found = [f"{what} {p}: required by the profile, absent from the fallback" for p in report.missing_required]
    found += [f"{what} {c.describe()}" for c in report.changes if c.breaking or c.kind is not ChangeKind.ADDED]
    return found + [f"{what}: {p}" for p in stream_end_problems(current, profile)]


def _stream_differences(stream: CaseResult | None, fixture: Capture | None,
                        profile: Profile) -> tuple[list[str], list[str]]:
    """(differences, notes) of the fallback's stream against the primary's stream fixture."""
    if fixture is None:
        return [], [f"stream shape not compared: the primary's probe stored no {STREAM} beside {FIXTURE}"]
    if stream is None or not stream.stream_fixture:
        return ["stream: the fallback gave no stream to compare"], []
    chunks = stream.stream_fixture
    reasons = [str(c["finish_reason"]) for d in chunks if isinstance(d, dict)
               for c in d.get("choices") or [] if isinstance(c, dict) and isinstance(c.get("finish_reason"), str)]
    current = Capture("fallback stream", merge_shapes([shape_of(c) for c in chunks]), "stream", len(chunks),
                      finish_reasons=reasons)
    return _compare(current, fixture, profile, "stream"), []


def check_promotion(run: ProbeRun, primary: PrimaryFixtures, profile: Profile) -> Promotion:
    """Compare the fallback's answers in ``run`` with the primary's fixtures."""
    results = {r.name: r for r in run.results}
    promotion = Promotion(primary.path, model=run.model, target=run.target)
    happy = results.get("happy")
    if happy is None or happy.fixture is None:
        promotion.differences.append("the fallback gave no happy-path answer to compare")
        promotion.checked = False
        return promotion
    current = Capture("fallback answer", shape_of(happy.fixture), "completion", 1)
    promotion.differences += _compare(current, primary.happy, profile, "happy")
    differences, notes = _stream_differences(results.get("stream"), primary.stream, profile)
    promotion.differences += differences
    promotion.notes += notes
    promotion.differences += [f"probe case {r.name} failed: {(r.notes or [r.observed])[0]}"
                              for r in run.results if r.result is Result.FAIL]
    return promotion


def write_promotion(promotion: Promotion, out_dir: Path) -> Path:
    """``promotion.json`` in ``out_dir`` (what ``Route(last_check=load_promotion(...))`` reads)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "promotion.json"
    path.write_text(json.dumps(promotion.to_dict(), indent=2) + "\n", encoding="utf-8")
    return path


def load_promotion(path: str | Path) -> Promotion:
    """A ``promotion.json`` as a :class:`Promotion` (a usage error when it is not one)."""
    p = Path(path)
    try:
        doc = loads(read_bytes(p, "promotion check"))
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise UsageError(f"{p}: not a promotion check (expected {SCHEMA!r} from `probe --promote-from --out`)")
    names = Promotion.__dataclass_fields__.keys()
    try:
        return TypeAdapter(Promotion).validate_python({k: v for k, v in doc.items() if k in names})
    except ValidationError as exc:
        raise UsageError(f"{p}: a malformed promotion check ({exc.error_count()} field(s) wrong)") from None
