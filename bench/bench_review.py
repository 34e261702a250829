"""Benchmark `vallum review`: speed against bandit, precision on real code, accuracy per CWE.

    .venv/bin/python bench/bench_review.py --site-packages /tmp/rv-libs/lib/python3.11/site-packages \\
        --tree wagtail=... --tree rxjs=/tmp/rv-ts/rxjs-7.8.2/package ...

Trees are never committed; they are fetched at bench time (docs/review-languages.md, "Measured",
has the commands): libraries and apps installed with pip into a throwaway venv (SQLAlchemy,
Django, Flask, requests; the apps Wagtail, Datasette, Calibre-Web, changedetection.io,
OctoPrint) and npm packages unpacked under /tmp (rxjs, fastify, @nestjs/core, express, effect's
TypeScript sources; the apps json-server, Directus' API, Ghost, Node-RED's editor API and
runtime). `--site-packages` adds SQLAlchemy, Django, Flask and requests from a site-packages.

1. Speed: files per second on each tree, Vallum's own analysis and bandit in the same run
   (bandit reads Python only; on JavaScript/TypeScript trees it has nothing to do).
2. Precision on real code: findings per 10k lines at the default confidence (0.6) and with
   every finding (--min-confidence 0), and a labelled sample of up to 50 findings per tree (the
   first 50 by path and line, at the default) scored with the labels in
   bench/review_labels/TREE.json (finding -> verdict tp/fp and the reason). Unlabelled
   findings are counted and listed so they can be labelled, never guessed.
3. Accuracy: the labelled corpus in tests/review/corpus (vulnerable and safe twins; each file's
   first line names its CWEs), recall and false positives per CWE, Vallum and bandit.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from vallum.review import Finding, ReviewOptions, load_threat_model, review_path
from vallum.review.backends import BACKENDS
from vallum.review.files import collect
from vallum.review.findings import DEFAULT_MIN_CONFIDENCE

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "tests" / "review" / "corpus"
LABELS = HERE / "review_labels"
LIBRARIES = ("sqlalchemy", "django", "flask", "requests")
SAMPLE = 50
# Equivalent CWEs, so that tools using neighbouring ids for one weakness are scored alike.
CANONICAL = {328: 327, 916: 327, 338: 330, 259: 798, 95: 94}
# bandit reports coarse CWEs (B201 debug -> CWE-94); score its tests by what they detect.
BANDIT = {
    "B102": 94, "B307": 94, "B201": 489, "B105": 798, "B106": 798, "B107": 798,
    "B301": 502, "B302": 502, "B403": 502, "B506": 502, "B303": 327, "B304": 327,
    "B305": 327, "B324": 327, "B311": 330, "B501": 295, "B502": 295, "B503": 295,
    "B504": 295, "B602": 78, "B603": 78, "B604": 78, "B605": 78, "B606": 78, "B607": 78,
    "B609": 78, "B608": 89, "B701": 79, "B702": 79, "B703": 79, "B306": 377, "B108": 377,
    "B202": 22, "B310": 918, "B313": 611, "B314": 611, "B315": 611, "B316": 611, "B317": 611,
    "B318": 611, "B319": 611, "B320": 611, "B410": 611, "B411": 611, "B412": 611,
}  # fmt: skip


def run_bandit(target: Path) -> tuple[list[dict[str, object]], float]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "-q", "-f", "json", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    return json.loads(proc.stdout or "{}").get("results", []), elapsed


def tree_size(target: Path) -> tuple[int, int, int]:
    """(Python files, JavaScript/TypeScript files, lines in both) that the review reads."""
    python = javascript = lines = 0
    for f in collect(target):
        if f.kind not in {"python", "javascript"}:
            continue
        python += f.kind == "python"
        javascript += f.kind == "javascript"
        lines += len(f.path.read_bytes().splitlines())
    return python, javascript, lines


# --- 1. speed ------------------------------------------------------------------------------


def speed(trees: dict[str, Path]) -> None:
    print("## speed (own analysis, no back ends; bandit -r on the same tree)")
    print(
        f"{'tree':<12}{'py':>6}{'js/ts':>7}{'lines':>10}  {'vallum s':>9}{'files/s':>9}  ", end=""
    )
    print(f"{'bandit s':>9}{'files/s':>9}")
    for name, target in trees.items():
        python, javascript, lines = tree_size(target)
        start = time.perf_counter()
        review_path(target, ReviewOptions())
        ours = time.perf_counter() - start
        row = f"{name:<12}{python:>6}{javascript:>7}{lines:>10,}  {ours:>9.2f}"
        row += f"{(python + javascript) / ours:>9.1f}  "
        if python:
            _results, theirs = run_bandit(target)
            row += f"{theirs:>9.2f}{python / theirs:>9.1f}"
        else:
            row += f"{'-':>9}{'-':>9}  (bandit reads no JavaScript/TypeScript)"
        print(row)
    print()


# --- 2. precision on real code ---------------------------------------------------------------


def label_key(f: Finding) -> str:
    """Stable across versions of a tree: rule, file and the flagged line's text, not numbers."""
    return f"{f.rule}|{f.path}|{' '.join(f.snippet.split())}"


