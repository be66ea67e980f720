"""A baseline of accepted probe outcomes, so CI fails only on new ones.

A team adopting the probe against a provider with known deviations writes the baseline from a
run (``probe --write-baseline FILE``: every case that did not pass, with what was observed),
reviews it, commits it, and runs ``probe --baseline FILE``. A case is *accepted* when the
baseline lists it with the same result, or lists it as ``fail`` and it is now inconclusive (no
worse). Everything else that did not pass is *new* and decides the exit code. A listed case
that now passes is *fixed*: said, so the entry can be removed; it fails nothing.

The file is JSON::

    {"version": 1, "profile": "cometapi", "target": "https://api.example.com/v1",
     "written_at": "...", "accepted": [{"case": "wrong-path", "result": "fail",
     "observed": "HTTP 200 text/html", "reason": ""}]}

``reason`` is for the humans who review it (the tool writes it empty).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chatcontract.errors import UsageError
from chatcontract.inputs import parse_json, read_text
from chatcontract.probe.results import ProbeRun
from chatcontract.record import Result

VERSION = 1
_RANK = {Result.PASS.value: 0, Result.INCONCLUSIVE.value: 1, Result.FAIL.value: 2}


@dataclass(frozen=True)
class Accepted:
    case: str
    result: str
    observed: str = ""
    reason: str = ""


@dataclass
class BaselineCheck:
    """A run judged against a baseline."""

    path: str
    accepted: list[str] = field(default_factory=list)
    new: list[tuple[str, str]] = field(default_factory=list)  # (case, result)
    fixed: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        results = {result for _, result in self.new}
        if Result.FAIL.value in results:
            return 1
        return 3 if Result.INCONCLUSIVE.value in results else 0

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.path, "accepted": self.accepted,
                "new": [{"case": c, "result": r} for c, r in self.new], "fixed": self.fixed}


def load_baseline(path: Path) -> dict[str, Accepted]:
    """The accepted outcomes by case name; a malformed file is a :class:`UsageError`."""
    data = parse_json(read_text(path, "baseline file"), f"baseline file {path}")
    entries = data.get("accepted") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise UsageError(f"baseline file {path}: expected a JSON object with an 'accepted' list "
                         "(write one with probe --write-baseline)")
    found: dict[str, Accepted] = {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("case"), str) \
                or entry.get("result") not in (Result.FAIL.value, Result.INCONCLUSIVE.value):
            raise UsageError(f"baseline file {path}: entry {number} needs a 'case' name and a 'result' of "
                             "fail or inconclusive")
        found[entry["case"]] = Accepted(entry["case"], entry["result"], str(entry.get("observed", "")),
                                        str(entry.get("reason", "")))
    return found


def check_baseline(run: ProbeRun, baseline: dict[str, Accepted], path: str) -> BaselineCheck:
    check = BaselineCheck(path)
    for result in run.results:
        listed = baseline.get(result.name)
        value = result.result.value
        if value == Result.PASS.value:
            if listed is not None:
                check.fixed.append(result.name)
        elif listed is not None and _RANK[value] <= _RANK[listed.result]:
            check.accepted.append(result.name)
        else:
            check.new.append((result.name, value))
    return check


def baseline_document(run: ProbeRun) -> dict[str, Any]:
    """Every case of ``run`` that did not pass, as a baseline to review and commit."""
    accepted = [{"case": r.name, "result": r.result.value, "observed": r.observed or r.missing or "", "reason": ""}
                for r in run.results if r.result is not Result.PASS]
    return {"version": VERSION, "profile": run.profile, "target": run.target,
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"), "accepted": accepted}


def write_baseline(run: ProbeRun, path: Path) -> int:
    """Write the baseline of ``run`` to ``path``; the number of accepted cases."""
    document = baseline_document(run)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the baseline {path}: {exc.strerror or exc}") from None
    return len(document["accepted"])
