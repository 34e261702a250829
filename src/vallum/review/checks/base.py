"""What pattern checks share: per-module facts gathered in one walk, and a finding helper."""

from __future__ import annotations

from dataclasses import dataclass, field

from vallum.review.findings import Finding, Severity
from vallum.review.functions import Function
from vallum.review.parse import Module, Node, call_name, walk


@dataclass(slots=True)
class Facts:
    """Calls (with resolved names), assignments, dict pairs and except clauses of one module."""

    module: Module
    functions: list[Function]
    calls: list[tuple[str, Node]] = field(default_factory=list)
    assignments: list[Node] = field(default_factory=list)
    pairs: list[Node] = field(default_factory=list)
    excepts: list[Node] = field(default_factory=list)

    @classmethod
    def gather(cls, module: Module, functions: list[Function]) -> Facts:
        facts = cls(module, functions)
        for node in walk(module.root):
            t = node.type
            if t == "call":
                facts.calls.append((call_name(module, node), node))
            elif t == "assignment":
                facts.assignments.append(node)
            elif t == "pair":
                facts.pairs.append(node)
            elif t == "except_clause":
                facts.excepts.append(node)
        return facts

    def finding(
        self,
        rule: str,
        cwe: int,
        severity: Severity,
        node: Node,
        message: str,
        confidence: float = 1.0,
    ) -> Finding:
        line = node.start_point[0] + 1
        return Finding(
            rule,
            cwe,
            severity,
            self.module.path,
            line,
            message,
            column=node.start_point[1] + 1,
            end_line=node.end_point[0] + 1,
            snippet=self.module.snippet(line),
            confidence=confidence,
        )

    def enclosing(self, node: Node) -> Function | None:
        """The innermost function containing `node`."""
        best: Function | None = None
        for func in self.functions:
            inside = func.node.start_byte <= node.start_byte and node.end_byte <= func.node.end_byte
            if inside and (best is None or func.node.start_byte >= best.node.start_byte):
                best = func
        return best
