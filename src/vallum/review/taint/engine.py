"""Intra-procedural taint tracking over one function, using callee summaries for calls.

Flow-sensitive along straight-line code, path-insensitive across branches (branch states are
merged, branches that return or raise are dropped), with validators in `if` conditions
clearing the names they check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from vallum.review.findings import Finding
from vallum.review.functions import Function
from vallum.review.parse import Module, Node, arguments, call_name
from vallum.review.taint import spec
from vallum.review.taint.callees import Resolver
from vallum.review.taint.components import component_params
from vallum.review.taint.consts import UNKNOWN, fold
from vallum.review.taint.expressions import Expressions
from vallum.review.taint.fields import method_fields, owners_of
from vallum.review.taint.guards import Cleared, each, guards, mentioned
from vallum.review.taint.labels import Env, Label, SinkHit, Summary, Taint, clear, join
from vallum.review.taint.predicates import validated_params

_TERMINATORS = frozenset(
    {"return_statement", "raise_statement", "continue_statement", "break_statement"}
)
_UNPACK = frozenset({"pattern_list", "tuple_pattern"})
_PATH = frozenset({"path"})
_ABORTS = frozenset({"abort", "flask.abort", "sys.exit", "exit"})


@dataclass(slots=True)
class Result:
    summary: Summary
    findings: list[Finding] = field(default_factory=list)
    callees: set[str] = field(default_factory=set)
    closures: dict[str, Env] = field(default_factory=dict)  # nested function -> free names


class Analyzer(Expressions):
    """Walk one function body once; collect findings, its summary and the callees it used."""

    def __init__(self, func: Function, resolve: Resolver, closure: Env | None = None) -> None:
        self.func = func
        self.m: Module = func.module
        self.resolve = resolve
        self.env: Env = dict(closure or {})  # a nested function starts from its free names
        self.types: dict[str, str] = {}
        self.normalised: set[str] = set()
        self.consts: dict[str, object] = {}
        self.strings: set[str] = set()
        self.returns: set[Label] = set()
        self.hits: set[tuple[int, SinkHit]] = set()
        self.findings: list[Finding] = []
        self.callees: set[str] = set()
        self.proofs: dict[str, Cleared] = {}  # `ok = is_safe(x)`: what a true `ok` proves
        # `bad = [c for c in cols if c not in ALLOWED]`: what an empty `bad` proves
        self.violations: dict[str, Cleared] = {}
        self.closures: dict[str, Env] = {}
        self.constructed: dict[int, tuple[tuple[str, Taint], ...]] = {}
        self.owners: set[str] = {o for key in self.env for o in owners_of(key)}
        self.lambdas: dict[str, Node] = {}  # `by = lambda col: ...`: evaluated where called

    def run(self, body: Node | None, params: bool = True) -> Result:
        if params:
            self._bind_params()
        if body is not None:
            self.block(body)
        if params:
            for inner in list(self.closures):  # names assigned after the `def` count too
                self._capture(inner)
        validates = validated_params(self.func, self._inferred) if params else ()
        returns = frozenset(self.returns)
        if params and returns:
            components = component_params(self.func)  # its result is one safe file name
            returns = frozenset(
                label.clear(_PATH) if label.param in components else label for label in returns
            )
        method = (
            bool(self.func.class_name)
            and self.func.params[:1] != []
            and (self.func.params[0].name == "self")
        )
        fields = method_fields(self.env) if params and method else ()
        summary = Summary(returns, tuple(sorted(self.hits, key=repr)), validates, fields)
        return Result(summary, self.findings, self.callees, self.closures)

    def _capture(self, qualname: str) -> None:
        """What the free names of a nested function hold here (real sources, not parameters)."""
        captured = dict(self.closures.get(qualname, {}))
        for name, taint in self.env.items():
            kept = frozenset(label for label in taint if label.param is None)
            if kept:
                captured[name] = captured.get(name, frozenset()) | kept
        self.closures[qualname] = captured

    def _bind_params(self) -> None:
        route = self.func.route
        for index, param in enumerate(self.func.params):
            if route is not None:
                if _framework_param(param.name, param.annotation, param.default):
                    continue
                if re.search(rf"<(int|float|uuid):{re.escape(param.name)}>", route.path):
                    continue  # `<int:book_id>`: Flask hands over a number or a UUID
                label = Label(f"route parameter '{param.name}'", self.func.line)
            else:
                label = Label(f"param:{index}", self.func.line)
            self.env[param.name] = frozenset({label})

    def _remember_proof(self, left: Node, right: Node) -> None:
        target = left.named_children[0] if left.type in _UNPACK and left.named_children else left
        rebound = {self.m.text(n) for n in _find(left, "identifier")} | {self.m.text(left)}
        for name in rebound:
            self.lambdas.pop(name, None)
        if left.type == "identifier" and right.type == "lambda":
            self.lambdas[self.m.text(left)] = right
        for known in (self.proofs, self.violations):
            for name in [n for n, proof in known.items() if n in rebound or rebound & set(proof)]:
                del known[name]  # the result, or a value it proved safe, was rebound
        if target.type == "identifier" and right.type == "list_comprehension":
            every = each(self.m, right, False, self.normalised, self._inferred)
            if every:
                self.violations[self.m.text(target)] = every
        if target.type == "identifier" and right.type == "call":
            proof = guards(self.m, right, self.normalised, self._inferred)[0]
            if proof:
                self.proofs[self.m.text(target)] = proof

    def _inferred(self, call: Node) -> Cleared:
        """What a call of a project function inferred to be a validator proves when true."""
        if call.type != "call":
            return dict(self.proofs.get(self.m.text(call), {}))
        callee = self.resolve(self.m, call_name(self.m, call), self.func)
        if callee is None:
            return {}
        self.callees.add(callee.qualname)  # re-analysed when the callee's summary changes
        if not callee.summary.validates:
            return {}
        pos, kw = arguments(call)
        by_index = {i + callee.offset: arg for i, arg in enumerate(pos)}
        for key, value in kw.items():
            if key in callee.params:
                by_index[callee.params.index(key)] = value
        out: Cleared = {}
        for index, kinds in callee.summary.validates:
            arg = by_index.get(index)
            if arg is not None and arg.type in {"identifier", "attribute", "call"}:
                for name in mentioned(self.m, arg):
                    out[name] = out.get(name, frozenset()) | kinds
        return out

    # --- statements --------------------------------------------------------------------

    def block(self, node: Node) -> bool:
        """Run the statements of a block; True when it always leaves (return/raise)."""
        return any(self.stmt(stmt) for stmt in node.named_children)

    def stmt(self, node: Node) -> bool:
        t = node.type
        if t == "expression_statement":
            for child in node.named_children:
                self.expr(child)
            first = node.named_children[0] if node.named_children else None
            return (
                first is not None and first.type == "call" and (call_name(self.m, first) in _ABORTS)
            )
        if t in _TERMINATORS:
            if t == "return_statement" and node.named_children:
                value = self.expr(node.named_children[0])
                self.returns.update(value)
                self._html_return(node.named_children[0], value)
            elif t == "raise_statement":
                for child in node.named_children:
                    self.expr(child)
            return True
        if t == "if_statement":
            return self._if(node)
        if t in {"for_statement", "while_statement"}:
            return self._loop(node)
        if t == "with_statement":
            for item in _find(node, "with_item"):
                self._with_item(item)
            body = node.child_by_field_name("body")
            return self.block(body) if body is not None else False
        if t == "try_statement":
            for child in node.named_children:
                if child.type == "block":
                    self.block(child)
                else:
                    body = child.child_by_field_name("body") or _last_block(child)
                    if body is not None:
                        self.block(body)
            return False
        if t == "match_statement":
            return self._match(node)
        if t in {"function_definition", "decorated_definition"} and self.func.name != "<module>":
            definition = (
                node.child_by_field_name("definition") if t != "function_definition" else node
            )
            name = definition.child_by_field_name("name") if definition is not None else None
            if name is not None:  # analysed on its own, from what its free names hold here
                self._capture(f"{self.func.qualname}.{self.m.text(name)}")
            return False
        if t in {"function_definition", "class_definition", "decorated_definition"}:
            return False  # analysed on their own
        if t == "block":
            return self.block(node)
        for child in node.named_children:
            if child.type not in {"identifier", "dotted_name", "comment"}:
                self.expr(child)
        return False

    def _if(self, node: Node) -> bool:
        """Branches of an if/elif/else chain; a condition that folds to a constant decides."""
        condition = node.child_by_field_name("condition")
        self.expr(condition)
        first_true, first_false = guards(self.m, condition, self.normalised, self._inferred)
        if condition is not None and self.m.text(condition) in self.violations:
            # `if bad: raise`: past it, no element failed the check
            first_false = dict(first_false)
            for name, kinds in self.violations[self.m.text(condition)].items():
                first_false[name] = first_false.get(name, frozenset()) | kinds
        clauses: list[tuple[Node | None, Node | None]] = [
            (condition, node.child_by_field_name("consequence"))
        ]
        otherwise: Node | None = None
        for alt in node.children_by_field_name("alternative"):
            body = alt.child_by_field_name("consequence") or alt.child_by_field_name("body")
            if alt.type == "elif_clause":
                self.expr(alt.child_by_field_name("condition"))
                clauses.append((alt.child_by_field_name("condition"), body))
            else:
                otherwise = body

        def run(body: Node | None, cleared: Cleared) -> bool:
            self._clear_names(cleared)
            return self.block(body) if body is not None else False

        branches: list[Callable[[], bool]] = []
        for index, (cond, body) in enumerate(clauses):
            value = fold(self.m, cond, self.consts)
            if value is not UNKNOWN and not value:
                continue  # a branch that never runs
            own, _ = (
                guards(self.m, cond, self.normalised, self._inferred) if index else (first_true, {})
            )
            cleared = own if index == 0 else {**first_false, **own}
            branches.append(partial(run, body, cleared))
            if value is not UNKNOWN:
                break  # always taken: later branches never run
        else:
            branches.append(partial(run, otherwise, first_false))
        return self._branch(branches)

    def _match(self, node: Node) -> bool:
        """The cases of a `match`: one of them runs; a subject that folds to a constant decides."""
        subject = node.child_by_field_name("subject")
        self.expr(subject)
        value = fold(self.m, subject, self.consts)
        body = node.child_by_field_name("body")
        cases = [
            c for c in (body.named_children if body is not None else []) if c.type == "case_clause"
        ]
        branches: list[Callable[[], bool]] = []
        for case in cases:
            consequence = case.child_by_field_name("consequence")
            run = partial(self.block, consequence) if consequence is not None else _stay
            patterns = [p for p in case.named_children if p.type == "case_pattern"]
            literals = [
                fold(self.m, p.named_children[0], {}) if p.named_children else None
                for p in patterns
            ]
            wildcard = (
                any(not p.named_children for p in patterns)
                and case.child_by_field_name("guard") is None
            )
            if (
                value is not UNKNOWN
                and not wildcard
                and UNKNOWN not in literals
                and value not in literals
            ):
                continue  # `case "A":` when the subject is the constant "B": never runs
            branches.append(run)
            if wildcard or (
                value is not UNKNOWN
                and value in literals
                and case.child_by_field_name("guard") is None
            ):
                break  # always taken from here: later cases never run
        else:
            branches.append(_stay)  # no case matched
        return self._branch(branches)

    def _branch(self, branches: list[Callable[[], bool]]) -> bool:
        """Run each branch from the same state; merge the states of those that fall through."""
        before = dict(self.env)
        before_consts = dict(self.consts)
        states: list[Env] = []
        consts: list[dict[str, object]] = []
        for run in branches:
            self.env = dict(before)
            self.consts = dict(before_consts)
            if not run():
                states.append(self.env)
                consts.append(self.consts)
        if not states:
            self.env = before
            self.consts = before_consts
            return True
        self.env = join(states)
        self.consts = {
            k: v for k, v in consts[0].items() if all(c.get(k, UNKNOWN) == v for c in consts[1:])
        }
        return False

    def _loop(self, node: Node) -> bool:
        if node.type == "for_statement":
            self._bind(
                node.child_by_field_name("left"), self.expr(node.child_by_field_name("right"))
            )
        else:
            self.expr(node.child_by_field_name("condition"))
        body = node.child_by_field_name("body")
        if body is not None:
            # Once: both branches start from the state before the loop (a second run of the body
            # from that same state, as before, gave the same state and cost as much again).
            self._branch([lambda: self.block(body), _stay])
        return False

    def _with_item(self, item: Node) -> None:
        value = item.child_by_field_name("value")
        if value is not None and value.type == "as_pattern":
            source = value.named_children[0]
            target = value.child_by_field_name("alias")
            taint = self.expr(source)
            if target is not None:
                target = target.named_children[0] if target.named_children else target
                self._bind(target, taint)
                self._remember_type(target, source)
        else:
            self.expr(value)

    def _clear_names(self, names: Cleared) -> None:
        for name, kinds in names.items():
            if name in self.env:
                self.env[name] = clear(self.env[name], kinds)


def _framework_param(name: str, annotation: str, default: str) -> bool:
    if name in {"self", "cls", "request", "req", "db", "session", "background_tasks"}:
        return True
    if (
        "Depends(" in default
        or "Security(" in default
        or (
            annotation.startswith("Annotated[")
            and ("Depends(" in annotation or "Security(" in annotation)
        )
    ):
        return True
    base = annotation.split("|")[0].strip().removeprefix("Annotated[").split(",")[0].strip()
    return base in spec.SAFE_PARAM_TYPES or base in {"Request", "Session", "AsyncSession"}


def _stay() -> bool:
    return False


def _find(node: Node, kind: str) -> list[Node]:
    out: list[Node] = []
    stack = list(node.named_children)
    while stack:
        current = stack.pop()
        if current.type == kind:
            out.append(current)
        elif current.type not in {"block"}:
            stack.extend(current.named_children)
    return out


def _last_block(node: Node) -> Node | None:
    blocks = [c for c in node.named_children if c.type == "block"]
    return blocks[-1] if blocks else None
