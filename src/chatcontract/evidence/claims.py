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

_I = re.IGNORECASE
_PROVIDER = (
    r"(?:the\s+)?(?:provider|upstream|vendor|cometapi|comet\s?api|openai|anthropic|azure|"
    r"gateway|platform|service|backend|their\s+(?:servers?|side|end|infrastructure|systems?|"
    r"api|platform|service|backend)|they|the\s+api)"
)
_MODEL_NAME = (
    r"(?:models?|gpt-?[\w.-]*|claude[\w.-]*|gemini[\w.-]*|llama[\w.-]*|mistral[\w.-]*|"
    r"deepseek[\w.-]*|qwen[\w.-]*|o[134](?:-mini)?)"
)
_GAP = r"(?:[^.;!?]|\.(?=\w))"
_BE = r"(?:is|are|was|were|has\s+been|have\s+been|had\s+been|got|gets|became|is\s+now|was\s+now)"


@dataclass(frozen=True)
class Family:
    """One kind of unsupported claim."""

    name: str
    patterns: tuple[re.Pattern[str], ...]
    safer: str
    measurable: bool = False  # our own measurement can support it


def _p(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, _I) for p in patterns)


FAMILIES: tuple[Family, ...] = (
    Family(
        "pricing",
        _p(
            r"[$€£]\s?\d",
            r"\b\d[\d,.]*\s?(?:usd|dollars?|cents?|eur|euros?)\b",
            r"\bpric(?:e|es|ed|ing)\b",
            r"\bcosts?\b(?!\s+(?:centre|center))",
            r"\bcheap(?:er|est)?\b|\bexpensive\b|\bmark-?up\b|\bdiscount(?:ed|s)?\b",
            r"\bper\s+(?:1k|1m|1,000|1,000,000|thousand|million)\s+tokens\b",
            r"\bfree\s+tier\b|\bfees?\b",
        ),
        "Drop the price; if it matters, cite the provider's pricing page with its URL and "
        "access date, or write 'we did not verify pricing'.",
    ),
    Family(
        "billing",
        _p(
            r"\bbill(?:ed|ing|s)?\b",
            r"\binvoic(?:e|es|ed|ing)\b",
            r"(?<!in\s)\bcharg(?:e|es|ed|ing)\b(?!\s+of\b)",
            r"\bovercharg\w*|\brefund\w*",
            r"\bcredits?\b.{0,30}\b(?:deducted|consumed|burn(?:ed|t)|drained|used\s+up)\b",
        ),
        "Say what the error said (status and code) and ask the account owner to check billing; "
        "do not state what was charged.",
    ),
    Family(
        "quota",
        _p(
            r"(?<![\w-])quotas?(?![\w-])",
            r"\b(?:credit\s+)?balance\b",
            r"\bout\s+of\s+credits?\b|\bran\s+out\s+of\b",
            r"\b(?:spend(?:ing)?|usage|monthly|daily)\s+(?:limit|cap|allowance)s?\b",
            r"\ballowance\b",
            r"\bcredits?\b[^.;!?]{0,20}\b(?:exhausted|depleted|gone|used\s+up|ran\s+out)\b",
        ),
        "Quote the observed status and error code (e.g. 429 insufficient_quota) and ask the "
        "account owner to check the quota.",
    ),
    Family(
        "rate_limit",
        _p(
            r"\b\d[\d,.]*\s*k?\s*(?:rpm|tpm|rpd|rps|qps)\b",
            r"\b\d[\d,.]*\s*k?\s*(?:requests?|calls?|tokens?|queries)\s*(?:per|/|a|an|each)\s*"
            r"(?:second|sec|minute|min|hour|day)\b",
            r"\brate[- ]?limit(?:s|ed|ing)?\b.{0,40}\d",
            r"\b(?:limited|capped|throttled)\s+(?:at|to)\s+\d[\d,.]*\s*k?\s*(?:requests?|calls?|tokens?|"
            r"rpm|tpm|rps|qps|per)",
            r"\b(?:hit|hitting|exceeded|exceeding|reached|over|under|within|below)\s+"
            r"(?:the|their|our|its|a|any)?\s*(?:rate[- ]?limits?|throttl\w*)",
            r"\bthrottl(?:ed|es|ing)\s+(?:us|our)\b",
            rf"\brate[- ]?limits?\s+{_BE}\s+"
            r"(?:lowered|raised|reduced|increased|changed|tightened|cut)",
            r"\b(?:is|are|was|were|started|began|keeps?)\s+(?:rate[- ]?limiting|throttling)\b",
        ),
        "Report the 429s you observed (count, window, Retry-After) instead of a limit figure; "
        "cite the provider's documented limit if there is one.",
        measurable=True,
    ),
    Family(
        "uptime_sla",
        _p(
            r"\buptime\b|\bSLAs?\b|\bfive\s+nines\b",
            r"\b\d{2,3}(?:\.\d+)?\s?%\s*(?:availability|available|uptime|of\s+the\s+time|reliab\w*)",
            r"\bguarantee[sd]?\b",
            r"\b(?:always|never|rarely)\s+(?:up|down|available|fails?|failed|goes\s+down|went\s+down|"
            r"has\s+(?:outages|downtime|issues))\b",
            r"\bhighly\s+available\b|\bnever\s+had\s+(?:an?\s+)?(?:outage|downtime)",
        ),
        "Do not state uptime; give the window you measured ('12 of 20 requests returned 503 "
        "between 14:08 and 14:15 UTC').",
    ),
    Family(
        "model_availability",
        _p(
            rf"\b{_MODEL_NAME}\b{_GAP}{{0,40}}\b{_BE}\s+(?:not\s+|no\s+longer\s+|currently\s+|still\s+|"
            r"now\s+)?(?:available|unavailable|supported|unsupported|offered|served|listed|"
            r"accessible|enabled|disabled|removed|pulled|gone|withdrawn)\b",
            rf"\b(?:supports?|offers?|serves?|hosts?|provides?|lists?|carr(?:y|ies)|removed|pulled)\s+"
            rf"(?:the\s+)?{_MODEL_NAME}\b(?!\s+(?:field|parameter|name))",
            rf"\b{_MODEL_NAME}\b{_GAP}{{0,30}}\b(?:isn't|aren't|wasn't|weren't)\s+(?:available|offered|served|supported)",
            r"\b(?:available|offered)\s+(?:in|to)\s+(?:all|every|our)\s+(?:regions?|accounts?|tiers?|plans?)",
        ),
        "Say what the request returned for that model (status, error code, attempt count); do not "
        "state which models the provider offers unless a cited source does.",
        measurable=True,
    ),
    Family(
        "provider_down",
        _p(
            rf"\b{_PROVIDER}\b{_GAP}{{0,30}}\b(?:{_BE}|went|go(?:es)?|seem(?:s|ed)?\s+to\s+be|"
            r"appear(?:s|ed)?\s+to\s+be)\s+(?:completely\s+|totally\s+|fully\s+)?(?:down|offline|"
            r"out|dead|unavailable|unreachable|broken|degraded|overloaded|flaky|unstable|unhealthy|struggling|erroring|melting\s+down|on\s+fire)\b",
            r"\b(?:outages?|downtime|went\s+dark|service\s+disruptions?|brownouts?)\b",
            rf"\b{_PROVIDER}\b{_GAP}{{0,30}}\b(?:had|has|is\s+having|was\s+having|experienced|is\s+experiencing|was\s+experiencing|suffered)\s+"
            r"(?:an?\s+)?(?:major\s+|partial\s+|ongoing\s+)?(?:outage|incident|issues|problems|disruption|"
            r"degradation)",
            rf"\b{_PROVIDER}\b{_GAP}{{0,20}}\b(?:crashed|fell\s+over|collapsed|died|stopped\s+responding)\b",
        ),
        "Describe what you observed ('N of M requests returned 503 between HH:MM and HH:MM UTC'); "
        "only the provider's status page or support can say it was down — cite it.",
    ),
    Family(
        "api_changed",
        _p(
            r"\bbreaking\s+changes?\b",
            r"\b(?:api|schema|contract|response\s+(?:format|shape|schema|structure)|endpoint|"
            r"interface|error\s+format|payload|sdk)\b(?:[^.;!?]|\.(?=\w)){0,30}\b(?:changed|has\s+changed|"
            r"was\s+changed|got\s+changed|was\s+(?:modified|updated|altered|reworked)|broke|differs\s+now)\b",
            rf"\b{_PROVIDER}\b{_GAP}{{0,30}}\b(?:changed|modified|altered|updated|renamed|"
            r"rolled\s+out|shipped|deployed|pushed|introduced|switched)\b(?:[^.;!?]|\.(?=\w)){0,30}\b(?:api|schema|"
            r"format|response|field|fields|behaviou?r|contract|endpoint|version|change|update|release)",
            r"\b(?:silently|quietly|suddenly)\s+(?:changed|altered|modified|renamed|removed)\b",
            r"\b(?:their|the\s+provider's|the\s+vendor's|cometapi's|openai's)\s+(?:new\s+|latest\s+)?"
            r"(?:release|deploy(?:ment)?|update|rollout|version|change)\s+(?:broke|changed|altered)\b",
        ),
        "Show the difference you observed (expected field or status vs received, with the "
        "attempt record); say 'the response differed from the profile assumption', not that the "
        "API changed.",
    ),
    Family(
        "model_failed",
        _p(
            rf"\b(?:the\s+)?{_MODEL_NAME}(?:\s+(?!request|call|route|name|field)[\w.-]+)?\s+"
            r"(?:has\s+|had\s+|is\s+|was\s+|keeps\s+)?(?:failed|fails|failing|crashed|crashes|broke|"
            r"broken|stopped\s+working|malfunctioned|errored(?:\s+out)?|gave\s+up|went\s+down|is\s+down|is\s+overloaded|was\s+overloaded|is\s+unhealthy|"
            r"died|hung)\b",
            r"\bmodel\s+(?:failure|crash|malfunction|breakdown)\b",
        ),
        "Say which request failed and how (status, error code, attempt); 'the model failed' "
        "blames a component we cannot see.",
    ),
    Family(
        "latency_slo",
        _p(
            r"\b(?:latency|latencies|response\s+times?|time\s+to\s+first\s+(?:token|byte|chunk)|"
            r"ttft|p50|p90|p95|p99|p999)\b(?:[^.;!?]|\.(?=\w)){0,40}(?:\b\d|\b(?:under|below|above|over|less|"
            r"more|faster|slower|high|low|spik\w*|jump\w*|doubled|tripled|normal|usual|typical|"
            r"acceptable|guarantee\w*|target))",
            r"\bSLOs?\b|\bservice[- ]level\s+objectives?\b",
            r"\b(?:responds?|answers?|replies|reply|returns?)\s+(?:with)?in\s+(?:under\s+)?\d",
            r"\b(?:faster|slower|quicker)\s+than\b",
            r"\b(?:usually|normally|typically|always)\s+(?:takes?|responds?|answers?)\b",
        ),
        "Give the latency you measured, with its window and sample size ('median first chunk "
        "640 ms over 20 attempts in run <id>'), not a target or a norm.",
        measurable=True,
    ),
    Family(
        "root_cause_provider",
        _p(
            rf"\b(?:caused|triggered|introduced|created)\s+by\s+{_PROVIDER}",
            rf"\b(?:due\s+to|because\s+of|result\s+of|on\s+account\s+of|owing\s+to|blame\s+(?:lies\s+)?"
            rf"(?:with|on))\s+(?:an?\s+)?(?:issue\s+(?:at|with|on)\s+)?{_PROVIDER}",
            r"\broot[- ]cause\b",
            r"\b(?:their|the\s+provider's|cometapi's|openai's|the\s+vendor's|upstream's?|"
            r"provider-side|vendor-side|server-side)\s+(?:fault|bug|issue|problem|error|mistake|"
            r"misconfiguration|deploy(?:ment)?|regression|outage|incident)",
            r"\bon\s+(?:their|the\s+provider's|the\s+vendor's|cometapi's|openai's)\s+(?:side|end)\b",
            rf"\b{_PROVIDER}\s+(?:is|was|are|were)\s+(?:to\s+blame|responsible|at\s+fault)",
            r"\bnot\s+(?:our|on\s+our)\s+(?:fault|side|end|problem|bug)\b",
        ),
        "State what you ruled out on your side and what you observed; leave the cause to the "
        "provider unless their post-mortem or status page says so (cite it).",
    ),
    Family(
        "overbroad_scope",
        _p(
            r"\ball\s+(?:of\s+)?(?:the\s+|their\s+|our\s+)?(?:customers|users|clients|tenants|accounts|"
            r"models|regions|endpoints|teams|traffic|keys|providers|integrations|requests|calls)\b",
            r"\bevery\s+(?:single\s+)?(?:customer|user|client|tenant|account|model|region|endpoint|"
            r"team|provider|request|call|integration)\b",
            r"\bglobal\s+(?:outage|incident|impact|issue|failure|problem|disruption|degradation|event|"
            r"scale)\b|\bglobally\b|\b(?:is|was|it's)\s+global\b",
            r"\bworld-?wide\b|\bindustry-?wide\b|\bwidespread\b",
            r"\b(?:platform|system|service|company|region)-?wide\b",
            r"\beveryone\b|\beverybody\b|\b(?:nobody|no\s+one|no\s+(?:customer|user)s?)\s+(?:could|can|"
            r"was\s+able|is\s+able|has\s+been\s+able)",
            r"\b(?:entire|whole)\s+(?:platform|service|api|fleet|region|customer\s+base|user\s+base)\b",
            r"\bacross\s+the\s+board\b",
        ),
        "Scope it to what you measured: 'our requests from <service> to <model>' (with counts), "
        "not all customers, every model or a global outage.",
    ),
    Family(
        "account_state",
        _p(
            r"\b(?:api\s+)?(?:keys?|tokens?|credentials?|secrets?)\b(?:[^.;!?]|\.(?=\w)){0,30}\b"
            rf"{_BE}\s+(?:been\s+)?(?:revoked|disabled|suspended|expired|deactivated|banned|blocked|"
            r"invalidated|deleted|compromised|leaked|rotated\s+by|cancel+ed|frozen)\b",
            r"\b(?:our|the|my|their|this)\s+(?:plan|tier|subscription|contract|package|account|"
            r"organi[sz]ation)\b(?:[^.;!?]|\.(?=\w)){0,25}\b(?:includes?|included|allows?|allowed|covers?|covered|"
            r"permits?|gives|grants|entitles|provides|comes\s+with|is\s+(?:limited|capped)\s+to)\b",
            r"\baccount\b(?:[^.;!?]|\.(?=\w)){0,25}\b(?:suspended|banned|locked|flagged|disabled|frozen|terminated|"
            r"closed|upgraded|downgraded|in\s+good\s+standing|past\s+due|overdue|restricted)\b",
            r"\b(?:we\s+are|we're|we\s+were|we\s+have|we've)\s+(?:on\s+)?(?:the|a|an)\s+"
            r"[\w -]{0,20}\b(?:plan|tier|subscription)\b",
            r"\b(?:enterprise|pro|premium|paid|business|team)\s+(?:plan|tier|subscription)\b",
            r"\b(?:api\s+)?(?:keys?|tokens?|credentials?)\s+(?:expired|got\s+revoked|was\s+pulled)\b",
            r"\b(?:they|the\s+provider|cometapi|openai)\s+(?:revoked|disabled|suspended|banned|"
            r"blocked|throttled|deactivated)\s+(?:our|the|my)\b",
        ),
        "Say what the response said (e.g. 401 invalid_api_key on N of N attempts) and ask the "
        "credential or account owner to confirm the account state.",
    ),
    Family(
        "deprecation",
        _p(
            r"\bdeprecat\w*",
            r"\bsunset(?:ting|ted)?\b|\bend[- ]of[- ]life\b|\bEOL\b",
            r"\bshut(?:ting)?\s+down\b|\bshutdown\b",
            r"\b(?:being|will\s+be|to\s+be|was|were|been|is\s+being)\s+(?:retired|discontinued|"
            r"decommissioned|phased\s+out|turned\s+off|switched\s+off)",
            r"\bdiscontinu\w*|\bdecommission\w*|\bphas(?:ed|ing)\s+out\b|\bretir(?:ed|ing)\b",
            r"\bwill\s+(?:stop|no\s+longer|cease\s+to)\s+(?:support|serve|work|accept|be\s+available)",
        ),
        "Cite the provider's deprecation notice (URL and access date) or leave it out.",
    ),
)

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
    r"|\b(?:see|ref\.?)\s+(?:the\s+)?[\w' -]{0,40}(?:docs?|documentation|page|changelog|"
    r"announcement|notice|post-?mortem|status\s+page|email|ticket|section|guide|reference)\b",
    _I,
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
    r"|\b(?:please|can\s+you|could\s+you|kindly)\s+(?:confirm|verify|check|advise|tell\s+us)\b"
    r"|\b(?:ask|asking|asked)\s+(?:the\s+provider|support|them|the\s+account\s+owner)\b",
    _I,
)
_NEGATED_DISCLAIMER = re.compile(r"\b(?:we|i)\s+(?:have\s+)?(?:verified|confirmed|checked)\b", _I)
_FIRST_PERSON_MEASURE = re.compile(
    r"\b(?:we|i|our\s+(?:probe|probes|client|logs?|monitor\w*|repro\w*|records?|runs?|tests?|"
    r"measurements?|dashboards?|metrics|traces?|requests?|calls?|attempts?)|chatcontract)\b"
    r"(?:[^.;!?]|\.(?=\w)){0,60}\b(?:observed|measured|saw|see|recorded|counted|logged|captured|received|got|"
    r"shows?|showed|sent|timed|sampled|found)\b"
    r"|\b(?:measured|observed|recorded)\s+(?:by|in|over|across|during|between)\b",
    _I,
)
_NUMBER = re.compile(r"\d")
_QUOTED = re.compile(r"\"[^\"\n]{1,160}\"|“[^”\n]{1,160}”|`[^`\n]{1,160}`|(?<![\w])'[^'\n]{1,120}'(?![\w])")
_REASON_PHRASE = re.compile(
    r"\b[1-5]\d\d\s+(?:service\s+unavailable|bad\s+gateway|gateway\s+time-?out|internal\s+server"
    r"\s+error|too\s+many\s+requests|unauthori[sz]ed|forbidden|not\s+found|bad\s+request|"
    r"request\s+timeout|payload\s+too\s+large)\b",
    _I,
)
_SCOPED = re.compile(
    r"^(?:[^.;!?]|\.(?=\w)){0,30}\b(?:we|our|in\s+(?:this|the|our)\s+(?:run|repro\w*|probe|test|window|sample)|"
    r"from\s+(?:our|this)|that\s+we|in\s+run|of\s+the\s+\d+)\b",
    _I,
)
_CLAUSE_SPLIT = re.compile(r";|\s[–—-]\s|,?\s+\b(?:but|however|although|though|while|whereas|yet)\b", _I)


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


