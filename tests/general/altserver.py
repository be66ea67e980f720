"""An independent OpenAI-compatible server for tests (does not import ``chatcontract.sim``).

Faithful to the published contract (``CreateChatCompletionRequest/Response``,
``CreateChatCompletionStreamResponse``, ``ErrorResponse``) but different from our simulator in
every way a real server may legitimately be: ``data:{json}`` with no space, ``id:``/``retry:``
lines (``event:`` lines on request), CRLF line endings, keep-alive comments, ``finish_reason`` on
the last content chunk, a usage chunk only when asked, no ``x-request-id`` (an ``x-trace-id``
instead), ``code: null``, 422 for schema validation (with the envelope), 403 for a bad key, a
differently phrased unknown-model 404, 413 for oversized bodies, 405 for GET on the chat route, a
non-OpenAI 404 envelope for unknown paths, gzip, chunked encoding, keep-alive.

``AltConfig.unfaithful`` names contract breaks (to prove the probe detects them) and
``AltServer.script`` queues per-request faults for the client tests (429 with an HTTP-date
``Retry-After``, ``retry-after-ms``, a 529 Anthropic-style overload, a cut stream, no ``[DONE]``).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
import time
import zlib
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

MAX_BODY = 1_000_000
PING_FOR_S = 4.0
ROLES = ("system", "developer", "user", "assistant", "tool", "function")
UNFAITHFUL = frozenset(
    {
        "ignore-key",  # any key (or none) is accepted
        "accept-empty-messages",  # messages: [] answered 200
        "no-envelope",  # errors as FastAPI {"detail": ...}
        "wrong-path-200-html",  # unknown paths answered 200 with an HTML page
        "stream-no-finish",  # streams never carry a finish_reason
        "missing-choices",  # a 200 without choices
        "stream-as-json",  # stream=true answered with application/json lines
        "invalid-role-500",  # an unknown role answered 500 (retryable)
        "unknown-model-200",  # an unknown model answered by some other model
        "message-not-string",  # error.message is an object
    }
)


@dataclass
class AltConfig:
    """What the server accepts and how it answers (faithful unless ``unfaithful`` says so)."""

    api_key: str = field(default_factory=lambda: "alt-" + secrets.token_hex(20))
    models: tuple[str, ...] = ("alt-model-1",)
    event_names: bool = False  # ``event: completion`` lines (valid SSE; not every SDK likes them)
    keepalive: bool = True
    ids: bool = True  # ``id:`` lines (with keep-alive comments the openai SDK then fails: see tests)
    done: bool = True
    split_data: bool = False  # each event's JSON over two ``data:`` lines (valid SSE)
    early_413: bool = False  # refuse an oversized body by its Content-Length, without reading it
    eol: bytes = b"\r\n"  # SSE allows CRLF, LF or a lone CR
    gzip_stream: bool = False  # streams sent with Content-Encoding: gzip, flushed per event
    unfaithful: frozenset[str] = frozenset()


def _err(
    status: int,
    message: str,
    etype: str,
    *,
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"message": message, "type": etype, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


class AltServer:
    """The app plus a fault queue; served by :func:`serve_alt`."""

    def __init__(self, config: AltConfig) -> None:
        self.config = config
        self.faults: deque[str] = deque()
        self.hits = 0
        self.base_url = ""
        routes = [
            Route("/v1/chat/completions", self.chat, methods=["GET", "POST", "PUT", "DELETE"]),
            Route("/v1/models", self.models, methods=["GET"]),
        ]
        self.app = Starlette(
            routes=routes,
            middleware=[Middleware(GZipMiddleware, minimum_size=64)],
            exception_handlers={404: self.not_found},
        )

    def script(self, *faults: str) -> None:
        """Queue faults for the next chat requests (``ok`` serves normally)."""
        self.faults.extend(faults)

    def _bad(self, name: str) -> bool:
        return name in self.config.unfaithful

    def _error(self, status: int, message: str, etype: str, **kw: Any) -> Response:
        if self._bad("no-envelope"):
            return JSONResponse({"detail": message}, status_code=status)
        if self._bad("message-not-string"):
            return JSONResponse({"error": {"message": {"text": message}, "type": etype}}, status_code=status)
        return _err(status, message, etype, **kw)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        if self._bad("wrong-path-200-html"):
            return Response("<!DOCTYPE html><html><body>Welcome</body></html>", 200, media_type="text/html")
        body = {"status": 404, "title": "Not Found", "path": request.url.path}
        return JSONResponse(body, status_code=404, media_type="application/problem+json")

    async def models(self, request: Request) -> Response:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "alt"} for m in self.config.models]
        return JSONResponse({"object": "list", "data": data})

    def _auth(self, request: Request) -> Response | None:
        if self._bad("ignore-key"):
            return None
        header = request.headers.get("authorization")
        if not header:
            return self._error(
                401,
                "You didn't provide an API key. Provide it in an Authorization header using Bearer auth.",
                "invalid_request_error",
            )
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.config.api_key:
            shown = token[:3] + "*" * 8 + token[-4:] if len(token) > 8 else "***"
            return self._error(403, f"Incorrect API key provided: {shown}.", "invalid_request_error")
        return None

    async def chat(self, request: Request) -> Response:
        if request.method != "POST":
            return self._error(
                405,
                f"Method {request.method} not allowed for this route.",
                "invalid_request_error",
                headers={"Allow": "POST"},
            )
        self.hits += 1
        denied = self._auth(request)
        if denied is not None:
            return denied
        if self.config.early_413 and int(request.headers.get("content-length") or 0) > MAX_BODY:
            return self._error(
                413, "Request Entity Too Large", "invalid_request_error", headers={"Connection": "close"}
            )
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return self._error(
                413, f"Request body of {len(raw)} bytes exceeds the limit of {MAX_BODY} bytes.", "invalid_request_error"
            )
        try:
            doc = json.loads(raw)
        except ValueError:
            return self._error(400, "We could not parse the JSON body of your request.", "invalid_request_error")
        problem = self._validate(doc)
        if problem is not None:
            return problem
        fault = self.faults.popleft() if self.faults else "ok"
        faulted = self._fault(fault)
        if faulted is not None:
            return faulted
        if doc.get("stream"):
            return self._stream(doc, fault)
        return self._completion(doc)

    def _validate(self, doc: Any) -> Response | None:
        if not isinstance(doc, dict) or "model" not in doc:
            return self._error(
                422, "1 validation error: body.model field required", "invalid_request_error", param="model"
            )
        messages = doc.get("messages")
        if not isinstance(messages, list):
            return self._error(422, "body.messages: field required", "invalid_request_error", param="messages")
        if not messages and not self._bad("accept-empty-messages"):
            return self._error(400, "[] is too short - 'messages'", "invalid_request_error", param="messages")
        for i, m in enumerate(messages):
            if not isinstance(m, dict) or m.get("role") not in ROLES:
                role = m.get("role") if isinstance(m, dict) else None
                if self._bad("invalid-role-500"):
                    return _err(500, "The server had an error processing your request.", "server_error")
                return self._error(
                    400,
                    f"Invalid value: '{role}'. Supported values are: " + ", ".join(repr(r) for r in ROLES) + ".",
                    "invalid_request_error",
                    param=f"messages[{i}].role",
                    code="invalid_value",
                )
        model = doc["model"]
        if model not in self.config.models and not self._bad("unknown-model-200"):
            return self._error(
                404, f"The model `{model}` does not exist or you do not have access to it.", "invalid_request_error"
            )
        return None

    def _fault(self, fault: str) -> Response | None:
        if fault == "429-date":
            when = formatdate(time.time() + 2, usegmt=True)
            return _err(
                429,
                "Rate limit reached for requests. Please try again later.",
                "requests",
                headers={"Retry-After": when},
            )
        if fault == "429-ms":
            return _err(429, "Rate limit reached.", "requests", headers={"retry-after-ms": "150", "Retry-After": "1"})
        if fault == "529":
            body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
            return JSONResponse(body, status_code=529)
        if fault == "503-html":
            return Response(
                "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>", 503, media_type="text/html"
            )
        return None

    def _chunk(self, cid: str, model: str, delta: dict[str, Any], reason: str | None, usage: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_alt",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": reason}],
        }
        if self._bad("stream-no-finish"):
            out["choices"][0]["finish_reason"] = None
        if usage:
            out["usage"] = None
        return out

    def _events(self, doc: dict[str, Any], fault: str) -> Iterator[bytes]:
        cid = "chatcmpl-" + secrets.token_hex(12)
        model = doc["model"]
        opts = doc.get("stream_options")
        usage = isinstance(opts, dict) and opts.get("include_usage") is True
        words = ["po", "ng", "."]
        if self.config.keepalive:
            yield b": keep-alive\r\n\r\n"
        deltas: list[tuple[dict[str, Any], str | None]] = [({"role": "assistant", "content": ""}, None)]
        deltas += [({"content": w}, "stop" if i == len(words) - 1 else None) for i, w in enumerate(words)]
        if fault == "cut":
            deltas = deltas[:2]
        for n, (delta, reason) in enumerate(deltas):
            yield self._event(n, self._chunk(cid, model, delta, reason, usage))
            if self.config.keepalive and n == 1:
                yield b": ping\r\n\r\n"
        if fault == "cut":
            return
        if usage:
            final = self._chunk(cid, model, {}, None, False)
            final["choices"] = []
            final["usage"] = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
            yield self._event(len(deltas), final)
        if self.config.done and fault != "nodone":
            yield b"data:[DONE]\r\n\r\n"

    def _event(self, n: int, chunk: dict[str, Any]) -> bytes:
        head = "event:completion\r\n" if self.config.event_names else ""
        head += f"id:{n}\r\n" if self.config.ids else ""
        if n == 0:
            head += "retry:3000\r\n"
        text = json.dumps(chunk, separators=(",", ":"))
        if self.config.split_data:
            cut = text.index(",") + 1
            text = text[:cut] + "\r\ndata:" + text[cut:]
        return (head + "data:" + text + "\r\n\r\n").encode()

    def _stream(self, doc: dict[str, Any], fault: str) -> Response:
        trace = {"x-trace-id": "trace-" + secrets.token_hex(8)}
        if self._bad("stream-as-json"):
            lines = "\n".join(
                json.dumps(self._chunk("c", doc["model"], {"content": "x"}, "stop", False)) for _ in range(2)
            )
            return Response(lines, media_type="application/json", headers=trace)

        headers = {**trace, "Cache-Control": "no-cache"}
        if self.config.gzip_stream:
            headers["Content-Encoding"] = "gzip"

        async def gen() -> AsyncIterator[bytes]:
            packer = zlib.compressobj(wbits=31) if self.config.gzip_stream else None
            async for raw in self._pieces(doc, fault):
                piece = raw.replace(b"\r\n", self.config.eol)
                yield piece if packer is None else packer.compress(piece) + packer.flush(zlib.Z_SYNC_FLUSH)
            if packer is not None:
                yield packer.flush()

        return StreamingResponse(gen(), media_type="text/event-stream; charset=utf-8", headers=headers)

    async def _pieces(self, doc: dict[str, Any], fault: str) -> AsyncIterator[bytes]:
        """The stream's pieces; ``pings``: keep-alive comments only, ``stall-after-content``:
        two content events then keep-alive comments only (both for at most :data:`PING_FOR_S`)."""
        events = self._events(doc, "cut" if fault == "stall-after-content" else fault)
        if fault == "pings":
            events = iter([b": keep-alive\r\n\r\n"])
        for piece in events:
            yield piece
        if fault in ("pings", "stall-after-content"):
            until = time.monotonic() + PING_FOR_S
            while time.monotonic() < until:
                await asyncio.sleep(0.1)
                yield b": ping\r\n\r\n"

    def _completion(self, doc: dict[str, Any]) -> Response:
        model = doc["model"] if doc["model"] in self.config.models else self.config.models[0]
        body: dict[str, Any] = {
            "id": "chatcmpl-" + secrets.token_hex(12),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": None,
            "service_tier": "default",
            "choices": [
                {
                    "index": 0,
                    "logprobs": None,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "pong", "refusal": None, "annotations": []},
                }
            ],
            "usage": {
                "prompt_tokens": 9,
                "completion_tokens": 1,
                "total_tokens": 10,
                "prompt_tokens_details": {"cached_tokens": 0},
            },
        }
        if self._bad("missing-choices"):
            del body["choices"]
        return JSONResponse(body, headers={"x-trace-id": "trace-" + secrets.token_hex(8)})


@contextmanager
def serve_alt(config: AltConfig | None = None) -> Iterator[AltServer]:
    """Serve an :class:`AltServer` on 127.0.0.1 (a free port) in a thread."""
    alt = AltServer(config or AltConfig())
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(alt.app, log_level="error", lifespan="off", timeout_keep_alive=5, server_header=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("altserver did not start")
        time.sleep(0.01)
    alt.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield alt
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
