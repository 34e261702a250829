"""Which files a review looks at, and what kind each one is."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        "site-packages",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "build",
        "dist",
        ".eggs",
    }
)
TEXT_SUFFIXES = frozenset(
    {
        ".py",
        ".pyi",
        ".env",
        ".ini",
        ".cfg",
        ".toml",
        ".yaml",
        ".yml",
        ".json",
        ".tf",
        ".sh",
        ".conf",
        ".properties",
        ".js",
        ".ts",
        ".html",
        ".jinja",
        ".jinja2",
        ".j2",
    }
)
MAX_BYTES = 2_000_000
JS_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to review: path relative to the review root (posix), and its kind."""

    relpath: str
    path: Path
    kind: str  # python | javascript | dockerfile | terraform | workflow | yaml | text


def kind_of(relpath: str) -> str:
    name = relpath.rsplit("/", 1)[-1]
    if name.endswith((".py", ".pyi")):
        return "python"
    if name.endswith(JS_SUFFIXES) and not name.endswith((".d.ts", ".min.js")):
        return "javascript"
    if name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".dockerfile"):
        return "dockerfile"
    if name.endswith(".tf"):
        return "terraform"
    if name.endswith((".yml", ".yaml")):
        return "workflow" if "/.github/workflows/" in f"/{relpath}" else "yaml"
    return "text"


def collect(root: Path) -> list[SourceFile]:
    """Every reviewable file under `root` (or `root` itself), sorted, skipping vendored trees."""
    if root.is_file():
        return [SourceFile(root.name, root, kind_of(root.name))]
    found: list[SourceFile] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")
        )
        for filename in sorted(filenames):
            path = Path(dirpath, filename)
            rel = path.relative_to(root).as_posix()
            kind = kind_of(rel)
            if (
                kind == "text"
                and path.suffix not in TEXT_SUFFIXES
                and not filename.startswith(".env")
            ):
                continue
            found.append(SourceFile(rel, path, kind))
    return found
