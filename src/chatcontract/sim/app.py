"""The Starlette application: chat completions, models, admin routes, and wrong paths."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from chatcontract.sim import errors as errs
from chatcontract.sim.config import SimConfig
from chatcontract.sim.exchange import Exchange
from chatcontract.sim.faults import (
    FAULTS,
    HEALTHY_MODEL,
    OK,
    Behaviour,
    plan_behaviour,
    resolve_fault,
)
from chatcontract.sim.payloads import dumps
from chatcontract.sim.respond import adjust, perform, planned_status
from chatcontract.sim.state import REQUEST_METHOD, SimState
from chatcontract.sim.stream import ClientGoneError
from chatcontract.sim.validate import ChatRequest, Rejection, check_auth, parse_body

Selector = Callable[[int, float], Behaviour]
CHAT_PATH = "/v1/chat/completions"
RUN_PREFIX = "/run/"
RUN_ID_MAX = 64
HTML_PAGE = b"<!doctype html><html><head><title>Not Found</title></head><body><h1>Not Found</h1></body></html>"


def _ok(attempt: int, since: float) -> Behaviour:
    return OK


def _scan_headers(scope: Scope) -> tuple[bytes | None, str | None, int, str]:
    """Authorization, ``x-sim-fault``, Content-Length and the run, in one pass over the headers.

    The run comes from a ``/run/<id>/v1/...`` base URL (any client can be given one) or the
    ``x-sim-run`` header; empty means the server-wide run.
    """
    auth = fault = None
    length = 0
    run = scope.get("sim.run", "")
    for name, value in scope["headers"]:
        if name == b"authorization":
            auth = value
        elif name == b"x-sim-fault":
            fault = value.decode("latin-1").strip()
        elif name == b"content-length" and value.isdigit():
            length = int(value)
        elif name == b"x-sim-run" and not run:
            run = value.decode("latin-1").strip()[:RUN_ID_MAX]
    return auth, fault, length, run


def _strip_run(scope: Scope) -> Scope:
    """``/run/<id>/v1/...`` -> ``/v1/...`` with the run id kept in the scope."""
    run, _, rest = scope["path"][len(RUN_PREFIX) :].partition("/")
    return {**scope, "path": "/" + rest, "sim.run": run[:RUN_ID_MAX]}


def _admin_run(scope: Scope) -> str | None:
    """The run an admin request is about (``/run/<id>/_sim/...`` or ``?run=<id>``), or None: all."""
    if scope.get("sim.run"):
        return str(scope["sim.run"])
    runs = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("run")
    return runs[0][:RUN_ID_MAX] if runs else None


def _not_allowed(method: str, allowed: str) -> Rejection:
    error = errs.SimError(405, f"Method {method} not allowed; use {allowed}.", code="method_not_allowed")
    return Rejection("method_not_allowed", error)


def _model_object(name: str) -> dict[str, object]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "chatcontract-sim"}


class _Asgi:
    """Wraps a handler so Starlette routes to it as a raw ASGI app (no Request object)."""

    def __init__(self, handler: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self._handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._handler(scope, receive, send)


class Simulator:
    """The ASGI handlers of one simulator; ``app`` is the Starlette application."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.state = SimState(config)
        self._key = config.api_key.encode()
        self._selectors: dict[str, Selector | None] = {}
        self._switched: dict[str, str] = {}  # model -> the fault it behaves as (admin route)
        routes = [
            Route(CHAT_PATH, _Asgi(self.chat)),
            Route("/v1/models", _Asgi(self.models)),
            Route("/v1/models/{model_id:path}", _Asgi(self.model)),
        ]
        if config.admin:
            routes += [
                Route("/_sim/attempts", _Asgi(self.admin_attempts)),
                Route("/_sim/reset", _Asgi(self.admin_reset)),
                Route("/_sim/models/{model:path}", _Asgi(self.admin_switch)),
            ]
        routes.append(Route("/{path:path}", _Asgi(self.elsewhere)))
        self.starlette = Starlette(routes=routes)
        self.app: ASGIApp = self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry: the chat route directly (the hot path), everything else via Starlette."""
        if self.state.on_record is not None and scope["type"] == "http":
            REQUEST_METHOD.set(scope["method"])
        if scope["type"] == "http" and scope["path"].startswith(RUN_PREFIX):
            scope = _strip_run(scope)
        if scope["type"] == "http" and scope["path"] == CHAT_PATH:
            await self.chat(scope, receive, send)
        else:
            await self.starlette(scope, receive, send)

    def selector(self, name: str) -> Selector | None:
        """How ``name`` (a model or ``x-sim-fault`` value) behaves per attempt; None: unknown."""
        if name in self._selectors:
            return self._selectors[name]
        found = self._resolve(self._switched.get(name, name))
        if len(self._selectors) < 10_000:
            self._selectors[name] = found
        return found

    def _resolve(self, name: str) -> Selector | None:
        """``name``'s own behaviour (a switch made through the admin route is not followed)."""
        scenario = self.config.scenario
        if scenario is not None and name in scenario.models:
            return lambda attempt, since: scenario.behaviour(name, attempt, since)
        if name in (HEALTHY_MODEL, "ok") or name in self.config.models:
            return _ok
        if (plan := resolve_fault(name)) is not None:
            return lambda attempt, since: plan_behaviour(plan, attempt, since)
        return None

    def model_names(self) -> list[str]:
        """What ``GET /v1/models`` lists: healthy names, scenario models, one example per fault."""
        names = [HEALTHY_MODEL, *self.config.models]
        if self.config.scenario is not None:
            names += list(self.config.scenario.models)
        return names + [spec.example.split("|")[0] for spec in FAULTS]

    async def _reject(
        self,
        ex: Exchange,
        rejection: Rejection,
        path: str,
        stream: bool = False,
        *,
        run: str = "",
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        self.state.record(
            rejection.model,
            0,
            rejection.kind,
            stream=stream,
            path=path,
            status=rejection.error.status,
            run=run,
        )
        await ex.error(rejection.error, headers)

    async def chat(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``POST /v1/chat/completions``: validate, pick the behaviour, perform it."""
        request_id, completion_id = self.state.new_ids()
        ex = Exchange(self.state, receive, send, request_id, completion_id)
        try:
            await self._chat(scope, ex)
        except ClientGoneError:
            with contextlib.suppress(ClientGoneError):
                await ex.drop(reset=False)

    async def _chat(self, scope: Scope, ex: Exchange) -> None:
        path = scope["path"]
        auth, fault, length, run = _scan_headers(scope)
        if scope["method"] != "POST":
            await self._reject(ex, _not_allowed(scope["method"], "POST"), path, run=run, headers=[(b"allow", b"POST")])
            return
        rejection = check_auth(auth, self.config, self._key)
        if rejection is None and length > self.config.max_body_bytes:
            rejection = Rejection("too_large", errs.too_large(self.config.max_body_bytes))
        if rejection is not None:
            await self._reject(ex, rejection, path, run=run)
            return
        body = await self._read_body(ex)
        parsed = (
            parse_body(body, self.config)
            if body is not None
            else Rejection("too_large", errs.too_large(self.config.max_body_bytes))
        )
        if isinstance(parsed, Rejection):
            await self._reject(ex, parsed, path, run=run)
            return
        await self._serve(ex, parsed, fault, path, run)

    async def _read_body(self, ex: Exchange) -> bytes | None:
        limit = self.config.max_body_bytes
        message = await ex.receive()
        body: bytes = message.get("body", b"")
        if not message.get("more_body"):
            return body if len(body) <= limit else None
        parts = [body]
        size = len(body)
        while message.get("more_body"):
            message = await ex.receive()
            if message["type"] == "http.disconnect":
                raise ClientGoneError
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            if size > limit:
                return None
        return b"".join(parts)

    async def _serve(self, ex: Exchange, req: ChatRequest, fault: str | None, path: str, run: str) -> None:
        """Pick the behaviour (the ``x-sim-fault`` header wins over the model name), do it."""
        key = req.model if fault is None else f"{req.model}|{fault}"
        select = self.selector(req.model if fault is None else fault)
        if select is None and fault is None and "unknown-model-served" in self.config.modes:
            select = _ok
        if select is None:
            rejection = (
                Rejection("model_not_found", errs.model_not_found(req.model), req.model)
                if fault is None
                else Rejection("unknown_fault", errs.unknown_fault(fault), req.model)
            )
            await self._reject(ex, rejection, path, req.stream, run=run)
            return
        attempt = self.state.next_attempt(key, run)
        behaviour = adjust(select(attempt, self.state.since_reset(run)), req)
        self.state.record(
            req.model,
            attempt,
            behaviour.name,
            stream=req.stream,
            path=path,
            status=planned_status(behaviour),
            run=run,
            prefill=req.last_role == "assistant",
        )
        await perform(ex, behaviour, req, attempt)

    async def models(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``GET /v1/models``: the names this simulator serves (auth required)."""
        request_id, completion_id = self.state.new_ids()
        ex = Exchange(self.state, receive, send, request_id, completion_id)
        auth = dict(scope["headers"]).get(b"authorization")
        rejection = check_auth(auth, self.config, self._key)
        if rejection is not None:
            await self._reject(ex, rejection, scope["path"])
            return
        if scope["method"] != "GET":
            await self._reject(ex, _not_allowed(scope["method"], "GET"), scope["path"], headers=[(b"allow", b"GET")])
            return
        data = [_model_object(n) for n in self.model_names()]
        await ex.respond(200, dumps({"object": "list", "data": data}))

    async def model(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``GET /v1/models/{id}``: one model object, or 404 for a name the simulator does not serve."""
        ex = Exchange(self.state, receive, send, *self.state.new_ids())
        path = scope["path"]
        rejection = check_auth(dict(scope["headers"]).get(b"authorization"), self.config, self._key)
        if rejection is not None:
            await self._reject(ex, rejection, path)
            return
        if scope["method"] != "GET":
            await self._reject(ex, _not_allowed(scope["method"], "GET"), path, headers=[(b"allow", b"GET")])
            return
        name = scope["path_params"]["model_id"]
        if self.selector(name) is None:
            await self._reject(ex, Rejection("model_not_found", errs.model_not_found(name), name), path)
            return
        status = await ex.respond(200, dumps(_model_object(name)))
        self.state.record(name, 0, "model", stream=False, path=path, status=status)

    async def _admin(self, scope: Scope, receive: Receive, send: Send) -> Exchange | None:
        """The exchange of an admin request bearing the simulator's key, else ``None`` (401 sent).

        Whatever the modes say (``key-ignored``, ``bad-key-500`` shape the API, not the admin).
        """
        ex = Exchange(self.state, receive, send, *self.state.new_ids())
        auth = dict(scope["headers"]).get(b"authorization") or b""
        if auth[:7].lower() == b"bearer " and auth[7:].strip() == self._key:
            return ex
        await ex.error(errs.invalid_key() if auth else errs.missing_key())
        return None

    async def admin_attempts(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``GET /_sim/attempts`` (admin only, the simulator's key): the attempt log."""
        if (ex := await self._admin(scope, receive, send)) is not None:
            await ex.respond(200, dumps(self.state.attempts(_admin_run(scope))))

    async def admin_reset(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``POST /_sim/reset`` (admin only, the simulator's key): clear attempts, counters, flap timers."""
        if (ex := await self._admin(scope, receive, send)) is None:
            return
        if scope["method"] != "POST":
            await ex.error(_not_allowed(scope["method"], "POST").error, [(b"allow", b"POST")])
            return
        self.state.reset(_admin_run(scope))
        await ex.respond(200, b'{"reset":true}')

    async def admin_switch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``PUT /_sim/models/NAME`` (admin only, the simulator's key): from now on NAME behaves as a fault.

        Body ``{"behaves_as": "sim-503"}`` (any fault or healthy name); ``{"behaves_as": null}``
        restores it. Lets a running monitor see its target's model turn bad, and back.
        """
        if (ex := await self._admin(scope, receive, send)) is None:
            return
        if scope["method"] != "PUT":
            await ex.error(errs.SimError(405, "use PUT", code="method_not_allowed"))
            return
        name = scope["path_params"]["model"]
        body = await self._read_body(ex)
        try:
            wanted = json.loads(body or b"{}").get("behaves_as")
        except (ValueError, AttributeError):
            wanted = ""
        if wanted is not None and (not isinstance(wanted, str) or self._resolve(wanted) is None):
            await ex.error(errs.SimError(400, f"behaves_as must be a fault or model name, got {wanted!r}",
                                         code="invalid_request"))
            return
        self._switch(name, wanted)
        await ex.respond(200, dumps({"model": name, "behaves_as": wanted}))

    def _switch(self, name: str, fault: str | None) -> None:
        if fault is None or fault == name:
            self._switched.pop(name, None)
        elif len(self._switched) < 1000:
            self._switched[name] = fault
        self._selectors.clear()

    async def elsewhere(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Any other path: 404 JSON, a 301 to the chat route, an HTML page, or (mode) 200 HTML."""
        ex = Exchange(self.state, receive, send, *self.state.new_ids())
        path, method = scope["path"], scope["method"]
        html = b"text/html; charset=utf-8"
        if "wrong-path-html-200" in self.config.modes:
            status = await ex.respond(200, HTML_PAGE.replace(b"Not Found", b"Welcome"), html)
        elif self.config.wrong_path == "301":
            status = await ex.respond(301, b"", b"text/plain", [(b"location", CHAT_PATH.encode())])
        elif self.config.wrong_path == "html":
            status = await ex.respond(404, HTML_PAGE, html)
        else:
            status = await ex.error(errs.unknown_path(path, method))
        self.state.record("", 0, "wrong_path", stream=False, path=path, status=status)
