"""Shared helpers for the CLI audit: run the app in-process, a canary key, bad input files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chatcontract.cli.app import main
from chatcontract.sim import serve

CANARY = "sk-CANARYaudit7f3e9a1b2c4d5e6f0a1b2c3d"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> Run:
    """``chatcontract ARGS`` in this process; the exit code and what it printed."""
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    code = exc.value.code
    return Run(code if isinstance(code, int) else (0 if code is None else 1), out, err)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No target, key or store from the developer's shell leaks into a test."""
    for name in ("COMETAPI_BASE_URL", "COMETAPI_API_KEY", "COMETAPI_MODEL", "CHATCONTRACT_STORE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHATCONTRACT_STORE", str(tmp_path / "default-store.sqlite"))


@dataclass(frozen=True)
class Files:
    """Awkward inputs: a binary file, an empty file, Latin-1 text, a plain file, a directory."""

    binary: Path
    empty: Path
    latin1: Path
    plain: Path
    directory: Path
    bad_profile: Path


@pytest.fixture
def files(tmp_path: Path) -> Files:
    binary = tmp_path / "blob.dat"
    binary.write_bytes(b"\x00\x01\xff\xfebinary")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    latin1 = tmp_path / "latin1.md"
    latin1.write_bytes(b"caf\xe9 \xff text\n")
    plain = tmp_path / "plain"
    plain.write_text("hi\n")
    directory = tmp_path / "adir"
    directory.mkdir()
    bad_profile = tmp_path / "bad-profile.yaml"
    bad_profile.write_text("name: x\ntitle: 5\nassumptions: [1, 2]\n")
    return Files(binary, empty, latin1, plain, directory, bad_profile)


@pytest.fixture(scope="module")
def canary_sim() -> Iterator[str]:
    """A loopback simulator that accepts only the canary key; yields its base URL."""
    with serve(api_key=CANARY) as sim:
        yield sim.base_url
