"""Print training/injection_figures.json as the markdown tables the model card quotes.

.venv/bin/python training/figures_table.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIGURES = Path(__file__).resolve().parent / "injection_figures.json"


def table(summary: dict[str, Any]) -> str:
    lines = ["| family | metric | rate | n |", "|---|---|---|---|"]
    for f in summary["families"]:
        lines.append(f"| {f['family']} | {f['metric']} | {f['rate']:.1%} | {f['n']} |")
    return "\n".join(lines)


def overview(summary: dict[str, Any]) -> str:
    return (
        f"threshold {summary['threshold']:.2f}: TPR {summary['tpr_rows']:.1%} / FPR "
        f"{summary['fpr_rows']:.1%} over rows; mean over families TPR "
        f"{summary['tpr_family_mean']:.1%} (lowest {summary['tpr_family_min']:.1%}), FPR "
        f"{summary['fpr_family_mean']:.1%} (highest {summary['fpr_family_max']:.1%}); "
        f"AUC {summary['auc']:.4f}"
    )


def roc(summary: dict[str, Any]) -> str:
    lines = ["| row FPR target | threshold | TPR rows | mean family TPR | mean family FPR |",
             "|---|---|---|---|---|"]  # fmt: skip
    for p in summary.get("roc", []):
        lines.append(
            f"| {p['fpr_target']:.0%} | {p['threshold']:.3f} | {p['tpr_rows']:.1%} | "
            f"{p['tpr_family_mean']:.1%} | {p['fpr_family_mean']:.1%} |"
        )
    return "\n".join(lines)


def main() -> None:
    figures = json.loads(FIGURES.read_text())
    for key in ("lofo", "lofo_ngram_only", "validation"):
        if key in figures:
            print(f"### {key}\n\n{overview(figures[key])}\n")
            if figures[key].get("roc"):
                print(f"{roc(figures[key])}\n")
            print(f"{table(figures[key])}\n")


if __name__ == "__main__":
    main()