def _disclaimed(sentence: str, at: int) -> bool:
    for start, end in _clauses(sentence):
        if at < end or end == len(sentence):
            clause = sentence[start:end]
            return bool(_DISCLAIMER.search(clause)) and not _NEGATED_DISCLAIMER.search(clause)
    return False


def is_cited(sentence: str) -> bool:
    """True when the sentence names its source."""
    return bool(_CITATION.search(sentence) or _PER_DOC.search(sentence))


def is_measurement(sentence: str) -> bool:
    """Our own measurement: first person (or our tooling) observing, with a number."""
    return bool(_FIRST_PERSON_MEASURE.search(sentence)) and bool(_NUMBER.search(sentence))


def claims_in(sentence: str) -> list[ClaimHit]:
    """Unsupported claims in one sentence (at most one per family)."""
    text = sentence.strip()
    if not text or text.endswith("?") or is_cited(text):
        return []
    masked = _mask(_mask(text, _REASON_PHRASE), _QUOTED)
    measured = is_measurement(text)
    hits: list[ClaimHit] = []
    for family in FAMILIES:
        if family.measurable and measured:
            continue
        for pattern in family.patterns:
            m = _first_unscoped(pattern, masked, family.name)
            if m is None or _disclaimed(masked, m.start()):
                continue
            hits.append(ClaimHit(family.name, text[m.start() : m.end()].strip(), m.start(), family.safer))
            break
    return hits


def _first_unscoped(pattern: re.Pattern[str], text: str, family: str) -> re.Match[str] | None:
    for m in pattern.finditer(text):
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
