"""`vallum.Guard`: the engine in process, for Python apps and agent frameworks. No server.

    guard = Guard("policies/", principal="agent:support-bot")
    with guard.session("conversation-42"):
        decision = guard.check_input(user_text)
        if not decision.allowed: ...

        @guard.tool
        def refund(order_id: str, amount: float) -> str: ...

        @guard.tool(wait_for_approval=300)      # block until a human decides, at most 5 min
        def send_email(to: str, subject: str, body: str) -> str: ...

Every method has an async twin (`acheck_input`, ...) that runs the check off the event loop;
library code never calls `asyncio.run`, so it is safe inside FastAPI, MCP servers and notebooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast, overload

from vallum.approvals.model import HeldAction
from vallum.approvals.service import ApprovalService
from vallum.bundle.loader import Bundle, load_bundle
from vallum.enforcement.output import STOPPING
from vallum.enforcement.tools import Verdict, verdict
from vallum.engine import Engine
from vallum.evidence.log import EvidenceLog
from vallum.exceptions import ApprovalPending, ToolBlocked
from vallum.model import Action, Decision, Event, Principal, Stage, ToolCall
from vallum.sessions.store import SessionStore
from vallum.storage.database import Database

P = ParamSpec("P")
R = TypeVar("R")
DEFAULT_SESSION = "default"


class Guard:
    """Checks content and tool calls against a policy bundle, recording evidence."""

    def __init__(
        self,
        bundle: str | Path | Bundle,
        *,
        principal: str | Principal = "app:default",
        database_url: str | None = None,
        record_evidence: bool = True,
        sessions: SessionStore | None = None,
    ):
        loaded = bundle if isinstance(bundle, Bundle) else load_bundle(bundle)
        evidence = EvidenceLog(Database(database_url)) if record_evidence else None
        self.engine = Engine(loaded, evidence=evidence, sessions=sessions)
        # Approvals live beside the evidence; without a database a held call can only be refused.
        self.approvals: ApprovalService | None = (
            ApprovalService.open(loaded, evidence.db) if evidence is not None else None
        )
        self.principal = (
            principal if isinstance(principal, Principal) else Principal.parse(principal)
        )
        self._session: contextvars.ContextVar[str] = contextvars.ContextVar(
            f"vallum_session_{id(self)}", default=DEFAULT_SESSION
        )

    @contextlib.contextmanager
    def session(self, session_id: str) -> Iterator[None]:
        """Run the enclosed checks (and guarded tools) in session `session_id`."""
        token = self._session.set(session_id)
        try:
            yield
        finally:
            self._session.reset(token)

    def _event(
        self, stage: Stage, session: str | None, principal: str | None, **fields: Any
    ) -> Event:
        who = Principal.parse(principal) if principal else self.principal
        return Event(stage=stage, principal=who, session=session or self._session.get(), **fields)

    def check(self, event: Event) -> Decision:
        return self.engine.evaluate(event)

    async def acheck(self, event: Event) -> Decision:
        return await asyncio.to_thread(self.engine.evaluate, event)

    # The five stages, sync then async.
    def check_input(
        self,
        text: str,
        *,
        session: str | None = None,
        principal: str | None = None,
        model: str | None = None,
        prompt: str | None = None,
    ) -> Decision:
        return self.check(
            self._event(Stage.INPUT, session, principal, text=text, model=model, prompt=prompt)
        )

    def check_retrieval(
        self, text: str, *, source: str, session: str | None = None, principal: str | None = None
    ) -> Decision:
        return self.check(
            self._event(Stage.RETRIEVAL, session, principal, text=text, source=source)
        )

    def check_tool_call(
        self,
        name: str,
        arguments: Mapping[str, Any],
        *,
        session: str | None = None,
        principal: str | None = None,
    ) -> Decision:
        call = ToolCall(name, dict(arguments))
        return self.check(self._event(Stage.TOOL_CALL, session, principal, tool_call=call))

    def check_tool_result(
        self, name: str, text: str, *, session: str | None = None, principal: str | None = None
    ) -> Decision:
        call = ToolCall(name, {})
        return self.check(
            self._event(Stage.TOOL_RESULT, session, principal, text=text, tool_call=call)
        )

    def check_output(
        self,
        text: str,
        *,
        session: str | None = None,
        principal: str | None = None,
        model: str | None = None,
        prompt: str | None = None,
    ) -> Decision:
        return self.check(
            self._event(Stage.OUTPUT, session, principal, text=text, model=model, prompt=prompt)
        )

    async def acheck_input(self, text: str, **kwargs: Any) -> Decision:
        return await asyncio.to_thread(functools.partial(self.check_input, text, **kwargs))

    async def acheck_retrieval(self, text: str, *, source: str, **kwargs: Any) -> Decision:
        return await asyncio.to_thread(
            functools.partial(self.check_retrieval, text, source=source, **kwargs)
        )

    async def acheck_tool_call(
        self, name: str, arguments: Mapping[str, Any], **kwargs: Any
    ) -> Decision:
        return await asyncio.to_thread(
            functools.partial(self.check_tool_call, name, arguments, **kwargs)
        )

    async def acheck_tool_result(self, name: str, text: str, **kwargs: Any) -> Decision:
        return await asyncio.to_thread(
            functools.partial(self.check_tool_result, name, text, **kwargs)
        )

    async def acheck_output(self, text: str, **kwargs: Any) -> Decision:
        return await asyncio.to_thread(functools.partial(self.check_output, text, **kwargs))

    @overload
    def tool(self, func: Callable[P, R], /) -> Callable[P, R]: ...
    @overload
    def tool(
        self,
        func: None = None,
        /,
        *,
        name: str | None = None,
        wait_for_approval: float | None = None,
    ) -> Callable[[Callable[P, R]], Callable[P, R]]: ...

    def tool(
        self,
        func: Callable[P, R] | None = None,
        /,
        *,
        name: str | None = None,
        wait_for_approval: float | None = None,
    ) -> Any:
        """Authorize every call of the decorated function before it runs.

        Policies see the call's arguments by name: `**kwargs` by the names they were given,
        `*args` by the tool's declared arguments (`tools.NAME.args` in the bundle, in order)
        still unbound; a call whose `*args` cannot be named so is refused (`ToolBlocked`), as
        nothing could check it. Values keep their type's meaning (`Decimal`, numpy scalars are
        numbers); a value of another type makes a policy that compares it fail closed.
        A blocked call raises `ToolBlocked`. A call that needs approval creates a pending
        approval bound to this exact call; then, by default, raises `ApprovalPending` carrying
        its id: once a human approves, calling again with the same arguments runs it, once.
        With `wait_for_approval=SECONDS` the call blocks until decided: it runs if approved,
        raises `ApprovalDenied` or `ApprovalExpired`, or `ApprovalPending` on timeout.
        A string result is checked as a `tool_result`: blocked results (or results that would need
        a human) raise `ToolBlocked`, redacted ones are returned redacted. A call whose decision is
        a redaction is refused: arguments cannot be delivered redacted (`enforcement.tools.verdict`,
        the rule every enforcement point applies). Works on sync and async functions.
        """

        def decorate(fn: Callable[P, R]) -> Callable[P, R]:
            tool_name = name or fn.__name__
            signature = inspect.signature(fn)

            def authorize(
                args: tuple[Any, ...], kwargs: dict[str, Any], session: str
            ) -> tuple[HeldAction, str] | None:
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                declared = self.engine.bundle.config.tools.get(tool_name)
                arguments = bind_arguments(
                    tool_name, bound, tuple(declared.args) if declared else ()
                )
                return self._authorize_call(tool_name, arguments, session, wait_for_approval)

            def screen(result: Any, session: str) -> Any:
                if not isinstance(result, str):
                    return result
                return self.screen_tool_result(tool_name, result, session=session)

            if inspect.iscoroutinefunction(fn):
                async_fn = cast(Callable[..., Awaitable[Any]], fn)

                @functools.wraps(fn)
                async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                    session = self._session.get()
                    held = await asyncio.to_thread(authorize, args, kwargs, session)
                    if held is not None and self.approvals is not None:
                        assert wait_for_approval is not None
                        await self.approvals.await_decision(held[1], wait_for_approval)
                        await asyncio.to_thread(self.approvals.release, held[1], held[0])
                    result = await async_fn(*args, **kwargs)
                    return await asyncio.to_thread(screen, result, session)

                return cast(Callable[P, R], async_wrapper)

            @functools.wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                session = self._session.get()
                held = authorize(args, kwargs, session)
                if held is not None and self.approvals is not None:
                    assert wait_for_approval is not None
                    self.approvals.wait(held[1], wait_for_approval)
                    self.approvals.release(held[1], held[0])
                return screen(fn(*args, **kwargs), session)

            return cast(Callable[P, R], wrapper)

        return decorate(func) if func is not None else decorate

    def authorize_tool(
        self, name: str, arguments: Mapping[str, Any], *, session: str | None = None
    ) -> None:
        """Return when the call may run now; raise `ToolBlocked` or `ApprovalPending` (with the
        approval's id) otherwise. An approval granted for exactly this call is used, once. For
        wrappers of other frameworks' tools (`vallum.integrations`), as `tool` does for
        functions."""
        self._authorize_call(name, arguments, session or self._session.get(), None)

    def screen_tool_result(self, name: str, result: str, *, session: str | None = None) -> str:
        """A tool's text result as it may be delivered (redacted if need be); `ToolBlocked`
        when it may not be delivered at all."""
        decision = self.check_tool_result(name, result, session=session)
        if decision.action in STOPPING:  # as every enforcement point: nothing delivered
            raise ToolBlocked(
                f"result of tool {name!r} blocked: {decision.explain()}"
                f" (evidence {decision.evidence_id})",
                decision,
            )
        if decision.action is Action.REDACT and decision.redacted_text is not None:
            return decision.redacted_text
        return result

    def _authorize_call(
        self, tool_name: str, arguments: Mapping[str, Any], session: str, wait: float | None
    ) -> tuple[HeldAction, str] | None:
        """None when the call may run now; (held action, approval id) when it must wait.

        An approval already given for this exact call is used here, once.
        """
        call = ToolCall(tool_name, dict(arguments))
        event = self._event(Stage.TOOL_CALL, session, None, tool_call=call)
        decision = self.check(event)
        what = verdict(decision)
        if what is Verdict.REFUSE:
            raise ToolBlocked(
                f"call to tool {tool_name!r} blocked: {decision.explain()}"
                f" (evidence {decision.evidence_id})",
                decision,
            )
        if what is Verdict.RUN:
            return None
        message = f"call to tool {tool_name!r} needs approval: {decision.explain()}"
        if self.approvals is None:
            raise ApprovalPending(decision.id, message)
        held = self.approvals.held_action(event, decision)
        if self.approvals.release(None, held) is not None:
            return None
        approval = self.approvals.hold(held)
        if wait is None:
            raise ApprovalPending(approval.id, f"{message} (approval {approval.id})")
        return held, approval.id


def bind_arguments(
    tool: str, bound: inspect.BoundArguments, declared: tuple[str, ...]
) -> dict[str, Any]:
    """The arguments of a call by the names policies read (`context.args.NAME`).

    A named parameter is itself; `**kwargs` are their names (as if declared); `*args` take the
    tool's declared argument names not yet bound, in order. `*args` beyond those names, or for
    a tool that declares none, raise `ToolBlocked`: a value without a name escapes every policy.
    """
    out: dict[str, Any] = {}
    extra: tuple[Any, ...] = ()
    for name, value in bound.arguments.items():
        kind = bound.signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            out.update(value)  # `bind` already refused a name given twice
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            extra = tuple(value)
        else:
            out[name] = value
    if extra:
        free = [name for name in declared if name not in out]
        if len(extra) > len(free):
            known = ", ".join(declared) or "none declared in the bundle"
            raise ToolBlocked(
                f"call to tool {tool!r} refused: {len(extra)} positional argument(s) through "
                f"*args cannot be bound to the tool's declared arguments ({known})",
                None,
            )
        out.update(zip(free, extra, strict=False))
    return out
