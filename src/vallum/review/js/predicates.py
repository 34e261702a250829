"""Inferred validators in JavaScript/TypeScript: project functions that answer "is this safe?".

The port of `vallum.review.taint.predicates`. `function isLocal(u) { return ALLOWED.has(u); }`
used as `if (!isLocal(next)) return res.redirect("/")` validates `next` exactly as the same check
written inline would. A function is such a predicate for a parameter when every return that can
be true (`false`, `null`, `undefined` cannot) is a condition, or the literal `true` under `if`
conditions, and each of them clears that parameter (or a value computed from it) for a sink
kind; the kinds it validates are those every true return clears. A return of anything else (the
value itself, a string) means it is not a predicate. Names play no part.

An assertion (`function assertHost(h) { if (!/^[a-z.]+$/.test(h)) throw new Error(); }`) returns
no value and throws unless its checks pass: after `assertHost(host);` the checks hold. The
checks themselves are judged by `guards`, so a prefix check proves nothing about a redirect.
"""

from __future__ import annotations

from vallum.review.js import spec
from vallum.review.js.expressions import FUNCTIONS
from vallum.review.js.guards import Cleared, Infer, Validates, guards, names_in
from vallum.review.js.params import param_nodes
from vallum.review.js.parse import JsModule, Node, call_name, walk

_NEVER_TRUE = frozenset({"false", "null", "undefined"})
_BOOLISH = frozenset({"binary_expression", "unary_expression", "call_expression"})
_ANSWERS = frozenset(
    {"===", "!==", "==", "!=", "<", ">", "<=", ">=", "&&", "||", "instanceof", "in"}
)


def validated_params(m: JsModule, func: Node, infer: Infer | None = None) -> Validates:
    """(parameter index, kinds) for each parameter the function validates when it returns true."""
    body = func.child_by_field_name("body")
    params = _param_names(m, func)
    if body is None or not any(params):
        return ()
    derived, normalised = _derived(m, body, {p for p in params if p})
    values = [body] if body.type != "statement_block" else None
    proofs: list[Cleared] = []
    for ret in _returns(body) if values is None else []:
        value = ret.named_children[0] if ret.named_children else None
        proof = _proof(m, value, ret, normalised, infer)
        if proof is None:
            return ()
        if proof:
            proofs.append(proof)
    for value in values or []:  # `(name) => /^\w+$/.test(name)`
        proof = _proof(m, value, value, normalised, infer)
        if proof is None:
            return ()
        proofs.append(proof)
    return _per_param(params, derived, proofs)


def asserted_params(m: JsModule, func: Node, infer: Infer | None = None) -> Validates:
    """(parameter index, kinds) each parameter is proved safe for when the function returns."""
    body = func.child_by_field_name("body")
    params = _param_names(m, func)
    if body is None or body.type != "statement_block" or not any(params):
        return ()
    if _returns(body):
        return ()  # an answer, a result, or a way out before the checks: not an assertion
    derived, normalised = _derived(m, body, {p for p in params if p})
    proof: Cleared = {}
    for cond in _failing(body, body.named_children[-1] if body.named_children else None, True):
        for key, kinds in guards(m, cond, normalised, infer)[1].items():
            proof[key] = proof.get(key, frozenset()) | kinds
    return _per_param(params, derived, [proof] if proof else [])


def _proof(
    m: JsModule, value: Node | None, where: Node, normalised: set[str], infer: Infer | None
) -> Cleared | None:
    """What one returned value proves when true: {} if it is never true, None if not an answer."""
    while value is not None and value.type in {"parenthesized_expression", "await_expression"}:
        value = value.named_children[0] if value.named_children else None
    if value is None or value.type in _NEVER_TRUE:
        return {}
    outer = _enclosing(m, where, normalised, infer)
    if value.type == "true":
        return outer or {"": frozenset()}  # true with nothing proved: clears nothing
    success = (
        value.type == "member_expression"
        and m.text(value.child_by_field_name("property")) == "success"
    )
    if value.type not in _BOOLISH and not success:
        return None
    operator = m.text(value.child_by_field_name("operator"))
    if value.type == "unary_expression" and operator != "!":
        return None
    if value.type == "binary_expression" and operator not in _ANSWERS:
        return None
    proof = guards(m, value, normalised, infer)[0]
    merged = dict(outer)
    for key, kinds in proof.items():
        merged[key] = merged.get(key, frozenset()) | kinds
    return merged or {"": frozenset()}


