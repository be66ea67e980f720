"""The scenario catalogue as data: the shipped ``catalogue.yaml`` plus users' own files.

A catalogue file holds ``models`` (simulator models, the ``sim --scenario`` format) and
``scenarios`` (what to run and what is expected). Scenario names are fixed: users put them in CI.
A name defined twice is an error; a user file may add models and scenarios, not redefine them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from chatcontract.errors import UsageError
from chatcontract.inputs import parse_yaml, read_text
from chatcontract.sim.faults import HEALTHY_MODEL, resolve_fault
from chatcontract.sim.scenario import Scenario, parse_scenario

DEFAULT_MAX_ATTEMPTS = 5
MESSAGES: tuple[dict[str, str], ...] = ({"role": "user", "content": "Say the canonical text."},)
_EXPECT_KEYS = frozenset(
    {"retry", "fallback", "rescue", "retry_after_s", "calls", "jitter", "max_attempts", "max_total_attempts"}
)
_SCENARIO_KEYS = frozenset({"name", "title", "model", "stream", "fallback", "expect", "recorded"})


@dataclass(frozen=True)
class Expect:
    """What a well-behaved client does in a scenario (see the header of ``catalogue.yaml``)."""

    retry: bool = True
    fallback: bool = True
    rescue: bool = True
    retry_after_s: int | None = None
    calls: int = 1
    jitter: bool = False
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_total_attempts: int | None = None


@dataclass(frozen=True)
class ConductScenario:
    """One scenario: the primary model, streaming, the fallback handed to the client, expectations."""

    name: str
    title: str
    model: str
    stream: bool = False
    fallback: str | None = None
    expect: Expect = field(default_factory=Expect)
    source: str = "builtin"
    recorded: tuple[str, ...] = ()  # a replayed incident: what each recorded attempt got, in order

    @property
    def messages(self) -> list[dict[str, str]]:
        """The conversation sent (a fresh copy per call)."""
        return [dict(m) for m in MESSAGES]


@dataclass(frozen=True)
class Catalogue:
    """Scenarios in order and the simulator models they need."""

    scenarios: tuple[ConductScenario, ...]
    models: Scenario

    def select(self, names: Iterable[str]) -> Catalogue:
        """Only the named scenarios (in catalogue order); an unknown name is a ``UsageError``."""
        wanted = list(names)
        known = {s.name for s in self.scenarios}
        unknown = [n for n in wanted if n not in known]
        if unknown:
            raise UsageError(f"unknown scenario {unknown[0]!r}; see 'chatcontract conduct --list'")
        return Catalogue(tuple(s for s in self.scenarios if s.name in wanted), self.models)

    def model_names(self) -> list[str]:
        """Every model a gateway must route to the simulator (primary and fallback models)."""
        names = {HEALTHY_MODEL}
        for s in self.scenarios:
            names.add(s.model)
            if s.fallback:
                names.add(s.fallback)
        return sorted(names)


def _bad(source: str, where: str, what: str) -> UsageError:
    return UsageError(f"conduct catalogue {source}: {where}: {what}")


def _expect(raw: Any, source: str, where: str) -> Expect:
    if raw is None:
        return Expect()
    if not isinstance(raw, dict) or set(raw) - _EXPECT_KEYS:
        extra = sorted(set(raw) - _EXPECT_KEYS) if isinstance(raw, dict) else raw
        raise _bad(source, where, f"unknown expectation(s) {extra}; allowed: {sorted(_EXPECT_KEYS)}")
    try:
        return Expect(**raw)
    except TypeError as exc:
        raise _bad(source, where, str(exc)) from None


def _recorded(raw: Any, source: str, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise _bad(source, where, "expected a list of strings (what each recorded attempt got)")
    return tuple(raw)


def _scenario(raw: Any, source: str, index: int, models: set[str]) -> ConductScenario:
    where = f"scenarios[{index}]"
    if not isinstance(raw, dict) or not {"name", "model"} <= set(raw) or set(raw) - _SCENARIO_KEYS:
        raise _bad(source, where, f"expected a mapping with name and model (keys: {sorted(_SCENARIO_KEYS)})")
    for key in ("model", "fallback"):
        name = raw.get(key)
        if name is None and key == "fallback":
            continue
        if not isinstance(name, str) or not (name in models or name == HEALTHY_MODEL or resolve_fault(name)):
            raise _bad(source, f"{where}.{key}", f"{name!r} is neither a simulator fault nor a model of the file")
    return ConductScenario(
        name=str(raw["name"]),
        title=str(raw.get("title", raw["name"])),
        model=raw["model"],
        stream=bool(raw.get("stream", False)),
        fallback=raw.get("fallback"),
        expect=_expect(raw.get("expect"), source, f"{where}.expect"),
        source=source,
        recorded=_recorded(raw.get("recorded"), source, f"{where}.recorded"),
    )


def parse_catalogue(data: Any, source: str, base: Catalogue | None = None) -> Catalogue:
    """Validate one catalogue document, appended to ``base`` (names must stay unique)."""
    if not isinstance(data, dict) or not set(data) <= {"models", "scenarios"} or "scenarios" not in data:
        raise _bad(source, "top level", "expected a mapping with 'scenarios' (and optional 'models')")
    old_models = dict(base.models.models) if base else {}
    new_models = parse_scenario({"models": data["models"]}, source).models if data.get("models") else {}
    clash = sorted(set(old_models) & set(new_models))
    if clash:
        raise _bad(source, "models", f"model {clash[0]!r} is already defined")
    models = {**old_models, **new_models}
    if not isinstance(data["scenarios"], list):
        raise _bad(source, "scenarios", "expected a list")
    scenarios = list(base.scenarios) if base else []
    seen = {s.name for s in scenarios}
    for i, raw in enumerate(data["scenarios"]):
        scenario = _scenario(raw, source, i, set(models))
        if scenario.name in seen:
            raise _bad(source, f"scenarios[{i}]", f"scenario {scenario.name!r} is already defined")
        seen.add(scenario.name)
        scenarios.append(scenario)
    return Catalogue(tuple(scenarios), Scenario(models, source))


def builtin_catalogue() -> Catalogue:
    """The shipped catalogue."""
    text = resources.files("chatcontract.conduct").joinpath("catalogue.yaml").read_text(encoding="utf-8")
    return parse_catalogue(parse_yaml(text, "the built-in conduct catalogue"), "builtin")  # libyaml: ~9x faster


def load_catalogue(files: Iterable[str | Path] = (), *, builtin: bool = True) -> Catalogue:
    """The built-in catalogue (unless ``builtin=False``) extended by users' scenario files."""
    catalogue = builtin_catalogue() if builtin else None
    for file in files:
        path = Path(file)
        doc = parse_yaml(read_text(path, "conduct catalogue"), f"conduct catalogue {path}")
        catalogue = parse_catalogue(doc, str(path), catalogue)
    if catalogue is None or not catalogue.scenarios:
        raise UsageError("no conduct scenarios: give a scenario file or keep the built-in catalogue")
    return catalogue
