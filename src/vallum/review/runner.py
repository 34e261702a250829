"""Run a review: collect files, parse, analyse, add back ends, normalise and filter findings."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from vallum.review.checks import credentials, crypto, web
from vallum.review.checks.base import Facts
from vallum.review.files import MAX_BYTES, SourceFile, collect, kind_of
from vallum.review.findings import (
    DEFAULT_MIN_CONFIDENCE,
    SCHEMA_VERSION,
    Finding,
    Problem,
    dedupe,
)
from vallum.review.infra import dockerfile, kubernetes, terraform
from vallum.review.js import checks as js_checks
from vallum.review.js import threatmodel as js_threatmodel
from vallum.review.js.parse import JsModule, parse_js
from vallum.review.js.project import JsProject
from vallum.review.parse import Module, module_name, parse_module
from vallum.review.taint.project import Project
from vallum.review.threatmodel.checks import check_requirements
from vallum.review.threatmodel.schema import ThreatModel

PATTERN_CHECKS: dict[str, Callable[[Facts], list[Finding]]] = {
    "crypto": crypto.check,
    "web": web.check,
    "credentials": credentials.check,
}
INFRA_CHECKS: dict[str, Callable[[str, str], list[Finding]]] = {
    "dockerfile": dockerfile.check,
    "terraform": terraform.check,
    "yaml": kubernetes.check,
}
BackEnd = Callable[[Path, list[SourceFile]], "tuple[list[Finding], list[Problem]]"]


@dataclass(frozen=True, slots=True)
class ReviewOptions:
    """What to run besides Vallum's own analysis."""

    threat_model: ThreatModel | None = None
    backends: tuple[BackEnd, ...] = ()
    # Globs naming functions whose parameters are untrusted (added to the threat model's).
    entry_points: tuple[str, ...] = ()
    min_confidence: float = DEFAULT_MIN_CONFIDENCE


@dataclass(slots=True)
class Report:
    """The outcome of one review: findings, files that could not be analysed, file count."""

    root: str
    findings: list[Finding]
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    schema_version: int = SCHEMA_VERSION


def review_path(root: Path, options: ReviewOptions | None = None) -> Report:
    """Review a file or a directory tree."""
    options = options or ReviewOptions()
    files = collect(root)
    base = root if root.is_dir() else root.parent
    sources: dict[str, tuple[SourceFile, bytes]] = {}
    problems: list[Problem] = []
    for f in files:
        try:
            data = f.path.read_bytes()
        except OSError as exc:
            problems.append(Problem(f.relpath, f"cannot read: {exc.strerror or exc}"))
            continue
        if len(data) > MAX_BYTES:
            problems.append(Problem(f.relpath, f"larger than {MAX_BYTES} bytes; not analysed"))
            continue
        if f.kind == "javascript" and _minified(data):
            problems.append(Problem(f.relpath, "minified or bundled build output; not analysed"))
            continue
        sources[f.relpath] = (f, data)
    report = review_sources({rel: data for rel, (_f, data) in sources.items()}, options)
    report.root = str(root)
    report.problems[:0] = problems
    for backend in options.backends:
        found, trouble = backend(base, [f for f, _ in sources.values()])
        report.findings.extend(found)
        report.problems.extend(trouble)
    kept = dedupe(map(_fixture, report.findings))
    report.findings = [f for f in kept if f.confidence >= options.min_confidence]
    return report


def review_sources(sources: dict[str, bytes], options: ReviewOptions | None = None) -> Report:
    """Review in-memory files keyed by relative path (`-` on stdin arrives here as one file)."""
    options = options or ReviewOptions()
    modules: list[Module] = []
    scripts: list[JsModule] = []
    findings: list[Finding] = []
    problems: list[Problem] = []
    jwt_defaults = js_checks.jwt_safe_defaults(sources)
    for rel, data in sorted(sources.items()):
        kind = kind_of(rel)
        if kind == "python":
            module = parse_module(data, rel, module_name(rel))
            problems.extend(module.problems)
            modules.append(module)
        elif kind == "javascript":
            script = parse_js(data, rel)
            problems.extend(script.problems)
            scripts.append(script)
            findings.extend(js_checks.check(script, jwt_defaults))
            script.release()  # the per-file scans are done: hold one file's node list at a time
        elif kind in INFRA_CHECKS:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(Problem(rel, "not UTF-8 text; not analysed"))
                continue
            findings.extend(INFRA_CHECKS[kind](rel, text))
    findings.extend(JsProject(scripts, js_checks.mongo_possible(sources)).analyse())
    model = options.threat_model
    entry_points = (*options.entry_points, *(model.entry_points if model is not None else ()))
    templates = {
        rel: data.decode("utf-8", "replace")
        for rel, data in sources.items()
        if rel.endswith(TEMPLATE_SUFFIXES)
    }
    for module in modules:
        module.templates = templates
    project = Project(modules, entry_points)
    findings.extend(project.analyse())
    all_facts = [Facts.gather(m, project.by_module[m.path]) for m in modules]
    for facts in all_facts:
        for check in PATTERN_CHECKS.values():
            findings.extend(check(facts))
    if options.threat_model is not None:
        findings.extend(check_requirements(options.threat_model, all_facts))
        findings.extend(js_threatmodel.check(options.threat_model, scripts))
    findings = [_fixture(f) for f in findings]
    kept = [f for f in findings if f.confidence >= options.min_confidence]
    return Report("", dedupe(kept), problems, files=len(sources))


TEMPLATE_SUFFIXES = (".html", ".jinja", ".jinja2", ".j2")
TEST_PATH = re.compile(
    r"(^|/)(tests?|__tests__|spec|fixtures?)/|(^|/)(test_[^/]*|[^/]*_tests?|tests?|conftest)\.py$"
    r"|\.(test|spec)\.[jt]sx?$"
)


def _minified(data: bytes) -> bool:
    """Build output (a bundle, a minified file): its code is reviewed in its sources."""
    lines = data.splitlines()
    return bool(lines) and (len(data) / len(lines) > 300 or max(map(len, lines)) > 5000)


def _fixture(finding: Finding) -> Finding:
    """Test code is not shipped: a credential there is usually a fixture, a flow a test
    server's echo. Kept, at a lower confidence."""
    if TEST_PATH.search(finding.path):
        return replace(finding, confidence=min(finding.confidence, 0.5))
    return finding