def _per_param(params: list[str], derived: dict[str, set[str]], proofs: list[Cleared]) -> Validates:
    if not proofs:
        return ()
    out: list[tuple[int, frozenset[str]]] = []
    for index, param in enumerate(params):
        if not param:
            continue
        names = derived.get(param, {param})
        kinds: frozenset[str] | None = None
        for proof in proofs:
            here: frozenset[str] = frozenset().union(*(proof.get(n, frozenset()) for n in names))
            kinds = here if kinds is None else kinds & here
        if kinds:
            out.append((index, kinds))
    return tuple(out)


def _param_names(m: JsModule, func: Node) -> list[str]:
    out: list[str] = []
    for param in param_nodes(func):
        pattern = param.child_by_field_name("pattern") or param
        if pattern.type == "assignment_pattern":
            pattern = pattern.child_by_field_name("left") or pattern
        out.append(m.text(pattern) if pattern.type == "identifier" else "")
    return out


def _returns(body: Node) -> list[Node]:
    found: list[Node] = []
    stack = [body]
    while stack:
        current = stack.pop()
        if current.type == "return_statement":
            found.append(current)
        elif current.type not in FUNCTIONS and current.type != "class_declaration":
            stack.extend(current.named_children)
    return found


def _derived(m: JsModule, body: Node, params: set[str]) -> tuple[dict[str, set[str]], set[str]]:
    """Names computed from each parameter (`const u = new URL(url)`), and normalised names."""
    derived = {p: {p} for p in params}
    normalised: set[str] = set()
    decls = sorted(
        (n for n in walk(body) if n.type == "variable_declarator"), key=lambda n: n.start_byte
    )
    for _ in range(2):
        for node in decls:
            left, right = node.child_by_field_name("name"), node.child_by_field_name("value")
            if left is None or right is None or left.type != "identifier":
                continue
            used = names_in(m, right)
            target = m.text(left)
            for names in derived.values():
                if used & names:
                    names.add(target)
            if right.type == "call_expression" and call_name(m, right) in spec.PATH_NORMALISERS:
                normalised.add(target)
    return derived, normalised


def _enclosing(m: JsModule, node: Node, normalised: set[str], infer: Infer | None) -> Cleared:
    """What the `if` conditions around `node` prove when it runs."""
    out: Cleared = {}
    child, parent = node, node.parent
    while parent is not None and parent.type not in FUNCTIONS:
        proof: Cleared = {}
        if parent.type == "if_statement":
            cond = parent.child_by_field_name("condition")
            if child == parent.child_by_field_name("consequence"):
                proof = dict(guards(m, cond, normalised, infer)[0])
            elif child == parent.child_by_field_name("alternative"):
                proof = dict(guards(m, cond, normalised, infer)[1])
        if parent.type == "statement_block":
            for cond in _failing(parent, child, False):
                for key, kinds in guards(m, cond, normalised, infer)[1].items():
                    proof[key] = proof.get(key, frozenset()) | kinds
        for key, kinds in proof.items():
            out[key] = out.get(key, frozenset()) | kinds
        child, parent = parent, parent.parent
    return out


def _failing(block: Node, child: Node | None, through: bool) -> list[Node]:
    """Conditions of earlier `if (c) return false;` (or throw) in `block`: false past them.

    `through` includes `child` itself (the body's last statement, for an assertion)."""
    out: list[Node] = []
    for stmt in block.named_children:
        if stmt == child and not through:
            break
        if stmt.type == "if_statement" and stmt.child_by_field_name("alternative") is None:
            body = stmt.child_by_field_name("consequence")
            last = body
            if body is not None and body.type == "statement_block":
                last = body.named_children[-1] if body.named_children else None
            leaves = last is not None and (
                last.type == "throw_statement" or (not through and _false_return(last))
            )
            if leaves:
                cond = stmt.child_by_field_name("condition")
                if cond is not None and last is not None:
                    out.append(cond)
        if stmt == child:
            break
    return out


def _false_return(node: Node) -> bool:
    if node.type != "return_statement":
        return False
    value = node.named_children[0] if node.named_children else None
    return value is None or value.type in _NEVER_TRUE
