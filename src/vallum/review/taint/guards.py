"""What an `if` condition proves about the names it mentions, and for which sink kinds.

`x in ALLOWED`, `x == "a"`, `re.fullmatch(...)`, `url_has_allowed_host_and_scheme(x)` validate
`x` when true; `x not in ALLOWED`, `netloc != ""` when false; a bare `x` when false (empty or None); `not`,
`and`, `or` combine them.
A prefix check (`p.startswith(BASE)`, `p.is_relative_to(BASE)`, `commonpath`) proves nothing
about a file path unless `p` was normalised first (`realpath`, `abspath`, `normpath`,
`.resolve()`): `BASE/../../etc/passwd` starts with `BASE`. And `next.startswith("/")` proves
nothing about a redirect target (`//evil.example` starts with `/`).
"""

from __future__ import annotations

from collections.abc import Callable

from vallum.review.parse import Module, Node, arguments, call_name, dotted
from vallum.review.taint import spec

Cleared = dict[str, frozenset[str]]
Infer = Callable[[Node], Cleared]
# `len(adapter.allowed_methods(x))`, `bool(check(x))`, `any(p.startswith(b) for b in L)` are true
# only when what they wrap is: see through to it. (`all` is true for nothing at all.)
_WRAPPERS = frozenset({"len", "bool", "any"})
PREFIX_CHECKS = frozenset({"startswith", "is_relative_to", "commonpath"})
NORMALISERS = frozenset(
    {"os.path.realpath", "os.path.abspath", "os.path.normpath", "posixpath.normpath"}
)
NORMALISING_METHODS = frozenset({"resolve", "realpath", "absolute"})


def normalises(m: Module, value: Node | None) -> bool:
    """True when `value` is a call that returns a normalised path."""
    if value is None or value.type != "call":
        return False
    name = call_name(m, value)
    return name in NORMALISERS or name.rpartition(".")[2] in NORMALISING_METHODS


def guards(
    m: Module, node: Node | None, normalised: set[str], infer: Infer | None = None
) -> tuple[Cleared, Cleared]:
    """Names a condition validates (with the kinds it validates them for) if true / if false.

    `infer` answers for calls of project functions inferred to be validators (`predicates`).
    """
    if node is None:
        return {}, {}
    t = node.type
    if t == "parenthesized_expression" and node.named_children:
        return guards(m, node.named_children[0], normalised, infer)
    if t == "not_operator":
        when_true, when_false = guards(m, node.child_by_field_name("argument"), normalised, infer)
        return when_false, when_true
    if t == "boolean_operator":
        lt, lf = guards(m, node.child_by_field_name("left"), normalised, infer)
        rt, rf = guards(m, node.child_by_field_name("right"), normalised, infer)
        op = m.text(node.child_by_field_name("operator"))
        # `a and b` true: both hold; false: one of them failed, so only what both prove holds.
        if op == "and":
            return _union(lt, rt), _both(lf, rf)
        return _both(lt, rt), _union(lf, rf)
    if t == "conditional_expression" and len(node.named_children) == 3:
        # `(a if c else b)` is true when the branch taken is: only what both prove holds.
        a, _c, b = node.named_children
        return _both(guards(m, a, normalised, infer)[0], guards(m, b, normalised, infer)[0]), {}
    if t in {"identifier", "attribute"}:
        # `if next_url:` false means it is empty or None: harmless for every sink.
        # `ok = is_safe(x)` earlier: a true `ok` proves what the call did (`infer` knows)
        return (infer(node) if infer else {}), {m.text(node): spec.ALL_KINDS}
    if t == "comparison_operator":
        ops = {m.text(c) for c in node.children if not c.is_named}
        names = _all(mentioned(m, node))
        if ops & {"in", "=="}:
            return names, {}
        if ops & {"not in", "!="}:
            return {}, names
        return {}, {}
    if t == "call":
        method = call_name(m, node).split(".")[-1]
        if method in PREFIX_CHECKS:
            return _prefix(m, node, method, normalised), {}
        if method in spec.VALIDATOR_CALLS:
            return _all(mentioned(m, node)), {}
        pos, _kw = arguments(node)
        if call_name(m, node) in {"any", "all"} and len(pos) == 1:
            # `any(c not in ALLOWED for c in cols)` false, `all(c in ALLOWED for c in cols)`
            # true: every element of `cols` passed the check.
            every = each(m, pos[0], call_name(m, node) == "all", normalised, infer)
            if call_name(m, node) == "all":
                return every, {}
            return guards(m, pos[0].child_by_field_name("body"), normalised, infer)[0], every
        if call_name(m, node) in _WRAPPERS and len(pos) == 1:
            inner: Node | None = pos[0]
            if pos[0].type == "generator_expression":
                inner = pos[0].child_by_field_name("body")
            return guards(m, inner, normalised, infer)[0], {}
        if infer is not None:
            return infer(node), {}
    return {}, {}


def each(m: Module, gen: Node, holds: bool, normalised: set[str], infer: Infer | None) -> Cleared:
    """`(check(x) for x in items)` where `check` is `holds` for every element: proofs on `items`.

    Also `[x for x in items if check(x)]` (the elements failing a check, `holds` False). One
    loop over a plain name, no other filter: the proof is what `check` proves about `x`.
    """
    if gen.type not in {"generator_expression", "list_comprehension"}:
        return {}
    body = gen.child_by_field_name("body")
    clauses = [c for c in gen.named_children if c != body and c.type != "comment"]
    if body is None or not clauses or clauses[0].type != "for_in_clause":
        return {}
    loop = clauses[0]
    var, items = loop.child_by_field_name("left"), loop.child_by_field_name("right")
    if var is None or items is None or var.type != "identifier":
        return {}
    if items.type not in {"identifier", "attribute"}:
        return {}
    if len(clauses) == 1:
        check = body
    elif len(clauses) == 2 and clauses[1].type == "if_clause" and m.text(body) == m.text(var):
        check = clauses[1].named_children[0] if clauses[1].named_children else body
    else:
        return {}
    kinds = guards(m, check, normalised, infer)[0 if holds else 1].get(m.text(var))
    return {m.text(items): kinds} if kinds else {}


def _prefix(m: Module, node: Node, method: str, normalised: set[str]) -> Cleared:
    func = node.child_by_field_name("function")
    pos, _kw = arguments(node)
    if method == "commonpath":
        checked: set[str] = set()
        for arg in pos:
            checked |= mentioned(m, arg)
    else:
        receiver = func.child_by_field_name("object") if func is not None else None
        checked = mentioned(m, receiver) if receiver is not None else set()
    kinds = spec.ALL_KINDS - {"redirect"}
    if method != "commonpath" and normalises(m, receiver):
        return {name: kinds for name in checked}  # `realpath(p).startswith(BASE)`
    if not checked & normalised:
        kinds = kinds - {"path"}
    return {name: kinds for name in checked}


def mentioned(m: Module, node: Node) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in {"identifier", "attribute"}:
            found.add(m.text(current))
            found.add(dotted(m, current).split(".")[0])
        stack.extend(current.named_children)
    return found


def _all(names: set[str]) -> Cleared:
    return {name: spec.ALL_KINDS for name in names}


def _both(a: Cleared, b: Cleared) -> Cleared:
    return {key: a[key] & b[key] for key in a.keys() & b.keys() if a[key] & b[key]}


def _union(a: Cleared, b: Cleared) -> Cleared:
    out = dict(a)
    for key, kinds in b.items():
        out[key] = out.get(key, frozenset()) | kinds
    return out