def load_labels(tree: str) -> dict[str, dict[str, str]]:
    path = LABELS / f"{tree}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def real_code(trees: dict[str, Path]) -> None:
    print("## real code: findings per 10k lines and a labelled sample (default back ends)")
    print(f"{'tree':<12}{'lines':>10}{'all':>6}{'/10k':>7}{'shown':>7}{'/10k':>7}  ", end="")
    print(f"{'sample':>6}{'TP':>4}{'FP':>4}{'precision':>10}{'unlabelled':>11}")
    unlabelled: list[str] = []
    all_tp = all_fp = 0
    for name, target in trees.items():
        labels = load_labels(name)
        _py, _js, lines = tree_size(target)
        options = ReviewOptions(backends=(BACKENDS["secrets"],), min_confidence=0.0)
        findings = review_path(target, options).findings
        shown = [f for f in findings if f.confidence >= DEFAULT_MIN_CONFIDENCE]
        sample = sorted(shown, key=lambda f: (f.path, f.line, f.rule))[:SAMPLE]
        tp = fp = 0
        for f in sample:
            verdict = labels.get(label_key(f), {}).get("verdict")
            if verdict == "tp":
                tp += 1
            elif verdict == "fp":
                fp += 1
            else:
                unlabelled.append(f"{name}: {label_key(f)}")
        all_tp += tp
        all_fp += fp
        per = 10_000 / max(lines, 1)
        precision = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
        print(
            f"{name:<12}{lines:>10,}{len(findings):>6}{len(findings) * per:>7.2f}"
            f"{len(shown):>7}{len(shown) * per:>7.2f}  {len(sample):>6}{tp:>4}{fp:>4}"
            f"{precision:>10}{len(sample) - tp - fp:>11}"
        )
    if all_tp + all_fp:
        print(f"all samples (default confidence): precision {all_tp}/{all_tp + all_fp} = "
              f"{all_tp / (all_tp + all_fp):.2f}")  # fmt: skip
    for key in unlabelled:
        print(f"  unlabelled: {key}")
    print()


# --- 3. accuracy on the corpus ---------------------------------------------------------------


def expected(path: Path) -> set[int]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    return {CANONICAL.get(int(t), int(t)) for t in first.split(":", 1)[1].split()}


def units() -> list[tuple[Path, Path | None]]:
    """(file or project directory, threat model) pairs making up the corpus."""
    out: list[tuple[Path, Path | None]] = []
    for language in ("python", "js"):
        out += [(p, None) for p in sorted((CORPUS / language).iterdir())]
    model = CORPUS / "threatmodel" / "threatmodel.yaml"
    out += [(p, model) for p in sorted((CORPUS / "threatmodel").iterdir()) if p != model]
    return out


