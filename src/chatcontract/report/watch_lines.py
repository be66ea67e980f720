"""``watch`` events as short lines for a person at a terminal (the JSON lines are for machines).

Each function takes one event exactly as ``watch`` prints it in JSON and returns the lines to
show; nothing is decided here, only worded. The console wraps them between words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def _clock(event: dict[str, Any]) -> str:
    try:
        return datetime.fromisoformat(str(event.get("started_at"))).strftime("%H:%M:%S")
    except ValueError:
        return ""


def _started(e: dict[str, Any]) -> list[str]:
    negatives = f"; refusal cases every {e['negatives_every']}" if e.get("negatives") else ""
    lines = [
        f"watching {e['target']} (alias {e['alias']}, profile {e['profile']}, model {e.get('model')}) every "
        f"{e['every']}: {', '.join(e['cases'])}{negatives}",
        f"budget {e['budget_per_hour']} requests an hour ({e['carried_requests']} carried from before this start); "
        f"attempts filed under incident {e['incident_id']}",
    ]
    if e.get("sim_switch_url"):
        lines.append(f"turn the simulated model into a fault: PUT {e['sim_switch_url']} "
                     '{"behaves_as": "sim-503"}')
    return lines


def _run(e: dict[str, Any]) -> list[str]:
    cases = ", ".join(f"{name} {result}" for name, result in e["cases"].items())
    stream = f" (stream {e['stream_verdict']})" if e.get("stream_verdict") else ""
    failures = "; failures: " + ", ".join(f"{k} x{v}" for k, v in e["failures"].items()) if e["failures"] else ""
    budget = e["budget"]
    return [f"{_clock(e)} {e['kind']} {e['state'].upper()}: {cases}{stream}{failures}; {e['requests']} "
            f"request(s), {budget['remaining']} of {budget['per_hour']} left this hour"]


def _attempt(a: dict[str, Any]) -> str:
    status = f"HTTP {a['http_status']}" if a.get("http_status") is not None else "no response"
    parts = [f"  {a['request_class']} #{a['attempt_number']}: {status}", a.get("error_type") or "ok"]
    if a.get("provider_request_id"):
        parts.append(f"request id {a['provider_request_id']}")
    if a.get("error_summary"):
        parts.append(str(a["error_summary"]))
    return ", ".join(parts)


def _change(e: dict[str, Any]) -> list[str]:
    head = (f"STATE CHANGE {e['target']}: {e['from']} -> {e['to']} ({len(e['attempts'])} attempt(s) in run "
            f"{e['run_id']})")
    return [head, *(_attempt(a) for a in e["attempts"])]


def _skipped(e: dict[str, Any]) -> list[str]:
    return [f"{e['kind']} run skipped: {e['reason']}; room again in {e['room_in_s']} s"]


def _stopped(e: dict[str, Any]) -> list[str]:
    abandoned = f"; run {e['abandoned_run']} abandoned at shutdown" if e.get("abandoned_run") else ""
    return [f"stopped after {e['runs']} run(s), {e['requests']} request(s){abandoned}"]


_LINES = {"started": _started, "run": _run, "state_change": _change, "skipped": _skipped, "stopped": _stopped}


def event_lines(event: dict[str, Any]) -> list[str]:
    """The lines that show ``event`` (an unknown event: its name and fields, as they are)."""
    render = _LINES.get(str(event.get("event")))
    if render is None:
        return [" ".join(f"{k}={v}" for k, v in event.items())]
    return render(event)
