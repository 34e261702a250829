"""Where a view's values leave it: HTML it returns, templates that print them unescaped, and
the session it writes (reflected and stored XSS, trust boundary, weak session values)."""

from __future__ import annotations

from vallum.review.functions import Function
from vallum.review.parse import Module, Node, dotted, string_value
from vallum.review.taint import valueflow
from vallum.review.taint.flows import stringish
from vallum.review.taint.labels import Taint, dangerous
from vallum.review.taint.reporting import Reporter
from vallum.review.taint.templates import unescaped_variables


class Outputs(Reporter):
    """Mixin: sinks that are a view's outputs rather than a call's arguments."""

    func: Function
    m: Module
    strings: set[str]

    def expr(self, node: Node | None) -> Taint:
        raise NotImplementedError

    def _html_return(self, value: Node, taint: Taint) -> None:
        """A Flask or Django view returning HTML built from untrusted data (reflected XSS)."""
        route = self.func.route
        first = self.func.params[0] if self.func.params else None
        # `def view(request)`; a helper's `request=None` is not a view
        django_view = first is not None and first.name == "request" and not first.default
        html_api = (
            route is not None
            and route.framework == "fastapi"
            and any("HTMLResponse" in self.m.text(d) for d in self.func.decorators)
        )
        if not ((route is not None and route.framework == "flask") or django_view or html_api):
            return
        # Flask serves a returned str as text/html: any text built from input is reflected.
        if not (stringish(self.m, value) or self.m.text(value) in self.strings):
            return
        labels = dangerous(taint, "xss")
        if labels:
            self.report("xss", labels, value, "return")

    # --- binding -----------------------------------------------------------------------

    def _unescaped(
        self, node: Node, pos: list[Node], kw: dict[str, Node], taints: dict[int, Taint]
    ) -> None:
        """`render_template("p.html", bio=x)` where p.html writes `{{ bio|safe }}` (XSS)."""
        index = 1 if pos and pos[0].type != "string" else 0  # Django: render(request, name, ...)
        template = string_value(self.m, pos[index]) if len(pos) > index else None
        if not template:
            return
        values = dict(kw)
        context = pos[index + 1] if len(pos) > index + 1 else kw.get("context")
        if context is not None and context.type == "dictionary":
            for pair in context.named_children:
                key = string_value(self.m, pair.child_by_field_name("key"))
                value = pair.child_by_field_name("value")
                if key and value is not None:
                    values[key] = value
        for variable in unescaped_variables(self.m.templates, template):
            value = values.get(variable)
            if value is None:
                continue
            labels = dangerous(taints.get(value.id) or self.expr(value), "xss")
            if labels:
                self.report("xss", labels, node, f"{template} |safe")

    def _session_write(self, store: Node | None, taint: Taint, where: Node) -> None:
        """`session["role"] = request.form["role"]`: untrusted data stored as trusted state.

        `store` is the object written to (by subscript, or by `session.update(...)`).
        """
        container = dotted(self.m, store)
        if container in valueflow.SESSION_OBJECTS or self.m.qualify(container) == "flask.session":
            for kind in ("session", "weakrand"):
                labels = dangerous(taint, kind)
                if labels:
                    self.report(kind, labels, where, f"{container}.__setitem__")
