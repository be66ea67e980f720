"""Retry storm: server-seen attempts per logical call when a route is 100% down (503).

50 concurrent callers each make one call to ``sim-503`` (the simulator in its own process;
attempts counted by the simulator's own log, ``GET /_sim/attempts``). Contenders, each against
a freshly reset simulator: our ``Client`` (defaults: 3 attempts per route, retry budget, circuit
breaker; one client shared by the callers), the openai SDK with its defaults (2 retries), and
raw httpx wrapped in tenacity (3 attempts, exponential jitter). Target for ours: at most 1.2
attempts per logical call (the retry budget and the breaker keep an outage from multiplying load).

Usage: python bench/retry_storm.py [--callers 50] [--calls 1]
Exit codes: 0 target met, 1 target missed, 2 the simulator did not start.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from client_overhead import KEY, MESSAGES, sim_process

TARGET = 1.2
MODEL = "sim-503"


def contenders(base_url: str) -> dict[str, tuple[Callable[[], object], Callable[[], None]]]:
    import openai
    from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_random_exponential

    from chatcontract import Client

    ours = Client(base_url=base_url, api_key=KEY)
    sdk = openai.OpenAI(base_url=base_url, api_key=KEY)  # defaults: max_retries=2
    raw = httpx2.Client(timeout=30)

    @retry(
        stop=stop_after_attempt(3),
        wait=wait_random_exponential(multiplier=0.5, max=8),
        retry=retry_if_exception_type(httpx2.HTTPError),
        reraise=True,
    )
    def tenacity_call() -> object:
        r = raw.post(
            base_url + "/chat/completions",
            json={"model": MODEL, "messages": MESSAGES},
            headers={"Authorization": f"Bearer {KEY}"},
        )
        r.raise_for_status()
        return r.json()

    return {
        "chatcontract": (lambda: ours.chat(model=MODEL, messages=MESSAGES), ours.close),
        "openai sdk": (lambda: sdk.chat.completions.create(model=MODEL, messages=MESSAGES), sdk.close),  # type: ignore[arg-type]
        "tenacity x3": (tenacity_call, raw.close),
    }


def storm(call: Callable[[], object], callers: int, calls: int) -> tuple[int, float]:
    """Run the callers at once; returns (calls that raised, seconds)."""
    failures = [0]
    lock = threading.Lock()
    gate = threading.Barrier(callers)

    def caller() -> None:
        gate.wait()
        for _ in range(calls):
            try:
                call()
            except Exception:  # noqa: BLE001 - every call is expected to fail; count them
                with lock:
                    failures[0] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return failures[0], time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=50)
    parser.add_argument("--calls", type=int, default=1, help="calls per caller, one after another")
    args = parser.parse_args()
    logical = args.callers * args.calls
    results: dict[str, tuple[float, int, float]] = {}
    with sim_process() as base_url:
        admin = httpx2.Client(
            base_url=base_url.removesuffix("/v1"), timeout=10, headers={"Authorization": f"Bearer {KEY}"}
        )
        for name, (call, close) in contenders(base_url).items():
            admin.post("/_sim/reset").raise_for_status()
            failed, seconds = storm(call, args.callers, args.calls)
            attempts = sum(1 for a in admin.get("/_sim/attempts").json() if a["model"] == MODEL)
            results[name] = (attempts / logical, failed, seconds)
            with contextlib.suppress(Exception):
                close()
        admin.close()
    print(f"retry storm: {args.callers} concurrent callers x {args.calls} call(s) against {MODEL} (100% 503)")
    print(f"{'contender':<14}{'attempts/call':>15}{'calls failed':>14}{'wall s':>9}{'x ours':>8}")
    ours = results["chatcontract"][0]
    for name, (per_call, failed, seconds) in results.items():
        print(f"{name:<14}{per_call:>15.2f}{f'{failed}/{logical}':>14}{seconds:>9.1f}{per_call / ours:>8.2f}")
    print(f"chatcontract attempts per logical call: {ours:.2f}; target <= {TARGET}")
    return 0 if ours <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
