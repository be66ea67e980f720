"""The glue behind the evidence commands: flags in, store and target opened, results out.

The CLI modules stay thin; this module turns their plain arguments into a plan, opens the
store and the target, and returns what to show.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatcontract.config import resolve_model
from chatcontract.contract.profile import DEFAULT_PROFILE, load_profile
from chatcontract.errors import UsageError
from chatcontract.evidence.expect import NEGATIVE_CLASS
from chatcontract.evidence.facts import incident_facts
from chatcontract.evidence.lint import Finding, lint_text
from chatcontract.evidence.notes import ReproNote
from chatcontract.evidence.packet import PacketMeta, build_packet, load_meta
from chatcontract.evidence.packet_render import FORMATS, render_packet
from chatcontract.evidence.redaction import redact_evidence
from chatcontract.evidence.repro import Progress, ReproPlan, run_repro
from chatcontract.evidence.store import EvidenceStore, validate_incident_id
from chatcontract.evidence.target import SIM_DEFAULT_MODEL, open_target, resolve_operator
from chatcontract.evidence.wire import Timeouts
from chatcontract.record import FailureClass
from chatcontract.redact import active_redactor, configure_redaction, use_redactor


@dataclass
class ReproResult:
    note: ReproNote
    notices: list[str] = field(default_factory=list)


def parse_failure_class(value: str | None, negative: str | None) -> FailureClass:
    """``--class`` as a :class:`FailureClass`; defaults to what the negative case produces."""
    if value is None:
        if negative is not None and negative in NEGATIVE_CLASS:
            return NEGATIVE_CLASS[negative]
        if negative is not None:
            known = ", ".join(sorted(NEGATIVE_CLASS))
            raise UsageError(f"unknown negative case {negative!r}: use one of {known}")
        raise UsageError("--class is required (e.g. --class server_error) unless --negative is given")
    try:
        return FailureClass(value.strip().lower().replace("-", "_"))
    except ValueError:
        names = ", ".join(c.value for c in FailureClass)
        raise UsageError(f"unknown failure class {value!r}: use one of {names}") from None


def run_repro_command(
    *,
    incident: str,
    failure_class: str | None,
    negative: str | None,
    attempts: int,
    identical: int,
    wait_s: float,
    base_url: str | None,
    api_key_env: str,
    api_key_file: Path | None,
    model: str | None,
    profile: str,
    store: str | None,
    operator: str | None,
    timeouts: Timeouts | None = None,
    progress: Progress | None = None,
    connection: Mapping[str, Any] | None = None,
) -> ReproResult:
    """Run ``repro`` end to end and return the note (``progress`` hears of each attempt)."""
    validate_incident_id(incident)
    if not 0 <= wait_s <= 60:
        raise UsageError("--wait-s must be between 0 and 60")
    prof = load_profile(profile)
    plan_class = parse_failure_class(failure_class, negative)
    notices: list[str] = []
    # Target and plan first: bad input is refused before a store is created or touched.
    check = plan_class not in (FailureClass.CONNECT_ERROR, FailureClass.TIMEOUT)  # else a dead target is evidence
    with open_target(base_url, prof, api_key_env, api_key_file, **(connection or {}), check=check) as tgt:
        chosen = resolve_model(model, SIM_DEFAULT_MODEL if tgt.embedded else None)
        if tgt.embedded:
            notices.append(f"no base URL given: targeting the embedded simulator at {tgt.alias}")
        elif tgt.credential is None:
            notices.append(f"no API key found in ${api_key_env}: requests are sent without a key")
        plan = ReproPlan(
            incident_id=incident,
            failure_class=plan_class,
            profile=prof,
            model=chosen,
            negative=negative,
            max_attempts=attempts,
            identical_stop=identical,
            timeouts=timeouts or Timeouts(),
            wait_base_s=wait_s,
            wait_max_s=max(wait_s, 4.0),
            operator=resolve_operator(operator),
        )
        with EvidenceStore(store) as ev:
            note = run_repro(plan, tgt, ev, progress=progress)
            notices.append(f"stored {len(note.attempts)} attempt(s) and the note in {ev.label}")
    return ReproResult(note, notices)


@dataclass
class PacketResult:
    text: str
    packet: dict[str, Any]
    findings: list[Finding]
    packet_id: str
    notices: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return bool(self.packet["completeness"]["complete"])


def check_output(path: Path) -> None:
    """Refuse an output path that cannot be a file, before anything is stored; creates nothing."""
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")
    ancestor = next((p for p in path.absolute().parents if p.exists()), None)
    if ancestor is not None and not ancestor.is_dir():
        raise UsageError(f"cannot write {path}: {ancestor} is a file, not a directory")


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a crash never leaves half a file)."""
    parent = path.parent
    check_output(path)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _render_redacted(packet: dict[str, Any], fmt: str) -> str:
    """Render; Markdown and HTML text is redacted once more (JSON was redacted as data)."""
    if fmt == "json":
        return render_packet(redact_evidence(packet), fmt)
    return active_redactor().redact(render_packet(packet, fmt))


def _remembered(ev: EvidenceStore, incident: str, meta: PacketMeta, *, given: bool) -> PacketMeta:
    """A meta file's fields are stored with the incident; without --meta the stored ones are used."""
    ev.require_incident(incident)
    if given:
        ev.remember_meta(incident, meta.model_dump(mode="json", exclude_none=True))
        return meta
    stored = ev.incident(incident)
    return PacketMeta.model_validate(stored.meta) if stored is not None and stored.meta else meta


def run_packet_command(
    *,
    incident: str,
    meta_path: Path | None,
    fmt: str,
    out: Path | None,
    drop_ids: bool,
    redact_patterns: list[str],
    store: str | None,
    profile: str | None,
) -> PacketResult:
    """Build, redact, render, lint, store and (optionally) write the packet."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    meta = load_meta(meta_path)
    if out is not None:
        check_output(out)  # before the packet is stored: a bad --out leaves the store as it was
    previous = configure_redaction(extra_patterns=redact_patterns, drop_ids=drop_ids)
    try:
        with EvidenceStore(store, must_exist=True) as ev:  # a packet needs evidence: never create a store
            meta = _remembered(ev, incident, meta, given=meta_path is not None)
            facts = incident_facts(ev, incident)
            prof = load_profile(profile or facts.profile_name or DEFAULT_PROFILE)
            packet = build_packet(facts, meta, prof, drop_ids=drop_ids)
            text = _render_redacted(packet, fmt)
            findings = lint_text(text, str(out) if out else "<packet>")
            packet["lint"] = [f.to_dict() for f in findings]
            packet_id = ev.add_packet(incident, packet, complete=packet["completeness"]["complete"])
            if fmt == "json":
                text = _render_redacted(packet, fmt)
    finally:
        use_redactor(previous)
    notices = [f"packet {packet_id} stored in {ev.label}"]
    if out is not None:
        write_output(out, text)
        notices.append(f"wrote {out}")
    return PacketResult(text, packet, findings, packet_id, notices)
