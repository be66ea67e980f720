"""``chatcontract call``: one request through the resilient client, with its attempt records."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

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
from chatcontract.client import CallFailed, Client, Completion, Policy, Route
from chatcontract.config import resolve_base_url, resolve_credential, resolve_model
from chatcontract.contract import DEFAULT_PROFILE, load_profile
from chatcontract.errors import UsageError
from chatcontract.record import AttemptRecord
from chatcontract.redact import StreamMasker, mask_known_secrets
from chatcontract.report.terminal import FitTable, rich_table

HELP = """Send one chat-completions request through the resilient client and show every attempt.

Without --base-url (and without COMETAPI_BASE_URL) the embedded simulator answers, with a
freshly minted key; its model names select faults (try --model sim-503 --fallback sim-ok).
Exit codes: 0 the call completed, 1 the call failed (its class and attempts are shown),
2 usage or input error."""


@dataclass(frozen=True)
class _Target:
    base_url: str
    key: str | None
    source: str | None
    model: str


@contextmanager
def _target(
    base_url: str | None, key_env: str, key_file: Path | None, model: str | None, profile: str
) -> Iterator[_Target]:
    prof = load_profile(profile)
    base = resolve_base_url(base_url, prof)
    if key_file is not None and base is None:
        resolve_credential(key_env, key_file)  # a missing or unreadable key file is bad input, sim or not
    if base is not None:
        credential = resolve_credential(key_env, key_file)
        if credential is None:
            raise UsageError(f"no API key: set {key_env} or use --api-key-file")
        chosen = resolve_model(model)
        if not chosen:
            raise UsageError("no model: use --model or set COMETAPI_MODEL")
        if base.note:
            note(base.note)
        yield _Target(base.url, credential.key, credential.source, chosen)
        return
    from chatcontract.sim import serve

    key = f"sk-chatcontract-embedded-{secrets.token_hex(16)}"
    with serve(api_key=key, error_style=prof.error_style) as sim:
        note(f"calling the embedded simulator at {sim.base_url} (no --base-url or COMETAPI_BASE_URL)")
        yield _Target(sim.base_url, key, "embedded-simulator:minted", model or "sim-ok")


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
) -> int:
    """Send one request through the resilient client; print the answer and every attempt."""
    if any(not m.strip() for m in fallback or []):
        raise UsageError("--fallback needs a model name (got an empty one)")
    with (
        _target(base_url, api_key_env, api_key_file, model, profile) as target,
        Client(
            base_url=target.base_url,
            api_key=target.key,
            credential_source=target.source,
            profile=profile,
            policy=Policy(deadline_s=deadline),
            fallbacks=[Route(model=m) for m in fallback or []],
        ) as client,
    ):
        try:
            done = _run(client, target.model, message, stream=stream, live=not as_json)
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
