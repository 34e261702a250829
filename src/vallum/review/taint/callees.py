"""A resolved project function as the taint engine sees it at a call, and the resolver type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vallum.review.functions import Function
from vallum.review.parse import Module
from vallum.review.taint.labels import Summary


@dataclass(frozen=True, slots=True)
class Callee:
    """A resolved project function: its summary, parameter names and the `self` offset."""

    qualname: str
    summary: Summary
    params: tuple[str, ...]
    offset: int


Resolver = Callable[[Module, str, Function], Callee | None]
