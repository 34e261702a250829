"""Value-flow tables: where values are stored, passed through or replaced (data, not code)."""

from __future__ import annotations

import re

# Objects whose `.render(...)` escapes what it is given (Django templates, Flask's Jinja setup).
ESCAPING_TEMPLATES = ("get_template", "select_template")

# Where a session (trusted server-side state) is written: `session[k] = v`.
SESSION_OBJECTS = frozenset({"flask.session", "session", "request.session", "self.request.session"})

# Methods that look a record up by a key (`get_book(id)`, `find_user(name)`, `fetch_order`):
# the record is stored data, not the key.
LOOKUP = re.compile(r"^(get|find|fetch|load|lookup|query|select|retrieve)_[a-z]")

# Reads of stored rows: untrusted for HTML output (stored XSS), trusted for everything else.
STORED_READS = frozenset({"fetchone", "fetchall", "fetchmany"})

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "cmd", "cmd.exe", "powershell", "pwsh"})

# Calls whose result is still the caller's raw value (for trust-boundary purposes).
VALUE_PRESERVING = frozenset(
    {
        "get",
        "getlist",
        "get_json",
        "strip",
        "lower",
        "upper",
        "title",
        "format",
        "join",
        "replace",
        "split",
        "pop",
        "str",
        "decode",
        "encode",
        "lstrip",
        "rstrip",
        "setdefault",
        "dict",
        "list",
    }
)

# Methods that store their arguments in the receiver (a list, a dict, a config parser).
MUTATORS = frozenset(
    {"append", "extend", "insert", "add", "update", "set", "setdefault", "appendleft", "put"}
)

# Sinks whose result is their (dangerous) input, wrapped: `Markup(x)`, `text(x)`, `re.compile(x)`.
PASSTHROUGH_SINKS = frozenset({"xss", "sql", "regex", "ssti"})
# SQL sinks that run the query: their result is rows (stored data), not the SQL text.
SQL_RUNS = frozenset(
    {
        "execute",
        "executemany",
        "executescript",
        "exec_driver_sql",
        "raw",
        "read_sql",
        "read_sql_query",
    }
)

# WSGI environ keys the client controls besides the `HTTP_*` headers.
CLIENT_META = frozenset(
    {"QUERY_STRING", "PATH_INFO", "CONTENT_TYPE", "CONTENT_LENGTH", "REQUEST_URI", "RAW_URI"}
)

# Inputs the local operator controls (the person running a CLI): real sources, but a flow from
# them is reported with a lower confidence than one from a remote request.
LOCAL_ORIGINS = frozenset({"input()", "stdin", "command-line arguments", "environment"})

# The `random` module: predictable, so never a session id, cookie value or token.
WEAK_RANDOM_CALLS = frozenset(
    {
        "random.random",
        "random.randint",
        "random.choice",
        "random.choices",
        "random.randrange",
        "random.getrandbits",
        "random.sample",
        "random.uniform",
        "random.randbytes",
        "numpy.random.randint",
        "numpy.random.rand",
    }
)

# Conversions: the value is well-formed afterwards, but still the client's choice.
CASTS = frozenset({"int", "float", "bool", "uuid.UUID"})

# Calls rendering a template file by name with a context (Flask keywords, Django a dict).
TEMPLATE_RENDERERS = frozenset(
    {"flask.render_template", "django.shortcuts.render", "django.template.loader.render_to_string"}
)
