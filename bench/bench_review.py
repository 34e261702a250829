"""Benchmark `vallum review` against bandit: speed, and precision/recall per CWE.

    .venv/bin/python bench/bench_review.py [--target DIR]

Speed: files per second over a large real Python code base (default: the installed
SQLAlchemy package), Vallum and bandit in the same run. Accuracy: the labelled corpus in
tests/review/corpus (secure/insecure pairs; each file's first line `# expect: CWE...`), scored per
file and per CWE for both tools. bandit is installed into the running environment if missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from vallum.review import ReviewOptions, load_threat_model, review_path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "review" / "corpus"
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


def ensure_bandit() -> None:
    if importlib.util.find_spec("bandit") is None:
        print("installing bandit for the benchmark ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "bandit"], check=True)


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


def speed(target: Path) -> None:
    files = [p for p in target.rglob("*.py") if "__pycache__" not in p.parts]
    lines = sum(len(p.read_bytes().splitlines()) for p in files)
    print(f"## speed: {target} ({len(files)} Python files, {lines:,} lines)")
    start = time.perf_counter()
    report = review_path(target, ReviewOptions())
    ours = time.perf_counter() - start
    from vallum.review.backends import BACKENDS

    start = time.perf_counter()
    review_path(target, ReviewOptions(backends=(BACKENDS["secrets"],)))
    with_secrets = time.perf_counter() - start
    results, theirs = run_bandit(target)
    print(f"{'tool':<34}{'seconds':>9}{'files/s':>10}{'findings':>10}")
    print(
        f"{'vallum review (own analysis)':<34}{ours:>9.2f}{len(files) / ours:>10.1f}"
        f"{len(report.findings):>10}"
    )
    print(
        f"{'vallum review + detect-secrets':<34}{with_secrets:>9.2f}"
        f"{len(files) / with_secrets:>10.1f}{'':>10}"
    )
    print(f"{'bandit -r':<34}{theirs:>9.2f}{len(files) / theirs:>10.1f}{len(results):>10}")
    if report.problems:
        print(f"(vallum: {len(report.problems)} file(s) reported as not fully analysed)")
    print()


def expected(path: Path) -> set[int]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    return {CANONICAL.get(int(t), int(t)) for t in first.split(":", 1)[1].split()}


def units() -> list[tuple[Path, Path | None]]:
    """(file or project directory, threat model) pairs making up the corpus."""
    out: list[tuple[Path, Path | None]] = [(p, None) for p in sorted((CORPUS / "python").iterdir())]
    model = CORPUS / "threatmodel" / "threatmodel.yaml"
    out += [(p, model) for p in sorted((CORPUS / "threatmodel").glob("*.py"))]
    return out


def accuracy() -> None:
    labels: dict[str, set[int]] = {}
    found: dict[str, dict[str, set[int]]] = {
        "vallum": defaultdict(set),
        "bandit": defaultdict(set),
    }
    tm_files: set[str] = set()
    for unit, model in units():
        files = [unit] if unit.is_file() else sorted(unit.rglob("*.py"))
        base = unit.parent if unit.is_file() else unit
        for f in files:
            key = f.relative_to(CORPUS).as_posix()
            labels[key] = expected(f)
            if model is not None:
                tm_files.add(key)
        options = ReviewOptions(threat_model=load_threat_model(model) if model else None)
        for finding in review_path(unit, options).findings:
            key = (base / finding.path).relative_to(CORPUS).as_posix()
            if finding.cwe:
                found["vallum"][key].add(CANONICAL.get(finding.cwe, finding.cwe))
        results, _ = run_bandit(unit)
        for r in results:
            cwe = BANDIT.get(str(r["test_id"]))
            if cwe:
                key = Path(str(r["filename"])).resolve().relative_to(CORPUS).as_posix()
                found["bandit"][key].add(cwe)
    universe = sorted({c for cs in labels.values() for c in cs})
    for scope, keys in (
        ("all cases", set(labels)),
        ("without threat-model cases", set(labels) - tm_files),
    ):
        insecure = sum(1 for k in keys if labels[k])
        print(
            f"## accuracy on tests/review/corpus, {scope}: {len(keys)} files, "
            f"{insecure} insecure, {len(keys) - insecure} secure"
        )
        print(f"{'CWE':<9}{'n':>3}  {'vallum P':>10}{'R':>6}  {'bandit P':>10}{'R':>6}")
        totals = {t: [0, 0, 0] for t in found}
        for cwe in universe:
            n = sum(1 for k in keys if cwe in labels[k])
            if not n:
                continue
            row = f"CWE-{cwe:<5}{n:>3}  "
            for tool in ("vallum", "bandit"):
                tp = sum(1 for k in keys if cwe in labels[k] and cwe in found[tool][k])
                fp = sum(1 for k in keys if cwe not in labels[k] and cwe in found[tool][k])
                totals[tool][0] += tp
                totals[tool][1] += fp
                totals[tool][2] += n
                precision = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
                row += f"{precision:>10}{tp / n:>6.2f}  "
            print(row)
        secure = [k for k in keys if not labels[k]]
        for tool, (tp, fp, n) in totals.items():
            flagged = sum(1 for k in secure if found[tool][k] & set(universe))
            print(
                f"{tool}: recall {tp}/{n} = {tp / n:.2f}, precision {tp}/{tp + fp} = "
                f"{tp / max(tp + fp, 1):.2f}, secure files flagged {flagged}/{len(secure)} "
                f"= {flagged / max(len(secure), 1):.2f}"
            )
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(importlib.util.find_spec("sqlalchemy").origin or ".").parent  # type: ignore[union-attr]
    parser.add_argument("--target", type=Path, default=default)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    ensure_bandit()
    if not args.skip_speed:
        speed(args.target)
    accuracy()


if __name__ == "__main__":
    main()
