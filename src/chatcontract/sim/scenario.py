"""Scenario files: custom models defined as a sequence of behaviours, one per attempt.

```yaml
models:
  my-flaky:
    - {status: 503}
    - {status: 429, retry_after: 1}
    - ok
  my-cut: [{fault: sim-stream-cut-5}, ok]
```
Attempt *n* gets item *n*; the last item repeats. An item is ``ok``, a fault name, or a mapping
with ``fault:`` or ``status:`` (plus optional ``retry_after``, ``code``, ``body``, ``delay_s``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatcontract.errors import UsageError
from chatcontract.inputs import parse_yaml, read_text
from chatcontract.sim.faults import OK, Behaviour, FaultPlan, plan_behaviour, resolve_fault

_ITEM_KEYS = frozenset({"fault", "status", "retry_after", "code", "body", "delay_s"})


@dataclass(frozen=True)
class Step:
    """One scenario item: a fixed behaviour, or a fault evaluated as on its first attempt."""

    behaviour: Behaviour | None = None
    fault: FaultPlan | None = None

    def resolve(self, since_reset_s: float) -> Behaviour:
        """This step's behaviour (a fault is read as at attempt 1, time-based ones at ``since``)."""
        if self.fault is not None:
            return plan_behaviour(self.fault, 1, since_reset_s)
        return self.behaviour or OK


@dataclass(frozen=True)
class Scenario:
    """Custom models by name; each a tuple of steps."""

    models: dict[str, tuple[Step, ...]]
    source: str = "<memory>"

    def behaviour(self, model: str, attempt: int, since_reset_s: float) -> Behaviour:
        """Behaviour of ``model`` at ``attempt`` (1-based; the last step repeats)."""
        steps = self.models[model]
        return steps[min(attempt, len(steps)) - 1].resolve(since_reset_s)


def _bad(source: str, where: str, what: str) -> UsageError:
    return UsageError(f"scenario {source}: {where}: {what}")


def _number(value: Any, source: str, where: str, *, integer: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _bad(source, where, "expected a non-negative number")
    if integer and not isinstance(value, int):
        raise _bad(source, where, "expected an integer")
    return float(value)


def _fault_step(name: Any, source: str, where: str) -> Step:
    if not isinstance(name, str):
        raise _bad(source, where, "a fault name must be a string")
    if name in ("ok", "sim-ok"):
        return Step(behaviour=OK)
    plan = resolve_fault(name)
    if plan is None:
        raise _bad(source, where, f"unknown fault {name!r} (see 'chatcontract sim --list')")
    return Step(fault=plan)


def _mapping_step(item: dict[Any, Any], source: str, where: str) -> Step:
    unknown = set(map(str, item)) - _ITEM_KEYS
    if unknown:
        raise _bad(source, where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_ITEM_KEYS)}")
    if ("fault" in item) == ("status" in item):
        raise _bad(source, where, "give exactly one of 'fault' or 'status'")
    if "fault" in item:
        if set(item) != {"fault"}:
            raise _bad(source, where, "'fault' takes no other key (its parameters are in its name)")
        return _fault_step(item["fault"], source, f"{where}.fault")
    delay = _number(item.get("delay_s", 0), source, f"{where}.delay_s", integer=False)
    status = int(_number(item["status"], source, f"{where}.status", integer=True))
    if not 100 <= status <= 599:
        raise _bad(source, f"{where}.status", "expected an HTTP status 100-599")
    retry_after = item.get("retry_after")
    if retry_after is not None:
        retry_after = int(_number(retry_after, source, f"{where}.retry_after", integer=True))
    code, body = item.get("code"), item.get("body")
    if code is not None and not isinstance(code, str):
        raise _bad(source, f"{where}.code", "expected a string")
    if body is not None and not isinstance(body, str):
        raise _bad(source, f"{where}.body", "expected a string")
    if status == 200 and body is None:
        return Step(behaviour=Behaviour("ok", "ok", delay_s=delay))
    kind = "raw" if body is not None else "error"
    name = f"status-{status}"
    return Step(behaviour=Behaviour(name, kind, status, code, retry_after, delay, 0, body))


def _step(item: Any, source: str, where: str) -> Step:
    if isinstance(item, dict):
        return _mapping_step(item, source, where)
    return _fault_step(item, source, where)


def parse_scenario(data: Any, source: str = "<memory>") -> Scenario:
    """Validate parsed YAML into a ``Scenario``; raise ``UsageError`` naming the bad key."""
    if not isinstance(data, dict) or set(data) != {"models"}:
        raise _bad(source, "top level", "expected a mapping with the single key 'models'")
    models = data["models"]
    if not isinstance(models, dict) or not models:
        raise _bad(source, "models", "expected a non-empty mapping of model name to behaviours")
    parsed: dict[str, tuple[Step, ...]] = {}
    for name, value in models.items():
        where = f"models.{name}"
        if not isinstance(name, str) or not name:
            raise _bad(source, where, "a model name must be a non-empty string")
        items = value if isinstance(value, list) else [value]
        if not items:
            raise _bad(source, where, "expected at least one behaviour")
        parsed[name] = tuple(_step(item, source, f"{where}[{i}]") for i, item in enumerate(items))
    return Scenario(parsed, source)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file."""
    p = Path(path)
    data = parse_yaml(read_text(p, "scenario"), f"scenario {p}")
    return parse_scenario(data, str(p))
