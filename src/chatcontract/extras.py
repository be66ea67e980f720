"""Which optional extra installs which third-party module, and the one-line message when one is missing.

The core install (``pip install chatcontract``) is what a library user of ``Client`` needs; each
toolkit feature is an extra (``pyproject.toml``). Code that needs a missing extra fails with
``ModuleNotFoundError``; :func:`missing_extra` turns that into the sentence a user can act on.
"""

from __future__ import annotations

# top-level module name -> the extra that installs it
MODULE_EXTRAS: dict[str, str] = {
    "starlette": "sim",
    "uvicorn": "sim",
    "duckdb": "review",
    "ijson": "review",
    "matplotlib": "report",
    "jinja2": "report",
    "openai": "sdk",
    "opentelemetry.sdk": "otel",
    "psycopg": "postgres",
    "opentelemetry.exporter": "otel",
    "prometheus_client": "monitor",
}


def extra_for(module: str | None) -> str | None:
    """The extra that installs ``module`` (a dotted name as in ``ModuleNotFoundError.name``)."""
    if not module:
        return None
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        extra = MODULE_EXTRAS.get(".".join(parts[:end]))
        if extra is not None:
            return extra
    return None


def missing_extra(exc: ModuleNotFoundError, feature: str) -> str | None:
    """One line naming the extra ``feature`` needs, or ``None`` when the module is not ours to name."""
    extra = extra_for(exc.name)
    if extra is None:
        return None
    return (
        f"{feature} needs the '{extra}' extra ({exc.name} is not installed): "
        f"pip install 'chatcontract[{extra}]' (or 'chatcontract[all]')"
    )
