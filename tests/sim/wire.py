"""Helpers for observing the simulator on the wire: requests, SSE parsing, raw sockets."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from tests.loopback import TLS

from chatcontract.sim import SimServer

MESSAGES = [{"role": "user", "content": "Say the canonical text."}]


def chat_url(sim: SimServer) -> str:
    return sim.base_url + "/chat/completions"


def auth(sim: SimServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.api_key}"}


def post(
    sim: SimServer,
    model: str = "sim-ok",
    *,
    stream: bool = False,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
    **body: Any,
) -> httpx.Response:
    """POST a chat request with the sim's key; ``body`` overrides/extends the JSON."""
    payload: dict[str, Any] = {"model": model, "messages": MESSAGES, **body}
    if stream:
        payload["stream"] = True
    return httpx.post(chat_url(sim), json=payload, headers={**auth(sim), **(headers or {})}, timeout=timeout,
                      verify=TLS)


@dataclass
class Sse:
    """A parsed SSE body: data payloads in order, comments, and whether [DONE] came."""

    data: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return "[DONE]" in self.data

    def chunks(self) -> list[dict[str, Any]]:
        """Every data payload that is JSON (not [DONE])."""
        out = []
        for d in self.data:
            if d == "[DONE]":
                continue
            try:
                out.append(json.loads(d))
            except ValueError:
                continue
        return out

    def malformed(self) -> list[str]:
        bad = []
        for d in self.data:
            if d == "[DONE]":
                continue
            try:
                json.loads(d)
            except ValueError:
                bad.append(d)
        return bad

    def content(self) -> str:
        return "".join(c["choices"][0]["delta"].get("content") or "" for c in self.chunks() if c.get("choices"))

    def content_chunks(self) -> int:
        return sum(1 for c in self.chunks() if c.get("choices") and c["choices"][0]["delta"].get("content"))

    def finish_reasons(self) -> list[str]:
        return [
            c["choices"][0]["finish_reason"]
            for c in self.chunks()
            if c.get("choices") and c["choices"][0].get("finish_reason")
        ]


def parse_sse(raw: bytes) -> Sse:
    """Parse SSE bytes (LF or CRLF) into events, following the SSE spec's line rules."""
    text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    out = Sse()
    for block in text.split("\n\n"):
        data_lines = []
        for line in block.split("\n"):
            if line.startswith(":"):
                out.comments.append(line[1:].strip())
            elif line.startswith("data:"):
                data_lines.append(line[5:].removeprefix(" "))
        if data_lines:
            out.data.append("\n".join(data_lines))
    return out


def raw_exchange(
    sim: SimServer,
    model: str,
    *,
    stream: bool = False,
    timeout: float = 5.0,
    key: str | None = None,
) -> tuple[bytes, BaseException | None]:
    """Send one request over a plain socket; return every byte read and the error that ended it."""
    parts = urlsplit(sim.base_url)
    body = json.dumps({"model": model, "messages": MESSAGES, "stream": stream}).encode()
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: Bearer {key or sim.api_key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    received = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head + body)
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except OSError as exc:
            return received, exc
    return received, None
