"""The labels an event carries: where its content came from, how far it is trusted, and what the
tool arguments of a call are (internal or external addresses, values from untrusted content)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import re2

from vallum.bundle.schema import BundleConfig
from vallum.model import Event, Stage, Trust

UNTRUSTED = "untrusted"
RECORD = "record"
# an argument's text carries a link or address written in untrusted text
UNTRUSTED_LINK = "untrusted-link"
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@([A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})+)")
_URL = re.compile(r"https?://[^\s\"'<>]{1,2048}", re.IGNORECASE)
MAX_ARG_CHARS = 65_536
MAX_PIECES_PER_ARG = 256
# A link or address written inside a longer text: scheme, www., an @ or a path makes it one; a
# bare name.ext only when ext is not a common file extension (report.docx is a file name).
# RE2: linear time on whatever text a model puts in an argument.
_LINKISH = re2.compile(
    r"(?i)(?:[a-z0-9._%+\-]{1,64}@|https?://|www\.)?(?:[a-z0-9\-]{1,63}\.){1,8}[a-z]{2,24}"
    r"(?:/[^\s\"'<>]{0,512})?"
)
_FILE_EXTENSIONS = frozenset(
    "doc docx xls xlsx ppt pptx pdf txt csv md json yaml yml xml png jpg jpeg gif zip py".split()  # noqa: SIM905
)


def origin_labels(event: Event, config: BundleConfig) -> tuple[set[str], Trust]:
    """Origin and trust labels for content entering the session at this event.

    Retrieved documents take their source's trust and tool results their tool's; anything the
    bundle does not declare is untrusted.
    """
    if event.stage is Stage.INPUT:
        return {"user"}, Trust.TRUSTED
    if event.stage is Stage.OUTPUT:
        return {"model"}, Trust.TRUSTED
    if event.stage is Stage.RETRIEVAL:
        name = event.source or "unknown"
        source = config.sources.get(name)
        origin, trust = name, source.trust if source is not None else Trust.UNTRUSTED
        label = f"retrieval:{name}"
    elif event.stage is Stage.TOOL_RESULT:
        name = event.tool_call.name if event.tool_call else event.source or "unknown"
        tool = config.tools.get(name)
        origin, trust = f"tool:{name}", tool.results if tool is not None else Trust.UNTRUSTED
        label = origin
    else:
        return set(), Trust.TRUSTED
    if trust is Trust.UNTRUSTED:
        return {label, UNTRUSTED, f"{UNTRUSTED}:{origin}"}, trust
    return {label}, trust


def record_labels(origin: set[str]) -> set[str]:
    """The labels of an identifier field of untrusted content: `record` in place of `untrusted`."""
    return {
        RECORD + label[len(UNTRUSTED) :] if label.startswith(UNTRUSTED) else label
        for label in origin
    }


@dataclass(frozen=True, slots=True)
class Piece:
    """A value argument taint is matched on, and the argument it belongs to."""

    arg: str
    value: str
    link: bool = False


def arg_pieces(arguments: Mapping[str, Any]) -> dict[str, Piece]:
    """Each argument whole (keyed by its name; nested values as compact JSON, bounded in size);
    each item of a list argument on its own (a recipient list is as tainted as its worst
    address); each link or address written inside a longer text."""
    out: dict[str, Piece] = {}
    for name, value in arguments.items():
        name = str(name)
        out[name] = Piece(name, _text(value))
        if isinstance(value, list | tuple):
            for i, item in enumerate(value[:MAX_PIECES_PER_ARG]):
                out[f"{name}\x00{i}"] = Piece(name, _text(item))
        elif isinstance(value, str) and len(value.split(None, 1)) > 1:
            for i, match in enumerate(_LINKISH.finditer(value[:MAX_ARG_CHARS])):
                if i >= MAX_PIECES_PER_ARG:
                    break
                link = match.group(0)
                if _is_link(link):
                    out[f"{name}\x00link{i}"] = Piece(name, link, link=True)
    return out


def _is_link(text: str) -> bool:
    if "@" in text or "/" in text or text.lower().startswith("www."):
        return True
    return text.rsplit(".", 1)[-1].lower() not in _FILE_EXTENSIONS


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text[:MAX_ARG_CHARS]


def classify_args(args: Mapping[str, str], config: BundleConfig) -> dict[str, set[str]]:
    """Address labels per argument: `email.internal` / `email.external`, `url.allowed` /
    `url.external`, judged against the organisation's domains and the egress allowlist."""
    domains = config.organization.email_domains
    hosts = config.egress.allowed_hosts
    out: dict[str, set[str]] = {}
    for name, text in args.items():
        labels: set[str] = set()
        for match in _EMAIL.finditer(text):
            internal = host_matches(match.group(1).lower(), domains, subdomains=True)
            labels.add("email.internal" if internal else "email.external")
        for match in _URL.finditer(text):
            host = (urlsplit(match.group(0)).hostname or "").lower()
            labels.add("url.allowed" if host_matches(host, hosts) else "url.external")
        if labels:
            out[name] = labels
    return out


def host_matches(host: str, patterns: tuple[str, ...], *, subdomains: bool = False) -> bool:
    """Whether `host` is one of `patterns` (`*.example.com` covers subdomains)."""
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]):
                return True
        elif host == pattern or (subdomains and host.endswith("." + pattern)):
            return True
    return False
