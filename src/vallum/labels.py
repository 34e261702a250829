"""The labels an event carries: where its content came from, how far it is trusted, and what the
tool arguments of a call are (internal or external addresses, values from untrusted content)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import getaddresses
from typing import Any
from urllib.parse import urlsplit

import re2

from vallum.bundle.schema import BundleConfig, Tool
from vallum.model import Event, Stage, Trust
from vallum.sessions.canonical_forms import is_plain, url_parts
from vallum.sessions.fingerprint import squash_value, tokens

UNTRUSTED = "untrusted"
RECORD = "record"
# Positive provenance of a destination argument (docs/policies.md, "Positive provenance")
USER = "user"
TRUSTED = "trusted"
ALLOWLISTED = "allowlisted"  # `allowlisted:NAME`; `allowlisted:organization` for its domains
PROVEN = "proven"  # every item traces to the user, a trusted source or an allowlist
UNPROVEN = "unproven"  # some item does not: never allowed by default
UNTRUSTED_AUTHOR = "record:untrusted-author"
# private data (a `private` tool's results) read after untrusted content entered the session
EXPOSED = "exposed"
# a link with data appended (query, fragment) that the session read: an outbound flow
APPENDED_DATA = "appended-data"
BASE, DATA = "base", "data"  # Piece.part of a link's identity and of its appended data
# an argument's text carries a link or address written in untrusted text
UNTRUSTED_LINK = "untrusted-link"
# a side effect's text carries a link or address that traces to no one (user, trusted, allowlist)
UNPROVEN_LINK = "unproven-link"
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
    bundle does not declare is untrusted. Content an MCP server returns (`source` names the
    server, `mcp.servers` in the bundle) takes the server's trust too: a tool result is trusted
    only when both its tool and its server are.
    """
    if event.stage is Stage.INPUT:
        return {"user"}, Trust.TRUSTED
    if event.stage is Stage.OUTPUT:
        return {"model"}, Trust.TRUSTED
    if event.stage is Stage.RETRIEVAL:
        name = event.source or "unknown"
        source = config.sources.get(name)
        server = config.mcp.servers.get(name)
        declared = source.trust if source is not None else server.trust if server else None
        origin, trust = name, declared or Trust.UNTRUSTED
        label = f"retrieval:{name}"
    elif event.stage is Stage.TOOL_RESULT:
        name = event.tool_call.name if event.tool_call else event.source or "unknown"
        tool = config.tools.get(name)
        origin, trust = f"tool:{name}", tool.results if tool is not None else Trust.UNTRUSTED
        server = config.mcp.server(event.source) if event.source is not None else None
        if event.tool_call is not None and server is not None:
            trust = Trust.UNTRUSTED if server.trust is Trust.UNTRUSTED else trust
        label = origin
    else:
        return set(), Trust.TRUSTED
    if trust is Trust.UNTRUSTED:
        return {label, UNTRUSTED, f"{UNTRUSTED}:{origin}"}, trust
    return {label}, trust


def record_labels(origin: set[str]) -> set[str]:
    """The labels of an identifier field of untrusted content: `record` in place of `untrusted`,
    and `record:untrusted-author` (whoever wrote the record chose the value)."""
    return {
        RECORD + label[len(UNTRUSTED) :] if label.startswith(UNTRUSTED) else label
        for label in origin
    } | {UNTRUSTED_AUTHOR}


def destination_labels(
    tool: Tool | None,
    pieces: Mapping[str, Piece],
    found: Mapping[str, frozenset[str]],
    config: BundleConfig,
) -> dict[str, set[str]]:
    """Positive provenance of each destination argument of `tool` present in the call.

    An argument gets `proven` when every item of it (each address of a list, or the value whole)
    traces to the user's words (`user`), a trusted source (`trusted`) or an allowlist
    (`allowlisted:NAME`), and with it each of those labels all items share; otherwise
    `unproven`. An empty argument (no cc) sends nothing anywhere: it is `proven`. A link is
    judged by its identity (host and path); data appended to it (a query value, a fragment) that
    the session read from anyone but the user adds `appended-data`: it leaves with the request.
    """
    if tool is None or not tool.destinations:
        return {}
    out: dict[str, set[str]] = {}
    for arg in tool.destinations:
        if arg not in pieces:
            continue
        mine = {k: p for k, p in pieces.items() if p.arg == arg and not p.link and k != arg}
        items = [k for k, p in mine.items() if not p.part]
        base = [k for k, p in mine.items() if p.part == BASE]
        keys = items or base or ([] if pieces[arg].value in ("[]", "") else [arg])
        shared: set[str] | None = None
        for key in keys:
            # a link's allowlists judge it whole (its host), its provenance by its identity
            value = pieces[arg].value if key in base else pieces[key].value
            positive = _positive(value, found.get(key, frozenset()), config)
            shared = positive if shared is None else shared & positive
            if not positive:
                break
        if shared is None or shared:
            out[arg] = {PROVEN, *(shared or ())}
        else:
            out[arg] = {UNPROVEN}
        out[arg].update(_reader_labels(keys, pieces, arg, found, config))
        if any(found.get(k, frozenset()) - {USER} for k, p in mine.items() if p.part == DATA):
            out[arg].add(APPENDED_DATA)
    return out


