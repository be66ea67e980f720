"""The pytest plugin (entry point ``pytest11``): the simulator, conduct and probe inside a user's tests.

- ``chatcontract_sim``: an in-process simulator on loopback (one per session) seen through a run
  of its own per test: ``base_url`` (``.../run/<test>/v1``, so once-only faults count per test),
  ``api_key``, ``attempts()`` (the simulator's log of this test's attempts) and ``curl(model)``.
  ini options ``chatcontract_sim_scenario`` (a ``sim --scenario`` file of your models) and
  ``chatcontract_sim_time_scale``.
- ``--chatcontract-conduct MODULE:FUNCTION``: every conduct scenario becomes a test item
  (``--chatcontract-scenario-file``, ``--chatcontract-scale``, ``--chatcontract-deadline``); a
  ``fail`` verdict fails the item with what the client did, each check's evidence and a curl.
- ``--chatcontract-probe URL`` (``sim`` for an embedded simulator): every probe case becomes a test
  item; ``inconclusive`` is reported as skipped with the evidence that was missing.

Importing this module costs nothing: the simulator, conduct and probe load when asked for.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from chatcontract.conduct.catalogue import ConductScenario
    from chatcontract.conduct.results import ScenarioResult
    from chatcontract.probe.registry import Case
    from chatcontract.probe.results import CaseResult
    from chatcontract.sim import SimServer

_RUNS = itertools.count(1)
_STATE = pytest.StashKey[dict[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chatcontract", "chatcontract: grade a chat-completions client or provider")
    group.addoption("--chatcontract-conduct", metavar="MODULE:FUNCTION", default=None,
                    help="Collect every conduct scenario as a test item, grading this callable "
                    "(or a built-in: openai, chatcontract, tenacity).")
    group.addoption("--chatcontract-scenario-file", action="append", default=[], metavar="FILE",
                    help="A conduct catalogue file of your own (repeatable; e.g. from 'chatcontract replay').")
    group.addoption("--chatcontract-only-files", action="store_true", default=False,
                    help="Conduct only the scenario files, not the built-in catalogue.")
    group.addoption("--chatcontract-scale", type=float, default=None, metavar="S",
                    help="Time scale of conduct fault durations (default: the CI scale 0.1).")
    group.addoption("--chatcontract-deadline", type=float, default=20.0, metavar="SECONDS",
                    help="The caller's deadline per conduct call (default 20).")
    group.addoption("--chatcontract-probe", metavar="URL", default=None,
                    help="Collect every probe case as a test item against this base URL ('sim': an "
                    "embedded simulator). Key from $COMETAPI_API_KEY (or --chatcontract-probe-key-env).")
    group.addoption("--chatcontract-probe-key-env", default="COMETAPI_API_KEY", metavar="NAME",
                    help="Environment variable holding the probe's API key (never the key itself).")
    group.addoption("--chatcontract-probe-model", default=None, metavar="MODEL", help="Model the probe uses.")
    group.addoption("--chatcontract-probe-profile", default="cometapi", metavar="PROFILE",
                    help="Contract profile: cometapi, openai, openai-compatible, or a YAML file.")
    parser.addini("chatcontract_sim_scenario", "A 'chatcontract sim --scenario' file for chatcontract_sim.")
    parser.addini("chatcontract_sim_time_scale", "Time scale of chatcontract_sim's fault durations.", default="1")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_STATE] = {"stack": contextlib.ExitStack(), "results": []}


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is not None:
        state["stack"].close()


# -- the simulator fixture --------------------------------------------------------------------


@dataclass(frozen=True)
class SimRun:
    """One test's view of the session's simulator: its own run, URL, key and attempt log."""

    server: SimServer
    run: str

    @property
    def root_url(self) -> str:
        """The simulator's base URL shared by every test (``.../v1``): once-only faults are shared."""
        return self.server.base_url

    @property
    def base_url(self) -> str:
        """This test's base URL (``.../run/<id>/v1``): point the client under test here."""
        return f"{self.server.base_url.removesuffix('/v1')}/run/{self.run}/v1"

    @property
    def api_key(self) -> str:
        """The key the simulator accepts."""
        return str(self.server.api_key)

    def attempts(self) -> list[dict[str, Any]]:
        """Every attempt the simulator saw in this test: model, attempt, status, behaviour, t."""
        return self.server.simulator.state.attempts(self.run)

    def statuses(self, model: str | None = None) -> list[int | None]:
        """The statuses the simulator answered in this test (``None``: no answer), in order."""
        return [a["status"] for a in self.attempts() if model is None or a["model"] == model]

    def curl(self, model: str, *, stream: bool = False) -> str:
        """A curl that sends this test's request again (the key as ``$CHATCONTRACT_SIM_API_KEY``)."""
        from chatcontract.conduct.results import curl_for

        return curl_for(model, stream).replace("$SIM_URL", self.base_url)


