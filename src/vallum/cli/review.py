"""`vallum review PATH`: security review of code against the threat model."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vallum.exceptions import VallumError

if TYPE_CHECKING:
    from vallum.review.findings import Finding
    from vallum.review.threatmodel.schema import ThreatModel


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


def review(
    path: Annotated[str, typer.Argument(help="File or directory to review, or - for stdin.")],
    diff: Annotated[
        str | None, typer.Option("--diff", help="Only findings on lines changed since REV.")
    ] = None,
    threat_model: Annotated[
        Path | None,
        typer.Option(
            "--threat-model",
            help="A bundle's threats.yaml (or its directory), or a threatmodel.yaml: requirements.",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Report format.")
    ] = OutputFormat.text,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", help="Exit 1 if a finding is at least this severe."),
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="Ignore findings listed in this file.")
    ] = None,
    write_baseline: Annotated[
        Path | None, typer.Option("--write-baseline", help="Accept all current findings.")
    ] = None,
    backend: Annotated[
        list[str] | None,
        typer.Option("--backend", help="Extra back end: bandit, semgrep, checkov (repeatable)."),
    ] = None,
    no_default_backends: Annotated[
        bool, typer.Option("--no-default-backends", help="Skip detect-secrets and zizmor.")
    ] = False,
    stdin_name: Annotated[
        str, typer.Option("--stdin-name", help="File name for code read from stdin.")
    ] = "stdin.py",
    llm: Annotated[bool, typer.Option("--llm", help="Add the LLM reviewer pass.")] = False,
    llm_base_url: Annotated[str | None, typer.Option("--llm-base-url")] = None,
    llm_model: Annotated[str | None, typer.Option("--llm-model")] = None,
    llm_key_env: Annotated[
        str | None, typer.Option("--llm-key-env", help="Env var holding the API key.")
    ] = None,
    llm_optional: Annotated[
        bool,
        typer.Option("--llm-optional", help="If the LLM pass fails, warn and keep the rest."),
    ] = False,
    entry_point: Annotated[
        list[str] | None,
        typer.Option(
            "--entry-point",
            help="Function (glob on name or module.qualname) whose parameters are untrusted; "
            "repeatable. Code on stdin treats every uncalled function as one.",
        ),
    ] = None,
    min_confidence: Annotated[
        float | None,
        typer.Option(
            "--min-confidence",
            min=0.0,
            max=1.0,
            help="Drop findings below this (default 0.6: operator input to CLI tools, checksum "
            "hashes, framework defaults and test credentials are below it; 0 shows them).",
        ),
    ] = None,
) -> None:
    """Review code for vulnerabilities and threat-model violations (SARIF for code scanning)."""
    try:
        code = _run(
            path,
            diff,
            threat_model,
            output_format.value,
            output,
            fail_on,
            baseline,
            write_baseline,
            backend or [],
            no_default_backends,
            stdin_name,
            llm,
            llm_base_url,
            llm_model,
            llm_key_env,
            llm_optional,
            tuple(entry_point or ()),
            min_confidence,
        )
    except (VallumError, ValueError) as exc:
        typer.echo(f"vallum review: {exc}", err=True)
        raise typer.Exit(2) from exc
    raise typer.Exit(code)


def _run(
    path: str,
    diff: str | None,
    threat_model: Path | None,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    baseline: Path | None,
    write_baseline: Path | None,
    extra: list[str],
    no_defaults: bool,
    stdin_name: str,
    llm: bool,
    llm_base_url: str | None,
    llm_model: str | None,
    llm_key_env: str | None,
    llm_optional: bool = False,
    entry_points: tuple[str, ...] = (),
    min_confidence: float | None = None,
) -> int:
    from vallum.exceptions import ReviewError
    from vallum.review import backends as registry
    from vallum.review.baseline import filter_baseline, read_baseline
    from vallum.review.baseline import write_baseline as dump
    from vallum.review.diff import changed_lines, filter_diff
    from vallum.review.findings import DEFAULT_MIN_CONFIDENCE, Severity, dedupe
    from vallum.review.output import FORMATS
    from vallum.review.runner import ReviewOptions, review_path, review_sources
    from vallum.review.threatmodel.schema import load_threat_model

    if min_confidence is None:
        min_confidence = DEFAULT_MIN_CONFIDENCE

    threshold = Severity.parse(fail_on) if fail_on else None
    names = [*([] if no_defaults else registry.DEFAULT_BACKENDS), *extra]
    unknown = [n for n in names if n not in registry.BACKENDS]
    if unknown:
        raise ReviewError(
            f"unknown back end(s): {', '.join(unknown)}; known: {', '.join(registry.BACKENDS)}"
        )
    model = load_threat_model(threat_model) if threat_model else None
    backends = tuple(registry.BACKENDS[n] for n in names)
    options = ReviewOptions(model, backends, entry_points, min_confidence)
    if path == "-":
        if diff:
            raise ReviewError("--diff cannot be combined with - (stdin)")
        sources = {stdin_name: sys.stdin.buffer.read()}
        # A snippet on stdin is called by code the review cannot see.
        snippet = ReviewOptions(model, backends, entry_points or ("*",), min_confidence)
        report = review_sources(sources, snippet)
        report.root = "-"
    else:
        root = Path(path)
        if not root.exists():
            raise ReviewError(f"{path}: no such file or directory")
        report = review_path(root, options)
        sources = {}
    if llm:
        try:
            found = _llm(path, sources, model, llm_base_url, llm_model, llm_key_env)
        except VallumError as exc:
            if not llm_optional:
                raise ReviewError(f"LLM pass failed: {exc} (--llm-optional to continue)") from exc
            sys.stderr.write(f"vallum review: warning: LLM pass skipped: {exc}\n")
            found = []
        kept = [f for f in found if f.confidence >= min_confidence]
        report.findings = dedupe([*report.findings, *kept])
    if diff:
        root = Path(path)
        report.findings = filter_diff(
            report.findings, changed_lines(root if root.is_dir() else root.parent, diff)
        )
    if baseline:
        report.findings = filter_baseline(report.findings, read_baseline(baseline))
    if write_baseline:
        dump(write_baseline, report.findings)
    rendered = FORMATS[fmt](report)
    if output:
        output.write_text(rendered, encoding="utf-8")
    else:
        sys.stdout.write(rendered)
    if threshold is not None and any(f.severity >= threshold for f in report.findings):
        return 1
    return 0


def _llm(
    path: str,
    sources: dict[str, bytes],
    model: ThreatModel | None,
    base_url: str | None,
    name: str | None,
    key_env: str | None,
) -> list[Finding]:
    from vallum.exceptions import ReviewError
    from vallum.review.files import collect
    from vallum.review.llm import LLMConfig, llm_review

    # The threat model's `llm:` section (base_url, model, api_key_env, ...) under the flags.
    settings = (model.model_extra or {}).get("llm") if model is not None else None
    if settings is not None and not isinstance(settings, dict):
        raise ReviewError("threat model [llm]: expected a mapping (base_url, model, ...)")
    given = {"base_url": base_url, "model": name, "api_key_env": key_env}
    merged = {**(settings or {}), **{k: v for k, v in given.items() if v is not None}}
    config = LLMConfig.from_env(**merged)
    if not sources:
        root = Path(path)
        code = {"python", "javascript"}
        sources = {f.relpath: f.path.read_bytes() for f in collect(root) if f.kind in code}
    files = {p: data.decode("utf-8", "replace") for p, data in sources.items()}
    return llm_review(files, model, config)


def register(app: typer.Typer) -> None:
    app.command("review")(review)
