"""Taint tracking across functions and modules: summaries computed to a fixed point.

Every function gets a `Summary` (which parameters reach its return value, which reach a sink).
A worklist re-analyses the callers of any function whose summary changed, so flows through
helpers in other modules are found without analysing any function more often than needed.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict, deque
from dataclasses import replace

from vallum.review.findings import Finding, Severity
from vallum.review.functions import Function, collect_functions
from vallum.review.parse import Module
from vallum.review.taint.callees import Callee
from vallum.review.taint.engine import Analyzer
from vallum.review.taint.flows import make_finding
from vallum.review.taint.labels import Env, Label, Summary
from vallum.review.taint.spec import SAFE_PARAM_TYPES

MAX_VISITS = 6  # per function; recursion converges long before


class Project:
    """All parsed modules of one review, with their functions indexed by qualified name."""

    def __init__(self, modules: list[Module], entry_points: tuple[str, ...] = ()) -> None:
        self.modules = modules
        self.entry_points = entry_points
        self.functions: dict[str, Function] = {}
        self.by_module: dict[str, list[Function]] = {}
        self.suffixes: dict[str, str | None] = {}
        for module in modules:
            funcs = collect_functions(module)
            self.by_module[module.path] = funcs
            for func in funcs:
                self.functions[func.qualname] = func
                parts = func.qualname.split(".")
                # `src.app.db.run` is also reachable as `app.db.run` and `db.run`.
                for start in range(1, len(parts) - 1):
                    suffix = ".".join(parts[start:])
                    self.suffixes[suffix] = (
                        func.qualname if suffix not in self.suffixes else None  # ambiguous
                    )
        self.summaries: dict[str, Summary] = {}
        self.closures: dict[str, Env] = {}  # nested function -> what its free names hold
        self._resolved: dict[tuple[str, str, str], tuple[str, tuple[str, ...], int] | None] = {}

    def resolve(self, module: Module, name: str, caller: Function) -> Callee | None:
        """The project function a call named `name` in `caller` invokes, if any."""
        if not name or "(" in name or name.startswith("?"):
            return None
        local = "." not in name or name.startswith(("self.", "cls."))
        key = (module.path, name, caller.qualname if local else "")
        if key not in self._resolved:  # the same names are looked up on every visit
            self._resolved[key] = self._lookup(module, name, caller)
        found = self._resolved[key]
        if found is None:
            return None
        qual, params, offset = found
        return Callee(qual, self.summaries.get(qual, Summary()), params, offset)

    def _lookup(
        self, module: Module, name: str, caller: Function
    ) -> tuple[str, tuple[str, ...], int] | None:
        offset = 0
        candidates: list[str] = []
        if name.startswith(("self.", "cls.")) and name.count(".") == 1:
            owner = caller.qualname.rsplit(".", 1)[0]
            candidates.append(f"{owner}.{name.split('.', 1)[1]}")
            offset = 1
        else:
            if "." not in name:
                # A function defined inside the caller (or beside it, inside the same function)
                candidates.append(f"{caller.qualname}.{name}")
                parent = caller.qualname.rsplit(".", 1)[0]
                if parent in self.functions:
                    candidates.append(f"{parent}.{name}")
            candidates.append(f"{module.name}.{name}")
            candidates.append(name)
            # Reviewing a package from inside (`site-packages/octoprint`), its modules are named
            # from there (`server.util`) while its imports are absolute
            # (`octoprint.server.util.f`): the name without its leading packages is exact.
            parts = name.split(".")
            candidates.extend(
                q for i in range(1, len(parts) - 1) if (q := ".".join(parts[i:])) in self.functions
            )
        for candidate in candidates:
            qual = candidate if candidate in self.functions else self.suffixes.get(candidate)
            if qual:
                func = self.functions[qual]
                params = tuple(p.name for p in func.params)
                if func.class_name and offset == 0 and params[:1] in {("self",), ("cls",)}:
                    offset = 1  # `Class.method(obj, x)` is rare; `obj.method` is unresolved
                return qual, params, offset
        return None

    def _is_entry(self, func: Function) -> bool:
        """Parameters are sources only for entry points the threat model (or caller) names.

        A library's functions are called by code the review cannot see with data it cannot
        judge; treating every parameter of every uncalled function as attacker-controlled made
        most findings on real libraries false alarms (`_execute(operation)` reaching
        `cursor.execute`).
        """
        return _named(func, self.entry_points)

    def analyse(self) -> list[Finding]:
        """Run the worklist to a fixed point and return the findings of the final states."""
        findings: dict[str, list[Finding]] = {}
        callers: dict[str, set[str]] = defaultdict(set)
        visits: dict[str, int] = defaultdict(int)
        queue = deque(self.functions)
        queued = set(queue)
        while queue:
            qual = queue.popleft()
            queued.discard(qual)
            func = self.functions[qual]
            visits[qual] += 1
            result = Analyzer(func, self.resolve, self.closures.get(qual)).run(func.body)
            findings[qual] = result.findings
            for callee in result.callees:
                callers[callee].add(qual)
            for inner, captured in result.closures.items():
                # A nested function sees the enclosing function's names: re-run it when they change
                if inner in self.functions and captured != self.closures.get(inner, {}):
                    self.closures[inner] = captured
                    if inner not in queued and visits[inner] < MAX_VISITS:
                        queue.append(inner)
                        queued.add(inner)
            if result.summary != self.summaries.get(qual, Summary()):
                self.summaries[qual] = result.summary
                for caller in callers[qual]:
                    if caller not in queued and visits[caller] < MAX_VISITS:
                        queue.append(caller)
                        queued.add(caller)
        called = {callee for callee, who in callers.items() if who}
        for qual, summary in self.summaries.items():
            if qual not in called and self._is_entry(self.functions[qual]):
                findings[f"{qual}<entry>"] = _entry_findings(self.functions[qual], summary)
        for module in self.modules:
            top = Function(f"{module.name}.<module>", "<module>", module, module.root, [], "", [])
            findings[top.qualname] = (
                Analyzer(top, self.resolve).run(module.root, params=False).findings
            )
        return [f for group in findings.values() for f in group]


def _named(func: Function, patterns: tuple[str, ...]) -> bool:
    return any(
        fnmatch.fnmatchcase(func.name, p) or fnmatch.fnmatchcase(func.qualname, p) for p in patterns
    )


def _entry_findings(func: Function, summary: Summary) -> list[Finding]:
    """Parameters of a named entry point that nothing in the reviewed code calls are untrusted.

    A generated snippet (`def run_query(name): ...`) is called from code the reviewer cannot
    see, so its parameters are where the attacker's data arrives. Reported one severity lower
    and with lower confidence than flows from a known source.
    """
    if func.name.startswith(("test_", "__")) or func.route is not None:
        return []
    out: list[Finding] = []
    for index, hit in summary.sinks:
        if index >= len(func.params) or hit.kind in hit.cleared or hit.kind == "weakrand":
            continue
        param = func.params[index]
        base = param.annotation.split("|")[0].strip()
        if param.name in {"self", "cls"} or base in SAFE_PARAM_TYPES:
            continue
        origin = f"parameter '{param.name}' of entry point {func.name}()"
        finding = make_finding(
            hit.kind, Label(origin, func.line), hit.path, hit.line, hit.callee, hit.snippet, 1
        )
        lowered = Severity(max(int(finding.severity) - 1, int(Severity.LOW)))
        out.append(replace(finding, severity=lowered, confidence=0.6))
    return out
