"""The CLI's ground floor: help, version, one-line errors with exit 2, ``profile show``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import chatcontract.cli.app as app_module
from chatcontract import __version__
from chatcontract.cli.app import main
from chatcontract.errors import ChatContractError, UsageError


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Call the entry point in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


def assert_one_line_error(err: str) -> None:
    assert err.startswith("chatcontract: error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("flag", [pytest.param("--help", id="long"), pytest.param("-h", id="short")])
def test_help(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([flag], capsys)
    assert code == 0
    assert "Usage: chatcontract" in out
    assert "Exit codes" in out
    assert "profile" in out
    assert err == ""


def test_no_arguments_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([], capsys)
    assert code == 0
    assert "Usage: chatcontract" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0
    assert out.strip() == f"chatcontract {__version__}"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["--bogus"], "No such option: --bogus", id="bad-flag"),
        pytest.param(["nope"], "No such command 'nope'", id="unknown-command"),
        pytest.param(["profile", "show", "--bogus"], "No such option: --bogus", id="bad-subcommand-flag"),
        pytest.param(["profile", "frobnicate"], "No such command 'frobnicate'", id="unknown-subcommand"),
        pytest.param(["profile", "show", "nope"], "unknown profile 'nope'", id="unknown-profile"),
        pytest.param(["profile", "show", "a", "b"], "unexpected extra argument", id="extra-argument"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(args, capsys)
    assert code == 2
    assert_one_line_error(err)
    assert expected.lower() in err.lower()
    assert out == ""


def test_invalid_profile_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "junk.yaml"
    path.write_bytes(bytes(range(256)))
    code, _, err = run(["profile", "show", str(path)], capsys)
    assert code == 2
    assert_one_line_error(err)
    assert str(path) in err


@pytest.mark.parametrize("name", ["cometapi", "openai", "openai-compatible"])
def test_profile_show_table_fits_80_columns(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["profile", "show", name], capsys)
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    table = lines[: next(i for i, line in enumerate(lines) if line.startswith("[1] "))]
    assert max(len(line) for line in table) <= 80  # source URLs below it are never broken
    for key in ("base_url", "chat_route", "stream_terminator", "wrong_path"):
        assert any(line.lstrip().startswith(key) for line in lines), key
    assert "[DONE]" in out  # values are text, not markup
    assert any(line.startswith("[1] 20") and " http" in line for line in lines)


def test_profile_show_default_is_cometapi(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["profile", "show"], capsys)
    assert "CometAPI (cometapi)" in out
    assert "https://apidoc.cometapi.com/" in out


def test_profile_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["profile", "show", "openai", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["name"] == "openai"
    assert doc["assumptions"]["chat_route"]["value"] == "chat/completions"


def test_profile_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["profile", "list"], capsys)
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert names == ["cometapi", "openai", "openai-compatible"]


def test_console_script_in_a_subprocess() -> None:
    """The installed entry point: real process, real exit codes, no traceback."""
    exe = Path(sys.executable).with_name("chatcontract")
    ok = subprocess.run(
        [str(exe), "profile", "show", "cometapi"], capture_output=True, text=True, timeout=60, check=False
    )
    assert ok.returncode == 0
    assert "base_url" in ok.stdout
    bad = subprocess.run([str(exe), "--no-such-flag"], capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2
    assert_one_line_error(bad.stderr)
    assert bad.stdout == ""


SECRET = "sk-" + "Zq8r4Lk2Vb9Nw3Xt7Yp1Mh6Jd5Gf0Cs2Ae4Ru8Io1Pw3Ty5Ub7Ev9Hn2Km4Qx6Sz8"


@pytest.mark.parametrize(
    ("exc", "code", "expected"),
    [
        pytest.param(
            RuntimeError(f"boom with {SECRET}\nsecond line"),
            1,
            "internal error: RuntimeError: boom with [REDACTED]",
            id="bug",
        ),
        pytest.param(ChatContractError("the store is locked"), 1, "the store is locked", id="chatcontract-error"),
        pytest.param(UsageError("bad --flag value"), 2, "bad --flag value", id="usage-error"),
        pytest.param(KeyboardInterrupt(), 130, "interrupted", id="interrupt"),
    ],
)
def test_errors_from_commands_are_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], exc: BaseException, code: int, expected: str
) -> None:
    def explode(**_: object) -> None:
        raise exc

    monkeypatch.setattr(app_module, "_command", lambda: explode)  # the command tree main() runs
    got, out, err = run(["anything"], capsys)
    assert got == code
    assert_one_line_error(err)
    assert expected in err
    assert SECRET not in err
    assert out == ""
