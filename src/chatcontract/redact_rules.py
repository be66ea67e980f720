"""Redaction rules: which text is a secret, which name holds one, which value looks generated.

Data and pure predicates only; :mod:`chatcontract.redact` runs them. Known formats are
``(name, pattern)`` pairs; names are judged by their segments (``X-Api-Key`` -> x, api, key);
values by length, character mix, word-likeness and entropy.
"""

from __future__ import annotations

import math
import re
from collections import Counter

MASK = "[REDACTED]"

# Known formats, most specific first. Each is (name, pattern); the whole match is masked
# unless the pattern has a group named "keep", whose text stays in front of the mask.
KNOWN_FORMATS: tuple[tuple[str, str], ...] = (
    (
        "private_key",
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
    ),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    # A scheme word followed by a credential; plain words ("basic authentication") are not one.
    (
        "bearer",
        r"(?P<keep>\b(?:[Bb]earer|BEARER|[Bb]asic|BASIC)\s+)(?![a-z]+\b)(?![A-Z][a-z]+\b)"
        r"[A-Za-z0-9._~+/=-]{8,}",
    ),
    ("token_scheme", r"(?P<keep>\b[Tt]oken\s+)(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{16,}"),
    ("openai_key", r"\bsk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{16,}"),
    ("aws_access_key", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b"),
    ("github_token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"),
    ("slack_token", r"\b(?:xox[abprse]|xapp)-[A-Za-z0-9-]{10,}"),
    ("slack_webhook", r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+"),
    ("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}"),
    ("stripe_key", r"\b(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{16,}"),
    ("hf_token", r"\bhf_[A-Za-z0-9]{30,}"),
    # Vendor token formats with a fixed prefix (as published by the vendors / secret scanners).
    ("gitlab_token", r"\bgl(?:pat|dt|rt|ptt|cbt|imt|ft|oas|sa)-[A-Za-z0-9_-]{20,}"),
    ("npm_token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("pypi_token", r"\bpypi-AgE[A-Za-z0-9_-]{50,}"),
    ("twilio_key", r"\bSK[0-9a-fA-F]{32}\b"),
    ("sendgrid_key", r"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}"),
    ("digitalocean_token", r"\bdo[opr]_v1_[a-f0-9]{64}\b"),
    ("shopify_token", r"\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b"),
    ("mailgun_key", r"\bkey-[0-9a-f]{32}\b"),
    ("google_oauth", r"\bya29\.[0-9A-Za-z_-]{20,}"),
    ("webhook_url", r"https://(?:[a-z]+\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]+"),
    ("llm_vendor_key", r"\b(?:gsk_[A-Za-z0-9]{40,}|pplx-[A-Za-z0-9]{40,}|r8_[A-Za-z0-9]{30,}|xai-[A-Za-z0-9]{30,})"),
    ("age_secret_key", r"\bAGE-SECRET-KEY-1[0-9A-Z]{50,}"),
    ("telegram_bot_token", r"(?P<keep>\bbot)?\b\d{8,10}:AA[A-Za-z0-9_-]{30,}"),
    # Passwords given on a command line: ``curl -u user:pw``, ``mysql -pPW``, ``--password PW``,
    # and ``.netrc`` lines (``machine H login U password PW``).
    ("cli_user_password", r"(?P<keep>(?<![\w-])(?:-u|--user)\s+[^\s:'\"]+:)[^\s'\"]+"),
    ("cli_mysql_password", r"(?P<keep>\bmysql(?:dump|admin)?\b[^\n]{0,80}?\s-p)[^\s'\"]+"),
    (
        "cli_secret_flag",
        r"(?P<keep>(?<![\w-])--(?:password|passwd|pass|secret|token|api-key|apikey|access-token|"
        r"auth-token|client-secret)(?:=|\s+))(?!-)[^\s'\"]+",
    ),
    ("netrc_password", r"(?P<keep>\bmachine\s+\S+\s+login\s+\S+\s+password\s+)\S+"),
    ("url_userinfo", r"(?P<keep>\b[a-zA-Z][a-zA-Z0-9+.-]{0,30}://)(?!\[REDACTED\]@)[^\s/@:]{1,256}(?::[^\s/@]{0,256})?@"),
    (  # bounded parts and a word-start lookbehind keep this linear on long dotted runs
        "email",
        r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@"
        r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b",
    ),
    (
        "ipv4",
        r"(?<![\w.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?!\.?\d|\w)",
    ),
    (
        "phone",
        r"(?<![\w+.-])(?:\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)|\d{1,4})(?:[\s.-]?\d{2,4}){2,4}"
        r"|\(\d{3}\)\s?\d{3}[\s.-]\d{4}|\d{3}(?P<sep>[\s.-])\d{3}(?P=sep)\d{4})(?!\w|[.-]\d)",
    ),
)
LOOPBACK = re.compile(r"^(?:127\.\d+\.\d+\.\d+|0\.0\.0\.0)$")

# ``name: value`` / ``name=value`` / ``"name": "value"`` in free text (also JSON-in-JSON).
ASSIGNMENT = re.compile(
    r"""(?P<keep>(?<![A-Za-z0-9_.-])(?P<name>[A-Za-z_][A-Za-z0-9_.-]{0,63})"""
    r"""(?:\\?["'])?[ \t]*[:=][ \t]*(?:\\?["'])?(?:(?:[Bb]earer|[Bb]asic|[Tt]oken)[ \t]+)?)"""
    r"""(?!//)(?P<value>[^\s"'\\,;&<>{}\[\]()]+)"""
)
# A cookie header holds many ``name=value`` pairs, an authorization header a scheme and its
# parameters (``Digest username=..., response=...``): everything up to the end of the line goes.
COOKIE = re.compile(
    r"""(?i)(?P<keep>(?<![A-Za-z0-9_-])(?:(?:set-)?cookie|(?:proxy-)?authorization)"""
    r"""(?:\\?["'])?[ \t]*[:=][ \t]*(?:\\?["'])?)"""
    r"""(?P<value>[^\r\n"'\\]+)"""
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Identifiers that look random but are not secrets: request/response ids, UUIDs, model names.
_ALLOWED_NAMES = re.compile(
    r"(?i)^(x-request-id|request[-_]?id|provider_request_id|trace[-_]?id|span[-_]?id|"
    r"id|run[-_]?id|response[-_]?id|chatcmpl|model|response_model|system_fingerprint|"
    r"object|incident[-_]?id|traceparent|tracestate|x-trace-id|cf-ray|etag|fingerprint|"
    r"x-oneapi-request-id|x-amzn-requestid|apim-request-id|openai-organization)$"
)
# Last name segments that mark an identifier or a digest: high-entropy values under them pass.
_IDENTIFIER_TAILS = _words(
    "id ids model fingerprint etag digest sha sha1 sha256 sha512 md5 hash checksum version commit ray "
    "traceparent requestid revision rev uuid guid"
)
# A secret word at the end of one run-together segment (``PGPASSWORD``, ``dbsecret``).
_SECRET_SUFFIXES = ("password", "passwd", "passphrase", "secret", "apikey", "accesskey", "secretkey", "privatekey")
_SECRET_SEGMENTS = _words(
    "secret secrets password passwd pwd passphrase cookie cookies credential credentials "
    "authorization auth signature sig bearer session sessionid sid apikey accesskey "
    "secretkey privatekey jwt otp xsrf csrf dsn"
)
_KEY_QUALIFIERS = _words(
    "api access secret private signing client auth encryption master subscription account service admin license app x"
)
# A secret-looking name whose last segment says it names a property, not the secret itself.
_PROPERTY_TAILS = _words(
    "type types count limit limits budget usage length len estimate scheme header method "
    "mode url uri endpoint enabled required expires expiry ttl name env file path source "
    "format kind prefix status error tokens"
)
_SEGMENT = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# Dashed UUIDs of any version; without dashes only with the version and variant nibbles, since
# 32 random hex digits are also the shape of many API keys (Azure OpenAI, Datadog, Twilio).
_UUID = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{12}[1-8][0-9a-fA-F]{3}[89abAB][0-9a-fA-F]{15})$"
)
_ID_PREFIX = re.compile(
    r"^(?:chatcmpl|req|resp|run|msg|call|evt|trace|span|cmpl|fp|file|batch|gen|asst|thread|conv|toolu|"
    r"vs|ftjob|ft|org|proj|modr|ckpt|step|fc|rs|user|img|upload|cus|sub|txn)[-_]",
    re.I,
)
_HEX = re.compile(r"^(?=.*\d)(?=.*[a-fA-F])[0-9a-fA-F]{32,}$")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
_WORD_SPLIT = re.compile(r"[-_./+]")
# Whitespace, URL or header punctuation, or an inner ``=``: text with structure, not one token.
_STRUCTURED = re.compile(r"[\s:?&@,;#]|=(?!=*$)")


def shannon_bits(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def _wordy(value: str) -> bool:
    """True for values made of words and short numbers (``claude-3-5-sonnet-20241022``)."""
    for part in _WORD_SPLIT.split(value):
        if len(part) <= 3 or (part.isalpha() and len(part) <= 15) or (part.isdigit() and len(part) <= 8):
            continue
        return False
    return True


def looks_random(value: str) -> bool:
    """A 20+ character token with the character mix and entropy of a generated secret.

    UUIDs, prefixed ids (``req_``, ``chatcmpl-``) and word-like values (model names, versions,
    paths) are not random; a long hex string is.
    """
    value = value.strip(".")
    if len(value) < 20 or _STRUCTURED.search(value) or _UUID.match(value) or _ID_PREFIX.match(value):
        return False
    if _HEX.match(value):
        return True
    if not (_DIGIT.search(value) and _LETTER.search(value)) or _wordy(value):
        return False
    return shannon_bits(value) >= 3.5


def _segments(name: str) -> list[str]:
    return [s.lower() for s in _SEGMENT.findall(name)]


def is_identifier_name(name: str) -> bool:
    """True when ``name`` names an identifier (request id, model, digest) that may look random."""
    base = name.strip().strip("\"'")
    if _ALLOWED_NAMES.match(base):
        return True
    segs = [s for s in _segments(base) if not s.isdigit()]
    return bool(segs) and segs[-1] in _IDENTIFIER_TAILS


def is_secret_key(name: str) -> bool:
    """True when a mapping key, header, query or assignment name holds secrets by its name alone.

    ``Authorization``, ``X-Api-Key``, ``aws_secret_access_key``, ``csrftoken``, ``Cookie`` are;
    ``max_tokens``, ``token_type``, ``api_key_env``, ``author`` and ``request_id`` are not.
    """
    base = name.strip().strip("\"'")
    if not base or _ALLOWED_NAMES.match(base):
        return False
    segs = _segments(base)
    if not segs or segs[-1] in _PROPERTY_TAILS:
        return False
    if segs == ["key"] or any(s in _SECRET_SEGMENTS or s.endswith(_SECRET_SUFFIXES) for s in segs):
        return True
    if any(s == "token" or (s.endswith("token") and len(s) > 5) for s in segs):
        return True
    return any(s == "key" and i > 0 and segs[i - 1] in _KEY_QUALIFIERS for i, s in enumerate(segs))


# A vendor-style token (``prefix_`` / ``prefix-`` then 32+ generated characters) in free text;
# the tail must look random and the prefix must not be a known identifier prefix (``req_``).
PREFIXED_TOKEN = re.compile(
    r"(?<![\w-])(?P<prefix>[a-z][a-z0-9]{1,7}[_-](?:[a-z0-9]{1,6}[_-])?)(?P<tail>[A-Za-z0-9]{32,})\b"
)
# A credential word, a few words, then a generated value: "the leaked key was gsk_...".
NEAR_KEYWORD = re.compile(
    r"(?i)\b(?:api[ _-]?key|key\d?|token|secret|password|passwd|credential)s?\b"
    r"(?:[ \t]+[A-Za-z]{1,12}){0,6}?(?:[ \t]*[:=][ \t]*|[ \t]+)[`'\"]?"
    r"(?P<value>[A-Za-z0-9_][A-Za-z0-9_./+=-]{19,})"
)
VERSION_BEFORE = re.compile(r"(?i)\b(?:v|ver|version|build|release|firmware|os)[ \t]*$")


def looks_keyword_value(value: str) -> bool:
    """A value right after a credential word: generated-looking, or 32+ hex digits even when they
    happen to have a UUID's version nibbles (an Azure key does one time in 64)."""
    return looks_random(value) or bool(_HEX.match(value.strip(".")))


def is_prefixed_token(prefix: str, tail: str) -> bool:
    """True for ``prefix`` + ``tail`` shaped like a vendor token and not a known identifier."""
    return not _ID_PREFIX.match(prefix) and looks_random(tail)


# Free text (error summaries, messages): a bare run of token characters, judged on its own.
BARE_TOKEN = re.compile(r"(?<![A-Za-z0-9_+/=-])[A-Za-z0-9_+/-]{20,1024}={0,2}(?![A-Za-z0-9_+/=-])")
# A bare word with the four character classes of a password (``Tr0ub4dor&3x``); no URL, path
# or assignment punctuation, so prose, timestamps and ``name=value`` pairs never match.
PASSWORD_TOKEN = re.compile(r"(?<![^\s\"'(\[{>,;])[A-Za-z0-9!@#$%&*^~+_.-]{10,64}(?=$|[\s\"')\]}<,;])")
_PASSWORD_SYMBOLS = frozenset("!@#$%&*^~")
# A credential word, then (at most one connector word) the value, any shape but a plain word.
KEYWORD_VALUE = re.compile(
    r"(?i)\b(?P<word>api[ _-]?key|key|password|passwd|pwd|passphrase|secret|token|credential)s?"
    r"(?:[ \t]+(?:is|was|provided|value|used))?(?:[ \t]*[:=][ \t]*|[ \t]+)[`'\"]?"
    r"(?P<value>[^\s`'\"<>(){}\[\],;]{6,128})"
)
# Words after which a value is a password whatever its shape, unless it is one plain word
# ("password is required"): words joined by dashes (``correct-horse-battery-staple``) go too.
PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "secret"})
_PASSPHRASE = re.compile(r"^[A-Za-z]+(?:[-_.+][A-Za-z]+){2,}\d{0,4}$")
_PASSPHRASE_PART = re.compile(r"[A-Za-z]+")
# The word before a bare token that says it is an identifier or digest (``request id: ...``).
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z0-9_-]{0,40})[\s:=#'\"(]{1,4}$")
_DIGEST_HEX_LENGTHS = frozenset({40, 64, 96, 128})
_HEX_ONLY = re.compile(r"^[0-9a-fA-F]+$")
# A Kubernetes pod name: a workload name, the ReplicaSet hash and the pod suffix, both drawn from
# Kubernetes' own alphabet (no vowels, no 0/1/3): an id operators need, not a key.
_K8S = "[bcdfghjklmnpqrstvwxz2456789]"
_K8S_POD = re.compile(rf"^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?-{_K8S}{{6,10}}-{_K8S}{{5}}$")
_PLAIN_WORD = re.compile(r"^[A-Za-z]+[.!?]?$")


def named_identifier(before: str) -> bool:
    """True when the text right before a value names an identifier (``request id:``, ``commit``)."""
    m = _WORD_BEFORE.search(before)
    return m is not None and (is_identifier_name(m.group(1)) or m.group(1).lower() in _IDENTIFIER_TAILS)


def is_bare_secret(token: str) -> bool:
    """A bare free-text token that looks generated: a key, not a word, path, id or digest.

    Hex of a digest's length (SHA-1, SHA-256, SHA-384, SHA-512) stays; other long hex (an Azure
    or Datadog key is 32 hex digits) goes. A token with ``/`` is judged whole only when no
    segment is a lowercase word (a path keeps its words), else segment by segment. A slug stays
    unless its "words" are random letters (a generated passphrase, ``nxnoop-gabhzl-txqjkc``).
    """
    body = token.rstrip("=")
    if _K8S_POD.match(body):
        return False
    if _slug(body):
        return gibberish_slug(body)
    if _HEX_ONLY.match(body):
        return len(body) not in _DIGEST_HEX_LENGTHS and len(body) >= 24 and any(c.isdigit() for c in body)
    return looks_random(body)


# Letter pairs that (almost) never occur inside English words: fewer than 10 of ~10,500 distinct
# words of English prose (Python's documentation comments) hold them. Written as first letter:
# the second letters. Random lowercase letters fall on one of them 41 % of the time, words
# and model names (``sonnet``, ``instruct``, ``mixtral``) rarely.
_RARE_PAIRS = frozenset(
    a + b
    for group in (
        "a:joqz", "b:ghknqvwxz", "c:bgjqvwxz", "d:hkpqwxz", "e:z", "f:ghjkmnqvwxz", "g:bcdjkqvwxyz",
        "h:bcdfghjknpqvwxz", "i:hijuwy", "j:bcdfghijklmnpqrstvwxyz", "k:bcdhjkmpqrvxz", "l:ghjqwxz",
        "m:cfghjnqrvwxyz", "n:xz", "o:hjqz", "p:bjmnqvxz", "q:abcdefghijklmnopqrstvwxyz", "r:hjqxz",
        "s:bjxz", "t:gjqvxz", "u:hjkquvwxyz", "v:bcdfghjklmnpqrstuwxyz", "w:bcfgjkmpqtuvxyz",
        "x:bdfghjklnoqrsuvwz", "y:bfhjkquwxyz", "z:bcdfghjklmnpqrstuvwxyz",
    )
    for a, seconds in [group.split(":")]
    for b in seconds
)
_LETTER_RUN = re.compile(r"[a-z]{4,}")


def gibberish_slug(value: str) -> bool:
    """True for a slug whose letter runs are random letters, not words: at least two runs of 4+
    letters, 3+ pairs no English word holds, making 20 % or more of their pairs. Measured on
    ``bench/free_text_detection.py``: 96 % of random three-word passphrases caught, 1 in 5,000
    slugs of real words (and no model name tried) taken for one."""
    runs = _LETTER_RUN.findall(value.lower())
    if len(runs) < 2:
        return False
    pairs = sum(len(run) - 1 for run in runs)
    rare = sum(run[i : i + 2] in _RARE_PAIRS for run in runs for i in range(len(run) - 1))
    return rare >= 3 and rare * 5 >= pairs


def _slug(value: str) -> bool:
    """Mostly words joined by ``-``, ``_`` or ``.`` (``llama-v3p1-405b-instruct``): a name."""
    parts = [p for p in re.split(r"[-_.]", value) if p]
    words = sum(1 for p in parts if len(p) >= 3 and p.isalpha())
    return len(parts) >= 3 and words * 2 >= len(parts)


def path_segments_secret(token: str) -> list[tuple[int, int]]:
    """Spans of ``token`` to mask when it holds ``/``: the whole or its random segments."""
    segments = token.split("/")
    if is_bare_secret(token) and not token.startswith("/") and not any(
        len(s) >= 4 and s.isalpha() and s.islower() for s in segments
    ):
        return [(0, len(token))]
    spans: list[tuple[int, int]] = []
    pos = 0
    for seg in segments:
        if len(seg) >= 20 and is_bare_secret(seg):
            spans.append((pos, pos + len(seg)))
        pos += len(seg) + 1
    return spans


def looks_password(value: str) -> bool:
    """A bare token with upper, lower, digit and a symbol: a password, not prose (nor a mention,
    ``@Alice2024``, whose only symbol is its leading ``@``)."""
    symbols = _PASSWORD_SYMBOLS.intersection(value)
    if symbols == {"@"} and value.startswith("@") and value.count("@") == 1:
        return False
    return (
        bool(symbols)
        and any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
    )


def looks_keyword_secret(value: str, *, password: bool = False) -> bool:
    """A value right after a credential word: anything with a lowercase letter and a digit that
    is not word-like (``gpt-4o-mini``), a timestamp, a URL, a path or a file name. After a
    password word (``password``, ``pwd``, ``secret``) also three or more words joined into one
    value, and 6+ digits or characters mixing letters with digits or symbols; after the other
    credential words the value has 8+ characters."""
    value = value.rstrip(".")
    if _PLAIN_WORD.match(value) or "/" in value or "://" in value or "$" in value[:1]:
        return False
    if password and not re.search(r"\.(?:txt|json|ya?ml|env|key|pem|log)$", value):
        joined = len(_PASSPHRASE_PART.findall(value)) >= 3 and _PASSPHRASE.match(value) is not None
        return len(value) >= 6 and (joined or value.isdigit() or not (value.isalpha() or _wordy(value)))
    if len(value) < 8:
        return False
    if looks_keyword_value(value) or looks_password(value):
        return True
    return (
        any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
        and not _wordy(value)
        and not re.search(r"\.(?:txt|json|ya?ml|env|key|pem|log)$", value)
    )
