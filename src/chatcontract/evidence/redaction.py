"""Redaction of evidence before it is written or shown (notes, packets).

The ground-floor redactor masks values under secret-looking keys; evidence also holds the
*source name* of a credential (``credential_used: env:COMETAPI_API_KEY``), which is safe and
needed, so those keys get text redaction only.
"""

from __future__ import annotations

from typing import Any

from chatcontract.redact import active_redactor, is_secret_key

# Keys that hold a credential's *source name* by construction (``env:COMETAPI_API_KEY``): their
# values get text redaction, not the name-based mask meant for secrets.
SOURCE_NAME_KEYS = frozenset({"credential_used", "credential_source"})


def redact_evidence(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` redacted again (nested), keeping credential source names readable."""
    redactor = active_redactor()

    def walk(key: str | None, value: Any) -> Any:
        if key in SOURCE_NAME_KEYS and isinstance(value, str):
            return redactor.redact(value)
        plain = key is None or not is_secret_key(key)
        if plain and isinstance(value, dict):
            return {str(k): walk(str(k), v) for k, v in value.items()}
        if plain and isinstance(value, list):
            return [walk(None, v) for v in value]
        return redactor.redact_value(key, value)

    return {str(k): walk(str(k), v) for k, v in data.items()}
