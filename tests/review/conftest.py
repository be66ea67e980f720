"""Generated incident logs (bench/gen_logs.py) with their ground truth, shared by the review tests."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _gen_logs() -> ModuleType:
    if "gen_logs" in sys.modules:
        return sys.modules["gen_logs"]
    spec = importlib.util.spec_from_file_location("gen_logs", ROOT / "bench" / "gen_logs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_logs"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def gen_logs() -> ModuleType:
    return _gen_logs()


@pytest.fixture(scope="session")
def incident(tmp_path_factory: pytest.TempPathFactory, gen_logs: ModuleType) -> tuple[Path, dict[str, Any]]:
    """The generated incident (seed 7, 3000 logical requests) and its truth."""
    out = tmp_path_factory.mktemp("incident")
    gen_logs.write_all(out, seed=7, requests=3000)
    return out, json.loads((out / "truth.json").read_text())


SAMPLES = Path(__file__).resolve().parent / "samples_real"
# the samples hold placeholders where real logs would leak a key (never a key in a fixture)
FAKE_KEYS = {"@KEY@": "sk-" + "abcdefghijklmnopqrstuvwx", "@GKEY@": "AIza" + "SyD-abcdefghijklmnopqrstu"}


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``samples_real/`` with the placeholders replaced by key-shaped values, as real logs have them."""
    out = tmp_path_factory.mktemp("samples_real")
    for source in SAMPLES.iterdir():
        text = source.read_text("utf-8")
        for placeholder, value in FAKE_KEYS.items():
            text = text.replace(placeholder, value)
        (out / source.name).write_text(text, "utf-8")
    return out
RAW_COLUMNS = ("started_at", "status", "method", "host", "path", "latency_ms", "request_id", "provider_request_id",
               "model", "response_model", "service", "deployment", "transport_error", "error_type", "error_code",
               "finish_reason", "prompt_tokens", "completion_tokens", "total_tokens", "retry_count", "resend_count",
               "streaming", "bad_reason")
RAW_QUERY = (
    "SELECT started_at, status, method, host, path, latency_ms, request_id, provider_request_id, model, "
    "response_model, service, deployment, transport_error, error_type, error_code, finish_reason, prompt_tokens, "
    "completion_tokens, total_tokens, retry_count, resend_count, streaming, bad_reason FROM raw "
    "WHERE bad_reason IS NULL OR (bad_reason <> 'unparsed' AND NOT starts_with(bad_reason, 'skipped: ')) "
    "ORDER BY bad_reason NULLS FIRST, started_at, source_line"
)


def load_raw(paths: list[Path], forced: str | None = None, field_map: Any = None,
             ) -> tuple[list[dict[str, Any]], Any, Any]:
    """Rows of the ``raw`` table (time order, bad rows last; no unparsed or skipped line), the
    sources and the bad input."""
    from chatcontract.review.table import connect, load

    con = connect(paths)
    try:
        sources, bad = load(con, paths, forced=forced, field_map=field_map)
        rows = con.execute(RAW_QUERY).fetchall()
    finally:
        con.close()
    return [dict(zip(RAW_COLUMNS, r, strict=True)) for r in rows], sources, bad
