"""Carrying out a behaviour: healthy answers, error statuses, resets, silence and broken streams."""

from __future__ import annotations

import json

from chatcontract.sim import errors as errs
from chatcontract.sim.answers import HEALTHY_KINDS, Answer, answer_body, plan_answer
from chatcontract.sim.exchange import Exchange
from chatcontract.sim.faults import OK, Behaviour
from chatcontract.sim.payloads import (
    COMPLETION_TOKENS,
    FINGERPRINT,
    WORDS,
    ChunkMaker,
    completion,
    estimate_tokens,
)
from chatcontract.sim.stream import SseWriter, draw_style
from chatcontract.sim.validate import ChatRequest

NON_JSON_BODY = b"upstream connect error or disconnect/reset before headers. reset reason: overflow\n"
SSE = b"text/event-stream; charset=utf-8"
CHUNKS_BEFORE_TROUBLE = 3
LONG_BUFFER = 64 * 1024


def planned_status(behaviour: Behaviour) -> int | None:
    """The status the behaviour will send, or None when no response comes (reset, silence)."""
    if behaviour.kind in ("reset", "silent"):
        return None
    return behaviour.status if behaviour.kind in ("error", "raw") else 200


PREFILL_REFUSED = Behaviour(
    "prefill_refused",
    "error",
    400,
    "invalid_request_error",
    body="This model does not support assistant message prefill. The conversation must end with a user message.",
)


def adjust(behaviour: Behaviour, req: ChatRequest) -> Behaviour:
    """Behaviours that depend on the request: a model refusing a prefill refuses only prefills."""
    if behaviour.kind == "no_prefill":
        return PREFILL_REFUSED if req.last_role == "assistant" else OK
    return behaviour


def _error_for(behaviour: Behaviour, ex: Exchange) -> errs.SimError:
    code = behaviour.code
    if code == "context_length_exceeded":
        return errs.context_exceeded(ex.state.config.context_chars)
    if code == "content_policy_violation":
        return errs.content_policy()
    if behaviour.kind == "error" and behaviour.body:
        return errs.SimError(behaviour.status, behaviour.body, "invalid_request_error", "messages", code)
    return errs.for_status(behaviour.status, code)


async def _raw(ex: Exchange, behaviour: Behaviour) -> int:
    body = (behaviour.body or "").encode()
    try:
        json.loads(body)
        content_type = b"application/json"
    except ValueError:
        content_type = b"text/plain; charset=utf-8"
    return await ex.respond(behaviour.status, body, content_type)


async def perform(ex: Exchange, behaviour: Behaviour, req: ChatRequest, attempt: int) -> None:
    """Answer ``req`` as ``behaviour`` says."""
    kind = behaviour.kind
    if kind in ("ok", "error", "raw") and behaviour.delay_s:
        await ex.wait(behaviour.delay_s)
    if kind == "error":
        retry = behaviour.retry_after
        await ex.error(
            _error_for(behaviour, ex),
            [(b"retry-after", b"%d" % retry)] if retry is not None else None,
        )
    elif kind == "raw":
        await _raw(ex, behaviour)
    elif kind == "reset":
        await ex.drop(reset=True)
    elif kind == "silent":
        await ex.hold(ex.state.config.silent_cap_s)
    elif kind == "non_json":
        await ex.respond(200, NON_JSON_BODY, b"text/plain; charset=utf-8")
    elif req.stream:
        await stream(ex, behaviour, req, attempt)
    else:
        await _complete(ex, behaviour, req)


async def _complete(ex: Exchange, behaviour: Behaviour, req: ChatRequest) -> None:
    """A non-streaming 200 (stream-only faults answer healthily here)."""
    if behaviour.kind == "slow":
        await ex.wait(behaviour.delay_s)
    modes = ex.state.config.modes
    prompt_tokens = estimate_tokens(req.prompt_chars) + 3 * req.messages
    answer = _answer(ex, OK if behaviour.kind == "tool_cut" else behaviour, req)
    if answer is not None:
        created = int(ex.state.config.clock.wall())
        body = answer_body(
            answer,
            cid=ex.completion_id,
            created=created,
            model=req.model,
            prompt_tokens=prompt_tokens,
            fingerprint=FINGERPRINT,
        )
        await ex.respond(200, body)
        return
    body = completion(
        ex.completion_id,
        int(ex.state.config.clock.wall()),
        req.model,
        prompt_tokens,
        finish_reason="content_filter" if behaviour.kind == "content_filter_finish" else "stop",
        with_choices=behaviour.kind != "no_choices" and "no-choices" not in modes,
    )
    await ex.respond(200, body)


def _answer(ex: Exchange, behaviour: Behaviour, req: ChatRequest) -> Answer | None:
    if behaviour.kind not in HEALTHY_KINDS and behaviour.kind != "tool_cut":
        return None
    call_id = "call_" + ex.completion_id.removeprefix("chatcmpl-")
    return plan_answer(req.options, req.last_role, kind=behaviour.kind, call_id=call_id)


