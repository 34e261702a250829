"""The labelled corpus: every file's `expect:` CWEs are exactly what the review reports.

Every finding counts here, those below the default confidence too (a CLI tool's own argv
reaching SQL is found, at 0.5; `test_checks` pins what the default hides).

The first line of each case names the CWEs it must produce (`# expect: 89` in Python,
`// expect: 89` in JavaScript and TypeScript; empty for the safe twin). A case is a file or a
directory (a small project); in a directory every source file carries its own label.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vallum.review import ReviewOptions, load_threat_model, review_path

CORPUS = Path(__file__).parent / "corpus"
CANONICAL = {328: 327, 916: 327, 338: 330}
MODEL = CORPUS / "threatmodel" / "threatmodel.yaml"
SOURCE_SUFFIXES = (".py", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx")
UNITS = [
    *sorted((CORPUS / "python").iterdir()),
    *sorted((CORPUS / "js").iterdir()),
    *sorted(p for p in (CORPUS / "threatmodel").iterdir() if p.suffix != ".yaml"),
]
# Cases the rules do not meet yet. Strict: a case that starts passing fails until removed here.
KNOWN_MISSES: frozenset[str] = frozenset()


def expected(path: Path) -> set[int]:
    return {int(t) for t in path.read_text().splitlines()[0].split(":", 1)[1].split()}


def sources(unit: Path) -> list[Path]:
    if unit.is_file():
        return [unit]
    return sorted(p for p in unit.rglob("*") if p.suffix in SOURCE_SUFFIXES)


def case_result(unit: Path) -> list[tuple[str, set[int], set[int]]]:
    """(relative path, expected CWEs, found CWEs) for every source file of one case."""
    model = load_threat_model(MODEL) if unit.parent.name == "threatmodel" else None
    report = review_path(unit, ReviewOptions(threat_model=model, min_confidence=0.0))
    base = unit.parent if unit.is_file() else unit
    out = []
    for f in sources(unit):
        rel = f.relative_to(base).as_posix()
        found = {CANONICAL.get(x.cwe, x.cwe) for x in report.findings if x.path == rel and x.cwe}
        out.append((rel, expected(f), found))
    return out


@pytest.mark.parametrize(
    "unit",
    [
        pytest.param(u, marks=pytest.mark.xfail(strict=True, reason="known miss"))
        if u.name in KNOWN_MISSES
        else u
        for u in UNITS
    ],
    ids=lambda p: p.name,
)
def test_corpus_case(unit: Path) -> None:
    """Insecure cases report their CWEs and secure counterparts report nothing in scope."""
    for rel, want, found in case_result(unit):
        assert want == found, rel
