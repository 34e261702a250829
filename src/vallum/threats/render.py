"""The coverage matrix for people: a terminal table and a self-contained HTML page.

Both read `Coverage.to_dict()`, the same dict `--json` prints, so every output says the same
thing. The HTML is a Jinja2 template, autoescaped (threat titles and scenario names are text
anyone who can edit the bundle wrote); the dashboard includes the same `_matrix.html`.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vallum.threats.coverage import Coverage
from vallum.threats.init import ANSWERED, InitReport
from vallum.threats.starter import proposal_text

if TYPE_CHECKING:
    from jinja2 import Environment
    from rich.console import Console

TEMPLATES = Path(str(files("vallum.threats"))) / "templates"


def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def render_html(coverage: Coverage) -> str:
    """The matrix as one HTML page (`vallum threats --html`): no script, nothing fetched."""
    return environment().get_template("report.html").render(cov=coverage.to_dict())


def render_text(coverage: Coverage, console: Console) -> None:
    """The matrix as a terminal table, then the problems `--check` fails on."""
    from rich.markup import escape
    from rich.table import Table

    cov = coverage.to_dict()
    table = Table(title=f"Threats of {escape(coverage.bundle)}", show_lines=True)
    for column in ("Threat", "OWASP", "Answered by", "Tests (run now)", "Evidence"):
        table.add_column(column, overflow="fold")
    for row in cov["threats"]:
        mark = "[green]●[/]" if row["enforced"] else "[red]○ no enforcing control[/]"
        table.add_row(
            f"{mark} {escape(row['id'])}\n{escape(row['title'])}",
            ", ".join(o["id"] for o in row["owasp"]),
            "\n".join(_answer(a) for a in row["answers"]) or "[red]nothing[/]",
            "\n".join(_test(t) for t in row["tests"])
            or ("[dim]no tests[/]" if cov["tests_run"] else "[dim]not run[/]"),
            "\n".join(_evidence(a) for a in row["answers"] if a["acted"] is not None)
            or "[dim]—[/]",
        )
    console.print(table)
    evidence = cov["evidence"]
    if evidence is None:
        console.print("[dim]No evidence log read (--db URL to read one).[/]")
    else:
        console.print(
            f"Evidence: {evidence['decisions']} decisions of this bundle in the last "
            f"{evidence['days']} days ({escape(evidence['source'])})."
        )
    for orphan in cov["orphans"]:
        console.print(f"[yellow]![/] {escape(orphan)} answers no threat")
    for problem in cov["problems"]:
        console.print(f"[red]✗[/] {escape(problem)}", soft_wrap=True)
    if not cov["problems"]:
        console.print("[green]✓[/] every threat has an enforcing control, every test passes")


def _answer(a: dict[str, Any]) -> str:
    from rich.markup import escape

    colour = {"enforce": "green", "review": "green", "missing": "red"}.get(a["mode"], "dim")
    return f"{a['kind']} {escape(a['id'])} [{colour}]{a['mode']}[/]"


def _test(t: dict[str, Any]) -> str:
    from rich.markup import escape

    if t["passed"]:
        return f"[green]✓[/] {escape(t['name'])}"
    return f"[red]✗[/] {escape(t['name'])}: {escape(t['detail'])}"


def _evidence(a: dict[str, Any]) -> str:
    from rich.markup import escape

    if a["unproven"]:
        return f"{escape(a['id'])}: [red]unproven in production[/]"
    if a["mode"] == "monitor":
        return f"{escape(a['id'])}: would have acted {a['would_have_acted']}×"
    return f"{escape(a['id'])}: acted {a['acted']}×"


def render_init(
    report: InitReport, changes: list[str] | None, undeclared: list[str], console: Console
) -> None:
    """`vallum threats init` for people: the trifecta, each threat's status, the proposals."""
    from rich.markup import escape

    data = report.to_dict()
    console.print(f"[bold]Lethal trifecta of {escape(report.bundle)}[/]")
    for title, key in (("untrusted content enters from", "entries"),
                       ("private data", "private_data"), ("exits", "exits")):  # fmt: skip
        console.print(f"  {title}: {escape(', '.join(data[key]) or 'none')}")
    for name in data["unprobed_data"]:
        console.print(f"  [yellow]![/] {escape(name)}: no sample value, not probed")
    if not report.threats:
        console.print("No untrusted entry, or no side-effecting tool: no trifecta threat.")
    for derived in report.threats:
        colour = {ANSWERED: "green"}.get(derived.status, "red")
        by = ", ".join(derived.answered_by) or "nothing"
        console.print(
            f"[{colour}]{derived.status:>16}[/] {escape(derived.id)}: {escape(derived.title)}"
            f" [dim](answered by {escape(by)})[/]"
        )
        for gap in derived.gaps:
            watch = f", monitor: {', '.join(gap.monitored)}" if gap.monitored else ""
            console.print(
                f"{'':>18}gets through from {escape(gap.entry)} when {escape(gap.variant)}"
                f" ({gap.action.value}{escape(watch)})"
            )
    text = proposal_text(report)
    if text:
        console.print("\n[bold]Proposed policies[/] (schema-valid; verified ones close every gap):")
        console.print(text, soft_wrap=True, markup=False)
    if changes is not None:
        console.print("\n[bold]Since the earlier bundle[/]:")
        for line in changes or ["nothing opened or closed"]:
            console.print(f"  {escape(line)}")
    if undeclared:
        console.print(f"\nNot yet in threats.yaml: {escape(', '.join(undeclared))}")