def _reader_labels(
    keys: list[str],
    pieces: Mapping[str, Piece],
    arg: str,
    found: Mapping[str, frozenset[str]],
    config: BundleConfig,
) -> set[str]:
    """`reader:CLASS` for each data class every item of the destination may read
    (`readers` in vallum.yaml). An empty destination reads nothing."""
    if not config.readers or not keys:
        return set()
    proofs = []
    for key in keys:
        value = pieces[arg].value if pieces[key].part == BASE else pieces[key].value
        proof = _positive(value, found.get(key, frozenset()), config)
        proofs.append({p.removeprefix(f"{ALLOWLISTED}:") for p in proof})
    return {
        f"reader:{data_class}"
        for data_class, names in config.readers.items()
        if all(proof & set(names) for proof in proofs)
    }


def _positive(value: str, found: frozenset[str], config: BundleConfig) -> set[str]:
    """The positive provenance of one value: `user`, `trusted`, `allowlisted:NAME`."""
    out = {label for label in found if label in (USER, TRUSTED)}
    out.update(f"{ALLOWLISTED}:{name}" for name in allowlisted(value, config))
    return out


positive = _positive


def allowlisted(value: str, config: BundleConfig) -> list[str]:
    """The bundle's allowlists `value` is on, in canonical form (`organization`: an address on
    one of its e-mail domains; `egress`: a link to one of its allowed hosts)."""
    addresses = _addresses(value)
    if addresses is not None and len(addresses) == 1:
        value = addresses[0]  # `Ann Lee <ann@x.example>` is judged by its address
    form = _canonical(value)
    if not form or not is_plain(value):
        return []
    names = [
        name
        for name, entries in config.allowlists.items()
        if any(_on_list(value, form, entry) for entry in entries)
    ]
    email = _EMAIL.fullmatch(value.strip())
    if email and host_matches(
        email.group(1).lower(), config.organization.email_domains, subdomains=True
    ):
        names.append("organization")
    url = _URL.fullmatch(value.strip())
    if url and host_matches(
        (urlsplit(value.strip()).hostname or "").lower(), config.egress.allowed_hosts
    ):
        names.append("egress")
    return names


def _canonical(value: str) -> str:
    return squash_value(value) or " ".join(tokens(value))


def _on_list(value: str, form: str, entry: str) -> bool:
    if entry.startswith("*@"):
        email = _EMAIL.fullmatch(value.strip())
        return email is not None and host_matches(
            email.group(1).lower(), (entry[2:],), subdomains=True
        )
    return form == _canonical(entry)


@dataclass(frozen=True, slots=True)
class Piece:
    """A value argument taint is matched on, and the argument it belongs to."""

    arg: str
    value: str
    link: bool = False
    part: str = ""  # BASE / DATA: a link's identity or data appended to it


def arg_pieces(arguments: Mapping[str, Any]) -> dict[str, Piece]:
    """Each argument whole (keyed by its name; nested values as compact JSON, bounded in size);
    each item of a list argument on its own (a recipient list is as tainted as its worst
    address); each link or address written inside a longer text; a link's identity and each
    value appended to it."""
    out: dict[str, Piece] = {}
    for name, value in arguments.items():
        name = str(name)
        out[name] = Piece(name, _text(value))
        parts = url_parts(value) if isinstance(value, str) and len(value) < MAX_ARG_CHARS else None
        if parts is not None:
            out[f"{name}\x00base"] = Piece(name, parts[0], part=BASE)
            for i, data in enumerate(parts[1][:MAX_PIECES_PER_ARG]):
                out[f"{name}\x00data{i}"] = Piece(name, data, part=DATA)
        addresses = _addresses(value) if isinstance(value, str) else None
        if isinstance(value, list | tuple):
            for i, item in enumerate(value[:MAX_PIECES_PER_ARG]):
                out[f"{name}\x00{i}"] = Piece(name, _text(item))
        elif addresses is not None:
            for i, address in enumerate(addresses[:MAX_PIECES_PER_ARG]):
                out[f"{name}\x00{i}"] = Piece(name, address)
        elif isinstance(value, str) and len(value.split(None, 1)) > 1:
            for i, match in enumerate(_LINKISH.finditer(value[:MAX_ARG_CHARS])):
                if i >= MAX_PIECES_PER_ARG:
                    break
                link = match.group(0)
                if _is_link(link):
                    out[f"{name}\x00link{i}"] = Piece(name, link, link=True)
    return out


def _addresses(value: str) -> list[str] | None:
    """The addresses of a recipient written as a header would (`Ann Lee <ann@x.example>`,
    `ann@x.example, bob@y.example`), each judged on its own; None for anything else."""
    if "@" not in value or not any(c in value for c in "<,;") or len(value) > MAX_ARG_CHARS:
        return None
    found = [addr for _, addr in getaddresses([value.replace(";", ",")])]
    if not found or not all(_EMAIL.fullmatch(a) for a in found):
        return None
    return found


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
