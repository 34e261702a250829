"""Functions and route handlers of a module, shared by taint tracking and the threat model."""

from __future__ import annotations

from dataclasses import dataclass, field

from vallum.review.parse import Module, Node, arguments, call_name, dotted, string_value

ROUTE_METHODS = frozenset({"get", "post", "put", "delete", "patch", "head", "options"})
FLASK_ROUTE = frozenset({"route", *ROUTE_METHODS})
FASTAPI_ROUTE = frozenset({"api_route", "websocket", *ROUTE_METHODS})


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    annotation: str
    default: str


@dataclass(slots=True)
class Route:
    """An HTTP route: framework, URL path, methods and the decorators around its handler."""

    framework: str
    path: str
    methods: tuple[str, ...]
    decorator_names: tuple[str, ...]
    router: str


@dataclass(slots=True)
class Function:
    """One `def` (or `async def`), with its decorators and, for handlers, its route."""

    qualname: str
    name: str
    module: Module
    node: Node
    decorators: list[Node]
    class_name: str
    params: list[Param]
    route: Route | None = None
    nested: list[Function] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.node.start_point[0] + 1

    @property
    def body(self) -> Node | None:
        return self.node.child_by_field_name("body")

    def decorator_names(self) -> list[str]:
        names = []
        for deco in self.decorators:
            expr = deco.named_children[0] if deco.named_children else None
            if expr is not None and expr.type == "call":
                names.append(call_name(self.module, expr))
            else:
                names.append(self.module.qualify(dotted(self.module, expr)))
        return names


def collect_functions(module: Module) -> list[Function]:
    """Every function in the module, methods and nested ones included, in source order."""
    found: list[Function] = []
    _collect(module, module.root, module.name, "", found)
    return found


def _collect(module: Module, node: Node, prefix: str, cls: str, out: list[Function]) -> None:
    for child in node.named_children:
        decorators: list[Node] = []
        target = child
        if child.type == "decorated_definition":
            decorators = [c for c in child.named_children if c.type == "decorator"]
            definition = child.child_by_field_name("definition")
            if definition is None:
                continue
            target = definition
        if target.type == "function_definition":
            name = module.text(target.child_by_field_name("name"))
            func = Function(
                qualname=f"{prefix}.{name}",
                name=name,
                module=module,
                node=target,
                decorators=decorators,
                class_name=cls,
                params=_params(module, target),
            )
            func.route = _route(func)
            out.append(func)
            body = target.child_by_field_name("body")
            if body is not None:
                _collect(module, body, func.qualname, "", out)
        elif target.type == "class_definition":
            name = module.text(target.child_by_field_name("name"))
            body = target.child_by_field_name("body")
            if body is not None:
                _collect(module, body, f"{prefix}.{name}", name, out)
        elif target.type in {"if_statement", "try_statement", "block", "else_clause"}:
            _collect(module, target, prefix, cls, out)


def _params(module: Module, node: Node) -> list[Param]:
    params = node.child_by_field_name("parameters")
    result: list[Param] = []
    if params is None:
        return result
    for p in params.named_children:
        name_node: Node | None = p
        annotation = default = ""
        if p.type in {"typed_parameter", "typed_default_parameter", "default_parameter"}:
            name_node = p.child_by_field_name("name") or (
                p.named_children[0] if p.named_children else None
            )
            annotation = module.text(p.child_by_field_name("type"))
            default = module.text(p.child_by_field_name("value"))
        elif p.type in {"list_splat_pattern", "dictionary_splat_pattern"}:
            name_node = p.named_children[0] if p.named_children else None
        elif p.type != "identifier":
            continue
        if name_node is not None and name_node.type == "identifier":
            result.append(Param(module.text(name_node), annotation, default))
    return result


def _route(func: Function) -> Route | None:
    module = func.module
    for deco in func.decorators:
        expr = deco.named_children[0] if deco.named_children else None
        if expr is None or expr.type != "call":
            continue
        callee = expr.child_by_field_name("function")
        if callee is None or callee.type != "attribute":
            continue
        method = module.text(callee.child_by_field_name("attribute"))
        router = dotted(module, callee.child_by_field_name("object"))
        pos, kw = arguments(expr)
        path = string_value(module, pos[0] if pos else kw.get("path") or kw.get("rule")) or ""
        if not path.startswith("/") and not (pos and pos[0].type == "string"):
            continue
        names = tuple(func.decorator_names())
        if method == "route" or (method in FLASK_ROUTE and "fastapi" not in _frameworks(module)):
            methods_node = kw.get("methods")
            methods = tuple(m.upper() for m in _strings(module, methods_node)) or (
                (method.upper(),) if method != "route" else ("GET",)
            )
            return Route("flask", path, methods, names, router)
        if method in FASTAPI_ROUTE:
            return Route("fastapi", path, (method.upper(),), names, router)
    return None


def _frameworks(module: Module) -> set[str]:
    return {target.split(".")[0] for target in module.imports.values()}


def _strings(module: Module, node: Node | None) -> list[str]:
    if node is None:
        return []
    return [v for c in node.named_children if (v := string_value(module, c)) is not None]
