"""Taint labels: where a value came from and which sink kinds it has been made safe for."""

from __future__ import annotations

from dataclasses import dataclass

PARAM = "param:"
WEAK_RANDOM = "weak random"


@dataclass(frozen=True, slots=True)
class Label:
    """One origin of a value. `origin` is a source description or `param:<index>`."""

    origin: str
    line: int
    cleared: frozenset[str] = frozenset()

    @property
    def param(self) -> int | None:
        if not self.origin.startswith(PARAM):
            return None
        return int(self.origin[len(PARAM) :].partition(".")[0])

    @property
    def field(self) -> str:
        """The field path read from a parameter (`param:0.template.name`: "template.name"; `param:0.table`
        is the `table` attribute of parameter 0, `self.table` in a method); "" for all of it."""
        return self.origin[len(PARAM) :].partition(".")[2] if self.origin.startswith(PARAM) else ""

    def of_field(self, attr: str) -> Label:
        """The label of `x.attr` when `x` carries this one: a parameter's field, else itself."""
        if not self.origin.startswith(PARAM) or "." in self.origin:
            return self
        return Label(f"{self.origin}.{attr}", self.line, self.cleared)

    def clear(self, kinds: frozenset[str]) -> Label:
        if kinds <= self.cleared:
            return self
        return Label(self.origin, self.line, self.cleared | kinds)


Taint = frozenset[Label]
CLEAN: Taint = frozenset()
Env = dict[str, Taint]  # what each name holds at a point of a function


def join(states: list[Env]) -> Env:
    """Where branches meet: each name holds what it held on any branch."""
    merged: Env = {}
    for state in states:
        for key, value in state.items():
            held = merged.get(key)
            if held is None or held is value or not held:
                merged[key] = value  # most names hold the same value on every branch
            elif value and value is not held:
                merged[key] = held | value
    return merged


def clear(taint: Taint, kinds: frozenset[str]) -> Taint:
    """The same origins, now safe for `kinds` too."""
    return frozenset(label.clear(kinds) for label in taint) if taint and kinds else taint


def dangerous(taint: Taint, kind: str) -> list[Label]:
    found = [label for label in taint if kind not in label.cleared]
    if kind == "weakrand":  # only predictable values make a weak session id or cookie
        found = [label for label in found if label.origin.startswith((WEAK_RANDOM, PARAM))]
    return sorted(found, key=lambda label: (label.line, label.origin))


@dataclass(frozen=True, slots=True)
class SinkHit:
    """A parameter of a function reaches a sink, possibly through further calls."""

    kind: str
    path: str
    line: int
    callee: str
    snippet: str
    cleared: frozenset[str] = frozenset()
    field: str = ""  # the field of the parameter that reaches the sink ("" for all of it)


@dataclass(frozen=True, slots=True)
class Summary:
    """What a function does with its parameters: which reach its return value, which a sink."""

    returns: Taint = CLEAN
    sinks: tuple[tuple[int, SinkHit], ...] = ()
    # (parameter index, kinds): a true result proves that parameter safe for those kinds.
    validates: tuple[tuple[int, frozenset[str]], ...] = ()
    # (attribute, taint): what a method leaves in `self.attribute` (constructors, setters).
    fields: tuple[tuple[str, Taint], ...] = ()

    def hits(self, index: int) -> list[SinkHit]:
        return [hit for i, hit in self.sinks if i == index]
