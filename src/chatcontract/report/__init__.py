"""Renderers only: plain data in, text out (terminal, Markdown, HTML, JUnit, curl, charts).

Built for ``probe`` and reused by the evidence (packets) and review (incident review)
commands. Nothing here decides anything: callers pass rows, sections and series; these
modules turn them into a Rich table, a Markdown table, a self-contained HTML page, a JUnit
XML document, a redacted ``curl`` command or an inline chart. matplotlib is imported only
when a chart is actually drawn (:mod:`chatcontract.report.charts`).
"""

from chatcontract.report.curl import curl_command
from chatcontract.report.markdown import md_escape, md_table
from chatcontract.report.page import Section, render_page

__all__ = ["Section", "curl_command", "md_escape", "md_table", "render_page"]
