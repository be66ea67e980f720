"""Each contract-breaking mode breaks exactly its one thing (and the faithful server does not)."""

from __future__ import annotations

import httpx
import pytest
from tests.loopback import TLS

from chatcontract.errors import UsageError
from chatcontract.sim import CANONICAL_TEXT, SimServer, serve

from .wire import MESSAGES, auth, chat_url, parse_sse, post


def _check_key_ignored(sim: SimServer, broken: bool) -> None:
    response = httpx.post(chat_url(sim), json={"model": "sim-ok", "messages": MESSAGES}, verify=TLS)
    assert response.status_code == (200 if broken else 401)


def _check_empty_messages(sim: SimServer, broken: bool) -> None:
    assert post(sim, messages=[]).status_code == (200 if broken else 400)


def _check_bad_role(sim: SimServer, broken: bool) -> None:
    assert post(sim, messages=[{"role": "wizard", "content": "x"}]).status_code == (200 if broken else 400)


def _check_wrong_path(sim: SimServer, broken: bool) -> None:
    response = httpx.post(
        sim.base_url + "/chat/complete",
        json={"model": "sim-ok", "messages": MESSAGES},
        headers=auth(sim), verify=TLS,
    )
    assert response.status_code == (200 if broken else 404)
    assert response.headers["content-type"].startswith("text/html" if broken else "application/json")


def _check_unknown_model(sim: SimServer, broken: bool) -> None:
    response = post(sim, "gpt-imaginary")
    assert response.status_code == (200 if broken else 404)
    if broken:
        assert response.json()["choices"][0]["message"]["content"] == CANONICAL_TEXT


def _check_no_finish(sim: SimServer, broken: bool) -> None:
    events = parse_sse(post(sim, stream=True).content)
    assert events.finish_reasons() == ([] if broken else ["stop"])
    assert events.done
    assert events.content() == CANONICAL_TEXT


def _check_no_envelope(sim: SimServer, broken: bool) -> None:
    body = post(sim, "sim-503").json()
    assert ("detail" in body and "error" not in body) if broken else ("error" in body)


def _check_no_choices(sim: SimServer, broken: bool) -> None:
    assert ("choices" not in post(sim).json()) is broken


def _check_bad_key_500(sim: SimServer, broken: bool) -> None:
    response = httpx.post(
        chat_url(sim),
        json={"model": "sim-ok", "messages": MESSAGES},
        headers={"Authorization": "Bearer sk-wrong"}, verify=TLS,
    )
    assert response.status_code == (500 if broken else 401)


CHECKS = {
    "key-ignored": _check_key_ignored,
    "empty-messages-accepted": _check_empty_messages,
    "bad-role-accepted": _check_bad_role,
    "wrong-path-html-200": _check_wrong_path,
    "unknown-model-served": _check_unknown_model,
    "stream-no-finish-reason": _check_no_finish,
    "errors-without-envelope": _check_no_envelope,
    "no-choices": _check_no_choices,
    "bad-key-500": _check_bad_key_500,
}


# Both change what a missing key gets, so each one's check of the other does not apply.
AUTH_PAIR = {"key-ignored", "bad-key-500"}


def test_every_mode_has_a_check() -> None:
    from chatcontract.sim import MODES

    assert set(CHECKS) == set(MODES)


@pytest.fixture(scope="module")
def faithful() -> object:
    with serve(api_key="sk-test-123") as sim:
        yield sim


@pytest.mark.parametrize("mode", list(CHECKS))
def test_mode_breaks_its_part(mode: str) -> None:
    with serve(api_key="sk-test-123", modes=(mode,)) as sim:
        CHECKS[mode](sim, True)
        for other, check in CHECKS.items():
            if other != mode and {mode, other} != AUTH_PAIR:
                check(sim, False)


@pytest.mark.parametrize("mode", list(CHECKS))
def test_faithful_server_keeps_the_contract(faithful: SimServer, mode: str) -> None:
    CHECKS[mode](faithful, False)


def test_unknown_mode_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown sim mode 'bogus'"), serve(modes=("bogus",)):
        pass
