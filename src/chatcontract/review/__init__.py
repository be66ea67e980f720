"""Incident review: gateway and application logs -> attempt records -> DuckDB -> findings.

``run_review(ReviewOptions(paths=...))`` returns a :class:`ReviewResult`; renderers in
``chatcontract.report.review_md`` / ``review_html`` turn it into Markdown, JSON or HTML.

Readers (``readers/``, chosen by sniffing, ``--reader`` to force): ``attempts`` (this
project's attempts.jsonl), ``jsonl`` (any JSON lines with a ``--map`` file, see
:mod:`chatcontract.review.mapping`), ``otlp`` (OTLP/JSON spans), ``har``, ``nginx``, ``envoy``.
Gzip is detected by its magic bytes. JSON lines are read by DuckDB itself; other formats are
streamed in Python (ijson for single documents), so inputs larger than memory work.

Pipeline: every input line becomes a row of ``raw`` or a counted bad line; each distinct
outcome key is classified once by :func:`chatcontract.taxonomy.classify_observation` and joined
back by id; logical requests come from request ids, idempotency keys, retry counters or a
stated heuristic; findings are plain SQL (:mod:`chatcontract.review.queries`) turned into short
statements with their numbers, each mismatch labelled (:class:`Label`).

CLI exit codes: 0 report written, no mismatch finding; 1 report written with mismatch findings;
2 bad input (not a log, unknown reader, bad mapping or time, no attempt in the window).
"""

from chatcontract.review.engine import run_review
from chatcontract.review.model import BadInput, Finding, Label, ReviewOptions, ReviewResult, SourceInfo

__all__ = ["BadInput", "Finding", "Label", "ReviewOptions", "ReviewResult", "SourceInfo", "run_review"]
