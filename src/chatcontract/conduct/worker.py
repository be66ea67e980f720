"""Workers: the user's callable runs in a child process the runner can abandon.

The callable gets the keyword arguments ``base_url``, ``api_key``, ``model``, ``messages``,
``stream`` and ``fallback_model``, plus ``deadline_s`` (the caller's deadline per call, in
seconds) when its signature names ``deadline_s`` or takes ``**kwargs``; a callable written to the
six keywords only keeps working.

The callable may block, hang or crash, so it never runs in the simulator's process: each
``Worker`` is a spawned process that imports ``MODULE:FUNCTION`` once (from the current
directory or ``PYTHONPATH``) and answers calls over a pipe. A call that outlives its wall limit
kills the process; the next call starts a fresh one.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import os
import queue
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from chatcontract.errors import UsageError
from chatcontract.redact import redact

BUILTIN_TARGETS = {
    "openai": "chatcontract.conduct.adapters:openai_sdk",
    "chatcontract": "chatcontract.conduct.adapters:chatcontract_client",
    "tenacity": "chatcontract.conduct.adapters:openai_tenacity",
}
START_TIMEOUT_S = 180.0  # a cold import of the openai SDK on a loaded CI machine takes tens of seconds
DEADLINE_KEY = "deadline_s"
ERROR_CHARS = 300


@dataclass(frozen=True)
class CallOutcome:
    """What one call of the callable did: ``returned`` (with the value), ``raised`` or ``hung``."""

    kind: str
    started_t: float
    ended_t: float
    value: str | None = None
    value_type: str = ""
    error: str = ""

    @property
    def elapsed_s(self) -> float:
        """Wall seconds the call took (up to the abandonment for a hang)."""
        return self.ended_t - self.started_t


def resolve_target(spec: str) -> str:
    """``MODULE:FUNCTION`` for a target or a built-in adapter name; bad syntax is a ``UsageError``."""
    spec = BUILTIN_TARGETS.get(spec, spec)
    module, _, function = spec.partition(":")
    if not module or not function or not all(p.isidentifier() for p in [*module.split("."), function]):
        raise UsageError(f"--client {spec!r}: expected MODULE:FUNCTION (or one of {', '.join(BUILTIN_TARGETS)})")
    return spec


def _load(spec: str) -> Any:
    module_name, _, function = spec.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    module = importlib.import_module(module_name)
    target = getattr(module, function, None)
    if not callable(target):
        raise AttributeError(f"module {module_name!r} has no callable {function!r}")
    return target


def accepts_deadline(target: Any) -> bool:
    """Whether ``target`` takes the optional ``deadline_s`` keyword (or any keyword)."""
    try:
        params = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: pass only the six
        return False
    return any(p.name == DEADLINE_KEY or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def _call(target: Any, kwargs: dict[str, Any], deadline: bool = True) -> CallOutcome:
    if not deadline:
        kwargs = {k: v for k, v in kwargs.items() if k != DEADLINE_KEY}
    started = time.monotonic()
    try:
        value = target(**kwargs)
    except BaseException as exc:  # noqa: BLE001 - the user's code may raise anything; it is evidence
        text = redact(f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}")[:ERROR_CHARS]
        return CallOutcome("raised", started, time.monotonic(), error=text)
    ended = time.monotonic()
    shown = value if isinstance(value, str) else None
    return CallOutcome("returned", started, ended, value=shown, value_type=type(value).__name__)


def serve(spec: str, inp: IO[str], out: IO[str]) -> None:
    """The child's loop: import the target, report readiness, answer calls (JSON lines) until EOF."""

    def send(kind: str, payload: Any) -> None:
        out.write(json.dumps([kind, payload]) + "\n")
        out.flush()

    try:
        target = _load(spec)
    except BaseException as exc:  # noqa: BLE001 - an import error is reported, not raised
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]
        last = frames[-1] if frames and Path(frames[-1].filename).name != "worker.py" else None
        where = f" ({Path(last.filename).name}:{last.lineno})" if last else ""
        send("import_error", f"{type(exc).__name__}: {exc}{where}")
        return
    send("ready", "")
    deadline = accepts_deadline(target)
    for line in inp:
        send("done", asdict(_call(target, json.loads(line), deadline)))


class WorkerClosedError(Exception):
    """A call after :meth:`Worker.close` (Ctrl-C): the run is over, no fresh process is started."""


class Worker:
    """One child process running the target; ``call`` with a wall limit, killed on a hang."""

    def __init__(self, spec: str) -> None:
        self.spec = resolve_target(spec)
        self.closed = False
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()

    def start(self) -> None:
        """Start the child now (else the first call does); an import error is a ``UsageError``."""
        if self._process is None:
            self._start()

    def _start(self) -> subprocess.Popen[str]:
        argv = [sys.executable, "-m", "chatcontract.conduct.worker", self.spec]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=os.getcwd()
        )
        lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
        self._process, self._lines = process, lines
        first = self._next(START_TIMEOUT_S)
        if first is None or first[0] != "ready":
            self.stop()
            why = first[1] if first else f"the worker exited or did not start within {START_TIMEOUT_S:.0f} s"
            raise UsageError(f"--client {self.spec}: cannot import: {redact(str(why))}")
        return process

    def _next(self, timeout_s: float) -> list[Any] | None:
        try:
            line = self._lines.get(timeout=timeout_s)
        except queue.Empty:
            return None
        return None if line is None else list(json.loads(line))

    def call(self, kwargs: dict[str, Any], wall_limit_s: float) -> CallOutcome:
        """Call the target with ``kwargs``; a call still running after ``wall_limit_s`` is a hang."""
        if self.closed:
            raise WorkerClosedError(self.spec)
        process = self._process or self._start()
        started = time.monotonic()
        try:
            assert process.stdin is not None
            process.stdin.write(json.dumps(kwargs) + "\n")
            process.stdin.flush()
        except OSError:
            self.stop()
            return CallOutcome("raised", started, time.monotonic(), error="the worker process died (crash)")
        try:
            reply = self._lines.get(timeout=wall_limit_s)
        except queue.Empty:
            self.stop(busy=True)
            return CallOutcome("hung", started, time.monotonic(), error=f"no result within {wall_limit_s:.1f} s")
        if reply is None:
            code = process.poll()
            self.stop()
            return CallOutcome("raised", started, time.monotonic(), error=f"the worker process died (exit {code})")
        return CallOutcome(**json.loads(reply)[1])

    def close(self) -> None:
        """End the child and refuse further calls (an interrupted run)."""
        self.closed = True
        self.stop()

    def stop(self, *, busy: bool = False) -> None:
        """End the child: politely if idle (its stdin closes, it exits), by kill if that takes
        longer than half a second or if it is ``busy`` (a hung call never reads its stdin again)."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            assert process.stdin is not None
            process.stdin.close()
        try:
            process.wait(0 if busy else 0.5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _pump(stream: IO[str] | None, lines: queue.SimpleQueue[str | None]) -> None:
    """Move the child's reply lines to a queue (a line not JSON-framed by us is ignored)."""
    if stream is not None:
        for line in stream:
            if line.startswith('["'):
                lines.put(line)
    lines.put(None)


if __name__ == "__main__":
    # The child: stdout carries replies, so the user's prints go to stderr.
    _out = sys.stdout
    sys.stdout = sys.stderr
    serve(sys.argv[1], sys.stdin, _out)
