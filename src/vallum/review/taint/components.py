"""Inferred path-component sanitisers: project functions whose result is one safe file name.

`def folder_name(n): return re.sub(r"[^A-Za-z0-9_-]+", "", n)` makes any text a single path
component: no separator survives, so `os.path.join(BASE, folder_name(x), "f")` stays in BASE.
A function is such a sanitiser for a parameter when every value it returns is derived from that
parameter (or is a safe literal) and provably

- holds no '/': a `replace("/", ...)`, a `re.sub` whose pattern removes every '/', or a filter
  `"".join(c for c in v if ...)` whose condition rejects '/', and nothing after that adds one;
- and cannot be `..`: it holds no '..' (dots removed or `replace("..", ...)`, kept by
  operations that only cut the text), or its last steps prove the whole value is not `..`
  (`lstrip(".")`, a guard `if v in {".", ".."}: raise`, a literal suffix).

Order matters: Calibre-Web's `get_valid_filename` replaces a trailing dot and then truncates
and strips, so `".." + " " * 94 + "x"` still comes out as `..`; it is not a sanitiser here.
Names play no part, and an operation the model does not know ends the inference (sound, not
complete). Backslash is not a separator on POSIX and is not required.
"""

from __future__ import annotations

import ast

from vallum.review.functions import Function
from vallum.review.parse import Module, Node
from vallum.review.taint.pathvals import (
    NO_DOTDOT,
    NOT_DOTDOT,
    SEP,
    Unknown,
    Val,
    concat,
    literal,
    meet,
    regex_sub,
    replace_props,
    safe,
)

_CUTS = frozenset({"strip", "lstrip", "rstrip"})  # keep a substring
_CASE = frozenset({"lower", "upper", "casefold", "title", "capitalize", "swapcase"})
_CHAR_TESTS = frozenset({"isalnum", "isalpha", "isdigit", "isdecimal", "isnumeric", "isascii"})


def component_params(func: Function) -> frozenset[int]:
    """Indexes of the parameters every return of `func` turns into a safe path component."""
    body = func.body
    if body is None or not func.params:
        return frozenset()
    inference = _Inference(func.module)
    state = {p.name: Val(i, frozenset()) for i, p in enumerate(func.params)}
    try:
        inference.block(body, state)
    except Unknown:
        return frozenset()
    params = {v.param for v in inference.returns if v.param >= 0}
    if len(params) != 1 or not all(safe(v) for v in inference.returns):
        return frozenset()
    return frozenset(params)


State = dict[str, Val]


