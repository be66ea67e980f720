"""What a probe may conclude from an answer beyond its status: is the text whole, and what to note.

The simulator's healthy answer is self-checking (:mod:`chatcontract.selfcheck`): whenever the
answer is the simulator's, the probe verifies the text itself, so a gateway that adds a
``finish_reason``, usage and ``[DONE]`` to a cut stream is caught. A ``content_filter`` finish
passes with a note; a stream whose chunks change ``id`` is noted.
"""

from __future__ import annotations

from chatcontract.selfcheck import verify

SIM_OPENING = "The simulator answers every healthy request"  # tests keep it equal to the sim's text


def is_simulator_answer(model: str | None, answered_model: str | None, text: str) -> bool:
    """Whether an answer comes from the simulator, whose healthy text is self-checking: a ``sim-``
    model was asked for or answered, or the text opens like the simulator's or carries a seal."""
    names = (model or "", answered_model or "")
    return any(n.startswith("sim-") or "/sim-" in n for n in names) or text.startswith(SIM_OPENING) \
        or "This answer holds " in text


def incomplete_answer(
    model: str | None, answered_model: str | None, text: str, *, streamed: bool = False
) -> str | None:
    """Why a simulator answer is not whole (``None`` when it is, or when it is not the simulator's).

    A finish_reason, usage and ``[DONE]`` say a stream ended; only the text itself can say the
    answer is whole. A gateway that completes a cut stream passes every other check.
    """
    if not is_simulator_answer(model, answered_model, text):
        return None
    check = verify(text)
    if check.whole:
        return None
    where = " although the stream said it finished (something between us and the simulator completed a cut " \
        "stream)" if streamed else ""
    return f"the simulator's self-checking answer is not whole: {check.reason}; {len(text)} characters arrived{where}"


def finish_notes(reason: str | None) -> list[str]:
    """A finish_reason that passes only with a note: a filtered answer is not a complete one."""
    if reason == "content_filter":
        return ["finish_reason is content_filter: the answer was cut by a content filter (an application "
                "outcome, not a complete answer)"]
    if reason == "length":
        return ["finish_reason is length: the answer stopped at the token limit"]
    return []


def chunk_id_notes(ids: list[str]) -> list[str]:
    """A stream whose chunks change ``id`` may have been stitched together (by a gateway or a retry)."""
    if len(ids) < 2:
        return []
    shown = ", ".join(ids[:3]) + (", ..." if len(ids) > 3 else "")
    return [f"chunk ids changed within one stream ({len(ids)} ids: {shown}); a gateway or retry may have joined "
            "two streams"]
