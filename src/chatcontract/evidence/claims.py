"""Claims the evidence does not support: rule families, and what makes a sentence acceptable.

An incident write-up should say what was observed, not what the provider's prices, limits,
uptime or internals are. Each :class:`Family` is a small set of regular expressions (with
synonyms) for one kind of claim, plus a safer wording. A sentence that matches is still fine
when it

- cites a source (a URL, ``per <doc>``, ``according to``, a ``[n]`` reference, a request id or
  an attempt-record / run reference),
- disclaims the claim in the same clause ("we did not verify pricing", "no evidence that"),
- asks a question, or
- is our own measurement (first person, a number) — for the families a measurement can
  support (latency, rate limits, availability of a model we called).

Quoted text (an error message we received, a status reason phrase) is masked before matching:
quoting what the provider said is reporting, not claiming.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatcontract.evidence.claim_rules import FAMILIES, FLAGS
from chatcontract.prefilter import AnyOf, Prefilter

# -- what makes a sentence acceptable ---------------------------------------------------------
_CITATION = re.compile(
    r"https?://\S+|\bwww\.\w[\w.-]+\.\w+"
    r"|\[\^?\d{1,3}\]|\]\[\w+\]|\]\(https?:"
    r"|\baccording\s+to\b"
    r"|\bas\s+(?:stated|documented|described|noted|published|announced|listed|shown|"
    r"reported|posted|written)\s+(?:in|on|by|at)\b"
    r"|\b(?:cited|quoted)\s+(?:in|from)\b|\bsources?\s*:|\brefs?\s*:|\breference\s*:"
    r"|\bdocumented\s+(?:at|in|on|by)\b"
    r"|\b(?:docs?|documentation|status\s+page|changelog|help\s+cent(?:re|er)|api\s+reference|"
    r"post-?mortem|support)\s+(?:says?|said|states?|stated|shows?|showed|lists?|listed|notes?|"
    r"noted|mentions?|confirmed|reports?|reported)\b"
    r"|\b(?:request|trace)[ _-]?ids?\b\s*[:=#]?\s*[`\"']?[\w-]{6,}"
    r"|\b(?:req|chatcmpl|resp)[-_][\w-]{6,}"
    r"|\battempt\s+records?\b"
    r"|\b(?:run|record|attempt)\s*(?:id\s*)?[#:]?\s*`?[0-9a-f]{6,}\b"
    r"|\b(?:ticket|case|escalation)\s*(?:id\s*)?[#:]\s*\S+"
    r"|\b(?:status|docs?|help|support|platform)\.[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b"
    r"|\b(?:see|ref\.?|cf\.?)\s+(?:the\s+)?[\w' -]{0,40}(?:docs?|documentation|page|changelog|"
    r"announcement|notice|post-?mortem|status\s+page|email|ticket|section|guide|reference)\b",
    FLAGS,
)
# "per <doc>": a document noun, or a capitalised name (so "per minute" is not a citation).
_PER_DOC = re.compile(
    r"\b[Pp]er\s+(?:(?:the|their|its|our)\s+)?(?:(?:[\w'-]+\s+){0,3}(?:docs?|documentation|"
    r"page|status\s+page|changelog|announcement|notice|email|ticket|support|agreement|terms|guide|"
    r"reference|post-?mortem|help\s+cent(?:re|er)|contract)\b|[A-Z][\w.'-]+)"
)
_DISCLAIMER = re.compile(
    r"\b(?:we|i|this\s+(?:packet|note|report|document|evidence|data))\s+(?:(?:did|do|does|could|"
    r"can|have|has|are|is|was|were|would|will)\s*(?:not|n't)|cannot|can't|make\s+no|makes\s+no|"
    r"have\s+no|has\s+no|lack)\s+(?:\w+\s+){0,2}?"
    r"(?:verif\w*|confirm\w*|check\w*|know\w*|establish\w*|determin\w*|assess\w*|measur\w*|"
    r"claim\w*|assert\w*|speculat\w*|investigat\w*|assum\w*|tell|say|see|access|visibility|"
    r"evidence|information|data)\b"
    r"|\bno\s+(?:evidence|indication|data|information|proof|confirmation|sign|claim)\b"
    r"|\b(?:not|un)\s?(?:verified|confirmed|established|determined|known|measured)\b"
    r"|\b(?:unknown|unclear|not\s+known|not\s+clear|undetermined|open\s+question)\b"
    r"|\b(?:does|do|did)\s+not\s+(?:show|prove|establish|mean|imply|indicate|tell\s+us)\b"
    r"|\bis\s+not\s+(?:evidence|proof)\b|\bmakes?\s+no\s+(?:claim|statement)"
    r"|\b(?:needs?|requires?|pending|awaiting)\s+(?:confirmation|verification)\b"
    r"|\bto\s+be\s+(?:confirmed|verified|determined)\b|\bcannot\s+(?:tell|say|rule)\b"
    r"|\bwithout\s+(?:evidence|verification|confirmation)\b|\bout\s+of\s+scope\b"
    r"|\bunder\s+investigation\b|\binvestigation\s+(?:continues|is\s+ongoing)\b"
    r"|\bnot\s+yet\s+known\b"
    r"|\b(?:not|never)\s+(?:claiming|asserting|alleging|saying)\b"
    # a hypothesis ("if the provider were down we would expect ...") and a to-do ("confirm ...")
    r"|(?:^|[,;:]\s*)\W*(?:if|suppose|supposing|assuming|hypothesis)\b"
    r"|\bwould\s+(?:expect|predict|see)\b"
    r"|(?:^|\b(?:todo|to\s+do|action(?:\s+item)?|next\s+steps?|follow-?up)\s*:)[\s*•>#\d.)-]*"
    r"(?:confirm|verify|check|ask|find\s+out|investigate|determine)\b"
    r"|\b(?:please|can\s+you|could\s+you|kindly)\s+(?:confirm|verify|check|advise|tell\s+us)\b"
    r"|\b(?:ask|asking|asked)\s+(?:the\s+provider|support|them|the\s+account\s+owner)\b",
    FLAGS,
)
_NEGATED_DISCLAIMER = re.compile(r"\b(?:we|i)\s+(?:have\s+)?(?:verified|confirmed|checked)\b", FLAGS)
_FIRST_PERSON_MEASURE = re.compile(
    r"\b(?:we|i|our\s+(?:probe|probes|client|logs?|monitor\w*|repro\w*|records?|runs?|tests?|"
    r"measurements?|dashboards?|metrics|traces?|requests?|calls?|attempts?)|chatcontract)\b"
    r"(?:[^.;!?]|\.(?=\w)){0,60}\b(?:observed|measured|saw|see|recorded|counted|logged|captured|received|got|"
    r"shows?|showed|sent|timed|sampled|found)\b"
    r"|\b(?:measured|observed|recorded)\s+(?:by|in|over|across|during|between)\b"
    # a labelled observation ("- Measured: ...") or one owned as ours ("our own timing")
    r"|^[\s*•>#\d.)-]*(?:measured|observed|recorded|seen)\s*:"
    r"|\bour\s+own\s+(?:timings?|measurements?|numbers|data|metrics|logs?)\b",
    FLAGS,
)
_NUMBER = re.compile(r"\d")
_QUOTED = re.compile(r"\"[^\"\n]{1,160}\"|“[^”\n]{1,160}”|`[^`\n]{1,160}`|(?<![\w])'[^'\n]{1,120}'(?![\w])")
# Reported speech of what we received: "the error message said the model was overloaded".
_REPORTED = re.compile(
    r"\b(?:error(?:\s+message)?|message|response(?:\s+body)?|body|log\s+line|status\s+line|header)\s+"
    r"(?:said|says|read|reads|stated|states)\s+(?:that\s+)?[^;.!?]*",
    FLAGS,
)
_REASON_PHRASE = re.compile(
    r"\b[1-5]\d\d\s+(?:service\s+unavailable|bad\s+gateway|gateway\s+time-?out|internal\s+server"
    r"\s+error|too\s+many\s+requests|unauthori[sz]ed|forbidden|not\s+found|bad\s+request|"
    r"request\s+timeout|payload\s+too\s+large)\b",
    FLAGS,
)
_SCOPED = re.compile(
    r"^(?:[^.;!?]|\.(?=\w)){0,30}\b(?:we|our|in\s+(?:this|the|our)\s+(?:run|repro\w*|probe|test|window|sample)|"
    r"from\s+(?:our|this)|that\s+we|in\s+run|of\s+the\s+\d+)\b",
    FLAGS,
)
_CLAUSE_SPLIT = re.compile(r";|\s[–—-]\s|,?\s+\b(?:but|however|although|though|while|whereas|yet)\b", FLAGS)


# The provider as the subject of a clause: "OpenAI fixed ...", "their load balancer kicked in".
_SUBJECT = re.compile(
    r"(?:^[\s*•>\d.)-]*|[,;:(.!?]\s*|\b(?:and|but|so|then|because|when|after|until|since|while|once)\s+)"
    r"(?P<subject>(?:the\s+)?(?:upstream\s+(?=provider|vendor))?(?:provider|vendor|upstream|cometapi|comet\s?api|openai|anthropic|"
    r"azure(?:\s+openai)?|gateway)(?P<poss>'s|’s)?|(?P<their>their)|they)\b",
    FLAGS,
)
_TOKEN = re.compile(r"[\w'’-]+")
_AUX = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "will",
        "would",
        "did",
        "does",
        "do",
        "can",
        "could",
        "may",
        "might",
        "must",
        "should",
        "keeps",
        "kept",
        "seems",
        "seemed",
        "appears",
        "appeared",
        "isn't",
        "wasn't",
        "didn't",
        "doesn't",
        "hasn't",
    ]
)
_ADVERBS = frozenset(
    [
        "not",
        "n't",
        "never",
        "also",
        "still",
        "then",
        "only",
        "just",
        "now",
        "apparently",
        "reportedly",
        "clearly",
        "obviously",
        "likely",
        "probably",
        "definitely",
        "already",
        "again",
        "been",
        "being",
        "no",
        "longer",
    ]
)
_IRREGULAR = frozenset(
    [
        "broke",
        "went",
        "fell",
        "took",
        "made",
        "had",
        "did",
        "got",
        "kept",
        "threw",
        "ran",
        "began",
        "shut",
        "put",
        "let",
        "set",
        "hit",
        "quit",
        "told",
        "left",
        "lost",
        "brought",
        "caught",
        "built",
        "bought",
        "felt",
        "held",
        "knew",
        "meant",
        "paid",
        "saw",
        "sold",
        "stood",
        "thought",
        "won",
        "blew",
        "drew",
        "forgot",
        "hid",
        "rode",
        "rose",
        "shook",
        "spent",
        "stole",
        "struck",
        "swept",
        "tore",
    ]
)
_NOUNS = frozenset(
    [
        "model",
        "api",
        "servers",
        "server",
        "service",
        "platform",
        "team",
        "gateway",
        "backend",
        "infrastructure",
        "engineers",
        "engineer",
        "systems",
        "system",
        "endpoint",
        "cluster",
        "side",
    ]
)
_STATE = frozenset(["down", "out", "aware", "responsible", "known", "back", "up", "offline", "unaware"])
_NOT_PREDICATE = frozenset(["pending", "missing", "ongoing", "outstanding", "during"])
# What the provider visibly did on the wire or in writing: reporting it is not a claim.
_OBSERVED_VERB = re.compile(
    r"^(?:return|respond|answer|repl(?:y|ie)|sen[dt]|close|emit|gave|give|accept|reject|"
    r"document|say|said|state|list|show|confirm|acknowledg|publish|wrote|write|ask|"
    r"request|require|expect|specif|describ|mention|note|quote|label|mark|tag|echo|includ|"
    r"attach|redirect|stream|time|drop|cut|reset|refus|use|used|serve|retr|log|record|measur|count|redact|omit|hid|anonymi)",
    FLAGS,
)
ACTION_SAFER = (
    "Describe what you observed from your side (statuses, counts, times); what the provider "
    "did internally is theirs to state — cite their status page, ticket or post-mortem."
)


def _adverb(token: str) -> bool:
    return token in _ADVERBS or (token.endswith("ly") and len(token) > 4)


def _past(token: str) -> bool:
    return token.endswith("ed") or token in _IRREGULAR


def _action_verb(tokens: list[str], possessive: bool) -> int | None:
    """Index of the claimed action in ``tokens`` after a provider subject, if there is one."""
    i = 0
    if possessive:  # "their X ...", "the provider's X ...": skip the noun(s) to a verb
        found = [k for k, t in enumerate(tokens[:4]) if k > 0 and (t in _AUX or _past(t))]
        if not found:
            return None
        i = found[0]
    elif tokens and tokens[0] in _NOUNS:
        i = 1
    while i < len(tokens) and _adverb(tokens[i]):
        i += 1
    if i >= len(tokens) or _OBSERVED_VERB.match(tokens[i]):
        return None
    verb = tokens[i]
    if verb in _AUX:
        i += 1
        while i < len(tokens) and _adverb(tokens[i]):
            i += 1
        if i >= len(tokens):
            return None
        nxt = tokens[i]
        if _OBSERVED_VERB.match(nxt) or nxt in _NOT_PREDICATE:
            return None
        claimed = nxt.endswith(("ed", "en", "ing")) or nxt in _IRREGULAR or nxt in _STATE
        return i if claimed else None
    present = verb.endswith("s") and not verb.endswith("ss") and len(verb) > 3
    return i if _past(verb) or (present and not possessive) else None


def _provider_action(masked: str, present: frozenset[str] | None = None) -> tuple[int, int] | None:
    """The span of the provider acting in a way we could not observe (a fix, a mistake, a state);
    ``present``: the sentence's literals, when known (no provider word among them: no action)."""
    if present is not None and not _SUBJECT_RUN.runnable_given(present):
        return None
    for m in _SUBJECT.finditer(masked):
        rest = re.split(r"[,.;:()!?]", masked[m.end() : m.end() + 100], maxsplit=1)[0]
        spans = [(t.start(), t.end()) for t in _TOKEN.finditer(rest)]
        tokens = [rest[a:b].lower() for a, b in spans]
        possessive = bool(m.group("poss") or m.group("their"))
        at = _action_verb(tokens, possessive)
        if at is not None:
            return m.start("subject"), m.end() + spans[at][1]
    return None


