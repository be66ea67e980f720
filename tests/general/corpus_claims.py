"""A fresh claim corpus in styles the lint has not seen: incident prose, Slack-terse notes, bullets.

``UNSUPPORTED`` items each make a claim the evidence of an incident does not support (pricing,
billing, quota, rate-limit numbers, uptime/SLA, model availability, outage, API change, model
failure, latency SLO, provider root cause, over-broad scope, account state, deprecation).
``ACCEPTABLE`` items are observations, our own measurements, disclaimers, questions or cited
statements. Each item is linted on its own.
"""

from __future__ import annotations

UNSUPPORTED: list[str] = [
    # incident-report prose
    "Root cause: the upstream provider pushed a bad deploy that broke streaming.",
    "The outage was caused by OpenAI's infrastructure, not by anything on our side.",
    "Impact extended to every customer on the platform for roughly forty minutes.",
    "The vendor silently changed the response format of the completions endpoint.",
    "Pricing for gpt-4.1 on the gateway is $2 per 1M input tokens.",
    "Our plan includes 2 million tokens per day, so the 429s should not have happened.",
    "The provider enforces a hard limit of 500 RPM per organisation.",
    "Availability of the service is 99.95% over any rolling month.",
    "The p99 latency of the API is normally under 800 ms.",
    "This was a global outage affecting all regions.",
    "The claude-2 model was retired by the provider last week.",
    "The endpoint will be shut down at the end of the quarter.",
    "Their API key for our team was revoked during the incident.",
    "The model hallucinated and crashed mid-answer, which is a known model bug.",
    # Slack-like terse notes
    "fyi upstream is down again",
    "looks like anthropic is having an outage rn",
    "gateway prices went up 20% this month btw",
    "we're out of credits on the prod key",
    "rate limit is 3 rps per key, hitting it constantly",
    "gpt-4o not available anymore on comet",
    "their side, not ours. provider broke something",
    "api changed overnight, parser now fails",
    "every model is affected",
    "SLA says 99.9 so they owe us credits",
    # bullet points
    "- Cause: provider-side outage in us-east",
    "- Billing: we were charged for all the failed retries",
    "- Quota: monthly quota exhausted at 09:12",
    "- Limits: 10k tokens per minute on the free tier",
    "* Status: the provider has been degraded all day",
    "* The model is deprecated and will stop working in January.",
    "• All users were impacted by the 503s.",
    "• Latency SLO of 2 s was breached by the provider.",
    "1. The upstream vendor changed their auth scheme without notice.",
]

ACCEPTABLE: list[str] = [
    # incident-report prose
    "Between 14:02 and 14:19 UTC, 41 of 300 calls from the checkout service returned HTTP 503.",
    "Our client retried each 503 at most twice; the retry budget capped retries at 9% of calls.",
    "We measured a p95 first-chunk time of 1.8 s in run 5e1d2c3b, against 0.9 s the day before.",
    "We have not verified the provider's pricing, so this note makes no claim about cost.",
    "The status page (https://status.example.com/incidents/abc) listed degraded performance from 14:05.",
    "According to the provider's changelog, the v1 route is scheduled for removal; we have not confirmed a date.",
    'The error body we received read "Rate limit reached for requests" on 12 attempts.',
    "Three attempts to the fallback model returned 200 with finish_reason stop.",
    "It is not known whether the failures were limited to our key.",
    "We found no evidence of a change in the response format; the parser errors were ours.",
    "The probe run at 14:30 UTC passed all 10 cases against the staging base URL.",
    "The incident started after our deploy of version 4.12.0 at 13:58 UTC.",
    "Was the key rotated during the incident window?",
    "We paused the batch job at 14:20 to reduce load while investigating.",
    # Slack-like terse notes
    "seeing 503s from the gateway since 14:02, ~14% of calls",
    "retries capped, no storm. breaker opened at 14:04",
    "repro: 3/3 attempts 429 with retry-after 20, request id req_9f8e7d6c5b",
    "rolled back our deploy at 14:15, errors dropped to 0.3%",
    "anyone know if comet has a status page?",
    "not claiming an outage, just what our logs show",
    "packet attached, ticket #55120",
    "our parser choked on an empty choices list (3 responses)",
    "fallback to the second route served 97% of traffic during the window",
    # bullet points
    "- Observed: HTTP 429 on 18 of 40 attempts between 09:10 and 09:25 UTC",
    "- Measured: median latency 1.2 s (n=200), our own timing",
    "- Not verified: pricing, quotas and rate limits of the account",
    "- Mitigation: switched traffic to the fallback route at 09:30",
    "* Next step: ask support whether the key's quota changed",
    "* Our retry policy: 3 attempts, full jitter, 60 s deadline",
    "• Evidence: attempts.jsonl from run 0c9b8a7f, 40 records",
    "1. Reproduced the 401 with a fresh key from env:COMETAPI_API_KEY; still refused.",
    "2. Open question: did the provider change the error envelope? We have one sample only.",
    "3. Owner: platform on-call; follow-up in the weekly review.",
]