class _Inference:
    def __init__(self, m: Module) -> None:
        self.m = m
        self.returns: list[Val] = []

    # --- statements --------------------------------------------------------------------

    def block(self, node: Node, state: State) -> bool:
        """Run a block on `state` in place; True when it always leaves (return or raise)."""
        return any(self.stmt(stmt, state) for stmt in node.named_children)

    def stmt(self, node: Node, state: State) -> bool:
        t = node.type
        if t == "return_statement":
            value = node.named_children[0] if node.named_children else None
            if value is None:
                raise Unknown
            self.returns.append(self.expr(value, state))
            return True
        if t == "raise_statement":
            return True
        if t == "if_statement":
            return self._if(node, state)
        if t in {"comment", "pass_statement"}:
            return False
        if t == "expression_statement":
            child = node.named_children[0] if node.named_children else None
            if child is not None and child.type == "assignment":
                self._assign(child, state)
            elif child is not None and child.type not in {"call", "string"}:
                raise Unknown  # augmented assignment, yield, ...
            return False
        raise Unknown  # loops, try, with, nested definitions: not modelled

    def _assign(self, node: Node, state: State) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None or left.type != "identifier":
            raise Unknown
        state[self.m.text(left)] = self.expr(right, state)

    def _if(self, node: Node, state: State) -> bool:
        condition = node.child_by_field_name("condition")
        consequence = node.child_by_field_name("consequence")
        if condition is None or consequence is None:
            raise Unknown
        branches: list[tuple[Node, State]] = [(consequence, dict(state))]
        otherwise: State = dict(state)
        ends_else = False
        for alt in node.children_by_field_name("alternative"):
            body = alt.child_by_field_name("consequence") or alt.child_by_field_name("body")
            if body is None:
                raise Unknown
            if alt.type == "elif_clause":
                branches.append((body, dict(state)))
            else:
                ends_else = self.block(body, otherwise)
        fallthrough: list[State] = []
        for body, branch in branches:
            if not self.block(body, branch):
                fallthrough.append(branch)
        if len(branches) == 1 and not fallthrough and not ends_else:
            self._guard(condition, otherwise)  # `if bad(v): raise`: after it, v is not bad
        if not ends_else:
            fallthrough.append(otherwise)
        if not fallthrough:
            return True
        merged = fallthrough[0]
        for other in fallthrough[1:]:
            merged = {k: meet(v, other[k]) for k, v in merged.items() if k in other}
        state.clear()
        state.update(merged)
        return False

    def _guard(self, cond: Node, state: State) -> None:
        """A condition whose truth leaves: each `or` operand is false afterwards."""
        cond = _unwrap(cond)
        if cond.type == "boolean_operator" and _operator(self.m, cond) == "or":
            for side in ("left", "right"):
                part = cond.child_by_field_name(side)
                if part is not None:
                    self._guard(part, state)
            return
        if cond.type != "comparison_operator" or len(cond.named_children) != 2:
            return
        left, right = cond.named_children
        op = _between(self.m, cond, left, right)
        name = self.m.text(left)
        if op == "in" and left.type == "identifier" and name in state:
            if right.type in {"set", "tuple", "list"} and any(
                _string(self.m, item) == ".." for item in right.named_children
            ):
                _add(state, name, NOT_DOTDOT)
        elif op == "==" and left.type == "identifier" and _string(self.m, right) == "..":
            _add(state, name, NOT_DOTDOT)
        elif op == "in" and _string(self.m, left) == ".." and right.type == "identifier":
            _add(state, self.m.text(right), NO_DOTDOT)

    # --- expressions -------------------------------------------------------------------

    def expr(self, node: Node, state: State) -> Val:
        node = _unwrap(node)
        t = node.type
        if t == "identifier":
            found = state.get(self.m.text(node))
            if found is None:
                raise Unknown
            return found
        text = _string(self.m, node)
        if text is not None:
            return literal(text)
        if t == "binary_operator":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if left is None or right is None or _between(self.m, node, left, right) != "+":
                raise Unknown
            return concat(self.expr(left, state), self.expr(right, state))
        if t in {"boolean_operator", "conditional_expression"}:
            values = list(node.named_children)
            if t == "conditional_expression":
                del values[1:2]  # `a if cond else b`: the condition is not a value
            out = self.expr(values[0], state)
            for other in values[1:]:
                out = meet(out, self.expr(other, state))
            return out
        if t == "subscript" and any(c.type == "slice" for c in node.named_children):
            base = node.child_by_field_name("value")
            if base is None:
                raise Unknown
            inner = self.expr(base, state)
            return Val(inner.param, inner.props - {NOT_DOTDOT})
        if t == "call":
            return self._call(node, state)
        raise Unknown

    def _call(self, node: Node, state: State) -> Val:
        func = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if func is None or args is None:
            raise Unknown
        positional = (
            [args]  # `"".join(c for c in v)`: the generator is the argument list
            if args.type == "generator_expression"
            else [a for a in args.named_children if a.type not in {"keyword_argument", "comment"}]
        )
        strings = [_string(self.m, a) for a in positional]
        callee = self.m.text(func)
        if callee in {"re.sub", "regex.sub"} and len(positional) >= 3:
            pattern, repl = strings[0], strings[1]
            if pattern is None or repl is None:
                raise Unknown
            return regex_sub(self.expr(positional[2], state), pattern, repl)
        if callee == "str" and len(positional) == 1:
            return self.expr(positional[0], state)
        if func.type != "attribute":
            raise Unknown
        obj = func.child_by_field_name("object")
        attr = func.child_by_field_name("attribute")
        if obj is None or attr is None:
            raise Unknown
        method = self.m.text(attr)
        if method == "join" and _string(self.m, obj) is not None and len(positional) == 1:
            return self._filtered(positional[0], state, _string(self.m, obj) or "")
        inner = self.expr(obj, state)
        props = set(inner.props)
        if method == "replace" and len(strings) >= 2 and None not in strings[:2]:
            old, new = strings[0] or "", strings[1] or ""
            return Val(inner.param, frozenset(replace_props(props, old, new)))
        if method in _CUTS:
            chars = strings[0] if strings else " "
            if chars is None:
                raise Unknown
            props.discard(NOT_DOTDOT)
            if method != "rstrip" and "." in chars:
                props.add(NOT_DOTDOT)  # it cannot start with a dot
            return Val(inner.param, frozenset(props))
        if method in _CASE:
            return inner
        if method in {"encode", "decode"}:
            return Val(inner.param, inner.props - {NOT_DOTDOT})
        raise Unknown

    def _filtered(self, gen: Node, state: State, glue: str) -> Val:
        """`glue.join(c for c in v if test(c))`: which of '/' and '.' the test lets through."""
        if gen.type not in {"generator_expression", "list_comprehension"} or "." in glue:
            raise Unknown
        body = gen.child_by_field_name("body")
        clauses = [c for c in gen.named_children if c != body]
        if body is None or body.type != "identifier" or len(clauses) != 2:
            raise Unknown
        loop, test = clauses
        if loop.type != "for_in_clause" or test.type != "if_clause" or not test.named_children:
            raise Unknown
        var = loop.child_by_field_name("left")
        source = loop.child_by_field_name("right")
        if var is None or source is None or self.m.text(var) != self.m.text(body):
            raise Unknown
        inner = self.expr(source, state)
        name = self.m.text(var)
        props: set[str] = set()
        if SEP in inner.props or not self._admits(test.named_children[0], name, "/"):
            props.add(SEP)
        if not self._admits(test.named_children[0], name, "."):
            props |= {NO_DOTDOT, NOT_DOTDOT}
        return Val(inner.param, frozenset(props))

    def _admits(self, cond: Node, var: str, char: str) -> bool:
        """Whether the filter condition is true for `char` (exact for the tests it knows)."""
        cond = _unwrap(cond)
        if cond.type == "not_operator":
            arg = cond.child_by_field_name("argument")
            if arg is None:
                raise Unknown
            return not self._admits(arg, var, char)
        if cond.type == "boolean_operator":
            left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
            if left is None or right is None:
                raise Unknown
            if _operator(self.m, cond) == "and":
                return self._admits(left, var, char) and self._admits(right, var, char)
            return self._admits(left, var, char) or self._admits(right, var, char)
        if cond.type == "call":
            func = cond.child_by_field_name("function")
            if func is not None and func.type == "attribute":
                obj, attr = (
                    func.child_by_field_name("object"),
                    func.child_by_field_name("attribute"),
                )
                if obj is not None and attr is not None and self.m.text(obj) == var:
                    test = self.m.text(attr)
                    if test in _CHAR_TESTS:
                        return bool(getattr(char, test)())
        if cond.type == "comparison_operator" and len(cond.named_children) == 2:
            left, right = cond.named_children
            op = _between(self.m, cond, left, right)
            lit = _string(self.m, right)
            if self.m.text(left) == var and lit is not None:
                if op == "in":
                    return char in lit
                if op == "not in":
                    return char not in lit
                if op == "==":
                    return char == lit
                if op == "!=":
                    return char != lit
        raise Unknown


def _between(m: Module, node: Node, left: Node, right: Node) -> str:
    """The operator written between two operands (`not in`, `+`), spaces normalised."""
    between = (c for c in node.children if left.end_byte <= c.start_byte < right.start_byte)
    return " ".join(m.text(c) for c in between)


def _operator(m: Module, node: Node) -> str:
    op = node.child_by_field_name("operator")
    return m.text(op) if op is not None else ""


def _string(m: Module, node: Node | None) -> str | None:
    """The value of a plain string literal, escapes decoded; None for anything else."""
    if node is None or node.type != "string":
        return None
    if any(c.type == "interpolation" for c in node.named_children):
        return None
    try:
        value = ast.literal_eval(m.text(node))
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def _add(state: State, name: str, prop: str) -> None:
    if name in state:
        v = state[name]
        state[name] = Val(v.param, v.props | {prop})


def _unwrap(node: Node) -> Node:
    while node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node
