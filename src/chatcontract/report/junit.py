"""JUnit XML from plain test-case data (for CI systems that show test reports).

Each :class:`JUnitCase` becomes a ``<testcase>``; ``fail`` gets a ``<failure>`` element,
``inconclusive`` a ``<skipped>`` element (CI shows it without failing the job), ``error`` an
``<error>``. Text goes through :mod:`xml.etree`, so it is always well-formed and escaped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class JUnitCase:
    """One test case: ``outcome`` is pass, fail, inconclusive or error."""

    name: str
    outcome: str
    classname: str = "chatcontract"
    time_s: float = 0.0
    message: str = ""
    details: str = ""
    stdout: str = ""


def _clean(text: str) -> str:
    """XML 1.0 forbids most control characters; drop them."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


_TAGS = {"fail": "failure", "error": "error", "inconclusive": "skipped"}


def _counts(suite_name: str, cases: Sequence[JUnitCase]) -> dict[str, str]:
    return {
        "name": suite_name,
        "tests": str(len(cases)),
        "failures": str(sum(c.outcome == "fail" for c in cases)),
        "errors": str(sum(c.outcome == "error" for c in cases)),
        "skipped": str(sum(c.outcome == "inconclusive" for c in cases)),
        "time": f"{sum(c.time_s for c in cases):.3f}",
    }


def _add_case(suite: ET.Element, case: JUnitCase) -> None:
    el = ET.SubElement(
        suite, "testcase", name=_clean(case.name), classname=_clean(case.classname), time=f"{case.time_s:.3f}"
    )
    tag = _TAGS.get(case.outcome)
    if tag is not None:
        child = ET.SubElement(el, tag, message=_clean(case.message))
        child.text = _clean(case.details) or None
    if case.stdout:
        ET.SubElement(el, "system-out").text = _clean(case.stdout)


def junit_xml(suite_name: str, cases: Sequence[JUnitCase], *, properties: Sequence[tuple[str, str]] = ()) -> str:
    """A ``<testsuites>`` document with one ``<testsuite>`` holding ``cases``."""
    counts = _counts(suite_name, cases)
    root = ET.Element("testsuites", counts)
    suite = ET.SubElement(root, "testsuite", counts)
    if properties:
        props = ET.SubElement(suite, "properties")
        for key, value in properties:
            ET.SubElement(props, "property", name=_clean(key), value=_clean(value))
    for case in cases:
        _add_case(suite, case)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
