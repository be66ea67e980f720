"""Fixtures shared by every test area (keep this generic; area fixtures live in their folders)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatcontract.redact import active_redactor, use_redactor

REPO_ROOT = Path(__file__).resolve().parents[1]

# Test helpers are imported as ``tests.<area>.<module>`` whether pytest runs as ``pytest`` or
# ``python -m pytest`` (only the latter puts the repository root on the path by itself).
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


@pytest.fixture(autouse=True)
def _restore_redactor() -> Iterator[None]:
    """A test that calls ``configure_redaction`` never leaks its redactor into the next one."""
    previous = active_redactor()
    yield
    use_redactor(previous)


@pytest.fixture
def repo_root() -> Path:
    """The repository root (``schemas/``, ``pyproject.toml``)."""
    return REPO_ROOT

