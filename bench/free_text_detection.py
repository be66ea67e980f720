"""High-entropy detection in free text: false positives on clean text, recall on bare secrets.

A fresh corpus, generated here from a seed (written without reading the redaction rules): clean
texts the project must keep byte for byte (prose, UUIDs, digests, request and trace ids, commit
hashes, pod names, model names) and bare secrets with no known prefix and no credential word
nearby, planted in error-summary sentences. Each text goes through ``redact_free_text`` (the
path error summaries take). Prints, per category, how many clean texts changed (false
positives) and how many secrets were fully removed (recall). No peer: the figures stand alone.
Usage: python bench/free_text_detection.py [--per-kind 200] [--seed 1205]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import string
import uuid
from collections.abc import Callable

from chatcontract.redact import redact_free_text

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
K8S = "bcdfghjklmnpqrstvwxz2456789"
PROSE = [
    "The gateway answered 503 for about a third of requests between 14:02 and 14:09 UTC.",
    "Retries were spaced by jittered backoff and stopped at the deadline of 30 seconds.",
    "Streams closed before finish_reason in 12 of 400 attempts; none were counted as success.",
    "The on-call engineer rotated the credential and redeployed the worker pool.",
    "Latency at the 99th percentile rose from 2.1 s to 9.8 s while the queue drained.",
    "Customers in the Frankfurt region saw timeouts after the configuration change.",
    "We rolled back release 2026.12.1 and the error rate returned to its baseline.",
    "Model gpt-4o-mini answered normally; the fallback route was never used.",
]
MODELS = ["gpt-4o-mini-2024-07-18", "claude-3-5-sonnet-20241022", "meta-llama/Llama-3.1-70B-Instruct-Turbo",
          "mistral-large-latest", "gemini-1.5-pro-002", "deepseek-chat", "qwen2.5-72b-instruct", "o1-preview"]


PASSWORD_PROSE = [
    "The password is required.", "password was re-set by the admin", "the password is too-short",
    "The password must contain 1 digit.", "the secret was 2024", "Your secret key is missing",
    "the key was rotated yesterday", "password reset required for this account", "secret key-rotation scheduled",
    "password policy v2.1 applies", "the token limit 4096 was exceeded", "the key is stored in a vault",
]
SLUG_WORDS = ["prod", "gateway", "sleepy", "mountain", "primary", "canary", "europe", "west", "worker", "chat",
              "completion", "router", "shadow", "replica", "billing", "internal", "blue", "green", "staging"]


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def clean_kinds(rng: random.Random) -> dict[str, Callable[[], str]]:
    def digest(algo: str) -> str:
        return hashlib.new(algo, rng.randbytes(16)).hexdigest()

    return {
        "prose": lambda: rng.choice(PROSE),
        "uuid": lambda: f"request {uuid.UUID(int=rng.getrandbits(128), version=4)} failed with 502",
        "sha256": lambda: f"fixture digest sha256:{digest('sha256')}",
        "sha1-commit": lambda: f"deployed commit {digest('sha1')} to production",
        "md5-etag": lambda: f'ETag "{digest("md5")}" did not change',
        "request-id": lambda: f"provider request id req_{_pick(rng, ALNUM, 24)}",
        "completion-id": lambda: f"completion chatcmpl-{_pick(rng, ALNUM, 29)} ended early",
        "traceparent": lambda: f"traceparent 00-{_pick(rng, HEX, 32)}-{_pick(rng, HEX, 16)}-01",
        # Kubernetes: Deployment, ReplicaSet hash (10) and pod suffix (5) from its safe alphabet
        "pod-name": lambda: f"pod chat-gw-{_pick(rng, K8S, 10)}-{_pick(rng, K8S, 5)} restarted",
        "model-name": lambda: f"The model `{rng.choice(MODELS)}` is overloaded, try again later.",
        "password-prose": lambda: rng.choice(PASSWORD_PROSE),
        "word-slug": lambda: "deployment " + "-".join(rng.choice(SLUG_WORDS) for _ in range(rng.choice((3, 4)))),
    }


def secret_kinds(rng: random.Random) -> dict[str, Callable[[], str]]:
    b64 = ALNUM + "+/"
    return {
        "aws-secret-40": lambda: _pick(rng, b64, 40),
        "azure-key-32hex": lambda: _pick(rng, HEX, 32),
        "hex-64": lambda: _pick(rng, HEX, 64),
        "alnum-32": lambda: _pick(rng, ALNUM, 32),
        "base64-24": lambda: _pick(rng, b64, 22) + "==",
        "password-symbols-16": lambda: _pick(rng, ALNUM + "!@#$%^&*", 16),
        "django-secret-50": lambda: _pick(rng, string.ascii_lowercase + string.digits + "!@#$%^&*(-_=+)", 50),
        "words-password": lambda: "-".join(_pick(rng, string.ascii_lowercase, 6) for _ in range(3)),
        "base32-20": lambda: _pick(rng, string.ascii_uppercase + "234567", 20),
        # a password written after words (the plant then holds two phrases: words, then the value)
        "password-after-words": lambda: rng.choice(AFTER_WORDS) + rng.choice(
            ["-".join(rng.choice(SLUG_WORDS) for _ in range(4)), _pick(rng, ALNUM, 8) + "7",
             _pick(rng, string.ascii_lowercase, 6) + _pick(rng, string.digits, 3), _pick(rng, string.digits, 8)]
        ),
    }


AFTER_WORDS = ["password is ", "the password was ", "pwd: ", "pwd was ", "passphrase ", "my secret is "]


PLANTS = ["upstream rejected {s}", '{{"detail": "{s}"}}', "denied: {s} is not valid here", "echo {s}"]


def _core(value: str) -> str:
    """The part whose presence counts as a leak: the value after the words that name it."""
    for words in AFTER_WORDS:
        if value.startswith(words):
            return value.removeprefix(words)
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1205)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"{'clean kind':<22}{'texts':>7}{'changed':>9}{'FP rate':>9}")
    changed_all = total_all = 0
    for kind, make in clean_kinds(rng).items():
        texts = [make() for _ in range(args.per_kind)]
        changed = sum(redact_free_text(t) != t for t in texts)
        changed_all, total_all = changed_all + changed, total_all + len(texts)
        print(f"{kind:<22}{len(texts):>7}{changed:>9}{changed / len(texts):>9.1%}")
    print(f"{'all clean':<22}{total_all:>7}{changed_all:>9}{changed_all / total_all:>9.1%}")
    print()
    print(f"{'secret kind':<22}{'planted':>7}{'removed':>9}{'recall':>9}")
    removed_all = planted_all = 0
    for kind, make in secret_kinds(rng).items():
        values = [make() for _ in range(args.per_kind)]
        plants = [PLANTS[i % len(PLANTS)].format(s=v) for i, v in enumerate(values)]
        removed = sum(_core(v) not in redact_free_text(p) for v, p in zip(values, plants, strict=True))
        removed_all, planted_all = removed_all + removed, planted_all + len(values)
        print(f"{kind:<22}{len(values):>7}{removed:>9}{removed / len(values):>9.1%}")
    print(f"{'all secrets':<22}{planted_all:>7}{removed_all:>9}{removed_all / planted_all:>9.1%}")
    print("changed: the clean text did not come back byte for byte; removed: the value is gone whole.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
