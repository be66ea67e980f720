"""Writing a report's files: one place for the directory, the encoding and the one-line error."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from chatcontract.errors import UsageError


def write_report_files(out_dir: Path, texts: Mapping[str, str]) -> list[Path]:
    """Write each ``name -> text`` under ``out_dir`` (folders created); returns the paths written.
    A file system refusal is a :class:`UsageError` naming the directory (exit 2)."""
    written: list[Path] = []
    try:
        for name, text in texts.items():
            path = out_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise UsageError(f"cannot write reports to {out_dir}: {exc.strerror or exc}") from None
    return written
