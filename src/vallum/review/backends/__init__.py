"""Other analysers whose results Vallum normalises into its own finding schema.

detect-secrets and zizmor are dependencies and run by default; bandit is the optional extra
`vallum[review]`; semgrep and checkov run as subprocesses only when on PATH (never
vendored: semgrep's community rules may not be redistributed).
"""

from __future__ import annotations

from vallum.review.backends.external import bandit, checkov, semgrep
from vallum.review.backends.secrets import detect_secrets_backend
from vallum.review.backends.zizmor import zizmor
from vallum.review.runner import BackEnd

BACKENDS: dict[str, BackEnd] = {
    "secrets": detect_secrets_backend,
    "zizmor": zizmor,
    "bandit": bandit,
    "semgrep": semgrep,
    "checkov": checkov,
}
DEFAULT_BACKENDS = ("secrets", "zizmor")

__all__ = ["BACKENDS", "DEFAULT_BACKENDS"]
