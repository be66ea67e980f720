"""Write the attempt record's JSON Schema: ``python -m chatcontract.record_schema [PATH]``.

The default path is ``schemas/attempt-record.schema.json`` under the current directory (run it
from the repository root). ``tests/foundation/test_record.py`` fails when the stored file and
the model disagree, and names this command.
"""

from __future__ import annotations

import sys
from pathlib import Path

from chatcontract.record import record_json_schema_text

SCHEMA_PATH = "schemas/attempt-record.schema.json"
REGENERATE = "python -m chatcontract.record_schema"


def main(argv: list[str] | None = None) -> int:
    """Write the schema to ``argv[0]`` (default :data:`SCHEMA_PATH`); print where."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0] if args else SCHEMA_PATH)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(record_json_schema_text(), encoding="utf-8")
    sys.stdout.write(f"wrote {target}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
