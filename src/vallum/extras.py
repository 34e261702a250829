"""Optional dependencies, imported where a feature needs them and named when they are missing.

`pip install vallum` is the SDK and the CLI; servers, database drivers, the Redis client and the
review back ends come with extras (`vallum[gateway]`, `[postgres]`, `[redis]`, `[review]`,
`[mcp]`, `[agentdojo]`, `[all]`). Each boundary that reaches one calls `require` first, so a
missing extra fails with one line naming the `pip install` to run instead of a traceback from
deep inside an import:

    redis = require("redis", "redis", feature="VALLUM_REDIS_URL")
"""

from __future__ import annotations

import importlib
from types import ModuleType

from vallum.exceptions import MissingExtra

# extra -> the modules that stand for it (`require_all` checks each)
EXTRAS: dict[str, tuple[str, ...]] = {
    "gateway": ("starlette", "uvicorn", "httptools", "jwt", "jinja2", "limits"),
    "postgres": ("psycopg",),
    "redis": ("redis",),
    "review": ("tree_sitter", "tree_sitter_python"),
    "mcp": ("mcp",),
    "agentdojo": ("agentdojo",),
    "onnx": ("onnxruntime", "tokenizers"),
    "langchain": ("langchain_core",),
    "openai-agents": ("agents",),
}


def require(extra: str, module: str, *, feature: str = "") -> ModuleType:
    """Import `module` and return it, or raise `MissingExtra` naming `vallum[extra]`.

    Only a missing module is translated: an installed module that fails while importing
    raises its own error (a broken install should not pass for a missing one).
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if not _is_missing(exc, module):
            raise
        raise MissingExtra(extra, module, feature) from exc


def require_all(extra: str, *, feature: str = "") -> None:
    """Check every module of `extra` imports (e.g. before starting the gateway)."""
    for module in EXTRAS[extra]:
        require(extra, module, feature=feature)


def _is_missing(exc: ModuleNotFoundError, module: str) -> bool:
    # the module itself or one of its parents is absent, not something it imports in turn
    name = exc.name or ""
    return module == name or module.startswith(name + ".")
