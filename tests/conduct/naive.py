"""A naive client, as the incident's recorded clients behaved: any failure is retried at once, up
to four attempts, then the fallback model is tried once (imported by conduct workers)."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx

ATTEMPTS = 4


def ask(*, base_url: str, api_key: str, model: str, messages: Any, stream: bool, fallback_model: str | None) -> str:
    last: object = None
    for name in [model] * ATTEMPTS + ([fallback_model] if fallback_model else []):
        body = {"model": name, "messages": messages, "stream": stream}
        try:
            r = httpx.post(f"{base_url}/chat/completions", json=body, timeout=30,
                           headers={"Authorization": f"Bearer {api_key}"})
        except httpx.HTTPError as exc:
            last = exc
            continue
        if r.status_code == 200:
            return r.text if stream else str(r.json()["choices"][0]["message"]["content"])
        last = r.status_code
    raise RuntimeError(f"failed: {last}")
