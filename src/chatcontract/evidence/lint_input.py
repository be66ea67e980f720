"""What ``lint`` reads: files checked first, then streamed in bounded blocks.

Memory is independent of the file's size and time linear in it: a file is read in blocks of
whole paragraphs (statements never span a blank line), each at most :data:`MAX_BLOCK_CHARS`
(as many paragraphs as fit: the per-block work is paid once per block, not per paragraph); a
longer paragraph is cut at whitespace (secrets hold none), or hard-cut when there is none.
JSON and YAML up to :data:`~chatcontract.inputs.MAX_INPUT_BYTES` are validated (nesting
bounded); HTML is read whole up to :data:`MAX_HTML_BYTES`.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from pathlib import Path

from chatcontract.errors import UsageError
from chatcontract.inputs import MAX_INPUT_BYTES, parse_json, parse_yaml, read_bytes

MAX_BLOCK_CHARS = 64 * 1024
MAX_HTML_BYTES = 8 * 1024 * 1024
_READ_BYTES = 256 * 1024
_KINDS = "Markdown, text, JSON, YAML or HTML"


def _chunks(path: Path) -> Iterator[str]:
    """Decoded text of ``path`` in pieces; NUL bytes or invalid UTF-8 are a UsageError."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        with path.open("rb") as fh:
            while raw := fh.read(_READ_BYTES):
                if b"\x00" in raw:
                    raise UsageError(f"{path}: binary file; lint reads {_KINDS}")
                yield decoder.decode(raw)
            yield decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text; lint reads {_KINDS}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None


def check_lintable(path: Path) -> None:
    """Refuse (one line, exit 2) a missing, binary, non-UTF-8 or malformed file before any output."""
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if path.is_dir():
        raise UsageError(f"{path}: is a directory; pass files")
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        read_bytes(path, "HTML page", limit=MAX_HTML_BYTES)
    for _ in _chunks(path):
        pass
    if suffix not in (".json", ".yaml", ".yml") or path.stat().st_size > MAX_INPUT_BYTES:
        return
    text = read_bytes(path, "file").decode("utf-8-sig")
    if suffix == ".json":
        parse_json(text, str(path))
    else:
        parse_yaml(text, str(path))


def _cut(text: str) -> int:
    """Where to cut an over-long run: after the last whitespace, else at the limit."""
    at = max(text.rfind(" ", 0, MAX_BLOCK_CHARS), text.rfind("\t", 0, MAX_BLOCK_CHARS))
    return at + 1 if at > 0 else MAX_BLOCK_CHARS


def split_blocks(chunks: Iterable[str]) -> Iterator[tuple[int, str]]:
    """``(first line number, text)`` of each bounded block of the text ``chunks`` make, in order."""
    pending = ""
    line = 1
    for chunk in chunks:
        pending += chunk
        pos = 0
        while len(pending) - pos > MAX_BLOCK_CHARS:  # as many whole paragraphs as fit
            brk = pending.rfind("\n\n", pos, pos + MAX_BLOCK_CHARS)
            end = brk + 2 if brk >= 0 else pos + _cut(pending[pos : pos + MAX_BLOCK_CHARS])
            block = pending[pos:end]
            yield line, block
            line += block.count("\n")
            pos = end
        pending = pending[pos:]
    if pending:
        yield line, pending


def blocks(path: Path) -> Iterator[tuple[int, str]]:
    """The bounded blocks of a checked file (:func:`check_lintable`); HTML without its charts."""
    if path.suffix.lower() in (".html", ".htm"):
        from chatcontract.evidence.lint import html_text

        return split_blocks([html_text("".join(_chunks(path)))])
    return split_blocks(_chunks(path))
