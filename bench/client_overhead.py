"""Per-call time of sequential non-streaming calls: our Client vs raw httpx vs the openai SDK.

The simulator runs in its own process (so the server does not share our GIL). Each contender
makes the same request (``sim-ok``, non-streaming) with one reused connection pool; rounds of
each contender are interleaved so machine noise hits all of them alike. Reports the median
per-call time, the spread of per-round medians, and ratios against raw httpx measured in the
same run. Target: our median within 1.1x of raw httpx (the openai SDK, max_retries=0, is the
named peer). Without a sink, telemetry or observer, our answer's attempt record is made when
``.attempts`` is first read; ``chatcontract+rec`` reads it on every call, to show that cost too.

Usage: python bench/client_overhead.py [--rounds 40] [--calls 25]
Exit codes: 0 target met, 1 target missed, 2 the simulator did not start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

KEY = "sk-bench-client-key-0001"
MESSAGES = [{"role": "user", "content": "Say the canonical text."}]
TARGET = 1.1


@contextmanager
def sim_process(*extra: str) -> Iterator[str]:
    """The simulator in a child process on a free port; yields its base URL."""
    env = {**os.environ, "CHATCONTRACT_SIM_API_KEY": KEY}
    cmd = [
        sys.executable,
        "-c",
        "from chatcontract.cli.app import main; main()",
        "sim",
        "--port",
        "0",
        "--admin",
        *extra,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.startswith("http"):
            print("simulator did not start", file=sys.stderr)
            sys.exit(2)
        yield line
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


def contenders(base_url: str) -> dict[str, tuple[Callable[[], Any], Callable[[], None]]]:
    """name -> (one call, close)."""
    import httpx2
    import openai

    from chatcontract import Client, Policy

    raw = httpx2.Client()
    url = base_url + "/chat/completions"
    headers = {"Authorization": f"Bearer {KEY}"}

    def raw_call() -> Any:
        r = raw.post(url, json={"model": "sim-ok", "messages": MESSAGES}, headers=headers)
        r.raise_for_status()
        return r.json()["choices"][0]["message"]["content"]

    ours = Client(base_url=base_url, api_key=KEY, policy=Policy())
    sdk = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0)
    return {
        "raw httpx": (raw_call, raw.close),
        "chatcontract": (lambda: ours.chat(model="sim-ok", messages=MESSAGES).content, ours.close),
        "chatcontract+rec": (lambda: ours.chat(model="sim-ok", messages=MESSAGES).attempts[-1].ok, lambda: None),
        "openai sdk": (
            lambda: sdk.chat.completions.create(model="sim-ok", messages=MESSAGES).choices[0].message.content,  # type: ignore[arg-type]
            sdk.close,
        ),
    }


def measure(call: Callable[[], Any], n: int) -> list[float]:
    times = []
    clock = time.perf_counter
    for _ in range(n):
        start = clock()
        call()
        times.append(clock() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--calls", type=int, default=25)
    args = parser.parse_args()
    with sim_process() as base_url:
        peers = contenders(base_url)
        for call, _ in peers.values():
            measure(call, 30)  # warm up: connections, caches
        per_call: dict[str, list[float]] = {name: [] for name in peers}
        rounds: dict[str, list[float]] = {name: [] for name in peers}
        names = list(peers)
        for r in range(args.rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                times = measure(peers[name][0], args.calls)
                per_call[name] += times
                rounds[name].append(statistics.median(times))
        for _, close in peers.values():
            close()
    raw = statistics.median(per_call["raw httpx"])
    print(f"sequential non-streaming calls: {args.rounds} interleaved rounds x {args.calls} calls each")
    print(f"{'contender':<17}{'median us':>11}{'p25-p75 us':>14}{'x raw':>8}{'x raw per round (p25/med/p75)':>32}")
    ratio_of: dict[str, float] = {}
    for name in names:
        q1, med, q3 = statistics.quantiles(per_call[name], n=4)
        ratios = sorted(o / r for o, r in zip(rounds[name], rounds["raw httpx"], strict=True))
        r1, rmed, r3 = statistics.quantiles(ratios, n=4)
        ratio_of[name] = rmed
        print(
            f"{name:<17}{med * 1e6:>11.0f}{f'{q1 * 1e6:.0f}-{q3 * 1e6:.0f}':>14}{med / raw:>8.2f}"
            f"{f'{r1:.2f} / {rmed:.2f} / {r3:.2f}':>32}"
        )
    ours = ratio_of["chatcontract"]
    print(f"chatcontract / raw httpx (median of per-round ratios): {ours:.3f}; target <= {TARGET}")
    rec = ratio_of["chatcontract+rec"]
    print(f"chatcontract reading .attempts / raw httpx (median of per-round ratios): {rec:.3f}")
    print(f"openai sdk / raw httpx (median of per-round ratios): {ratio_of['openai sdk']:.3f}")
    return 0 if ours <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
