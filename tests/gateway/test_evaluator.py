"""The engine as a request sees it: large checks off the event loop, a CPU budget per request."""

from __future__ import annotations

import asyncio
import threading

from vallum.bundle.loader import Bundle
from vallum.engine import Engine
from vallum.gateway.context import RequestContext
from vallum.gateway.evaluator import OFFLOAD_CHARS, Evaluator
from vallum.model import Action, Decision, Event, Principal, ReasonKind, Stage

AGENT = Principal("agent", "t")
BIG = "order 1234 shipped to ann@example.com. " * (1_000_000 // 40)


class _GatedEngine(Engine):
    """Holds every large check until `release` is set (or 30 s pass), to pin down ordering."""

    def __init__(self, bundle: Bundle) -> None:
        super().__init__(bundle)
        self.release = threading.Event()

    def evaluate(self, event: Event, **kwargs: object) -> Decision:  # type: ignore[override]
        if len(event.text) >= OFFLOAD_CHARS:
            self.release.wait(timeout=30)
        return super().evaluate(event, **kwargs)  # type: ignore[arg-type]


def test_a_small_request_is_answered_while_a_megabyte_is_checked(example_bundle: Bundle) -> None:
    """A 1 MB check runs off the event loop: a small request is decided while it is running."""
    engine = _GatedEngine(example_bundle)
    evaluator = Evaluator(engine, offload=False)

    async def scenario() -> list[str]:
        order: list[str] = []

        async def check(name: str, text: str) -> None:
            ctx = RequestContext(route="/t")
            await evaluator.evaluate(ctx, Event(Stage.INPUT, AGENT, name, text=text))
            order.append(name)

        big = asyncio.create_task(check("big", BIG))
        await asyncio.sleep(0)  # the big check has started and is held in the pool
        await check("small", "where is my order?")
        engine.release.set()  # only now may the big check finish
        await big
        return order

    try:
        assert ["small", "big"] == asyncio.run(scenario())
    finally:
        engine.release.set()
        evaluator.close()


def test_a_megabyte_is_checked_in_full(example_bundle: Bundle) -> None:
    """Off the loop, a large check is the same decision: every detector ran, PII found."""
    evaluator = Evaluator(Engine(example_bundle), offload=False)
    ctx = RequestContext(route="/t")
    try:
        decision = asyncio.run(evaluator.evaluate(ctx, Event(Stage.INPUT, AGENT, "s", text=BIG)))
    finally:
        evaluator.close()
    assert {"injection", "secrets", "pii", "invisible_text"} <= set(decision.latency_ms)
    assert "pii.email" in {f.type for f in decision.findings}
    assert ctx.cpu_ms > 0


def test_an_exhausted_budget_fails_closed(example_bundle: Bundle) -> None:
    """Once a request's CPU budget is spent, no detector runs and the decision blocks,
    with a reason of kind budget that names the checks not run."""
    evaluator = Evaluator(Engine(example_bundle), offload=False, cpu_budget_ms=50.0)
    ctx = RequestContext(route="/t")
    ctx.cpu_ms = 50.0  # spent by earlier messages of the request
    try:
        decision = evaluator.evaluate_now(ctx, Event(Stage.INPUT, AGENT, "s", text="hello"))
    finally:
        evaluator.close()
    budget = [r for r in decision.reasons if r.kind is ReasonKind.BUDGET]
    assert Action.BLOCK == decision.action
    assert 1 == len(budget)
    assert "not run: injection" in budget[0].message
    assert {"authz", "total"} == set(decision.latency_ms)  # no detector ran


def test_no_budget_runs_every_check(example_bundle: Bundle) -> None:
    """Without a budget the engine runs every detector of the stage, whatever was spent."""
    decision = Engine(example_bundle).evaluate(
        Event(Stage.INPUT, AGENT, "s", text="hello"), sink=None, cpu_budget_ms=None
    )
    assert Action.ALLOW == decision.action
    assert {"injection", "secrets", "pii", "invisible_text"} <= set(decision.latency_ms)