@dataclass(frozen=True)
class ClaimHit:
    """One unsupported claim in a sentence: the family, the phrase, where it starts."""

    family: str
    phrase: str
    start: int
    safer: str


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _clauses(sentence: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _CLAUSE_SPLIT.finditer(sentence):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(sentence)))
    return spans


def _disclaimed(sentence: str, at: int, present: frozenset[str]) -> bool:
    """Whether the clause holding ``at`` disclaims (``present``: the sentence's literals)."""
    for start, end in _clauses(sentence):
        if at < end or end == len(sentence):
            clause = sentence[start:end]
            disclaims = any(p.search(clause) for p in _DISCLAIMS.search_given(present))
            return disclaims and not _NEGATED_DISCLAIMER.search(clause)
    return False


def is_cited(sentence: str, present: frozenset[str] | None = None) -> bool:
    """True when the sentence names its source (``present``: its literals, when known)."""
    if present is None:
        return _CITED.search(sentence)
    return any(p.search(sentence) for p in _CITED.search_given(present))


def is_measurement(sentence: str, present: frozenset[str] | None = None) -> bool:
    """Our own measurement: first person (or our tooling) observing, with a number."""
    if not _NUMBER.search(sentence):
        return False
    if present is None:
        return _MEASURED.search(sentence)
    return any(p.search(sentence) for p in _MEASURED.search_given(present))


