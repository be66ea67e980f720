"""``probe``'s stop rules (-x, --max-time), its baseline and its JSON document, kept out of the
command module so the run itself stays one call to :func:`run_probe`."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatcontract.cli.progress import Steps
from chatcontract.probe.results import CaseResult, ProbeRun
from chatcontract.probe.runner import StopRun
from chatcontract.record import Result
from chatcontract.target import Target

if TYPE_CHECKING:
    from chatcontract.probe.baseline import BaselineCheck
    from chatcontract.probe.registry import Case


def now() -> float:
    """The clock of ``--max-time`` (a test replaces it)."""
    return time.monotonic()


class Interrupted(Exception):  # noqa: N818 - carries the partial run out of Ctrl-C
    def __init__(self, run: ProbeRun) -> None:
        super().__init__("interrupted")
        self.run = run


@dataclass
class StopRules:
    """When a probe run ends early: after the first failure (-x), or when no case may start any
    more (--max-time: a case in flight finishes, bounded by its own timeouts)."""

    exitfirst: bool = False
    max_time_s: float | None = None
    clock: Callable[[], float] | None = None  # default: now()
    reason: str | None = None
    results: list[CaseResult] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)

    def hooks(self, cases: Sequence[Case], steps: Steps) -> tuple[Callable[[Case], None], Callable[[CaseResult], None]]:
        clock = self.clock or now
        started_at = clock()
        names = [c.name for c in cases]

        def on_start(case: Case) -> None:
            if self.max_time_s is not None and clock() - started_at >= self.max_time_s:
                self.reason = f"--max-time {self.max_time_s:g}s reached"
                self.not_run = names[names.index(case.name):]
                raise StopRun(self.reason)
            steps.started(case.name)

        def on_result(result: CaseResult) -> None:
            self.results.append(result)
            steps.finished(f"{result.name}: {result.result.value}")
            if self.exitfirst and result.result is Result.FAIL:
                self.reason = f"-x: stopped after the first failure ({result.name})"
                self.not_run = names[names.index(result.name) + 1:]
                raise StopRun(self.reason)

        return on_start, on_result

    def exit_code(self, run: ProbeRun, check: BaselineCheck | None) -> int:
        code = check.exit_code if check is not None else run.exit_code
        if code == 0 and self.not_run:
            return 3  # cases that did not run cannot have passed
        return code

    def partial(self, target: Target, run_id: str, max_requests: int) -> ProbeRun:
        """The run as far as it got (Ctrl-C): the finished cases and their records."""
        from datetime import UTC, datetime

        run = ProbeRun(target=target.label or target.base_url, profile=target.profile.name, run_id=run_id,
                       embedded=target.embedded, model=target.model, max_requests=max_requests,
                       credential_source=target.credential.source if target.credential else None)
        run.results = list(self.results)
        run.records = [record for result in self.results for record in result.records]
        run.requests_sent = len(run.records)
        run.finished_at = datetime.now(UTC)
        return run


def write_partial(run: ProbeRun, out: Path, secret: str | None) -> list[Path]:
    """After Ctrl-C: the finished cases as data (results.json, attempts.jsonl, report.md, junit.xml),
    fast; the HTML report (its chart needs matplotlib, seconds to load) is left out."""
    import json

    from chatcontract.probe.render import junit_report, markdown_report
    from chatcontract.redact import MASK
    from chatcontract.report.files import write_report_files

    texts = {
        "results.json": json.dumps(run.results_document(), indent=2) + "\n",
        "attempts.jsonl": "".join(r.to_json() + "\n" for r in run.records),
        "report.md": markdown_report(run),
        "junit.xml": junit_report(run),
    }
    if secret:
        texts = {name: text.replace(secret, MASK) for name, text in texts.items()}
    return write_report_files(out, texts)


def json_document(run: ProbeRun, rules: StopRules, check: BaselineCheck | None) -> dict[str, Any]:
    """``probe --json``: the results.json document, plus how the run ended and the baseline check."""
    doc = run.results_document()
    doc["stopped"] = rules.reason
    doc["not_run"] = rules.not_run
    doc["baseline"] = check.to_dict() if check is not None else None
    doc["exit_code"] = rules.exit_code(run, check)
    return doc
