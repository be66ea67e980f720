"""Retry and escalate rules live only in the action table: every other copy is derived from it
(the engine's and the probe's decisions, review's SQL ``retry_rule``/``never_retry`` columns),
and nothing in the package keeps a hand-written class set of its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import chatcontract
from chatcontract.action_table import ACTIONS, ESCALATE, NEVER_RETRY, RetryRule, decision_for
from chatcontract.record import FailureClass, RetryDecision
from chatcontract.review.classify import Key, _row

ROOT = Path(chatcontract.__file__).parent


def test_derived_sets_follow_the_columns() -> None:
    assert {fc for fc, row in ACTIONS.items() if not row.header_may_retry} == NEVER_RETRY
    assert {fc for fc, row in ACTIONS.items() if row.escalate} == ESCALATE


@pytest.mark.parametrize("fc", list(FailureClass))
def test_one_meaning_per_decision(fc: FailureClass) -> None:
    assert decision_for(fc, retried=True) is RetryDecision.RETRY
    expected = RetryDecision.ESCALATE if ACTIONS[fc].escalate else RetryDecision.DO_NOT_RETRY
    assert decision_for(fc, retried=False) is expected
    assert decision_for(None, retried=False) is None


@pytest.mark.parametrize("fc", list(FailureClass))
def test_review_rows_carry_the_tables_rule(fc: FailureClass) -> None:
    key = Key(None, None, None, fc.value, None, None, None)
    row = _row(1, 0, key, {key: fc})
    assert row[-2] == ACTIONS[fc].retry.value
    assert row[-1] is (ACTIONS[fc].retry is RetryRule.NO)


def _class_sets(path: Path) -> list[str]:
    """Module-level names bound to a set/frozenset literal of two or more FailureClass members."""
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
            continue
        text = ast.unparse(node.value)
        if text.count("FailureClass.") >= 2 and ("frozenset(" in text or text.startswith("{")):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [ast.unparse(t) for t in targets]
    return found


def test_no_hand_written_retry_or_escalate_sets() -> None:
    rules = ("RETRY", "ESCALATE", "NEVER", "RETRYABLE")
    offenders = [
        f"{path.relative_to(ROOT)}:{name}"
        for path in ROOT.rglob("*.py")
        if path.name != "action_table.py"
        for name in _class_sets(path)
        if any(word in name.upper() for word in rules)
    ]
    assert offenders == []


def test_the_scan_sees_a_hand_written_set(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("_NEVER_RETRY = frozenset({FailureClass.AUTH, FailureClass.QUOTA_EXHAUSTED})\n")
    assert _class_sets(source) == ["_NEVER_RETRY"]