def _start_sim(config: pytest.Config) -> SimServer:
    state = config.stash[_STATE]
    if "sim" not in state:
        from chatcontract.sim import serve

        scenario = config.getini("chatcontract_sim_scenario") or None
        scale = float(config.getini("chatcontract_sim_time_scale") or 1)
        state["sim"] = state["stack"].enter_context(serve(scenario=scenario, time_scale=scale, seed=None))
    sim: SimServer = state["sim"]
    return sim


@pytest.fixture
def chatcontract_sim(request: pytest.FixtureRequest) -> SimRun:
    """The chatcontract simulator on loopback, seen through a run of this test's own."""
    sim = _start_sim(request.config)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)[:40]
    return SimRun(sim, f"t{next(_RUNS)}-{name}")


# -- conduct and probe items ------------------------------------------------------------------


class ChatContractCheckError(Exception):
    """A conduct scenario failed or a probe case failed; the text is the evidence."""


class _Item(pytest.Item):
    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ChatContractCheckError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


class ConductItem(_Item):
    """One conduct scenario graded against the ``--chatcontract-conduct`` target."""

    def __init__(self, *, scenario: ConductScenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        result = _grader(self.config).grade(self.scenario)
        self.config.stash[_STATE]["results"].append(result)
        self.user_properties.append(("verdict", result.verdict))
        if result.verdict == "fail":
            raise ChatContractCheckError(conduct_text(result))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return self.scenario.source, None, f"conduct {self.scenario.name}: {self.scenario.title}"


class ProbeItem(_Item):
    """One probe case run against the ``--chatcontract-probe`` target."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        from chatcontract.probe.registry import default_registry
        from chatcontract.probe.runner import run_probe
        from chatcontract.record import Result

        budget = default_registry().budget([self.case])
        [result] = run_probe([self.case], _probe_target(self.config), max_requests=budget).results
        if result.result is Result.INCONCLUSIVE:
            pytest.skip(f"inconclusive: {result.missing or result.observed}")
        if result.result is Result.FAIL:
            raise ChatContractCheckError(probe_text(result))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "chatcontract-probe", None, f"probe {self.case.name}: {self.case.title}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    before = len(items)
    if config.getoption("--chatcontract-conduct"):
        for scenario in _catalogue(config).scenarios:
            items.append(ConductItem.from_parent(session, name=f"chatcontract-conduct[{scenario.name}]",
                                                 scenario=scenario))
    if config.getoption("--chatcontract-probe"):
        from chatcontract.probe.registry import default_registry

        for case in default_registry():
            items.append(ProbeItem.from_parent(session, name=f"chatcontract-probe[{case.name}]", case=case))
    reporter: Any = config.pluginmanager.get_plugin("terminalreporter")
    if len(items) > before and isinstance(getattr(reporter, "_numcollected", None), int):
        reporter._numcollected += len(items) - before  # "collected N items" counts ours too


def _usage(message: str) -> pytest.UsageError:
    from chatcontract.redact import redact_free_text

    return pytest.UsageError(f"chatcontract: {redact_free_text(message)}")


def _catalogue(config: pytest.Config) -> Any:
    from chatcontract.conduct.catalogue import load_catalogue
    from chatcontract.conduct.worker import resolve_target
    from chatcontract.errors import UsageError

    state = config.stash[_STATE]
    if "catalogue" not in state:
        try:
            resolve_target(config.getoption("--chatcontract-conduct"))
            files = config.getoption("--chatcontract-scenario-file")
            state["catalogue"] = load_catalogue(files, builtin=not config.getoption("--chatcontract-only-files"))
        except UsageError as exc:
            raise _usage(str(exc)) from None
    return state["catalogue"]


def _grader(config: pytest.Config) -> Any:
    from chatcontract.conduct.runner import CI_SCALE, Grader, Settings, simulator
    from chatcontract.errors import UsageError

    state = config.stash[_STATE]
    if "grader" not in state:
        scale = config.getoption("--chatcontract-scale") or CI_SCALE
        settings = Settings(scale=scale, deadline_s=config.getoption("--chatcontract-deadline"), workers=1)
        sim = state["stack"].enter_context(simulator(_catalogue(config), settings))
        grader = Grader(sim, config.getoption("--chatcontract-conduct"), settings)
        state["stack"].callback(grader.close)
        try:
            grader.warm_up()
        except UsageError as exc:  # the target does not import: one line, not one failure per scenario
            pytest.exit(str(_usage(str(exc))), returncode=pytest.ExitCode.USAGE_ERROR)
        state["grader"] = grader
    return state["grader"]


def _probe_target(config: pytest.Config) -> Any:
    from chatcontract.errors import UsageError
    from chatcontract.probe.session import ProbeInput, open_target

    state = config.stash[_STATE]
    if "probe" not in state:
        url = config.getoption("--chatcontract-probe")
        given = ProbeInput(None if url == "sim" else url, config.getoption("--chatcontract-probe-profile"),
                           config.getoption("--chatcontract-probe-key-env"), None,
                           config.getoption("--chatcontract-probe-model"))
        try:
            state["probe"] = state["stack"].enter_context(open_target(given))
        except UsageError as exc:
            raise _usage(str(exc)) from None
    return state["probe"]


# -- failure texts and the summary ------------------------------------------------------------


def conduct_text(result: ScenarioResult) -> str:
    """A failed scenario as evidence: verdict and reason, what the client did, every check, a curl."""
    lines = [f"conduct {result.name} ({result.title}): {result.verdict}: {result.reason}",
             f"what the client did: {result.did()}"]
    recorded = result.extra.get("recorded")
    if recorded:
        lines.append("recorded in the incident: " + " -> ".join(recorded))
    lines += [f"  {c.outcome.upper():4} {c.name}: {c.evidence}" for c in result.checks]
    lines.append("reproduce against a simulator serving the catalogue's models ($SIM_URL):")
    lines.append(f"  {result.curl}")
    return "\n".join(lines)


def probe_text(result: CaseResult) -> str:
    """A failed probe case as evidence: expected, observed, notes and the redacted curl."""
    lines = [f"probe {result.name}: fail", f"expected: {result.expected}", f"observed: {result.observed}"]
    lines += [f"note: {n}" for n in result.notes]
    if result.source_url:
        lines.append(f"source: {result.source_url}")
    if result.curl:
        lines += ["reproduce:", f"  {result.curl}"]
    return "\n".join(lines)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    results = config.stash.get(_STATE, {}).get("results", [])
    if results:
        from chatcontract.conduct.results import counts

        tally = ", ".join(f"{n} {v}" for v, n in counts(results).items())
        terminalreporter.write_line(f"chatcontract conduct {config.getoption('--chatcontract-conduct')}: {tally}")
