"""``probe --out DIR`` that cannot be written is refused before the first request, leaving nothing.

Permission bits do not decide it (the suite may run as root, where ``os.access`` says yes to
``/proc``): the check makes the directory and a scratch file, and removes both.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chatcontract.cli.app import main
from chatcontract.sim import SimServer, serve

KEY = "sk-harden-out-check-0123456789abcdef"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with serve(api_key=KEY) as server:
        yield server


def _read_only(tmp: Path) -> Path:
    locked = tmp / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return locked / "reports"


UNWRITABLE: list[object] = [
    pytest.param(lambda tmp: Path("/proc/chatcontract-no-such/reports"), id="under-proc"),
    pytest.param(lambda tmp: Path("/sys/chatcontract-reports"), id="under-sys"),
    pytest.param(lambda tmp: (tmp / "plain").write_text("x") and tmp / "plain" / "reports", id="under-a-file"),
]
if os.geteuid() != 0:  # root writes through permission bits, so there the row would not be unwritable
    UNWRITABLE.append(pytest.param(_read_only, id="read-only-directory"))


@pytest.mark.parametrize("make", UNWRITABLE)
def test_an_unwritable_out_is_refused_before_any_request(
    make: Callable[[Path], Path], sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COMETAPI_API_KEY", KEY)
    out = make(tmp_path)
    sim.reset()
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as exc:
        main(["probe", "--base-url", sim.base_url, "--model", "sim-ok", "--out", str(out)])
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert err.startswith("chatcontract: error: cannot write reports to "), err
    assert len(err.splitlines()) == 1
    assert sim.attempts() == []
    assert sorted(tmp_path.rglob("*")) == before


def test_a_writable_out_that_does_not_exist_is_not_made_by_the_check(tmp_path: Path) -> None:
    from chatcontract.probe.session import check_out_dir

    out = tmp_path / "a" / "b" / "reports"
    check_out_dir(out)
    assert list(tmp_path.iterdir()) == []
