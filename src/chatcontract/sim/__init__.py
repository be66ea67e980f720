"""A fault-injecting OpenAI-compatible chat-completions server (Starlette + uvicorn).

It knows only the wire contract and never imports ``chatcontract.client``. Faults are selected
by model name (``sim-429-retry-after-2``) or the ``x-sim-fault`` header; see SIM_SPEC.md and
``chatcontract sim --list``.
"""

from __future__ import annotations

from chatcontract.sim.app import Simulator
from chatcontract.sim.clock import Clock, FakeClock, RealClock
from chatcontract.sim.config import SIM_DEFAULT_KEY, SIM_KEY_ENV, SimConfig
from chatcontract.sim.faults import FAULTS, MODES, STREAM_VARIATIONS, Behaviour, resolve_fault
from chatcontract.sim.payloads import CANONICAL_TEXT
from chatcontract.sim.scenario import Scenario, load_scenario, parse_scenario
from chatcontract.sim.server import SimServer, aserve, make_config, serve

__all__ = [
    "CANONICAL_TEXT",
    "FAULTS",
    "MODES",
    "SIM_DEFAULT_KEY",
    "SIM_KEY_ENV",
    "STREAM_VARIATIONS",
    "Behaviour",
    "Clock",
    "FakeClock",
    "RealClock",
    "Scenario",
    "SimConfig",
    "SimServer",
    "Simulator",
    "aserve",
    "load_scenario",
    "make_config",
    "parse_scenario",
    "resolve_fault",
    "serve",
]
