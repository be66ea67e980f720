"""Exceptions raised by chatcontract.

The tree::

    ChatContractError
    ├── UsageError            bad input from the user: a flag, a file, a URL (CLI exit code 2)
    │   └── ProfileError      an invalid contract profile (names the file, the key, what was expected)
    └── CallFailed            defined in ``chatcontract.client``: a call that did not complete

``UsageError`` messages are one line and say what to do; the CLI prints them as
``chatcontract: error: <message>`` and exits 2, never with a traceback.
"""

from __future__ import annotations


class ChatContractError(Exception):
    """Base class of every exception chatcontract raises on purpose."""


class UsageError(ChatContractError):
    """Malformed input from the user: a flag, an environment variable, a file or a URL."""

    exit_code = 2


class ProfileError(UsageError):
    """A contract profile that cannot be loaded or does not validate."""
