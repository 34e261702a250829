"""Load a policy bundle directory, checking everything and reporting every problem at once.

A bundle is `vallum.yaml`, `*.cedar` policies and a Cedar schema (plus any prompt or JSON Schema
files they name). Loading either returns a complete `Bundle` or raises `BundleValidationError`
listing each problem with file, line and key: nothing half-loaded is ever used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cedarpy
import yaml
from pydantic import ValidationError

from vallum.bundle.cedar_source import PolicyStatement, parse_statement, split_statements
from vallum.bundle.controls import BuiltControl, build_controls
from vallum.bundle.references import check_references
from vallum.bundle.schema import BundleConfig
from vallum.bundle.yamlmap import LocatedYaml, load_located, yaml_issue
from vallum.detectors.base import CustomDataClass, DetectorSetup
from vallum.detectors.pii import BUILTIN_DATA_CLASSES
from vallum.detectors.registry import DetectorRegistry, default_registry
from vallum.exceptions import BundleIssue, BundleValidationError
from vallum.threats.loader import load_threats
from vallum.threats.model import ThreatsFile

CONFIG_FILE = "vallum.yaml"
MAX_FILE_BYTES = 4 * 1024 * 1024
_EXCLUDED_DIRS = {"tests", "__pycache__"}


@dataclass(frozen=True, slots=True)
class Bundle:
    """A loaded, validated policy bundle. `version` is the hash of its content."""

    path: Path
    config: BundleConfig
    version: str
    policies: tuple[PolicyStatement, ...]
    cedar_schema: str
    prompt_texts: dict[str, str]
    prompt_versions: dict[str, str]
    setup: DetectorSetup
    controls: tuple[BuiltControl, ...]
    threats: ThreatsFile | None = None  # threats.yaml, when the bundle has one
    # Each detector the controls use, once, in control order: (id, version). Every evidence
    # record lists them; worked out here once rather than per record.
    detectors: tuple[tuple[str, str], ...] = field(init=False)

    def __post_init__(self) -> None:
        versions: dict[str, str] = {}
        for control in self.controls:
            versions.setdefault(control.detector.id, control.detector.version)
        object.__setattr__(self, "detectors", tuple(versions.items()))

    @property
    def name(self) -> str:
        return self.config.name


def load_bundle(
    path: str | Path, registry: DetectorRegistry | None = None, *, threats: bool = True
) -> Bundle:
    """Load and validate the bundle at `path`; raise `BundleValidationError` listing all issues.

    `threats=False` leaves `threats.yaml` unread (`vallum threats` reads it itself, to show
    a threat whose answer is gone rather than refuse the whole bundle)."""
    bundle, issues = _load(Path(path), registry or default_registry(), threats, False)
    if issues or bundle is None:
        raise BundleValidationError(issues)
    return bundle


def validate_bundle(
    path: str | Path, registry: DetectorRegistry | None = None
) -> list[BundleIssue]:
    """Every problem in the bundle at `path` (empty when it is valid), including every name
    threats.yaml refers to, which loading to serve leaves out (see `load_threats`)."""
    return _load(Path(path), registry or default_registry(), True, True)[1]


def bundle_version(root: Path) -> str:
    """A hash over every file of the bundle (path and bytes), ignoring hidden files and tests."""
    digest = hashlib.sha256()
    for file in sorted(_bundle_files(root)):
        digest.update(file.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _bundle_files(root: Path) -> list[Path]:
    files = []
    for file in root.rglob("*"):
        rel = file.relative_to(root).parts
        if file.is_file() and not any(p.startswith(".") or p in _EXCLUDED_DIRS for p in rel):
            files.append(file)
    return files


def _read_text(file: Path, label: str, issues: list[BundleIssue]) -> str | None:
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            issues.append(
                BundleIssue(label, None, "", f"file is larger than {MAX_FILE_BYTES} bytes")
            )
            return None
        return file.read_bytes().decode("utf-8")
    except FileNotFoundError:
        issues.append(BundleIssue(label, None, "", "file not found"))
    except UnicodeDecodeError as exc:
        issues.append(BundleIssue(label, None, "", f"not valid UTF-8 (byte {exc.start})"))
    except OSError as exc:
        issues.append(BundleIssue(label, None, "", f"cannot read: {exc.strerror}"))
    return None


def _load(
    root: Path, registry: DetectorRegistry, with_threats: bool = True, references: bool = True
) -> tuple[Bundle | None, list[BundleIssue]]:
    issues: list[BundleIssue] = []
    if not root.is_dir():
        return None, [BundleIssue(str(root), None, "", "bundle directory not found")]
    located = _load_yaml(root, issues)
    if located is None:
        return None, issues
    try:
        config = BundleConfig.model_validate(located.data)
    except ValidationError as exc:
        # Report the Cedar files' problems too: a user fixes both stages in one pass.
        issues.extend(_pydantic_issues(located, exc))
        _check_cedar(root, _schema_file(located.data), issues)
        return None, issues
    prompt_texts = _load_prompts(root, config, located, issues)
    setup = _detector_setup(root, config, prompt_texts)
    controls = build_controls(config, setup, registry, located, issues)
    schema_text, policies = _check_cedar(root, config.cedar_schema, issues)
    check_references(config, policies, located, issues)
    # threats.yaml names controls and policies: checked once they load, so one broken control
    # is one issue, not one more per threat that names it; checked by validation, not to serve.
    threats = (
        load_threats(root, config, policies, issues, check_references=references)
        if with_threats and not issues
        else None
    )
    if issues:
        return None, issues
    versions = {pid: hashlib.sha256(t.encode()).hexdigest()[:12] for pid, t in prompt_texts.items()}
    bundle = Bundle(
        path=root.resolve(),
        config=config,
        version=bundle_version(root),
        policies=tuple(policies),
        cedar_schema=schema_text or "",
        prompt_texts=prompt_texts,
        prompt_versions=versions,
        setup=setup,
        controls=tuple(controls),
        threats=threats,
    )
    return bundle, issues


def _load_yaml(root: Path, issues: list[BundleIssue]) -> LocatedYaml | None:
    text = _read_text(root / CONFIG_FILE, CONFIG_FILE, issues)
    if text is None:
        return None
    try:
        located = load_located(text, CONFIG_FILE)
    except yaml.YAMLError as exc:
        issues.append(yaml_issue(exc, CONFIG_FILE))
        return None
    if not isinstance(located.data, dict):
        issues.append(BundleIssue(CONFIG_FILE, 1, "", "must be a mapping of sections"))
        return None
    return located


def _schema_file(data: dict[str, Any]) -> str:
    """`cedar_schema` as written, when the rest of the file did not validate."""
    name = data.get("cedar_schema")
    if isinstance(name, str) and name:
        return name
    default = BundleConfig.model_fields["cedar_schema"].default
    return str(default)


def _check_cedar(
    root: Path, schema_file: str, issues: list[BundleIssue]
) -> tuple[str | None, list[PolicyStatement]]:
    """Read the schema and every policy; add their syntax and schema-validation issues."""
    schema_text = _read_text(root / schema_file, schema_file, issues)
    policies = _load_policies(root, issues)
    if schema_text is not None:
        _validate_cedar(schema_text, schema_file, policies, issues)
    return schema_text, policies


def _pydantic_issues(located: LocatedYaml, exc: ValidationError) -> list[BundleIssue]:
    issues = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
        elif "input" in error and error["type"] not in ("missing",) and _is_scalar(error["input"]):
            message = f"{message} (got {error['input']!r})"
        issues.append(located.issue(loc, message))
    return issues


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def _load_prompts(
    root: Path, config: BundleConfig, located: LocatedYaml, issues: list[BundleIssue]
) -> dict[str, str]:
    texts: dict[str, str] = {}
    for prompt_id, prompt in config.prompts.items():
        if prompt.text is not None:
            texts[prompt_id] = prompt.text
            continue
        assert prompt.file is not None
        target = (root / prompt.file).resolve()
        if not target.is_relative_to(root.resolve()):
            issues.append(located.issue(("prompts", prompt_id, "file"), "must stay in the bundle"))
            continue
        problems: list[BundleIssue] = []
        text = _read_text(target, prompt.file, problems)
        if text is None:
            for p in problems:
                where = ("prompts", prompt_id, "file")
                issues.append(located.issue(where, f"{prompt.file}: {p.message}"))
            continue
        texts[prompt_id] = text
    return texts


def _detector_setup(root: Path, config: BundleConfig, prompts: dict[str, str]) -> DetectorSetup:
    custom = tuple(
        CustomDataClass(name=c.name, pattern=c.pattern, words=c.words, labels=c.labels)
        for c in config.data_classes.custom
    )
    canaries = tuple(p.canary for p in config.prompts.values() if p.canary)
    return DetectorSetup(
        email_domains=config.organization.email_domains,
        allowed_hosts=config.egress.allowed_hosts,
        # Unknown names are reported by check_references, at their own line.
        data_classes=frozenset(config.data_classes.builtin) & frozenset(BUILTIN_DATA_CLASSES),
        custom_data_classes=custom,
        prompts=dict(prompts),
        canaries=canaries,
        base_dir=str(root.resolve()),
    )


def _load_policies(root: Path, issues: list[BundleIssue]) -> list[PolicyStatement]:
    policies: list[PolicyStatement] = []
    files = sorted(f for f in _bundle_files(root) if f.suffix == ".cedar")
    if not files:
        issues.append(BundleIssue(str(root.name), None, "", "no *.cedar policy files"))
    for file in files:
        label = file.relative_to(root).as_posix()
        text = _read_text(file, label, issues)
        if text is None:
            continue
        for line, statement in split_statements(text, label):
            try:
                policies.append(parse_statement(label, line, statement))
            except ValueError as exc:
                issues.append(BundleIssue(label, line, "", f"Cedar syntax: {exc}"))
    seen: dict[str, PolicyStatement] = {}
    for policy in policies:
        first = seen.setdefault(policy.policy_id, policy)
        if first is not policy:
            where = f"{first.file}:{first.line}"
            issues.append(
                BundleIssue(
                    policy.file,
                    policy.line,
                    "@id",
                    f"duplicate policy id {policy.policy_id!r} (also at {where})",
                )
            )
    return policies


def _validate_cedar(
    schema_text: str, schema_file: str, policies: list[PolicyStatement], issues: list[BundleIssue]
) -> None:
    try:
        schema = cedarpy.Schema.from_str(schema_text)
    except ValueError as exc:
        issues.append(BundleIssue(schema_file, None, "", f"Cedar schema: {exc}"))
        return
    if not policies:
        return
    result = cedarpy.validate_policies("\n".join(p.text for p in policies), schema)
    for error in result.errors:
        policy_key = str(getattr(error, "policy_id", ""))
        message = str(getattr(error, "error", error))
        index = (
            int(policy_key[6:])
            if policy_key.startswith("policy") and policy_key[6:].isdigit()
            else None
        )
        if index is not None and index < len(policies):
            p = policies[index]
            message = message.replace(f"`{policy_key}`", f"`{p.policy_id}`")
            issues.append(
                BundleIssue(p.file, p.line, p.policy_id, f"Cedar schema validation: {message}")
            )
        else:
            issues.append(
                BundleIssue(schema_file, None, policy_key, f"Cedar schema validation: {message}")
            )
