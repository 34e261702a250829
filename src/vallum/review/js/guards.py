"""What an `if` condition or a ternary proves about the names it mentions.

`ALLOWED.has(x)`, `x === "a"`, `/^\\w+$/.test(x)` validate `x` when true; `!` swaps, `&&` and
`||` combine. A prefix check (`p.startsWith(ROOT)`) proves nothing about a file path unless `p`
came from `path.resolve`/`path.normalize`/`realpath` (`ROOT/../../etc` starts with `ROOT`), and
nothing about a redirect target (`//evil.example` starts with `/`).

A parsed URL's `host`, `hostname` or `origin` equal to a value that carries no request data
(`target.host === new URL(config.siteUrl).host`) proves the URL stays on that site: it is safe as
a redirect target and an outbound request. Calls to project functions the engine has inferred to
be validators (`infer`) prove what their true result proves; `S.safeParse(v).success` proves what
the schema `S` proves.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from vallum.review.js import spec
from vallum.review.js.parse import JsModule, Node, call_args, dotted, string_value
from vallum.review.js.sinks import FIXED_HOST, SAME_SITE

Cleared = dict[str, frozenset[str]]
# (parameter index, kinds): a project function's true result (or return) proves that parameter.
Validates = tuple[tuple[int, frozenset[str]], ...]
# What a call proves when it returns true (an inferred project validator), or {}.
Infer = Callable[[Node], Cleared]
# Whether an expression carries no request data at this point of the analysis.
Clean = Callable[[Node], bool]
SAME_SITE_KINDS = frozenset({"redirect", "ssrf"})
_EQUALITY = frozenset({"===", "=="})
_INEQUALITY = frozenset({"!==", "!="})
_URL_PARTS = frozenset({"hostname", "host", "origin"})
_LITERALS = frozenset({"string", "number", "true", "false", "template_string"})


def guards(
    m: JsModule,
    node: Node | None,
    normalised: set[str],
    infer: Infer | None = None,
    clean: Clean | None = None,
) -> tuple[Cleared, Cleared]:
    """Names (with the sink kinds they are now safe for) when the condition is true / false."""
    if node is None:
        return {}, {}
    t = node.type
    if t == "parenthesized_expression" and node.named_children:
        return guards(m, node.named_children[-1], normalised, infer, clean)
    if t == "await_expression" and node.named_children:
        return guards(m, node.named_children[0], normalised, infer, clean)
    if t == "unary_expression" and m.text(node.child_by_field_name("operator")) == "!":
        argument = node.child_by_field_name("argument")
        when_true, when_false = guards(m, argument, normalised, infer, clean)
        return when_false, when_true
    if t == "binary_expression":
        op = m.text(node.child_by_field_name("operator"))
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if op in {"&&", "||"}:
            lt, lf = guards(m, left, normalised, infer, clean)
            rt, rf = guards(m, right, normalised, infer, clean)
            if op == "&&":  # both hold when true; when false, what both sides' falsity proves
                return _union(lt, rt), _meet(lf, rf)
            return _meet(lt, rt), _union(lf, rf)
        if op in _EQUALITY | _INEQUALITY and _compares_literal(m, left, right):
            names = _names(m, left) | _names(m, right)
            cleared = {n: spec.ALL_KINDS for n in names}
            return (cleared, {}) if op in _EQUALITY else ({}, cleared)
        if op in _EQUALITY | _INEQUALITY and clean is not None:
            cleared = _same_site(m, left, right, clean) or _same_site(m, right, left, clean)
            return (cleared, {}) if op in _EQUALITY else ({}, cleared)
        return {}, {}
    if t == "call_expression":
        inferred = infer(node) if infer is not None else {}
        return inferred or _call_guard(m, node, normalised), {}
    if t == "member_expression" and m.text(node.child_by_field_name("property")) == "success":
        return _schema_success(m, node.child_by_field_name("object")), {}
    return {}, {}


def _same_site(m: JsModule, part: Node | None, other: Node | None, clean: Clean) -> Cleared:
    """`url.host === trusted.host`: `url` (a parsed URL) stays on the trusted site."""
    if part is None or other is None or part.type != "member_expression":
        return {}
    if m.text(part.child_by_field_name("property")) not in _URL_PARTS:
        return {}
    url = dotted(m, part.child_by_field_name("object"))
    if not url or not clean(other):
        return {}
    return {url: SAME_SITE_KINDS, dotted(m, part): SAME_SITE_KINDS}


def _schema_success(m: JsModule, call: Node | None) -> Cleared:
    """`Schema.safeParse(v).success`: `v` is what the schema declared, for the kinds it proves."""
    if call is None or call.type != "call_expression":
        return {}
    func = call.child_by_field_name("function")
    if func is None or func.type != "member_expression":
        return {}
    if m.text(func.child_by_field_name("property")) not in {"safeParse", "safeParseAsync"}:
        return {}
    kinds = schema_kinds(schema_text(m, dotted(m, func.child_by_field_name("object"))))
    names: set[str] = set()
    for arg in call_args(call)[:1]:
        names |= _names(m, arg)
    return {n: kinds for n in names}


def schema_text(m: JsModule, name: str) -> str:
    """The text a module-level `const NAME = z.object(...)` (or Joi, yup) gives its schema."""
    for stmt in m.root.named_children:
        decl_parent = stmt.child_by_field_name("declaration") or stmt
        if decl_parent.type not in {"lexical_declaration", "variable_declaration"}:
            continue
        for decl in decl_parent.named_children:
            if (
                decl.type == "variable_declarator"
                and m.text(decl.child_by_field_name("name")) == name
            ):
                return m.text(decl.child_by_field_name("value"))
    return ""


def schema_kinds(schema: str) -> frozenset[str]:
    """What passing a schema proves: a free-form string is still text for SQL or HTML."""
    strings = "string()" in schema and not any(
        f in schema for f in (".regex(", ".uuid(", ".email(", ".url(", ".enum(")
    )
    return frozenset({"nosql", "proto"}) if strings else spec.ALL_KINDS


def _call_guard(m: JsModule, node: Node, normalised: set[str]) -> Cleared:
    func = node.child_by_field_name("function")
    if func is None or func.type != "member_expression":
        return {}
    method = m.text(func.child_by_field_name("property"))
    if method not in spec.VALIDATOR_METHODS:
        return {}
    receiver = func.child_by_field_name("object")
    args = call_args(node)
    if method in {"startsWith", "match"}:
        checked = _names(m, receiver)
        kinds = spec.ALL_KINDS - {"redirect"}
        if method == "startsWith":  # a prefix says nothing of what follows it (`d; rm -rf /`)
            kinds = frozenset({"path", "ssrf"})
        if not checked & normalised:
            kinds = kinds - {"path"}
        prefix = string_value(m, args[0]) if method == "startsWith" and args else None
        if prefix is not None and (SAME_SITE.match(prefix) or FIXED_HOST.match(prefix)):
            kinds = kinds | {"redirect"}  # "/docs/..." or "https://host/...": the host is fixed
            checked = checked | _original_url(checked)
        elif method == "startsWith":
            kinds = kinds - {"ssrf"}
        return {n: kinds for n in checked}
    names: set[str] = set()
    for arg in args:
        names |= _names(m, arg)
    cleared = {n: spec.ALL_KINDS for n in names}
    if method == "test" and SAME_SITE_REGEX.match(_regex(m, receiver)):
        for name in _original_url(names):
            cleared[name] = frozenset({"redirect"})
    return cleared


SAME_SITE_REGEX = re.compile(r"^\^\\/[\w-]")  # `/^\/size\//`: a path on this site


def _original_url(names: set[str]) -> set[str]:
    """`req.url` proven a same-site path: `req.originalUrl` (the mount path, then `req.url`)
    is one too."""
    out: set[str] = set()
    for name in names:
        obj, _, field = name.rpartition(".")
        if obj in spec.REQUEST_OBJECTS and field in {"url", "path"}:
            out.add(f"{obj}.originalUrl")
    return out


def _regex(m: JsModule, node: Node | None) -> str:
    """The pattern of a regex literal, or of a module constant holding one."""
    if node is not None and node.type == "identifier":
        text = schema_text(m, m.text(node))
    else:
        text = m.text(node) if node is not None and node.type == "regex" else ""
    return text[1 : text.rfind("/")] if text.startswith("/") else ""


def _compares_literal(m: JsModule, left: Node | None, right: Node | None) -> bool:
    sides = [s for s in (left, right) if s is not None]
    if any(s.type == "unary_expression" and m.text(s).startswith("typeof") for s in sides):
        return False
    return any(s.type in _LITERALS for s in sides)


def _names(m: JsModule, node: Node | None) -> set[str]:
    """Identifiers and member chains mentioned; `u.hostname` also names `u` (a parsed URL)."""
    found: set[str] = set()
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            found.add(m.text(current))
            continue
        if current.type == "member_expression":
            name = dotted(m, current)
            if name:
                found.add(name)
                obj, _, prop = name.rpartition(".")
                if prop in _URL_PARTS:
                    found.add(obj)
                continue
        stack.extend(current.named_children)
    return found


names_in = _names


def _meet(a: Cleared, b: Cleared) -> Cleared:
    """What holds whichever of two conditions did: names both clear, for kinds both clear."""
    out: Cleared = {}
    for key in a.keys() & b.keys():
        if a[key] & b[key]:
            out[key] = a[key] & b[key]
    return out


def _union(a: Cleared, b: Cleared) -> Cleared:
    out = dict(a)
    for key, kinds in b.items():
        out[key] = out.get(key, frozenset()) | kinds
    return out
