"""Probe cases, registered by name.

A :class:`Case` is a named check with what it needs (a valid key, a model) and how many
requests it may send at most (retries included). A :class:`Registry` holds cases in order;
registering a name twice is an error, selecting an unknown name is a :class:`UsageError`.
The default cases register themselves into :data:`DEFAULT_REGISTRY` when
:mod:`chatcontract.probe.cases_negative` and :mod:`chatcontract.probe.cases_happy` are imported
(:func:`default_registry` does that).

Case names are fixed: users put them in CI configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chatcontract.errors import UsageError

if TYPE_CHECKING:
    from chatcontract.probe.context import CaseContext
    from chatcontract.probe.results import CaseResult

CaseFn = Callable[["CaseContext"], "CaseResult"]

DEFAULT_CASES = (
    "happy",
    "stream",
    "missing-auth",
    "invalid-key",
    "missing-model",
    "empty-messages",
    "invalid-role",
    "oversized",
    "unknown-model",
    "wrong-path",
)


class DuplicateCaseError(ValueError):
    """A case name registered twice (a programming error, not user input)."""


@dataclass(frozen=True)
class Case:
    """One registered probe case."""

    name: str
    title: str
    run: CaseFn
    assumption: str
    needs_key: bool = True
    needs_model: bool = True
    max_requests: int = 1
    request_class: str = ""


class Registry:
    """Cases by name, in registration order."""

    def __init__(self) -> None:
        self._cases: dict[str, Case] = {}

    def add(self, case: Case) -> Case:
        if case.name in self._cases:
            raise DuplicateCaseError(f"probe case {case.name!r} is already registered")
        self._cases[case.name] = case
        return case

    def register(
        self,
        name: str,
        *,
        title: str,
        assumption: str,
        needs_key: bool = True,
        needs_model: bool = True,
        max_requests: int = 1,
        request_class: str = "",
    ) -> Callable[[CaseFn], CaseFn]:
        """Decorator form of :meth:`add`."""

        def decorate(fn: CaseFn) -> CaseFn:
            self.add(
                Case(
                    name,
                    title,
                    fn,
                    assumption,
                    needs_key,
                    needs_model,
                    max_requests,
                    request_class or f"negative-{name}",
                )
            )
            return fn

        return decorate

    def __contains__(self, name: object) -> bool:
        return name in self._cases

    def __iter__(self) -> Iterator[Case]:
        return iter(self._cases.values())

    def __len__(self) -> int:
        return len(self._cases)

    def names(self) -> list[str]:
        return list(self._cases)

    def get(self, name: str) -> Case:
        try:
            return self._cases[name]
        except KeyError:
            raise UsageError(
                f"unknown probe case {name!r}; known cases: {', '.join(self._cases)}"
            ) from None

    def select(self, names: Iterable[str] | None) -> list[Case]:
        """The named cases in registry order (all for ``None``); unknown names are errors."""
        if names is None:
            return list(self._cases.values())
        wanted = [n.strip() for n in names if n.strip()]
        if not wanted:
            raise UsageError("--cases selected no case; use --list to see the case names")
        for name in wanted:
            self.get(name)
        return [c for c in self._cases.values() if c.name in set(wanted)]

    def budget(self, cases: Iterable[Case] | None = None) -> int:
        """Requests the cases may send, retries included (the default ``--max-requests``)."""
        return sum(c.max_requests for c in (cases if cases is not None else self._cases.values()))


DEFAULT_REGISTRY = Registry()


def default_registry() -> Registry:
    """The registry with the default cases loaded."""
    import chatcontract.probe.cases_happy
    import chatcontract.probe.cases_negative  # noqa: F401 - registers on import

    return DEFAULT_REGISTRY
