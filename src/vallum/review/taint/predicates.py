"""Inferred validators: project functions that answer "is this value safe?".

`def is_local_redirect(url, allowed): return urlparse(url).netloc == "" and ...` used as
`if not is_local_redirect(target, ALLOWED): target = "/"` validates `target` exactly as the same
checks written inline would. A function is such a predicate for a parameter when every return
that can be true (`False` and `None` cannot) is a condition, or the literal `True` under `if`
conditions, and each of them clears that parameter (or a value derived from it) for a sink
kind; the kinds it validates are those every true return clears. A return of anything else
(the value itself, a string) means it is not a predicate. The checks themselves are judged by
`guards`, so a prefix check without normalising still proves nothing about a path.
"""

from __future__ import annotations

from collections.abc import Callable

from vallum.review.functions import Function
from vallum.review.parse import Module, Node
from vallum.review.taint.guards import Cleared, guards, mentioned, normalises

Validates = tuple[tuple[int, frozenset[str]], ...]
_BOOLISH = frozenset(
    {"comparison_operator", "boolean_operator", "not_operator", "call", "parenthesized_expression"}
)
_NESTED = frozenset({"function_definition", "class_definition", "lambda"})


def validated_params(func: Function, infer: Callable[[Node], Cleared] | None = None) -> Validates:
    """(parameter index, kinds) for each parameter the function validates when it returns true."""
    m = func.module
    body = func.body
    if body is None or not func.params:
        return ()
    returns = list(_returns(body))
    derived, normalised = _derived(m, body, {p.name for p in func.params})
    calls = infer
    infer = (lambda n: calls(n) if n.type == "call" else {}) if calls else None
    proofs: list[Cleared] = []
    for ret in returns:
        value = ret.named_children[0] if ret.named_children else None
        if (
            value is not None
            and value.type in {"expression_list", "tuple"}
            and value.named_children
        ):
            value = value.named_children[0]  # `return ok, reason`: the answer comes first
        if value is None or value.type in {"false", "none"}:
            continue  # never true
        if value.type == "true":
            proofs.append(_enclosing(m, ret, normalised, infer))
        elif value.type in _BOOLISH:
            proof = guards(m, value, normalised, infer)[0]
            outer = _enclosing(m, ret, normalised, infer)
            proofs.append(
                {k: proof.get(k, frozenset()) | outer.get(k, frozenset()) for k in {*proof, *outer}}
            )
        else:
            return ()  # returns a value, not an answer
    if not proofs:
        return ()
    out: list[tuple[int, frozenset[str]]] = []
    for index, param in enumerate(func.params):
        names = derived.get(param.name, {param.name})
        kinds: frozenset[str] | None = None
        for proof in proofs:
            here: frozenset[str] = frozenset().union(*(proof.get(n, frozenset()) for n in names))
            kinds = here if kinds is None else kinds & here
        if kinds:
            out.append((index, kinds))
    return tuple(out)


def _own(node: Node, kind: str) -> list[Node]:
    """The `kind` nodes of `node`'s own code: not inside a nested function, class or lambda,
    nor inside another `kind` node."""
    found: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == kind:
            found.append(current)
        elif current.type not in _NESTED:
            stack.extend(current.named_children)
    return found


def _returns(node: Node) -> list[Node]:
    return _own(node, "return_statement")


def _derived(m: Module, body: Node, params: set[str]) -> tuple[dict[str, set[str]], set[str]]:
    """Names computed from each parameter (`parsed = urlparse(url)`), and normalised names."""
    derived = {p: {p} for p in params}
    normalised: set[str] = set()
    assignments = sorted(_own(body, "assignment"), key=lambda n: n.start_byte)
    for _ in range(2):
        for node in assignments:
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None or left.type != "identifier":
                continue
            used = mentioned(m, right)
            target = m.text(left)
            for names in derived.values():
                if used & names:
                    names.add(target)
            if normalises(m, right):
                normalised.add(target)
    return derived, normalised


def _enclosing(
    m: Module, node: Node, normalised: set[str], infer: Callable[[Node], Cleared] | None
) -> Cleared:
    """What the `if` conditions around `node` prove when it runs."""
    out: Cleared = {}
    child, parent = node, node.parent
    while parent is not None and parent.type not in _NESTED:
        proof: Cleared = {}
        if parent.type in {"if_statement", "elif_clause"}:
            if child == parent.child_by_field_name("consequence"):
                proof = guards(m, parent.child_by_field_name("condition"), normalised, infer)[0]
        elif parent.type == "else_clause" and parent.parent is not None:
            cond = parent.parent.child_by_field_name("condition")
            proof = guards(m, cond, normalised, infer)[1]
        if parent.type in {"block", "module"}:
            proof = dict(proof)
            for earlier in _before(parent, child):
                for key, kinds in guards(m, earlier, normalised, infer)[1].items():
                    proof[key] = proof.get(key, frozenset()) | kinds
        for key, kinds in proof.items():
            out[key] = out.get(key, frozenset()) | kinds
        child, parent = parent, parent.parent
    return out


def _before(block: Node, child: Node) -> list[Node]:
    """Conditions of earlier `if c: return False` (or raise) in `block`: false when `child` runs."""
    out: list[Node] = []
    for stmt in block.named_children:
        if stmt == child:
            break
        body = stmt.child_by_field_name("consequence")
        if stmt.type != "if_statement" or stmt.child_by_field_name("alternative") is not None:
            continue
        last = body.named_children[-1] if body is not None and body.named_children else None
        if last is not None and (last.type == "raise_statement" or _false_return(last)):
            cond = stmt.child_by_field_name("condition")
            if cond is not None:
                out.append(cond)
    return out


def _false_return(node: Node) -> bool:
    if node.type != "return_statement":
        return False
    value = node.named_children[0] if node.named_children else None
    if value is not None and value.type in {"expression_list", "tuple"} and value.named_children:
        value = value.named_children[0]
    return value is None or value.type in {"false", "none"}
