"""The simulator's settings, validated once (bad values raise ``UsageError``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from chatcontract.errors import UsageError
from chatcontract.sim.clock import Clock, RealClock
from chatcontract.sim.errors import ERROR_STYLES
from chatcontract.sim.faults import MODES, STREAM_VARIATIONS
from chatcontract.sim.scenario import Scenario

SIM_DEFAULT_KEY = "sk-sim-local-test-key"
SIM_KEY_ENV = "CHATCONTRACT_SIM_API_KEY"
WRONG_PATH_STYLES: tuple[str, ...] = ("404", "301", "html")


def default_key() -> str:
    """``$CHATCONTRACT_SIM_API_KEY`` if set, else the public test key."""
    return os.environ.get(SIM_KEY_ENV) or SIM_DEFAULT_KEY


@dataclass(frozen=True)
class SimConfig:
    """Everything that shapes the simulator's answers."""

    api_key: str = field(default_factory=default_key)
    admin: bool = False
    seed: int | None = None
    error_style: str = "openai"
    modes: frozenset[str] = frozenset()
    scenario: Scenario | None = None
    models: tuple[str, ...] = ()
    clock: Clock = field(default_factory=RealClock)
    time_scale: float = 1.0
    wrong_path: str = "404"
    stream_variation: str = "faithful"
    max_body_bytes: int = 1 << 20
    context_chars: int = 400_000
    silent_cap_s: float = 120.0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.modes) - set(MODES))
        if unknown:
            raise UsageError(f"unknown sim mode {unknown[0]!r}; known: {', '.join(MODES)}")
        if self.error_style not in ERROR_STYLES:
            raise UsageError(f"unknown error style {self.error_style!r}; use openai or cometapi")
        if self.wrong_path not in WRONG_PATH_STYLES:
            raise UsageError(f"unknown wrong-path style {self.wrong_path!r}; use 404, 301 or html")
        if self.stream_variation not in STREAM_VARIATIONS:
            known = ", ".join(STREAM_VARIATIONS)
            raise UsageError(f"unknown stream variation {self.stream_variation!r}; use {known}")
        if not self.api_key:
            raise UsageError("the simulator's API key is empty")
        if self.time_scale < 0:
            raise UsageError("time_scale must be >= 0")
