"""Running the simulator: in a background thread (tests, the probe) or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from chatcontract.errors import UsageError
from chatcontract.sim.app import Simulator
from chatcontract.sim.clock import Clock, RealClock
from chatcontract.sim.config import SimConfig, default_key
from chatcontract.sim.scenario import Scenario, load_scenario, parse_scenario

START_TIMEOUT_S = 10.0
GRACEFUL_S = 1


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A bound, listening TCP socket (port 0 picks a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.listen(1024)
    return sock


def base_url_of(sock: socket.socket) -> str:
    """``http://host:port/v1`` for a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/v1" if ":" in host else f"http://{host}:{port}/v1"


class PromptServer(uvicorn.Server):
    """uvicorn's server, whose main loop also wakes when :meth:`exit_now` asks it to stop.

    uvicorn looks at ``should_exit`` every 0.1 s, so each stop waited up to a tick for nothing;
    the test suite starts and stops hundreds of simulators (0.155 s a stop, measured, now ~0.1 s:
    what is left is uvicorn's own pause for open connections to close).
    """

    _wake: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

    async def main_loop(self) -> None:
        wake = asyncio.Event()
        self._wake = (asyncio.get_running_loop(), wake)
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:  # uvicorn's loop, with the tick's sleep cut short by exit_now
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    def exit_now(self) -> None:
        """Ask the server to stop (from any thread), without waiting for the next tick."""
        self.should_exit = True
        if self._wake is not None:
            loop, wake = self._wake
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(wake.set)


def uvicorn_server(app: Any, *, log_level: str = "warning") -> PromptServer:
    """The uvicorn settings the simulator (and its benchmark peer) run with."""
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=GRACEFUL_S,
        server_header=False,
    )
    return PromptServer(config)


class SimServer:
    """A simulator served by uvicorn on a background thread; a context manager."""

    def __init__(self, config: SimConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config
        self.simulator = Simulator(config)
        self._host, self._port = host, port
        self._server: PromptServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    @property
    def api_key(self) -> str:
        """The key the simulator accepts."""
        return self.config.api_key

    def attempts(self) -> list[dict[str, Any]]:
        """The attempt log (as ``GET /_sim/attempts``)."""
        return self.simulator.state.attempts()

    def reset(self) -> None:
        """Clear attempts, counters and flap timers (as ``POST /_sim/reset``)."""
        self.simulator.state.reset()

    def start(self) -> SimServer:
        """Start serving; return once connections are accepted."""
        sock = bind(self._host, self._port)
        self.base_url = base_url_of(sock)
        server = self._server = uvicorn_server(self.simulator.app)
        self._thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name=f"chatcontract-sim-{self.base_url}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("the simulator did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving: release held requests, then shut uvicorn down."""
        if self._server is None or self._thread is None:
            return
        self.simulator.state.release()
        self._server.exit_now()
        self._thread.join(timeout=GRACEFUL_S + 5)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _scenario(value: Scenario | dict[str, Any] | str | Path | None) -> Scenario | None:
    if value is None or isinstance(value, Scenario):
        return value
    if isinstance(value, dict):
        return parse_scenario(value)
    return load_scenario(value)


def make_config(
    *,
    api_key: str | None = None,
    admin: bool = False,
    seed: int | None = 0,
    error_style: str = "openai",
    modes: Iterable[str] = (),
    scenario: Scenario | dict[str, Any] | str | Path | None = None,
    models: Iterable[str] = (),
    clock: Clock | None = None,
    time_scale: float = 1.0,
    **options: Any,
) -> SimConfig:
    """A validated ``SimConfig`` from keyword arguments (the ``serve`` signature)."""
    return SimConfig(
        api_key=api_key or default_key(),
        admin=admin,
        seed=seed,
        error_style=error_style,
        modes=frozenset(modes),
        scenario=_scenario(scenario),
        models=tuple(models),
        clock=clock or RealClock(),
        time_scale=time_scale,
        **options,
    )


@contextlib.contextmanager
def serve(**kwargs: Any) -> Iterator[SimServer]:
    """Run a simulator on 127.0.0.1 (free port) for the ``with`` block; see ``make_config``.

    Extra keywords: ``wrong_path``, ``stream_variation``, ``max_body_bytes``, ``context_chars``,
    ``silent_cap_s``, ``host``, ``port``.
    """
    host = kwargs.pop("host", "127.0.0.1")
    port = kwargs.pop("port", 0)
    with SimServer(make_config(**kwargs), host, port) as sim:
        yield sim


@contextlib.asynccontextmanager
async def aserve(**kwargs: Any) -> AsyncIterator[SimServer]:
    """``serve`` for async code: same server thread, started and stopped off the event loop."""
    host = kwargs.pop("host", "127.0.0.1")
    port = kwargs.pop("port", 0)
    sim = SimServer(make_config(**kwargs), host, port)
    await asyncio.to_thread(sim.start)
    try:
        yield sim
    finally:
        await asyncio.to_thread(sim.stop)


def run_foreground(config: SimConfig, host: str, port: int, on_ready: Any, on_request: Any = None) -> None:
    """Serve in this thread until interrupted; ``on_ready(base_url)`` runs once bound;
    ``on_request(fields)`` once per request (method, path, model, fault, status)."""
    simulator = Simulator(config)
    simulator.state.on_record = on_request
    sock = bind(host, port)
    on_ready(base_url_of(sock))
    server = uvicorn_server(simulator.app)
    previous = signal.signal(signal.SIGTERM, _stop_requested)
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, StopRequestedError):
        pass  # uvicorn re-raises the signal it shut down on: that is a normal stop
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()


class StopRequestedError(Exception):
    """SIGTERM arrived: stop like Ctrl-C does."""


def _stop_requested(signum: int, frame: object) -> None:
    raise StopRequestedError


__all__ = ["SimServer", "aserve", "bind", "make_config", "run_foreground", "serve"]
