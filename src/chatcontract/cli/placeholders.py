"""Help placeholders people read: ``--base-url URL``, ``--out DIR``, ``--attempts N``.

Typer shows a value's Python type (``<str>``, ``<list[Path]>``, ``<int range>``); this names the
value instead, from the option's name (an explicit ``metavar`` is kept) and, failing that, its
type. Applied once to the whole Click tree by :func:`name_placeholders`.
"""

from __future__ import annotations

from typing import Any

BY_NAME = {
    "URL": {"base_url", "gateway", "otlp_endpoint"},
    "FILE": {"api_key_file", "meta", "map_file", "scenario", "scenario_file", "owners", "conduct", "probe_results",
             "baseline", "write_baseline", "current", "files", "logs", "output", "config"},
    "DIR": {"out", "fixtures", "promote_from"},
    "INCIDENT": {"incident", "first", "second"},
    "DURATION": {"every", "negatives_every", "max_time", "since_duration"},
    "TIME": {"since", "until"},
    "MODEL": {"model", "models", "fallback"},
    "PROFILE": {"profile", "name"},
    "STORE": {"store"},
    "VAR": {"api_key_env"},
    "NAMES": {"cases", "scenarios"},
    "CLASS": {"failure_class"},
    "CASE": {"negative"},
    "MODULE:FUNCTION": {"client"},
    "HOST": {"host", "metrics_host"},
    "PORT": {"port", "metrics_port", "sim_port"},
    "REGEX": {"redact_pattern"},
    "ID": {"request_id"},
}
_NAME_TO_METAVAR = {name: metavar for metavar, names in BY_NAME.items() for name in names}
_SECONDS_SUFFIXES = ("_s", "deadline", "group_window", "window")


def placeholder(param: Any) -> str | None:
    """The placeholder for one Click parameter, or None for a flag."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    name = param.name or ""
    if name in _NAME_TO_METAVAR:
        return _NAME_TO_METAVAR[name]
    descriptor = getattr(param, "type_descriptor", None)  # Typer's own parameters
    annotation = getattr(descriptor, "annotation", None) if descriptor is not None else getattr(param, "type", None)
    type_name = getattr(annotation, "__name__", str(annotation)).lower()
    if type_name in {"int", "integer"}:
        return "N"
    if type_name == "float":
        return "SECONDS" if name.endswith(_SECONDS_SUFFIXES) else "NUMBER"
    if "path" in type_name:
        return "FILE"
    return "TEXT" if name != "fmt" else "FORMAT"


def _no_type(ctx: Any = None) -> None:
    return None


def name_placeholders(command: Any) -> None:
    """Give every option and argument under ``command`` a readable placeholder."""
    pending = [command]
    while pending:
        cmd = pending.pop()
        for param in cmd.params:
            if param.metavar is None:
                param.metavar = placeholder(param)
            if getattr(param, "param_type_name", "") == "argument":
                param.display_type_rich = _no_type  # the placeholder says it; no "<list[Path]>" after it
        pending.extend(getattr(cmd, "commands", {}).values())