# the same searches, alternative by alternative where the sentence holds its literals (faster)
_CITED = AnyOf(_CITATION, _PER_DOC)
_MEASURED = AnyOf(_FIRST_PERSON_MEASURE)
_DISCLAIMS = AnyOf(_DISCLAIMER)


def literals_of(text: str) -> frozenset[str]:
    """The prefilters' literals in ``text`` (a block): pass them to :func:`claims_in` for each of
    its sentences, so each sentence is searched for these few only."""
    return _EVERY.present(text)


def claims_in(sentence: str, within: frozenset[str] | None = None) -> list[ClaimHit]:
    """Unsupported claims in one sentence (at most one per family); patterns whose required
    literals the sentence lacks are skipped (:mod:`chatcontract.prefilter`).
    ``within``: :func:`literals_of` the block holding the sentence (a speed-up; same result)."""
    text = sentence.strip()
    if not text or text.endswith("?"):
        return []
    present = literals_of(text) if within is None else frozenset(filter(text.lower().__contains__, within))
    masked = text
    for at in sorted(_MASKS_RUN.runnable_given(present)):  # in order: a reason, a quote, a report
        masked = _mask(masked, _MASKS[at])
    runnable = _PREFILTER.runnable_given(present)  # the literals of the text are a superset of the masked one's
    action = None if runnable else _provider_action(masked, present)
    if (not runnable and action is None) or is_cited(text, present):
        return []  # no pattern can match and no provider acts: the costlier checks cannot matter
    measured: bool | None = None
    hits: list[ClaimHit] = []
    done: set[str] = set()
    for at in sorted(runnable):  # positions follow FAMILIES and each family's patterns in order
        family, pattern = _AT[at]
        if family.name in done:
            continue
        if family.measurable:
            measured = is_measurement(text, present) if measured is None else measured
            if measured:
                continue
        m = _first_unscoped(pattern, masked, family.name)
        if m is None or _disclaimed(masked, m.start(), present):
            continue
        hits.append(ClaimHit(family.name, text[m.start() : m.end()].strip(), m.start(), family.safer))
        done.add(family.name)
    if not hits:
        span = action or _provider_action(masked, present)
        if span is not None and not _disclaimed(masked, span[0], present):
            phrase = text[span[0] : span[1]].strip()
            hits.append(ClaimHit("provider_action", phrase, span[0], ACTION_SAFER))
    return hits


