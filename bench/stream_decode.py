"""Chunks per second on a 20,000-chunk stream: our client vs raw httpx line parsing vs the SDK.

The simulator (its own process) streams ``sim-long-20000``. Contenders, in interleaved rounds:
our ``Client.stream()`` (incremental SSE decoder; every chunk parsed and structurally checked:
object type, choices, delta, finish_reason; the stream must end with a finish_reason), raw httpx
(``iter_lines`` + ``json.loads`` per event, no checks), and the openai SDK (max_retries=0, a
pydantic model per chunk). Reports chunks/s (median and spread over rounds) and ratios against
raw httpx2. Target: ours >= 0.8x raw httpx2.

Usage: python bench/stream_decode.py [--rounds 7] [--chunks 20000]
Exit codes: 0 target met, 1 target missed, 2 the simulator did not start.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from client_overhead import KEY, MESSAGES, sim_process

TARGET = 0.8


def contenders(base_url: str, model: str) -> dict[str, tuple[Callable[[], int], Callable[[], None]]]:
    """name -> (consume one whole stream, returning its content-chunk count; close)."""
    import httpx2
    import openai

    from chatcontract import Client, Policy

    raw = httpx2.Client(timeout=60)
    url = base_url + "/chat/completions"
    headers = {"Authorization": f"Bearer {KEY}"}

    def raw_lines() -> int:
        n = 0
        body = {"model": model, "messages": MESSAGES, "stream": True}
        with raw.stream("POST", url, json=body, headers=headers) as r:
            for line in r.iter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    doc = json.loads(data)
                    if doc["choices"] and doc["choices"][0]["delta"].get("content"):
                        n += 1
        return n

    ours = Client(base_url=base_url, api_key=KEY, policy=Policy(deadline_s=60))

    def ours_stream() -> int:
        return sum(1 for _ in ours.stream(model=model, messages=MESSAGES))

    sdk = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0, timeout=60)

    def sdk_stream() -> int:
        n = 0
        for chunk in sdk.chat.completions.create(model=model, messages=MESSAGES, stream=True):  # type: ignore[arg-type]
            if chunk.choices and chunk.choices[0].delta.content:
                n += 1
        return n

    return {
        "raw httpx": (raw_lines, raw.close),
        "chatcontract": (ours_stream, ours.close),
        "openai sdk": (sdk_stream, sdk.close),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--chunks", type=int, default=20000)
    args = parser.parse_args()
    model = f"sim-long-{args.chunks}"
    with sim_process() as base_url:
        peers = contenders(base_url, model)
        names = list(peers)
        rates: dict[str, list[float]] = {name: [] for name in names}
        for name in names:  # warm up, and check every contender saw the whole stream
            count = peers[name][0]()
            if count < args.chunks:
                print(f"{name} saw {count} content chunks, expected {args.chunks}", file=sys.stderr)
        for r in range(args.rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                start = time.perf_counter()
                count = peers[name][0]()
                rates[name].append(count / (time.perf_counter() - start))
        for _, close in peers.values():
            close()
    raw = statistics.median(rates["raw httpx"])
    print(f"{args.chunks}-chunk stream ({model}), {args.rounds} interleaved rounds")
    print(f"{'contender':<14}{'median chunks/s':>17}{'min-max':>20}{'x raw':>8}{'x raw per round (min/med/max)':>32}")
    ratio_of: dict[str, float] = {}
    for name in names:
        med = statistics.median(rates[name])
        ratios = [o / r for o, r in zip(rates[name], rates["raw httpx"], strict=True)]
        ratio_of[name] = statistics.median(ratios)
        spread = f"{min(rates[name]):,.0f}-{max(rates[name]):,.0f}"
        per_round = f"{min(ratios):.2f} / {ratio_of[name]:.2f} / {max(ratios):.2f}"
        print(f"{name:<14}{med:>17,.0f}{spread:>20}{med / raw:>8.2f}{per_round:>32}")
    ours = ratio_of["chatcontract"]
    print(f"chatcontract / raw httpx (median of per-round ratios): {ours:.2f}; target >= {TARGET}")
    print(f"openai sdk / raw httpx (median of per-round ratios): {ratio_of['openai sdk']:.2f}")
    return 0 if ours >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
