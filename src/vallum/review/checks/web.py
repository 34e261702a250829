"""Web framework misconfiguration: cookies, debug mode, CORS, verbose errors, autoescape, tar."""

from __future__ import annotations

import re
from dataclasses import replace

from vallum.review.checks.base import Facts
from vallum.review.findings import Finding, Severity
from vallum.review.parse import Module, Node, arguments, literal, string_value, walk

ERROR_DETAIL_CALLS = frozenset(
    {"traceback.format_exc", "traceback.format_exception", "traceback.print_exc"}
)
RESPONSE_BUILDERS = (
    "jsonify",
    "JSONResponse",
    "Response",
    "HttpResponse",
    "JsonResponse",
    "HTMLResponse",
    "PlainTextResponse",
    "make_response",
    "render_template",
)
DJANGO_INSECURE = {
    "DEBUG": ("True", "debug.enabled", 489, "DEBUG = True exposes stack traces and settings"),
    "SESSION_COOKIE_SECURE": ("False", "cookie.insecure", 614, "session cookie sent over HTTP"),
    "CSRF_COOKIE_SECURE": ("False", "cookie.insecure", 614, "CSRF cookie sent over HTTP"),
    "SESSION_COOKIE_HTTPONLY": (
        "False",
        "cookie.no-httponly",
        1004,
        "session cookie readable from JavaScript",
    ),
    "CORS_ALLOW_ALL_ORIGINS": ("True", "cors.wildcard", 942, "CORS allows every origin"),
    "CORS_ORIGIN_ALLOW_ALL": ("True", "cors.wildcard", 942, "CORS allows every origin"),
}


SENSITIVE_COOKIE = re.compile(
    r"sess|sid|auth|token|jwt|actor|user|login|remember|csrf|xsrf|key|secret|ident|credential|"
    r"account|oauth|openid|saml|\bid\b",
    re.IGNORECASE,
)


CSRF_COOKIE = re.compile(r"csrf|xsrf", re.IGNORECASE)


