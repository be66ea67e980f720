"""The readiness gate: seed 004's ten criteria for controlled production traffic.

Each criterion is answered ``yes``, ``no`` or ``unknown`` from one source of evidence, and says
what it stood on and where that came from:

- the probe (run now, or a ``results.json`` from ``probe --out``): endpoint and auth contract,
  a minimal completion from this runtime, malformed requests refused as non-retryable, streaming
  and non-streaming tested separately;
- a conduct run's JSON (the user's client graded under faults): auth failures do not fall back,
  retries bounded with jitter, fallback only when safe and within the deadline;
- a fixtures directory: sanitized fixtures checked in; ``drift`` tolerates an extra field and
  flags a missing required one against them;
- an owners file: who owns credential, model, quota and billing failures.

Missing evidence is ``unknown``, never ``yes``: a criterion is ``yes`` only when every check it
needs ran and passed, ``no`` when one of them failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Criterion:
    """One readiness criterion: its id, the sentence it checks, and the source it reads."""

    id: str
    title: str
    source: str  # probe / conduct / fixtures / owners


CRITERIA: tuple[Criterion, ...] = (
    Criterion("endpoint_auth_contract", "The endpoint and auth contract match the profile", "probe"),
    Criterion("minimal_completion", "A minimal completion works from this runtime", "probe"),
    Criterion("malformed_not_retried", "Malformed requests are refused as non-retryable", "probe"),
    Criterion("stream_and_nonstream", "Streaming and non-streaming are tested separately", "probe"),
    Criterion("auth_no_fallback", "Auth failures do not fall back", "conduct"),
    Criterion("retries_bounded_jitter", "Retries are bounded, with jitter", "conduct"),
    Criterion("fallback_when_safe", "Fallback happens only when safe and within the deadline", "conduct"),
    Criterion("fixtures_sanitized", "Sanitized fixtures are checked in", "fixtures"),
    Criterion("parser_tolerance", "The parser tolerates extra fields and rejects missing required ones", "fixtures"),
    Criterion("owners_assigned", "Owners of credential, model, quota and billing failures are named", "owners"),
)

# Probe case names behind each probe criterion (fixed names: users put them in CI).
PROBE_CASES: dict[str, tuple[str, ...]] = {
    "endpoint_auth_contract": ("wrong-path", "missing-auth", "invalid-key"),
    "minimal_completion": ("happy",),
    "malformed_not_retried": ("missing-model", "empty-messages", "invalid-role"),
    "stream_and_nonstream": ("happy", "stream"),
}


@dataclass
class Verdict:
    """A criterion's answer, the evidence it stands on and where that came from."""

    criterion: Criterion
    answer: Answer
    evidence: list[str] = field(default_factory=list)
    origin: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.criterion.id,
            "title": self.criterion.title,
            "source": self.criterion.source,
            "answer": self.answer.value,
            "evidence": list(self.evidence),
            "origin": self.origin,
        }


def unknown(criterion: Criterion, why: str) -> Verdict:
    return Verdict(criterion, Answer.UNKNOWN, [why], "")


def combine(criterion: Criterion, checks: Iterable[tuple[str, str]], origin: str) -> Verdict:
    """``(name, result)`` pairs → yes when all passed, no when one failed, else unknown.

    A result is ``pass``/``fail``/anything else (inconclusive, not run); no checks at all is
    unknown.
    """
    pairs = list(checks)
    evidence = [f"{name}: {result}" for name, result in pairs]
    if any(result == "fail" for _, result in pairs):
        answer = Answer.NO
    elif pairs and all(result == "pass" for _, result in pairs):
        answer = Answer.YES
    else:
        answer = Answer.UNKNOWN
        if not pairs:
            evidence.append("no check for this criterion in the input")
    return Verdict(criterion, answer, evidence, origin)


def from_probe(cases: Mapping[str, str] | None, origin: str) -> list[Verdict]:
    """The probe criteria from case results (``name -> pass/fail/inconclusive``)."""
    wanted = [c for c in CRITERIA if c.source == "probe"]
    if cases is None:
        return [unknown(c, "no probe evidence (run without --no-probe, or pass --probe-results)") for c in wanted]
    verdicts = []
    for criterion in wanted:
        names = PROBE_CASES[criterion.id]
        pairs = [(name, cases.get(name, "not run")) for name in names]
        verdicts.append(combine(criterion, pairs, origin))
    return verdicts


def overall(verdicts: list[Verdict]) -> Answer:
    answers = {v.answer for v in verdicts}
    if Answer.NO in answers:
        return Answer.NO
    if Answer.UNKNOWN in answers or len(verdicts) < len(CRITERIA):
        return Answer.UNKNOWN
    return Answer.YES


EXIT_CODES = {Answer.YES: 0, Answer.NO: 1, Answer.UNKNOWN: 3}


@dataclass
class Readiness:
    """Every criterion's verdict, in seed order."""

    verdicts: list[Verdict]
    target: str | None = None

    @property
    def answer(self) -> Answer:
        return overall(self.verdicts)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.answer]

    def counts(self) -> dict[str, int]:
        counts = {a.value: 0 for a in Answer}
        for v in self.verdicts:
            counts[v.answer.value] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "ready": self.answer.value,
            "target": self.target,
            "summary": self.counts(),
            "exit_code": self.exit_code,
            "criteria": [v.to_dict() for v in self.verdicts],
        }
