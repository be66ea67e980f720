"""Every reporting command reads well at 80 columns: no line wider, no word split across lines.

Each command runs twice in this process, as on an 80-column terminal and as on a 400-column one;
every word of the narrow rendering must be a word of the wide one (ids cut with an ellipsis
excepted). A cell wrapped character by character (``statu s``, ``decisi on``) fails this.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest
from rich.console import Console

from chatcontract.cli.app import main
from chatcontract.report.terminal import FitTable, markdown_renderables

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BOX = re.compile(r"[\u2500-\u257f]")
VOLATILE = re.compile(r"[0-9a-f]*[0-9][0-9a-f]*")  # ports, ids, times: the same shape, other digits


def run(args: list[str], width: int, cwd: Path) -> str:
    """stdout of ``chatcontract ARGS`` run in this process as on a terminal ``width`` columns wide
    (Rich reads COLUMNS and FORCE_COLOR at each print: no subprocess, no second interpreter start)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as env, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        env.setenv("COLUMNS", str(width))
        env.setenv("FORCE_COLOR", "1")
        env.delenv("NO_COLOR", raising=False)
        env.setenv("CHATCONTRACT_STORE", str(cwd / "store.db"))
        env.chdir(cwd)
        try:
            main(args)
            code: object = 0
        except SystemExit as exc:
            code = exc.code
    assert code in (0, 1, 3, None), err.getvalue()
    return ANSI.sub("", out.getvalue())


def words(text: str) -> set[str]:
    found = {VOLATILE.sub("0", w) for w in BOX.sub(" ", text).split() if not w.endswith("…")}
    return found - {"[0/0]"}  # the record layout's row counter


def assert_reads_well(narrow: str, wide: str) -> None:
    assert narrow.strip()
    # A line may pass 80 columns only to hold one token longer than a line can (a long URL)
    too_wide = [line for line in narrow.splitlines() if len(line) > 80 and max(map(len, line.split())) <= 60]
    assert not too_wide, too_wide
    split = words(narrow) - words(wide)
    assert not split, sorted(split)
    corners = {"┏": "┓", "┌": "┐", "┗": "┛", "└": "┘"}
    cropped = [line for line in narrow.splitlines()
               if line[:1] in corners and not line.rstrip().endswith(corners[line[:1]])]
    assert not cropped, cropped  # a table wider than the terminal loses its right edge


REPRO = ["repro", "--incident", "INC-1", "--class", "server_error", "--model", "sim-503", "--wait-s", "0.01"]
# (setup, command): the setup runs once, the command at both widths over the same data, so a word that
# differs between the two renderings is a split word, not a different run (the probe's results vary).
COMMANDS = [
    pytest.param([], ["probe", "--cases", "happy,missing-auth,wrong-path"], id="probe"),
    pytest.param([], ["call", "--model", "sim-500-once", "--fallback", "sim-ok"], id="call"),  # one short backoff
    pytest.param([], ["profile", "show", "cometapi"], id="profile-show"),
    pytest.param([], REPRO, id="repro"),
    pytest.param([REPRO], ["incidents", "list"], id="incidents-list"),
    pytest.param([REPRO, ["packet", "INC-1", "--meta", "meta.yaml"]], ["incidents", "list"],
                 id="incidents-list-titled"),
    pytest.param([], ["config", "show"], id="config-show"),
    pytest.param([], ["profile", "list"], id="profile-list"),
    pytest.param([["probe", "--cases", "happy", "--out", "out"]], ["drift", "out/fixtures/happy.response.json"],
                 id="drift"),
    pytest.param([], ["lint", "note.md"], id="lint"),
    pytest.param([REPRO], ["packet", "INC-1"], id="packet"),
    pytest.param([], ["sim", "--list"], id="sim-list"),
    pytest.param([REPRO], ["incidents", "show", "INC-1"], id="incidents-show"),
    pytest.param([["probe", "--out", "out"]], ["review", "out/attempts.jsonl"], id="review"),
    pytest.param([], ["watch", "--every", "1s", "--max-runs", "1"], id="watch"),  # a second run waits 1 s, prints alike
    pytest.param([], ["conduct", "--client", "chatcontract", "--scenarios", "http-401,500-once,stream-cut",
                      "--workers", "1"], id="conduct"),  # one worker process per run: each imports the openai SDK
    pytest.param([], ["ready"], id="ready"),
]


@pytest.mark.parametrize(("setup", "command"), COMMANDS)
def test_command_reads_well_at_80_columns(setup: list[list[str]], command: list[str], tmp_path: Path) -> None:
    (tmp_path / "note.md").write_text("The provider was down for everyone and the model failed; our retries "
                                      "were fine. Pricing changed last week, so quota is exhausted.\n")
    (tmp_path / "meta.yaml").write_text("title: Slow answers from the gateway during the deploy\n")
    if command[0] == "config":
        (tmp_path / "chatcontract.toml").write_text('model = "sim-ok"\nfallbacks = ["sim-503", "sim-429"]\n')
    for step in setup:
        run(step, 400, tmp_path)
    outputs = {width: run(command, width, tmp_path) for width in (80, 400)}
    assert_reads_well(outputs[80], outputs[400])


CALL_HEADER = ("#", "model", "status", "class", "decision", "backoff ms", "elapsed ms", "first chunk ms", "circuit",
               "provider request id")
CALL_ROW = ("1", "sim-503", "503", "server_error", "do_not_retry", "200", "22", "", "closed", "req_62d82c07cd00001")


def render(renderable: object, width: int) -> str:
    console = Console(width=width, record=True, file=open(os.devnull, "w"), color_system=None)  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


@pytest.mark.parametrize(
    ("header", "row", "width", "layout"),
    [
        pytest.param(CALL_HEADER, CALL_ROW, 80, "records", id="ten-columns-fold-to-records"),
        pytest.param(CALL_HEADER, CALL_ROW, 160, "table", id="ten-columns-fit-wide"),
        pytest.param(("case", "result", "detail"), ("happy", "pass", "HTTP 200 " * 12), 80, "table",
                     id="long-prose-wraps-between-words"),
        pytest.param(("id",), ("x" * 60,), 40, "table", id="long-id-is-cut-with-an-ellipsis"),
    ],
)
def test_fit_table_never_splits_a_word(header: tuple[str, ...], row: tuple[str, ...], width: int, layout: str) -> None:
    table = FitTable("attempts", header, [row])
    assert table.fits(width) == (layout == "table")
    narrow, wide = render(table, width), render(table, 1000)
    assert all(len(line) <= width for line in narrow.splitlines())
    assert words(narrow) <= words(wide)


def test_markdown_tables_become_fit_tables_and_prose_stays_markdown() -> None:
    text = "# Title\n\nSome prose.\n\n| a | b |\n|---|---|\n| x \\| y | `z` |\n\nAfter.\n"
    parts = markdown_renderables(text)
    assert [type(p).__name__ for p in parts] == ["Markdown", "FitTable", "Markdown"]
    table = parts[1]
    assert isinstance(table, FitTable)
    assert list(table.header) == ["a", "b"]
    assert [list(r) for r in table.rows] == [["x | y", "z"]]
