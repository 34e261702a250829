"""Checking what a request sends to the model, message by message, before it leaves.

In a named session, messages an earlier request already had allowed under the same labels (as
far as the policies can tell them apart) are not checked again (`vallum.gateway.history`); the
request record lists them as covered.
"""

from __future__ import annotations

from dataclasses import replace

from vallum.enforcement.output import STOPPING
from vallum.gateway import history
from vallum.gateway.evaluator import Evaluator
from vallum.gateway.pipeline.events import Call, message_event
from vallum.gateway.wire.chat import ChatRequest
from vallum.model import Action, Decision
from vallum.sessions.store import CheckMarks


async def check_input(
    evaluator: Evaluator, marks: CheckMarks | None, version: str, call: Call, req: ChatRequest
) -> ChatRequest | Decision:
    """The request to forward (redacted where needed), or the decision that blocks it."""
    ctx = call.ctx
    events = [message_event(call, req, m) for m in req.messages]
    store = marks if ctx.linked else None
    labels: frozenset[str] = frozenset()
    found: dict[str, str] = {}
    keys: list[str | None] = [None] * len(events)
    read = evaluator.engine.authorizer.labels_read
    if store is not None:
        sessions = evaluator.engine.sessions
        labels = history.visible(await evaluator.run(lambda: sessions.labels(ctx.session)), read)
        keys = [None if e is None else history.mark_key(version, labels, e) for e in events]
        wanted = [k for k in keys if k is not None]
        found = await evaluator.run(lambda: store.checked(ctx.session, wanted))
    current = labels
    messages, rewritten = [], False
    for i, (m, event) in enumerate(zip(req.messages, events, strict=True)):
        if event is None:
            messages.append(m)
            continue
        key = keys[i]
        if key is not None and current == labels and key in found:  # labels unchanged so far
            ctx.covered.append({"message": i, "decision": found[key]})
            messages.append(m)
            continue
        decision = await evaluator.evaluate(ctx, event)
        if decision.action in STOPPING:
            return decision
        if store is not None:
            # Keyed by the labels the decision saw (the session's, plus what this message adds):
            # a later request finds it while the session holds exactly those labels.
            current = history.visible(decision.labels, read)
            if history.reusable(decision):
                mark = history.mark_key(version, current, event)
                ctx.marks[mark] = str(decision.evidence_id)
        if decision.action is Action.REDACT and decision.redacted_text is not None:
            m, rewritten = replace(m, text=decision.redacted_text, raw=None), True
        messages.append(m)
    return replace(req, messages=tuple(messages), rewritten=rewritten) if rewritten else req