def check(facts: Facts) -> list[Finding]:
    out: list[Finding] = []
    m = facts.module
    for name, call in facts.calls:
        pos, kw = arguments(call)
        method = name.rpartition(".")[2]
        if method == "set_cookie" and _sets_response_cookie(m, call, pos, kw):
            named = " ".join(m.text(n) for n in [*pos[:2], kw.get("key"), kw.get("value")] if n)
            # A session, login or token cookie needs the flags; a theme or flash message less.
            sure = 1.0 if SENSITIVE_COOKIE.search(named) else 0.5
            before = len(out)
            if literal(m, kw.get("secure")) in {"", "False", "None"}:
                out.append(
                    facts.finding(
                        "cookie.insecure",
                        614,
                        Severity.MEDIUM,
                        call,
                        "cookie set without secure=True",
                    )
                )
            cookie = string_value(m, pos[0] if pos else kw.get("key")) or ""
            # A double-submit CSRF cookie must be readable by the page's scripts, which echo it
            # in a header (Django's CSRF_COOKIE_HTTPONLY is False, Angular reads XSRF-TOKEN).
            scripts_read = bool(CSRF_COOKIE.search(cookie))
            if literal(m, kw.get("httponly")) in {"", "False", "None"} and not scripts_read:
                out.append(
                    facts.finding(
                        "cookie.no-httponly",
                        1004,
                        Severity.LOW,
                        call,
                        "cookie set without httponly=True",
                    )
                )
            out[before:] = [replace(f, confidence=sure) for f in out[before:]]
        elif method == "run" and literal(m, kw.get("debug")) == "True":
            out.append(
                facts.finding(
                    "debug.enabled",
                    489,
                    Severity.HIGH,
                    call,
                    f"{name}(debug=True) enables the interactive debugger",
                )
            )
        elif name in {"flask_cors.CORS", "CORS", "flask_cors.cross_origin", "cross_origin"}:
            origins = kw.get("origins") or kw.get("resources")
            if origins is None or '"*"' in m.text(origins) or "'*'" in m.text(origins):
                out.append(
                    facts.finding(
                        "cors.wildcard",
                        942,
                        Severity.MEDIUM,
                        call,
                        "CORS allows every origin ('*' is the default)",
                    )
                )
        elif method == "add_middleware" and pos and m.text(pos[0]).endswith("CORSMiddleware"):
            allowed = m.text(kw.get("allow_origins"))
            if "*" in allowed or literal(m, kw.get("allow_origin_regex")) in {'".*"', "'.*'"}:
                credentials = literal(m, kw.get("allow_credentials")) == "True"
                out.append(
                    facts.finding(
                        "cors.wildcard",
                        942,
                        Severity.HIGH if credentials else Severity.MEDIUM,
                        call,
                        "CORSMiddleware allows every origin"
                        + (" with credentials" if credentials else ""),
                    )
                )
        elif name in {"jinja2.Environment", "Environment"} and "jinja2" in name + str(
            m.imports.get("Environment", "")
        ):
            if literal(m, kw.get("autoescape")) in {"", "False"}:
                out.append(
                    facts.finding(
                        "template.no-autoescape",
                        79,
                        Severity.MEDIUM,
                        call,
                        "jinja2 Environment without autoescape",
                    )
                )
        elif name == "tempfile.mktemp":
            out.append(
                facts.finding(
                    "file.insecure-temp",
                    377,
                    Severity.MEDIUM,
                    call,
                    "tempfile.mktemp() is racy; use mkstemp or NamedTemporaryFile",
                )
            )
        elif method == "extractall" and "filter" not in kw and _is_tar(facts, name):
            out.append(
                facts.finding(
                    "file.tar-slip",
                    22,
                    Severity.MEDIUM,
                    call,
                    "tarfile.extractall() without filter= can write outside the target directory",
                )
            )
        elif name in {"yaml.load", "yaml.load_all"}:
            loader = literal(m, kw.get("Loader") or (pos[1] if len(pos) > 1 else None))
            if "Safe" not in loader and "BaseLoader" not in loader:
                out.append(
                    facts.finding(
                        "deserialize.yaml-load",
                        502,
                        Severity.MEDIUM,
                        call,
                        "yaml.load without SafeLoader builds arbitrary objects",
                    )
                )
    out.extend(_assignments(facts))
    out.extend(_verbose_errors(facts))
    return out


def _is_tar(facts: Facts, name: str) -> bool:
    return "tar" in name.lower() or "tarfile" in facts.module.imports.values()


def _assignments(facts: Facts) -> list[Finding]:
    m = facts.module
    out: list[Finding] = []
    project_settings = any(
        m.text(n.child_by_field_name("left")) == "ROOT_URLCONF"
        and bool(string_value(m, n.child_by_field_name("right")))
        for n in facts.assignments
    )
    for node in facts.assignments:
        left = m.text(node.child_by_field_name("left"))
        right = m.text(node.child_by_field_name("right")).strip()
        key = left.rpartition(".")[2]
        subscript = left.endswith(('config["DEBUG"]', "config['DEBUG']"))
        if (subscript or (key == "debug" and "app" in left)) and right == "True":
            out.append(
                facts.finding("debug.enabled", 489, Severity.HIGH, node, "debug mode enabled")
            )
        rule = DJANGO_INSECURE.get(key)
        if rule is not None and right == rule[0] and "." not in left:
            severity = (
                Severity.HIGH if key in {"DEBUG", "CORS_ALLOW_ALL_ORIGINS"} else (Severity.MEDIUM)
            )
            # A project's settings module names its URLconf; a library's defaults module
            # (django/conf/global_settings.py) does not, and the project overrides it.
            confidence = 1.0 if project_settings else 0.5
            out.append(facts.finding(rule[1], rule[2], severity, node, rule[3], confidence))
    for pair in facts.pairs:
        header = string_value(m, pair.child_by_field_name("key"))
        value = string_value(m, pair.child_by_field_name("value"))
        if header and header.lower() == "access-control-allow-origin" and value == "*":
            out.append(
                facts.finding(
                    "cors.wildcard", 942, Severity.MEDIUM, pair, "Access-Control-Allow-Origin: *"
                )
            )
    return out


