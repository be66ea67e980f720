"""Reading the readiness gate's inputs: a conduct run's JSON, a fixtures directory, an owners file.

Each reader returns the verdicts of the criteria its input covers; an input that was not given
gives ``unknown`` verdicts, an input that cannot be read is a :class:`UsageError` (exit 2), and
an input that was given but lacks what a criterion needs answers that criterion ``no`` only when
its absence is itself the evidence (no fixture in the fixtures directory, an owner not named).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from chatcontract.contract.profile import Profile
from chatcontract.drift.compare import Capture, compare, load_capture
from chatcontract.errors import UsageError
from chatcontract.evidence.lint import lint_secrets
from chatcontract.inputs import parse_json, parse_yaml, read_bytes
from chatcontract.monitor.ready import CRITERIA, Answer, Criterion, Verdict, combine, unknown

MAX_INPUT_BYTES = 16 * 1024 * 1024
FIXTURE_SUFFIXES = (".json", ".jsonl", ".sse", ".txt")
OWNED_FAILURES = ("credential", "model", "quota", "billing")
# conduct check name fragments → criterion (when a check does not name its criterion)
CONDUCT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "auth_no_fallback": ("auth",),
    "retries_bounded_jitter": ("retry", "retries", "jitter", "backoff"),
    "fallback_when_safe": ("fallback", "deadline"),
}
_RESULTS = {"pass": "pass", "passed": "pass", "ok": "pass", "fail": "fail", "failed": "fail"}


def _criteria(source: str) -> list[Criterion]:
    return [c for c in CRITERIA if c.source == source]


def _read_text(path: Path, what: str) -> str:
    """The text of one input through the bounded reader (``/dev/zero`` and huge files refused)."""
    return read_bytes(path, what, limit=MAX_INPUT_BYTES).decode("utf-8", errors="replace")


# -- probe -------------------------------------------------------------------------------------
def probe_cases(path: Path) -> tuple[dict[str, str], str]:
    """Case name -> result from an earlier ``probe --out`` results.json, and where they came from."""
    doc = parse_json(_read_text(path, "--probe-results"), f"--probe-results {path}")
    try:
        cases = {str(c["name"]): str(c["result"]) for c in doc["cases"]}
    except (KeyError, TypeError) as exc:
        raise UsageError(f"--probe-results {path}: not a probe results.json ({type(exc).__name__})") from None
    return cases, f"probe results {path} (target {doc.get('target')})"


# -- conduct -----------------------------------------------------------------------------------
def _checks(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, dict):
        for key in ("checks", "results", "scenarios"):
            if isinstance(doc.get(key), list):
                return [c for c in doc[key] if isinstance(c, dict)]
    if isinstance(doc, list):
        return [c for c in doc if isinstance(c, dict)]
    return []


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    return next((str(item[k]) for k in keys if isinstance(item.get(k), str | int | bool)), "")


def _criteria_of(item: dict[str, Any], name: str) -> set[str]:
    named = item.get("criterion", item.get("criteria"))
    if isinstance(named, str):
        return {named}
    if isinstance(named, list):
        return {str(n) for n in named}
    lowered = name.lower()
    found = {cid for cid, words in CONDUCT_KEYWORDS.items() if any(w in lowered for w in words)}
    if "auth_no_fallback" in found:  # "auth-401-no-fallback" is about auth, not about when to fall back
        found.discard("fallback_when_safe")
    return found


def conduct_verdicts(path: Path | None) -> list[Verdict]:
    """The conduct criteria from a conduct run's JSON (see the module docstring of ``cli/ready``)."""
    wanted = _criteria("conduct")
    if path is None:
        return [unknown(c, "no conduct run (pass --conduct results.json from `chatcontract conduct`)") for c in wanted]
    doc = parse_json(_read_text(path, "--conduct"), f"--conduct {path}")
    checks = _checks(doc)
    if not checks:
        raise UsageError(f"--conduct {path}: no list of checks (expected 'checks': [{{name, result}}, ...])")
    pairs: dict[str, list[tuple[str, str]]] = {c.id: [] for c in wanted}
    for item in checks:
        name = _first(item, ("name", "check", "scenario", "id")) or "(unnamed)"
        result = _RESULTS.get(_first(item, ("result", "verdict", "outcome", "status")).lower(), "inconclusive")
        for cid in _criteria_of(item, name) & set(pairs):
            pairs[cid].append((name, result))
    return [combine(c, pairs[c.id], f"conduct run {path}") for c in wanted]


