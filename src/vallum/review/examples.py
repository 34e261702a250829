"""Documentation examples are not secrets.

Connection strings such as `postgresql://scott:tiger@localhost/test`, `user:password@host`, and
anything in a docstring or comment that shows how to configure a library are examples, not
leaked credentials. Provider tokens (cloud keys, private keys) stay findings even in comments,
unless they are the documented example values themselves (`AKIAIOSFODNN7EXAMPLE`).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from vallum.review.js.parse import dialect_of, parse_js
from vallum.review.parse import parse_module, walk

PLACEHOLDER_PASSWORDS = frozenset(
    {
        "tiger",
        "password",
        "passwd",
        "pass",
        "pwd",
        "pw",
        "secret",
        "changeme",
        "foo",
        "bar",
        "test",
        "example",
        "mypassword",
        "yourpassword",
        "your_password",
        "xxx",
        "xxxx",
        "dbpass",
        "p@ssw0rd",
    }
)
DOC_HOSTS = re.compile(
    r"^(localhost|127\.0\.0\.1|::1|\[::1\]|host|hostname|myhost|server|dbhost|db|"
    r"[\w.-]*example\.(com|org|net)|[\w.-]+\.local|host:port|hostname:port)(:\d+)?$",
    re.I,
)
URL_CREDENTIALS = re.compile(
    r"://(?P<user>[^:/@\s]+):(?P<password>[^@/\s]+)@(?P<host>[^/\s?#'\"]+)"
)
EXAMPLE_VALUE = re.compile(
    r"example|xxxx|0000000|1234567|your[-_]|dummy|fake|sample|redacted", re.I
)


def example_url(text: str) -> bool:
    """True for `scheme://user:pass@host` with a placeholder password or a documentation host."""
    match = URL_CREDENTIALS.search(text)
    if match is None:
        return False
    password = match.group("password").lower()
    if password in PLACEHOLDER_PASSWORDS or password.startswith(("$", "{", "<", "%", "*")):
        return True
    return bool(DOC_HOSTS.match(match.group("host")))


def example_value(text: str) -> bool:
    return bool(EXAMPLE_VALUE.search(text))


class DocRanges:
    """Byte ranges of comments and docstrings of one source file (Python or JS/TS)."""

    def __init__(self, path: str, data: bytes) -> None:
        spans: list[tuple[int, int]] = []
        if path.endswith((".py", ".pyi")):
            root = parse_module(data, path).root
            for node in walk(root):
                if node.type == "comment":
                    spans.append((node.start_byte, node.end_byte))
                elif node.type == "expression_statement" and node.named_children:
                    first = node.named_children[0]
                    if first.type == "string" and len(node.named_children) == 1:
                        spans.append((first.start_byte, first.end_byte))
        elif dialect_of(path) != "js" or path.endswith((".js", ".jsx", ".mjs", ".cjs")):
            for node in walk(parse_js(data, path).root):
                if node.type == "comment":
                    spans.append((node.start_byte, node.end_byte))
        spans.sort()
        self.starts = [s for s, _ in spans]
        self.spans = spans

    def contains(self, offset: int) -> bool:
        i = bisect_right(self.starts, offset) - 1
        return i >= 0 and self.spans[i][0] <= offset < self.spans[i][1]