def sources(unit: Path) -> list[Path]:
    if unit.is_file():
        return [unit]
    return sorted(p for p in unit.rglob("*") if p.is_file() and p.suffix != ".yaml")


def accuracy() -> None:
    labels: dict[str, set[int]] = {}
    found: dict[str, dict[str, set[int]]] = {"vallum": defaultdict(set), "bandit": defaultdict(set)}
    language: dict[str, str] = {}
    for unit, model in units():
        base = unit.parent if unit.is_file() else unit
        for f in sources(unit):
            key = f.relative_to(CORPUS).as_posix()
            labels[key] = expected(f)
            language[key] = "python" if f.suffix == ".py" else "js/ts"
        options = ReviewOptions(threat_model=load_threat_model(model) if model else None)
        for finding in review_path(unit, options).findings:
            key = (base / finding.path).relative_to(CORPUS).as_posix()
            if finding.cwe:
                found["vallum"][key].add(CANONICAL.get(finding.cwe, finding.cwe))
    results, _ = run_bandit(CORPUS)
    for r in results:
        cwe = BANDIT.get(str(r["test_id"]))
        if cwe:
            key = Path(str(r["filename"])).resolve().relative_to(CORPUS).as_posix()
            found["bandit"][key].add(cwe)
    for scope in ("python", "js/ts", "all"):
        keys = {k for k in labels if scope in {"all", language[k]}}
        _table(scope, keys, labels, found)


def _table(
    scope: str, keys: set[str], labels: dict[str, set[int]], found: dict[str, dict[str, set[int]]]
) -> None:
    insecure = sum(1 for k in keys if labels[k])
    print(f"## accuracy on tests/review/corpus ({scope}): {len(keys)} files, {insecure} "
          f"vulnerable, {len(keys) - insecure} safe")  # fmt: skip
    print(f"{'CWE':<9}{'n':>3}  {'vallum TP':>9}{'FP':>4}{'recall':>8}  ", end="")
    print(f"{'bandit TP':>9}{'FP':>4}{'recall':>8}")
    universe = sorted({c for k in keys for c in labels[k]})
    totals = {t: [0, 0, 0] for t in found}
    for cwe in universe:
        n = sum(1 for k in keys if cwe in labels[k])
        row = f"CWE-{cwe:<5}{n:>3}  "
        for tool in ("vallum", "bandit"):
            tp = sum(1 for k in keys if cwe in labels[k] and cwe in found[tool][k])
            fp = sum(1 for k in keys if cwe not in labels[k] and cwe in found[tool][k])
            totals[tool][0] += tp
            totals[tool][1] += fp
            totals[tool][2] += n
            row += f"{tp:>9}{fp:>4}{tp / n:>8.2f}  "
        print(row)
    safe = [k for k in keys if not labels[k]]
    for tool, (tp, fp, n) in totals.items():
        flagged = sum(1 for k in safe if found[tool][k] & set(universe))
        print(
            f"{tool}: recall {tp}/{n} = {tp / max(n, 1):.2f}, false positives {fp}, "
            f"safe files flagged {flagged}/{len(safe)} = {flagged / max(len(safe), 1):.2f}"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--site-packages", type=Path, help="where sqlalchemy, django, ... live")
    parser.add_argument("--tree", action="append", default=[], help="NAME=DIR (repeatable)")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-real", action="store_true")
    args = parser.parse_args()
    trees: dict[str, Path] = {}
    if args.site_packages:
        for lib in LIBRARIES:
            if (args.site_packages / lib).is_dir():
                trees[lib] = args.site_packages / lib
    for spec in args.tree:
        name, _, where = spec.partition("=")
        trees[name] = Path(where)
    if trees and not args.skip_speed:
        speed(trees)
    if trees and not args.skip_real:
        real_code(trees)
    accuracy()


if __name__ == "__main__":
    main()
