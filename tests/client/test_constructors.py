"""Public constructors spell out typed keyword arguments: a misspelt one fails ``mypy --strict``
(checked with mypy's API on a snippet) and raises ``TypeError`` at run time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import chatcontract
from chatcontract.client import AsyncClient, AsyncResilientTransport, Client, Policy, ResilientTransport

SNIPPET = """
from chatcontract.client import AsyncClient, AsyncResilientTransport, Client, Policy, ResilientTransport, Route

Client(base_url="http://x/v1", polcy=Policy())
AsyncClient(base_url="http://x/v1", fallback=[Route()])
ResilientTransport(polcy=Policy())
AsyncResilientTransport(sinc=None)
Client(base_url="http://x/v1", policy=Policy(), fallbacks=[Route(model="m")], deadline=3)
Client(base_url="http://x/v1", policy="fast")
ok = Client(base_url="http://x/v1", api_key="k", policy=Policy(), fallbacks=[Route(model="m")], service="s")
"""


def test_a_misspelt_keyword_fails_mypy_strict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs with the project's mypy configuration and cache (warm after ``mypy``: about a second)."""
    api = pytest.importorskip("mypy.api")
    root = Path(chatcontract.__file__).parents[2]
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET)
    monkeypatch.chdir(root)
    out, _, status = api.run(["--strict", str(snippet)])
    assert status == 1
    errors = [line for line in out.splitlines() if ": error:" in line]
    rows = sorted({int(line.split(":")[1]) for line in errors})
    assert rows == [4, 5, 6, 7, 8, 9], out  # every bad call, and not the good one (line 10)


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        pytest.param(Client, {"base_url": "http://x/v1", "polcy": Policy()}, id="Client"),
        pytest.param(AsyncClient, {"base_url": "http://x/v1", "fallback": []}, id="AsyncClient"),
        pytest.param(ResilientTransport, {"polcy": Policy()}, id="ResilientTransport"),
        pytest.param(AsyncResilientTransport, {"sinc": None}, id="AsyncResilientTransport"),
    ],
)
def test_a_misspelt_keyword_raises_type_error(cls: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        cls(**kwargs)


