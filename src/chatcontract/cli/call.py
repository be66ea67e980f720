"""``chatcontract call``: one request through the resilient client, with its attempt records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import httpx2
import typer

from chatcontract.cli.common import (
    DEFAULT_API_KEY_ENV,
    ApiKeyEnvOpt,
    ApiKeyFileOpt,
    BaseUrlOpt,
    ModelOpt,
    ProfileOpt,
    console,
    note,
    say,
)
from chatcontract.cli.connection import UNREACHABLE_HELP, CaBundleOpt, HeaderOpt, ProxyOpt, unreachable
from chatcontract.client import CallFailed, Client, Completion, Policy, Route
from chatcontract.contract import DEFAULT_PROFILE
from chatcontract.errors import UsageError
from chatcontract.record import AttemptRecord
from chatcontract.redact import StreamMasker, mask_known_secrets
from chatcontract.report.terminal import FitTable, rich_table
from chatcontract.target import Target, TargetInput, TargetUnreachableError, check_answers, open_target

HELP = """Send one chat-completions request through the resilient client and show every attempt.

Without --base-url (and without COMETAPI_BASE_URL) the embedded simulator answers, with a
freshly minted key; its model names select faults (try --model sim-503 --fallback sim-ok).
Exit codes: 0 the call completed, 1 the call failed (its class and attempts are shown),
2 usage or input error, """ + UNREACHABLE_HELP + "."


@contextmanager
def _target(given: TargetInput) -> Iterator[Target]:
    """The one resolver; a configured target needs a key and a model, and must answer."""
    with open_target(given, sim_model="sim-ok") as target:
        if not target.embedded:
            if target.credential is None:
                raise UsageError(f"no API key: set {given.api_key_env} or use --api-key-file")
            if not target.model:
                raise UsageError("no model: use --model or set COMETAPI_MODEL")
            try:
                check_answers(target)
            except TargetUnreachableError as exc:
                unreachable(exc)
        if target.note:
            note(target.note)
        if target.embedded:
            note(f"calling the embedded simulator at {target.base_url} (no --base-url or COMETAPI_BASE_URL)")
        yield target


def _attempt_table(attempts: list[AttemptRecord]) -> FitTable:
    def ms(value: float | None) -> str:
        return "" if value is None else f"{value:.0f}"

    rows = [
        (
            str(a.attempt_number),
            a.model or "",
            "" if a.http_status is None else str(a.http_status),
            a.failure_class.value if a.failure_class else "ok",
            a.retry_decision.value if a.retry_decision else "",
            ms(a.backoff_ms),
            ms(a.elapsed_ms),
            ms(a.first_chunk_ms),
            a.circuit_state or "",
            a.provider_request_id or "",
        )
        for a in attempts
    ]
    header = ("#", "model", "status", "class", "decision", "backoff ms", "elapsed ms", "first chunk ms", "circuit",
              "provider request id")
    return rich_table("attempts", header, rows)


def _run(client: Client, model: str, message: str, *, stream: bool, live: bool) -> Completion:
    messages = [{"role": "user", "content": message}]
    if not stream or not live:
        return client.chat(model=model, messages=messages, stream=stream)
    chat = client.stream(model=model, messages=messages)
    masker = StreamMasker()  # an echoing upstream may send the caller's own key back
    for delta in chat:
        console.print(masker.feed(delta), end="", markup=False, highlight=False, soft_wrap=True)
    console.print(masker.flush(), markup=False, highlight=False, soft_wrap=True)
    assert chat.completion is not None
    return chat.completion


def call(
    *,
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = DEFAULT_API_KEY_ENV,
    api_key_file: ApiKeyFileOpt = None,
    model: ModelOpt = None,
    profile: ProfileOpt = DEFAULT_PROFILE,
    message: Annotated[str, typer.Option("--message", help="The user message to send.")] = "Say hello.",
    stream: Annotated[bool, typer.Option("--stream", help="Stream the answer (printed live).")] = False,
    fallback: Annotated[
        list[str] | None, typer.Option("--fallback", help="Fallback model on the same base URL (repeatable).")
    ] = None,
    deadline: Annotated[
        float, typer.Option("--deadline", help="Seconds for the whole call, every attempt included.", min=0.001)
    ] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (answer and attempts).")] = False,
    header: HeaderOpt = None,
    proxy: ProxyOpt = None,
    ca_bundle: CaBundleOpt = None,
) -> int:
    """Send one request through the resilient client; print the answer and every attempt."""
    if any(not m.strip() for m in fallback or []):
        raise UsageError("--fallback needs a model name (got an empty one)")
    given = TargetInput(base_url, profile, api_key_env, api_key_file, model, tuple(header or ()), proxy, ca_bundle)
    with (
        _target(given) as target,
        httpx2.Client(**target.client_options()) as http,
        Client(
            base_url=target.base_url,
            api_key=target.credential.key if target.credential else None,
            credential_source=target.credential.source if target.credential else None,
            http_client=http,
            profile=target.profile,
            policy=Policy(deadline_s=deadline),
            fallbacks=[Route(model=m) for m in fallback or []],
        ) as client,
    ):
        try:
            done = _run(client, target.model or "sim-ok", message, stream=stream, live=not as_json)
        except CallFailed as failed:
            if failed.partial and stream and not as_json:
                console.print()
            _show(None, failed, as_json=as_json)
            return 1
        _show(done, None, as_json=as_json, printed=stream and not as_json)
        return 0


def _show(done: Completion | None, failed: CallFailed | None, *, as_json: bool, printed: bool = False) -> None:
    attempts = done.attempts if done is not None else (failed.attempts if failed is not None else [])
    if as_json:
        doc: dict[str, object] = {"ok": done is not None, "attempts": [a.export() for a in attempts]}
        if done is not None:
            doc |= {
                "content": mask_known_secrets(done.content or "") if done.content is not None else None,
                "model": done.model,
                "finish_reason": done.finish_reason,
                "usage": dict(done.usage) if done.usage else None,
            }
        if failed is not None:
            doc |= {"failure_class": failed.failure_class.value, "partial": failed.partial, "error": str(failed)}
        typer.echo(json.dumps(doc, indent=2, default=str))
        return
    if done is not None and not printed:
        say(mask_known_secrets(done.content or ""))
    console.print(_attempt_table(attempts))
    if done is not None:
        console.print(
            f"answered by {done.model} (finish_reason={done.finish_reason}) after {len(attempts)} attempt record(s)",
            markup=False,
        )
    elif failed is not None:
        say(str(failed))


def register(app: typer.Typer) -> None:
    app.command("call", help=HELP)(call)
