"""The labelled corpus: every file's `# expect:` CWEs are exactly what the review reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from vallum.review import ReviewOptions, load_threat_model, review_path

CORPUS = Path(__file__).parent / "corpus"
CANONICAL = {328: 327, 916: 327, 338: 330}
MODEL = CORPUS / "threatmodel" / "threatmodel.yaml"
UNITS = [*sorted((CORPUS / "python").iterdir()), *sorted((CORPUS / "threatmodel").glob("*.py"))]


def expected(path: Path) -> set[int]:
    return {int(t) for t in path.read_text().splitlines()[0].split(":", 1)[1].split()}


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_corpus_case(unit: Path) -> None:
    """Insecure cases report their CWEs and secure counterparts report nothing in scope."""
    model = load_threat_model(MODEL) if unit.parent.name == "threatmodel" else None
    report = review_path(unit, ReviewOptions(threat_model=model))
    base = unit.parent if unit.is_file() else unit
    files = [unit] if unit.is_file() else sorted(unit.rglob("*.py"))
    for f in files:
        rel = f.relative_to(base).as_posix()
        found = {CANONICAL.get(x.cwe, x.cwe) for x in report.findings if x.path == rel and x.cwe}
        assert expected(f) == found, rel
