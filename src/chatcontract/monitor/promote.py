"""The fallback promotion check: a fallback's answer against the primary's stored fixture.

Before traffic is promoted to a fallback route, its happy-path answer (as the probe captured it)
is compared shape to shape with the primary's fixture (``fixtures/happy.response.json`` from the
primary's ``probe --out``) and against the profile: a field the primary's fixture has that the
fallback's answer lacks, or a field the parser needs that changed type, breaks the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from chatcontract.contract.profile import Profile
from chatcontract.drift.compare import Capture, compare, load_capture
from chatcontract.drift.shape import ChangeKind, shape_of
from chatcontract.errors import UsageError
from chatcontract.probe.results import ProbeRun

FIXTURE = "happy.response.json"


@dataclass
class Promotion:
    """Whether the fallback may take the primary's traffic, and every difference that says no."""

    primary_fixture: str
    differences: list[str] = field(default_factory=list)
    checked: bool = True

    @property
    def ok(self) -> bool:
        return self.checked and not self.differences


def primary_fixture(path: Path) -> Path:
    """The primary's fixture: ``path`` itself, or ``fixtures/happy.response.json`` under it."""
    for candidate in (path, path / FIXTURE, path / "fixtures" / FIXTURE):
        if candidate.is_file():
            return candidate
    raise UsageError(f"--promote-from {path}: no {FIXTURE} (run `probe --out DIR` on the primary first)")


def check_promotion(run: ProbeRun, primary: Path, profile: Profile) -> Promotion:
    """Compare the fallback's happy answer in ``run`` with the primary's fixture."""
    baseline = load_capture(primary)
    happy = next((r for r in run.results if r.name == "happy"), None)
    if happy is None or happy.fixture is None:
        return Promotion(str(primary), ["the fallback gave no happy-path answer to compare"], checked=False)
    current = Capture("fallback answer", shape_of(happy.fixture), "completion", 1)
    report = compare(current, profile, baseline)
    differences = [f"{p}: required by the profile, absent from the fallback" for p in report.missing_required]
    differences += [c.describe() for c in report.changes if c.breaking or c.kind is not ChangeKind.ADDED]
    return Promotion(str(primary), differences)