# -- fixtures ----------------------------------------------------------------------------------
def _fixture_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise UsageError(f"--fixtures {directory}: not a directory")
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix in FIXTURE_SUFFIXES)


def _sanitized(files: list[Path], origin: str) -> Verdict:
    criterion = _criteria("fixtures")[0]
    if not files:
        return Verdict(criterion, Answer.NO, ["no fixture (*.json, *.jsonl, *.sse) in the directory"], origin)
    evidence: list[str] = []
    leaking = 0
    for path in files:
        findings = lint_secrets(_read_text(path, "fixture"), str(path))
        leaking += bool(findings)
        evidence.append(f"{path.name}: {len(findings)} secret-like value(s)" if findings else f"{path.name}: clean")
    return Verdict(criterion, Answer.NO if leaking else Answer.YES, evidence, origin)


def _tolerance_checks(capture: Capture, profile: Profile) -> list[tuple[str, str]]:
    """Drift against one fixture: it carries what the parser needs; an extra field passes; a
    missing required field is caught."""
    name = Path(capture.path).name
    own = compare(capture, profile)
    checks = [(f"{name}: has every field the profile requires", "fail" if own.missing_required else "pass")]
    if not isinstance(capture.shape, dict) or own.missing_required:
        return checks
    extra = replace(capture, shape={**capture.shape, "x_unexpected_field": "string"})
    tolerated = not compare(extra, profile, capture).has_breaking
    checks.append((f"{name}: an extra field is not breaking", "pass" if tolerated else "fail"))
    required = next((k for k in profile.assumptions.response_fields.value if k in capture.shape), None)
    if required is not None:
        gone = replace(capture, shape={k: v for k, v in capture.shape.items() if k != required})
        caught = compare(gone, profile, capture).has_breaking
        checks.append((f"{name}: a missing '{required}' is breaking", "pass" if caught else "fail"))
    return checks


def fixtures_verdicts(directory: Path | None, profile: Profile) -> list[Verdict]:
    """Fixtures checked in and sanitized; drift's tolerance and strictness against them."""
    sanitized, tolerance = _criteria("fixtures")
    if directory is None:
        why = "no fixtures directory (pass --fixtures DIR, e.g. the fixtures/ that `probe --out` writes)"
        return [unknown(sanitized, why), unknown(tolerance, why)]
    files = _fixture_files(directory)
    origin = f"fixtures directory {directory}"
    checks: list[tuple[str, str]] = []
    for path in files:
        try:
            checks.extend(_tolerance_checks(load_capture(path), profile))
        except UsageError as exc:
            checks.append((f"{path.name}: {exc}", "inconclusive"))
    return [_sanitized(files, origin), combine(tolerance, checks, f"drift over {origin}")]


# -- owners ------------------------------------------------------------------------------------
def _owner(value: Any) -> str | None:
    if isinstance(value, dict):
        value = next((value[k] for k in ("owner", "team", "contact") if value.get(k)), None)
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v)
    text = str(value).strip() if value is not None else ""
    return text or None


def owners_verdicts(path: Path | None) -> list[Verdict]:
    """Who owns credential, model, quota and billing failures (YAML or JSON mapping)."""
    criterion = _criteria("owners")[0]
    if path is None:
        return [unknown(criterion, "no owners file (pass --owners owners.yaml: credential/model/quota/billing)")]
    doc = parse_yaml(_read_text(path, "--owners"), f"--owners {path}")
    if isinstance(doc, dict) and isinstance(doc.get("owners"), dict):
        doc = doc["owners"]
    if not isinstance(doc, dict):
        raise UsageError(f"--owners {path}: expected a mapping of failure kind to owner")
    lowered = {str(k).lower(): v for k, v in doc.items()}
    pairs = []
    for kind in OWNED_FAILURES:
        owner = _owner(lowered.get(kind))
        pairs.append((f"{kind} failures: {owner}" if owner else f"{kind} failures: no owner named",
                      "pass" if owner else "fail"))
    return [combine(criterion, pairs, f"owners file {path}")]
