"""Imports go down only: the directions the design draws, read from the source with ``ast``
(imports inside functions count too, so a lazy import cannot hide a tie)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

import chatcontract

# one worker parses every source file (the graph is cached per process, ~0.5 CPU-s each time)
pytestmark = pytest.mark.xdist_group("source-graph")

ROOT = Path(chatcontract.__file__).parent


def _package(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> set[str]:
    """Top-level chatcontract packages/modules ``path`` imports (any depth, any place)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "chatcontract":
                names = [f"chatcontract.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "chatcontract" and len(parts) > 1:
                found.add(parts[1])
    return found


@functools.cache  # the sources do not change during a run; parsing them all takes ~0.4 s
def _graph() -> dict[str, frozenset[tuple[str, str]]]:
    """package -> {(imported package, importing file)}."""
    graph: dict[str, set[tuple[str, str]]] = {}
    for path in ROOT.rglob("*.py"):
        pkg = _package(path)
        for imported in _imports(path):
            if imported != pkg:
                graph.setdefault(pkg, set()).add((imported, str(path.relative_to(ROOT))))
    return {pkg: frozenset(ties) for pkg, ties in graph.items()}


GROUND = ("record", "record_schema", "taxonomy", "action_table", "wire_errors", "contract", "redact", "errors")
FORBIDDEN = [
    pytest.param("probe", {"evidence", "cli", "review", "conduct", "monitor"}, id="probe-stands-below-evidence"),
    pytest.param("evidence", {"probe", "cli", "conduct", "monitor"}, id="evidence-does-not-import-probe"),
    pytest.param("sim", {"client", "probe", "evidence", "cli", "target"}, id="sim-knows-only-the-wire-contract"),
    pytest.param("client", {"probe", "evidence", "cli", "review", "conduct", "monitor", "sim", "target"}, id="client"),
    pytest.param("target", {"client", "probe", "evidence", "cli", "review", "conduct", "monitor"}, id="target"),
    pytest.param("report", {"cli", "client", "evidence", "probe"}, id="report-holds-no-logic"),  # renders review.model
    *(pytest.param(g, {"client", "probe", "evidence", "cli", "sim", "target", "review", "conduct", "monitor"},
                   id=f"ground-{g}") for g in GROUND),
]  # fmt: skip


@pytest.mark.parametrize(("package", "forbidden"), FORBIDDEN)
def test_imports_go_down(package: str, forbidden: set[str]) -> None:
    ties = sorted((imported, where) for imported, where in _graph().get(package, frozenset()) if imported in forbidden)
    assert ties == [], f"{package} imports upward: {ties}"


def test_probe_and_evidence_tie_runs_one_way_at_most() -> None:
    graph = _graph()
    probe_to_evidence = any(imported == "evidence" for imported, _ in graph.get("probe", frozenset()))
    evidence_to_probe = any(imported == "probe" for imported, _ in graph.get("evidence", frozenset()))
    assert not (probe_to_evidence and evidence_to_probe)


def test_the_walker_sees_lazy_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from chatcontract.evidence.store import open_store\n    import chatcontract.sim\n")
    assert _imports(source) == {"evidence", "sim"}
