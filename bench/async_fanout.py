"""One AsyncClient serving N concurrent streaming calls, beside raw httpx2 and the openai SDK.

The simulator runs in its own process (``sim-long-C``: C content chunks per stream). Each
contender opens N streams at once on one event loop and reads every chunk:

- raw: ``httpx2.AsyncClient`` (``aiter_lines`` + ``json.loads`` per event, no checks),
- ours: one ``AsyncClient`` (``stream()``: every event checked, limits armed per read),
- openai: ``AsyncOpenAI`` (max_retries=0, a pydantic model per chunk).

Every contender gets a pool of N connections (the default 100 would queue the fan-out) and
generous limits (first chunk 120 s: with 1,000 streams on two cores the last stream's first
chunk comes late for every contender alike). Rounds are interleaved. Reported, per contender:
client CPU time per delivered chunk (the simulator's CPU is not counted), time to first chunk
p50/p99 (and ours minus raw), and peak traced memory per open stream (a separate
``tracemalloc`` pass, so tracing does not distort the CPU figures). Target: ours <= 1.15x raw
CPU per chunk.

Usage: python bench/async_fanout.py [--streams 1000] [--chunks 20] [--rounds 3] [--max-s 240]
Exit codes: 0 target met, 1 target missed (or a contender failed), 2 the simulator did not start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import openai

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chatcontract.client import AsyncClient, Policy
from client_overhead import KEY, MESSAGES, sim_process

TARGET = 1.15
POLICY = Policy(connect_timeout_s=60.0, first_chunk_timeout_s=120.0, stream_idle_timeout_s=60.0, deadline_s=300.0)
OneStream = Callable[[], Awaitable[tuple[float | None, int]]]


@dataclass
class Tally:
    cpu_s: list[float] = field(default_factory=list)
    chunks: list[int] = field(default_factory=list)
    first_ms: list[float] = field(default_factory=list)
    failed: int = 0
    peak_bytes: int = 0


def _raw(http: httpx2.AsyncClient, url: str, model: str) -> OneStream:
    body = {"model": model, "messages": MESSAGES, "stream": True}
    headers = {"Authorization": f"Bearer {KEY}"}

    async def one() -> tuple[float | None, int]:
        started, first, n = time.perf_counter(), None, 0
        async with http.stream("POST", url + "/chat/completions", json=body, headers=headers) as r:
            async for line in r.aiter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                doc = json.loads(line[6:])
                if doc.get("choices") and doc["choices"][0].get("delta", {}).get("content"):
                    first = first if first is not None else time.perf_counter() - started
                    n += 1
        return first, n

    return one


def _ours(client: AsyncClient, model: str) -> OneStream:
    async def one() -> tuple[float | None, int]:
        started, first, n = time.perf_counter(), None, 0
        async for _ in client.stream(model=model, messages=MESSAGES):
            first = first if first is not None else time.perf_counter() - started
            n += 1
        return first, n

    return one


def _sdk(sdk: openai.AsyncOpenAI, model: str) -> OneStream:
    async def one() -> tuple[float | None, int]:
        started, first, n = time.perf_counter(), None, 0
        async for chunk in await sdk.chat.completions.create(model=model, messages=MESSAGES, stream=True):  # type: ignore[arg-type]
            if chunk.choices and chunk.choices[0].delta.content:
                first = first if first is not None else time.perf_counter() - started
                n += 1
        return first, n

    return one


async def _fan_out(name: str, url: str, model: str, streams: int, max_s: float) -> tuple[list[float], int, int, float]:
    """Run ``streams`` concurrent streams of one contender; (first-chunk ms, chunks, failures, cpu s)."""
    limits = httpx2.Limits(max_connections=streams, max_keepalive_connections=streams)
    timeout = httpx2.Timeout(120.0, pool=120.0)
    async with httpx2.AsyncClient(limits=limits, timeout=timeout) as http:
        if name == "raw":
            one = _raw(http, url, model)
        elif name == "ours":
            one = _ours(AsyncClient(base_url=url, api_key=KEY, policy=POLICY, http_client=http), model)
        else:
            one = _sdk(openai.AsyncOpenAI(base_url=url, api_key=KEY, http_client=http, max_retries=0), model)
        cpu = time.process_time()
        gathered = asyncio.gather(*(one() for _ in range(streams)), return_exceptions=True)
        results = await asyncio.wait_for(gathered, max_s)
        cpu = time.process_time() - cpu
    firsts = [r[0] * 1000.0 for r in results if isinstance(r, tuple) and r[0] is not None]
    chunks = sum(r[1] for r in results if isinstance(r, tuple))
    failed = sum(1 for r in results if not isinstance(r, tuple))
    return firsts, chunks, failed, cpu


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _raise_fd_limit(streams: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 2 * streams + 256))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--chunks", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-s", type=float, default=240.0, help="Bound on one contender's fan-out.")
    args = parser.parse_args()
    _raise_fd_limit(args.streams)
    model = f"sim-long-{args.chunks}"
    names = ("raw", "ours", "openai")
    tallies = {name: Tally() for name in names}
    with sim_process() as url:
        asyncio.run(_fan_out("raw", url, model, min(50, args.streams), args.max_s))  # warm up imports and the server
        for _ in range(args.rounds):
            for name in names:
                firsts, chunks, failed, cpu = asyncio.run(_fan_out(name, url, model, args.streams, args.max_s))
                t = tallies[name]
                t.cpu_s.append(cpu)
                t.chunks.append(chunks)
                t.first_ms.extend(firsts)
                t.failed += failed
        for name in names:  # memory: a separate traced pass
            tracemalloc.start()
            asyncio.run(_fan_out(name, url, model, args.streams, args.max_s))
            tallies[name].peak_bytes = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    return _report(tallies, args)


def _report(tallies: dict[str, Tally], args: argparse.Namespace) -> int:
    per_chunk = {n: statistics.median(c / max(1, k) for c, k in zip(t.cpu_s, t.chunks, strict=True)) * 1e6
                 for n, t in tallies.items()}  # fmt: skip
    print(f"{args.streams} concurrent streams x {args.chunks} chunks, {args.rounds} interleaved rounds")
    print(f"{'contender':<9} {'CPU us/chunk':>12} {'x raw':>6} {'first p50 ms':>13} {'first p99 ms':>13} "
          f"{'peak KiB/stream':>16} {'failed':>7}")  # fmt: skip
    for name, t in tallies.items():
        print(f"{name:<9} {per_chunk[name]:>12.1f} {per_chunk[name] / per_chunk['raw']:>6.2f} "
              f"{_pct(t.first_ms, 0.5):>13.0f} {_pct(t.first_ms, 0.99):>13.0f} "
              f"{t.peak_bytes / args.streams / 1024:>16.1f} {t.failed:>7}")  # fmt: skip
    raw, ours = tallies["raw"], tallies["ours"]
    print(f"added time to first chunk (ours - raw): p50 {_pct(ours.first_ms, 0.5) - _pct(raw.first_ms, 0.5):+.0f} ms, "
          f"p99 {_pct(ours.first_ms, 0.99) - _pct(raw.first_ms, 0.99):+.0f} ms")  # fmt: skip
    ratio = per_chunk["ours"] / per_chunk["raw"]
    ok = ratio <= TARGET and not any(t.failed for t in tallies.values())
    print(f"ours/raw CPU per chunk {ratio:.2f}x (target <= {TARGET}x): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
