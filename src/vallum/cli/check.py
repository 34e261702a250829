"""`vallum check`: one decision from the shell, in the exact interface other tools script."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from vallum.cli.common import DbOption, JsonFlag, fail, print_json, report_error
from vallum.exceptions import VallumError
from vallum.model import Decision, Event, Principal, Stage, ToolCall


def check(
    directory: Annotated[Path, typer.Argument(help="The bundle directory.")],
    stage: Annotated[Stage, typer.Option("--stage", help="Where the content is checked.")],
    principal: Annotated[str, typer.Option("--principal", help="Who acts, as KIND:ID.")],
    session: Annotated[str, typer.Option("--session", help="Session id; labels persist.")] = "cli",
    source: Annotated[str | None, typer.Option("--source", help="Retrieval source name.")] = None,
    text: Annotated[str | None, typer.Option("--text", help="The content to check.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Read the content from a file.")
    ] = None,
    tool: Annotated[
        str | None, typer.Option("--tool", help="Tool name (tool_call/tool_result).")
    ] = None,
    args: Annotated[
        str | None, typer.Option("--args", help="Tool arguments as a JSON object.")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Model id, for the inventory.")
    ] = None,
    as_json: JsonFlag = False,
    db: DbOption = None,
) -> None:
    """Decide on one piece of content or one tool call, and record the evidence."""
    from vallum.bundle.loader import load_bundle
    from vallum.engine import Engine
    from vallum.evidence.log import EvidenceLog
    from vallum.sessions.sql import SqlSessionStore
    from vallum.storage.database import Database

    try:
        event = _event(stage, principal, session, source, text, file, tool, args, model)
        bundle = load_bundle(directory)
        database = Database(db)
        engine = Engine(bundle, evidence=EvidenceLog(database), sessions=SqlSessionStore(database))
        decision = engine.evaluate(event)
    except VallumError as exc:
        report_error(exc)
    if as_json:
        print_json(decision.to_dict())
    else:
        _show(decision)


def _event(
    stage: Stage,
    principal: str,
    session: str,
    source: str | None,
    text: str | None,
    file: Path | None,
    tool: str | None,
    args: str | None,
    model: str | None,
) -> Event:
    who = Principal.parse(principal)
    if stage is Stage.TOOL_CALL:
        if tool is None or args is None or text is not None or file is not None:
            fail("--stage tool_call takes --tool NAME --args JSON (and no --text/--file)", 2)
        try:
            arguments = json.loads(args)
        except json.JSONDecodeError as exc:
            fail(f"--args is not valid JSON: {exc.msg} at character {exc.pos}", 2)
        if not isinstance(arguments, dict):
            fail("--args must be a JSON object", 2)
        return Event(stage, who, session, tool_call=ToolCall(tool, arguments), model=model)
    if (text is None) == (file is None):
        fail("give exactly one of --text or --file", 2)
    content = text if text is not None else _read(file)
    call = ToolCall(tool, {}) if tool else None
    if stage is Stage.TOOL_RESULT and call is None:
        fail("--stage tool_result needs --tool NAME", 2)
    if stage is Stage.RETRIEVAL and source is None:
        fail("--stage retrieval needs --source NAME", 2)
    return Event(stage, who, session, text=content, source=source, tool_call=call, model=model)


def _read(file: Path | None) -> str:
    assert file is not None
    try:
        raw = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(f"{file} is not valid UTF-8 text (invalid byte at offset {exc.start})")


def _show(decision: Decision) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    colour = {"allow": "green", "redact": "yellow", "require_approval": "magenta", "block": "red"}
    console.print(
        f"[bold {colour[decision.action.value]}]{decision.action.value}[/]  evidence {decision.evidence_id}"
    )
    for reason in decision.reasons:
        mode = " (monitor)" if not reason.enforced else ""
        policy = f" [{reason.policy_id}]" if reason.policy_id else ""
        console.print(
            f"  {reason.action.value}{mode} by {reason.control}{policy}: {reason.message}",
            soft_wrap=True,
        )
    for finding in decision.findings:
        console.print(f"  finding {finding.type} score {finding.score:.2f} ({finding.detector})")
    if decision.redacted_text is not None:
        console.print(f"  redacted: {decision.redacted_text}", soft_wrap=True)
    console.print(
        f"  labels: {', '.join(decision.labels) or '-'}  bundle {decision.bundle_version}"
    )


def register(app: typer.Typer) -> None:
    app.command()(check)