def _verbose_errors(facts: Facts) -> list[Finding]:
    """Exception details sent to the client from an except block of a handler (CWE-209)."""
    m = facts.module
    out: list[Finding] = []
    for clause in facts.excepts:
        alias = _alias(m, clause)
        func = facts.enclosing(clause)
        handler = func is not None and (
            func.route is not None
            or (func.params[:1] and func.params[0].name == "request")
            or any("errorhandler" in n or "exception_handler" in n for n in func.decorator_names())
        )
        for node in walk(clause):
            if node.type not in {"return_statement", "raise_statement"}:
                continue
            text = m.text(node)
            leaks = any(c in text for c in ERROR_DETAIL_CALLS) or (
                alias and _mentions_value(m, node, alias)
            )
            if not leaks or _debug_only(m, node):
                continue
            if node.type == "raise_statement":
                if "HTTPException" in text and "detail" in text:
                    out.append(
                        facts.finding(
                            "errors.verbose",
                            209,
                            Severity.MEDIUM,
                            node,
                            "exception details sent to the client in HTTPException(detail=...)",
                        )
                    )
            elif handler or any(b in text for b in RESPONSE_BUILDERS):
                out.append(
                    facts.finding(
                        "errors.verbose",
                        209,
                        Severity.MEDIUM,
                        node,
                        "exception details returned to the client",
                        0.5 if _client_error(m, clause) else 1.0,
                    )
                )
    return out


CLIENT_ERROR = re.compile(r"Invalid|Validation|BadRequest|NotFound|DoesNotExist|Http404|Forbidden")


def _client_error(m: Module, clause: Node) -> bool:
    """Every exception the clause catches says what was wrong with the client's request
    (`InvalidFilterSpecError`, `ValidationError`): its message is written for the client."""
    caught = next((c for c in clause.named_children if c.type not in {"block", "comment"}), None)
    if caught is not None and caught.type == "as_pattern":
        caught = caught.named_children[0] if caught.named_children else None
    if caught is None:
        return False
    names = caught.named_children if caught.type == "tuple" else [caught]
    return bool(names) and all(CLIENT_ERROR.search(m.text(n).rpartition(".")[2]) for n in names)


def _alias(m: Module, clause: Node) -> str:
    for child in clause.named_children:
        if child.type == "as_pattern":
            target = child.child_by_field_name("alias")
            if target is not None:
                return m.text(target).strip()
    text = m.text(clause).split(":")[0]
    return text.rpartition(" as ")[2].strip() if " as " in text else ""


def _mentions_value(m: Module, node: Node, alias: str) -> bool:
    return any(child.type == "identifier" and m.text(child) == alias for child in walk(node))


def _sets_response_cookie(m: Module, call: Node, pos: list[Node], kw: dict[str, Node]) -> bool:
    """`response.set_cookie(key, value, ...)`, not a cookie jar's `set_cookie(cookie)` nor a
    wrapper forwarding `**kwargs` (the flags arrive with them); a flag passed as a variable or
    a setting is configured, not missing."""
    args = call.child_by_field_name("arguments")
    if args is not None and any(c.type == "dictionary_splat" for c in args.named_children):
        return False
    if literal(m, kw.get("max_age")) == "0":
        return False  # deleting a cookie
    return len(pos) >= 2 or (len(pos) == 1 and "value" in kw)


def _debug_only(m: Module, node: Node) -> bool:
    """Details shown only in debug mode (`format_exc() if settings.DEBUG else "error"`)."""
    for inner in walk(node):
        if inner.type == "conditional_expression" and "DEBUG" in m.text(inner).upper():
            return True
    parent = node.parent
    while parent is not None and parent.type != "function_definition":
        if parent.type == "if_statement":
            condition = parent.child_by_field_name("condition")
            if "debug" in m.text(condition).lower():
                return True
        parent = parent.parent
    return False