_PREFILTER = Prefilter([p for family in FAMILIES for p in family.patterns])
_MASKS = [_REASON_PHRASE, _QUOTED, _REPORTED]
_MASKS_RUN = Prefilter(_MASKS)
_SUBJECT_RUN = Prefilter([_SUBJECT])
# every literal the sentence-level searches use: one pass over a text finds them all
_EVERY = Prefilter(
    [p for family in FAMILIES for p in family.patterns]
    + [*_CITED.parts, *_MEASURED.parts, *_DISCLAIMS.parts, *_MASKS, _SUBJECT]
)
_AT = [(family, p) for family in FAMILIES for p in family.patterns]  # a pattern's position in the prefilter

# Families where the same words describe our own action ("we shut down the worker").
_OWN_ACTION_FAMILIES = frozenset({"deprecation", "resolution", "account_state", "billing"})
_OWN_ACTOR = re.compile(
    r"\b(?:we|i|our\s+team|our\s+on-?call|the\s+on-?call\s+engineer)\s+(?:have\s+|had\s+|then\s+|also\s+|"
    r"just\s+|quickly\s+)?$",
    FLAGS,
)


def _first_unscoped(pattern: re.Pattern[str], text: str, family: str) -> re.Match[str] | None:
    for m in pattern.finditer(text):
        if family in _OWN_ACTION_FAMILIES and _OWN_ACTOR.search(text[max(0, m.start() - 30) : m.start()]):
            continue
        if family == "overbroad_scope" and _SCOPED.search(text[m.end() : m.end() + 40]):
            continue
        return m
    return None


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9*_`-])")


def split_sentences(text: str) -> list[tuple[int, str]]:
    """``(offset, sentence)`` pairs; abbreviations such as "e.g." do not end a sentence."""
    out: list[tuple[int, str]] = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        before = text[max(0, m.start() - 5) : m.start()].lower()
        if before.endswith(("e.g.", "i.e.", "etc.", "vs.", "approx.", "no.")) or re.search(r"\b[a-z]\.$", before):
            continue
        out.append((pos, text[pos : m.start()]))
        pos = m.end()
    out.append((pos, text[pos:]))
    return [(o, s) for o, s in out if s.strip()]
