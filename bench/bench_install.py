"""Install and start-up figures: what `pip install vallum` costs, and how fast `vallum` starts.

    .venv/bin/python bench/bench_install.py [--repo DIR] [--runs N] [--no-all]

Builds fresh virtual environments in a temporary directory, installs this checkout into them
(`pip install DIR` and `pip install 'DIR[all]'`, not editable; pip's cache may be used) and
prints, for each: install time, installed size and package count (every distribution but
pip/setuptools/wheel, sized from its RECORD), then `import vallum` (median of N fresh
processes, minus an empty `python -c pass`) and the cold start of `vallum --help`,
`vallum validate BUNDLE` and `vallum check BUNDLE --stage input --text hi` (medians of N).
Figures only: nothing is asserted. Before the extras (issue "house"): core 274 MB, 55 packages,
`import vallum` about 1.1 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SKIPPED = {"pip", "setuptools", "wheel"}

# Run inside the new environment: distributions and their installed bytes.
SIZE_SCRIPT = f"""
import json
from importlib.metadata import distributions
skip = {sorted(SKIPPED)!r}
names, total = set(), 0
for dist in distributions():
    name = dist.metadata["Name"].lower()
    if name in skip or name in names:
        continue
    names.add(name)
    for f in dist.files or ():
        path = f.locate()
        if path.is_file():
            total += path.stat().st_size
print(json.dumps({{"packages": len(names), "bytes": total}}))
"""


def _run(argv: list[str], cwd: Path) -> float:
    """Seconds one command takes, start to exit (its output discarded)."""
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def _median(argv: list[str], cwd: Path, runs: int) -> float:
    return statistics.median(_run(argv, cwd) for _ in range(runs))


def measure(target: str, label: str, work: Path, runs: int) -> dict[str, object]:
    env_dir = work / label
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = str(env_dir / "bin" / "python")
    vallum = str(env_dir / "bin" / "vallum")
    pip = [python, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    install_s = _run([*pip, "install", target], work)
    size = json.loads(
        subprocess.run(
            [python, "-c", SIZE_SCRIPT], check=True, capture_output=True, text=True
        ).stdout
    )
    bundle = work / f"{label}-bundle"
    subprocess.run([vallum, "init", str(bundle)], cwd=work, check=True, capture_output=True)
    empty = _median([python, "-c", "pass"], work, runs)
    check = [vallum, "check", str(bundle), "--stage", "input", "--text", "hi"]
    return {
        "install": label,
        "install_s": install_s,
        "size_mb": size["bytes"] / 1e6,
        "packages": size["packages"],
        "import_ms": (_median([python, "-c", "import vallum"], work, runs) - empty) * 1000,
        "help_ms": _median([vallum, "--help"], work, runs) * 1000,
        "validate_ms": _median([vallum, "validate", str(bundle)], work, runs) * 1000,
        "check_ms": _median([*check, "--principal", "user:bench"], work, runs) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout to install")
    parser.add_argument("--runs", type=int, default=7, help="processes per start-up median")
    parser.add_argument("--no-all", action="store_true", help="measure the core install only")
    args = parser.parse_args()
    repo = str(args.repo.resolve())
    targets = [(repo, "core")] + ([] if args.no_all else [(f"{repo}[all]", "all")])
    with tempfile.TemporaryDirectory(prefix="vallum-bench-install-") as tmp:
        rows = [measure(target, label, Path(tmp), args.runs) for target, label in targets]
    print(f"python {sys.version.split()[0]}, {args.runs} runs per median, repo {repo}")
    header = (
        f"{'install':<8}{'time s':>8}{'size MB':>9}{'pkgs':>6}{'import ms':>11}"
        f"{'--help ms':>11}{'validate ms':>13}{'check ms':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['install']:<8}{r['install_s']:>8.1f}{r['size_mb']:>9.1f}{r['packages']:>6}"
            f"{r['import_ms']:>11.0f}{r['help_ms']:>11.0f}{r['validate_ms']:>13.0f}"
            f"{r['check_ms']:>10.0f}"
        )


if __name__ == "__main__":
    main()
