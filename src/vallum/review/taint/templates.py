"""Which variables a Jinja or Django template writes without escaping.

`{{ bio|safe }}`, `{{ bio | safe }}`, `{% autoescape false %}...{{ bio }}...{% endautoescape %}`
(Jinja) and `{% autoescape off %}` (Django) turn escaping off for the variables they print.
"""

from __future__ import annotations

import re

SAFE_FILTER = re.compile(r"\{\{-?\s*([A-Za-z_][\w.]*)[^}]*?\|\s*safe\b")
AUTOESCAPE_OFF = re.compile(
    r"\{%-?\s*autoescape\s+(?:false|off)\s*-?%\}(.*?)\{%-?\s*endautoescape\s*-?%\}", re.S
)
PRINTED = re.compile(r"\{\{-?\s*([A-Za-z_][\w.]*)")


def unescaped_variables(templates: dict[str, str], name: str) -> set[str]:
    """Top-level variable names the template `name` prints unescaped ("" if not found)."""
    text = _find(templates, name)
    if text is None:
        return set()
    found = {m.group(1).split(".")[0] for m in SAFE_FILTER.finditer(text)}
    for block in AUTOESCAPE_OFF.finditer(text):
        found |= {m.group(1).split(".")[0] for m in PRINTED.finditer(block.group(1))}
    return found


def _find(templates: dict[str, str], name: str) -> str | None:
    """The template a loader would find for `name` (`templates/<name>` or any `.../<name>`)."""
    for path, text in templates.items():
        if path == name or path.endswith("/" + name):
            return text
    return None
