"""Non-streaming requests per second: the simulator against a bare Starlette handler, via wrk.

Both servers run in their own process under uvicorn with the same settings (1 worker,
httptools, uvloop, no access log, no lifespan). wrk (the load generator, not Python, so the
harness does not measure itself) POSTs the same chat request to each, in interleaved rounds of
a few seconds. The simulator validates the key and body, picks the behaviour and serialises a
fresh completion; the peer returns a fixed body of the same size without reading the request.
The simulator's chat route is dispatched before Starlette's middleware and router (its other
routes go through them); without that shortcut it measured about 0.74x CPU per request.
Target: simulator >= 0.8x the bare handler.

Usage: python bench/sim_throughput.py [--seconds 5] [--rounds 3] [--connections 16]
Exit codes: 0 target met, 1 target missed, 2 wrk missing or a server failed to start.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

KEY = "sk-bench-local-key"
REQUEST = {"model": "sim-ok", "messages": [{"role": "user", "content": "Say the canonical text."}]}
TARGET_RATIO = 0.8


def _bare_app() -> object:
    """A minimal Starlette app answering a fixed completion body (the peer)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from chatcontract.sim.payloads import completion

    body = completion("chatcmpl-000000000000000001", 1_767_225_600, "sim-ok", 9)

    async def chat(request: Request) -> Response:
        """The fixed answer, without reading the request."""
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


def _sim_app() -> object:
    from chatcontract.sim import Simulator, make_config

    return Simulator(make_config(api_key=KEY, seed=0)).app


def serve(kind: str) -> None:
    """Child process: bind a free port, print it, serve until killed."""
    import uvicorn

    app = _sim_app() if kind == "sim" else _bare_app()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(
        app, http="httptools", loop="uvloop", access_log=False, log_level="warning", lifespan="off", workers=1
    )
    uvicorn.Server(config).run(sockets=[sock])


def _start(kind: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    if not port.isdigit():
        proc.kill()
        sys.exit(f"{kind} server did not start")
    return proc, f"http://127.0.0.1:{port}/v1/chat/completions"


LUA = """\
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {key}"
"""


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk(url: str, script: Path, seconds: int, connections: int) -> tuple[float, int]:
    """Requests per second and the request count of one wrk run."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if bad or errors:
        sys.exit(f"wrk saw failures against {url}: {(bad or errors).group(0)}")  # type: ignore[union-attr]
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if match is None or count is None:
        sys.exit(f"cannot read wrk output:\n{out}")
    return float(match.group(1)), int(count.group(1))


Servers = dict[str, tuple[subprocess.Popen[str], str]]


def _measure(servers: Servers, args: argparse.Namespace) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Interleaved wrk rounds: requests/s and server CPU microseconds per request, per server."""
    results: dict[str, list[float]] = {"bare": [], "sim": []}
    cpu_us: dict[str, list[float]] = {"bare": [], "sim": []}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(LUA.format(body=json.dumps(json.dumps(REQUEST)), key=KEY))
        for kind in servers:  # warm-up, not counted
            _wrk(servers[kind][1], script, 1, args.connections)
        for round_no in range(1, args.rounds + 1):
            order = ("bare", "sim") if round_no % 2 else ("sim", "bare")
            for kind in order:
                pid = servers[kind][0].pid
                before = _cpu_seconds(pid)
                rps, count = _wrk(servers[kind][1], script, args.seconds, args.connections)
                after = _cpu_seconds(pid)
                results[kind].append(rps)
                cpu = ""
                if before is not None and after is not None:
                    cpu_us[kind].append((after - before) / count * 1e6)
                    cpu = f"  {cpu_us[kind][-1]:6.1f} us CPU/request"
                print(f"round {round_no} {kind:5s} {rps:10.1f} req/s{cpu}", flush=True)
    return results, cpu_us


def main() -> int:
    """Run the comparison; exit 0 when the simulator reaches the target ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--serve", choices=["sim", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    if shutil.which("wrk") is None:
        print("wrk not found (Debian: apt-get install -y wrk)", file=sys.stderr)
        return 2
    servers = {kind: _start(kind) for kind in ("bare", "sim")}
    try:
        results, cpu_us = _measure(servers, args)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=10)
    bare, sim = statistics.median(results["bare"]), statistics.median(results["sim"])
    ratio = sim / bare
    print(f"\nbare Starlette handler (fixed body): {bare:10.1f} req/s (median of {args.rounds})")
    print(f"chatcontract sim (sim-ok)          : {sim:10.1f} req/s (median of {args.rounds})")
    if cpu_us["bare"] and cpu_us["sim"]:
        bare_cpu, sim_cpu = statistics.median(cpu_us["bare"]), statistics.median(cpu_us["sim"])
        print(
            f"server CPU per request: bare {bare_cpu:.1f} us, sim {sim_cpu:.1f} us "
            f"(bare/sim {bare_cpu / sim_cpu:.2f}x; steadier than req/s on a shared machine)"
        )
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"ratio sim/bare: {ratio:.2f}x ({verdict} the {TARGET_RATIO}x target)")
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
