"""Python lambdas in the taint engine: evaluated where they are called, in the enclosing names.

`by = lambda col: f"SELECT ... ORDER BY {col}"` then `db.execute(by(request.args["s"]))`: the
body runs with `col` bound to the argument's taint, so the flow reaches the sink inside the
lambda. A lambda nobody calls by name (a thread target, a callback) is evaluated once where it is
written, its parameters clean, so the request data it closes over still reaches its sinks.
"""

from __future__ import annotations

from vallum.review.parse import Module, Node
from vallum.review.taint.labels import CLEAN, Env, Taint


class Lambdas:
    """Mixin for `Expressions`: the lambdas bound to names and their evaluation."""

    m: Module
    env: Env
    lambdas: dict[str, Node]

    def expr(self, node: Node | None) -> Taint:
        raise NotImplementedError

    def _lambda(self, node: Node, args: list[Taint], kwargs: dict[str, Taint]) -> Taint:
        """A lambda's body, its parameters bound to `args`, in the enclosing names."""
        saved = dict(self.env)
        params = node.child_by_field_name("parameters")
        names = [
            self.m.text(p if p.type == "identifier" else p.child_by_field_name("name") or p)
            for p in (params.named_children if params is not None else [])
        ]
        for index, name in enumerate(names):
            self.env[name] = args[index] if index < len(args) else kwargs.get(name, CLEAN)
        try:
            return self.expr(node.child_by_field_name("body"))
        finally:
            self.env = saved
