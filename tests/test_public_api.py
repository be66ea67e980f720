"""The public API: every name in ``__all__`` resolves, lazily, to the object its module defines."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import chatcontract


@pytest.mark.parametrize("name", sorted(set(chatcontract.__all__) - {"__version__"}))
def test_every_public_name_resolves(name: str) -> None:
    module = importlib.import_module(chatcontract._EXPORTS.get(name, "chatcontract.redact"))
    assert getattr(chatcontract, name) is getattr(module, name)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        chatcontract.Nope  # noqa: B018


def test_plain_import_does_not_load_the_client() -> None:
    code = "import sys, chatcontract; print('chatcontract.client' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
