"""What an input can show (its reach), declared by each reader as data and asked by every finding.

An nginx log records no response headers, so "0 of 15 429s carried Retry-After" says nothing
about Retry-After: the finding must say "not assessed (the input cannot show response
headers)". Each reader declares a :class:`Reach`: the facts its format always carries, the
facts it carries only when the writer configured them (nginx ``key=value`` extras, optional
OTel attributes, a ``--map`` that names the field) and facts that come with another one (usage
is read from response bodies). A fact in ``maybe`` is in reach for one input only when some row
of that input shows it; absence never puts a fact in reach.

Findings ask :meth:`ReachTable.can` (does any input show the fact?) and count denominators over
rows whose input shows it (the ``can_*`` columns of the ``attempts`` view, see
:func:`can_columns`), so a count never mixes inputs that could carry a field with inputs that
could not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Fact(StrEnum):
    """A kind of evidence an input may or may not carry (its value names it in statements)."""

    HEADERS = "response headers"  # Retry-After, x-request-id
    BODIES = "response bodies"  # error envelope, response fields
    USAGE = "token usage"
    FINISH_REASON = "finish_reason"
    STREAMING = "whether a request was streamed"
    REQUEST_IDS = "request ids"  # what ties attempts into logical requests
    PROVIDER_IDS = "provider request ids"
    CLIENT_IDENTITY = "client identity (service, deployment)"
    MODEL = "the requested model"
    HOST = "the server address"
    PATH = "the request path"

    @property
    def column(self) -> str:
        """The ``attempts`` column that is true for rows whose input shows this fact."""
        return "can_" + self.name.lower()


# SQL predicate over one row of ``raw`` that shows the fact is present in that row.
EVIDENCE: dict[Fact, str] = {
    Fact.HEADERS: "retry_after_ms IS NOT NULL",
    Fact.BODIES: "(error_summary IS NOT NULL OR (response_shape IS NOT NULL AND response_shape <> 'empty'))",
    Fact.USAGE: "COALESCE(prompt_tokens, completion_tokens, total_tokens) IS NOT NULL",
    Fact.FINISH_REASON: "(finish_reason IS NOT NULL OR stream_state IS NOT NULL)",
    Fact.STREAMING: "streaming IS NOT NULL",
    Fact.REQUEST_IDS: "COALESCE(request_id, idempotency_key, CAST(COALESCE(retry_count, resend_count, attempt) "
                      "AS VARCHAR)) IS NOT NULL",
    Fact.PROVIDER_IDS: "provider_request_id IS NOT NULL",
    Fact.CLIENT_IDENTITY: "COALESCE(service, deployment) IS NOT NULL",
    Fact.MODEL: "model IS NOT NULL",
    Fact.HOST: "host IS NOT NULL",
    Fact.PATH: "path IS NOT NULL",
}
ALL_FACTS = frozenset(Fact)


@dataclass(frozen=True)
class Reach:
    """What a log format can show.

    ``always``: every input of this format carries the fact (absence in a row means the fact
    was absent). ``maybe``: carried only when configured; in reach once a row shows it.
    ``given``: carried whenever another fact is in reach (usage comes with response bodies).
    """

    always: frozenset[Fact] = frozenset()
    maybe: frozenset[Fact] = frozenset()
    given: Mapping[Fact, Fact] = field(default_factory=dict)

    def effective(self, observed: Iterable[Fact]) -> frozenset[Fact]:
        """The facts one input shows, given the facts some of its rows showed."""
        found = set(self.always) | (set(self.maybe) & set(observed))
        found |= {fact for fact, base in self.given.items() if base in found}
        return frozenset(found)

    def declared(self) -> frozenset[Fact]:
        """Every fact this format could show."""
        return self.always | self.maybe | frozenset(self.given)


def observed_sql(facts: Iterable[Fact]) -> str:
    """One scan of ``raw``: per input token, 1 or 0 for each of ``facts`` some good row shows
    (only the facts some reader may show matter: :meth:`Reach.effective` reads no other)."""
    cols = "".join(f", MAX(CASE WHEN {EVIDENCE[f]} THEN 1 ELSE 0 END) AS {f.column}" for f in facts)
    return f"SELECT source_file{cols} FROM raw WHERE bad_reason IS NULL GROUP BY source_file"  # noqa: S608


def parse_observed(rows: Iterable[tuple[object, ...]], facts: Iterable[Fact]) -> dict[str, frozenset[Fact]]:
    """Rows of :func:`observed_sql` (of the same ``facts``) -> token -> facts observed."""
    asked = list(facts)
    return {str(row[0]): frozenset(f for f, hit in zip(asked, row[1:], strict=True) if hit) for row in rows}


@dataclass(frozen=True)
class ReachTable:
    """The reach of every input of one review, by source token (``raw.source_file``)."""

    by_source: Mapping[str, frozenset[Fact]]
    names: Mapping[str, str] = field(default_factory=dict)  # token -> path, for statements

    def can(self, fact: Fact) -> bool:
        """Whether any input shows ``fact``."""
        return any(fact in facts for facts in self.by_source.values())

    def sources(self, fact: Fact) -> list[str]:
        """Tokens of the inputs that show ``fact``."""
        return sorted(t for t, facts in self.by_source.items() if fact in facts)

    def partial(self, fact: Fact) -> bool:
        """Some inputs show ``fact`` and some do not (denominators then leave the others out)."""
        return self.can(fact) and len(self.sources(fact)) < len(self.by_source)

    def not_assessed(self, *facts: Fact) -> str | None:
        """``"not assessed (the input cannot show X)"`` for the first fact no input shows, else ``None``."""
        for fact in facts:
            if not self.can(fact):
                return f"not assessed (the input cannot show {fact.value})"
        return None

    def scope_note(self, *facts: Fact) -> str:
        """``" (counted only in inputs that show X; a.log cannot show it)"`` when some inputs cannot
        show a fact a count needs, else ``""``."""
        blind = sorted({self.names.get(t, t).rsplit("/", 1)[-1] for t, have in self.by_source.items()
                        for f in facts if f not in have})
        if not blind:
            return ""
        shown = " and ".join(f.value for f in facts)
        return f" (counted only in inputs that show {shown}; {', '.join(blind)} cannot show it)"

    def can_columns(self) -> str:
        """``attempts`` view columns: ``<token list> AS can_<fact>`` for every fact (plain SQL)."""
        parts = []
        for fact in Fact:
            tokens = self.sources(fact)
            if not tokens:
                expr = "FALSE"
            elif len(tokens) == len(self.by_source):
                expr = "TRUE"
            else:
                expr = "r.source_file IN (" + ", ".join("'" + t.replace("'", "''") + "'" for t in tokens) + ")"
            parts.append(f"{expr} AS {fact.column}")
        return ", ".join(parts)

    def unseen_stream_ends(self, key_hash: str) -> list[tuple[dict[str, str], str]]:
        """Updates of ``raw`` (``(column -> expression, condition)``, in order) that mark streams
        from inputs that cannot show how a stream ended as ``stream_state = 'unknown'`` and hash
        their outcome key again (``key_hash``, the loader's expression): a 2xx stream with no
        finish_reason there is an unseen end, not a cut stream.
        """
        blind = sorted(t for t, facts in self.by_source.items() if Fact.FINISH_REASON not in facts)
        if not blind:
            return []
        where = ("source_file IN (" + ", ".join("'" + t.replace("'", "''") + "'" for t in blind)
                 + ") AND streaming AND bad_reason IS NULL AND ")
        return [({"stream_state": "'unknown'"}, f"{where}stream_state IS NULL"),
                ({"kh": key_hash}, f"{where}stream_state = 'unknown'")]

    def describe(self) -> dict[str, dict[str, list[str]]]:
        """Per input path: what it shows and what it cannot show (for the report)."""
        out = {}
        for token, facts in sorted(self.by_source.items()):
            name = self.names.get(token, token)
            out[name] = {"shows": sorted(f.value for f in facts),
                         "cannot_show": sorted(f.value for f in ALL_FACTS - facts)}
        return out


# --- declared reach of the built-in formats --------------------------------------------------------

_BODY_FACTS = {Fact.USAGE: Fact.BODIES, Fact.FINISH_REASON: Fact.BODIES}

ATTEMPTS_REACH = Reach(
    always=frozenset({Fact.HEADERS, Fact.BODIES, Fact.USAGE, Fact.FINISH_REASON, Fact.STREAMING, Fact.REQUEST_IDS,
                      Fact.MODEL, Fact.HOST, Fact.PATH}),
    maybe=frozenset({Fact.PROVIDER_IDS, Fact.CLIENT_IDENTITY}),
)
MAPPED_JSON_REACH = Reach(maybe=ALL_FACTS)  # whatever the --map names and the lines carry
OTLP_REACH = Reach(maybe=ALL_FACTS - {Fact.BODIES})  # attributes are optional; no bodies
HAR_REACH = Reach(
    always=frozenset({Fact.HEADERS, Fact.PATH, Fact.HOST}),
    maybe=frozenset({Fact.BODIES, Fact.STREAMING, Fact.MODEL, Fact.REQUEST_IDS, Fact.PROVIDER_IDS}),
    given=_BODY_FACTS,
)
NGINX_REACH = Reach(  # combined format: no headers, bodies, usage or stream end; extras may add ids
    always=frozenset({Fact.PATH}),
    maybe=frozenset({Fact.REQUEST_IDS, Fact.PROVIDER_IDS, Fact.CLIENT_IDENTITY, Fact.MODEL, Fact.HOST}),
)
ENVOY_REACH = Reach(always=frozenset({Fact.PATH}), maybe=frozenset({Fact.HOST, Fact.PROVIDER_IDS}))
