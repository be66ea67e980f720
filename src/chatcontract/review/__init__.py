"""Incident review: gateway and application logs -> attempt records -> DuckDB -> findings.

``run_review(ReviewOptions(paths=...))`` returns a :class:`ReviewResult`; renderers in
``chatcontract.report`` turn it into Markdown, HTML or JSON.
"""

from chatcontract.review.engine import run_review
from chatcontract.review.model import BadInput, Finding, Label, ReviewOptions, ReviewResult, SourceInfo

__all__ = ["BadInput", "Finding", "Label", "ReviewOptions", "ReviewResult", "SourceInfo", "run_review"]
