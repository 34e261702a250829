"""Checking what a request sends to the model, message by message, before it leaves.

In a named session, messages an earlier request already had allowed under the same labels (as
far as the policies can tell them apart) are not checked again (`vallum.gateway.history`); the
request record lists them as covered.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from functools import partial

from vallum.enforcement.output import STOPPING
from vallum.engine import Engine
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
    engine = evaluator.engine
    events = [message_event(call, req, m) for m in req.messages]
    # A named session's marks are its own; a one-off request shares content marks with its
    # principal's requests that open alike, and puts in its session what each covered message's
    # check left there: labels, and fingerprints (`history.Replay`).
    scope = ctx.session if ctx.linked else history.content_scope(ctx, events)
    store = marks
    labels: frozenset[str] = frozenset()
    found: dict[str, str] = {}
    keys: list[str | None] = [None] * len(events)
    read = engine.authorizer.labels_read
    # What each message's decision can depend on: the labels the policies that can apply to
    # its action tell apart (none, when labels only matter to tool calls).
    reads = [None if e is None else engine.labels_read(e) for e in events]
    if store is not None:
        sessions = engine.sessions
        labels = history.visible(await evaluator.run(lambda: sessions.labels(ctx.session)), read)
        keys = [
            None if e is None else history.mark_key(version, history.visible(labels, r), e)
            for e, r in zip(events, reads, strict=True)
        ]
        marked = [k for k in keys if k is not None]
        wanted = marked + [history.redacted_key(k) for k in marked]
        if not ctx.linked:
            wanted += [history.labels_key(k) for k in marked]
        if wanted:
            found = await evaluator.run(lambda: store.checked(scope, wanted))
    current = labels
    messages, rewritten = [], False
    # What covered messages left in a one-off request's session, written in one go before the
    # next decision reads the session (and at the end).
    replay, replayed_labels = history.Replay(), set[str]()

    async def flush() -> None:
        batches, added = replay.batches(), frozenset(replayed_labels)
        replayed_labels.clear()
        if added or batches:
            await evaluator.run(partial(_add, engine, ctx.session, added, batches))

    for i, (m, event) in enumerate(zip(req.messages, events, strict=True)):
        if event is None:
            messages.append(m)
            continue
        key, r = keys[i], reads[i]
        # Labels unchanged so far (as far as this message's decision can tell); one-off
        # requests also need what the message added.
        if (
            key is not None
            and history.visible(current, r) == history.visible(labels, r)
            and key in found
            and (ctx.linked or history.labels_key(key) in found)
        ):
            if not ctx.linked:  # what the message adds, this request's session must hold
                added = history.decode_labels(found[history.labels_key(key)])
                replayed_labels.update(added)
                if not history.shareable(event, engine.bundle.config):
                    replay.add(await evaluator.taint(ctx, key, event))
                current = current | history.visible(added, read)
            ctx.covered.append({"message": i, "decision": found[key]})
            redacted = found.get(history.redacted_key(key))
            if redacted is not None:  # delivered as that decision redacted it
                m, rewritten = replace(m, text=redacted, raw=None), True
            messages.append(m)
            continue
        await flush()
        # A one-off request's message that leaves fingerprints: keep them for the requests
        # that will resend it (under the key they will look it up by).
        replayable = not ctx.linked and keys[i] is not None
        if replayable and not history.shareable(event, engine.bundle.config):
            mark = history.mark_key(version, history.visible(current, r), event)
            decision = await evaluator.evaluate(ctx, event, mark)
        else:
            decision = await evaluator.evaluate(ctx, event)
        if decision.action in STOPPING:
            return decision
        # Each check of small content runs on the loop: between two, other requests get their
        # turn, so a conversation checked whole (hundreds of messages) never holds the loop for
        # its whole length (timers, keep-alive clocks and small requests would all wait).
        await asyncio.sleep(0)
        # In a session, keyed by the labels the decision saw (the session's, plus what this
        # message adds): a later request finds it while the session holds the same (as the
        # policies tell them apart). One-off requests start with no labels: keyed by those the
        # session held before the message (what it adds follows from its text: same decision).
        before, current = current, history.visible(decision.labels, read)
        if store is not None and keys[i] is not None and history.reusable(decision):
            seen = history.visible(current if ctx.linked else before, r)
            mark = history.mark_key(version, seen, event)
            ctx.marks[mark] = str(decision.evidence_id)
            if decision.action is Action.REDACT and decision.redacted_text is not None:
                ctx.marks[history.redacted_key(mark)] = decision.redacted_text
            if not ctx.linked:
                added = history.added_labels(event, decision, engine.bundle.config)
                ctx.marks[history.labels_key(mark)] = history.encode_labels(added)
        if decision.action is Action.REDACT and decision.redacted_text is not None:
            m, rewritten = replace(m, text=decision.redacted_text, raw=None), True
        messages.append(m)
    await flush()
    ctx.marks_scope = scope
    return replace(req, messages=tuple(messages), rewritten=rewritten) if rewritten else req


def _add(
    engine: Engine, session: str, labels: frozenset[str], batches: list[history.Taint]
) -> None:
    engine.sessions.add(session, labels, batches[0] if batches else None)
    for taint in batches[1:]:
        engine.sessions.add(session, (), taint)