def _content_count(behaviour: Behaviour) -> int:
    if behaviour.kind in ("long", "cut", "abort"):
        return behaviour.count
    if behaviour.kind in ("stall", "stream_error"):
        return CHUNKS_BEFORE_TROUBLE
    return len(WORDS)


async def stream(ex: Exchange, behaviour: Behaviour, req: ChatRequest, attempt: int) -> None:
    """An SSE answer; broken-stream faults stop it early or bend its end."""
    state, kind = ex.state, behaviour.kind
    config = state.config
    style = draw_style(config.stream_variation, state.rng(req.model, attempt))
    headers = [(b"cache-control", b"no-cache")]
    if kind in ("cut", "stall", "stream_error", "no_done", "tool_cut"):
        headers.append((b"connection", b"close"))
    await ex.send({"type": "http.response.start", "status": 200, "headers": ex.headers(SSE) + headers})
    writer = SseWriter(ex.send, style, buffer_limit=LONG_BUFFER if kind == "long" else 0, is_closing=ex.is_closing)
    maker = ChunkMaker(
        ex.completion_id,
        int(config.clock.wall()),
        req.model,
        fingerprint=not style.null_fingerprint,
        extra_fields=style.extra_fields,
        usage_null=style.usage_null,
        with_choices=kind != "no_choices",
    )
    if kind == "slow":
        await ex.wait(behaviour.delay_s)
    answer = _answer(ex, behaviour, req)
    if answer is not None:
        await _stream_answer(ex, writer, maker, behaviour, req=req, answer=answer)
        return
    await writer.event(maker.role())
    count = _content_count(behaviour)
    malformed_at = count // 2 if kind == "malformed" else -1
    for i in range(count):
        if i in style.empty_deltas:
            await writer.event(maker.empty())
        if i == malformed_at:
            await writer.raw(
                b'data: {"id":"'
                + ex.completion_id.encode()
                + b'","choices":[{"delta":{"content":"'
                + style.eol
                + style.eol
            )
            continue  # the broken event stood for this chunk: its word is lost
        await writer.event(maker.content(i))
    await _finish(ex, writer, maker, behaviour, req=req, count=count)


async def _finish(
    ex: Exchange,
    writer: SseWriter,
    maker: ChunkMaker,
    behaviour: Behaviour,
    *,
    req: ChatRequest,
    count: int,
) -> None:
    kind = behaviour.kind
    if kind == "abort":
        await writer.flush()
        await ex.drop(reset=False)
        return
    if kind == "stall":
        await writer.flush()
        await ex.wait(behaviour.delay_s)
    elif kind == "stream_error":
        err = errs.SimError(
            500,
            "The server had an error while streaming the response.",
            "server_error",
            None,
            "stream_error",
        )
        body = errs.error_body(err, ex.state.config.error_style, ex.request_id)
        await writer.event(body)
    elif kind != "cut":
        if "stream-no-finish-reason" not in ex.state.config.modes:
            await writer.event(maker.finish("content_filter" if kind == "content_filter_finish" else "stop"))
        if req.include_usage:
            tokens = count if kind == "long" else COMPLETION_TOKENS
            await writer.event(maker.usage(estimate_tokens(req.prompt_chars) + 3 * req.messages, tokens))
        if kind != "no_done":
            await writer.done()
    await writer.flush()
    await ex.send({"type": "http.response.body", "body": b"", "more_body": False})


async def _stream_answer(
    ex: Exchange,
    writer: SseWriter,
    maker: ChunkMaker,
    behaviour: Behaviour,
    *,
    req: ChatRequest,
    answer: Answer,
) -> None:
    """A planned answer as chunks: choices interleaved; a ``tool_cut`` ends mid-arguments."""
    choices = range(answer.n)
    for i in choices:
        await writer.event(maker.role(i))
    if answer.tool is not None:
        fragments = answer.tool.fragments()
        if behaviour.kind == "tool_cut":
            fragments = fragments[: behaviour.count]
        for i in choices:
            await writer.event(maker.tool_start(answer.tool.call_id, answer.tool.name, i))
        for fragment in fragments:
            for i in choices:
                await writer.event(maker.tool_args(fragment, i))
    else:
        for text in answer.pieces:
            for i in choices:
                await writer.event(maker.text(text, i))
    if behaviour.kind != "tool_cut":
        for i in choices:
            await writer.event(maker.finish(answer.finish, i))
        if req.include_usage:
            prompt_tokens = estimate_tokens(req.prompt_chars) + 3 * req.messages
            await writer.event(maker.usage(prompt_tokens, answer.completion_tokens))
        if behaviour.kind != "no_done":
            await writer.done()
    await writer.flush()
    await ex.send({"type": "http.response.body", "body": b"", "more_body": False})
