"""The claim rule families: regular expressions (with synonyms) for each kind of claim.

Each :class:`Family` names one kind of claim the evidence in an incident write-up cannot
support — prices, limits, uptime, the provider's internals — with a safer wording to suggest.
:mod:`chatcontract.evidence.claims` decides when a match is nevertheless acceptable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FLAGS = re.IGNORECASE
PROVIDER = (
    r"(?:the\s+)?(?:provider|upstream|vendor|cometapi|comet\s?api|openai|anthropic|azure|"
    r"gateway|platform|service|backend|their\s+(?:servers?|side|end|infrastructure|systems?|"
    r"api|platform|service|backend)|they|the\s+api)"
)
MODEL_NAME = (
    r"(?:models?|llms?|gpt-?[\w.-]*|claude[\w.-]*|gemini[\w.-]*|llama[\w.-]*|mistral[\w.-]*|"
    r"deepseek[\w.-]*|qwen[\w.-]*|sonnet[\w.-]*|opus[\w.-]*|haiku[\w.-]*|grok[\w.-]*|o[134](?:-mini)?)"
)
GAP = r"(?:[^.;!?]|\.(?=\w))"
BE = r"(?:is|are|was|were|has\s+been|have\s+been|had\s+been|got|gets|became|is\s+now|was\s+now)"


@dataclass(frozen=True)
class Family:
    """One kind of unsupported claim."""

    name: str
    patterns: tuple[re.Pattern[str], ...]
    safer: str
    measurable: bool = False  # our own measurement can support it


def _p(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, FLAGS) for p in patterns)


FAMILIES: tuple[Family, ...] = (
    Family(
        "pricing",
        _p(
            r"[$€£]\s?\d",
            r"\b\d[\d,.]*\s?(?:usd|dollars?|cents?|eur|euros?)\b",
            r"\bpric(?:e|es|ed|ing)\b",
            r"\bcosts?\b(?=\s+(?:us|them|you|about|around|roughly|nearly|only|just|more|less|twice|half|"
            r"nothing|[$€£\d]|per\b|a\s+(?:tenth|fraction|cent|dollar|penny)))",
            r"\b(?:token|api|model|request|call|usage|inference|compute|per-request|per-token)\s+costs?\b",
            r"\bcost\s+(?:of|per)\s+(?:\d|a\s+|one\s+|each\s+|every\s+)?(?:tokens?|requests?|calls?|1k|1m|"
            r"million|thousand)",
            r"\bcheap(?:er|est)?\b|\bexpensive\b|\bmark-?up\b|\bdiscount(?:ed|s)?\b",
            r"\bper\s+(?:(?:1k|1m|1,000|1,000,000|thousand|million|hundred)\s+)?(?:input\s+|output\s+)?"
            r"tokens?\b|\bper\s+(?:thousand|million)\b",
            r"\b(?:one|two|three|four|five|ten|twenty|fifty|hundred|a\s+few|a\s+couple\s+of)\s+"
            r"(?:usd|dollars?|cents?|euros?)\b",
            r"\bfree\s+tier\b|\bfees?\b",
        ),
        "Drop the price; if it matters, cite the provider's pricing page with its URL and "
        "access date, or write 'we did not verify pricing'.",
    ),
    Family(
        "billing",
        _p(
            r"(?<![\w-])(?:billed|invoiced|overcharged|over-charged|refunded|charged)(?![\w-])",
            r"\b(?:double|duplicate|extra|unexpected|incorrect|wrong|higher|surprise)\s+"
            r"(?:charges?|billing|bills?|invoices?)\b",
            r"(?<![\w-])(?:billing|bills?|invoices?|charges)(?![\w-])\s+(?:is|was|were|are|shows?|"
            r"showed|increased|doubled|spiked|jumped|went|error|issue|problem|changed|include)",
            r"\bcharg(?:e|es|ing)\s+(?:us|our|customers|per|for\s+(?:failed|every|each))\b",
            r"\bovercharg\w*|\brefunds?\b",
            rf"(?<![\w-])(?:billing|bills?|invoices?|charges)(?![\w-]){GAP}{{0,25}}\b(?:is|was|were|are)\s+"
            r"(?:wrong|incorrect|too\s+high|inflated|off|doubled|higher|double|inaccurate)\b",
            r"\b(?:deducted|consumed|burned|drained|charged)\s+(?:\w+\s+)?credits?\b",
            r"\bcredits?\b.{0,30}\b(?:deducted|consumed|burn(?:ed|t)|drained|used\s+up)\b",
        ),
        "Say what the error said (status and code) and ask the account owner to check billing; "
        "do not state what was charged.",
    ),
    Family(
        "quota",
        _p(
            r"(?<![\w-])quotas?(?![\w-])",
            r"\b(?:credit|account|remaining|prepaid|low|zero|negative|insufficient)\s+balance\b",
            r"\bbalance\s+(?:is|was|ran|hit|dropped|reached|fell|of\s+[$€£\d])",
            r"\bout\s+of\s+credits?\b|\bran\s+out\s+of\b",
            r"\b(?:spend(?:ing)?|usage|monthly|daily)\s+(?:limit|cap|allowance)s?\b",
            r"\ballowance\b",
            r"\b(?:low\s+on|running\s+(?:low|out)\s+(?:on|of)|end\s+of\s+(?:our|the|its))\s+(?:[\w-]+\s+)?credits?\b",
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
            r"\brate[- ]?limit(?:s|ed|ing|ers?)?\b.{0,40}\d",
            r"\b(?:limited|capped|throttled)\s+(?:at|to)\s+\d[\d,.]*\s*k?\s*(?:requests?|calls?|tokens?|"
            r"rpm|tpm|rps|qps|per)",
            r"\b(?:hit|hitting|exceeded|exceeding|reached|over|under|within|below)\s+"
            r"(?:the|their|our|its|a|any)?\s*(?:rate[- ]?limits?|throttl\w*)",
            r"\bthrottl(?:ed|es|ing)\s+(?:us|our)\b",
            r"\b(?:\d+|one|two|three|four|five|six|eight|ten|twenty|fifty|hundred)\s+(?:concurrent|parallel|"
            r"simultaneous)\s+(?:requests|streams|connections|calls)\b",
            r"\bconcurrency\s+(?:limit|cap)\b",
            r"\bno\s+rate[- ]?limits?\b|\bunlimited\s+(?:requests|tokens|calls|usage)\b",
            r"\b(?:tokens?|requests?|calls?)[- ]per[- ](?:minute|second|hour|day)\s+(?:cap|limit|quota)",
            r"\b(?:hit|reached|exceeded|exceeding|hitting)\s+(?:the|our|their|its|a)\s+(?:[\w-]+\s+)?"
            r"(?:cap|limit|ceiling)\b",
            rf"\brate[- ]?limits?\s+{BE}\s+"
            r"(?:lowered|raised|reduced|increased|changed|tightened|cut)",
            r"\b(?:is|are|was|were|started|began|keeps?)\s+(?:rate[- ]?limiting|throttling)\b",
            # how limits work, stated as fact: "rate limits are per model and reset every minute"
            rf"\b(?:rate[- ]?limits?|quotas?|limits)\b{GAP}{{0,40}}\b(?:reset|resets|are\s+(?:per|applied|"
            r"enforced|counted|shared|pooled)|apply\s+per)\b",
            rf"\b(?:they|{PROVIDER})\s+(?:cut|reduced|lowered|raised|changed|tightened)\s+(?:our|the|my)\s+"
            r"(?:[\w-]+\s+)?(?:limits?|quotas?|rate[- ]?limits?)\b",
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
            r"\bguarantee[sd]?\b(?!\s+(?:we|our)\b)",
            rf"\b(?:availability|uptime|reliability)\b{GAP}{{0,30}}\b\d{{2,3}}(?:\.\d+)?\s?%",
            r"\bavailability\s+(?:target|commitment|objective|promise)s?\b",
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
            # a capability of a model or route, stated as fact: "streaming is unsupported for o1"
            r"\b(?:streaming|tools?|tool\s+calls?|function\s+calling|vision|json\s+mode|structured\s+outputs?|"
            rf"logprobs|system\s+prompts?)\s+{BE}\s+(?:not\s+|no\s+longer\s+)?(?:supported|unsupported|"
            r"available|unavailable|disabled|enabled)\s+(?:for|on|with|in)\b",
            rf"\b{MODEL_NAME}\b{GAP}{{0,40}}\b{BE}\s+(?:not\s+|no\s+longer\s+|currently\s+|still\s+|only\s+|"
            r"now\s+)?(?:available|unavailable|supported|unsupported|offered|served|listed|"
            r"accessible|enabled|disabled|removed|pulled|gone|withdrawn)\b",
            rf"\b(?:supports?|offers?|serves?|hosts?|provides?|lists?|carr(?:y|ies)|removed|pulled)\s+"
            rf"(?:the\s+)?{MODEL_NAME}\b(?!\s+(?:field|parameter|name))",
            rf"\b{MODEL_NAME}\b{GAP}{{0,30}}\b(?:isn't|aren't|wasn't|weren't)\s+(?:available|offered|served|supported)",
            # terse notes drop the verb: "gpt-4o not available anymore"
            rf"\b{MODEL_NAME}\s+(?:not|no\s+longer)\s+(?:available|offered|served|supported)\b",
            r"\b(?:available|offered)\s+(?:in|to)\s+(?:all|every|our)\s+(?:regions?|accounts?|tiers?|plans?)",
            rf"\b{MODEL_NAME}\b{GAP}{{0,20}}\b(?:can|could)\s+(?:only\s+|not\s+|no\s+longer\s+)?be\s+"
            r"(?:reached|accessed|used|called|found|selected)\b",
        ),
        "Say what the request returned for that model (status, error code, attempt count); do not "
        "state which models the provider offers unless a cited source does.",
        measurable=True,
    ),
    Family(
        "provider_down",
        _p(
            rf"\b{PROVIDER}\b{GAP}{{0,30}}\b(?:{BE}|went|go(?:es)?|seem(?:s|ed)?\s+to\s+be|"
            r"appear(?:s|ed)?\s+to\s+be)\s+(?:completely\s+|totally\s+|fully\s+|known\s+to\s+be\s+|often\s+|"
            r"notoriously\s+|frequently\s+)?(?:down|offline|unreliable|slow|"
            r"out|dead|unavailable|unreachable|broken|degraded|overloaded|flaky|unstable|unhealthy|struggling|erroring|melting\s+down|on\s+fire)\b",
            r"\b(?:outages?|downtime|went\s+dark|service\s+disruptions?|brownouts?)\b",
            rf"\b{PROVIDER}\b{GAP}{{0,30}}\b(?:had|has|is\s+having|was\s+having|experienced|is\s+experiencing|was\s+experiencing|suffered)\s+"
            r"(?:an?\s+)?(?:[\w-]+\s+){0,2}(?:outage|incident|issues|problems|disruption|"
            r"degradation)",
            rf"\b{PROVIDER}\b{GAP}{{0,20}}\b(?:crashed|fell\s+over|collapsed|died|stopped\s+responding)\b",
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
            rf"\b{PROVIDER}\b{GAP}{{0,30}}\b(?:changed|modified|altered|updated|renamed|"
            r"rolled\s+out|shipped|deployed|pushed|introduced|switched)\b(?:[^.;!?]|\.(?=\w)){0,30}\b(?:api|schema|"
            r"format|response|field|fields|behaviou?r|contract|endpoint|version|change|update|release)",
            r"\b(?:silently|quietly|suddenly)\s+(?:changed|altered|modified|renamed|removed)\b",
            r"\b(?:api|endpoint|provider|gateway|vendor|server)\b(?:[^.;!?]|\.(?=\w)){0,20}\b(?:now|no\s+longer)\s+"
            r"(?:requires?|rejects?|expects?|accepts?|needs?|enforces?|demands?|supports?)\b",
            r"\b(?:something|things|a\s+lot)\s+(?:has\s+|had\s+)?changed\b",
            r"\bchanged\s+(?:in|on|with)\s+(?:their|the\s+provider's|the\s+api's?|cometapi's|openai's|"
            r"the\s+upstream)",
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
            rf"\b(?:the\s+)?{MODEL_NAME}(?:\s+(?!request|call|route|name|field)[\w.-]+)?\s+"
            r"(?:has\s+|had\s+|is\s+|was\s+|keeps\s+|kept\s+|started\s+|began\s+)?(?:failed|fails|failing|"
            r"crashed|crashes|crashing|erroring|hanging|dying|choking|hallucinating|broke|"
            r"broken|stopped\s+working|malfunctioned|errored(?:\s+out)?|gave\s+up|went\s+down|is\s+down|is\s+overloaded|was\s+overloaded|is\s+unhealthy|"
            r"died|hung|choked|chokes|struggled|struggles|hallucinated|hallucinates|froze|freezes|"
            r"glitched|misbehaved|misbehaves)\b",
            r"\bmodel\s+(?:failure|crash|malfunction|breakdown)\b",
            rf"\b{MODEL_NAME}\b{GAP}{{0,25}}\b(?:is|are|was|were|got|became|has\s+become)\s+"
            r"(?:\w+\s+)?(?:worse|better|dumber|smarter|degraded|nerfed|lazier|weaker)\b",
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
            r"\b(?:usually|normally|typically|always|generally)\s+(?:takes?|responds?|answers?|"
            r"arrives?|returns?|completes?|comes?\s+back|finish(?:es)?)\b",
            r"\b(?:arrive|respond|return|complete|finish)(?:s|es)?\s+(?:with)?in\s+(?:under\s+|"
            r"less\s+than\s+)?(?:\d|a\s+(?:second|minute)|one\s)",
        ),
        "Give the latency you measured, with its window and sample size ('median first chunk "
        "640 ms over 20 attempts in run <id>'), not a target or a norm.",
        measurable=True,
    ),
    Family(
        "root_cause_provider",
        _p(
            rf"\b(?:caused|triggered|introduced|created)\s+by\s+{PROVIDER}",
            rf"\b(?:due\s+to|because\s+of|result\s+of|on\s+account\s+of|owing\s+to|blame\s+(?:lies\s+)?"
            rf"(?:with|on))\s+(?:an?\s+)?(?:issue\s+(?:at|with|on)\s+)?{PROVIDER}",
            # "root cause" unless it is laid on ourselves ("the root cause was our timeout change")
            rf"\broot[- ]causes?\b(?!{GAP}{{0,25}}\b(?:our|we|us|ours|my)\b)",
            rf"\bbecause\s+{PROVIDER}\b",
            rf"\b(?:caused\s+by|due\s+to|result\s+of|triggered\s+by|stem(?:s|med)?\s+from|"
            rf"originat\w+\s+(?:at|from|in))\b{GAP}{{0,50}}\b(?:at|from|on|in|of|by)\s+{PROVIDER}\b",
            r"\b(?:(?:their|the\s+provider's|cometapi's|openai's|the\s+vendor's|upstream's?|"
            r"the\s+upstream's)\s+(?:misconfigured|broken|faulty|bad|buggy|flaky|failing)\s+[\w-]+)",
            r"\b(?:is|was|are|were)\s+what\s+(?:broke|caused|triggered|killed|took\s+down|brought\s+down)\b",
            r"\b(?:their|the\s+provider's|cometapi's|openai's|the\s+vendor's|upstream's?|"
            r"provider-side|vendor-side|server-side)\s+(?:[\w-]+\s+)?(?:fault|bug|issue|problem|error|mistake|"
            r"misconfiguration|deploy(?:ment)?|regression|outage|incident)",
            r"\bon\s+(?:their|the\s+(?:provider|vendor|upstream|gateway|api)(?:'s|’s)|cometapi's|openai's|"
            r"[A-Z][\w-]*(?:'s|’s))\s+(?:side|end)\b",
            # the provider's internals, which we cannot see: "the provider's load balancer dropped ..."
            r"\b(?:their|the\s+(?:provider|vendor|upstream|gateway)(?:'s|’s)|cometapi's|openai's|anthropic's|"
            r"azure's)\s+(?:[\w-]+\s+)?(?:load\s+balancers?|databases?|caches?|clusters?|infrastructure|"
            r"backends?|gpus?|capacity|data\s?cent(?:er|re)s?|cdn|proxies|proxy|config(?:uration)?)\b",
            rf"\b{PROVIDER}\s+(?:is|was|are|were)\s+(?:to\s+blame|responsible|at\s+fault)",
            r"\bnot\s+(?:our|on\s+our)\s+(?:fault|side|end|problem|bug)\b",
            r"\bnot\s+(?:from|on|at|by|with)\s+(?:us|our\s+side|our\s+end)\b",
            rf"\b(?:comes?|came|originat\w+)\s+from\s+(?:[\w-]+\s+){{0,4}}?{PROVIDER}\b",
            rf"\b(?:an?\s+)?{PROVIDER}(?:-side)?\s+(?:problem|issue|fault|bug|failure|mistake)\b",
            rf"\b(?:must|has\s+to|had\s+to)\s+(?:be|have\s+been)\s+(?:them|theirs|{PROVIDER}|on\s+their\s+(?:side|end))\b",
            rf"{PROVIDER}\b{GAP}{{0,20}}\b(?:caused|causes|led\s+to|leads\s+to|triggered|"
            r"resulted\s+in|is\s+causing|was\s+causing)\b",
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
            r"\b(?:most|many|other|all\s+other)\s+(?:customers|users|clients|tenants|people|teams|"
            r"companies|developers)\b",
        ),
        "Scope it to what you measured: 'our requests from <service> to <model>' (with counts), "
        "not all customers, every model or a global outage.",
    ),
    Family(
        "account_state",
        _p(
            r"\b(?:api\s+)?(?:keys?|tokens?|credentials?|secrets?)\b(?:(?!\b(?:we|i)\b)(?:[^.;!?]|\.(?=\w))){0,30}\b"
            rf"(?:{BE}|has|have|had)\s+(?:been\s+)?(?:revoked|disabled|suspended|expired|deactivated|banned|blocked|"
            r"invalidated|deleted|compromised|leaked|rotated\s+by|cancel+ed|frozen)\b",
            r"\b(?:our|the|my|their|this)\s+(?:[\w-]+\s+)?(?:plan|tier|subscription|contract|package|account|"
            r"organi[sz]ation)\b(?:[^.;!?]|\.(?=\w)){0,25}\b(?:includes?|included|allows?|allowed|covers?|covered|"
            r"permits?|gives|grants|entitles|provides|comes\s+with|is\s+(?:limited|capped)\s+to)\b",
            r"\baccount\b(?:[^.;!?]|\.(?=\w)){0,25}\b(?:suspended|banned|locked|flagged|disabled|frozen|terminated|"
            r"closed|upgraded|downgraded|in\s+good\s+standing|past\s+due|overdue|restricted)\b",
            r"\b(?:we\s+are|we're|we\s+were|we\s+have|we've)\s+(?:on\s+)?(?:the|a|an)\s+"
            r"[\w -]{0,20}\b(?:plan|tier|subscription)\b",
            r"\b(?:enterprise|pro|premium|paid|business|team)\s+(?:plan|tier|subscription)\b",
            r"\b(?:is|are|was|were|we're)\s+(?:on|in)\s+(?:usage\s+|rate[- ]limit\s+)?tier\s*\d+\b",
            r"\b(?:api\s+)?(?:keys?|tokens?|credentials?)\s+(?:expired|got\s+revoked|was\s+pulled)\b",
            r"\b(?:they|the\s+provider|cometapi|openai)\s+(?:revoked|disabled|suspended|banned|"
            r"blocked|throttled|deactivated)\s+(?:our|the|my)\b",
        ),
        "Say what the response said (e.g. 401 invalid_api_key on N of N attempts) and ask the "
        "credential or account owner to confirm the account state.",
    ),
    Family(
        "resolution",
        _p(
            r"\b(?:issue|incident|problem|outage|service|provider|api|bug|it|everything|errors?)\s+"
            r"(?:is|are|was|were|has\s+been|have\s+been|got|seems?)\s+(?:now\s+|fully\s+|completely\s+|"
            r"finally\s+)?(?:fixed|resolved|mitigated|recovered|restored|gone|back\s+to\s+normal|"
            r"stable\s+again|healthy\s+again)\b",
            r"\b(?:has|have)\s+(?:now\s+|fully\s+|completely\s+)?recovered\b",
        ),
        "Say what you measured after the change ('0 of 50 requests failed between 15:00 and "
        "15:30 UTC'); only the provider can say their side is fixed — cite it.",
    ),
    Family(
        "deprecation",
        _p(
            r"\bdeprecat\w*",
            r"\bsunset(?:ting|ted)?\b|\bend[- ]of[- ]life\b|\bEOL\b",
            r"\bshut(?:ting)?\s+down\b|\bshutdown\b",
            r"\b(?:being|will\s+be|to\s+be|was|were|been|is\s+being)\s+(?:retired|discontinued|"
            r"decommissioned|phased\s+out|turned\s+off|switched\s+off)",
            r"\bdiscontinu\w*|\bdecommission\w*|\bphas(?:ed|ing)\s+out\b|\bretir(?:ed|ing|ement)\b",
            r"\b(?:scheduled|slated|planned|set|earmarked)\s+(?:for|to\s+be)\s+(?:retirement|removal|"
            r"deprecation|shutdown|sunset|decommission\w*|retired|removed|shut\s+down|turned\s+off)",
            r"\bwill\s+(?:stop|no\s+longer|cease\s+to)\s+(?:support|serve|work|accept|be\s+available)",
            r"\b(?:will\s+)?no\s+longer\s+be\s+(?:supported|available|offered|served|accepted)\b",
            r"\bgoing\s+away\b|\b(?:being|will\s+be|to\s+be)\s+removed\b|\bremoval\s+date\b",
        ),
        "Cite the provider's deprecation notice (URL and access date) or leave it out.",
    ),
)
