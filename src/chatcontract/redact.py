"""Redaction: secrets and personal data out, shapes and identifiers in.

A :class:`Redactor` is a pipeline of small detectors over text (known secret formats, then
personal data, then high-entropy values under secret-looking names) plus a processor over
mappings (any value under a secret-looking key is replaced). Records call the active redactor
when they are made (:func:`active_redactor`); :func:`configure_redaction` adds a deployment's
own patterns (tenant ids, private file names) and the option to drop provider request ids.

Prompts and completions are reduced to a shape (:func:`shape_of_body`) unless the caller opts
in to keep synthetic content.

The pieces live by idea: the pipeline and the active redactor (:mod:`.redact_pipeline`), URLs
(:mod:`.redact_urls`), body shapes (:mod:`.redact_shapes`), the keys this process holds
(:mod:`.redact_known`) and the detectors' rules (:mod:`.redact_rules`); every public name is
importable from here.
"""

from __future__ import annotations

from chatcontract.redact_known import StreamMasker, forget_secrets, mask_known_secrets, remember_secret
from chatcontract.redact_pipeline import (
    Redactor,
    active_redactor,
    configure_redaction,
    redact,
    redact_free_text,
    redact_mapping,
    use_redactor,
)
from chatcontract.redact_rules import MASK, is_identifier_name, is_secret_key, looks_random, shannon_bits
from chatcontract.redact_shapes import shape_of_body, shape_of_messages
from chatcontract.redact_urls import redact_path, strip_url_secrets, url_for_message

__all__ = [
    "MASK",
    "Redactor",
    "StreamMasker",
    "active_redactor",
    "configure_redaction",
    "forget_secrets",
    "is_identifier_name",
    "is_secret_key",
    "looks_random",
    "mask_known_secrets",
    "redact",
    "redact_free_text",
    "redact_mapping",
    "redact_path",
    "remember_secret",
    "shannon_bits",
    "shape_of_body",
    "shape_of_messages",
    "strip_url_secrets",
    "url_for_message",
    "use_redactor",
]
