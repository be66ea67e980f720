"""Each hardening test starts with no remembered key and no target from the shell."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chatcontract.redact import forget_secrets


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("COMETAPI_BASE_URL", "COMETAPI_API_KEY", "COMETAPI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHATCONTRACT_STORE", str(tmp_path / "store.sqlite"))
    forget_secrets()
    yield
    forget_secrets()
