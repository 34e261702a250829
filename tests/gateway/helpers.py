"""Helpers for gateway tests: the served gateway, request bodies, reading SSE streams."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from vallum.gateway import Gateway

AGENT = "agent:support-bot"
USER = "user:ann"


@dataclass
class Served:
    """A gateway in process with a client and keys for an agent and a user."""

    gw: Gateway
    client: httpx.AsyncClient
    agent_key: str
    user_key: str

    def headers(self, key: str | None = None, **extra: str) -> dict[str, str]:
        return {"authorization": f"Bearer {key or self.agent_key}", **extra}

    def records(self) -> list[dict[str, Any]]:
        return [r.record for r in self.gw.evidence.iter_records()]

    def requests(self) -> list[dict[str, Any]]:
        return [r for r in self.records() if r["kind"] == "gateway_request"]


def tune_bundle(path: Path, **gateway: Any) -> Path:
    """Set keys of the bundle's `gateway:` section (deep-merged one level)."""
    config_file = path / "vallum.yaml"
    config = yaml.safe_load(config_file.read_text())
    section = config.setdefault("gateway", {})
    for key, value in gateway.items():
        if isinstance(value, dict) and isinstance(section.get(key), dict):
            section[key] = {**section[key], **value}
        else:
            section[key] = value
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def chat(
    content: str, *, stream: bool = False, model: str = "gpt-4o-mini", **extra: Any
) -> dict[str, Any]:
    return {
        "model": model,
        "messages": [{"role": "user", "content": content}],
        "stream": stream,
        **extra,
    }


def anthropic(
    content: str, *, stream: bool = False, model: str = "gpt-4o-mini", **extra: Any
) -> dict[str, Any]:
    return {"model": model, "max_tokens": 256, "messages": [{"role": "user", "content": content}], "stream": stream,
            **extra}  # fmt: skip


def sse_events(text: str) -> list[tuple[str | None, Any]]:
    """(event name, parsed data) for every event of an SSE body; `[DONE]` stays a string."""
    out: list[tuple[str | None, Any]] = []
    for block in text.strip().split("\n\n"):
        event, data = None, []
        for line in block.split("\n"):  # SSE lines end at LF (not at U+2028 as splitlines)
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        if data:
            joined = "\n".join(data)
            out.append((event, joined if joined == "[DONE]" else json.loads(joined)))
    return out


def streamed_text(route: str, body: str) -> str:
    """The assistant text a client assembles from a stream on either route."""
    pieces = []
    for _, data in sse_events(body):
        if not isinstance(data, dict):
            continue
        if route == "openai":
            for choice in data.get("choices", []):
                pieces.append(choice.get("delta", {}).get("content") or "")
        elif (
            data.get("type") == "content_block_delta" and data["delta"].get("type") == "text_delta"
        ):
            pieces.append(data["delta"]["text"])
    return "".join(pieces)


def stream_finish(route: str, body: str) -> str | None:
    """The finish reason (OpenAI) or stop reason (Anthropic) of a stream."""
    for _, data in sse_events(body):
        if not isinstance(data, dict):
            continue
        if route == "openai":
            for choice in data.get("choices", []):
                if choice.get("finish_reason"):
                    return str(choice["finish_reason"])
        elif data.get("type") == "message_delta":
            return str(data["delta"]["stop_reason"])
    return None


def monitor_injection(path: Path) -> Path:
    """Put the injection controls in monitor mode, for tests about something else."""
    config_file = path / "vallum.yaml"
    config = yaml.safe_load(config_file.read_text())
    for control in config["controls"]:
        if control["detector"] == "injection":
            control["mode"] = "monitor"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
