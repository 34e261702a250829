"""Kubernetes manifest rules: privileged pods, root, host namespaces, hostPath, literal secrets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from vallum.review.findings import Finding, Severity
from vallum.review.infra.base import SECRET_KEY, first_line, line_finding

WORKLOADS = frozenset(
    {"Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet"}
)


def check(path: str, text: str) -> list[Finding]:
    """Rules for any YAML file that holds Kubernetes workload manifests; others are ignored."""
    if "apiVersion" not in text or "kind" not in text:
        return []
    try:
        docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    except yaml.YAMLError:
        return []  # not a manifest we can read; other YAML is not ours to judge
    lines = text.splitlines()
    out: list[Finding] = []

    def add(pattern: str, rule: str, cwe: int, severity: Severity, message: str) -> None:
        index = first_line(lines, re.compile(pattern))
        out.append(line_finding(path, lines, index, rule, cwe, severity, message))

    for doc in docs:
        if doc.get("kind") not in WORKLOADS:
            continue
        spec = _pod_spec(doc)
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(key) is True:
                add(
                    rf"{key}:\s*true",
                    "k8s.host-namespace",
                    250,
                    Severity.HIGH,
                    f"{key}: true shares the node's namespace",
                )
        for volume in spec.get("volumes") or []:
            if isinstance(volume, dict) and "hostPath" in volume:
                add(
                    r"hostPath:",
                    "k8s.host-path",
                    668,
                    Severity.MEDIUM,
                    "hostPath volume exposes the node's file system",
                )
        pod_ctx = spec.get("securityContext") or {}
        for container in _containers(spec):
            name = container.get("name", "?")
            ctx = {**pod_ctx, **(container.get("securityContext") or {})}
            if ctx.get("privileged") is True:
                add(
                    r"privileged:\s*true",
                    "k8s.privileged",
                    250,
                    Severity.HIGH,
                    f"container {name} is privileged",
                )
            if ctx.get("allowPrivilegeEscalation") is True:
                add(
                    r"allowPrivilegeEscalation:\s*true",
                    "k8s.privilege-escalation",
                    250,
                    Severity.MEDIUM,
                    f"container {name} allows privilege escalation",
                )
            if ctx.get("runAsUser") == 0 or ctx.get("runAsNonRoot") is False:
                add(
                    r"runAsUser:\s*0|runAsNonRoot:\s*false",
                    "k8s.root",
                    250,
                    Severity.MEDIUM,
                    f"container {name} runs as root",
                )
            added = ((ctx.get("capabilities") or {}).get("add")) or []
            if any(str(c).upper() in {"SYS_ADMIN", "ALL", "NET_ADMIN"} for c in added):
                add(
                    r"SYS_ADMIN|ALL|NET_ADMIN",
                    "k8s.capabilities",
                    250,
                    Severity.HIGH,
                    f"container {name} adds dangerous capabilities",
                )
            image = str(container.get("image", ""))
            if (
                image
                and "@sha256:" not in image
                and (image.endswith(":latest") or ":" not in image.rsplit("/", 1)[-1])
            ):
                add(
                    re.escape(image),
                    "k8s.unpinned-image",
                    829,
                    Severity.LOW,
                    f"image {image} is not pinned",
                )
            for env in container.get("env") or []:
                if (
                    isinstance(env, dict)
                    and "value" in env
                    and SECRET_KEY.search(str(env.get("name", "")))
                ):
                    add(
                        re.escape(str(env.get("name"))),
                        "secrets.hard-coded",
                        798,
                        Severity.HIGH,
                        f"secret {env.get('name')} set as a literal env value",
                    )
    return out


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    spec: Any = doc.get("spec") or {}
    if doc.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    if doc.get("kind") != "Pod":
        spec = ((spec.get("template") or {}).get("spec")) or {}
    return spec if isinstance(spec, dict) else {}


def _containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("containers", "initContainers"):
        for container in spec.get(key) or []:
            if isinstance(container, dict):
                yield container
